"""Ingesters for asset lists (pages, groups, websites, petitions) and ad-library tables.

**assets**: a CSV with canonical account columns (``platform``, ``account_id``, ``kind``,
``handle``, ``display_name``, ``created_at``, ``followers``, ``url``...; see
:data:`cibwatch.schema.ACCOUNT_FIELDS`) becomes accounts. Other columns (notes, sources) are
ignored. It is how analysts add assets that post nothing the tools collect: websites,
petitions, ad accounts.

**ad_library**: a CSV of ads modelled on the Meta Ad Library API fields, flattened
(``id``, ``page_id``, ``page_name``, ``ad_creative_bodies``, ``ad_creative_link_captions``,
``ad_delivery_start_time``, ``ad_delivery_stop_time``, ``currency``, ``spend_lower_bound``,
``spend_upper_bound``, ``impressions_lower_bound``, ``impressions_upper_bound``), or with
the ranges as the strings the Ad Library website shows (``spend`` = ``"$100 - $499"``,
``"€1K-5K"``, ``"<100"``; ``impressions`` = ``"1K-5K"``, ``">1M"``). Each ad becomes a
post of kind ``ad`` created at its delivery start; its page becomes an account of kind
``page``. Header names are matched case-insensitively with spaces as underscores, so the
website's "Ad ID" / "Page ID" columns are read too. A spend or impressions value that cannot
be read is a reject naming the row and the column.

>>> parse_range("$100 - $499")  # "$" names several currencies: see the currency column
(100.0, 499.0, None)
>>> parse_range("€1K-5K")
(1000.0, 5000.0, 'EUR')
>>> parse_range("<100")
(0.0, 99.0, None)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from cibwatch.errors import InputError
from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch
from cibwatch.ingest.csvsource import csv_records, header_columns, read_header
from cibwatch.ingest.listcells import parse_string_list
from cibwatch.ingest.staging import flush, rows_batch
from cibwatch.schema import ACCOUNT_FIELDS

ASSET_REQUIRED: tuple[str, ...] = ("account_id", "kind")
ASSET_COLUMNS: tuple[str, ...] = tuple(name for name, _ in ACCOUNT_FIELDS)

#: Unambiguous currency signs. ``$`` and ``¥`` name several currencies: they give no code,
#: and the ``currency`` column must say which.
CURRENCY_SIGNS: dict[str, str] = {
    "US$": "USD",
    "CA$": "CAD",
    "A$": "AUD",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₽": "RUB",
    "₴": "UAH",
    "₺": "TRY",
    "₩": "KRW",
    "₦": "NGN",
    "₱": "PHP",
    "₫": "VND",
    "₪": "ILS",
    "zł": "PLN",
    "R$": "BRL",
}
_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9}
_AMOUNT = re.compile(r"^\s*(\d+(?:[.,]\d+)*)\s*([KMB]?)\s*$", re.IGNORECASE)

#: Alternative header names (normalised) for each ad field.
AD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "ad_id", "ad_archive_id", "library_id"),
    "page_id": ("page_id",),
    "page_name": ("page_name",),
    "bodies": ("ad_creative_bodies", "ad_creative_body", "ad_text"),
    "captions": ("ad_creative_link_captions", "ad_creative_link_caption"),
    "link": ("link", "ad_creative_link_url", "link_url", "destination_url"),
    "start": ("ad_delivery_start_time", "ad_delivery_start", "delivery_start"),
    "currency": ("currency",),
    "spend": ("spend", "amount_spent", "spend_range"),
    "spend_lower_bound": ("spend_lower_bound", "spend.lower_bound"),
    "spend_upper_bound": ("spend_upper_bound", "spend.upper_bound"),
    "impressions": ("impressions", "impressions_range"),
    "impressions_lower_bound": ("impressions_lower_bound", "impressions.lower_bound"),
    "impressions_upper_bound": ("impressions_upper_bound", "impressions.upper_bound"),
    "languages": ("languages",),
    "platform": ("platform",),
}
AD_REQUIRED: tuple[str, ...] = ("id", "page_id", "start")


def _amount(text: str) -> float:
    match = _AMOUNT.match(text)
    if match is None:
        raise ValueError(f"not an amount: {text!r}")
    digits = match.group(1).replace(",", "")
    return float(digits) * _SUFFIX[match.group(2).upper()]


def _strip_currency(text: str) -> tuple[str, str | None, bool]:
    """Remove currency signs; return the rest, the ISO code they name, and if any was seen."""
    code, seen = None, False
    for sign in sorted(CURRENCY_SIGNS, key=len, reverse=True):
        if sign in text:
            code, seen = CURRENCY_SIGNS[sign], True
            text = text.replace(sign, "")
    for sign in ("$", "¥"):
        if sign in text:
            seen = True
            text = text.replace(sign, "")
    return text, code, seen


def parse_range(text: str) -> tuple[float | None, float | None, str | None]:
    """Read an Ad Library range (``$100 - $499``, ``€1K-5K``, ``<100``, ``>1M``, ``500``).

    Returns ``(min, max, currency code or None)``; an open upper end is ``None``. ``<N`` is
    read as ``0 .. N-1``, the way the Ad Library API reports it. Raises ``ValueError``.
    """
    rest, code, _ = _strip_currency(text.strip())
    rest = rest.replace("\u2013", "-").replace("\u2014", "-").strip()
    if rest.startswith(("<", "≤")):
        upper = _amount(rest.lstrip("<≤= "))
        return 0.0, upper - 1 if rest.startswith("<") and upper >= 1 else upper, code
    if rest.startswith((">", "≥")) or rest.endswith("+"):
        return _amount(rest.lstrip(">≥= ").rstrip("+ ")), None, code
    if "-" in rest:
        low, _, high = rest.partition("-")
        return _amount(low), _amount(high), code
    value = _amount(rest)
    return value, value, code


def _bodies(cell: str | None) -> str | None:
    """Creative bodies: a list literal (``['a', 'b']``) or plain text."""
    if cell is None:
        return None
    text = cell.strip()
    if text.startswith("[") and text.endswith("]"):
        value = parse_string_list(text)
        if value is None:
            return cell
        return "\n\n".join(value) or None
    return cell


def _list_cell(cell: str | None) -> list[str]:
    if cell is None:
        return []
    text = cell.strip()
    if text.startswith("[") and text.endswith("]"):
        value = parse_string_list(text)
        if value is None:
            value = text[1:-1].split(",")
        return [v.strip() for v in value if v.strip()]
    return [text] if text else []


def _domain(value: str) -> str | None:
    try:
        host = urlsplit(value if "//" in value else f"//{value}").hostname
    except ValueError:  # a bracketed host that is no IP address, e.g. "[x]"
        return None
    if not host or "." not in host or " " in value.strip():
        return None
    return host.lower().removeprefix("www.")


class AssetsIngester(Ingester):
    """Asset list CSV with canonical account columns (pages, groups, websites, petitions)."""

    name: ClassVar[str] = "assets"
    description: ClassVar[str] = "Asset list CSV (platform, account_id, kind, ...) -> accounts"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        columns = set(header_columns(head))
        return {"platform", *ASSET_REQUIRED} <= columns and "post_id" not in columns

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        rows: list[dict[str, Any]] = []
        for rec in csv_records(path, ASSET_REQUIRED, ASSET_COLUMNS, "asset list", options.encoding):
            if isinstance(rec, Reject):
                yield rec
                continue
            if rec.get("platform") is None:
                rec["platform"] = options.platform
            if rec.get("kind") is not None:
                rec["kind"] = str(rec["kind"]).strip().lower()
            rows.append(rec)
            if len(rows) >= options.batch_rows:
                yield rows_batch("accounts", rows)
                rows = []
        if rows:
            yield rows_batch("accounts", rows)


def _normalise(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lower())


def _ad_columns(names: list[str]) -> dict[str, str]:
    """Map each ad field to the header name this file uses for it."""
    by_normal = {_normalise(n): n for n in names}
    found: dict[str, str] = {}
    for field, aliases in AD_ALIASES.items():
        for alias in aliases:
            if alias in by_normal:
                found[field] = by_normal[alias]
                break
    return found


class AdLibraryIngester(Ingester):
    """Ad-library CSV (Meta Ad Library API fields, flattened) -> ads and their pages."""

    name: ClassVar[str] = "ad_library"
    description: ClassVar[str] = "Ad library CSV (id, page_id, spend ranges...) -> ads, pages"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        found = _ad_columns(header_columns(head))
        return set(AD_REQUIRED) <= set(found)

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        columns = _ad_columns(read_header(path, ",", options.encoding))
        missing = [AD_ALIASES[f][0] for f in AD_REQUIRED if f not in columns]
        required = tuple(columns[f] for f in AD_REQUIRED if f in columns) + tuple(missing)
        posts: list[dict[str, Any]] = []
        pages: dict[str, dict[str, Any]] = {}
        for rec in csv_records(
            path, required, tuple(columns.values()), "ad library", options.encoding
        ):
            if isinstance(rec, Reject):
                yield rec
                continue
            values = {field: rec.get(name) for field, name in columns.items()}
            try:
                post = _ad(values, columns, options.platform, rec["source_row"])
            except InputError as exc:
                raw = rec.get(exc.field) if exc.field else None
                yield Reject(rec["source_row"], exc.field, exc.message, raw)
                continue
            posts.append(post)
            page_id = values.get("page_id")
            if page_id is not None:
                pages[page_id] = {
                    "platform": post["platform"],
                    "account_id": page_id,
                    "kind": "page",
                    "display_name": values.get("page_name"),
                    "source_row": rec["source_row"],
                }
            if len(posts) >= options.batch_rows:
                yield from flush(posts, pages)
        yield from flush(posts, pages)


def _bounds(
    values: dict[str, Any], columns: dict[str, str], what: str
) -> tuple[float | None, float | None, str | None]:
    """(min, max, currency from signs) from the range string or the two bound columns."""
    lower, upper = values.get(f"{what}_lower_bound"), values.get(f"{what}_upper_bound")
    if lower is not None or upper is not None:
        column = columns[f"{what}_lower_bound" if lower is not None else f"{what}_upper_bound"]
        try:
            return (
                None if lower is None else _amount(lower),
                None if upper is None else _amount(upper),
                None,
            )
        except ValueError as exc:
            raise InputError(f"cannot read {what} bound: {exc}", field=column) from exc
    text = values.get(what)
    if text is None:
        return None, None, None
    try:
        return parse_range(text)
    except ValueError as exc:
        raise InputError(f"cannot read {what} range {text!r}", field=columns[what]) from exc


def _ad(
    values: dict[str, Any], columns: dict[str, str], platform: str | None, row: int
) -> dict[str, Any]:
    spend_min, spend_max, sign_currency = _bounds(values, columns, "spend")
    impressions_min, impressions_max, _ = _bounds(values, columns, "impressions")
    currency = values.get("currency")
    currency = None if currency is None else str(currency).strip().upper()
    if currency and sign_currency and currency != sign_currency:
        raise InputError(
            f"currency {currency} but the spend range is in {sign_currency}",
            field=columns["currency"],
        )
    link = values.get("link")
    urls = [link] if link else []
    domains = {d for d in (_domain(u) for u in urls) if d}
    domains |= {d for d in (_domain(c) for c in _list_cell(values.get("captions"))) if d}
    return {
        "platform": values.get("platform") or platform or "facebook",
        "post_id": values.get("id"),
        "account_id": values.get("page_id"),
        "created_at": values.get("start"),
        "text": _bodies(values.get("bodies")),
        "kind": "ad",
        "urls": urls or None,
        "domains": sorted(domains) or None,
        "ad_spend_min": spend_min,
        "ad_spend_max": spend_max,
        "currency": currency or sign_currency,
        "impressions_min": None if impressions_min is None else int(impressions_min),
        "impressions_max": None if impressions_max is None else int(impressions_max),
        "source_row": row,
    }


INGESTERS: list[type[Ingester]] = [AssetsIngester, AdLibraryIngester]
