"""The workspace: one DuckDB file that holds everything an investigation produces.

:class:`Workspace` is the library's only door. The CLI, reports, the web service and
notebooks call its methods and never write SQL of their own. Library modules receive the
workspace and use :attr:`Workspace.connection` directly.

A workspace carries a schema version: opening a file written by another version is refused
with :class:`~cibwatch.errors.SchemaVersionError` instead of being read wrongly. A file that
is locked by another process, read-only, cut short, damaged or not a workspace at all is
refused at open, before anything is written, with an error saying what to do
(:mod:`cibwatch.workspacefile`; opening for writing checks every storage block's checksum,
about 0.3 s for a 460 MB file, which read-only opens skip: DuckDB checks what they read);
runs a killed process left ``running`` are marked ``interrupted`` by the next open for
writing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb

from cibwatch.errors import ForeignFileError, SchemaVersionError, WorkspaceError
from cibwatch.schema import DDL, SCHEMA_VERSION
from cibwatch.workspacefile import (
    check_file,
    confirm_damage,
    explain,
    read_only_error,
    suspect_blocks,
)

if TYPE_CHECKING:
    from cibwatch.detectors.base import Detector, DetectorResult
    from cibwatch.ingest.loader import IngestReport

MEMORY = ":memory:"
#: The status message of a run found ``running`` when the workspace was opened again.
INTERRUPTED = (
    "interrupted: the process running this step ended before it finished (killed, or the "
    "machine stopped); found when the workspace was opened again"
)
#: (workspace file, run id) of the runs this process started and has not finished.
_LIVE_RUNS: set[tuple[str, int]] = set()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Workspace:
    """An investigation's store: canonical tables, evidence, networks and run log.

    >>> with Workspace(":memory:") as ws:
    ...     ws.count("posts")
    0

    ``memory_limit`` (e.g. ``"4GB"``) and ``threads`` are passed to DuckDB, which spills
    to ``temp_directory`` (beside the file by default) when data exceeds memory.
    """

    def __init__(
        self,
        path: str | Path = MEMORY,
        *,
        read_only: bool = False,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.path = str(path)
        self.read_only = read_only
        exists = self.path != MEMORY and Path(self.path).exists()
        if read_only and not exists:
            raise WorkspaceError(f"{self.path}: no workspace there to open read-only")
        suspects: list[int] = []
        if self.path != MEMORY:
            check_file(Path(self.path))  # before DuckDB: it would write to a cut-short file
            if exists and not read_only:
                if not os.access(self.path, os.W_OK):
                    raise read_only_error(self.path)
                suspects = suspect_blocks(Path(self.path))
        try:
            self._con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise explain(exc, self.path) from exc
        try:
            if suspects:  # a block fails its checksum: is it one DuckDB uses?
                confirm_damage(self._con, self.path, suspects)
            self._configure(memory_limit, threads)
            self._check_or_create_schema(exists)
            if not read_only:
                self._mark_interrupted_runs()
        except BaseException as exc:
            self._con.close()  # a refused file must not stay open in this process
            if isinstance(exc, duckdb.Error):
                raise explain(exc, self.path) from exc
            raise

    def _configure(self, memory_limit: str | None, threads: int | None) -> None:
        self._con.execute("SET TimeZone = 'UTC'")
        # our commands draw their own progress bars; DuckDB's would print over them
        self._con.execute("SET enable_progress_bar = false")
        if memory_limit:
            self._con.execute(f"SET memory_limit = '{_sql_literal(memory_limit)}'")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        if self.path != MEMORY:
            tmp = Path(self.path).with_suffix(".tmp")
            self._con.execute(f"SET temp_directory = '{_sql_literal(str(tmp))}'")

    # -- lifecycle -----------------------------------------------------------------------

    def _check_or_create_schema(self, exists: bool) -> None:
        has_meta = bool(
            self._con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
            ).fetchone()[0]  # type: ignore[index]
        )
        if has_meta:
            row = self._con.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
            found = int(row[0]) if row else None
            if found != SCHEMA_VERSION:
                newer = found is not None and found > SCHEMA_VERSION
                raise SchemaVersionError(
                    f"{self.path}: workspace schema version {found}, this cibwatch reads "
                    f"version {SCHEMA_VERSION}; "
                    + (
                        "upgrade cibwatch to open it"
                        if newer
                        else "re-run the investigation into a new workspace"
                    )
                )
            return
        if exists and self._has_foreign_tables():
            raise ForeignFileError(
                f"{self.path}: a DuckDB file that is not a cibwatch workspace (no schema version)"
            )
        if self.read_only:
            raise ForeignFileError(f"{self.path}: not a cibwatch workspace")
        self._con.execute(DDL)
        self._con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?), ('created_at', ?)",
            [str(SCHEMA_VERSION), _now().isoformat()],
        )

    def _mark_interrupted_runs(self) -> None:
        """Mark ``interrupted`` the runs a killed process left ``running``.

        DuckDB lets one process at a time open the file for writing, so when this open
        succeeds no other process is working on it: a run still ``running`` that this
        process did not start was left by a process that ended before finishing it.
        """
        live = sorted(run for path, run in _LIVE_RUNS if path == self._key())
        self._con.execute(
            "UPDATE runs SET status = 'interrupted', finished_at = ?, message = ? "
            "WHERE status = 'running' AND NOT list_contains(?, run_id)",
            [_now(), INTERRUPTED, live],
        )

    def _key(self) -> str:
        return self.path if self.path == MEMORY else str(Path(self.path).resolve())

    def _has_foreign_tables(self) -> bool:
        row = self._con.execute("SELECT count(*) FROM information_schema.tables").fetchone()
        return bool(row and row[0])

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for library modules (not for CLI or web code)."""
        return self._con

    def cursor(self) -> Workspace:
        """Another handle on this open workspace, for use from another thread.

        DuckDB lets one process open a database file once; threads then each need their own
        connection to it (a connection is not safe to share). The handle sees committed data
        of every other handle; close it when done (the database stays open).
        """
        handle = object.__new__(Workspace)
        handle.path = self.path
        handle.read_only = self.read_only
        handle._con = self._con.cursor()
        handle._con.execute("SET TimeZone = 'UTC'")  # a session setting: not inherited
        handle._con.execute("SET enable_progress_bar = false")
        return handle

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block atomically: on any exception the workspace is left as it was."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield self._con
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    # -- run log -------------------------------------------------------------------------

    def start_run(
        self, step: str, name: str, params: Mapping[str, Any], engine: str | None = None
    ) -> int:
        """Record that a step started, with its parameters unchanged; return its run id."""
        row = self._con.execute(
            "INSERT INTO runs (run_id, step, name, params, engine, started_at, status) "
            "VALUES (nextval('run_seq'), ?, ?, ?, ?, ?, 'running') RETURNING run_id",
            [step, name, json.dumps(params, default=str, sort_keys=True), engine, _now()],
        ).fetchone()
        assert row is not None
        if self.path != MEMORY:
            _LIVE_RUNS.add((self._key(), int(row[0])))
        return int(row[0])

    def finish_run(
        self,
        run_id: int,
        *,
        input_rows: int | None = None,
        output_rows: int | None = None,
        status: str = "ok",
        message: str | None = None,
    ) -> None:
        self._con.execute(
            "UPDATE runs SET finished_at = ?, input_rows = ?, output_rows = ?, status = ?, "
            "message = ? WHERE run_id = ?",
            [_now(), input_rows, output_rows, status, message, run_id],
        )
        _LIVE_RUNS.discard((self._key(), run_id))

    def runs(self) -> list[dict[str, Any]]:
        """The run log, oldest first.

        Opened read-only, the workspace cannot mark the runs a killed process left
        ``running``; they are shown ``interrupted`` all the same (no other process can be
        writing while this one reads).
        """
        runs = self.query("SELECT * FROM runs ORDER BY run_id")
        if self.read_only:
            live = {run for path, run in _LIVE_RUNS if path == self._key()}
            for run in runs:
                if run["status"] == "running" and run["run_id"] not in live:
                    run["status"], run["message"] = "interrupted", INTERRUPTED
        return runs

    # -- steps (each delegates to the module that holds the logic) ------------------------

    def ingest(
        self,
        path: str | Path,
        *,
        format: str | None = None,
        assume_tz: str | None = None,
        platform: str | None = None,
        column_map: str | Path | Mapping[str, Any] | None = None,
        progress: Callable[[int], None] | None = None,
        max_reject_share: float | None = 0.5,
        encoding: str | None = None,
    ) -> IngestReport:
        """Ingest one source file atomically and return its counts (read/stored/rejected).

        The format is detected unless ``format`` names one; ``assume_tz`` must be given for
        sources whose times carry no zone (it is never guessed). A file that stores nothing
        or rejects more than ``max_reject_share`` of its rows is refused and not kept.
        ``encoding`` names a text file's encoding when it is not UTF-8.
        """
        from cibwatch.ingest.loader import ingest_file

        return ingest_file(
            self,
            Path(path),
            format=format,
            assume_tz=assume_tz,
            platform=platform,
            column_map=column_map,
            progress=progress,
            max_reject_share=max_reject_share,
            encoding=encoding,
        )

    def derive_actions(self) -> dict[str, int]:
        """Rebuild ``actions`` from ``posts``; return the number of actions per object type."""
        from cibwatch.actions import derive_actions

        return derive_actions(self)

    def run_detector(self, detector: Detector) -> DetectorResult:
        """Run one detector on this workspace (see :class:`cibwatch.detectors.base.Detector`)."""
        return detector.run(self)

    # -- reading -------------------------------------------------------------------------

    def count(self, table: str) -> int:
        """Number of rows in one of the workspace's tables."""
        if table not in self.tables():
            raise WorkspaceError(f"no table {table!r} in the workspace")
        row = self._con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        return int(row[0]) if row else 0

    def tables(self) -> list[str]:
        rows = self._con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a read query and return rows as dicts (for library modules and notebooks)."""
        cur = self._con.execute(sql, params or [])
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _sql_literal(value: str) -> str:
    """Escape a value for a single-quoted SQL literal (for SET statements only)."""
    return value.replace("'", "''")
