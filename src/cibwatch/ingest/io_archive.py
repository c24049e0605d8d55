"""Ingester for the Twitter/X information-operations archive (transparency.twitter.com).

Twitter published, per takedown, a *tweets* CSV (one row per tweet, with the author's profile
repeated on every row) and a *users* CSV (one row per account). Account-identifying values
are SHA-256 hashed (64 hex characters) in the public release and plain numbers in the
unhashed research release; both are kept as written, as strings.

Archive quirks converted here: list cells written as ``[tag1, tag2]``, ``['a', 'b']`` or
``[]``; booleans written ``True``/``False``; empty cells (CSV has no NULL). Times are
``YYYY-MM-DD HH:MM`` (tweets) and ``YYYY-MM-DD`` (accounts) without a zone; the archive's
README documents them as UTC, so the ingester appends ``+00:00`` itself.

>>> parse_list_cell("['a', 'b']")
['a', 'b']
>>> parse_list_cell("[tag1, tag2]")
['tag1', 'tag2']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch
from cibwatch.ingest.csvsource import csv_records, header_columns, nonblank, read_header
from cibwatch.ingest.listcells import parse_string_list
from cibwatch.ingest.staging import flush

#: Columns without which a file is not a tweets file of the archive.
TWEETS_REQUIRED: tuple[str, ...] = ("tweetid", "userid", "tweet_time")
#: Columns without which a file is not a users file of the archive.
USERS_REQUIRED: tuple[str, ...] = ("userid", "user_screen_name", "account_creation_date")

USER_COLUMNS: tuple[str, ...] = (
    "userid",
    "user_display_name",
    "user_screen_name",
    "user_reported_location",
    "user_profile_description",
    "user_profile_url",
    "follower_count",
    "following_count",
    "account_creation_date",
    "account_language",
)
TWEET_COLUMNS: tuple[str, ...] = (
    *USER_COLUMNS,
    "tweetid",
    "tweet_language",
    "tweet_text",
    "tweet_time",
    "in_reply_to_userid",
    "in_reply_to_tweetid",
    "quoted_tweet_tweetid",
    "is_retweet",
    "retweet_userid",
    "retweet_tweetid",
    "quote_count",
    "reply_count",
    "like_count",
    "retweet_count",
    "hashtags",
    "urls",
    "user_mentions",
)

_TRUE = frozenset({"true", "1", "t", "yes"})
_ZONE_SUFFIX = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
_DATE_ONLY = re.compile(r"^\d{4}-\d\d-\d\d$")


def parse_list_cell(cell: str | None) -> list[str] | None:
    """Read the archive's list encoding; ``None`` for an empty cell, ``[]`` for ``[]``.

    Quoted lists are read as Python-style string lists without evaluating them
    (:func:`~cibwatch.ingest.listcells.parse_string_list`); unquoted ones (``[tag1, tag2]``)
    are comma-separated. A cell without brackets is taken as a single value.
    """
    if cell is None:
        return None
    text = cell.strip()
    if not text:
        return None
    if not (text.startswith("[") and text.endswith("]")):
        return [text]
    if "'" in text or '"' in text:
        value = parse_string_list(text)
        if value is not None:
            return [v.strip() for v in value if v.strip()]
    inner = text[1:-1]
    return [part.strip().strip("'\"") for part in inner.split(",") if part.strip().strip("'\"")]


def _utc(value: str | None) -> str | None:
    """Mark an archive time as UTC (documented by the archive), keeping any explicit zone."""
    value = nonblank(value)
    if value is None or _ZONE_SUFFIX.search(value):
        return value
    if _DATE_ONLY.match(value):
        return f"{value} 00:00:00+00:00"
    return f"{value}+00:00"


def _bool(value: str | None) -> bool:
    return (nonblank(value) or "").lower() in _TRUE


def _account(rec: dict[str, Any], platform: str, row: int) -> dict[str, Any]:
    return {
        "platform": platform,
        "account_id": nonblank(rec.get("userid")),
        "kind": "account",
        "handle": nonblank(rec.get("user_screen_name")),
        "display_name": nonblank(rec.get("user_display_name")),
        "created_at": _utc(rec.get("account_creation_date")),
        "claimed_location": nonblank(rec.get("user_reported_location")),
        "bio": nonblank(rec.get("user_profile_description")),
        "followers": nonblank(rec.get("follower_count")),
        "following": nonblank(rec.get("following_count")),
        "language": nonblank(rec.get("account_language")),
        "url": nonblank(rec.get("user_profile_url")),
        "source_row": row,
    }


def _post(rec: dict[str, Any], platform: str, row: int) -> dict[str, Any]:
    kind = "original"
    shared_post = shared_account = None
    reply_to = nonblank(rec.get("in_reply_to_tweetid"))
    quoted = nonblank(rec.get("quoted_tweet_tweetid"))
    if _bool(rec.get("is_retweet")):
        kind = "share"
        shared_post = nonblank(rec.get("retweet_tweetid"))
        shared_account = nonblank(rec.get("retweet_userid"))
    elif quoted:
        kind = "quote"
        shared_post = quoted
    elif reply_to or nonblank(rec.get("in_reply_to_userid")):
        kind = "reply"
    return {
        "platform": platform,
        "post_id": nonblank(rec.get("tweetid")),
        "account_id": nonblank(rec.get("userid")),
        "created_at": _utc(rec.get("tweet_time")),
        "text": rec.get("tweet_text") or None,
        "language": nonblank(rec.get("tweet_language")),
        "kind": kind,
        "shared_post_id": shared_post,
        "shared_account_id": shared_account,
        "reply_to_post_id": reply_to,
        "urls": parse_list_cell(rec.get("urls")),
        "hashtags": parse_list_cell(rec.get("hashtags")),
        # The archive lists mentioned accounts by (possibly hashed) user id, not handle.
        "mentions": parse_list_cell(rec.get("user_mentions")),
        "likes": nonblank(rec.get("like_count")),
        "shares": nonblank(rec.get("retweet_count")),
        "comments": nonblank(rec.get("reply_count")),
        "source_row": row,
    }


class IOArchiveIngester(Ingester):
    """Tweets and users CSVs of the Twitter/X information-operations archive."""

    name: ClassVar[str] = "io_archive"
    description: ClassVar[str] = (
        "Twitter/X information-operations archive CSV (tweets or users file; times UTC)"
    )

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        columns = set(header_columns(head))
        is_tweets = set(TWEETS_REQUIRED) <= columns and "tweet_text" in columns
        is_users = set(USERS_REQUIRED) <= columns and "tweetid" not in columns
        return is_tweets or is_users

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        platform = options.platform or "x"
        tweets = "tweetid" in read_header(path, ",", options.encoding)
        required = TWEETS_REQUIRED if tweets else USERS_REQUIRED
        optional = TWEET_COLUMNS if tweets else USER_COLUMNS
        posts: list[dict[str, Any]] = []
        accounts: dict[str | None, dict[str, Any]] = {}
        for rec in csv_records(
            path, required, optional, "information-operations archive", options.encoding
        ):
            if isinstance(rec, Reject):
                yield rec
                continue
            row = rec["source_row"]
            if tweets:
                posts.append(_post(rec, platform, row))
            # The tweets file repeats the profile on every row: keep one per batch.
            account = _account(rec, platform, row)
            accounts.setdefault(account["account_id"], account)
            if len(posts) >= options.batch_rows or len(accounts) >= options.batch_rows:
                yield from flush(posts, accounts)
        yield from flush(posts, accounts)


INGESTERS: list[type[Ingester]] = [IOArchiveIngester]
