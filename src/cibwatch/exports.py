"""The latest assembly's tables as files: CSV for spreadsheets, Parquet for analysis tools.

:func:`export_tables` writes four tables of the latest successful network assembly: the
networks with their score parts as columns, their members, the significant evidence of the
detector runs the assembly used, and the members' account rows. Each table is read once
from DuckDB as Arrow and written either as Parquet (types kept, lists stay lists) or as
CSV through :mod:`cibwatch.csvsafe`, so no cell a spreadsheet would evaluate survives.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyarrow.parquet as pq

from cibwatch.csvsafe import write_rows
from cibwatch.errors import ConfigError, WorkspaceError
from cibwatch.networks import SCORE_WEIGHTS

if TYPE_CHECKING:
    import pyarrow as pa

    from cibwatch.workspace import Workspace

FORMATS: Final = ("csv", "parquet")

_PARTS = ", ".join(
    f"CAST(score_parts->>'{part}' AS DOUBLE) AS score_{part}" for part in SCORE_WEIGHTS
)

#: Table name -> query over the assembly run ``$run`` and its evidence runs ``$runs``.
TABLES: Final = {
    "networks": f"""
        SELECT run_id, network_id, label, size, score, {_PARTS},
               summary->>'$.verdict' AS verdict,
               summary->>'$.coordination.strength' AS coordination,
               summary->>'$.inauthenticity.strength' AS inauthenticity, summary
        FROM networks WHERE run_id = $run ORDER BY score DESC, network_id
    """,
    "network_members": """
        SELECT run_id, network_id, account, degree, strength
        FROM network_members WHERE run_id = $run ORDER BY network_id, account
    """,
    "evidence": """
        SELECT * FROM evidence WHERE significant AND list_contains($runs, run_id)
        ORDER BY run_id, detector, signal, subject_a, subject_b
    """,
    "accounts": """
        SELECT m.network_id, m.account, a.*
        FROM network_members m
        JOIN accounts a ON a.platform || ':' || a.account_id = m.account
        WHERE m.run_id = $run ORDER BY m.network_id, m.account
    """,
}


def latest_assembly(workspace: Workspace) -> tuple[int, list[int]]:
    """The latest successful assembly run and the detector runs it used."""
    rows = workspace.connection.execute(
        "SELECT run_id, params FROM runs WHERE step = 'assemble' AND status = 'ok' "
        "ORDER BY run_id DESC LIMIT 1"
    ).fetchall()
    if not rows:
        raise WorkspaceError(f"{workspace.path}: no assembled networks to export")
    run_id, raw = rows[0]
    params = json.loads(raw) if raw else {}
    return int(run_id), [int(r) for r in params.get("run_ids", [])]


def _cell(value: Any) -> Any:
    """A CSV cell: lists and mappings as JSON, times in ISO 8601, the rest as they are."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(table, path)
        return
    rows = ({k: _cell(v) for k, v in row.items()} for row in table.to_pylist())
    write_rows(path, table.column_names, rows)


def export_tables(workspace: Workspace, out_dir: Path, fmt: str = "csv") -> list[Path]:
    """Write the latest assembly's tables to ``out_dir`` (one file each); return the paths."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown table format {fmt!r}; choose one of {', '.join(FORMATS)}")
    run_id, runs = latest_assembly(workspace)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, sql in TABLES.items():
        params: dict[str, Any] = {"run": run_id, "runs": runs}
        used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
        table = workspace.connection.sql(sql, params=used).to_arrow_table()
        path = out_dir / f"{name}.{fmt}"
        _write(table, path, fmt)
        written.append(path)
    return written
