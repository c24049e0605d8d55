"""The HTML report: complete, traceable, and safe against hostile content."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

from cibwatch import Workspace
from cibwatch.evaluation import GroupTruth, evaluate
from cibwatch.networks import assemble_networks
from cibwatch.report.html import render_html

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _world(ws: Workspace) -> None:
    con = ws.connection
    members = ["x:a", "x:b", "x:c"]
    for i, acc in enumerate(members):
        con.execute(
            "INSERT INTO accounts (platform, account_id, kind, display_name, followers) "
            "VALUES ('x', ?, 'account', ?, ?)",
            [acc[2:], HOSTILE, 100 * (i + 1)],
        )
        con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, kind, domains, "
            "hashtags, source_file, source_row) VALUES ('x', ?, ?, ?, ?, 'original', "
            "['evil.example'], ['tag'], 'posts.csv', ?)",
            [f"p{i}", acc[2:], datetime(2024, 1, 1, 9, i), HOSTILE, i + 1],
        )
    run_id = ws.start_run("detect", "coaction", {"window": 30})
    ws.finish_run(run_id)
    con.executemany(
        "INSERT INTO evidence VALUES (?, 'coaction', 'coaction', 'pair', ?, ?, 3, 1e-9, 1e-8, "
        "true, ?, ['url:evil.example/a'], '{}')",
        [[run_id, a, b, f"{a} and {b} {HOSTILE}"] for a, b in itertools.combinations(members, 2)],
    )
    assemble_networks(ws)


def test_report_lists_networks_accounts_evidence_and_method(tmp_path: Path) -> None:
    with Workspace() as ws:
        _world(ws)
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "1 network of coordinated accounts" in html
    for account in ("x:a", "x:b", "x:c"):
        assert account in html
    assert "url:evil.example/a" in html  # the proof objects are shown
    assert "posts.csv" in html and "row 1" in html  # sample posts say where they came from
    assert "too few to infer a schedule" in html  # 3 posts: the report says so, no guess
    assert 'class="heatmap"' in html
    assert "&#34;window&#34;: 30" in html or "&quot;window&quot;: 30" in html  # parameters


def test_hostile_text_is_escaped_everywhere_and_scripts_are_forbidden(tmp_path: Path) -> None:
    with Workspace() as ws:
        _world(ws)
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    assert "default-src 'none'" in html  # a CSP that blocks scripts and remote loads
    assert "http://" not in html and "https://" not in html  # nothing is fetched


def test_evaluation_section_names_groups_and_verdicts(tmp_path: Path) -> None:
    with Workspace() as ws:
        _world(ws)
        nets = assemble_networks(ws)
        truth = [
            GroupTruth("op", "Planted op", False, frozenset({"x:a", "x:b", "x:c"})),
            GroupTruth("fans", "Fan club", True, frozenset({"x:f1", "x:f2"})),
        ]
        rows = evaluate(nets, truth)
        html = render_html(ws, tmp_path / "r.html", evaluation=rows).read_text("utf-8")
    assert [r["verdict"] for r in rows] == ["found", "not flagged (correct)"]
    assert "Planted op" in html and "Fan club" in html
    assert "not flagged (correct)" in html


def test_ground_truth_groups_are_read_across_platforms_and_kinds() -> None:
    from cibwatch.evaluation import groups_from_json

    data = {
        "groups": [
            {
                "id": "op",
                "label": "Op",
                "innocent": False,
                "accounts": {"x": {"account": ["x:1"]}, "facebook": {"page": ["facebook:2"]}},
            }
        ]
    }
    (group,) = groups_from_json(data)
    assert group.accounts == frozenset({"x:1", "facebook:2"}) and not group.innocent


def test_an_innocent_group_is_flagged_when_any_network_is_mostly_made_of_it() -> None:
    from cibwatch.networks import Network

    fans = frozenset(f"x:f{i}" for i in range(100))
    small = Network("N-1", 1, ["x:f1", "x:f2", "x:f3", "x:other"], 0.5, {})
    (row,) = evaluate([small], [GroupTruth("fans", "Fans", True, fans)])
    # only 3% of the fans, but the network is 75% fans: that is a false accusation
    assert row["verdict"] == "wrongly flagged" and not row["correct"]


def test_report_shows_narratives_that_jump_between_networks(tmp_path: Path) -> None:
    from datetime import timedelta

    text = "Sanctions hurt Europe more than Russia, say experts <b>now</b>"
    with Workspace() as ws:
        con = ws.connection
        run_id = ws.start_run("assemble", "networks", {})
        ws.finish_run(run_id)
        members = {"N-a": ["x:a1", "x:a2"], "N-b": ["facebook:b1", "facebook:b2"]}
        for net, accounts in members.items():
            con.execute(
                "INSERT INTO networks VALUES (?, ?, NULL, 2, 0.5, '{}', '{\"evidence_runs\": []}')",
                [run_id, net],
            )
            for acc in accounts:
                con.execute(
                    "INSERT INTO network_members VALUES (?, ?, ?, 1, 1.0)", [run_id, net, acc]
                )
        t0 = datetime(2024, 6, 3, 8)
        for n, cluster in enumerate(["tc-1", "tc-2"]):
            for acc, day in (("x:a1", 2), ("facebook:b1", 10)):
                platform, account_id = acc.split(":")
                post_id = f"{account_id}-{n}"
                when = t0 + timedelta(days=day, hours=n)
                con.execute(
                    "INSERT INTO posts (platform, post_id, account_id, created_at, text) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [platform, post_id, account_id, when, text],
                )
                con.execute(
                    "INSERT INTO actions VALUES (?, 'text_cluster', ?, ?, ?, ?)",
                    [acc, cluster, when, platform, post_id],
                )
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "network N-b repeats the narratives of network N-a 8 days later" in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html and "<b>now</b>" not in html
