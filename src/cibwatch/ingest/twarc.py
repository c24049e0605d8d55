"""Ingester for X/Twitter API v2 JSONL as written by ``twarc2`` (raw pages or flattened).

``twarc2 search`` writes one API *response page* per line: ``data`` (tweets), ``includes``
(``users``, referenced ``tweets``, ``media``...) and twarc's own ``__twarc`` metadata.
``twarc2 flatten`` writes one tweet per line with the expansions inlined (``author``, and
each ``referenced_tweets`` entry merged with the referenced tweet). Both are read here; a
page whose ``data`` holds users (``twarc2 users``) yields accounts only.

Tweets become posts. The kind comes from ``referenced_tweets``: ``retweeted`` is a share,
``quoted`` a quote, ``replied_to`` a reply (share wins over quote over reply; the reply
target is kept whatever the kind). The shared account is the author of the referenced
tweet, found in ``includes.tweets`` (pages) or inlined (flattened). Referenced tweets are
not stored as posts themselves: the collection did not select them. Users (``includes``,
or ``author`` when flattened) become accounts. Times stay API strings (ISO 8601, ``Z``).
An unparseable line becomes a reject with its line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch, Target
from cibwatch.ingest.staging import flush

_KIND_BY_REFERENCE = (("retweeted", "share"), ("quoted", "quote"), ("replied_to", "reply"))
# Substrings only twarc/API v2 output has near the start of a line.
_MARKERS = (b'"__twarc"', b'"edit_history_tweet_ids"', b'"conversation_id"')


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def user_row(user: Mapping[str, Any], platform: str, row: int) -> dict[str, Any]:
    """An API v2 user object as a staged account row."""
    metrics = _dict(user.get("public_metrics"))
    url_entities = _list(_dict(_dict(user.get("entities")).get("url")).get("urls"))
    url = _dict(url_entities[0]).get("expanded_url") if url_entities else user.get("url")
    return {
        "platform": platform,
        "account_id": _str(user.get("id")),
        "kind": "account",
        "handle": user.get("username"),
        "display_name": user.get("name"),
        "created_at": user.get("created_at"),
        "claimed_location": user.get("location"),
        "bio": user.get("description"),
        "followers": metrics.get("followers_count"),
        "following": metrics.get("following_count"),
        "url": url or None,
        "source_row": row,
    }


def tweet_row(
    tweet: Mapping[str, Any],
    referenced: Mapping[str, Mapping[str, Any]],
    platform: str,
    row: int,
) -> dict[str, Any]:
    """An API v2 tweet as a staged post row; ``referenced`` maps tweet id to included tweet."""
    refs = {str(ref.get("type")): _dict(ref) for ref in _list(tweet.get("referenced_tweets"))}
    kind, shared = "original", None
    for ref_type, ref_kind in _KIND_BY_REFERENCE:
        if ref_type in refs:
            kind, shared = ref_kind, refs[ref_type]
            break
    shared_post = shared_account = None
    if shared is not None and kind != "reply":
        shared_post = _str(shared.get("id"))
        # Flattened files inline the referenced tweet; pages keep it in includes.tweets.
        author = shared.get("author_id") or referenced.get(shared_post or "", {}).get("author_id")
        shared_account = _str(author)
    entities = _dict(tweet.get("entities"))
    metrics = _dict(tweet.get("public_metrics"))
    urls = [
        _dict(u).get("expanded_url") or _dict(u).get("url") for u in _list(entities.get("urls"))
    ]
    return {
        "platform": platform,
        "post_id": _str(tweet.get("id")),
        "account_id": _str(tweet.get("author_id") or _dict(tweet.get("author")).get("id")),
        "created_at": tweet.get("created_at"),
        "text": tweet.get("text"),
        "language": tweet.get("lang"),
        "kind": kind,
        "shared_post_id": shared_post,
        "shared_account_id": shared_account,
        "reply_to_post_id": _str(refs.get("replied_to", {}).get("id")),
        "urls": [str(u) for u in urls if u] or None,
        "hashtags": [str(_dict(h).get("tag")) for h in _list(entities.get("hashtags"))] or None,
        "mentions": [str(_dict(m).get("username")) for m in _list(entities.get("mentions"))]
        or None,
        "likes": metrics.get("like_count"),
        "shares": metrics.get("retweet_count"),
        "comments": metrics.get("reply_count"),
        "views": metrics.get("impression_count"),
        "source_row": row,
    }


def _stage(target: Target, rows: list[dict[str, Any]]) -> StagedBatch:
    """Build a batch; a column whose JSON values mix types is staged as strings.

    The loader validates and casts; strings keep whatever the source wrote so that a
    bad value is rejected with its row instead of failing the whole batch here.
    """
    names = list(dict.fromkeys(name for r in rows for name in r))
    arrays = []
    for name in names:
        values = [r.get(name) for r in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([_text(v) for v in values], type=pa.string()))
    batch = pa.RecordBatch.from_arrays(arrays, names=names)
    return StagedBatch(target, batch)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


class TwarcIngester(Ingester):
    """twarc2 JSONL: API v2 response pages or ``twarc2 flatten`` output."""

    name: ClassVar[str] = "twarc"
    description: ClassVar[str] = "X/Twitter API v2 JSONL from twarc2 (pages or flattened)"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not start.startswith(b"{"):
            return False
        first_line = start.split(b"\n", 1)[0]
        if any(marker in first_line for marker in _MARKERS):
            return True
        # An unmarked API page: data plus includes, with v2 tweet or user keys.
        return (
            b'"data"' in first_line
            and b'"includes"' in first_line
            and (b'"author_id"' in first_line or b'"username"' in first_line)
        )

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        platform = options.platform or "x"
        posts: list[dict[str, Any]] = []
        accounts: dict[Any, dict[str, Any]] = {}
        with path.open("rb") as handle:
            for row, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    line = raw.decode("utf-8-sig" if row == 1 else "utf-8")
                    record = json.loads(line)
                except UnicodeDecodeError as exc:
                    text = raw[:1000].decode("latin-1")
                    yield Reject(row, None, f"not UTF-8 ({exc.reason})", text)
                    continue
                except json.JSONDecodeError as exc:
                    yield Reject(row, None, f"invalid JSON: {exc.msg}", line[:1000])
                    continue
                except RecursionError:
                    yield Reject(row, None, "JSON nested too deep", line[:1000])
                    continue
                if not isinstance(record, dict):
                    yield Reject(row, None, "a JSON line that is not an object", line[:1000])
                    continue
                try:
                    rejects = list(self._record(record, platform, row, posts, accounts))
                except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
                    # A value of the wrong type where the API has another (a list for a
                    # string...): this line is not what twarc writes.
                    reason = f"unexpected structure ({type(exc).__name__}: {exc})"
                    yield Reject(row, None, reason[:300], line[:1000])
                    continue
                yield from rejects
                if len(posts) >= options.batch_rows or len(accounts) >= options.batch_rows:
                    yield from flush(posts, accounts, _stage)
        yield from flush(posts, accounts, _stage)

    def _record(
        self,
        record: dict[str, Any],
        platform: str,
        row: int,
        posts: list[dict[str, Any]],
        accounts: dict[Any, dict[str, Any]],
    ) -> Iterator[Reject]:
        if "data" in record:
            data = record["data"]
            items = data if isinstance(data, list) else [data]
            includes = _dict(record.get("includes"))
            referenced = {str(_dict(t).get("id")): _dict(t) for t in _list(includes.get("tweets"))}
            users = _list(includes.get("users"))
        else:
            items, referenced = [record], {}
            users = [record["author"]] if isinstance(record.get("author"), dict) else []
        for user in users:
            if isinstance(user, dict) and user.get("id") is not None:
                accounts[user["id"]] = user_row(user, platform, row)
        for item in items:
            if not isinstance(item, dict) or item.get("id") is None:
                yield Reject(row, "id", "a tweet without id", json.dumps(item)[:1000])
            elif "username" in item and "text" not in item:
                accounts[item["id"]] = user_row(item, platform, row)
            else:
                posts.append(tweet_row(item, referenced, platform, row))


INGESTERS: list[type[Ingester]] = [TwarcIngester]
