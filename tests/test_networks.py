"""Network assembly: significant pair evidence -> Leiden clusters with shown score parts."""

from __future__ import annotations

import itertools

import pytest

from cibwatch import Workspace
from cibwatch.errors import ConfigError
from cibwatch.networks import assemble_networks, network_id_for, stored_networks


def _evidence(ws: Workspace, pairs: list[tuple[str, str, float, bool]]) -> int:
    run_id = ws.start_run("detect", "test-detector", {})
    ws.finish_run(run_id)
    ws.connection.executemany(
        "INSERT INTO evidence VALUES (?, 'test-detector', 'coaction', 'pair', ?, ?, 1.0, ?, ?, "
        "?, 'because', ['url:u'], '{}')",
        [[run_id, a, b, q, q, sig] for a, b, q, sig in pairs],
    )
    return run_id


def _clique(names: list[str], q: float = 1e-9) -> list[tuple[str, str, float, bool]]:
    return [(a, b, q, True) for a, b in itertools.combinations(names, 2)]


def test_two_cliques_joined_by_a_weak_edge_become_two_networks() -> None:
    ops = [f"x:op{i}" for i in range(5)]
    fans = [f"fb:f{i}" for i in range(4)]
    with Workspace() as ws:
        _evidence(ws, [*_clique(ops), *_clique(fans), ("x:op0", "fb:f0", 0.04, True)])
        nets = assemble_networks(ws)
        assert sorted(n.members for n in nets) == [sorted(fans), sorted(ops)]
        stored = stored_networks(ws)
        assert {n.network_id for n in stored} == {n.network_id for n in nets}
        assert ws.count("network_members") == 9


def test_insignificant_evidence_and_small_clusters_make_no_network() -> None:
    with Workspace() as ws:
        _evidence(
            ws,
            [*_clique(["x:a", "x:b", "x:c"], q=0.5), ("x:d", "x:e", 1e-9, True)],
        )
        ws.connection.execute("UPDATE evidence SET significant = false WHERE q_value = 0.5")
        assert assemble_networks(ws, min_size=3) == []


def test_score_is_the_weighted_sum_of_its_shown_parts() -> None:
    with Workspace() as ws:
        _evidence(ws, _clique([f"x:{i}" for i in range(4)]))
        (net,) = assemble_networks(ws)
        # a complete graph: density 1; each edge weighs -log10(1e-9) = 9 -> coordination 0.9
        assert net.score_parts["density"] == 1.0
        assert net.score_parts["coordination"] == pytest.approx(0.9)
        assert net.score == pytest.approx(0.5 * 0.9 + 0.2 * 1.0 + 0.15 * 0.02)


def test_network_ids_are_stable_when_the_network_grows() -> None:
    members = ["x:1", "x:2", "x:3"]
    assert network_id_for(members) == network_id_for([*members, "x:9"])
    assert network_id_for(members) != network_id_for(["x:2", "x:3", "x:4"])


def test_bad_parameters_are_refused() -> None:
    with Workspace() as ws, pytest.raises(ConfigError, match="min_size"):
        assemble_networks(ws, min_size=1)
