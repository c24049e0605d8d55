"""Engines by name, registered in one place."""

from __future__ import annotations

from typing import Any

from cibwatch.engines.base import Engine
from cibwatch.errors import ConfigError

#: Names accepted by ``engine=`` parameters and ``--engine`` options.
ENGINE_NAMES = ("duckdb", "spark")


def get_engine(name: str, **options: Any) -> Engine:
    """Build the engine called ``name`` with its ``options``.

    >>> get_engine("duckdb").name
    'duckdb'
    """
    if name == "duckdb":
        from cibwatch.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)
    if name == "spark":
        from cibwatch.engines.spark_engine import SparkEngine

        return SparkEngine(**options)
    raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
