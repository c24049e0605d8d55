"""Co-action one time slice at a time gives exactly the result of the join in one piece.

Slices are forced tiny (``slice_pairs=1``: every time bucket that holds a pair is a slice
of its own), so pairs cross slice boundaries, shares sit exactly on them and a post's
several objects fall in one slice or, when its shares carry different times, in two.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibwatch.coaction import CoActionResult, detect_coordination
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


@settings(max_examples=40, deadline=None)
@given(
    _ROWS,
    st.sampled_from([5.0, 10.0, 7.5, 30.0]),
    st.sampled_from(["cibwatch", "coortweet"]),
    st.integers(1, 3),
    st.integers(1, 4),
)
def test_sliced_equals_whole_for_any_shares(
    rows: list[Row], window: float, semantics: str, m: int, slice_pairs: int
) -> None:
    # Few posts among many rows: one post carries several objects, the same post id
    # recurs at different times (a file can say so), and identical rows repeat.
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
