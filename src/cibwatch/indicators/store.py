"""The workspace's ``indicators`` table: imported indicators and the text beside them.

Created on first use (``CREATE TABLE IF NOT EXISTS``), so workspaces written before it
existed keep working. Each import gets an id in ``indicator_imports`` with its counts; each
row of ``indicators`` is an indicator (``kind = 'indicator'``) or text that was not one
(``kind = 'text'``, with ``reason``), with its source file and row. Recidivism matching
reads :func:`stored_indicators`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from cibwatch.indicators.model import ImportResult, Indicator

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

DDL: Final = """
CREATE SEQUENCE IF NOT EXISTS indicator_import_seq START 1;
CREATE TABLE IF NOT EXISTS indicator_imports (
    import_id INTEGER PRIMARY KEY,
    source_file VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    indicators BIGINT NOT NULL,
    texts BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS indicators (
    import_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    type VARCHAR,
    value VARCHAR NOT NULL,
    network_id VARCHAR,
    comment VARCHAR,
    context VARCHAR,
    reason VARCHAR,
    source_file VARCHAR,
    source_row BIGINT
);
"""


def ensure_table(workspace: Workspace) -> None:
    """Create the indicator tables if the workspace has none yet."""
    workspace.connection.execute(DDL)


def store_import(workspace: Workspace, result: ImportResult) -> int:
    """Store ``result`` atomically under a new import id; return the id."""
    ensure_table(workspace)
    now = datetime.now(UTC).replace(tzinfo=None)
    with workspace.transaction() as con:
        row = con.execute(
            "INSERT INTO indicator_imports VALUES "
            "(nextval('indicator_import_seq'), ?, ?, ?, ?, ?, ?) RETURNING import_id",
            [
                result.source,
                result.format,
                now,
                result.rows_read,
                len(result.indicators),
                len(result.texts),
            ],
        ).fetchone()
        assert row is not None
        import_id = int(row[0])
        rows = [
            [
                import_id,
                "indicator",
                i.type,
                i.value,
                i.network_id,
                i.comment,
                i.context,
                None,
                i.source,
                i.source_row,
            ]
            for i in result.indicators
        ] + [
            [
                import_id,
                "text",
                None,
                t.text,
                None,
                None,
                t.context,
                t.reason,
                t.source,
                t.source_row,
            ]
            for t in result.texts
        ]
        if rows:
            con.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return import_id


def stored_indicators(workspace: Workspace, import_id: int | None = None) -> list[Indicator]:
    """Imported indicators (of one import, or all), in import and row order.

    Reads only: a workspace opened read-only that never imported anything has none.
    """
    found = workspace.connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'indicators'"
    ).fetchone()
    if not found or not int(found[0]):
        return []
    rows = workspace.connection.execute(
        "SELECT type, value, network_id, comment, source_file, source_row, context "
        "FROM indicators WHERE kind = 'indicator' AND (? IS NULL OR import_id = ?) "
        "ORDER BY import_id, source_row, type, value",
        [import_id, import_id],
    ).fetchall()
    return [
        Indicator(
            str(r[0]),
            str(r[1]),
            r[2],
            r[3],
            r[4],
            None if r[5] is None else int(r[5]),
            r[6],
        )
        for r in rows
    ]
