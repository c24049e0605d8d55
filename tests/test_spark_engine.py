"""The settings a Spark session is started with (no JVM needed: only the settings)."""

from __future__ import annotations

from cibwatch.engines.spark_engine import LOCAL_DEFAULTS, session_settings


def test_local_mode_gets_a_heap_and_no_web_ui() -> None:
    # PySpark's own default heap is 1 GB, and its UI and progress bars run in a library call
    settings = session_settings("local[2]", {})
    assert settings["spark.driver.memory"] == "4g"
    assert settings["spark.ui.enabled"] == "false"
    assert settings["spark.ui.showConsoleProgress"] == "false"
    assert settings["spark.sql.session.timeZone"] == "UTC"
    # the stored steps fill the heap: a collector that does not mark them concurrently
    assert settings["spark.driver.extraJavaOptions"] == "-XX:+UseParallelGC"


def test_the_callers_settings_win() -> None:
    settings = session_settings(
        "local[*]", {"spark.driver.memory": "8g", "spark.sql.session.timeZone": "UTC"}
    )
    assert settings["spark.driver.memory"] == "8g"


def test_a_cluster_keeps_its_own_defaults() -> None:
    # heap and UI of a cluster's driver are the cluster's business, not this library's
    settings = session_settings("spark://host:7077", {})
    assert not set(LOCAL_DEFAULTS) & set(settings)
    assert settings["spark.sql.execution.arrow.pyspark.enabled"] == "true"
