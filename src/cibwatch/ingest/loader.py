"""Load one source file into the canonical tables, atomically.

The loader is the single place where staged rows are validated and normalised, for every
format: each staged Arrow batch is scanned by DuckDB and turned into canonical rows by a
few set-based SQL statements (no per-row Python). A Parquet file that DuckDB reads exactly
as pyarrow does skips the Arrow batches: the same SQL runs over ``read_parquet`` itself
(see :mod:`cibwatch.ingest.parquet_sql`), with the same results. Rows that fail a rule go
to ``rejects`` with file, row, field, reason and the raw value; posts already stored (or
seen earlier in the same file) are counted as duplicates and listed in ``rejects`` too, so
nothing is lost silently. The whole file is one transaction: any error leaves the
workspace as it was.

Counts (for posts and accounts rows alike): ``rows_read = rows_stored + rows_rejected +
rows_duplicate``.

>>> # report = ingest_file(ws, Path("posts.csv"), format=None, assume_tz=None,
>>> #                      platform="x", column_map=None, progress=None)
"""

from __future__ import annotations

import csv
import json
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from cibwatch.errors import CibwatchError, ConfigError, IngestError
from cibwatch.ingest import parquet_sql, registry, times
from cibwatch.ingest.base import Ingester, IngestOptions, Notice, Reject, StagedBatch, Target
from cibwatch.ingest.csvsource import check_encoding
from cibwatch.ingest.generic import MAP_SOURCE, ParquetIngester, load_column_map
from cibwatch.ingest.shortfall import DEFAULT_MAX_REJECT_SHARE, check_ingest
from cibwatch.schema import ACCOUNT_FIELDS, ACCOUNT_KINDS, POST_FIELDS, POST_KINDS
from cibwatch.sqltext import identifier, literal

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

_NAIVE = times.naive_pattern()
# Domains come from urls when the source gave none: host, lowercase, without "www.".
_DOMAINS = (
    'list_filter(list_transform("urls", lambda u: regexp_replace(lower(regexp_extract(u, '
    "'^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)', 1)), '^www\\.', '')), "
    "lambda d: d <> '')"
)
_CHUNK_ROWS = 65_536


@dataclass
class IngestReport:
    """What one ingest did; also stored in the ``ingests`` table."""

    ingest_id: int
    source_file: str
    format: str
    rows_read: int = 0
    rows_stored: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    accounts_stored: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    #: What the analyst must know about the file besides the counts (see ``Notice``).
    notices: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people.

        >>> IngestReport(1, "a.csv", "csv", 3, 1, 1, 1, 1).summary()
        'a.csv (csv): 3 rows read, 1 stored, 1 rejected, 1 duplicate; 1 accounts'
        """
        return (
            f"{self.source_file} ({self.format}): {self.rows_read} rows read, "
            f"{self.rows_stored} stored, {self.rows_rejected} rejected, "
            f"{self.rows_duplicate} duplicate; {self.accounts_stored} accounts"
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_tz(con: duckdb.DuckDBPyConnection, assume_tz: str) -> None:
    try:
        con.execute("SELECT timezone(?, TIMESTAMP '2000-01-01')::VARCHAR", [assume_tz]).fetchall()
    except duckdb.Error as exc:
        raise ConfigError(
            f"--assume-tz {assume_tz!r} is not a time zone name (e.g. 'UTC', 'Europe/Berlin')"
        ) from exc


def ingest_file(
    workspace: Workspace,
    path: Path,
    *,
    format: str | None,
    assume_tz: str | None,
    platform: str | None,
    column_map: str | Path | Mapping[str, Any] | None,
    progress: Callable[[int], None] | None,
    max_reject_share: float | None = DEFAULT_MAX_REJECT_SHARE,
    encoding: str | None = None,
) -> IngestReport:
    """Ingest ``path`` into ``workspace`` in one transaction and return its report.

    ``progress`` is called after each batch with the number of rows read so far. A file
    that stores nothing, or rejects more than ``max_reject_share`` of its rows, raises
    :class:`~cibwatch.ingest.shortfall.IngestShortfallError` and is not kept.
    """
    if max_reject_share is not None and not 0 <= max_reject_share <= 1:
        raise ConfigError(f"max_reject_share must be between 0 and 1, not {max_reject_share}")
    path = Path(path)
    if not path.is_file():
        raise IngestError("no such file", file=str(path))
    if path.stat().st_size == 0:
        raise IngestError("empty file", file=str(path))
    options = IngestOptions(
        assume_tz=assume_tz, platform=platform, encoding=check_encoding(encoding)
    )
    if column_map is not None:
        options.column_map, options.extra[MAP_SOURCE] = load_column_map(column_map)
        options.platform = options.platform or options.column_map.get("platform")
        options.assume_tz = options.assume_tz or options.column_map.get("assume_tz")
    ingester = (
        registry.get_ingester(format) if format else registry.detect_format(path, options.encoding)
    )
    con = workspace.connection
    if options.assume_tz:
        _check_tz(con, options.assume_tz)
    params = {
        "format": ingester.name,
        "assume_tz": options.assume_tz,
        "platform": options.platform,
        "column_map": options.column_map,
        "encoding": options.encoding,
    }
    # DuckDB's own progress bar would print over the caller's (we report progress).
    setting = _first(con.execute("SELECT current_setting('enable_progress_bar')").fetchall())
    con.execute("SET enable_progress_bar = false")
    try:
        return _ingest(workspace, path, ingester, options, params, progress, max_reject_share)
    except duckdb.Error as exc:
        # The transaction has been rolled back; report the file, not a DuckDB traceback.
        raise IngestError(f"cannot load rows: {exc}", file=str(path)) from exc
    finally:
        con.execute(f"SET enable_progress_bar = {bool(setting and setting[0])}")


def _ingest(
    workspace: Workspace,
    path: Path,
    ingester: type[Ingester],
    options: IngestOptions,
    params: dict[str, Any],
    progress: Callable[[int], None] | None,
    max_reject_share: float | None,
) -> IngestReport:
    con = workspace.connection
    with workspace.transaction():
        row = _first(
            con.execute(
                "INSERT INTO ingests (ingest_id, source_file, format, started_at, params) "
                "VALUES (nextval('ingest_seq'), ?, ?, ?, ?) RETURNING ingest_id",
                [str(path), ingester.name, _now(), json.dumps(params, default=str)],
            ).fetchall()
        )
        assert row is not None
        report = IngestReport(int(row[0]), str(path), ingester.name)
        batch_loader = _BatchLoader(con, report, options)
        direct = parquet_sql.plan(con, path, options) if ingester is ParquetIngester else None
        if direct is not None:
            # DuckDB reads the file itself: an INSERT ... SELECT per batch, no row in Python.
            threads = _first(con.execute("SELECT current_setting('threads')").fetchall())
            for first, stop in direct.batches(options.batch_rows, int(threads[0])):
                relation = direct.relation(con, first, stop)
                batch_loader.load_relation(relation, direct.schema, direct.target, stop - first)
                if progress is not None:
                    progress(report.rows_read)
        else:
            _read_into(ingester, path, options, batch_loader, progress)
        batch_loader.flush_rejects()
        if report.rows_read == 0:
            raise IngestError("empty file (no data rows)", file=str(path))
        batch_loader.dedupe_posts()
        batch_loader.finish()
        batch_loader.drop_temp()
        if report.notices:
            params["notices"] = report.notices
        con.execute(
            "UPDATE ingests SET finished_at = ?, rows_read = ?, rows_stored = ?, "
            "rows_rejected = ?, rows_duplicate = ?, accounts_stored = ?, params = ? "
            "WHERE ingest_id = ?",
            [
                _now(),
                report.rows_read,
                report.rows_stored,
                report.rows_rejected,
                report.rows_duplicate,
                report.accounts_stored,
                json.dumps(params, default=str),
                report.ingest_id,
            ],
        )
        reasons = con.execute(
            "SELECT reason, count(*) FROM rejects WHERE ingest_id = ? GROUP BY reason "
            "ORDER BY count(*) DESC, reason",
            [report.ingest_id],
        ).fetchall()
        report.reject_reasons = {str(r): int(n) for r, n in reasons}
        # Raising here rolls the file back: a refused file leaves no trace.
        check_ingest(con, report, max_reject_share)
    return report


#: What a reader's libraries raise on input they cannot read. Caught at this edge only, so
#: that hostile input ends in an IngestError naming the file and the place, never in a
#: traceback; the file's transaction is rolled back.
_READER_ERRORS = (
    UnicodeError,
    RecursionError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    OverflowError,
    OSError,
    EOFError,
    zlib.error,
    csv.Error,
    pa.ArrowException,
)


def read_source(
    ingester: type[Ingester], path: Path, options: IngestOptions
) -> Iterator[StagedBatch | Reject | Notice]:
    """What ``ingester`` reads from ``path``; a reader's library failure becomes an IngestError.

    This is the edge every reader passes: errors of our own tree pass unchanged, the
    libraries' (decoding, parsing, Arrow) are converted, with the file named.
    """
    read = 0
    try:
        for item in ingester().read(path, options):
            read += 1 if isinstance(item, Reject) else 0
            if isinstance(item, StagedBatch):
                read += item.batch.num_rows
            yield item
    except (CibwatchError, duckdb.Error):
        raise
    except _READER_ERRORS as exc:
        detail = str(exc).splitlines()[0][:300] if str(exc) else ""
        raise IngestError(
            f"cannot read the file as {ingester.name} after {read:,} rows "
            f"({type(exc).__name__}: {detail}); nothing of it was stored",
            file=str(path),
        ) from exc


def _read_into(
    ingester: type[Ingester],
    path: Path,
    options: IngestOptions,
    batch_loader: _BatchLoader,
    progress: Callable[[int], None] | None,
) -> None:
    """Feed what the ingester reads to the loader."""
    report = batch_loader.report
    for item in read_source(ingester, path, options):
        if isinstance(item, Reject):
            batch_loader.reject(item)
        elif isinstance(item, Notice):
            report.notices.append(item.message)
        else:
            batch_loader.load(item)
            if progress is not None:
                progress(report.rows_read)


def _first(rows: list[Any]) -> Any:
    """The first row of a fully fetched result (DuckDB needs results fetched to the end)."""
    return rows[0] if rows else None


class _BatchLoader:
    """Turns staged batches into canonical rows with set-based SQL."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, report: IngestReport, options: IngestOptions
    ) -> None:
        self.con = con
        self.report = report
        self.options = options
        self.pending: list[Reject] = []
        self._batch: duckdb.DuckDBPyRelation | None = None
        #: The ingest's time: later times are in the future.
        self.now = _now().replace(microsecond=0)

    # -- rejects from the ingester --------------------------------------------------------

    def reject(self, item: Reject) -> None:
        self.pending.append(item)
        self.report.rows_read += 1
        self.report.rows_rejected += 1
        if len(self.pending) >= 10_000:
            self.flush_rejects()

    def flush_rejects(self) -> None:
        if not self.pending:
            return
        table = pa.table(
            {
                "source_row": pa.array([r.source_row for r in self.pending], pa.int64()),
                "field": pa.array([r.field for r in self.pending], pa.string()),
                "reason": pa.array([r.reason for r in self.pending], pa.string()),
                "raw": pa.array([r.raw for r in self.pending], pa.string()),
            }
        )
        self.pending = []
        result = self.con.from_arrow(table).query(
            "_cib_rejects",
            f"INSERT INTO rejects SELECT {self.report.ingest_id}, "
            f"{literal(self.report.source_file)}, source_row, field, reason, raw "
            "FROM _cib_rejects",
        )
        if result is not None:
            result.fetchall()

    # -- staged batches -------------------------------------------------------------------

    def load(self, item: StagedBatch) -> None:
        batch = item.batch
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        if table.num_rows == 0:
            return
        fields = POST_FIELDS if item.target == "posts" else ACCOUNT_FIELDS
        known = {name for name, _ in fields} | {"source_row"}
        extra = [name for name in table.column_names if name not in known]
        if extra or "source_row" not in table.column_names:
            raise IngestError(
                f"ingester staged unknown columns {extra} or no source_row (a bug in the "
                f"{self.report.format} ingester)",
                file=self.report.source_file,
            )
        # Many small chunks let DuckDB scan the batch on all threads.
        table = pa.Table.from_batches(table.to_batches(max_chunksize=_CHUNK_ROWS), table.schema)
        # A relation, not a registered view: a view would keep every batch's Arrow memory
        # alive until the transaction ends.
        self.load_relation(self.con.from_arrow(table), table.schema, item.target, table.num_rows)

    def load_relation(
        self, relation: duckdb.DuckDBPyRelation, schema: pa.Schema, target: Target, rows: int
    ) -> None:
        """Validate and store ``rows`` staged rows that ``relation`` yields.

        ``schema`` is the staged Arrow schema (canonical names and ``source_row``); the SQL
        built from it is the same whether the relation scans an Arrow batch or a file.
        """
        fields = POST_FIELDS if target == "posts" else ACCOUNT_FIELDS
        self.report.rows_read += rows
        self._batch = relation
        try:
            stage_sql = self._stage_sql(schema, fields, target)
            if target == "posts":
                self._load_posts(stage_sql, rows)
            else:
                self._stage(stage_sql)
                self._store_accounts()
        finally:
            self._batch = None

    def _on_batch(self, sql: str) -> list[Any]:
        """Run ``sql``, in which ``_cib_batch`` names the current staged batch."""
        assert self._batch is not None
        result = self._batch.query("_cib_batch", sql)
        return [] if result is None else result.fetchall()

    def _load_posts(self, stage_sql: str, rows: int) -> None:
        """Insert the batch's valid rows in one pass; stage only the failing rows, if any.

        Duplicates are not looked for here but once per ingest, in :meth:`dedupe_posts`:
        probing the growing ``posts`` table for every batch made large ingests quadratic.
        """
        names = ", ".join(identifier(n) for n, _ in POST_FIELDS)
        provenance = f"{literal(self.report.source_file)}, source_row, {self.report.ingest_id}"
        # MATERIALIZED: otherwise DuckDB pushes the filter on ``_field`` down through the
        # projections, inlining every rule's condition with the time expression in it (one
        # copy per rule and per CASE): 8x the CPU time of evaluating each rule once.
        inserted = _first(
            self._on_batch(
                f"INSERT INTO posts WITH _cib_staged AS MATERIALIZED ({stage_sql}) "
                f"SELECT {names}, {provenance} FROM _cib_staged WHERE _field IS NULL"
            )
        )
        stored = int(inserted[0]) if inserted else 0
        self.report.rows_stored += stored
        if stored < rows:
            # Only the reject columns: DuckDB then skips normalising the lists of bad rows.
            self._stage(
                f"WITH _cib_staged AS MATERIALIZED ({stage_sql}) "
                "SELECT source_row, _field, _reason, _raw FROM _cib_staged "
                "WHERE _field IS NOT NULL"
            )

    def dedupe_posts(self) -> None:
        """Move this ingest's duplicate posts to ``rejects``; keep the first copy.

        A post repeats when its (platform, post_id) was stored by an earlier ingest, or by
        an earlier row of this file. Only the keys that repeat are windowed, so a file
        without duplicates costs one aggregate and one semi-join, both on a 64-bit hash of
        the key rather than on two strings (measured on 10M posts: a third less CPU time
        to find the repeated keys). A repeated
        key always repeats its hash; a repeated hash need not be a repeated key, so the
        hashes only pick the candidates and the window below, on the keys themselves,
        decides: a hash collision costs a little work, never a wrong duplicate.
        """
        ingest_id = self.report.ingest_id
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _cib_dup AS
            WITH new AS (
                SELECT platform, post_id, hash(platform, post_id) AS h
                FROM posts WHERE ingest_id = {ingest_id}
            ),
            hashes AS (
                SELECT h FROM new GROUP BY h HAVING count(*) > 1
                UNION
                SELECT h FROM new WHERE h IN (
                    SELECT hash(platform, post_id) FROM posts WHERE ingest_id <> {ingest_id})
            ),
            keys AS (
                SELECT DISTINCT platform, post_id FROM new WHERE h IN (SELECT h FROM hashes)
            )
            SELECT rid, source_row, post_id FROM (
                SELECT p.rowid AS rid, p.source_row, p.post_id, p.ingest_id,
                       row_number() OVER (PARTITION BY p.platform, p.post_id
                                          ORDER BY p.ingest_id, p.source_row) AS rn
                FROM posts p JOIN keys k ON p.platform = k.platform AND p.post_id = k.post_id
            ) WHERE rn > 1 AND ingest_id = {ingest_id}
            """
        )
        self._insert_rejects(
            "SELECT source_row, 'post_id' AS _field, 'duplicate post' AS _reason, "
            "post_id AS _raw FROM _cib_dup",
            counter="rows_duplicate",
        )
        deleted = _first(
            self.con.execute(
                "DELETE FROM posts WHERE rowid IN (SELECT rid FROM _cib_dup)"
            ).fetchall()
        )
        self.report.rows_stored -= int(deleted[0]) if deleted else 0

    def _stage_sql(
        self, schema: pa.Schema, fields: tuple[tuple[str, str], ...], target: str
    ) -> str:
        """A SELECT over ``_cib_batch``: canonical typed columns plus the first failed rule."""
        present = set(schema.names)
        selects = ["source_row"]
        checks: list[tuple[str, str, str, str]] = []  # (condition, field, reason, raw)
        time_raw: dict[str, int] = {}  # time field -> index of its check (for the raw value)
        for name, sql_type in fields:
            col = identifier(name)
            if name not in present:
                selects.append(f"CAST(NULL AS {sql_type}) AS {col}")
                if name == "platform":
                    selects[-1] = f"CAST({self._platform()} AS VARCHAR) AS {col}"
                continue
            arrow_type = schema.field(name).type
            raw = f"CAST({col} AS VARCHAR)"
            if sql_type == "TIMESTAMP":
                expr = self._time_expr(col, arrow_type, name)
                numeric = pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)
                textual = pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
                if numeric or textual:
                    checks.append(
                        (times.too_large(col, numeric), name, times.TOO_LARGE_REASON, raw)
                    )
                if textual:
                    checks.append(
                        (
                            times.unknown_zone_name(f"trim({col})"),
                            name,
                            "time zone name not in the table of unambiguous names; "
                            "write an offset such as -0800",
                            raw,
                        )
                    )
                checks.append(
                    (f"{col} IS NOT NULL AND {expr} IS NULL", name, "not a timestamp", raw)
                )
                time_raw[name] = len(checks) - 1
                selects.append(f"{expr} AS {col}")
            elif sql_type.endswith("[]"):
                selects.append(f"{self._list_expr(col, arrow_type, name)} AS {col}")
            elif sql_type in ("DOUBLE", "BIGINT"):
                expr = f"TRY_CAST({col} AS {sql_type})"
                if pa.types.is_string(arrow_type):
                    expr = f"TRY_CAST(NULLIF(trim({col}), '') AS {sql_type})"
                checks.append(
                    (
                        f"{col} IS NOT NULL AND NULLIF(trim({raw}), '') IS NOT NULL "
                        f"AND {expr} IS NULL",
                        name,
                        "not a number",
                        raw,
                    )
                )
                selects.append(f"{expr} AS {col}")
            elif name == "platform":
                selects.append(f"coalesce(NULLIF({raw}, ''), {self._platform()}) AS {col}")
            else:
                selects.append(f"NULLIF({raw}, '') AS {col}")
        required = ["platform", "post_id", "account_id", "created_at"]
        if target == "accounts":
            required = ["platform", "account_id"]
        rules = [(f"{identifier(n)} IS NULL", n, f"missing {n}", "NULL") for n in required]
        # Times that parsed but no post or account can have; the raw value is the source's.
        now = f"TIMESTAMP '{self.now.isoformat(sep=' ')}'"
        for name, index in time_raw.items():
            platform = '"platform"' if target == "posts" else None
            for cond, reason in times.range_rules(identifier(name), platform, now):
                rules.append((cond, name, reason, f"_raw{index}"))
        kinds = POST_KINDS if target == "posts" else ACCOUNT_KINDS
        allowed = ", ".join(f"'{k}'" for k in kinds)
        rules.append(
            (
                f"kind IS NOT NULL AND lower(trim(kind)) NOT IN ({allowed})",
                "kind",
                f"kind must be one of {', '.join(kinds)}",
                "kind",
            )
        )
        # Type checks see the raw batch; required-field checks see typed values.
        inner = ", ".join(selects)
        flags = ", ".join(
            f"({cond}) AS _bad{i}, {raw} AS _raw{i}" for i, (cond, _, _, raw) in enumerate(checks)
        )
        typed = f"SELECT {inner}{', ' if flags else ''}{flags} FROM _cib_batch"
        field_case = ["CASE"]
        reason_case = ["CASE"]
        raw_case = ["CASE"]
        for i, (_, name, reason, _) in enumerate(checks):
            field_case.append(f"WHEN _bad{i} THEN '{name}'")
            reason_case.append(f"WHEN _bad{i} THEN '{reason}'")
            raw_case.append(f"WHEN _bad{i} THEN _raw{i}")
        for cond, name, reason, raw in rules:
            field_case.append(f"WHEN {cond} THEN '{name}'")
            reason_case.append(f"WHEN {cond} THEN '{reason}'")
            raw_case.append(f"WHEN {cond} THEN CAST({raw} AS VARCHAR)")
        names = ", ".join(["source_row", *(identifier(n) for n, _ in fields)])
        default_kind = "original" if target == "posts" else "account"
        outer = names.replace(
            '"kind"', f'coalesce(lower(trim("kind")), \'{default_kind}\') AS "kind"'
        ).replace('"domains"', f'coalesce("domains", {_DOMAINS}) AS "domains"')
        return (
            f"SELECT {outer}, "
            f"{' '.join(field_case)} END AS _field, {' '.join(reason_case)} END AS _reason, "
            f"{' '.join(raw_case)} END AS _raw FROM ({typed})"
        )

    def _stage(self, stage_sql: str) -> None:
        """Materialise ``_cib_stage`` and move rows that fail a rule to ``rejects``."""
        self._on_batch(f"CREATE OR REPLACE TEMP TABLE _cib_stage AS {stage_sql}")
        # Without --assume-tz a time without zone fails to parse; say why instead of
        # rejecting it (checked on the failed rows only, so the fast path pays nothing).
        for name in ("created_at",):
            self._require_tz(
                "SELECT min(source_row) FROM _cib_stage WHERE _field = ? "
                f"AND regexp_full_match(trim(_raw), '{_NAIVE}')",
                name,
                [name],
            )
        self._insert_rejects(
            "SELECT source_row, _field, _reason, _raw FROM _cib_stage WHERE _field IS NOT NULL",
            counter="rows_rejected",
        )

    def _platform(self) -> str:
        """The --platform option as a SQL literal (NULL when not given)."""
        value = self.options.platform
        return "NULL" if value is None else literal(value)

    def _time_expr(self, col: str, arrow_type: pa.DataType, name: str) -> str:
        tz = self.options.assume_tz
        if pa.types.is_timestamp(arrow_type) and arrow_type.tz is not None:
            return f"timezone('UTC', {col})"
        if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
            if tz is None:
                found = _first(
                    self._on_batch(
                        f"SELECT min(source_row) FROM _cib_batch WHERE {col} IS NOT NULL"
                    )
                )
                self._no_zone(found[0] if found else None, name)
            return f"timezone('UTC', timezone({literal(str(tz))}, CAST({col} AS TIMESTAMP)))"
        if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
            return times.unix_expr(f"CAST({col} AS DOUBLE)")
        return times.text_expr(col, tz)

    def _require_tz(self, sql: str, name: str, params: list[Any] | None = None) -> None:
        if self.options.assume_tz is not None:
            return
        row = _first(self.con.execute(sql, params or []).fetchall())
        self._no_zone(row[0] if row else None, name)

    def _no_zone(self, row: int | None, name: str) -> None:
        """Refuse to guess the zone of a zoneless time found at ``row`` (if any)."""
        if row is not None:
            raise IngestError(
                "time without a time zone; pass --assume-tz (e.g. --assume-tz UTC or "
                "--assume-tz America/New_York) to say which zone the file's times are in",
                file=self.report.source_file,
                row=int(row),
                field=name,
            )

    @staticmethod
    def _list_expr(col: str, arrow_type: pa.DataType, name: str) -> str:
        if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
            values = f"CAST({col} AS VARCHAR[])"
        else:
            values = f"regexp_split_to_array(trim(CAST({col} AS VARCHAR)), '\\s+')"
        if name == "hashtags":
            values = f"list_transform({values}, lambda x: lower(ltrim(trim(x), '#')))"
        elif name == "mentions":
            values = f"list_transform({values}, lambda x: lower(ltrim(trim(x), '@')))"
        else:
            values = f"list_transform({values}, lambda x: trim(x))"
        return f"list_filter({values}, lambda x: x IS NOT NULL AND x <> '')"

    def _insert_rejects(self, select: str, *, counter: str) -> None:
        row = _first(
            self.con.execute(
                "INSERT INTO rejects SELECT ?, ?, source_row, _field, _reason, _raw "
                f"FROM ({select})",
                [self.report.ingest_id, self.report.source_file],
            ).fetchall()
        )
        count = int(row[0]) if row else 0
        setattr(self.report, counter, getattr(self.report, counter) + count)

    def _store_accounts(self) -> None:
        names = [n for n, _ in ACCOUNT_FIELDS]
        rest = [n for n in names if n not in ("platform", "account_id")]
        # One row per account: for each field, the first non-NULL value in file order.
        firsts = ", ".join(
            f"arg_min({identifier(n)}, source_row) FILTER (WHERE {identifier(n)} IS NOT NULL) "
            f"AS {identifier(n)}"
            for n in rest
        )
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _cib_acc AS SELECT platform, account_id, {firsts}, "
            "min(source_row) AS source_row, count(*) AS n FROM _cib_stage "
            "WHERE _field IS NULL GROUP BY platform, account_id"
        )
        sets = ", ".join(
            f"{identifier(n)} = coalesce(a.{identifier(n)}, n.{identifier(n)})" for n in rest
        )
        updated = _first(
            self.con.execute(
                f"UPDATE accounts a SET {sets} FROM _cib_acc n "
                "WHERE a.platform = n.platform AND a.account_id = n.account_id"
            ).fetchall()
        )
        inserted = _first(
            self.con.execute(
                f"INSERT INTO accounts SELECT {', '.join(identifier(n) for n in names)}, "
                "?, source_row, ? "
                "FROM _cib_acc n WHERE NOT EXISTS (SELECT 1 FROM accounts a "
                "WHERE a.platform = n.platform AND a.account_id = n.account_id)",
                [self.report.source_file, self.report.ingest_id],
            ).fetchall()
        )
        stored = _first(self.con.execute("SELECT coalesce(sum(n), 0) FROM _cib_acc").fetchall())
        self.report.rows_stored += int(stored[0]) if stored else 0
        self.report.accounts_stored += (int(updated[0]) if updated else 0) + (
            int(inserted[0]) if inserted else 0
        )

    def finish(self) -> None:
        """Add an account row (kind unknown) for every author not stored yet."""
        row = _first(
            self.con.execute(
                "INSERT INTO accounts (platform, account_id, source_file, ingest_id) "
                "SELECT DISTINCT platform, account_id, ?, ? FROM posts p WHERE ingest_id = ? "
                "AND NOT EXISTS (SELECT 1 FROM accounts a "
                "WHERE a.platform = p.platform AND a.account_id = p.account_id)",
                [self.report.source_file, self.report.ingest_id, self.report.ingest_id],
            ).fetchall()
        )
        self.report.accounts_stored += int(row[0]) if row else 0

    def drop_temp(self) -> None:
        for name in ("_cib_stage", "_cib_dup", "_cib_acc"):
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
