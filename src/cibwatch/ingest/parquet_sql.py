"""Parquet read by DuckDB itself: the fast path of the loader for Parquet sources.

The general path (:class:`cibwatch.ingest.generic.ParquetIngester`) decodes the file with
pyarrow into batches that Python hands to DuckDB one at a time. For a Parquet file whose
columns DuckDB reads exactly as pyarrow does, the loader can instead give its set-based SQL
relations over ``read_parquet(path, file_row_number = true)``: DuckDB then decodes,
normalises, validates and stores each batch of rows in one parallel ``INSERT ... SELECT``,
and no row passes through Python. The rules, rejects, duplicates, provenance and the report are
those of the general path, because the loader runs the very same SQL over either relation.

:func:`plan` decides. It answers ``None`` (use the general path) whenever the two readers
could differ: a column type outside a small table of types both read alike, list fields
held as strings (pyarrow splits those on Unicode whitespace, DuckDB's ``trim`` does not),
file names DuckDB would take as a glob, or a file DuckDB cannot describe. Errors the general
path raises with a clear message (unreadable file, missing required column) are left to it.

>>> _glob_free("/data/posts.parquet"), _glob_free("/data/posts[1].parquet")
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cibwatch.ingest.base import IngestOptions, Target
from cibwatch.ingest.generic import LIST_FIELDS, plan_columns
from cibwatch.sqltext import identifier, literal

#: The 0-based row number DuckDB adds; ``source_row`` is it plus one (1-based, as pyarrow's).
ROW_NUMBER = "file_row_number"


@dataclass(frozen=True)
class ParquetSource:
    """A Parquet file the loader may read through DuckDB, with its canonical columns."""

    path: Path
    target: Target
    #: Canonical name -> source column, as :func:`cibwatch.ingest.generic.stage` renames.
    pairs: dict[str, str]
    #: The staged schema the general path would build: canonical names and ``source_row``.
    schema: pa.Schema
    rows: int
    #: Rows in each of the file's row groups, in file order.
    row_groups: tuple[int, ...]

    def select_sql(self, first: int, stop: int) -> str:
        """The SQL of rows ``first`` to ``stop - 1`` (0-based): canonical columns, ``source_row``.

        DuckDB skips the row groups outside the range by their row numbers alone.
        """
        columns = ", ".join(
            f"{identifier(src)} AS {identifier(name)}" for name, src in self.pairs.items()
        )
        return (
            f"SELECT {columns}, {ROW_NUMBER} + 1 AS source_row "
            f"FROM read_parquet({literal(str(self.path))}, {ROW_NUMBER} = true) "
            f"WHERE {ROW_NUMBER} >= {int(first)} AND {ROW_NUMBER} < {int(stop)}"
        )

    def batches(self, batch_rows: int, threads: int) -> Iterator[tuple[int, int]]:
        """(first, stop) row ranges, each loaded by one INSERT ... SELECT.

        Accounts are merged batch by batch (an account met in two batches is counted as
        stored twice, as the general path always has), so for them the ranges are the
        general path's batches of ``batch_rows`` rows exactly. The posts a batch stores do
        not depend on where batches end (duplicates are found once, per ingest), so their
        ranges are whole row groups, at least ``threads`` of them and at least
        ``batch_rows`` rows: DuckDB reads one row group on one thread, so a batch of one
        row group would leave the other threads idle. Batches rather than one statement
        for the whole file: on 10M posts that took less CPU time and a quarter less memory.
        """
        step = max(1, int(batch_rows))
        if self.target == "accounts":
            for first in range(0, self.rows, step):
                yield first, min(first + step, self.rows)
            return
        first = stop = groups = 0
        for size in self.row_groups:
            stop += size
            groups += 1
            if groups >= threads and stop - first >= step:
                yield first, stop
                first, groups = stop, 0
        if stop > first:
            yield first, stop

    def relation(
        self, con: duckdb.DuckDBPyConnection, first: int, stop: int
    ) -> duckdb.DuckDBPyRelation:
        """Rows ``first`` to ``stop - 1`` as a lazy relation (read only when queried)."""
        return con.sql(self.select_sql(first, stop))


def plan(
    con: duckdb.DuckDBPyConnection, path: Path, options: IngestOptions
) -> ParquetSource | None:
    """A :class:`ParquetSource` when DuckDB reads ``path`` exactly as pyarrow would, else None.

    Raises :class:`IngestError` as the general path does when a required column is missing
    (with the same message), so both paths refuse the same files the same way.
    """
    absolute = path.resolve()
    if not _glob_free(str(absolute)):
        return None
    try:
        parquet = pq.ParquetFile(absolute)
    except (pa.ArrowInvalid, OSError):
        return None  # the general path reports it, naming the file
    arrow = parquet.schema_arrow
    # DuckDB matches column names without regard to case, and adds its own row number.
    folded = [name.lower() for name in arrow.names]
    if ROW_NUMBER in folded or len(set(folded)) != len(folded):
        return None
    target, pairs = plan_columns(path, arrow.names, options)
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({literal(str(absolute))}, {ROW_NUMBER} = true)"
        ).fetchall()
    except duckdb.Error:
        return None
    duck = {str(row[0]): str(row[1]) for row in described}
    fields: list[pa.Field] = []
    for name, column in pairs.items():
        arrow_type = arrow.field(column).type
        if name in LIST_FIELDS and not _is_list(arrow_type):
            return None  # a string list field: the split differs between the two readers
        if not _same_reading(arrow_type, duck.get(column)):
            return None
        fields.append(pa.field(name, arrow_type))
    fields.append(pa.field("source_row", pa.int64()))
    meta = parquet.metadata
    sizes = tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
    return ParquetSource(absolute, target, pairs, pa.schema(fields), meta.num_rows, sizes)


def _is_list(arrow_type: pa.DataType) -> bool:
    return bool(pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type))


def _same_reading(arrow_type: pa.DataType, duck_type: str | None) -> bool:
    """Whether DuckDB's type for a column gives the loader's SQL what pyarrow's type gives it.

    >>> _same_reading(pa.timestamp("us", tz="UTC"), "TIMESTAMP WITH TIME ZONE")
    True
    >>> _same_reading(pa.timestamp("ns"), "TIMESTAMP WITH TIME ZONE")
    False
    >>> _same_reading(pa.list_(pa.string()), "VARCHAR[]"), _same_reading(pa.int64(), "DOUBLE")
    (True, False)
    """
    if duck_type is None:
        return False
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return duck_type == "VARCHAR"
    if _is_list(arrow_type):
        value = arrow_type.value_type
        plain = pa.types.is_string(value) or pa.types.is_large_string(value)
        return plain and duck_type == "VARCHAR[]"
    if pa.types.is_timestamp(arrow_type):
        if arrow_type.tz is not None:
            return duck_type == "TIMESTAMP WITH TIME ZONE"
        return duck_type in ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
    return _SIMPLE.get(str(arrow_type)) == duck_type


#: Arrow types and the DuckDB type each is read as, by pyarrow-then-DuckDB and by DuckDB.
_SIMPLE = {
    "bool": "BOOLEAN",
    "int8": "TINYINT",
    "int16": "SMALLINT",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "uint8": "UTINYINT",
    "uint16": "USMALLINT",
    "uint32": "UINTEGER",
    "uint64": "UBIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "date32[day]": "DATE",
}


def _glob_free(path: str) -> bool:
    """Whether DuckDB takes ``path`` as one file name rather than a glob pattern."""
    return not any(ch in path for ch in "*?[{")
