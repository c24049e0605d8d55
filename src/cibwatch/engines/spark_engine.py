"""The Spark engine: the same steps on PySpark, for data beyond one machine.

Local mode by default (``local[2]``); point it at a cluster with ``master="spark://host:7077"``
(or ``yarn``, ``k8s://...``), with the environment variable ``CIBWATCH_SPARK_MASTER`` (what
the CLI's ``--engine spark`` uses), or hand it an existing ``SparkSession``. Large inputs come
as Parquet files that Spark reads itself (:class:`~cibwatch.engines.base.ParquetInput`);
``stage_dir`` (or ``CIBWATCH_SPARK_STAGE_DIR``) says where the library writes them, which on
a cluster must be a location every executor reads. Steps become temporary views; the outputs
are collected to Arrow, so they (the edges, not the shares) must fit on the driver.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pyarrow as pa

from cibwatch.engines.base import Dialect, Engine, Input, ParquetInput, Step, last_uses
from cibwatch.errors import ConfigError, DependencyError


class SparkDialect(Dialect):
    """Spark SQL spellings."""

    def sorted_distinct_list(self, expr: str) -> str:
        return f"array_sort(collect_set({expr}))"

    def median(self, expr: str) -> str:
        return f"percentile({expr}, 0.5)"


#: Settings of a session started in local mode, under the caller's ``config``. Local mode
#: runs everything in one JVM on this machine's cores: PySpark's default heap (1 GB) holds
#: the checkpointed steps and every shuffle of 10 million shares, and without enough of it
#: the work is mostly garbage collection. The heap is then mostly stored steps that live
#: until their last reader: the default collector (G1) spent 55 CPU s of 382 marking them
#: concurrently at 10 M shares, where the parallel collector, which marks only when it
#: collects, does not. The web UI and the console progress bars cost a listener, a web
#: server and lines on the terminal that nobody reads in a library call.
LOCAL_DEFAULTS: Final[Mapping[str, str]] = {
    "spark.driver.memory": "4g",
    "spark.driver.extraJavaOptions": "-XX:+UseParallelGC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def session_settings(master: str, config: Mapping[str, str]) -> dict[str, str]:
    """The settings a session on ``master`` is started with: ours, then ``config`` over them.

    >>> session_settings("local[2]", {"spark.driver.memory": "8g"})["spark.driver.memory"]
    '8g'
    >>> "spark.driver.memory" in session_settings("spark://host:7077", {})
    False
    """
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if master.startswith("local"):
        settings.update(LOCAL_DEFAULTS)
    return {**settings, **config}


def _session(master: str, config: Mapping[str, str]) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise DependencyError(
            "the Spark engine needs PySpark: pip install 'cibwatch[spark]'"
        ) from exc
    # Python work on the executors (near-duplicate signatures) must run this interpreter,
    # with its packages; PySpark would otherwise start whatever ``python3`` is on the PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName("cibwatch")
    for key, value in session_settings(master, config).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


#: Stored steps of at most this many rows are marked for broadcast joins (``broadcast_rows``).
BROADCAST_ROWS: Final = 250_000


def _broadcast(frame: Any) -> Any:
    """``frame`` marked to be sent whole to every task that joins it.

    Why: a checkpointed step has no statistics Spark trusts (it estimates them from the
    plan that made it, which for an aggregate is the size of its input), so every join with
    a small step was planned as a sort-merge join that shuffles both sides; adaptive
    execution turned it into a broadcast join only after the large side had been shuffled.
    The hint travels with the step's view into every query that reads it.
    """
    from pyspark.sql.functions import broadcast

    return broadcast(frame)


def _stored_rows(frame: Any) -> int:
    """The rows of a checkpointed step, counted where they are stored.

    ``DataFrame.count()`` plans an aggregate: a job of two stages with a shuffle of one
    partial count per partition, after every step. The stored rows' own RDD counts in
    one stage and shuffles nothing (17 of the 40 shuffles of a co-action run at 1 M shares).
    """
    return int(frame._jdf.queryExecution().toRdd().count())


def _quiet_hints(session: Any) -> None:
    """Silence Spark's warning that a broadcast hint met no join.

    A small step is marked for broadcast once, whoever reads it; a step that aggregates it
    instead of joining it would print that warning on the terminal for every such query.
    Only that logger is set (to errors); every other warning still shows.
    """
    jvm = session.sparkContext._jvm
    name = "org.apache.spark.sql.catalyst.analysis.HintErrorLogger"
    log4j = jvm.org.apache.logging.log4j
    log4j.core.config.Configurator.setLevel(name, log4j.Level.ERROR)


class SparkEngine(Engine):
    """Runs steps with Spark SQL.

    ``session`` reuses a SparkSession (tests keep one per module); otherwise one is created
    for ``master`` with ``config`` (e.g. ``{"spark.sql.shuffle.partitions": "400"}``).
    ``stage_dir`` is the folder where the library writes the shares for Spark to read: the
    system's temporary folder by default, which suits local mode; on a cluster, a folder
    mounted on the driver and on every executor (the library writes it with DuckDB on the
    driver, so it must be a file path, not an ``hdfs://`` URI). A stored step of at most
    ``broadcast_rows`` rows (counted once it is stored) is broadcast to the joins that read
    it instead of shuffled with them.
    """

    name = "spark"

    def __init__(
        self,
        session: Any = None,
        *,
        master: str | None = None,
        config: Mapping[str, str] | None = None,
        stage_dir: str | None = None,
        broadcast_rows: int = BROADCAST_ROWS,
    ) -> None:
        self._own = session is None
        self.broadcast_rows = broadcast_rows
        self.stage_dir = stage_dir or os.environ.get("CIBWATCH_SPARK_STAGE_DIR") or None
        if session is None:
            chosen = master or os.environ.get("CIBWATCH_SPARK_MASTER", "local[2]")
            session = _session(chosen, config or {})
        self.session = session
        self.dialect = SparkDialect()
        _quiet_hints(session)

    def run(
        self,
        steps: Sequence[Step],
        inputs: Mapping[str, Input],
        outputs: Sequence[str] | None = None,
    ) -> dict[str, pa.Table]:
        if not steps:
            raise ConfigError("no steps to run")
        spark = self.session
        wanted = list(outputs) if outputs is not None else [steps[-1].name]
        drops = last_uses(steps, keep=wanted)
        step_by_name = {step.name: step for step in steps}
        for name, table in inputs.items():
            if isinstance(table, ParquetInput):
                # A folder: every Parquet file below it, as the DuckDB engine reads it.
                reader = spark.read.option("recursiveFileLookup", "true")
                reader.parquet(table.path).createOrReplaceTempView(name)
            else:
                spark.createDataFrame(table).createOrReplaceTempView(name)
            self._stepped(name)
        frames: dict[str, Any] = {}
        try:
            for index, step in enumerate(steps):
                frame = spark.sql(step.sql)
                if step.materialize:
                    # Materialise each step and cut its lineage: a view over views inlines
                    # the whole plan into every later step, which makes Catalyst's optimiser
                    # blow up (out of heap on a few hundred rows) and recomputes shared steps.
                    frame = frame.localCheckpoint(eager=True)
                frames[step.name] = frame
                if step.materialize and _stored_rows(frame) <= self.broadcast_rows:
                    frame = _broadcast(frame)
                frame.createOrReplaceTempView(step.name)
                if step.check is not None:
                    step.check(frame.toArrow())
                # Release the checkpoints no later step reads (executor memory and disk).
                for name in drops.get(index, []):
                    spark.catalog.dropTempView(name)
                    frames.pop(name).unpersist()
                    for view in step_by_name[name].releases:
                        spark.catalog.dropTempView(view)
                self._stepped(step.name)
            return {name: frames[name].toArrow() for name in wanted}
        finally:
            for step in steps:
                spark.catalog.dropTempView(step.name)
            for frame in frames.values():
                frame.unpersist()
            for name in inputs:
                spark.catalog.dropTempView(name)

    def close(self) -> None:
        if self._own:
            self.session.stop()
