"""The default engine: embedded DuckDB, out-of-core (spills to disk beyond its memory limit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from cibwatch.engines.base import Dialect, Engine, Input, ParquetInput, Step, last_uses
from cibwatch.errors import ConfigError
from cibwatch.sqltext import literal


def parquet_select(table: ParquetInput) -> str:
    """``SELECT`` over a Parquet input. A folder means every Parquet file below it, as the
    Spark engine reads it too (folder names such as ``day=1`` are not read as columns)."""
    folder = Path(table.path)
    source = str(folder / "**" / "*.parquet") if folder.is_dir() else table.path
    return f"SELECT * FROM read_parquet({literal(source)}, hive_partitioning = false)"


class DuckDBDialect(Dialect):
    """DuckDB spellings."""

    def sorted_distinct_list(self, expr: str) -> str:
        return f"list_sort(list(DISTINCT {expr}))"

    def median(self, expr: str) -> str:
        # quantile_cont interpolates like Spark's median, so both engines agree exactly.
        return f"quantile_cont({expr}, 0.5)"


class DuckDBEngine(Engine):
    """Runs steps on a DuckDB connection (a private in-memory one unless given).

    Steps become temporary tables so a step read twice is computed once (views when
    ``materialize`` is off), each dropped once no later step reads it; inputs may be
    Arrow tables, Parquet files (read in place through a view) or, to avoid copying a
    workspace table, names already visible on the connection.
    """

    name = "duckdb"

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection | None = None,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
        temp_directory: str | None = None,
    ) -> None:
        self._own = connection is None
        self.connection = connection if connection is not None else duckdb.connect()
        self.dialect = DuckDBDialect()
        if self._own:  # DuckDB draws a progress bar on stdout after 2 s: never in our output
            self.connection.execute("SET enable_progress_bar = false")
        if memory_limit is not None:
            self.connection.execute(f"SET memory_limit = '{_plain(memory_limit)}'")
        if temp_directory is not None:
            # Where intermediate results spill when they exceed ``memory_limit``.
            escaped = temp_directory.replace("'", "''")
            self.connection.execute(f"SET temp_directory = '{escaped}'")
        if threads is not None:
            self.connection.execute(f"SET threads = {int(threads)}")

    def run(
        self,
        steps: Sequence[Step],
        inputs: Mapping[str, Input],
        outputs: Sequence[str] | None = None,
    ) -> dict[str, pa.Table]:
        if not steps:
            raise ConfigError("no steps to run")
        con = self.connection
        wanted = list(outputs) if outputs is not None else [steps[-1].name]
        drops = last_uses(steps, keep=wanted)
        kinds = {step.name: "TABLE" if step.materialize else "VIEW" for step in steps}
        released = {step.name: step.releases for step in steps}
        for name, table in inputs.items():
            if isinstance(table, ParquetInput):
                view = f"CREATE OR REPLACE TEMP VIEW {_plain(name)} AS {parquet_select(table)}"
                con.execute(view)
            else:
                con.register(_plain(name), table)
            self._stepped(name)
        try:
            for index, step in enumerate(steps):
                kind = kinds[step.name]
                con.execute(f"CREATE OR REPLACE TEMP {kind} {_plain(step.name)} AS {step.sql}")
                if step.check is not None:
                    step.check(con.sql(f"SELECT * FROM {_plain(step.name)}").to_arrow_table())
                # Free what no later step reads: intermediates of 100 million shares do not
                # all fit in memory at once, and what is dropped need not spill either.
                for name in drops.get(index, []):
                    con.execute(f"DROP {kinds[name]} IF EXISTS {_plain(name)}")
                    for table in released[name]:
                        con.execute(f"DROP TABLE IF EXISTS {_plain(table)}")
                self._stepped(step.name)
            return {
                name: con.sql(f"SELECT * FROM {_plain(name)}").to_arrow_table() for name in wanted
            }
        finally:
            for step in reversed(steps):
                con.execute(f"DROP {kinds[step.name]} IF EXISTS {_plain(step.name)}")
            for name, table in inputs.items():
                if isinstance(table, ParquetInput):
                    con.execute(f"DROP VIEW IF EXISTS {_plain(name)}")
                else:
                    con.unregister(_plain(name))

    def close(self) -> None:
        if self._own:
            self.connection.close()


def _plain(name: str) -> str:
    """Allow only plain identifiers / settings into SQL text built here."""
    if not name.replace("_", "").replace(".", "").isalnum():
        raise ConfigError(f"not a plain name: {name!r}")
    return name
