"""The posts and accounts of one staged batch of troll tweets, built column by column.

Both layouts of FiveThirtyEight's troll tweets (:mod:`cibwatch.ingest.troll_tweets`) give a
tweet's text, author, time and counts, and nothing else: the entities and the retweet are
read from the text. They differ only in where the ids come from, so each layout turns its
CSV table into a few columns and :class:`TweetBatch` does the rest for both.

Why columns: the IRA files hold over a million tweets, and a dict per row read, a dict per
post written and Arrow's inference over those dicts cost more than reading the text. Here
the cells come out of Arrow one column at a time, one pass over the rows reads the
entities, and the posts go back to Arrow one column at a time; an account row is built once
per account and table, not once per tweet.

>>> batch = TweetBatch("x")
>>> batch.add(
...     post_ids=["p1", "p2"], account_ids=["a", "a"], handles=["A", "A"],
...     created=["2017-01-01 10:00:00+00:00"] * 2, texts=["RT @b: hi #x", "yo"],
...     languages=["English", None], post_types=[None, None], retweet_flags=None,
...     expanded=None, followers=["1", "2"], following=[None, None], rows=[2, 3])
>>> [s.target for s in batch.flush()], len(batch)
(['posts', 'accounts'], 0)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any, Final

import pyarrow as pa

from cibwatch.ingest import entities
from cibwatch.ingest.base import StagedBatch
from cibwatch.ingest.staging import rows_batch

#: Columns of a staged post, in the order the loader has always received them.
POST_COLUMNS: Final = (
    "platform",
    "post_id",
    "account_id",
    "created_at",
    "text",
    "language",
    "kind",
    "urls",
    "domains",
    "hashtags",
    "mentions",
    "shared_account_id",
    "shared_post_id",
    "source_row",
)
# post_type names the kind of a non-original tweet (the re-release abbreviates it to R/Q);
# ``retweet`` is a 0/1 flag besides it.
_POST_TYPES: Final = {"RETWEET": "share", "R": "share", "QUOTE_TWEET": "quote", "Q": "quote"}

#: A tweet's kind, links, domains, hashtags, mentions, shared account and shared post.
Links = list[str] | None
Entities = tuple[str, Links, Links, Links, Links, str | None, str | None]


def nonblank_column(values: Sequence[str | None]) -> list[str | None]:
    """:func:`~cibwatch.ingest.csvsource.nonblank` over a column (stripped; blank is None)."""
    return [(v.strip() or None) if v is not None else None for v in values]


def tweet_entities(
    text: str | None,
    post_type: str | None = None,
    retweet_flag: str | None = None,
    expanded: list[str] | None = None,
) -> Entities:
    """Kind, entities and shared post of one tweet whose source gives only its text.

    The kind is the source's ``post_type`` when it names one, else a share when the text is
    an ``RT @handle:`` or the ``retweet`` flag is 1. ``expanded`` are links the source
    expanded itself (kept first, before the text's own). A share whose text is no
    ``RT @handle:`` (the re-release's ``R`` rows give the retweeted text alone) shares the
    post of that text.

    >>> tweet_entities("RT @TEN_GOP: Vote #MAGA https://t.co/a")[0::5]
    ('share', 'ten_gop')
    >>> tweet_entities("Vote", "R")[0], tweet_entities("Vote", None, "1")[0]
    ('share', 'share')
    """
    shared = entities.retweet_of(text)
    kind = _POST_TYPES.get((post_type.strip() if post_type else "").upper())
    if kind is None:
        flag = retweet_flag.strip() if retweet_flag else ""
        kind = "share" if shared is not None or flag == "1" else "original"
    links = entities.urls(text)
    if expanded:
        links = list(dict.fromkeys([*expanded, *links]))
    shared_account = shared_post = None
    if shared is not None:
        handle, retweeted = shared
        shared_account = handle.lower()
        shared_post = entities.shared_post_id(handle, retweeted)
    elif kind == "share" and text and text.strip():
        shared_post = entities.shared_post_id(None, text)
    return (
        kind,
        links or None,
        # Without this the loader would take t.co, the host of every link, as a domain
        # (links all on t.co: an empty list, as the loader has always received it).
        entities.domains(links) if links else None,
        entities.hashtags(text) or None,
        entities.mentions(text) or None,
        shared_account,
        shared_post,
    )


class TweetBatch:
    """Post columns and account rows gathered until the loader takes them (:meth:`flush`).

    Accounts: one row per account per batch, the latest row's counts (they are per tweet);
    the order is that of each account's first tweet in the batch.
    """

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.columns: dict[str, list[Any]] = {name: [] for name in POST_COLUMNS}
        self.accounts: dict[str | None, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.columns["source_row"])

    def add(
        self,
        *,
        post_ids: list[str | None],
        account_ids: list[str | None],
        handles: list[str | None],
        created: list[str | None],
        texts: list[str | None],
        languages: list[str | None],
        post_types: list[str | None],
        retweet_flags: list[str | None] | None,
        expanded: list[list[str]] | None,
        followers: list[str | None],
        following: list[str | None],
        rows: list[int],
    ) -> None:
        """Append tweets given as columns (all of one length; values as the source has them,
        except ids, handles and times, which the layout has already worked out)."""
        found = [
            tweet_entities(text, post_type, flag, links)
            for text, post_type, flag, links in zip(
                texts,
                post_types,
                retweet_flags if retweet_flags is not None else repeat(None),
                expanded if expanded is not None else repeat(None),
                strict=False,  # the repeats are endless; texts sets the length
            )
        ]
        out = self.columns
        out["platform"].extend(repeat(self.platform, len(rows)))
        out["post_id"].extend(post_ids)
        out["account_id"].extend(account_ids)
        out["created_at"].extend(created)
        out["text"].extend(texts)
        out["language"].extend(nonblank_column(languages))
        if found:
            for name, values in zip(POST_COLUMNS[6:13], zip(*found, strict=True), strict=True):
                out[name].extend(values)
        out["source_row"].extend(rows)
        counts = [(f.strip() or None) if f is not None else None for f in followers]
        follows = nonblank_column(following)
        # the latest row of each account (a dict keeps the place of the first)
        latest = {account: i for i, account in enumerate(account_ids)}
        for account, i in latest.items():
            self.accounts[account] = {
                "platform": self.platform,
                "account_id": account,
                "kind": "account",
                "handle": handles[i],
                "followers": counts[i],
                "following": follows[i],
                "source_row": rows[i],
            }

    def flush(self) -> Iterator[StagedBatch]:
        """Stage the posts, then the accounts, and start a new batch (nothing if empty)."""
        if len(self):
            arrays = [pa.array(self.columns[name]) for name in POST_COLUMNS]
            yield StagedBatch("posts", pa.RecordBatch.from_arrays(arrays, names=list(POST_COLUMNS)))
            self.columns = {name: [] for name in POST_COLUMNS}
        if self.accounts:
            yield rows_batch("accounts", list(self.accounts.values()))
            self.accounts = {}
