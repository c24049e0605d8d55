"""Stance lexicons: the editable CSV files that say which words, links and sources carry a side.

Two kinds of file (docs/stance.md describes both):

- **issue lexicons** (``data/stance/*.csv``), rows ``issue,side,kind,term,weight[,role]``:
  ``kind`` is ``hashtag``, ``phrase`` (whole words, case-insensitive; spaces and hyphens in a
  phrase match any run of spaces and punctuation) or ``domain`` (a linked domain or any
  subdomain), each for one of the issue's two sides; or ``topic`` (side left empty): a word
  or ``#hashtag`` that puts a post on the issue without taking a side. ``role`` is
  ``position`` (default: a side's own claim, which negation or mockery turns: "not
  pro-life") or ``epithet`` (a side's name for the other, never turned: "gun grabbers");
- **partisan files** (``data/stance/partisan/``): ``sides.csv`` (``issue,side,lean,by_lean``:
  which side is the US conservative and which the progressive camp's, and whether a post on
  the issue's topic takes the side of the camp its markers show) and ``markers.csv``
  (``lean,kind,term,weight``: hashtags, phrases, linked domains and shared accounts whose
  users or audience are mostly of one camp).

Terms are normalised as the reader (:mod:`cibwatch.fingerprints.polarity`) sees words, so a
bad row fails when the lexicon is loaded, naming file, row and field.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from cibwatch.errors import ConfigError
from cibwatch.fingerprints.polarity import Reader, Term

KINDS: Final = ("hashtag", "phrase", "domain", "topic")
ROLES: Final = ("position", "epithet")
MARKER_KINDS: Final = ("hashtag", "phrase", "domain", "account")
COLUMNS: Final = ("issue", "side", "kind", "term", "weight")
SIDE_COLUMNS: Final = ("issue", "side", "lean", "by_lean")
MARKER_COLUMNS: Final = ("lean", "kind", "term", "weight")
MAX_WEIGHT: Final = 100.0
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_HANDLE = re.compile(r"[a-z0-9_]{1,50}")
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}|(?:[a-z0-9-]+\.)+xn--[a-z0-9-]+")


class LexiconError(ConfigError):
    """A bad lexicon row, located by file, line (1-based, the header is line 1) and field.

    >>> str(LexiconError("not a number", file="my.csv", row=3, field="weight"))
    'my.csv, row 3, field weight: not a number'
    """

    def __init__(
        self, message: str, *, file: str, row: int | None = None, field: str | None = None
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.field = field
        where = [file] + ([f"row {row}"] if row is not None else [])
        where += [f"field {field}"] if field is not None else []
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class LexiconEntry:
    """One lexicon row, its term normalised, with the file and line it came from.

    ``side`` is '' for a ``topic`` entry; a topic ``term`` starting with '#' is a hashtag.
    """

    issue: str
    side: str
    kind: str
    term: str
    weight: float
    source: str
    row: int
    role: str = "position"


@dataclass(frozen=True)
class Marker:
    """A partisan marker: ``kind`` ``term`` shows camp ``lean`` with ``weight``."""

    lean: str
    kind: str
    term: str
    weight: float


@dataclass(frozen=True)
class Lexicon:
    """The entries in force (later files override earlier ones) and each issue's two sides.

    ``leans`` maps (issue, side) to its camp, ``by_lean`` the issues whose topic posts take
    the side of their camp, ``markers`` the partisan markers.
    """

    entries: tuple[LexiconEntry, ...]
    issues: dict[str, tuple[str, str]]
    sources: tuple[str, ...]
    leans: dict[tuple[str, str], str]
    by_lean: frozenset[str]
    markers: tuple[Marker, ...]

    def reader(self) -> Reader:
        """The lexicon compiled for :func:`~cibwatch.fingerprints.polarity.read_post`."""
        out = Reader()
        for e in self.entries:
            if e.kind != "topic" and e.weight <= 0:
                continue  # switched off: not even a topic word
            label = f"#{e.term}" if e.kind == "hashtag" else e.term
            if e.kind == "phrase":
                label = '"' + " ".join(e.term.split()) + '"'
            term = Term(e.issue, e.side, e.weight, label, e.role == "epithet")
            if e.kind == "hashtag" or (e.kind == "topic" and e.term.startswith("#")):
                out.hashtags.setdefault(e.term.lstrip("#"), []).append(term)
            elif e.kind == "domain":
                out.domains.setdefault(e.term, []).append(term)
            else:
                out.add_phrase(tuple(e.term.split()), term)
        for m in self.markers:
            if m.weight > 0:
                key = " ".join(m.term.split()) if m.kind == "phrase" else m.term
                out.add_marker(m.kind, key, m.lean, m.weight)
        for issue, (a, b) in self.issues.items():
            out.other[issue, a], out.other[issue, b] = b, a
            if issue in self.by_lean:
                for side in (a, b):
                    if (issue, side) in self.leans:
                        out.sides[issue, self.leans[issue, side]] = side
        return out


def normalize_phrase(phrase: str) -> str:
    """A phrase as the reader sees it: lower case, words joined by two spaces.

    >>> normalize_phrase("Pro-Life!")
    'pro  life'
    """
    out: list[str] = []
    gap = False
    for char in unicodedata.normalize("NFC", phrase).lower():
        if unicodedata.category(char)[0] in "LN" or char in "#@_":
            if gap and out:
                out.append("  ")
            out.append(char)
            gap = False
        else:
            gap = True
    return "".join(out)


def _hashtag(raw: str, where: dict[str, Any]) -> str:
    value = raw.strip().lower().lstrip("#")
    if not value or not all(c.isalnum() or c == "_" for c in value):
        raise LexiconError(f"not a hashtag: {raw!r}", field="term", **where)
    return value


def _term(kind: str, raw: str, where: dict[str, Any]) -> str:
    value = raw.strip().lower()
    if kind == "hashtag":
        return _hashtag(raw, where)
    if kind == "topic" and value.startswith("#"):
        return "#" + _hashtag(raw, where)
    if kind == "domain":
        value = value.removeprefix("www.")
        if not _DOMAIN.fullmatch(value):
            raise LexiconError(f"not a domain name: {raw!r}", field="term", **where)
        return value
    if kind == "account":
        value = value.lstrip("@")
        if not _HANDLE.fullmatch(value):
            raise LexiconError(f"not an account handle: {raw!r}", field="term", **where)
        return value
    if "#" in value or "@" in value:
        raise LexiconError(
            f"a phrase has no '#' or '@' (kind hashtag?): {raw!r}", field="term", **where
        )
    value = normalize_phrase(value)
    if not any(unicodedata.category(c)[0] == "L" for c in value):
        raise LexiconError(f"a phrase needs at least one letter: {raw!r}", field="term", **where)
    return value


def _rows(
    text: str, source: str, columns: Sequence[str] = COLUMNS
) -> Iterable[tuple[int, dict[str, str]]]:
    """Data rows of one file with their line numbers; '#' lines are comments.

    Columns beyond ``columns`` (``role``, a ``note``) may be left out of a row.
    """
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for cells in reader:
        line = reader.line_num
        if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            for column in columns:
                if column not in header:
                    raise LexiconError(
                        f"header lacks column {column!r}", file=source, row=line, field=column
                    )
            continue
        row = dict(zip(header, cells, strict=False))
        for column in header:
            if column not in row and column in columns:
                raise LexiconError("missing value", file=source, row=line, field=column)
        yield line, row
    if header is None:
        raise LexiconError(f"no header ({','.join(columns)})", file=source)


def _name(row: dict[str, str], column: str, where: dict[str, Any]) -> str:
    value = row[column].strip().lower()
    if not _NAME.fullmatch(value):
        raise LexiconError(
            f"{row[column]!r} is not a name (letters, digits, '-', '_')", field=column, **where
        )
    return value


def _weight(raw: str, where: dict[str, Any]) -> float:
    try:
        weight = float(raw)
    except ValueError:
        raise LexiconError(f"not a number: {raw!r}", field="weight", **where) from None
    if not math.isfinite(weight) or not 0 <= weight <= MAX_WEIGHT:
        raise LexiconError(
            f"weight must be 0..{MAX_WEIGHT:g}, got {raw!r}", field="weight", **where
        )
    return weight


def _choice(row: dict[str, str], column: str, allowed: Sequence[str], where: dict[str, Any]) -> str:
    value = row[column].strip().lower()
    if value not in allowed:
        raise LexiconError(
            f"{row[column]!r} is not one of {', '.join(allowed)}", field=column, **where
        )
    return value


def _parse(text: str, source: str) -> list[LexiconEntry]:
    entries = []
    for line, row in _rows(text, source):
        where: dict[str, Any] = {"file": source, "row": line}
        issue = _name(row, "issue", where)
        kind = _choice(row, "kind", KINDS, where)
        if kind == "topic":
            if row["side"].strip():
                raise LexiconError("a topic takes no side: leave side empty", field="side", **where)
            side = ""
        else:
            side = _name(row, "side", where)
        weight = _weight(row["weight"], where) if row["weight"].strip() or kind != "topic" else 0
        role = _choice(row, "role", ROLES, where) if (row.get("role") or "").strip() else ROLES[0]
        term = _term(kind, row["term"], where)
        entries.append(LexiconEntry(issue, side, kind, term, weight, source, line, role))
    return entries


def bundled_lexicon_files() -> list[str]:
    """Names of the shipped lexicon files (under ``cibwatch/fingerprints/data/stance``)."""
    folder = resources.files("cibwatch.fingerprints").joinpath("data/stance")
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(".csv"))


def _read(path: Path | str) -> tuple[str, str]:
    try:
        return Path(path).read_text(encoding="utf-8-sig"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"cannot read the lexicon: {exc}", file=str(path)) from exc


def _partisan_texts(folder: Path | str | None) -> tuple[tuple[str, str], tuple[str, str]]:
    if folder is not None:
        return _read(Path(folder) / "sides.csv"), _read(Path(folder) / "markers.csv")
    shipped = resources.files("cibwatch.fingerprints").joinpath("data/stance/partisan")
    return (
        (shipped.joinpath("sides.csv").read_text(encoding="utf-8"), "stance/partisan/sides.csv"),
        (
            shipped.joinpath("markers.csv").read_text(encoding="utf-8"),
            "stance/partisan/markers.csv",
        ),
    )


def _partisan(
    folder: Path | str | None, issues: dict[str, tuple[str, str]]
) -> tuple[dict[tuple[str, str], str], frozenset[str], tuple[Marker, ...]]:
    (sides_text, sides_source), (markers_text, markers_source) = _partisan_texts(folder)
    leans: dict[tuple[str, str], str] = {}
    by_lean: set[str] = set()
    for line, row in _rows(sides_text, sides_source, SIDE_COLUMNS):
        where: dict[str, Any] = {"file": sides_source, "row": line}
        issue, side = _name(row, "issue", where), _name(row, "side", where)
        if issue in issues and side not in issues[issue]:
            raise LexiconError(
                f"issue {issue!r} has no side {side!r} (its sides: {', '.join(issues[issue])})",
                field="side",
                **where,
            )
        leans[issue, side] = _name(row, "lean", where)
        if _choice(row, "by_lean", ("yes", "no"), where) == "yes":
            by_lean.add(issue)
    markers: dict[tuple[str, str], Marker] = {}
    for line, row in _rows(markers_text, markers_source, MARKER_COLUMNS):
        where = {"file": markers_source, "row": line}
        kind = _choice(row, "kind", MARKER_KINDS, where)
        term = _term(kind, row["term"], where)
        markers[kind, term] = Marker(
            _name(row, "lean", where), kind, term, _weight(row["weight"], where)
        )
    return leans, frozenset(by_lean), tuple(markers.values())


def load_lexicon(
    files: Sequence[Path | str] | None = None,
    *,
    extra: Sequence[Path | str] = (),
    partisan: Path | str | None = None,
) -> Lexicon:
    """Read the lexicon: ``files`` replace the shipped ones, ``extra`` files are added after.

    An entry with the same issue, kind and term as an earlier one replaces it (move it to
    the other side, change its weight, or give weight 0 to switch it off). ``partisan`` is a
    folder with ``sides.csv`` and ``markers.csv`` replacing the shipped partisan files.

    >>> lexicon = load_lexicon()
    >>> lexicon.issues["abortion"], lexicon.leans["abortion", "pro-life"]
    (('pro-life', 'pro-choice'), 'conservative')
    """
    texts: list[tuple[str, str]] = []
    if files is None:
        folder = resources.files("cibwatch.fingerprints").joinpath("data/stance")
        for name in bundled_lexicon_files():
            texts.append((folder.joinpath(name).read_text(encoding="utf-8"), f"stance/{name}"))
    else:
        texts += [_read(path) for path in files]
    texts += [_read(path) for path in extra]
    latest: dict[tuple[str, str, str], LexiconEntry] = {}
    sides: dict[str, list[LexiconEntry]] = {}
    for text, source in texts:
        for entry in _parse(text, source):
            latest.pop((entry.issue, entry.kind, entry.term), None)  # keep the newest order
            latest[entry.issue, entry.kind, entry.term] = entry
            if entry.kind == "topic":
                continue
            firsts = sides.setdefault(entry.issue, [])
            if entry.side not in {e.side for e in firsts}:
                if len(firsts) == 2:
                    raise LexiconError(
                        f"issue {entry.issue!r} already has two sides "
                        f"({firsts[0].side}, {firsts[1].side}); "
                        f"a third, {entry.side!r}, is not allowed",
                        file=source,
                        row=entry.row,
                        field="side",
                    )
                firsts.append(entry)
    for issue, firsts in sides.items():
        if len(firsts) < 2:
            first = firsts[0]
            raise LexiconError(
                f"issue {issue!r} has only one side ({first.side}); each issue needs two",
                file=first.source,
                row=first.row,
                field="side",
            )
    issues = {issue: (f[0].side, f[1].side) for issue, f in sides.items()}
    leans, by_lean, markers = _partisan(partisan, issues)
    return Lexicon(
        entries=tuple(e for e in latest.values() if e.issue in issues),
        issues=issues,
        sources=tuple(source for _text, source in texts),
        leans=leans,
        by_lean=by_lean,
        markers=markers,
    )
