"""Ingesters for FiveThirtyEight's ``russian-troll-tweets`` (Linvill & Warren, Clemson).

Each row is one tweet by an Internet Research Agency handle, collected with Salesforce Social
Studio, with the author's follower and following counts at the time of the tweet. Two
layouts are read, both detected from their header:

- the original release (``external_author_id, author, content, ... account_category``);
- the by-author re-release (bet4a/russian-troll-tweets-by-author), which splits it into a
  tweets file (``author_id, content, ..., publish_date, harvested_date, ... post_type``,
  ``author_id`` being the handle) and an authors file (``author_id, author,
  external_author_id, account_type, account_category, ...``, format ``troll_authors``).

The dataset has no entity columns (hashtags, mentions and links exist only inside
``content``) and gives a retweet as ``RT @handle: text``: both are read from the text by
:mod:`cibwatch.ingest.entities`, so retweets of one tweet become co-actions on one shared
post. The original release's expanded links (``tco*_step1``) are kept beside the text's
``t.co`` links.

Ids: tweets without an id (every row of the re-release, some rows of the original) get a
stable id derived from author, time and text (:func:`cibwatch.ingest.entities.post_id`,
prefixed ``derived:``). ``external_author_id`` was rounded in the published files (a float
through a spreadsheet: ``9.06E+17``, ``906000000000000000``), so several handles share one
value; an account is keyed on the reconstructed ``alt_external_id`` when given, on the
handle (case-folded, as Twitter treats handles) when the id is rounded, and the ingest
reports how many handles shared a rounded id instead of merging them silently.

Time zone: the original release's README defines ``publish_date`` only as "the date and time
the tweet was sent" (values like ``10/1/2017 19:58``, month first) and names no zone, so the
loader refuses that layout unless ``--assume-tz`` says which zone the analyst takes it to be.
The re-release's ``publish_date`` (``2017-09-07 19:52:00``) is documented as UTC, so it is
read as UTC unless ``--assume-tz`` says otherwise.

>>> iso_publish_date("10/1/2017 19:58")
'2017-10-01 19:58:00'
>>> tweet_id_from_url("http://twitter.com/10_gop/statuses/914580356430536705")
'914580356430536705'
>>> rounded_id("9.06E+17"), rounded_id("906000000000000000"), rounded_id("2528776985")
(True, True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from cibwatch.errors import IngestError
from cibwatch.ingest import entities
from cibwatch.ingest.base import Ingester, IngestOptions, Notice, Reject, StagedBatch
from cibwatch.ingest.csvsource import (
    CsvRows,
    csv_records,
    header_columns,
    nonblank,
    read_header,
)
from cibwatch.ingest.staging import flush
from cibwatch.ingest.tweetbatch import TweetBatch, nonblank_column

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
#: The re-release's tweets file: ``author_id`` is the handle, there is no tweet id.
BY_AUTHOR_REQUIRED: tuple[str, ...] = ("author_id", "content", "publish_date", "harvested_date")
BY_AUTHOR_OPTIONAL: tuple[str, ...] = ("language", "following", "followers", "post_type")
#: The re-release's authors file.
AUTHORS_REQUIRED: tuple[str, ...] = ("author_id", "author", "external_author_id")
AUTHORS_OPTIONAL: tuple[str, ...] = ("account_category",)

_US_TIME = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d\d)(?::(\d\d))?\s*$")
_STATUS = re.compile(r"/status(?:es)?/(\d+)")
# Ids above 2**53 that end in six zeros went through a float (a real id does so once in 10**6).
_FLOAT_EXACT = 2**53
_ROUNDED_TAIL = "000000"


def iso_publish_date(value: str | None) -> str | None:
    """``M/D/YYYY H:MM`` as naive ISO 8601; other values unchanged (the loader judges them)."""
    # every by-author time is ISO already: the search is for the original layout's slashes
    match = _US_TIME.match(value) if value and "/" in value else None
    if match is None:
        return nonblank(value)
    month, day, year, hour, minute, second = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d} {int(hour):02d}:{minute}:{int(second or 0):02d}"


def tweet_id_from_url(url: str | None) -> str | None:
    """The tweet id in a twitter.com status link, or ``None``."""
    match = _STATUS.search(url or "")
    return match.group(1) if match else None


def rounded_id(value: str) -> bool:
    """Whether an ``external_author_id`` was rounded (float notation, or float-exact zeros)."""
    text = value.strip()
    if any(c in text for c in ".eE"):
        return True
    return text.isdigit() and int(text) > _FLOAT_EXACT and text.endswith(_ROUNDED_TAIL)


class _Collisions:
    """Which handles each rounded external id stood for, to report and not merge them."""

    def __init__(self) -> None:
        self.handles: dict[str, set[str]] = {}

    def add(self, external_id: str | None, handle: str | None) -> None:
        if external_id and handle and rounded_id(external_id):
            self.handles.setdefault(external_id.strip(), set()).add(handle.lower())

    def notice(self) -> Notice | None:
        shared = {k: v for k, v in self.handles.items() if len(v) > 1}
        if not shared:
            return None
        handles = sum(len(v) for v in shared.values())
        example, names = max(shared.items(), key=lambda kv: (len(kv[1]), kv[0]))
        listed = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
        return Notice(
            f"external_author_id is rounded in this file: {handles} handles share "
            f"{len(shared)} rounded value{'s' if len(shared) > 1 else ''} (e.g. {example}: "
            f"{listed}); those accounts are "
            "keyed on their handle, not merged"
        )


class TrollTweetsIngester(Ingester):
    """FiveThirtyEight russian-troll-tweets CSV, original or by-author layout."""

    name: ClassVar[str] = "troll_tweets"
    description: ClassVar[str] = (
        "FiveThirtyEight russian-troll-tweets CSV, original layout (no time zone: needs "
        "--assume-tz) or by-author re-release tweets (UTC)"
    )

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        columns = set(header_columns(head))
        original = set(REQUIRED) <= columns and "account_category" in columns
        return original or set(BY_AUTHOR_REQUIRED) <= columns

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject | Notice]:
        columns = set(read_header(path, ",", options.encoding))
        if set(BY_AUTHOR_REQUIRED) <= columns and "external_author_id" not in columns:
            yield from self._read_by_author(path, options)
        else:
            yield from self._read_original(path, options)

    def _read_original(
        self, path: Path, options: IngestOptions
    ) -> Iterator[StagedBatch | Reject | Notice]:
        batch = TweetBatch(options.platform or "x")
        collisions = _Collisions()
        what = "russian-troll-tweets"
        for part in _tables(path, REQUIRED, OPTIONAL, what, options, batch):
            if not isinstance(part, pa.Table):
                yield part
                continue
            column = _columns(part)
            handles = nonblank_column(column("author"))
            externals = nonblank_column(column("external_author_id"))
            for external, handle in dict.fromkeys(zip(externals, handles, strict=True)):
                collisions.add(external, handle)
            # The reconstructed id first; a rounded id stands for several handles.
            account_ids = [
                alt
                or (
                    handle.lower()
                    if handle and external is not None and rounded_id(external)
                    else external
                )
                for alt, external, handle in zip(
                    nonblank_column(column("alt_external_id")), externals, handles, strict=True
                )
            ]
            created = [iso_publish_date(v) for v in column("publish_date")]
            texts = column("content")
            post_ids = [
                tweet or tweet_id_from_url(url)
                for tweet, url in zip(
                    nonblank_column(column("tweet_id")), column("article_url"), strict=True
                )
            ]
            post_ids = [
                entities.post_id(account, when, text) if post is None and account and when else post
                for post, account, when, text in zip(
                    post_ids, account_ids, created, texts, strict=True
                )
            ]
            links = zip(*(nonblank_column(column(c)) for c in _URL_COLUMNS), strict=True)
            batch.add(
                post_ids=post_ids,
                account_ids=account_ids,
                handles=handles,
                created=created,
                texts=texts,
                languages=column("language"),
                post_types=column("post_type"),
                retweet_flags=column("retweet"),
                expanded=[[u for u in row if u] for row in links],
                followers=column("followers"),
                following=column("following"),
                rows=column("source_row"),
            )
        yield from batch.flush()
        notice = collisions.notice()
        if notice is not None:
            yield notice

    def _read_by_author(
        self, path: Path, options: IngestOptions
    ) -> Iterator[StagedBatch | Reject | Notice]:
        batch = TweetBatch(options.platform or "x")
        # Documented as UTC; an explicit --assume-tz still wins (the time stays naive).
        zone = "" if options.assume_tz else "+00:00"
        what = "russian-troll-tweets (by-author)"
        for part in _tables(path, BY_AUTHOR_REQUIRED, BY_AUTHOR_OPTIONAL, what, options, batch):
            if not isinstance(part, pa.Table):
                yield part
                continue
            column = _columns(part)
            handles = nonblank_column(column("author_id"))
            account_ids = [h.lower() if h else None for h in handles]
            published = [iso_publish_date(v) for v in column("publish_date")]
            texts = column("content")
            batch.add(
                post_ids=[
                    entities.post_id(account, when, text) if account and when else None
                    for account, when, text in zip(account_ids, published, texts, strict=True)
                ],
                account_ids=account_ids,
                handles=handles,
                created=[when + zone if when else None for when in published],
                texts=texts,
                languages=column("language"),
                post_types=column("post_type"),
                retweet_flags=None,
                expanded=None,
                followers=column("followers"),
                following=column("following"),
                rows=column("source_row"),
            )
        yield from batch.flush()


def _tables(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    what: str,
    options: IngestOptions,
    batch: TweetBatch,
) -> Iterator[pa.Table | StagedBatch | Reject]:
    """The file's rejects and record tables, cut so that ``batch`` is staged every
    ``options.batch_rows`` posts (the staged batches then do not depend on how the CSV
    reader splits the file). A missing required column is an :class:`IngestError`."""
    names = read_header(path, ",", options.encoding)
    missing = [c for c in required if c not in names]
    if missing:
        raise IngestError(
            f"not a {what} file: missing column(s) {', '.join(missing)}",
            file=str(path),
            field=missing[0],
        )
    wanted = set(required) | set(optional)
    kept = [n for n in names if n in wanted]
    for table, rejects in CsvRows(path, kept, encoding=options.encoding):
        yield from rejects
        start = 0
        while start < table.num_rows:
            size = min(table.num_rows - start, options.batch_rows - len(batch))
            yield table.slice(start, size)
            start += size
            if len(batch) >= options.batch_rows:
                yield from batch.flush()


def _columns(table: pa.Table) -> Callable[[str], list[Any]]:
    """A column of ``table`` as Python values; a column the file lacks is all None."""

    def column(name: str) -> list[Any]:
        if name in table.column_names:
            values: list[Any] = table.column(name).to_pylist()
            return values
        return [None] * table.num_rows

    return column


class TrollAuthorsIngester(Ingester):
    """The by-author re-release's authors file: one account per handle."""

    name: ClassVar[str] = "troll_authors"
    description: ClassVar[str] = (
        "FiveThirtyEight russian-troll-tweets by-author re-release, authors file (accounts)"
    )

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        columns = set(header_columns(head))
        return set(AUTHORS_REQUIRED) <= columns and "content" not in columns

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject | Notice]:
        platform = options.platform or "x"
        accounts: dict[str | None, dict[str, Any]] = {}
        collisions = _Collisions()
        what = "russian-troll-tweets authors"
        for rec in csv_records(path, AUTHORS_REQUIRED, AUTHORS_OPTIONAL, what, options.encoding):
            if isinstance(rec, Reject):
                yield rec
                continue
            handle = nonblank(rec.get("author_id")) or nonblank(rec.get("author"))
            collisions.add(nonblank(rec.get("external_author_id")), handle)
            account_id = handle.lower() if handle else None
            # Keyed by row, not by id: a repeated author must reach the loader to be counted.
            accounts[rec["source_row"]] = {
                "platform": platform,
                "account_id": account_id,
                "kind": "account",
                "handle": handle,
                "source_row": rec["source_row"],
            }
            if len(accounts) >= options.batch_rows:
                yield from flush([], accounts)
        yield from flush([], accounts)
        notice = collisions.notice()
        if notice is not None:
            yield notice


INGESTERS: list[type[Ingester]] = [TrollTweetsIngester, TrollAuthorsIngester]
