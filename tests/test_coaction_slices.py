"""Co-action one time slice at a time gives exactly the result of the join in one piece.

Slices are forced tiny (``slice_pairs=1``: every time bucket that holds a pair is a slice
of its own), so pairs cross slice boundaries, shares sit exactly on them and a post's
several objects fall in one slice or, when its shares carry different times, in two.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibwatch.coaction import CoActionResult, detect_coordination
from cibwatch.coaction.pair_counts import PairRuns
from cibwatch.coaction.slices import plan_slices
from cibwatch.coaction.steps import CoActionSpec
from cibwatch.detectors.coaction import CoActionDetector
from cibwatch.errors import ConfigError
from test_coaction_detector import _workspace

Row = tuple[str, str, str, float, str]


def _run(rows: Sequence[Row], window: float, **options: Any) -> CoActionResult:
    table = pa.table(
        {
            "user": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "obj": [r[2] for r in rows],
            "ts": [r[3] for r in rows],
            "post": [r[4] for r in rows],
        }
    )
    return detect_coordination(
        table,
        account_col="user",
        object_col="obj",
        time_col="ts",
        object_type_col="kind",
        content_col="post",
        window=window,
        **options,
    )


def _same(sliced: CoActionResult, whole: CoActionResult) -> None:
    assert sliced.edges.to_pylist() == whole.edges.to_pylist()
    assert sliced.layers.to_pylist() == whole.layers.to_pylist()
    assert sliced.nodes.to_pylist() == whole.nodes.to_pylist()
    assert sliced.edges.schema == whole.edges.schema
    assert (sliced.n_tests, sliced.n_window_pairs, sliced.n_shares, sliced.n_accounts) == (
        whole.n_tests,
        whole.n_window_pairs,
        whole.n_shares,
        whole.n_accounts,
    )


def test_pairs_across_slice_edges_and_on_them_are_each_found_once() -> None:
    # Window 10, so buckets [0, 10), [10, 20), ... and with slice_pairs=1 each bucket that
    # holds an earlier share is a slice. On u: a at 10 and b at 20 sit exactly on bucket
    # edges, 10 s apart (inclusive: a pair, crossing from slice [10, 20) into the next);
    # c at 30 pairs with b (10 s) but not with a (20 s); d at 30.5 pairs with b? no (10.5 s)
    # but with c (0.5 s). On v the same accounts again, so that a-b, b-c, c-d are edges.
    rows = [
        ("a", "url", "u", 10.0, "p1"),
        ("b", "url", "u", 20.0, "p2"),
        ("c", "url", "u", 30.0, "p3"),
        ("d", "url", "u", 30.5, "p4"),
        ("a", "url", "v", 110.0, "p5"),
        ("b", "url", "v", 120.0, "p6"),
        ("c", "url", "v", 130.0, "p7"),
        ("d", "url", "v", 130.5, "p8"),
    ]
    whole = _run(rows, 10, min_participation=2)
    sliced = _run(rows, 10, min_participation=2, slice_pairs=1)
    assert whole.params["slices"] == 1 and sliced.params["slices"] >= 4
    assert sliced.params["slice_pairs"] == 1
    _same(sliced, whole)
    pairs = [(e["account_a"], e["account_b"], e["n_pairs"]) for e in sliced.edges.to_pylist()]
    assert pairs == [("a", "b", 2), ("b", "c", 2), ("c", "d", 2)]
    assert sliced.n_window_pairs == 6


_ROWS = st.lists(
    st.tuples(
        st.sampled_from("abcde"),
        st.sampled_from(["url", "hashtag"]),
        st.sampled_from("uvw"),
        st.integers(0, 120).map(float),
        st.sampled_from(["p1", "p2", "p3", "p4", "p5", "p6"]),
    ),
    min_size=2,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(
    _ROWS,
    st.sampled_from([5.0, 10.0, 7.5, 30.0]),
    st.sampled_from(["cibwatch", "coortweet"]),
    st.integers(1, 3),
    st.integers(1, 4),
    st.booleans(),
)
def test_sliced_equals_whole_for_any_shares(
    rows: list[Row], window: float, semantics: str, m: int, slice_pairs: int, one_time: bool
) -> None:
    # Few posts among many rows: one post carries several objects, the same post id
    # recurs at different times (a file can say so), and identical rows repeat. With
    # ``one_time`` every post keeps its first time: no post drifts, and pairs of posts
    # with a lone share are counted without a grouping.
    if one_time:
        seen: dict[tuple[str, str], float] = {}
        rows = [(a, k, o, seen.setdefault((a, p), t), p) for a, k, o, t, p in rows]
    options: dict[str, Any] = {"semantics": semantics, "min_participation": m}
    whole = _run(rows, window, **options)
    sliced = _run(rows, window, slice_pairs=slice_pairs, **options)
    _same(sliced, whole)


def test_a_workspace_gives_the_same_evidence_sliced() -> None:
    def evidence(**options: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        ws = _workspace()
        result = ws.run_detector(CoActionDetector(window=30, min_participation=3, **options))
        rows = ws.query(
            "SELECT subject_a, subject_b, strength, p_value, q_value, significant, "
            "explanation, proof, details FROM evidence ORDER BY subject_a, subject_b"
        )
        params = json.loads(ws.runs()[-1]["params"])
        assert result.summary["slices"] >= 1
        return rows, {**params, "slices": result.summary["slices"]}

    whole, whole_params = evidence()
    sliced, sliced_params = evidence(slice_pairs=1)
    assert len(whole) == 15 and sliced == whole
    # Eight bursts of the operation, each within one 30 s bucket: eight slices.
    assert whole_params["slices"] == 1 and sliced_params["slices"] == 8
    assert sliced_params["slice_pairs"] == 1


def test_plan_keeps_each_slice_within_its_size_and_tiles_the_buckets() -> None:
    spec = CoActionSpec(window=30, slice_pairs=10, max_pairs=100)
    buckets = np.array([3, 4, 5, 9, 10, 20, 21])
    work = np.array([4, 4, 4, 30, 1, 5, 5])
    plan, dense = plan_slices(buckets, work, spec)
    assert dense is None and plan.examined == 53 and plan.largest == 30
    # [3, 4] hold 8; 5 starts a slice (4) that 9 (30) would overflow; 9 alone exceeds the
    # size but not max_pairs, so it is a slice of its own; then [10, 20] (6), [21] (5).
    assert plan.bounds == ((None, 5), (5, 9), (9, 10), (10, 21), (21, None))
    one, _ = plan_slices(buckets, work, CoActionSpec(window=30, slice_pairs=53))
    assert one.bounds == ((None, None),) and not one.sliced
    _, dense = plan_slices(buckets, work, CoActionSpec(window=30, slice_pairs=10, max_pairs=29))
    assert dense == 9


def test_slice_size_must_fit_what_one_slice_may_hold() -> None:
    with pytest.raises(ConfigError, match=r"slice_pairs \(11\) must not exceed max_pairs \(10\)"):
        CoActionSpec(window=30, slice_pairs=11, max_pairs=10).check()
    with pytest.raises(ConfigError, match="slice_pairs must be >= 1"):
        CoActionSpec(window=30, slice_pairs=0).check()
    assert CoActionSpec(window=30, max_pairs=1000).planned_slice_pairs() == 1000
    assert CoActionSpec(window=30, max_pairs=None, slice_pairs=7).planned_slice_pairs() == 7


def test_chunks_find_copies_and_neighbours_across_their_borders() -> None:
    # Window 10: buckets [0, 10), [10, 20), ... With slice_pairs=2 a chunk holds one share,
    # so every bucket is a chunk and is sorted with the bucket either side of it. a's post
    # p1 is exported twice (one share); b acts 2 s later, in the next bucket: each share's
    # only neighbour lies in another chunk. The same again on w across buckets 3 and 4.
    # c and d share v 20 s apart, two buckets apart: near nothing, and no pair.
    rows = [
        ("a", "url", "u", 19.0, "p1"),
        ("a", "url", "u", 19.0, "p1"),
        ("b", "url", "u", 21.0, "p2"),
        ("a", "url", "w", 39.0, "p3"),
        ("b", "url", "w", 41.0, "p4"),
        ("c", "url", "v", 5.0, "p5"),
        ("d", "url", "v", 25.0, "p6"),
    ]
    whole = _run(rows, 10, min_participation=2)
    # The join's two pairs fit one slice of 2: chunked, yet one slice.
    one_slice = _run(rows, 10, min_participation=2, slice_pairs=2)
    sliced = _run(rows, 10, min_participation=2, slice_pairs=1)
    assert (whole.params["slices"], one_slice.params["slices"], sliced.params["slices"]) == (
        1,
        1,
        2,
    )
    for result in (one_slice, sliced):
        _same(result, whole)
    assert sliced.n_shares == 6 and sliced.n_window_pairs == 2
    edges = [(e["account_a"], e["account_b"], e["n_pairs"]) for e in sliced.edges.to_pylist()]
    assert edges == [("a", "b", 2)]
    nodes = {n["account"]: n["n_actions"] for n in sliced.nodes.to_pylist()}
    assert nodes == {"a": 2, "b": 2}


def test_pair_runs_merge_gives_every_pair_once_and_the_frequent_ones(tmp_path: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{tmp_path / 'spill'}'")
    runs = PairRuns.open(con)
    assert runs.folder.parent == tmp_path / "spill"
    # Four slices of co-actions (account numbers, either order, with a pair of one account
    # that is no co-action). 1-2 co-acts twice (slices 0 and 3), 2-3 twice in slice 0,
    # 1-3 once, 4-5 twice (slices 2 and 3), 6-7 once: 5 pairs, 3 of them at least twice.
    # Each run is one row group starting at its least pair: 1-2, 1-3, 4-5 and 1-2, so
    # ranges of one row are cut at 1-3 and 4-5, and slice 0's run (1-2 to 2-3) spans two.
    slices = [
        [(1, 2), (3, 2), (2, 3), (5, 5)],
        [(3, 1)],
        [(4, 5), (7, 6)],
        [(5, 4), (2, 1)],
    ]
    for rows in slices:
        table = pa.table({"acc1": [r[0] for r in rows], "acc2": [r[1] for r in rows]})
        con.register("some_pairs", table)
        runs.write(con, "some_pairs")
        con.unregister("some_pairs")
    assert len(runs.files) == 4 and runs.bytes() > 0
    shift = 4294967296
    for range_rows in (1, 2, 1000):
        con.execute("CREATE OR REPLACE TABLE kept (pair BIGINT)")
        assert runs.merge(con, 2, "kept", range_rows) == 5
        kept = sorted(divmod(p, shift) for (p,) in con.execute("SELECT pair FROM kept").fetchall())
        assert kept == [(1, 2), (2, 3), (4, 5)]
    cut = [1 * shift + 3, 4 * shift + 5]
    assert runs.ranges(con, _files(runs), 1) == [(None, cut[0]), (cut[0], cut[1]), (cut[1], None)]
    assert runs.ranges(con, _files(runs), 1000) == [(None, None)]
    assert runs.merge(con, None, "kept", 2) == 5
    runs.close()
    assert not runs.folder.exists()


def _files(runs: PairRuns) -> str:
    return "[" + ", ".join(f"'{path}'" for path in runs.files) + "]"


def test_a_sliced_run_leaves_no_runs_behind(tmp_path: Path, monkeypatch: Any) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = [("a", "url", "u", 1.0, "p1"), ("b", "url", "u", 2.0, "p2")]
    rows += [("a", "url", "v", 101.0, "p3"), ("b", "url", "v", 102.0, "p4")]
    result = _run(rows, 10, slice_pairs=1)
    assert result.params["slices"] == 2 and result.edges.num_rows == 1
    assert list(tmp_path.iterdir()) == []


def _per_account(rows: Sequence[Row], chunked: bool, one_time_per_post: bool) -> dict[str, Any]:
    """``activity``, ``post_activity`` and ``accounts`` of ``rows``, chunk by chunk of one
    share each (``slice_pairs=2``) or in one piece (the unsliced ``totals_steps``)."""
    import tempfile

    import duckdb

    from cibwatch.coaction.chunks import deduplicate_in_chunks
    from cibwatch.coaction.steps import pair_steps, totals_steps

    con = duckdb.connect()
    table = pa.table(
        {
            "account": [r[0] for r in rows],
            "object_type": [r[1] for r in rows],
            "object_id": [r[2] for r in rows],
            "t": [r[3] for r in rows],
            "share_id": [r[4] for r in rows],
            "rid": list(range(len(rows))),
        }
    )
    con.register("given", table)
    con.execute("CREATE TEMP VIEW shares AS SELECT * FROM given")
    spec = CoActionSpec(window=10, slice_pairs=2)
    flagged, unique = pair_steps(spec)[:2]
    if chunked:
        made: list[tuple[str, str]] = []
        with tempfile.TemporaryDirectory() as folder:
            n = deduplicate_in_chunks(
                con,
                spec,
                flagged,
                one_time_per_post=one_time_per_post,
                stepped=lambda name: None,
                made=made,
                folder=Path(folder),
            )
            assert n == len({int(r[3] // 10) for r in rows})
    else:
        whole = [flagged, unique, *(s for s in totals_steps() if s.name != "type_totals")]
        for step in whole:
            if step.name in ("pair_counts", "post_totals", "coacting_pairs"):
                continue  # they read the window's pairs
            con.execute(f"CREATE TEMP TABLE {step.name} AS {step.sql}")
    return {
        "activity": sorted(con.execute("SELECT account, object_type, n FROM activity").fetchall()),
        "post_activity": sorted(con.execute("SELECT account, n FROM post_activity").fetchall()),
        "accounts": con.execute("SELECT n_accounts FROM accounts").fetchall(),
        "types": con.execute(
            "SELECT typeof(n) FROM activity UNION ALL SELECT typeof(n) FROM post_activity "
            "GROUP BY ALL"
        ).fetchall(),
    }


def test_per_account_sums_over_many_chunks_equal_one_piece() -> None:
    # Window 10, one chunk per bucket: a's post p1 is exported twice (one share) and
    # carries two objects; a acts in four chunks, b in two, c once. Counted over the
    # chunks and folded into running totals, they are the counts of one piece.
    rows = [
        ("a", "url", "u", 1.0, "p1"),
        ("a", "url", "u", 1.0, "p1"),
        ("a", "hashtag", "h", 1.0, "p1"),
        ("b", "url", "u", 12.0, "p2"),
        ("a", "url", "v", 25.0, "p3"),
        ("a", "url", "w", 31.0, "p4"),
        ("c", "hashtag", "h", 33.0, "p5"),
        ("b", "url", "w", 48.0, "p6"),
        ("a", "hashtag", "h", 49.0, "p7"),
    ]
    chunked = _per_account(rows, chunked=True, one_time_per_post=True)
    assert chunked == _per_account(rows, chunked=False, one_time_per_post=True)
    assert chunked["activity"] == [
        ("a", "hashtag", 2),
        ("a", "url", 3),
        ("b", "url", 2),
        ("c", "hashtag", 1),
    ]
    assert chunked["post_activity"] == [("a", 4), ("b", 2), ("c", 1)]
    assert chunked["accounts"] == [(3,)]


@settings(max_examples=30, deadline=None)
@given(_ROWS, st.booleans())
def test_per_account_sums_over_chunks_for_any_shares(rows: list[Row], one_time: bool) -> None:
    # A post recurring at different times breaks the promise of one time per post: then
    # posts per account are counted over all the shares, as the caller asks.
    if one_time:
        seen: dict[tuple[str, str], float] = {}
        rows = [(a, k, o, seen.setdefault((a, p), t), p) for a, k, o, t, p in rows]
    chunked = _per_account(rows, chunked=True, one_time_per_post=one_time)
    assert chunked == _per_account(rows, chunked=False, one_time_per_post=one_time)


def test_a_drifting_post_pairs_once_with_a_lone_post() -> None:
    # b's post p2 shares u twice, at 1 and 3 (a file can say so): a's lone post p1 pairs
    # with both shares, yet p1-p2 is one pair of posts, as is p3-p4 on v (p2 with itself
    # is none). The sliced run must not count a lone post's pairs as distinct when the
    # other post drifts: the expected co-actions of a-b rest on those 2 pairs of posts.
    rows = [
        ("a", "url", "u", 0.0, "p1"),
        ("b", "url", "u", 1.0, "p2"),
        ("b", "url", "u", 3.0, "p2"),
        ("a", "url", "v", 100.0, "p3"),
        ("b", "url", "v", 101.0, "p4"),
    ]
    whole = _run(rows, 10, min_participation=2)
    sliced = _run(rows, 10, min_participation=2, slice_pairs=1)
    assert sliced.params["slices"] == 2
    _same(sliced, whole)
    # 4 posts, 2 pairs of posts: 2 * 2 * 2 * 2 / (4 * 3).
    assert [e["expected"] for e in sliced.edges.to_pylist()] == [pytest.approx(16 / 12)]


def test_running_counts_stay_within_the_keys_and_one_chunk() -> None:
    import duckdb

    from cibwatch.coaction.chunks import RunningCounts

    # Ten chunks, each with the same three accounts (a twice): summed, a 20, b and c 10.
    # The parts are folded into the totals once they outnumber them, so no table ever
    # holds more than the three accounts and one chunk's three rows.
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE chunk AS SELECT * FROM (VALUES ('a'), ('a'), ('b'), ('c')) v(account)"
    )
    made: list[tuple[str, str]] = []
    sums = RunningCounts(con, "per_account", "account", made, like="chunk")
    for _ in range(10):
        sums.add("SELECT account FROM chunk")
        held = con.execute(
            "SELECT (SELECT COUNT(*) FROM per_account), (SELECT COUNT(*) FROM per_account_parts)"
        ).fetchone()
        assert held is not None and held[0] <= 3 and held[1] <= 3
    sums.finish()
    assert sorted(con.execute("SELECT * FROM per_account").fetchall()) == [
        ("a", 20),
        ("b", 10),
        ("c", 10),
    ]
    assert made == [("TABLE", "per_account"), ("TABLE", "per_account_parts")]
