"""Windowed co-action on hand-built shares whose expected edges are explained inline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibwatch.coaction import TooManyPairsError, detect_coordination
from cibwatch.coaction.steps import DEFAULT_MAX_PAIRS
from cibwatch.errors import ConfigError, InputError


def _edges(
    rows: Sequence[tuple[str, str, float]],
    window: float = 10,
    m: int = 1,
    max_pairs: int | None = DEFAULT_MAX_PAIRS,
) -> list[dict[str, Any]]:
    table = pa.table(
        {
            "user": [r[0] for r in rows],
            "obj": [r[1] for r in rows],
            "ts": [r[2] for r in rows],
        }
    )
    result = detect_coordination(
        table,
        account_col="user",
        object_col="obj",
        time_col="ts",
        window=window,
        min_participation=m,
        max_pairs=max_pairs,
    )
    edges: list[dict[str, Any]] = result.edges.to_pylist()
    return edges


def test_window_is_inclusive_and_crosses_bucket_boundaries() -> None:
    # window 10: a-b 10 s apart (inclusive, and in adjacent buckets 0 and 1);
    # b-c 11 s apart (out); a-c 21 s apart (out).
    edges = _edges([("a", "u", 9), ("b", "u", 19), ("c", "u", 30)])
    assert [(e["account_a"], e["account_b"], e["min_dt"]) for e in edges] == [("a", "b", 10.0)]


def test_statistics_leaders_and_proof() -> None:
    # b acts first on u (2 s) and v (4 s); on w both act at once (no leader).
    edges = _edges(
        [
            ("b", "u", 0),
            ("a", "u", 2),
            ("b", "v", 100),
            ("a", "v", 104),
            ("a", "w", 200),
            ("b", "w", 200),
            ("a", "z", 300),
            ("b", "z", 400),  # 100 s apart: not a co-action
        ],
        m=2,
    )
    assert len(edges) == 1
    edge = edges[0]
    assert (edge["account_a"], edge["account_b"]) == ("a", "b")
    assert edge["n_objects"] == 3 and edge["n_pairs"] == 3 and edge["weight"] == 3
    assert edge["median_dt"] == 2.0 and edge["min_dt"] == 0.0
    assert (edge["a_leads"], edge["b_leads"]) == (0, 2)
    assert edge["proof"] == ["object:u", "object:v", "object:w"]


def test_min_participation_counts_distinct_objects_not_pairs() -> None:
    # Three co-actions, all on one object: one distinct object, so no edge with m = 2.
    rows = [
        ("a", "u", 0),
        ("b", "u", 1),
        ("a", "u", 50),
        ("b", "u", 52),
        ("a", "u", 90),
        ("b", "u", 91),
    ]
    assert _edges(rows, m=2) == []
    assert _edges(rows, m=1)[0]["n_pairs"] == 3


def test_same_account_never_pairs_with_itself() -> None:
    assert _edges([("a", "u", 0), ("a", "u", 1)]) == []


def _naive(rows: list[tuple[str, str, float]], window: float) -> set[tuple[str, str, str]]:
    """All pairs of shares, filtered afterwards: the quadratic definition."""
    found = set()
    for i, (a1, o1, t1) in enumerate(rows):
        for a2, o2, t2 in rows[i + 1 :]:
            if o1 == o2 and a1 != a2 and abs(t1 - t2) <= window:
                found.add((min(a1, a2), max(a1, a2), o1))
    return found


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcde"), st.sampled_from("uvw"), st.integers(0, 60).map(float)),
        max_size=25,
    ),
    st.sampled_from([1.0, 5.0, 7.5, 30.0]),
)
def test_bucketed_join_equals_naive_definition(
    rows: list[tuple[str, str, float]], window: float
) -> None:
    expected = _naive(rows, window)
    edges = _edges(rows, window=window) if rows else []
    got = {(e["account_a"], e["account_b"], p.split(":", 1)[1]) for e in edges for p in e["proof"]}
    assert got == expected


def _naive_stats(
    rows: list[tuple[str, str, float]], window: float, m: int
) -> tuple[dict[tuple[str, str], tuple[int, int, float]], int]:
    """Per account pair (objects, pairs, min dt) with at least ``m`` objects; all pairs."""
    objects: dict[tuple[str, str], set[str]] = {}
    pairs: dict[tuple[str, str], list[float]] = {}
    n_window_pairs = 0
    for i, (a1, o1, t1) in enumerate(rows):
        for a2, o2, t2 in rows[i + 1 :]:
            if o1 != o2 or abs(t1 - t2) > window:
                continue
            n_window_pairs += 1
            if a1 != a2:
                key = (min(a1, a2), max(a1, a2))
                objects.setdefault(key, set()).add(o1)
                pairs.setdefault(key, []).append(abs(t1 - t2))
    kept = {
        key: (len(objects[key]), len(dts), min(dts))
        for key, dts in pairs.items()
        if len(objects[key]) >= m
    }
    return kept, n_window_pairs


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcdef"), st.sampled_from("uvwx"), st.integers(0, 90).map(float)
        ),
        max_size=40,
    ),
    st.sampled_from([1.0, 7.5, 30.0]),
    st.sampled_from([2, 3]),
)
def test_edge_statistics_equal_naive_definition_with_min_participation(
    rows: list[tuple[str, str, float]], window: float, m: int
) -> None:
    """Pairs thinned by neighbours and candidates by a pair count lose no edge or pair."""
    expected, n_window_pairs = _naive_stats(rows, window, m)
    if not rows:
        return
    table = pa.table(
        {"user": [r[0] for r in rows], "obj": [r[1] for r in rows], "ts": [r[2] for r in rows]}
    )
    result = detect_coordination(
        table,
        account_col="user",
        object_col="obj",
        time_col="ts",
        window=window,
        min_participation=m,
    )
    got = {
        (e["account_a"], e["account_b"]): (e["n_objects"], e["n_pairs"], e["min_dt"])
        for e in result.edges.to_pylist()
    }
    assert got == expected
    assert result.n_window_pairs == n_window_pairs
    assert result.n_shares == len(rows)


def _with_posts(rows: Sequence[tuple[str, str, float, str]], window: float) -> Any:
    table = pa.table(
        {
            "user": [r[0] for r in rows],
            "obj": [r[1] for r in rows],
            "ts": [r[2] for r in rows],
            "post": [r[3] for r in rows],
        }
    )
    return detect_coordination(
        table,
        account_col="user",
        object_col="obj",
        time_col="ts",
        content_col="post",
        window=window,
        min_participation=1,
    )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcd"),
            st.sampled_from("uv"),
            st.integers(0, 40).map(float),
            st.sampled_from(["p1", "p2", "p3"]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.randoms(use_true_random=False),
)
def test_identical_rows_count_once_wherever_they_stand(
    rows: list[tuple[str, str, float, str]], rng: Any
) -> None:
    """Copies of a row, anywhere in the input, change nothing: one share each."""
    copies = rows + [rows[rng.randrange(len(rows))] for _ in range(len(rows))]
    rng.shuffle(copies)
    once = list(dict.fromkeys(rows))
    keys = ["account_a", "account_b", "n_objects", "n_pairs", "n_share_pairs", "min_dt"]
    with_copies = _with_posts(copies, 10.0)
    without = _with_posts(once, 10.0)
    assert with_copies.n_shares == without.n_shares == len(once)
    assert with_copies.n_window_pairs == without.n_window_pairs
    assert with_copies.edges.select(keys).to_pylist() == without.edges.select(keys).to_pylist()
    assert with_copies.edges["expected"].to_pylist() == pytest.approx(
        without.edges["expected"].to_pylist()
    )


def test_reads_csv_with_iso_and_unix_times(tmp_path: Path) -> None:
    path = tmp_path / "shares.csv"
    path.write_text(
        "user,url,when\na,u,2024-01-01T00:00:00Z\nb,u,2024-01-01T01:00:05+01:00\nc,u,1704067203\n"
    )
    result = detect_coordination(
        path,
        account_col="user",
        object_col="url",
        time_col="when",
        window=5,
        min_participation=1,
    )
    pairs = {(e["account_a"], e["account_b"]) for e in result.edges.to_pylist()}
    assert pairs == {("a", "b"), ("a", "c"), ("b", "c")}


def test_unix_seconds_in_every_plain_spelling(tmp_path: Path) -> None:
    # Whitespace, a sign, a fraction and an exponent are all plain numbers of seconds.
    path = tmp_path / "shares.csv"
    path.write_text("user,url,when\na,u, 10 \nb,u,+11\nc,u,1.2e1\nd,u,.5\n")
    result = detect_coordination(
        path,
        account_col="user",
        object_col="url",
        time_col="when",
        window=1,
        min_participation=1,
    )
    pairs = {(e["account_a"], e["account_b"], e["min_dt"]) for e in result.edges.to_pylist()}
    # 10, 11, 12 and 0.5 s: only neighbours one second apart fall within the window.
    assert pairs == {("a", "b", 1.0), ("b", "c", 1.0)}


def test_unknown_column_and_bad_parameters() -> None:
    table = pa.table({"user": ["a"], "url": ["u"], "ts": [0]})
    with pytest.raises(InputError, match="no column 'when'"):
        detect_coordination(table, account_col="user", object_col="url", time_col="when")
    with pytest.raises(ConfigError, match="window"):
        detect_coordination(table, account_col="user", object_col="url", time_col="ts", window=0)
    with pytest.raises(ConfigError, match="semantics"):
        detect_coordination(
            table, account_col="user", object_col="url", time_col="ts", semantics="other"
        )


def _examined(rows: list[tuple[str, str, float]], window: float) -> int:
    """Pairs the window join examines, by brute force: of the shares with another share of
    their object within the window, every two of one object in the same or adjacent buckets
    of the window's width."""
    near = [
        (o1, t1)
        for i, (_, o1, t1) in enumerate(rows)
        if any(o1 == o2 and abs(t1 - t2) <= window for j, (_, o2, t2) in enumerate(rows) if i != j)
    ]
    buckets = [(o, math.floor(t / window)) for o, t in near]
    return sum(
        1
        for i, (o1, b1) in enumerate(buckets)
        for o2, b2 in buckets[i + 1 :]
        if o1 == o2 and abs(b1 - b2) <= 1
    )


def test_join_too_large_is_refused_before_it_runs_with_what_to_do() -> None:
    # Window 10: shares of u at 0, 1, 2 (bucket 0) and 12 (bucket 1) lie within 10 s of
    # another share; 35 does not. The join examines 3 pairs in bucket 0 and 3 x 1 across
    # buckets: 6, of which 4 lie within the window.
    rows = [("a", "u", 0.0), ("b", "u", 1.0), ("c", "u", 2.0), ("d", "u", 12.0), ("e", "u", 35.0)]
    _edges(rows, 10, max_pairs=6)
    _edges(rows, 10, max_pairs=None)
    with pytest.raises(TooManyPairsError) as refused:
        _edges(rows, 10, max_pairs=5)
    message = str(refused.value)
    assert "would examine 6 pairs of shares, more than max_pairs (5)" in message
    assert "Shorten the window" in message and "--max-pairs" in message
    with pytest.raises(ConfigError, match="max_pairs must be >= 1"):
        _edges(rows, 10, max_pairs=0)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcd"), st.sampled_from("uv"), st.integers(0, 60).map(float)),
        min_size=2,
        max_size=30,
    ),
    st.sampled_from([1.0, 5.0, 7.5, 30.0]),
)
def test_the_refusal_counts_exactly_the_pairs_the_join_examines(
    rows: list[tuple[str, str, float]], window: float
) -> None:
    examined = _examined(rows, window)
    _edges(rows, window, max_pairs=max(examined, 1))
    if examined > 1:
        with pytest.raises(TooManyPairsError, match=f"would examine {examined:,} pairs"):
            _edges(rows, window, max_pairs=examined - 1)


def test_a_file_without_type_column_gives_the_edges_of_one_with_a_constant_type(
    tmp_path: Path,
) -> None:
    # Without a type column the sort partitions by object id alone; with a column holding
    # the same type everywhere it partitions by both. Same shares, same edges, to the bit.
    # a and b meet on u (1 s apart) and v (2 s); c meets b on v only, 3 s after a; the
    # repeated row of b on u is one share.
    rows = "a,u,0\nb,u,1\nb,u,1\na,v,100\nb,v,102\nc,v,103\na,w,500\n"
    plain, typed = tmp_path / "plain.csv", tmp_path / "typed.csv"
    plain.write_text("user,url,when\n" + rows)
    typed.write_text(
        "user,url,when,kind\n" + "".join(f"{row},object\n" for row in rows.splitlines())
    )
    one = detect_coordination(
        plain,
        account_col="user",
        object_col="url",
        time_col="when",
        window=5,
        min_participation=1,
    )
    both = detect_coordination(
        typed,
        account_col="user",
        object_col="url",
        time_col="when",
        window=5,
        min_participation=1,
        object_type_col="kind",
    )
    assert one.edges.to_pylist() == both.edges.to_pylist()
    assert [(e["account_a"], e["account_b"], e["n_objects"]) for e in one.edges.to_pylist()] == [
        ("a", "b", 2),
        ("a", "c", 1),
        ("b", "c", 1),
    ]
