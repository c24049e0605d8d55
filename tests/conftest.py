"""Fixtures every test module may use.

``spark``: a local Spark session of one core per test module that asks for it.

``shared_data``: the real-data rule (tests/realdata_rule.py). A test that reads ``../shared/data``
asks for a path inside it; a missing path skips the test on a developer's machine and fails
it when ``CI`` is set::

    def test_something(shared_data: SharedData) -> None:
        path = shared_data("coortweet", "russian_coord_tweets.csv.gz")
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from realdata_rule import SharedData, shared_data_path


@pytest.fixture
def shared_data() -> SharedData:
    """``shared_data("ira", "tweets.csv.gz")``: the path, or a skip (a failure under CI)."""
    return shared_data_path


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A local Spark session of one core for the test module that asks for it (a skip
    without PySpark or Java)."""
    pytest.importorskip("pyspark", reason="PySpark is not installed")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java on the PATH")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("cibwatch-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()
