"""Tactics per network: which signals have evidence, mapped to DISARM and the kill chain."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cibwatch import Workspace
from cibwatch.networks import assemble_networks
from cibwatch.report.context import report_context
from cibwatch.report.html import render_html

MEMBERS = ["x:a", "x:b", "x:c"]


def _evidence(ws: Workspace, detector: str, signal: str, rows: list[dict[str, Any]]) -> None:
    run_id = ws.start_run("detect", detector, {})
    ws.finish_run(run_id)
    ws.connection.executemany(
        "INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, 2, 1e-9, 1e-8, ?, 'why', [], ?)",
        [
            [
                run_id,
                detector,
                signal,
                r["kind"],
                r["a"],
                r.get("b"),
                r.get("significant", True),
                json.dumps(r.get("details", {})),
            ]
            for r in rows
        ],
    )


def _world(ws: Workspace) -> None:
    for i, acc in enumerate([*MEMBERS, "x:z"]):
        ws.connection.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text) "
            "VALUES ('x', ?, ?, ?, 'hello')",
            [f"p{i}", acc[2:], datetime(2024, 1, 1 + i, 9)],
        )
    pairs = [{"kind": "pair", "a": a, "b": b} for a, b in itertools.combinations(MEMBERS, 2)]
    _evidence(ws, "coaction", "coaction", pairs)
    _evidence(ws, "persona", "copied_bio", pairs[:1])
    # not significant: no tactic; a pair of outsiders: not the network's
    _evidence(
        ws,
        "near_duplicate_text",
        "near_duplicate_text",
        [{**pairs[0], "significant": False}, {"kind": "pair", "a": "x:y", "b": "x:z"}],
    )
    _evidence(
        ws,
        "creation_burst",
        "creation_burst",
        [
            {"kind": "account", "a": "x:a"},
            {"kind": "account", "a": "x:b"},
            {"kind": "account", "a": "x:z"},
        ],
    )
    _evidence(
        ws,
        "lookalike_domains",
        "lookalike_domain",
        [
            {"kind": "domain", "a": "spiegel.ltd", "details": {"accounts": ["x:a"]}},
            {"kind": "domain", "a": "other.example", "details": {"accounts": ["x:z"]}},
        ],
    )
    _evidence(ws, "cross_platform", "cross_platform", pairs[1:2])
    assemble_networks(ws)


def test_tactics_count_the_networks_significant_evidence_per_technique(tmp_path: Path) -> None:
    with Workspace() as ws:
        _world(ws)
        (network,) = report_context(ws)["networks"]
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert sorted(network["members"]) == MEMBERS
    rows = {t["disarm_id"]: t for t in network["tactics"]["techniques"]}
    assert sorted(rows) == ["T0049", "T0090", "T0098.001", "T0099"]
    assert rows["T0049"]["signals"] == ["coaction"] and rows["T0049"]["evidence"] == 3
    assert rows["T0049"]["ookc_phases"] == [
        "coordinating-and-planning",
        "indiscriminate-engagement",
    ]
    # copied_bio (1 pair) + creation_burst (2 members; the outsider does not count)
    assert rows["T0090"]["signals"] == ["copied_bio", "creation_burst"]
    assert rows["T0090"]["evidence"] == 3
    assert rows["T0090"]["name"] == "Create Inauthentic Accounts"
    assert rows["T0090"]["tactic_id"] == "TA15"
    for look in ("T0099", "T0098.001"):  # only the network's own look-alike domain
        assert rows[look]["signals"] == ["lookalike_domain"] and rows[look]["evidence"] == 1
    assert network["tactics"]["unmapped"] == [{"signal": "cross_platform", "evidence": 1}]
    table = html.split('<table class="tactics">')[1].split("</table>")[0]
    assert table.count("<tr>") == 5
    assert "<td>T0099</td><td>Prepare Assets Impersonating Legitimate Entities</td>" in table
    assert "mapped to no technique rather than to a guess:\ncross_platform (1)" in html


def test_a_network_with_only_unmapped_signals_says_so(tmp_path: Path) -> None:
    with Workspace() as ws:
        pairs = [{"kind": "pair", "a": a, "b": b} for a, b in itertools.combinations(MEMBERS, 2)]
        _evidence(ws, "cross_platform", "cross_platform", pairs)
        assemble_networks(ws)
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No signal with evidence for this network maps to a DISARM technique." in html
    assert "cross_platform (3)" in html
