"""The co-action detector writes honest evidence rows into a workspace."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pytest

from cibwatch.coaction import coaction_edges
from cibwatch.detectors import coaction as coaction_detector
from cibwatch.detectors.coaction import CoActionDetector
from cibwatch.errors import ConfigError
from cibwatch.workspace import Workspace

T0 = datetime(2024, 3, 1, 12, 0, 0)


def _workspace() -> Workspace:
    ws = Workspace(":memory:")
    rows = []
    # Six accounts co-share 8 urls and a hashtag within 3 s; 30 bystanders share the same
    # urls hours apart and a few other urls at random-looking times.
    for k in range(8):
        for i in range(6):
            at = T0 + timedelta(hours=5 * k, seconds=i % 3)
            rows.append((f"x:op{i}", "url", f"https://site/{k}", at, f"p{k}-{i}"))
            if k == 0:
                rows.append((f"x:op{i}", "hashtag", "#same", at, f"p{k}-{i}"))
        for j in range(30):
            at = T0 + timedelta(hours=5 * k + 1 + j % 4, minutes=7 * j)
            rows.append((f"x:by{j}", "url", f"https://site/{k}", at, f"b{k}-{j}"))
    for j in range(30):
        rows.append((f"x:by{j}", "url", f"https://other/{j % 7}", T0 + timedelta(days=j), "o"))
    ws.connection.executemany("INSERT INTO actions VALUES (?, ?, ?, ?, 'x', ?)", rows)
    return ws


def test_detector_writes_pair_evidence_for_the_operation_only() -> None:
    ws = _workspace()
    result = ws.run_detector(CoActionDetector(window=30, min_participation=3))
    rows = ws.query("SELECT * FROM evidence WHERE significant ORDER BY subject_a, subject_b")
    assert result.significant_rows == len(rows) == 15  # 6 accounts: 15 pairs
    assert all(r["subject_a"] < r["subject_b"] for r in rows)
    assert {r["subject_a"] for r in rows} | {r["subject_b"] for r in rows} == {
        f"x:op{i}" for i in range(6)
    }
    first = rows[0]
    assert first["subject_kind"] == "pair" and first["detector"] == "coaction"
    assert first["explanation"].startswith("x:op0 and x:op1 shared 9 of the same objects")
    assert "(8 urls, 1 hashtag)" in first["explanation"]
    assert "url:https://site/0" in first["proof"] and "hashtag:#same" in first["proof"]
    details = json.loads(first["details"])
    assert details["per_type"]["url"]["n_objects"] == 8
    assert details["n_objects"] == 9 and details["min_dt"] == 1.0  # op0 at 0 s, op1 at 1 s
    assert first["q_value"] <= 0.05 and first["p_value"] < first["q_value"]
    assert ws.runs()[-1]["status"] == "ok"


def test_library_returns_all_edges_and_layers() -> None:
    ws = _workspace()
    result = coaction_edges(ws, window=30, min_participation=1, object_types=["url"])
    layers = set(result.layers["object_type"].to_pylist())
    assert layers == {"url"}
    assert result.edges.num_rows >= 15


def test_invalid_parameters_fail_when_run_and_leave_a_failed_run() -> None:
    ws = _workspace()
    detector = CoActionDetector(object_types=["nonsense"])
    assert detector.get_params()["object_types"] == ["nonsense"]
    with pytest.raises(ConfigError, match="unknown object types"):
        ws.run_detector(detector)
    assert ws.count("evidence") == 0


def test_run_log_states_the_effective_number_of_tests() -> None:
    ws = _workspace()
    result = ws.run_detector(CoActionDetector(window=30, min_participation=3))
    edges = coaction_edges(ws, window=30, min_participation=3)
    # 15 operation pairs co-act; the bystanders' shares of the same urls hours later do not.
    assert result.summary["n_tests"] == edges.n_tests == edges.params["n_tests"] == 15
    message = ws.runs()[-1]["message"]
    assert message.startswith("effective tests: 15 account pairs co-acted at least once")
    details = json.loads(ws.query("SELECT details FROM evidence LIMIT 1")[0]["details"])
    assert details["n_tests"] == 15


def test_the_computation_runs_before_the_evidence_transaction(monkeypatch: Any) -> None:
    # DuckDB keeps every temporary table a transaction replaces until it ends: the sliced
    # path, run inside one, piled up tens of GB of spill over a large world.
    ws = _workspace()
    seen: list[bool] = []

    def outside_a_transaction(workspace: Workspace, **kwargs: Any) -> Any:
        try:
            workspace.connection.execute("BEGIN TRANSACTION")
        except duckdb.TransactionException:
            seen.append(False)  # one was already open
        else:
            workspace.connection.execute("ROLLBACK")
            seen.append(True)
        return coaction_edges(workspace, **kwargs)

    monkeypatch.setattr(coaction_detector, "coaction_edges", outside_a_transaction)
    detector = CoActionDetector(window=30, min_participation=3)
    result = ws.run_detector(detector)
    assert seen == [True]
    significant = ws.query("SELECT count(*) AS n FROM evidence WHERE significant")[0]["n"]
    assert result.significant_rows == significant == 15
    assert detector.result_ is None  # the edges are not kept once written


def test_a_failing_computation_leaves_a_failed_run_and_no_evidence(monkeypatch: Any) -> None:
    ws = _workspace()

    def broken(workspace: Workspace, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(coaction_detector, "coaction_edges", broken)
    with pytest.raises(OSError, match="disk full"):
        ws.run_detector(CoActionDetector(window=30, min_participation=3))
    assert ws.count("evidence") == 0
    run = ws.runs()[-1]
    assert run["status"] == "failed" and run["message"] == "disk full"
