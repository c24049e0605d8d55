"""Ingester for CSV exports of Meta's research tools: CrowdTangle and the Meta Content Library.

Two flavours, told apart by their header:

- **CrowdTangle** historical-data / search exports (Facebook pages, Facebook groups,
  Instagram accounts): ``Page Name`` / ``Group Name`` / ``Account``, ``User Name``,
  ``Facebook Id``, ``Post Created`` (``2021-09-01 12:34:56 EDT``), ``Type``, ``Likes``,
  ``Comments``, ``Shares``, ``Post Views``, ``URL``, ``Message``, ``Link``, ``Final Link``,
  ``Followers at Posting``... The export has no post id column: the id is read from the
  post's ``URL`` (see :func:`post_id_from_url`), and a row without a URL is rejected.
  Times carry a zone *abbreviation*; it is converted with the explicit table
  :data:`ZONE_OFFSETS` (US meanings, which is what CrowdTangle writes), and an abbreviation
  not in the table is rejected rather than guessed.
- **Meta Content Library** post exports, with the API's field names flattened by dots:
  ``id``, ``creation_time``, ``text``, ``lang``, ``post_owner.id`` / ``.name`` / ``.type``
  (Facebook) or ``owner.id`` / ``.username`` (Instagram), ``link_attachment.link``,
  ``statistics.reaction_count`` / ``comment_count`` / ``share_count`` / ``views``
  (``like_count`` on Instagram). Underscores in place of the dots are accepted too.

Posts are ``original`` (neither export flags shares reliably); hashtags are read from the
text because neither export lists them. Pages and groups become accounts of kind ``page`` /
``group`` with their follower counts; Instagram owners are accounts.

>>> crowdtangle_time("2021-09-01 12:34:56 EDT")
'2021-09-01 12:34:56-04:00'
>>> post_id_from_url("https://www.facebook.com/1234567/posts/98765432101", "1234567")
'1234567_98765432101'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from cibwatch.errors import InputError
from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch
from cibwatch.ingest.csvsource import csv_records, header_columns, read_header
from cibwatch.ingest.staging import flush
from cibwatch.ingest.times import ZONE_NAMES

#: Zone abbreviations CrowdTangle writes, as UTC offsets: the general table of
#: :mod:`cibwatch.ingest.times` (less RFC 2822's bare "UT", which CrowdTangle never writes) and
#: the names its exports carry with one meaning (US meanings; MSK as +03:00, as since 2014).
#: Ambiguous ones (IST, ...) are left out on purpose so that they are rejected.
ZONE_OFFSETS: dict[str, str] = {k: v for k, v in ZONE_NAMES.items() if k != "UT"} | {
    "BST": "+01:00",
    "MSK": "+03:00",
    "KST": "+09:00",
    "AEST": "+10:00",
    "AEDT": "+11:00",
}

CT_REQUIRED: tuple[str, ...] = ("Post Created", "URL")
CT_COLUMNS: tuple[str, ...] = (
    "Page Name",
    "Group Name",
    "Account",
    "User Name",
    "Facebook Id",
    "Page Created",
    "Page Description",
    "Likes at Posting",
    "Followers at Posting",
    "Type",
    "Likes",
    "Comments",
    "Shares",
    "Views",
    "Post Views",
    "Total Views",
    "Message",
    "Description",
    "Link",
    "Final Link",
)
MCL_REQUIRED: tuple[str, ...] = ("id", "creation_time")
MCL_COLUMNS: tuple[str, ...] = (
    "text",
    "lang",
    "post_owner.id",
    "post_owner.name",
    "post_owner.type",
    "post_owner.username",
    "owner.id",
    "owner.username",
    "owner.name",
    "link_attachment.link",
    "statistics.reaction_count",
    "statistics.like_count",
    "statistics.comment_count",
    "statistics.share_count",
    "statistics.views",
)
_ZONE = re.compile(r"^(?P<time>\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?)\s+(?P<zone>[A-Za-z]+)$")
_NUMERIC_OFFSET = re.compile(r"([+-]\d\d)(\d\d)$")
_HASHTAG = re.compile(r"#(\w+)")
_FB_POST = re.compile(r"/(?:posts|videos|photos|permalink|reel)/(?:[^/?#]+/)*?(\d{6,})")
_FB_QUERY = re.compile(r"(?:story_fbid|fbid|v)=(\d+)")
_IG_POST = re.compile(r"instagram\.com/(?:[^/]+/)?(?:p|reel|tv)/([A-Za-z0-9_-]+)")
_OWNER_KINDS = {"PAGE": "page", "GROUP": "group"}


def crowdtangle_time(value: str | None) -> str | None:
    """Replace a trailing zone abbreviation by its UTC offset; raise ``ValueError`` if unknown."""
    if value is None:
        return None
    match = _ZONE.match(value.strip())
    if match is None:
        return value
    zone = match["zone"].upper()
    if zone not in ZONE_OFFSETS:
        raise ValueError(f"unknown time zone abbreviation {zone!r} (not guessed)")
    return f"{match['time']}{ZONE_OFFSETS[zone]}"


def post_id_from_url(url: str, account_id: str | None) -> str:
    """A stable post id from a CrowdTangle post URL (``<account>_<post>`` on Facebook).

    Falls back to the URL itself when no id can be read from it.
    """
    match = _IG_POST.search(url)
    if match:
        return match.group(1)
    match = _FB_POST.search(url) or _FB_QUERY.search(url)
    if match and account_id:
        return f"{account_id}_{match.group(1)}"
    return match.group(1) if match else url


def _hashtags(text: str | None) -> list[str] | None:
    tags = _HASHTAG.findall(text or "")
    return tags or None


def _zoned(rec: dict[str, Any], column: str) -> str | None:
    try:
        return crowdtangle_time(rec.get(column))
    except ValueError as exc:
        raise InputError(str(exc), field=column) from exc


def _first(rec: dict[str, Any], *names: str) -> Any:
    for name in names:
        if rec.get(name) is not None:
            return rec[name]
    return None


class CrowdTangleIngester(Ingester):
    """CrowdTangle or Meta Content Library post export (CSV), Facebook or Instagram."""

    name: ClassVar[str] = "crowdtangle"
    description: ClassVar[str] = (
        "CrowdTangle or Meta Content Library CSV export (Facebook/Instagram posts)"
    )

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        columns = set(_canonical_names(header_columns(head)))
        crowdtangle = set(CT_REQUIRED) <= columns and bool(
            columns & {"Page Name", "Group Name", "Account", "User Name"}
        )
        content_library = set(MCL_REQUIRED) <= columns and bool(
            columns & {"post_owner.id", "owner.id"}
        )
        return crowdtangle or content_library

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        raw_names = read_header(path, ",", options.encoding)
        names = _canonical_names(raw_names)
        is_mcl = "creation_time" in names and "Post Created" not in names
        posts: list[dict[str, Any]] = []
        accounts: dict[Any, dict[str, Any]] = {}
        if is_mcl:
            # Ask for each Content Library column under the name this file gives it.
            wanted = tuple(n for n in raw_names if _DOTTED.get(n, n) in MCL_COLUMNS)
            records = _renamed(
                csv_records(path, MCL_REQUIRED, wanted, "Meta Content Library", options.encoding)
            )
            to_rows = self._mcl_rows
        else:
            records = csv_records(path, CT_REQUIRED, CT_COLUMNS, "CrowdTangle", options.encoding)
            to_rows = self._crowdtangle_rows
        for rec in records:
            if isinstance(rec, Reject):
                yield rec
                continue
            try:
                post, account = to_rows(rec, options)
            except InputError as exc:
                yield Reject(rec["source_row"], exc.field, exc.message, repr(rec)[:1000])
                continue
            posts.append(post)
            if account["account_id"] is not None:
                accounts[account["account_id"]] = account
            if len(posts) >= options.batch_rows:
                yield from flush(posts, accounts)
        yield from flush(posts, accounts)

    @staticmethod
    def _crowdtangle_rows(
        rec: dict[str, Any], options: IngestOptions
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        row, url = rec["source_row"], rec.get("URL")
        instagram = "instagram.com" in (url or "") or (
            rec.get("Account") is not None and rec.get("Page Name") is None
        )
        platform = options.platform or ("instagram" if instagram else "facebook")
        account_id = _first(rec, "Facebook Id", "User Name")
        if url is None:
            raise InputError("no post URL to read the post id from", field="URL")
        created = _zoned(rec, "Post Created")
        account_created = _zoned(rec, "Page Created")
        text = _first(rec, "Message", "Description")
        links = [v for v in dict.fromkeys((rec.get("Link"), rec.get("Final Link"))) if v]
        post = {
            "platform": platform,
            "post_id": post_id_from_url(url, account_id),
            "account_id": account_id,
            "created_at": created,
            "text": text,
            "kind": "original",
            "urls": links or None,
            "hashtags": _hashtags(text),
            "likes": rec.get("Likes"),
            "comments": rec.get("Comments"),
            "shares": rec.get("Shares"),
            "views": _first(rec, "Post Views", "Total Views", "Views"),
            "source_row": row,
        }
        kind = "group" if rec.get("Group Name") else "account" if instagram else "page"
        account = {
            "platform": platform,
            "account_id": account_id,
            "kind": kind,
            "handle": rec.get("User Name"),
            "display_name": _first(rec, "Page Name", "Group Name", "Account"),
            "created_at": account_created,
            "bio": rec.get("Page Description"),
            "followers": _first(rec, "Followers at Posting", "Likes at Posting"),
            "source_row": row,
        }
        return post, account

    @staticmethod
    def _mcl_rows(
        rec: dict[str, Any], options: IngestOptions
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        row = rec["source_row"]
        instagram = rec.get("post_owner.id") is None and rec.get("owner.id") is not None
        platform = options.platform or ("instagram" if instagram else "facebook")
        account_id = _first(rec, "post_owner.id", "owner.id")
        created = rec.get("creation_time")
        if created is not None:
            # The API writes "+0000"; give the offset its colon so every reader parses it.
            created = _NUMERIC_OFFSET.sub(r"\1:\2", created)
        text = rec.get("text")
        link = rec.get("link_attachment.link")
        post = {
            "platform": platform,
            "post_id": rec.get("id"),
            "account_id": account_id,
            "created_at": created,
            "text": text,
            "language": rec.get("lang"),
            "kind": "original",
            "urls": [link] if link else None,
            "hashtags": _hashtags(text),
            "likes": _first(rec, "statistics.reaction_count", "statistics.like_count"),
            "comments": rec.get("statistics.comment_count"),
            "shares": rec.get("statistics.share_count"),
            "views": rec.get("statistics.views"),
            "source_row": row,
        }
        owner_type = str(rec.get("post_owner.type") or "").upper()
        account = {
            "platform": platform,
            "account_id": account_id,
            "kind": _OWNER_KINDS.get(owner_type, "account"),
            "handle": _first(rec, "post_owner.username", "owner.username"),
            "display_name": _first(rec, "post_owner.name", "owner.name"),
            "source_row": row,
        }
        return post, account


def _canonical_names(names: list[str]) -> list[str]:
    """Content Library columns with dots (``post_owner_id`` -> ``post_owner.id``)."""
    return [_DOTTED.get(name, name) for name in names]


_DOTTED = {name.replace(".", "_"): name for name in MCL_COLUMNS if "." in name}


def _renamed(records: Iterator[dict[str, Any] | Reject]) -> Iterator[dict[str, Any] | Reject]:
    for rec in records:
        if isinstance(rec, Reject):
            yield rec
        else:
            yield {_DOTTED.get(k, k): v for k, v in rec.items()}


INGESTERS: list[type[Ingester]] = [CrowdTangleIngester]
