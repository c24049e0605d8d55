"""Evidence rows built in Python, written to the workspace in one statement.

DuckDB's ``executemany`` runs one INSERT per row (about a millisecond each): 4,000 profile
links took 10 s. Rows go through one Arrow table instead, in batches to bound memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pyarrow as pa

#: The columns of ``evidence``, in table order (see :mod:`cibwatch.schema`).
COLUMNS: Final = (
    "run_id",
    "detector",
    "signal",
    "subject_kind",
    "subject_a",
    "subject_b",
    "strength",
    "p_value",
    "q_value",
    "significant",
    "explanation",
    "proof",
    "details",
)
_TYPES: Final = (
    pa.int32(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.float64(),
    pa.float64(),
    pa.float64(),
    pa.bool_(),
    pa.string(),
    pa.list_(pa.string()),
    pa.string(),
)
BATCH: Final = 50_000


def write_evidence(con: Any, rows: Sequence[Sequence[Any]]) -> int:
    """Append ``rows`` (each a value per column of :data:`COLUMNS`) to ``evidence``.

    >>> from cibwatch.workspace import Workspace
    >>> with Workspace() as ws:
    ...     write_evidence(ws.connection, [[1, "d", "s", "account", "x:a", None, 1.0, None,
    ...                                     None, True, "why", ["account:x:a"], "{}"]])
    1
    """
    schema = pa.schema(list(zip(COLUMNS, _TYPES, strict=True)))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        table = pa.table(
            {name: [row[i] for row in chunk] for i, name in enumerate(COLUMNS)}, schema=schema
        )
        con.register("_evidence_rows", table)
        try:
            con.execute(
                "INSERT INTO evidence SELECT * REPLACE (details::JSON AS details) "
                "FROM _evidence_rows"
            )
        finally:
            con.unregister("_evidence_rows")
    return len(rows)
