"""The engine contract: relational steps written once, run on DuckDB or Spark.

A *step* is a named ``SELECT`` written in the SQL subset that DuckDB and Spark SQL share.
The few functions the two dialects spell differently (sorted distinct lists, medians) are
asked of the engine's :class:`Dialect` when the SQL text is built, so the query itself is
defined in one place (see :mod:`cibwatch.coaction.steps`). An engine materialises each step
as a table or view named after it and returns the last one as an Arrow table. An engine that
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

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Step:
    """One relational step: ``SELECT`` text whose result is known as ``name`` afterwards."""

    name: str
    sql: str


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

    @abstractmethod
    def run(
        self,
        steps: Sequence[Step],
        inputs: Mapping[str, pa.Table],
        outputs: Sequence[str] | None = None,
    ) -> dict[str, pa.Table]:
        """Register ``inputs`` as tables, run ``steps`` in order, return ``outputs`` as Arrow.

        ``outputs`` names the steps to return (the last step when omitted). Raises
        :class:`~cibwatch.errors.UnsupportedOperationError` for what the engine cannot do.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, engines without resources skip it
        """Release what the engine holds (connections, sessions)."""
