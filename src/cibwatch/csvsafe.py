"""CSV output that a spreadsheet cannot turn into a formula.

Analysed content is hostile: a post text or handle such as ``=HYPERLINK("http://x")`` or
``@SUM(1+1)*cmd|' /C calc'!A0`` would run when an analyst opens an export in a spreadsheet.
Every text cell that begins with a character a spreadsheet reads as a formula (``= + - @``,
tab or carriage return) is prefixed with a single quote, as OWASP recommends. Numbers are
written as numbers and are never altered.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Return ``value`` safe for a spreadsheet cell.

    >>> neutralise("=1+1"), neutralise("-3"), neutralise(-3), neutralise("ok")
    ("'=1+1", "'-3", -3, 'ok')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(
    out: Path | TextIO, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> int:
    """Write ``rows`` (dicts) as CSV with a header, every cell neutralised; return the count."""
    if isinstance(out, Path):
        with out.open("w", newline="", encoding="utf-8") as handle:
            return write_rows(handle, columns, rows)
    writer = csv.writer(out)
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([neutralise(row.get(c)) for c in columns])
        n += 1
    return n
