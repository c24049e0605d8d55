"""DuckDB's near shares (``near_share_steps``) are exactly the sort's (``pair_steps``).

The sort of every share by object, time, account and post (``pair_steps``, what Spark and
the chunked path run) is the definition: identical rows are one share (the least ``rid``
kept), and a share is near when another share of its object lies within the window. The
one-piece DuckDB path finds the same near shares, unique shares and per-account counts
without storing the unique shares; these tests compare both on shares full of copies,
equal times, NULL keys and neighbours exactly one window apart.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from cibwatch.coaction.steps import (
    CoActionSpec,
    near_share_steps,
    pair_steps,
    share_stats_sql,
    totals_steps,
    unique_shares_sql,
)

_COLUMNS = "account, object_type, object_id, t, share_id, rid, bucket"

Share = tuple[str | None, str, str | None, float | None, str | None]


def _connection(rows: list[Share]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    table = pa.table(
        {
            "account": pa.array([r[0] for r in rows], pa.string()),
            "object_type": pa.array([r[1] for r in rows], pa.string()),
            "object_id": pa.array([r[2] for r in rows], pa.string()),
            "t": pa.array([r[3] for r in rows], pa.float64()),
            "share_id": pa.array([r[4] for r in rows], pa.string()),
            # rids out of file order, so that "the least rid" is not "the first row"
            "rid": pa.array(range(len(rows), 0, -1), pa.int64()),
        }
    )
    con.register("shares_input", table)
    con.execute("CREATE TEMP TABLE shares AS SELECT * FROM shares_input")
    return con


def _make(con: duckdb.DuckDBPyConnection, name: str, sql: str, kind: str = "TABLE") -> None:
    con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def _compare(rows: list[Share], window: float, one_object_type: bool) -> None:
    spec = CoActionSpec(window=window)
    con = _connection(rows)
    flagged, unique, near = pair_steps(spec, one_object_type=one_object_type)[:3]
    _make(con, flagged.name, flagged.sql, "VIEW")
    _make(con, "sorted_unique", unique.sql.replace("flagged_shares", flagged.name))
    _make(con, "sorted_near", near.sql.replace("unique_shares", "sorted_unique"))
    _make(con, "unique_shares", "SELECT * FROM sorted_unique")
    _make(con, "sorted_stats", totals_steps()[0].sql)
    con.execute("DROP TABLE unique_shares")
    for step in near_share_steps(spec, one_object_type=one_object_type):
        _make(con, step.name, step.sql)
    assert _rows(con, f"SELECT {_COLUMNS} FROM near_shares") == _rows(
        con, f"SELECT {_COLUMNS} FROM sorted_near"
    )
    assert _rows(con, unique_shares_sql(spec)) == _rows(con, "SELECT * FROM sorted_unique")
    assert _rows(con, share_stats_sql()) == _rows(con, "SELECT * FROM sorted_stats")
    found = con.execute("SELECT bool_or(copies > 1) FROM near_shares").fetchone()
    if not (found and found[0]):  # nothing merged: the shares as they are count the same
        assert _rows(con, share_stats_sql(copies=False)) == _rows(con, "SELECT * FROM sorted_stats")
    # the copies of each near share are the rows it stands for
    merged = con.execute("SELECT COALESCE(SUM(copies - 1), 0) FROM near_shares").fetchone()
    dropped = con.execute(
        "SELECT (SELECT COUNT(*) FROM shares) - (SELECT COUNT(*) FROM sorted_unique)"
    ).fetchone()
    assert merged == dropped


def test_copies_are_merged_and_neighbours_kept() -> None:
    # Window 10. On u: a's post p1 at 0 three times (two copies: one share), b at 10
    # (exactly one window after: near), c at 21 (11 s after b: not near). On v a single
    # share with a copy: near (0 s from its copy), and after merging one share, which
    # pairs with nothing. On w two shares of different accounts at one time: near, no copy.
    # A NULL account or post is never a copy of anything (as the sort's comparison).
    rows: list[Share] = [
        ("a", "url", "u", 0.0, "p1"),
        ("a", "url", "u", 0.0, "p1"),
        ("a", "url", "u", 0.0, "p1"),
        ("b", "url", "u", 10.0, "p2"),
        ("c", "url", "u", 21.0, "p3"),
        ("a", "url", "v", 50.0, "p4"),
        ("a", "url", "v", 50.0, "p4"),
        ("a", "url", "w", 70.0, "p5"),
        ("b", "url", "w", 70.0, "p6"),
        (None, "url", "x", 90.0, "p7"),
        (None, "url", "x", 90.0, "p7"),
        ("d", "url", "x", 95.0, None),
        ("d", "url", "x", 95.0, None),
    ]
    _compare(rows, 10.0, one_object_type=False)
    con = _connection(rows)
    for step in near_share_steps(CoActionSpec(window=10.0)):
        _make(con, step.name, step.sql)
    kept = _rows(con, "SELECT account, object_id, t, copies FROM near_shares")
    assert kept == sorted(
        [
            ("a", "u", 0.0, 3),
            ("b", "u", 10.0, 1),
            ("a", "v", 50.0, 2),
            ("a", "w", 70.0, 1),
            ("b", "w", 70.0, 1),
            (None, "x", 90.0, 1),
            (None, "x", 90.0, 1),
            ("d", "x", 95.0, 1),
            ("d", "x", 95.0, 1),
        ],
        key=repr,
    )


_names = st.sampled_from(["a", "b", "c", None])
_share = st.tuples(
    _names,
    st.sampled_from(["url", "hashtag"]),
    st.sampled_from(["u", "v", "w", None]),
    st.one_of(st.none(), st.integers(0, 60).map(float), st.floats(0, 60, allow_nan=False)),
    st.sampled_from(["p1", "p2", "p3", None]),
)


@settings(max_examples=120, deadline=None)
@given(
    rows=st.lists(_share, max_size=30).flatmap(
        # repeat some rows as they are: exports repeat a post once per other attribute
        lambda base: (
            st.lists(st.sampled_from(base), max_size=10).map(lambda extra: base + extra)
            if base
            else st.just(base)
        )
    ),
    window=st.sampled_from([1.0, 5.0, 10.0, 30.0]),
    one_object_type=st.booleans(),
)
def test_near_shares_equal_the_sorts_for_any_shares(
    rows: list[Share], window: float, one_object_type: bool
) -> None:
    if one_object_type:  # the promise: every share has one object type
        rows = [(r[0], "url", r[2], r[3], r[4]) for r in rows]
    _compare(rows, window, one_object_type)


def test_checks_read_the_unique_shares() -> None:
    # ``checks`` of run_coaction read ``unique_shares`` although the one-piece path never
    # stores it: a's two copies of p1 are one share, so 4 rows are 3 unique shares, and the
    # check sees them with their bucket and near flag (b's share is near a's, c's is not).
    from cibwatch.coaction.detection import run_coaction
    from cibwatch.engines.base import Step
    from cibwatch.engines.duckdb_engine import DuckDBEngine

    shares = pa.table(
        {
            "account": ["a", "a", "b", "c"],
            "object_type": ["url"] * 4,
            "object_id": ["u", "u", "u", "u"],
            "t": [0.0, 0.0, 5.0, 500.0],
            "share_id": ["p1", "p1", "p2", "p3"],
            "rid": [1, 2, 3, 4],
        }
    )
    seen: list[list[dict[str, Any]]] = []
    check = Step(
        "unique_seen",
        "SELECT account, rid, bucket, near FROM unique_shares ORDER BY rid",
        check=lambda table: seen.append(table.to_pylist()),
    )
    engine = DuckDBEngine()
    try:
        run_coaction(shares, CoActionSpec(window=10.0), engine, checks=[check])
    finally:
        engine.close()
    assert seen == [
        [
            {"account": "a", "rid": 1, "bucket": 0, "near": 1},
            {"account": "b", "rid": 3, "bucket": 0, "near": 1},
            {"account": "c", "rid": 4, "bucket": 50, "near": 0},
        ]
    ]
