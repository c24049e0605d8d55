"""One definition, two engines: DuckDB and Spark give identical co-action edges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from cibwatch.coaction import TooManyPairsError, coaction_edges, detect_coordination
from cibwatch.engines.base import Engine, ParquetInput, Step, last_uses
from cibwatch.engines.registry import get_engine
from cibwatch.errors import ConfigError
from cibwatch.workspace import Workspace

pyspark = pytest.importorskip("pyspark", reason="PySpark is not installed")


#: How the tests' shares name their columns, and the window they use.
COLUMNS: dict[str, Any] = {
    "account_col": "user",
    "object_col": "obj",
    "time_col": "ts",
    "object_type_col": "kind",
    "content_col": "post",
    "window": 20,
}


def _shares(seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    n = 400
    return pa.table(
        {
            "user": [f"u{i}" for i in rng.integers(0, 15, n)],
            "kind": rng.choice(["url", "hashtag"], n).tolist(),
            "obj": [f"o{i}" for i in rng.integers(0, 8, n)],
            # Whole and fractional seconds, with ties, over half an hour.
            "ts": (rng.integers(0, 3600, n) / 2.0).tolist(),
            "post": [f"p{i}" for i in range(n)],
        }
    )


def _canonical(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.sort_by(
        [("account_a", "ascending"), ("account_b", "ascending")]
    ).to_pylist()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float):
                row[key] = round(value, 9)
    return rows


@pytest.mark.spark
@pytest.mark.parametrize(
    ("semantics", "broadcast_rows"),
    # every stored step of this small data is broadcast to its joins by default; with 0
    # none is, and the joins are planned from Spark's own estimates
    [("cibwatch", 250_000), ("coortweet", 250_000), ("cibwatch", 0), ("coortweet", 0)],
)
def test_duckdb_and_spark_give_identical_edges(
    spark: Any, semantics: str, broadcast_rows: int
) -> None:
    from cibwatch.engines.spark_engine import SparkEngine

    shares = _shares(7)
    kwargs: dict[str, Any] = {**COLUMNS, "min_participation": 2, "semantics": semantics}
    on_duckdb = detect_coordination(shares, engine="duckdb", **kwargs)
    engine = SparkEngine(spark, broadcast_rows=broadcast_rows)
    on_spark = detect_coordination(shares, engine=engine, **kwargs)
    assert on_duckdb.edges.num_rows > 10
    assert _canonical(on_spark.edges) == _canonical(on_duckdb.edges)
    assert on_spark.layers.num_rows == on_duckdb.layers.num_rows
    assert on_spark.nodes.to_pylist() == on_duckdb.nodes.to_pylist()


def test_registry_names_engines_and_refuses_unknown() -> None:
    engine = get_engine("duckdb")
    out = engine.run([Step("y", "SELECT 1 AS one")], {})
    assert out["y"].column("one").to_pylist() == [1]
    with pytest.raises(ConfigError, match="unknown engine"):
        get_engine("sqlite")


def test_last_uses_hold_what_a_view_reads_until_the_view_is_read() -> None:
    steps = [
        Step("base", "SELECT 1 AS x"),
        Step("thin", "SELECT x FROM base", materialize=False),
        Step("other", "SELECT 2 AS y"),
        Step("wide", "SELECT * FROM thin, other"),
        Step("out", "SELECT * FROM wide"),
        Step("unread", "SELECT 3 AS z"),
    ]
    assert last_uses(steps, keep=["out"]) == {
        3: ["base", "thin", "other"],
        4: ["wide"],
        5: ["unread"],
    }


def test_duckdb_engine_drops_steps_no_later_step_reads() -> None:
    engine = get_engine("duckdb")
    seen: dict[str, set[str]] = {}

    def record(name: str) -> None:
        rows = engine.connection.execute(  # type: ignore[attr-defined]
            "SELECT table_name FROM duckdb_tables() WHERE temporary "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary"
        ).fetchall()
        seen[name] = {str(row[0]) for row in rows} & {"staged", *(step.name for step in steps)}

    engine.on_step = record
    engine.connection.execute(  # type: ignore[attr-defined]
        "CREATE TEMP TABLE staged AS SELECT range AS x FROM range(5)"
    )
    steps = [
        Step("base", "SELECT x FROM staged", releases=("staged",)),
        Step("thin", "SELECT x FROM base WHERE x > 1", materialize=False),
        Step("doubled", "SELECT x * 2 AS y FROM thin"),
        Step("total", "SELECT SUM(y) AS s FROM doubled"),
    ]
    out = engine.run(steps, {}, ["doubled", "total"])
    assert out["total"].column("s").to_pylist() == [18]
    assert out["doubled"].num_rows == 3
    # The view is read by ``doubled``: ``base`` lives until then, not after.
    assert {"staged", "base", "thin"} <= seen["thin"]
    assert not {"staged", "base", "thin"} & seen["doubled"]
    assert "doubled" in seen["total"]


@pytest.mark.parametrize("name", ["duckdb", "spark"])
def test_engines_read_parquet_inputs_in_place(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    path = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3]}), path)
    folder = tmp_path / "parts"
    (folder / "day=1").mkdir(parents=True)
    pq.write_table(pa.table({"x": [1, 2]}), folder / "a.parquet")
    pq.write_table(pa.table({"x": [3]}), folder / "day=1" / "b.parquet")
    if name == "spark":
        from cibwatch.engines.spark_engine import SparkEngine

        engine: Engine = SparkEngine(request.getfixturevalue("spark"))
    else:
        engine = get_engine("duckdb")
    out = engine.run(
        [Step("total", "SELECT SUM(x) AS s FROM numbers")], {"numbers": ParquetInput(str(path))}
    )
    assert out["total"].column("s").to_pylist() == [6]
    # A folder of Parquet files reads as one table on both engines.
    out = engine.run(
        [Step("total", "SELECT SUM(x) AS s FROM numbers")], {"numbers": ParquetInput(str(folder))}
    )
    assert out["total"].column("s").to_pylist() == [6]
    # The input's name is released with the run.
    with pytest.raises(Exception, match="numbers"):
        engine.run([Step("again", "SELECT * FROM numbers")], {})


@pytest.mark.spark
def test_spark_reads_a_file_of_shares_written_for_it_and_removes_it(
    spark: Any, tmp_path: Path
) -> None:
    from cibwatch.engines.spark_engine import SparkEngine

    source = tmp_path / "shares.csv"
    pacsv.write_csv(_shares(11), source)
    stage = tmp_path / "stage"
    stage.mkdir()
    seen: list[list[str]] = []
    engine = SparkEngine(spark, stage_dir=str(stage))
    # While the steps run, the normalised shares lie in a Parquet file under ``stage_dir``.
    engine.on_step = lambda _: seen.append([p.name for p in stage.rglob("*.parquet")])
    on_spark = detect_coordination(source, engine=engine, **COLUMNS)
    on_duckdb = detect_coordination(source, engine="duckdb", **COLUMNS)
    assert on_duckdb.edges.num_rows > 10
    assert _canonical(on_spark.edges) == _canonical(on_duckdb.edges)
    # The file written for Spark is read by the same staging: the same account of each row.
    assert on_spark.read is not None and on_spark.read == on_duckdb.read
    assert seen and seen[0] == ["shares.parquet"]
    assert list(stage.iterdir()) == []


@pytest.mark.spark
def test_spark_on_a_workspace_matches_duckdb(spark: Any) -> None:
    from cibwatch.engines.spark_engine import SparkEngine

    ws = Workspace(":memory:")
    ws.connection.register("shares", _shares(3))
    ws.connection.execute(
        "INSERT INTO actions SELECT 'x:' || \"user\", kind, obj, "
        "to_timestamp(1700000000 + ts)::TIMESTAMP, 'x', post FROM shares"
    )
    on_duckdb = coaction_edges(ws, window=20, min_participation=2)
    on_spark = coaction_edges(ws, window=20, min_participation=2, engine=SparkEngine(spark))
    assert on_duckdb.edges.num_rows > 10
    assert _canonical(on_spark.edges) == _canonical(on_duckdb.edges)
    assert on_spark.nodes.to_pylist() == on_duckdb.nodes.to_pylist()


@pytest.mark.spark
def test_spark_refuses_a_join_too_large_that_duckdb_computes_in_slices(spark: Any) -> None:
    from cibwatch.engines.spark_engine import SparkEngine

    shares = _shares(5)
    with pytest.raises(TooManyPairsError) as refused:
        detect_coordination(shares, engine=SparkEngine(spark), max_pairs=10, **COLUMNS)
    message = str(refused.value)
    assert "more than max_pairs (10), and this engine computes the join in one piece" in message
    assert "the duckdb engine computes it one time slice at a time" in message
    whole = detect_coordination(shares, **COLUMNS)
    sliced = detect_coordination(shares, slice_pairs=10, max_pairs=None, **COLUMNS)
    assert sliced.params["slices"] > 1 and whole.params["slices"] == 1
    assert sliced.edges.to_pylist() == whole.edges.to_pylist()


def test_an_engine_that_opens_its_own_connection_draws_no_progress_bar() -> None:
    """DuckDB draws a progress bar on stdout for queries over 2 s, into piped CLI output."""
    from cibwatch.engines.duckdb_engine import DuckDBEngine

    engine = DuckDBEngine()
    setting = engine.connection.execute("SELECT current_setting('enable_progress_bar')")
    assert setting.fetchall() == [(False,)]


@pytest.mark.spark
def test_spark_broadcasts_small_steps_without_warning_on_the_terminal(spark: Any) -> None:
    from cibwatch.engines.spark_engine import SparkEngine

    # ``small`` is marked for broadcast; ``total`` aggregates it instead of joining it,
    # which Spark reports (HintErrorLogger, at WARN) for every such query: the engine sets
    # that one logger to errors, and no other
    log4j = spark.sparkContext._jvm.org.apache.logging.log4j
    hints = "org.apache.spark.sql.catalyst.analysis.HintErrorLogger"
    other = "org.apache.spark.sql.execution.SparkStrategies"
    before = str(log4j.LogManager.getLogger(other).getLevel())
    steps = [
        Step("small", "SELECT x, COUNT(*) AS n FROM t GROUP BY x"),
        Step("total", "SELECT SUM(n) AS s FROM small"),
        Step("joined", "SELECT COUNT(*) AS c FROM t JOIN small ON t.x = small.x"),
    ]
    out = SparkEngine(spark).run(steps, {"t": pa.table({"x": [1, 2, 2]})}, ["total", "joined"])
    assert out["total"].to_pylist() == [{"s": 3}]
    assert out["joined"].to_pylist() == [{"c": 3}]
    assert str(log4j.LogManager.getLogger(hints).getLevel()) == "ERROR"
    assert str(log4j.LogManager.getLogger(other).getLevel()) == before != "ERROR"
