"""Ingester for FiveThirtyEight's ``russian-troll-tweets`` CSVs (Linvill & Warren, Clemson).

Each row is one tweet by an Internet Research Agency handle, collected with Salesforce Social
Studio, with the author's follower and following counts at the time of the tweet.

Time zone: the dataset's README defines ``publish_date`` only as "the date and time the tweet
was sent" (values like ``10/1/2017 19:58``, month first) and names no zone. The ingester only
rewrites the US-style date as ISO 8601 (``2017-10-01 19:58:00``), still without a zone, so
the loader refuses the file unless ``--assume-tz`` says which zone the analyst takes it to
be; we never guess it.

Ids: ``external_author_id`` was rounded in some published files (a float through a
spreadsheet), so ``alt_external_id`` (reconstructed by the authors) is preferred when given.
Older files have no ``tweet_id``; it is then read from ``article_url``
(``.../status/<id>``), and a row with neither is rejected.

>>> iso_publish_date("10/1/2017 19:58")
'2017-10-01 19:58:00'
>>> tweet_id_from_url("http://twitter.com/10_gop/statuses/914580356430536705")
'914580356430536705'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch
from cibwatch.ingest.csvsource import csv_records, header_columns, nonblank
from cibwatch.ingest.staging import flush

REQUIRED: tuple[str, ...] = ("external_author_id", "author", "content", "publish_date")
_URL_COLUMNS = ("tco1_step1", "tco2_step1", "tco3_step1")
OPTIONAL: tuple[str, ...] = (
    *_URL_COLUMNS,
    "language",
    "following",
    "followers",
    "post_type",
    "retweet",
    "alt_external_id",
    "tweet_id",
    "article_url",
)
_US_TIME = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d\d)(?::(\d\d))?\s*$")
_STATUS = re.compile(r"/status(?:es)?/(\d+)")
# post_type names the kind of a non-original tweet; ``retweet`` is a 0/1 flag besides it.
_POST_TYPES = {"RETWEET": "share", "QUOTE_TWEET": "quote"}


def iso_publish_date(value: str | None) -> str | None:
    """``M/D/YYYY H:MM`` as naive ISO 8601; other values unchanged (the loader judges them)."""
    match = _US_TIME.match(value or "")
    if match is None:
        return nonblank(value)
    month, day, year, hour, minute, second = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d} {int(hour):02d}:{minute}:{int(second or 0):02d}"


def tweet_id_from_url(url: str | None) -> str | None:
    """The tweet id in a twitter.com status link, or ``None``."""
    match = _STATUS.search(url or "")
    return match.group(1) if match else None


class TrollTweetsIngester(Ingester):
    """FiveThirtyEight russian-troll-tweets CSV (publish_date has no zone: --assume-tz)."""

    name: ClassVar[str] = "troll_tweets"
    description: ClassVar[str] = (
        "FiveThirtyEight russian-troll-tweets CSV (no time zone: needs --assume-tz)"
    )

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        columns = set(header_columns(head))
        return set(REQUIRED) <= columns and "account_category" in columns

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        platform = options.platform or "x"
        posts: list[dict[str, Any]] = []
        accounts: dict[str | None, dict[str, Any]] = {}
        for rec in csv_records(path, REQUIRED, OPTIONAL, "russian-troll-tweets"):
            if isinstance(rec, Reject):
                yield rec
                continue
            row = rec["source_row"]
            post_id = nonblank(rec.get("tweet_id")) or tweet_id_from_url(rec.get("article_url"))
            if post_id is None:
                yield Reject(row, "tweet_id", "no tweet_id and no status link in article_url")
                continue
            # The reconstructed id first: external_author_id was rounded in some files.
            alt_id = rec.get("alt_external_id")
            account_id = nonblank(alt_id) or nonblank(rec.get("external_author_id"))
            kind = _POST_TYPES.get((nonblank(rec.get("post_type")) or "").upper())
            if kind is None:
                kind = "share" if nonblank(rec.get("retweet")) == "1" else "original"
            urls = [u for u in (nonblank(rec.get(c)) for c in _URL_COLUMNS) if u]
            posts.append(
                {
                    "platform": platform,
                    "post_id": post_id,
                    "account_id": account_id,
                    "created_at": iso_publish_date(rec.get("publish_date")),
                    "text": rec.get("content") or None,
                    "language": nonblank(rec.get("language")),
                    "kind": kind,
                    "urls": urls or None,
                    "source_row": row,
                }
            )
            # Counts are per tweet; the latest row of the batch describes the account.
            accounts[account_id] = {
                "platform": platform,
                "account_id": account_id,
                "kind": "account",
                "handle": nonblank(rec.get("author")),
                "followers": nonblank(rec.get("followers")),
                "following": nonblank(rec.get("following")),
                "source_row": row,
            }
            if len(posts) >= options.batch_rows:
                yield from flush(posts, accounts)
        yield from flush(posts, accounts)


INGESTERS: list[type[Ingester]] = [TrollTweetsIngester]
