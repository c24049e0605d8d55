"""The indicator files platforms publish, read and written.

Two shapes exist (Meta's threat-research files are the model):

* the classic ``indicator_type,indicator_value,comment,ds`` CSV (types such as
  ``domain_name``, ``url``, ``cib_url``, ``telegram_url``, ``ip``, ``md5``, ``sha256``);
* the later Online Operations Kill Chain tables ``Tactic,Technique,Procedure,Indicator,
  Comments`` (the last column is also called ``Notes`` or ``Note``), as CSV or as markdown
  tables, where ``Indicator`` mixes defanged domains, links and profile links with free text
  ("37 accounts", "Facebook Pages"), and a blank Tactic or Technique repeats the one above.

Readers keep every row: real indicators are refanged and classified
(:func:`~.values.classify`), everything else becomes a :class:`~.model.NonIndicator` with
file, row and reason. A cell may hold several values on separate lines.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cibwatch.csvsafe import FORMULA_STARTS, write_rows
from cibwatch.errors import IngestError
from cibwatch.indicators.model import ImportResult, Indicator, NonIndicator
from cibwatch.indicators.values import classify, refang, url_type

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

CLASSIC_COLUMNS: Final = ("indicator_type", "indicator_value", "comment", "ds")
KILL_CHAIN_COLUMNS: Final = ("tactic", "technique", "procedure", "indicator")
_NOTE_COLUMNS: Final = ("comments", "comment", "notes", "note", "description")
#: Platform type -> cibwatch type (URL-like types are re-checked with url_type).
CLASSIC_TYPES: Final = {
    "domain_name": "domain",
    "domain": "domain",
    "url": "url",
    "cib_url": "url",
    "phishing_url": "url",
    "telegram_url": "url",
    "ip": "ip",
    "ip_address": "ip",
    "md5": "md5",
    "sha256": "sha256",
}
#: cibwatch type -> platform type when writing the classic CSV.
EXPORT_TYPES: Final = {
    "domain": "domain_name",
    "url": "url",
    "account_url": "cib_url",
    "ip": "ip",
    "md5": "md5",
    "sha256": "sha256",
    "handle": "handle",
}
_NETWORK_COMMENT: Final = re.compile(r"^(N-[0-9a-f]{8}): ?(.*)$", re.DOTALL)


def unneutralise(cell: str) -> str:
    """Undo :func:`cibwatch.csvsafe.neutralise` (a quote before a formula character)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def csv_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """Lower-cased header and data rows of CSV text (a byte-order mark is ignored)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, [])
    return [h.strip().lower() for h in header], list(reader)


def is_classic(header: Sequence[str]) -> bool:
    return list(header[:2]) == list(CLASSIC_COLUMNS[:2])


def is_kill_chain(header: Sequence[str]) -> bool:
    return all(c in header for c in KILL_CHAIN_COLUMNS)


def read_classic_csv(path: Path, text: str | None = None) -> ImportResult:
    """Read an ``indicator_type,indicator_value,comment,ds`` file."""
    source = str(path)
    header, rows = csv_rows(path.read_text(encoding="utf-8") if text is None else text)
    if not is_classic(header):
        raise IngestError("expected columns indicator_type,indicator_value", file=source, row=0)
    result = ImportResult(source, "platform-csv")
    col = {name: i for i, name in enumerate(header)}
    for n, raw in enumerate(rows, start=1):
        result.rows_read += 1
        cells = [unneutralise(c) for c in raw]

        def cell(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        declared, value, comment = cell("indicator_type"), cell("indicator_value"), cell("comment")
        network, comment_text = _network_of(comment)
        context = f"{declared} {cell('ds')}".strip() or None
        kind = CLASSIC_TYPES.get(declared.lower())
        if not value:
            result.texts.append(
                NonIndicator(",".join(raw), "no indicator value", source, n, context)
            )
        elif kind is None:
            result.texts.append(
                NonIndicator(value, f"indicator type {declared!r} not read", source, n, context)
            )
        else:
            plain = refang(value)
            if kind == "url":
                kind = url_type(plain)
            elif kind == "domain":
                plain = plain.lower().rstrip(".")
            result.indicators.append(
                Indicator(kind, plain, network, comment_text or None, source, n, context)
            )
    return result


def _network_of(comment: str) -> tuple[str | None, str]:
    match = _NETWORK_COMMENT.match(comment)
    return (match.group(1), match.group(2)) if match else (None, comment)


def read_kill_chain_csv(path: Path, text: str | None = None) -> ImportResult:
    """Read a ``Tactic,Technique,Procedure,Indicator,Comments`` CSV file."""
    header, rows = csv_rows(path.read_text(encoding="utf-8") if text is None else text)
    if not is_kill_chain(header):
        raise IngestError(
            "expected columns Tactic,Technique,Procedure,Indicator", file=str(path), row=0
        )
    records = [dict(zip(header, row, strict=False)) for row in rows]
    return _read_kill_chain(str(path), "kill-chain-csv", records)


def indicator_table_columns(header: Sequence[str]) -> dict[str, str] | None:
    """How a markdown table's columns map to ours, or None when it holds no indicators.

    Two layouts are read: kill-chain tables (``Tactic | Technique | Procedure | Indicator``)
    and the typed lists Meta publishes per network (``Indicator Type | Indicator Value``,
    sometimes with more columns such as a description). Names are matched without case; a
    typed list's value column becomes ``indicator`` and its type column a ``comment``.
    """
    names = [h.strip().lower() for h in header]
    if is_kill_chain(names):
        return {n: n for n in names}
    value = next((n for n in names if "value" in n), None)
    if value is None:
        value = next((n for n in names if n in ("indicator", "indicators", "ioc", "iocs")), None)
    if value is None:
        return None
    kind = next((n for n in names if "type" in n and n != value), None)
    mapping = {n: n for n in names}
    mapping[value] = "indicator"
    if kind is not None:
        mapping[kind] = "indicator type"
    return mapping


def read_markdown(path: Path, text: str | None = None) -> ImportResult:
    """Read the rows of every indicator table of a markdown file, in file order.

    Tables that hold no indicator column (a summary, a list of links) are passed over; a
    file without any indicator table is refused, naming the layouts that are read.
    """
    source = str(path)
    mapping: dict[str, str] | None = None
    header: list[str] | None = None
    in_table = False
    typed = False
    records: list[dict[str, str]] = []
    for line in (path.read_text(encoding="utf-8") if text is None else text).splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            in_table, header, mapping = False, None, None
            continue
        cells = _markdown_cells(stripped)
        if not in_table:
            in_table = True
            header = [c.lower() for c in cells]
            mapping = indicator_table_columns(header)
            typed = typed or (mapping is not None and not is_kill_chain(header))
        elif mapping is None or header is None:
            continue  # a table without indicators
        elif not all(re.fullmatch(r":?-{3,}:?", c) for c in cells if c):
            raw = dict(zip(header, cells, strict=False))
            record = {mapping[k]: v for k, v in raw.items() if k in mapping}
            kind = record.pop("indicator type", "")
            note = next((record.pop(c) for c in _NOTE_COLUMNS if record.get(c)), "")
            if kind or note:
                record["comment"] = f"{kind}: {note}" if kind and note else kind or note
            records.append(record)
    if not records:
        raise IngestError(
            "no indicator table found: expected a markdown table with Tactic, Technique, "
            "Procedure, Indicator columns or with an Indicator Value column",
            file=source,
        )
    return _read_kill_chain(
        source, "indicator-markdown" if typed else "kill-chain-markdown", records
    )


def _markdown_cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    out = []
    for cell in re.split(r"(?<!\\)\|", body):
        text = cell.replace("\\|", "|").strip()
        text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
        link = re.fullmatch(r"\[([^\]]*)\]\(([^)\s]+)\)", text)
        if link:
            text = link.group(2)
        out.append(text.strip("`").strip())
    return out


def _read_kill_chain(source: str, fmt: str, records: list[dict[str, str]]) -> ImportResult:
    result = ImportResult(source, fmt)
    tactic = technique = ""
    for n, raw in enumerate(records, start=1):
        result.rows_read += 1
        rec = {k: unneutralise(v or "").strip() for k, v in raw.items()}
        tactic = rec.get("tactic") or tactic
        technique = rec.get("technique") or technique
        procedure = rec.get("procedure", "")
        context = " > ".join(x for x in (tactic, technique, procedure) if x) or None
        comment = next((rec[c] for c in _NOTE_COLUMNS if rec.get(c)), None)
        parts = [p.strip() for p in rec.get("indicator", "").splitlines() if p.strip()]
        if not parts:
            text = procedure or comment or ",".join(v for v in rec.values() if v)
            result.texts.append(NonIndicator(text, "no indicator in the row", source, n, context))
            continue
        for part in parts:
            kind, value = classify(part)
            if kind is None:
                result.texts.append(NonIndicator(part, value, source, n, context))
            else:
                result.indicators.append(Indicator(kind, value, None, comment, source, n, context))
    return result


def classic_rows(indicators: Iterable[Indicator], ds: str) -> Iterator[dict[str, str]]:
    """Rows of the classic CSV; the comment starts with the network id (``N-...: ``)."""
    for ind in indicators:
        comment = ind.comment or ""
        if ind.network_id:
            comment = f"{ind.network_id}: {comment}".rstrip()
        yield {
            "indicator_type": EXPORT_TYPES.get(ind.type, ind.type),
            "indicator_value": ind.value,
            "comment": comment,
            "ds": ds,
        }


def write_classic_csv(out: Path, indicators: Iterable[Indicator], ds: str) -> int:
    """Write the platforms' classic indicator CSV, every cell formula-safe; return rows."""
    return write_rows(out, CLASSIC_COLUMNS, classic_rows(indicators, ds))


def export_indicators_csv(workspace: Workspace, out: Path, *, include: str = "confirmed") -> int:
    """Write the latest networks' indicators as the platforms' classic CSV; return rows.

    ``ds`` is the day of the assembly run, so re-exports of one workspace are identical.
    ``include``: ``confirmed`` networks only, or ``all`` (see :func:`~.collect.collect`).
    """
    from cibwatch.indicators.collect import collect

    shareable = collect(workspace, include=include)
    return write_classic_csv(out, shareable.indicators(), shareable.assembled_at.date().isoformat())
