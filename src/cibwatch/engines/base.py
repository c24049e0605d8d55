"""The engine contract: relational steps written once, run on DuckDB or Spark.

A *step* is a named ``SELECT`` written in the SQL subset that DuckDB and Spark SQL share.
The few functions the two dialects spell differently (sorted distinct lists, medians) are
asked of the engine's :class:`Dialect` when the SQL text is built, so the query itself is
defined in one place (see :mod:`cibwatch.coaction.steps`). An engine materialises each step
as a table or view named after it and returns the last one as an Arrow table. Inputs are
Arrow tables or :class:`ParquetInput` files, which the engine reads itself: data too large
for the driver's memory never pass through Python. An engine that
cannot do something raises :class:`~cibwatch.errors.UnsupportedOperationError`; nothing
falls back silently to another engine.

>>> from cibwatch.engines.registry import get_engine
>>> import pyarrow as pa
>>> engine = get_engine("duckdb")
>>> out = engine.run([Step("doubled", "SELECT x * 2 AS y FROM numbers")],
...                  {"numbers": pa.table({"x": [1, 2]})})
>>> out["doubled"].column("y").to_pylist()
[2, 4]
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import pyarrow as pa


@dataclass(frozen=True)
class Step:
    """One relational step: ``SELECT`` text whose result is known as ``name`` afterwards.

    ``materialize=False`` makes the step a view that its readers inline (for a step read
    once, such as a filter over a staged table, a stored copy would only cost memory).
    ``releases`` names tables made outside the steps that only this step reads: they are
    dropped when the step is (a staged input need not outlive its one reader).
    ``check``, for a step whose result is small, is called with that result as soon as it
    is computed; what it raises ends the run before any later step starts (a guard that
    refuses work too large to finish, before the work is done).
    """

    name: str
    sql: str
    materialize: bool = True
    releases: tuple[str, ...] = ()
    check: Callable[[pa.Table], None] | None = None


@dataclass(frozen=True)
class ParquetInput:
    """A Parquet file, or a folder whose Parquet files below it form one table, that the
    engine reads itself (folder names such as ``day=1`` are not read as columns).

    The path must be readable wherever the engine runs its work: on one machine any local
    path; on a Spark cluster a location every executor sees (a shared mount, or a URI such
    as ``hdfs://`` or ``s3a://`` that the cluster is configured to read).
    """

    path: str


#: What an engine accepts as a named input.
Input: TypeAlias = pa.Table | ParquetInput


def last_uses(steps: Sequence[Step], keep: Sequence[str]) -> dict[int, list[str]]:
    """Which stored steps can be dropped after each step: ``{index: [names]}``.

    A step is needed until the last step whose SQL names it (as a whole word) has run; a view
    is run by its readers, so what a view reads is needed until the view's own last use.
    Steps named in ``keep`` (the outputs) are never listed. Dropping as the run goes keeps
    memory to the steps still ahead instead of every intermediate at once.

    >>> s = [Step("a", "SELECT 1"), Step("b", "SELECT * FROM a"), Step("c", "SELECT * FROM b")]
    >>> last_uses(s, keep=["c"])
    {1: ['a'], 2: ['b']}
    """
    names = [step.name for step in steps]
    patterns = {name: re.compile(rf"\b{re.escape(name)}\b") for name in names}
    # Walk backwards so a view's own last use is known before the steps it reads.
    last: dict[str, int] = {}
    for index in range(len(steps) - 1, -1, -1):
        step = steps[index]
        runs_at = last.get(step.name, index) if not step.materialize else index
        for name in names[:index]:
            if patterns[name].search(step.sql):
                last[name] = max(last.get(name, runs_at), runs_at)
    drops: dict[int, list[str]] = {}
    for index, step in enumerate(steps):
        if step.name in keep:
            continue
        drops.setdefault(last.get(step.name, index), []).append(step.name)
    return drops


class Dialect(ABC):
    """Spellings of the few functions DuckDB and Spark SQL do not share."""

    @abstractmethod
    def sorted_distinct_list(self, expr: str) -> str:
        """Aggregate: the distinct non-null values of ``expr`` as a sorted list."""

    @abstractmethod
    def median(self, expr: str) -> str:
        """Aggregate: the exact median of ``expr`` (mean of the two middles when even)."""


class Engine(ABC):
    """Runs a sequence of :class:`Step` over named Arrow inputs."""

    name: str
    dialect: Dialect
    #: Where inputs handed over as files are written (:class:`ParquetInput`); None for the
    #: system's temporary folder. On a cluster it must be a path every worker can read.
    stage_dir: str | None = None
    #: Called with each input's name once it is registered and each step's name once it
    #: has run and what no later step reads is released (progress, profiling); None for
    #: silence.
    on_step: Callable[[str], None] | None = None

    def __str__(self) -> str:
        # what a run log records for a detector handed an engine object: its name
        return self.name

    def _stepped(self, name: str) -> None:
        if self.on_step is not None:
            self.on_step(name)

    @abstractmethod
    def run(
        self,
        steps: Sequence[Step],
        inputs: Mapping[str, Input],
        outputs: Sequence[str] | None = None,
    ) -> dict[str, pa.Table]:
        """Register ``inputs`` (Arrow tables or Parquet files), run ``steps`` in order,
        return ``outputs`` as Arrow.

        ``outputs`` names the steps to return (the last step when omitted). Raises
        :class:`~cibwatch.errors.UnsupportedOperationError` for what the engine cannot do.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, engines without resources skip it
        """Release what the engine holds (connections, sessions)."""
