"""Normalise any input into the ``shares`` relation the co-action steps read.

``shares(account, object_type, object_id, t, share_id, rid)``: ``t`` is UNIX seconds
(DOUBLE), ``share_id`` the content id (the post carrying the object; the row number when
there is none), ``rid`` a unique row number. Rows without an account, object or time are
dropped (an empty cell means the post had no such object), never guessed.

Times may be UNIX seconds, ISO 8601 text (a zone is honoured; text without one is read as
UTC), or timestamps. Text that is neither raises :class:`~cibwatch.errors.InputError` naming
the file, row and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from cibwatch.engines.base import Step
from cibwatch.errors import ConfigError, InputError

#: The temporary table :func:`stage_shares` creates on the connection.
STAGED_TABLE = "coaction_staged"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _time_expr(column: str, sql_type: str) -> str:
    col = _q(column)
    upper = sql_type.upper()
    if upper.startswith("TIMESTAMP") or upper == "DATE":
        return f"epoch_us(CAST({col} AS TIMESTAMPTZ)) / 1e6"
    if upper in ("VARCHAR", "TEXT") or upper.startswith("VARCHAR"):
        # A finite number is UNIX seconds, anything else must be a time. The cast decides
        # what a number is (a regular expression per row cost a fifth of reading the file);
        # only its leniencies that a time column should not have are refused: digit
        # separators ("1_000") and non-finite values.
        number = f"TRY_CAST({col} AS DOUBLE)"
        return (
            f"CASE WHEN isfinite({number}) AND NOT contains({col}, '_') THEN {number} "
            f"ELSE epoch_us(TRY_CAST({col} AS TIMESTAMPTZ)) / 1e6 END"
        )
    return f"CAST({col} AS DOUBLE)"


def _relation(con: duckdb.DuckDBPyConnection, source: str | Path | pa.Table) -> str:
    if isinstance(source, pa.Table):
        con.register("coaction_source", source)
        return "coaction_source"
    path = Path(source)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    lower = path.name.lower()
    if lower.endswith(".parquet"):
        return f"read_parquet({_lit(str(path))})"
    # Every CSV cell as text: ids keep leading zeros and times are parsed by our own rule.
    return f"read_csv({_lit(str(path))}, all_varchar = true, header = true)"


def _normalised(
    con: duckdb.DuckDBPyConnection,
    source: str | Path | pa.Table,
    *,
    account_col: str,
    object_col: str,
    time_col: str,
    object_type_col: str | None,
    content_col: str | None,
    object_type: str,
    object_types: Sequence[str] | None,
) -> tuple[str, str | None, str]:
    """``(select, file, type_filter)``: ``select`` yields (coaction_row, account, object_type,
    object_id, t, raw_time, content), one row per input row, numbered from 1 in file order."""
    con.execute("SET TimeZone = 'UTC'")
    relation = _relation(con, source)
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    types = {str(row[0]): str(row[1]) for row in described}
    file = None if isinstance(source, pa.Table) else str(source)
    for col in (account_col, object_col, time_col, object_type_col, content_col):
        if col is not None and col not in types:
            raise InputError(
                f"no column {col!r}; columns are {', '.join(types)}", file=file, field=col
            )
    if object_types is not None and not object_types:
        raise ConfigError("object_types is empty")
    otype = _q(object_type_col) if object_type_col else _lit(object_type)
    content = f"CAST({_q(content_col)} AS VARCHAR)" if content_col else "NULL"
    t_expr = _time_expr(time_col, types[time_col])
    numbered = f"SELECT *, row_number() OVER () AS coaction_row FROM {relation}"
    select = (
        "SELECT coaction_row, "
        f"CAST({_q(account_col)} AS VARCHAR) AS account, "
        f"CAST({otype} AS VARCHAR) AS object_type, "
        f"CAST({_q(object_col)} AS VARCHAR) AS object_id, "
        f"{t_expr} AS t, CAST({_q(time_col)} AS VARCHAR) AS raw_time, "
        f"{content} AS content FROM ({numbered}) numbered"
    )
    type_filter = ""
    if object_types is not None:
        type_filter = " AND object_type IN (" + ", ".join(map(_lit, object_types)) + ")"
    return select, file, type_filter


def _bad_time(file: str | None, field: str, row: int, raw: object) -> InputError:
    return InputError(
        f"not UNIX seconds nor an ISO 8601 time: {raw!r}", file=file, row=row, field=field
    )


#: Rows that are shares: an account, an object and a time (an empty cell: no such object).
_KEPT = (
    "account IS NOT NULL AND account <> '' AND object_id IS NOT NULL "
    "AND object_id <> '' AND t IS NOT NULL"
)
#: The shares relation's columns over a normalised source (staged or read straight).
_SHARES = (
    "SELECT account, object_type, object_id, t, "
    "COALESCE(content, CAST(coaction_row AS VARCHAR)) AS share_id, "
    "CAST(coaction_row AS BIGINT) AS rid"
)
#: Rows whose time is written but unreadable: an error, never a dropped row.
_UNREADABLE = "t IS NULL AND raw_time IS NOT NULL AND trim(raw_time) <> ''"


def stage_shares(
    con: duckdb.DuckDBPyConnection,
    source: str | Path | pa.Table,
    *,
    account_col: str,
    object_col: str,
    time_col: str,
    object_type_col: str | None = None,
    content_col: str | None = None,
    object_type: str = "object",
    object_types: Sequence[str] | None = None,
) -> str:
    """Stage ``source`` on ``con`` (temp table ``coaction_staged``); return the shares SELECT.

    Staging inside the engine's own DuckDB connection keeps the shares out of Python: DuckDB
    holds them and spills them to disk when they exceed its memory limit. Call
    :func:`unstage_shares` afterwards. (:func:`shares_view` reads the source without a
    staged copy, for a reader that goes through the shares once.)
    """
    select, file, type_filter = _normalised(
        con,
        source,
        account_col=account_col,
        object_col=object_col,
        time_col=time_col,
        object_type_col=object_type_col,
        content_col=content_col,
        object_type=object_type,
        object_types=object_types,
    )
    # The raw time text is kept only where it could not be read (for the error message):
    # a copy of every time as text would cost as much memory as the ids.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE coaction_staged AS SELECT coaction_row, account, "
        "object_type, object_id, t, CASE WHEN t IS NULL THEN raw_time END AS raw_time, "
        f"content FROM ({select}) staged"
    )
    bad = con.execute(
        f"SELECT coaction_row, raw_time FROM coaction_staged WHERE {_UNREADABLE} "
        "ORDER BY coaction_row LIMIT 1"
    ).fetchone()
    if bad is not None:
        unstage_shares(con)
        raise _bad_time(file, time_col, int(bad[0]), bad[1])
    return f"{_SHARES} FROM coaction_staged WHERE {_KEPT}{type_filter}"


def shares_view(
    con: duckdb.DuckDBPyConnection,
    source: str | Path | pa.Table,
    *,
    account_col: str,
    object_col: str,
    time_col: str,
    object_type_col: str | None = None,
    content_col: str | None = None,
    object_type: str = "object",
    object_types: Sequence[str] | None = None,
    after: str = "unique_shares",
) -> tuple[str, Step]:
    """The shares ``SELECT`` straight over ``source``, and the step that checks its times.

    Why no staged copy: the co-action steps read the shares once (``unique_shares`` sorts
    them), so storing them first cost a second materialisation of every row (0.15 of the
    2.4 CPU s of ``cibwatch coordination`` on 1 M shares). Rows whose time is written but
    unreadable pass through with ``t`` NULL (no other step keeps such a row); the returned
    step, run right after ``after`` has stored them, raises
    :class:`~cibwatch.errors.InputError` naming the file, the first such row and the field.
    Call :func:`unstage_shares` afterwards (it unregisters an Arrow source).
    """
    select, file, type_filter = _normalised(
        con,
        source,
        account_col=account_col,
        object_col=object_col,
        time_col=time_col,
        object_type_col=object_type_col,
        content_col=content_col,
        object_type=object_type,
        object_types=object_types,
    )
    sql = f"{_SHARES} FROM ({select}) normalised WHERE ({_KEPT}{type_filter}) OR ({_UNREADABLE})"

    def check(result: pa.Table) -> None:
        first = result.column("first_row")[0].as_py()
        if first is None:
            return
        # Only on error: read the source again for the text of that one row.
        found = con.execute(
            f"SELECT raw_time FROM ({select}) normalised WHERE coaction_row = {int(first)}"
        ).fetchone()
        raise _bad_time(file, time_col, int(first), found[0] if found else None)

    step = Step(
        "unreadable_times",
        f"SELECT MIN(rid) AS first_row FROM {after} WHERE t IS NULL",
        check=check,
    )
    return sql, step


def unstage_shares(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what :func:`stage_shares` left on ``con``."""
    con.execute("DROP TABLE IF EXISTS coaction_staged")
    registered = con.execute(
        "SELECT 1 FROM duckdb_views() WHERE view_name = 'coaction_source' AND temporary"
    ).fetchall()
    if registered:
        con.unregister("coaction_source")


def write_shares(
    source: str | Path | pa.Table,
    path: str | Path,
    *,
    account_col: str,
    object_col: str,
    time_col: str,
    object_type_col: str | None = None,
    content_col: str | None = None,
    object_type: str = "object",
    object_types: Sequence[str] | None = None,
    memory_limit: str = "2GB",
) -> int:
    """Write the ``shares`` relation of ``source`` to the Parquet file ``path``; return rows.

    What an engine that reads files itself (Spark) is handed: the same normalisation as
    :func:`stage_shares`, done by DuckDB within ``memory_limit`` (spilling beside ``path``),
    so no share passes through Python however large the input.
    """
    target = Path(path)
    con = duckdb.connect(config={"memory_limit": memory_limit})
    try:
        spill = str(target.parent / "duckdb-spill").replace("'", "''")
        con.execute(f"SET temp_directory = '{spill}'")
        con.execute("SET enable_progress_bar = false")
        sql = stage_shares(
            con,
            source,
            account_col=account_col,
            object_col=object_col,
            time_col=time_col,
            object_type_col=object_type_col,
            content_col=content_col,
            object_type=object_type,
            object_types=object_types,
        )
        return copy_shares(con, sql, target)
    finally:
        con.close()


def copy_shares(con: duckdb.DuckDBPyConnection, sql: str, path: str | Path) -> int:
    """Write the result of the shares ``sql`` on ``con`` to the Parquet file ``path``;
    return the rows written."""
    written = con.execute(f"COPY ({sql}) TO {_lit(str(path))} (FORMAT parquet)").fetchone()
    return int(written[0]) if written else 0


def workspace_shares_sql(object_types: Sequence[str] | None = None) -> str:
    """``SELECT`` turning the workspace table ``actions`` into ``shares`` (DuckDB)."""
    where = ""
    if object_types is not None:
        where = " WHERE object_type IN (" + ", ".join(map(_lit, object_types)) + ")"
    return (
        "SELECT account, object_type, object_id, epoch_us(created_at) / 1e6 AS t, "
        "post_id AS share_id, row_number() OVER () AS rid FROM actions" + where
    )
