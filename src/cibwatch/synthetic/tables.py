"""Arrow schemas of the synthetic files, derived from the canonical field lists.

The column names and order come from :data:`cibwatch.schema.POST_FIELDS` and
:data:`~cibwatch.schema.ACCOUNT_FIELDS` so the generic Parquet ingester reads the files
without a column map; times are generated as ``timestamp[s, tz=UTC]`` (Parquet stores them
as milliseconds, still marked UTC).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from cibwatch.schema import ACCOUNT_FIELDS, POST_FIELDS

_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "VARCHAR[]": pa.list_(pa.string()),
    "TIMESTAMP": pa.timestamp("s", tz="UTC"),
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
}


def _schema(fields: tuple[tuple[str, str], ...]) -> pa.Schema:
    return pa.schema([pa.field(name, _ARROW_TYPES[sql_type]) for name, sql_type in fields])


POSTS_SCHEMA: pa.Schema = _schema(POST_FIELDS)
ACCOUNTS_SCHEMA: pa.Schema = _schema(ACCOUNT_FIELDS)


def rows_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Build a table from row dicts; missing fields become nulls (lists become empty)."""
    columns: dict[str, list[Any]] = {}
    for field in schema:
        is_list = pa.types.is_list(field.type)
        columns[field.name] = [row.get(field.name, [] if is_list else None) for row in rows]
    return pa.table(columns, schema=schema)
