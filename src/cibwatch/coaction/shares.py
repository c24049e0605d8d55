"""Normalise any input into the ``shares`` relation the co-action steps read.

``shares(account, object_type, object_id, t, share_id, rid)``: ``t`` is UNIX seconds
(DOUBLE), ``share_id`` the content id (the post carrying the object; the row number when
there is none), ``rid`` a unique row number. Which columns hold what is one
:class:`ShareColumns`.

Every row read is accounted for in a :class:`SharesRead`: a share, a row that is no share
(no object: an empty cell means the post had no such object; or an object type not asked
for), or a row rejected by reason (no account, no time, a time that is neither UNIX
seconds nor ISO 8601), the first rejected row of each reason named by row and field.
Nothing is guessed. :func:`check_read` refuses a source that lost more than a given share
of its would-be shares, as the ingest refuses a file (``--max-reject-share``).

Times may be UNIX seconds, ISO 8601 text (a zone is honoured; text without one is read as
UTC), or timestamps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from cibwatch.errors import ConfigError, InputError
from cibwatch.sqltext import identifier, literal

#: The temporary table :func:`stage_shares` creates on the connection.
STAGED_TABLE = "coaction_staged"


def _time_expr(column: str, sql_type: str) -> str:
    col = identifier(column)
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
        return f"read_parquet({literal(str(path))})"
    # Every CSV cell as text: ids keep leading zeros and times are parsed by our own rule.
    return f"read_csv({literal(str(path))}, all_varchar = true, header = true)"


@dataclass(frozen=True)
class ShareColumns:
    """Which columns of a source hold the shares, and which object types to keep.

    One value instead of the same seven keyword arguments on every reader of a source
    (:func:`stage_shares`, :func:`write_shares`) and their callers. ``object_type_col``
    names a column with each object's type; without it every share has the type
    ``object_type``. ``content_col`` names the sharing post's id (shares of one post are
    one post to the null model). ``object_types`` keeps only those types (None: all).

    >>> ShareColumns("user", "url", "ts", object_types=["url"]).object_types
    ('url',)
    """

    account_col: str
    object_col: str
    time_col: str
    object_type_col: str | None = None
    content_col: str | None = None
    object_type: str = "object"
    object_types: Sequence[str] | None = None

    def __post_init__(self) -> None:
        # A tuple: the spec is frozen, and a list given by the caller could change under it.
        if self.object_types is not None:
            object.__setattr__(self, "object_types", tuple(self.object_types))


#: Reasons a row is rejected: a would-be share (it names an object) that is defective.
UNREADABLE_TIME = "unreadable time"
NO_ACCOUNT = "no account"
NO_TIME = "no time"
REJECTED = (UNREADABLE_TIME, NO_ACCOUNT, NO_TIME)
#: Reasons a row is no share at all, which is no defect: the post shared no such object,
#: or an object of a type not asked for.
NO_OBJECT = "no object"
OTHER_TYPE = "other object type"


@dataclass(frozen=True)
class SharesRead:
    """What reading a source of shares did: every row read is a share or has a reason.

    ``reasons`` counts the rows that are not shares by reason; ``examples`` names the
    first row of each reason (``"row N, field F: 'raw'"``, rows numbered from 1 after the
    header). Shares are counted before identical rows are merged (the co-action result
    counts those once).

    >>> read = SharesRead("a.csv", rows_read=10, shares=6, reasons={"no object": 2,
    ...                   "no account": 1, "unreadable time": 1})
    >>> read.rows_rejected, read.reject_share
    (2, 0.25)
    """

    file: str | None
    rows_read: int
    shares: int
    reasons: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        """Rows that name an object but are defective (see :data:`REJECTED`)."""
        return sum(n for reason, n in self.reasons.items() if reason in REJECTED)

    @property
    def reject_share(self) -> float:
        """Rejected rows as a share of the would-be shares (the rows that name an object
        of a type asked for): a file of posts of which few shared anything loses nothing."""
        candidates = self.shares + self.rows_rejected
        return self.rows_rejected / candidates if candidates else 0.0

    def summary(self) -> str:
        """One line for people.

        >>> SharesRead("a.csv", 5, 2, {"no object": 2, "no time": 1}).summary()
        'a.csv: 5 rows read, 2 shares, 1 rejected (1 no time), 2 no object'
        """
        rejected = {r: n for r, n in self.reasons.items() if r in REJECTED}
        other = {r: n for r, n in self.reasons.items() if r not in REJECTED}
        line = f"{self.file or 'table'}: {self.rows_read:,} rows read, {self.shares:,} shares"
        line += f", {self.rows_rejected:,} rejected{_by_reason(rejected)}"
        for reason, n in sorted(other.items()):
            line += f", {n:,} {reason}"
        return line

    def reason_lines(self) -> list[str]:
        """One line per reason, most frequent first, with its first row named."""
        ordered = sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))
        return [
            f"{n:,} x {reason} (first: {self.examples[reason]})"
            if reason in self.examples
            else f"{n:,} x {reason}"
            for reason, n in ordered
        ]


def _by_reason(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return " (" + ", ".join(f"{n:,} {reason}" for reason, n in ordered) + ")"


class SharesShortfallError(InputError):
    """A source lost more of its would-be shares than allowed; ``read`` says how."""

    def __init__(self, message: str, *, read: SharesRead) -> None:
        self.read = read
        super().__init__(message, file=read.file)


def check_read(read: SharesRead, max_reject_share: float | None) -> None:
    """Raise :class:`SharesShortfallError` when ``read`` rejected more than
    ``max_reject_share`` of its would-be shares (None: never).

    The same rule as the ingest's (:mod:`cibwatch.ingest.shortfall`): a column of times
    in another format, or an account column that is mostly empty, must not pass as a
    smaller but clean result.
    """
    if max_reject_share is not None and not 0 <= max_reject_share <= 1:
        raise ConfigError(f"max_reject_share must be between 0 and 1, not {max_reject_share}")
    if max_reject_share is None or read.reject_share <= max_reject_share:
        return
    lines = [
        f"{read.rows_rejected:,} of {read.shares + read.rows_rejected:,} rows that name an "
        f"object rejected ({read.reject_share:.0%}, more than the {max_reject_share:.0%} "
        "allowed)",
        *(f"  {line}" for line in read.reason_lines()),
        "Fix the file or the column options; --max-reject-share 1 keeps the rows that pass.",
    ]
    raise SharesShortfallError("\n".join(lines), read=read)


def _normalised(
    con: duckdb.DuckDBPyConnection, source: str | Path | pa.Table, columns: ShareColumns
) -> tuple[str, str | None]:
    """``(select, file)``: ``select`` yields (coaction_row, account, object_type,
    object_id, t, raw_time, content), one row per input row, numbered from 1 in file order."""
    con.execute("SET TimeZone = 'UTC'")
    relation = _relation(con, source)
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    types = {str(row[0]): str(row[1]) for row in described}
    file = None if isinstance(source, pa.Table) else str(source)
    c = columns
    for col in (c.account_col, c.object_col, c.time_col, c.object_type_col, c.content_col):
        if col is not None and col not in types:
            raise InputError(
                f"no column {col!r}; columns are {', '.join(types)}", file=file, field=col
            )
    if c.object_types is not None and not c.object_types:
        raise ConfigError("object_types is empty")
    otype = identifier(c.object_type_col) if c.object_type_col else literal(c.object_type)
    content = f"CAST({identifier(c.content_col)} AS VARCHAR)" if c.content_col else "NULL"
    t_expr = _time_expr(c.time_col, types[c.time_col])
    numbered = f"SELECT *, row_number() OVER () AS coaction_row FROM {relation}"
    select = (
        "SELECT coaction_row, "
        f"CAST({identifier(c.account_col)} AS VARCHAR) AS account, "
        f"CAST({otype} AS VARCHAR) AS object_type, "
        f"CAST({identifier(c.object_col)} AS VARCHAR) AS object_id, "
        f"{t_expr} AS t, CAST({identifier(c.time_col)} AS VARCHAR) AS raw_time, "
        f"{content} AS content FROM ({numbered}) numbered"
    )
    return select, file


#: Every reason a row is no share, in the order of their codes (1, 2, ...) in the staged table.
_REASONS = (NO_OBJECT, OTHER_TYPE, UNREADABLE_TIME, NO_ACCOUNT, NO_TIME)


def _reason_sql(columns: ShareColumns) -> str:
    """Why a normalised row is no share, as a code into :data:`_REASONS` (NULL for a
    share): one reason per row, one byte a row staged.

    A row without an object is no share whatever else it lacks; of the defects, a time
    written but unreadable is named first (its text says most about what went wrong).
    """
    code = {reason: index for index, reason in enumerate(_REASONS, start=1)}
    other_type = ""
    if columns.object_types is not None:
        kept = ", ".join(map(literal, columns.object_types))
        other_type = f"WHEN NOT COALESCE(object_type IN ({kept}), false) THEN {code[OTHER_TYPE]} "
    return (
        f"CAST(CASE WHEN object_id IS NULL OR object_id = '' THEN {code[NO_OBJECT]} "
        f"{other_type}WHEN t IS NULL AND raw_time IS NOT NULL AND trim(raw_time) <> '' "
        f"THEN {code[UNREADABLE_TIME]} "
        f"WHEN account IS NULL OR account = '' THEN {code[NO_ACCOUNT]} "
        f"WHEN t IS NULL THEN {code[NO_TIME]} END AS UTINYINT)"
    )


#: A share's id when its row names no post: the row number.
_ROW_ID = "CAST(coaction_row AS VARCHAR)"


def _shares_sql(columns: ShareColumns) -> str:
    """The shares relation over the staged source. A constant object type and a missing
    content column are written here rather than stored once a row."""
    otype = "object_type" if columns.object_type_col else literal(columns.object_type)
    share_id = "share_id" if columns.content_col else _ROW_ID
    return (
        f"SELECT account, CAST({otype} AS VARCHAR) AS object_type, object_id, t, "
        f"{share_id} AS share_id, CAST(coaction_row AS BIGINT) AS rid "
        f"FROM {STAGED_TABLE} WHERE reason IS NULL"
    )


def stage_shares(
    con: duckdb.DuckDBPyConnection, source: str | Path | pa.Table, columns: ShareColumns
) -> tuple[str, SharesRead]:
    """Stage ``source`` on ``con`` (temp table ``coaction_staged``); return the shares
    SELECT and what the reading found.

    Staging inside the engine's own DuckDB connection keeps the shares out of Python: DuckDB
    holds them and spills them to disk when they exceed its memory limit. The one pass
    that stages the rows also gives each its reason for not being a share, so the counts
    by reason are an aggregate over the staged table (0.02 CPU s at 1 M rows), not a
    second read of the source. Call :func:`unstage_shares` afterwards (a step that reads
    the shares SELECT once may release :data:`STAGED_TABLE` itself).
    """
    select, file = _normalised(con, source, columns)
    # Only what varies from row to row is stored: 55 against 72 MB at 1 M rows with a
    # constant type, a one-byte reason and no raw time text (read again for an example).
    stored = ["coaction_row", "account", "object_id", "t"]
    stored += ["object_type"] if columns.object_type_col else []
    # The post's id as the shares relation spells it, computed once here rather than at
    # each of co-action's reads of the shares (two of them read every share).
    stored += [f"COALESCE(content, {_ROW_ID}) AS share_id"] if columns.content_col else []
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {STAGED_TABLE} AS SELECT {', '.join(stored)}, "
        f"{_reason_sql(columns)} AS reason FROM ({select}) staged"
    )
    return _shares_sql(columns), _read(con, select, file, columns)


#: Longest raw value quoted in an example (as the ingest's).
_EXAMPLE_CHARS = 80


def _read(
    con: duckdb.DuckDBPyConnection, select: str, file: str | None, columns: ShareColumns
) -> SharesRead:
    """Count the staged rows by reason, naming the first row of each."""
    rows = con.execute(
        f"SELECT reason, count(*), min(coaction_row) FROM {STAGED_TABLE} GROUP BY reason"
    ).fetchall()
    fields = {
        NO_OBJECT: columns.object_col,
        OTHER_TYPE: columns.object_type_col,
        UNREADABLE_TIME: columns.time_col,
        NO_ACCOUNT: columns.account_col,
        NO_TIME: columns.time_col,
    }
    reasons: dict[str, int] = {}
    examples: dict[str, str] = {}
    shares = 0
    for code, count, first in rows:
        if code is None:
            shares = int(count)
            continue
        reason = _REASONS[int(code) - 1]
        reasons[reason] = int(count)
        where = f"row {int(first)}"
        if fields[reason]:
            where += f", field {fields[reason]}"
        if reason == UNREADABLE_TIME:
            # Only when a time is unreadable: the source again, for that one row's text.
            found = con.execute(
                f"SELECT raw_time FROM ({select}) normalised WHERE coaction_row = {int(first)}"
            ).fetchone()
            raw = found[0] if found else None
            where += f": {str(raw)[:_EXAMPLE_CHARS]!r}"
        examples[reason] = where
    return SharesRead(
        file,
        rows_read=shares + sum(reasons.values()),
        shares=shares,
        reasons=reasons,
        examples=examples,
    )


def write_shares(
    source: str | Path | pa.Table,
    path: str | Path,
    columns: ShareColumns,
    *,
    memory_limit: str = "2GB",
) -> SharesRead:
    """Write the ``shares`` relation of ``source`` to the Parquet file ``path``; return
    what the reading found.

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
        sql, read = stage_shares(con, source, columns)
        copy_shares(con, sql, target)
        return read
    finally:
        con.close()


def unstage_shares(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what :func:`stage_shares` left on ``con``."""
    con.execute(f"DROP TABLE IF EXISTS {STAGED_TABLE}")
    registered = con.execute(
        "SELECT 1 FROM duckdb_views() WHERE view_name = 'coaction_source' AND temporary"
    ).fetchall()
    if registered:
        con.unregister("coaction_source")


def copy_shares(con: duckdb.DuckDBPyConnection, sql: str, path: str | Path) -> int:
    """Write the result of the shares ``sql`` on ``con`` to the Parquet file ``path``;
    return the rows written."""
    written = con.execute(f"COPY ({sql}) TO {literal(str(path))} (FORMAT parquet)").fetchone()
    return int(written[0]) if written else 0


def workspace_shares_sql(object_types: Sequence[str] | None = None) -> str:
    """``SELECT`` turning the workspace table ``actions`` into ``shares`` (DuckDB).

    ``rid`` is the table's ``rowid``: unique, and the same each time ``shares`` is read
    while the table is unchanged (co-action reads it more than once), where a row number
    over a parallel scan need not be; and no window over every action computes it.
    """
    where = ""
    if object_types is not None:
        where = " WHERE object_type IN (" + ", ".join(map(literal, object_types)) + ")"
    return (
        "SELECT account, object_type, object_id, epoch_us(created_at) / 1e6 AS t, "
        "post_id AS share_id, rowid AS rid FROM actions" + where
    )
