"""Protected brands: the news outlets whose domains look-alikes imitate.

A brand list is a CSV file with the columns ``name,country,language,domains`` (ISO 3166
country code, ISO 639-1 language code, canonical domains separated by ``;``). cibwatch
bundles a list of real outlets (see ``docs/domains.md``); users extend it with their own
file or replace it.

>>> brands = load_bundled_brands()
>>> next(b for b in brands if "spiegel.de" in b.domains).name
'Der Spiegel'
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cibwatch.domains.hosts import normalize_host, split_host
from cibwatch.errors import InputError

COLUMNS = ("name", "country", "language", "domains")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
BUNDLED_NAME = "news_brands.csv"


@dataclass(frozen=True)
class Brand:
    """One protected outlet; ``domains[0]`` is the canonical domain named in results."""

    name: str
    country: str
    language: str
    domains: tuple[str, ...]

    @property
    def canonical(self) -> str:
        return self.domains[0]


def parse_brands(text: str, *, file: str = "<brands>") -> list[Brand]:
    """Parse brand-list CSV text; errors name the file, the 1-based data row and the field."""
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=file)
    brands: list[Brand] = []
    owner: dict[str, int] = {}
    for row_no, row in enumerate(reader, start=1):
        name = (row["name"] or "").strip()
        country = (row["country"] or "").strip().upper()
        language = (row["language"] or "").strip().lower()
        if not name:
            raise InputError("empty name", file=file, row=row_no, field="name")
        if not _COUNTRY.match(country):
            raise InputError(
                f"{country!r} is not a two-letter country code",
                file=file,
                row=row_no,
                field="country",
            )
        if not _LANGUAGE.match(language):
            raise InputError(
                f"{language!r} is not a language code", file=file, row=row_no, field="language"
            )
        domains: list[str] = []
        for raw in (row["domains"] or "").split(";"):
            if not raw.strip():
                continue
            try:
                domain = normalize_host(raw)
                split_host(domain)  # a public suffix (co.uk, altoadige.it) is no outlet
            except ValueError as exc:
                raise InputError(str(exc), file=file, row=row_no, field="domains") from exc
            if domain in owner:
                raise InputError(
                    f"{domain} is already listed in row {owner[domain]}",
                    file=file,
                    row=row_no,
                    field="domains",
                )
            owner[domain] = row_no
            domains.append(domain)
        if not domains:
            raise InputError("no domain", file=file, row=row_no, field="domains")
        brands.append(Brand(name, country, language, tuple(domains)))
    return brands


def load_brands(path: str | Path) -> list[Brand]:
    """Read a brand-list CSV file (see :func:`parse_brands`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read brand list: {exc.strerror}", file=str(p)) from exc
    return parse_brands(text, file=str(p))


def load_bundled_brands() -> list[Brand]:
    """The brand list shipped with cibwatch (a new list each call, of the same brands)."""
    return list(_bundled_brands())


@lru_cache(maxsize=1)
def _bundled_brands() -> tuple[Brand, ...]:
    """The shipped list, read once per process: the look-alike detector and the report
    each need it, and reading it costs a tenth of a second (a brand is immutable)."""
    ref = resources.files("cibwatch.domains").joinpath("data", BUNDLED_NAME)
    return tuple(parse_brands(ref.read_text(encoding="utf-8"), file=BUNDLED_NAME))


def merge_brands(base: Sequence[Brand], extra: Iterable[Brand]) -> list[Brand]:
    """``base`` extended by ``extra``; an extra brand replaces base brands sharing a domain."""
    extra_list = list(extra)
    taken = {d for b in extra_list for d in b.domains}
    return [b for b in base if not taken.intersection(b.domains)] + extra_list


def resolve_brands(path: str | Path | None = None, *, replace: bool = False) -> list[Brand]:
    """The bundled list, extended by (or, with ``replace``, replaced by) the file at ``path``."""
    if path is None:
        return load_bundled_brands()
    own = load_brands(path)
    return own if replace else merge_brands(load_bundled_brands(), own)
