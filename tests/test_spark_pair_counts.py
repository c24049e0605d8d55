"""``pair_counts``: one grouping of the window pairs gives three figures, on both engines.

The figures are checked against their plain definitions (each its own DISTINCT over the
pairs, as the steps computed them before), and on Spark the grouping must shuffle the
pairs once: that is why it exists.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from cibwatch.coaction.steps import totals_steps
from cibwatch.engines.base import Engine, Step
from cibwatch.engines.duckdb_engine import DuckDBEngine

# Hand-built pairs of shares (the ``pairs`` step's columns), with what each row adds:
_ROWS = [
    # A and B: posts a1 and b1 co-act on a url and on its domain: one pair of posts, two
    # co-actions
    ("url", "u1", "A", "B", "a1", "b1"),
    ("domain", "d1", "A", "B", "a1", "b1"),
    # B's post b2 came first on u2: the same pair of accounts, oriented the other way; a
    # second pair of posts (A and B: 3 co-actions on 2 pairs of posts)
    ("url", "u2", "B", "A", "b2", "a2"),
    # A and C once: a pair of accounts that co-acted, not a candidate at 2
    ("url", "u3", "C", "A", "c1", "a1"),
    # A's own posts a1 and a3: a pair of posts (the null model counts it), no pair of
    # accounts; met twice, and once the other way round, still one pair of posts
    ("url", "u4", "A", "A", "a1", "a3"),
    ("url", "u5", "A", "A", "a3", "a1"),
    # one post with itself (a post whose shares of one object carry two times): nothing
    ("url", "u6", "A", "A", "a1", "a1"),
]
_NAMES = ("object_type", "object_id", "acc1", "acc2", "share1", "share2")

#: The plain definitions, one DISTINCT each.
_REFERENCE = {
    "n_post_pairs": "SELECT COUNT(*) AS n FROM (SELECT DISTINCT "
    "CASE WHEN acc1 < acc2 OR (acc1 = acc2 AND share1 < share2) THEN acc1 || ' ' || share1 "
    "ELSE acc2 || ' ' || share2 END AS first, "
    "CASE WHEN acc1 < acc2 OR (acc1 = acc2 AND share1 < share2) THEN acc2 || ' ' || share2 "
    "ELSE acc1 || ' ' || share1 END AS second "
    "FROM pairs WHERE acc1 <> acc2 OR share1 <> share2) d",
    "n_account_pairs": "SELECT COUNT(*) AS n FROM (SELECT DISTINCT LEAST(acc1, acc2) AS a, "
    "GREATEST(acc1, acc2) AS b FROM pairs WHERE acc1 <> acc2) d",
}


def _pairs() -> pa.Table:
    return pa.table({name: [row[i] for row in _ROWS] for i, name in enumerate(_NAMES)})


def _engine(name: str, request: pytest.FixtureRequest) -> Engine:
    if name == "duckdb":
        return DuckDBEngine()
    from cibwatch.engines.spark_engine import SparkEngine

    return SparkEngine(request.getfixturevalue("spark"))


def _pair_counts() -> Step:
    return next(step for step in totals_steps() if step.name == "pair_counts")


@pytest.mark.parametrize("name", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_pair_counts_give_the_figures_of_their_plain_definitions(
    name: str, request: pytest.FixtureRequest
) -> None:
    engine = _engine(name, request)
    steps = [_pair_counts(), *(Step(key, sql) for key, sql in _REFERENCE.items())]
    out = engine.run(steps, {"pairs": _pairs()}, ["pair_counts", *_REFERENCE])
    counts = out["pair_counts"].to_pylist()
    # a1-b1, a2-b2, a1-c1, a1-a3: four pairs of posts; A-B and A-C: two pairs of accounts
    assert sum(row["n_post_pairs"] for row in counts) == 4
    assert sum(row["n_account_pairs"] for row in counts) == 2
    for key in _REFERENCE:
        assert sum(row[key] for row in counts) == out[key].column("n")[0].as_py()
    # only A-B co-acted more than once (3 times): it alone is named; the rest is one row
    named = [row for row in counts if row["account_a"] is not None]
    assert named == [
        {
            "account_a": "A",
            "account_b": "B",
            "n_coacts": 3,
            "n_account_pairs": 1,
            "n_post_pairs": 2,
        }
    ]
    assert len(counts) == 2


@pytest.mark.spark
def test_spark_shuffles_the_pairs_once_for_all_three_figures(spark: Any) -> None:
    spark.createDataFrame(_pairs()).createOrReplaceTempView("pairs")
    try:
        frame = spark.sql(_pair_counts().sql)
        frame.collect()
        plan = frame._jdf.queryExecution().executedPlan().toString()
    finally:
        spark.catalog.dropTempView("pairs")
    exchanges = [line for line in plan.splitlines() if "Exchange " in line]
    # the hinted distribution of every pair by pair of accounts, which the pairs of posts
    # and the pairs of accounts both keep; then one partial sum per named pair (the final
    # plan of adaptive execution and its initial plan each list the two)
    by_accounts = [line for line in exchanges if "REPARTITION_BY_COL" in line]
    assert by_accounts and all("first_account" in line for line in by_accounts)
    assert len({line.strip().split(",")[0] for line in exchanges}) == 2
