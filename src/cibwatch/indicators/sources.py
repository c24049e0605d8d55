"""Read any indicator file cibwatch knows, choosing the reader from the file itself.

``.json`` is a STIX 2.1 bundle; ``.md``/``.markdown`` holds kill-chain tables; a CSV is
classic (``indicator_type,indicator_value,...``) or kill-chain (``Tactic,...,Indicator``)
by its header. The result says which format was read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cibwatch.errors import IngestError
from cibwatch.indicators.model import ImportResult
from cibwatch.indicators.platform_files import (
    csv_rows,
    is_classic,
    is_kill_chain,
    read_classic_csv,
    read_kill_chain_csv,
    read_markdown,
)
from cibwatch.indicators.stix_import import read_stix
from cibwatch.indicators.store import store_import

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace


def read_indicator_file(path: Path) -> ImportResult:
    """Read the indicators of ``path`` (STIX bundle, platform CSV or markdown tables)."""
    if not path.is_file():
        raise IngestError("no such file", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_stix(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(f"not UTF-8 text: {exc}", file=str(path)) from exc
    if suffix in (".md", ".markdown"):
        return read_markdown(path, text)
    header, _ = csv_rows(text)
    if is_classic(header):
        return read_classic_csv(path, text)
    if is_kill_chain(header):
        return read_kill_chain_csv(path, text)
    raise IngestError(
        "not an indicator file: expected a STIX bundle (.json), markdown tables, or a CSV "
        "with indicator_type,indicator_value or Tactic,Technique,Procedure,Indicator",
        file=str(path),
        row=0,
    )


def import_indicators(
    path: Path, workspace: Workspace | None = None
) -> tuple[ImportResult, int | None]:
    """Read ``path`` and, given a workspace, store the result; return it and the import id."""
    result = read_indicator_file(path)
    import_id = None if workspace is None else store_import(workspace, result)
    return result, import_id
