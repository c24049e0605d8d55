"""Enforcement: takedown lists, automated rules with dry runs, and the approval queue.

Uses the hand-built workspace of ``test_cases`` (N-aaa: x:1, x:2, facebook:p1 and the
look-alike spiegel.ltd; N-bbb: x:7, x:8, x:9) plus a recidivism run whose findings are:

- x:50 uses a handle of N-aaa's indicators            -> proposed while N-aaa is confirmed;
- x:51 linked spiegel.cc, a family member of spiegel.ltd -> the *domain* is proposed;
- x:1 matches too, but is already a member of N-aaa     -> not proposed;
- x:60 matches an indicator of N-bbb (never confirmed)  -> not proposed.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch.cases import (
    RecidivismRule,
    TransitionError,
    approve_action,
    audit_log,
    decide,
    enforcement_actions,
    export_takedown_csv,
    list_cases,
    open_cases,
    reject_action,
    run_rules,
    set_status,
    takedown_list,
    verify_audit,
)
from cibwatch.cli.cases import command
from cibwatch.detectors.recidivism import RecidivismDetector
from cibwatch.errors import ConfigError
from cibwatch.indicators.model import ImportResult, Indicator
from cibwatch.indicators.store import store_import
from cibwatch.pipeline import investigate
from cibwatch.synthetic import generate_world
from cibwatch.workspace import Workspace
from test_cases import build_workspace

FINDINGS = [
    ("x:50", {"asset": "x:50", "indicator": "maria1987", "network": "N-aaa"}),
    ("x:51", {"asset": "spiegel.cc", "indicator": "spiegel.ltd", "network": "N-aaa"}),
    ("x:1", {"asset": "x:1", "indicator": "=HYPERLINK(1)", "network": "N-aaa"}),
    ("x:60", {"asset": "x:60", "indicator": "bob77", "network": "N-bbb"}),
]


def _with_findings(path: Path) -> Workspace:
    ws = build_workspace(path)
    run = ws.start_run("detect", "recidivism", {})
    ws.connection.executemany(
        "INSERT INTO evidence VALUES (?, 'recidivism', 'recidivism', 'account', ?, NULL, 1.0, "
        "NULL, NULL, true, ?, [], ?)",
        [[run, a, f"{a} matches {d['indicator']}", json.dumps(d)] for a, d in FINDINGS],
    )
    ws.finish_run(run)
    open_cases(ws, "alice")
    return ws


def _confirm(ws: Workspace, network_id: str = "N-aaa") -> None:
    set_status(ws, network_id, "in_review", "alice")
    decide(ws, network_id, "confirm", "shared operator", "alice")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return _with_findings(tmp_path / "ws.duckdb")


def _table_snapshot(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    return {
        t: sorted(ws.connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
        for t in ws.tables()
    }


def test_takedown_lists_only_confirmed_networks_by_platform_and_kind(ws: Workspace) -> None:
    assert takedown_list(ws) == []  # nothing confirmed yet
    _confirm(ws)
    items = [(i.platform, i.kind, i.asset, i.source) for i in takedown_list(ws)]
    assert items == [
        ("facebook", "page", "facebook:p1", "member"),
        ("web", "domain", "spiegel.ltd", "lookalike"),
        ("x", "account", "x:1", "member"),
        ("x", "account", "x:2", "member"),
    ]
    pages = takedown_list(ws, platform="facebook", kind="page")
    assert [(i.asset, i.account_id, i.handle) for i in pages] == [("facebook:p1", "p1", "newsnow")]
    set_status(ws, "N-aaa", "enforced", "alice", reason="removed")
    assert len(takedown_list(ws)) == 4  # enforced networks stay on the list


def test_takedown_csv_is_formula_safe(ws: Workspace) -> None:
    _confirm(ws)
    buffer = io.StringIO()
    assert export_takedown_csv(ws, buffer, platform="x") == 2
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert [r["asset"] for r in rows] == ["x:1", "x:2"]
    assert rows[0]["handle"] == "'=HYPERLINK(1)"  # neutralised, never a live formula


def test_rules_dry_run_lists_proposals_and_changes_nothing(ws: Workspace) -> None:
    _confirm(ws)
    before = _table_snapshot(ws)
    run = run_rules(ws, [RecidivismRule()], dry_run=True)
    assert run.dry_run and run.queued == []
    assert [(p.platform, p.kind, p.asset, p.network_id) for p in run.proposed] == [
        ("x", "account", "x:50", "N-aaa"),
        ("web", "domain", "spiegel.cc", "N-aaa"),
    ]
    assert _table_snapshot(ws) == before


def test_rules_respect_the_score_threshold_and_confirmation(ws: Workspace) -> None:
    assert run_rules(ws, [RecidivismRule()], dry_run=True).proposed == []  # nothing confirmed
    _confirm(ws)
    assert run_rules(ws, [RecidivismRule(min_score=0.9)], dry_run=True).proposed == []
    assert len(run_rules(ws, [RecidivismRule(min_score=0.8)], dry_run=True).proposed) == 2
    with pytest.raises(ConfigError, match="min_score"):
        run_rules(ws, [RecidivismRule(min_score=2.0)])


def test_queued_actions_are_automated_and_only_approved_ones_are_enforced(
    ws: Workspace,
) -> None:
    _confirm(ws)
    with pytest.raises(ConfigError, match="actor"):
        run_rules(ws, [RecidivismRule()], dry_run=False)
    run = run_rules(ws, [RecidivismRule()], dry_run=False, actor="alice")
    assert [a.status for a in run.queued] == ["pending", "pending"]
    # a second run proposes nothing new: every match is already in the queue
    assert run_rules(ws, [RecidivismRule()], dry_run=False, actor="alice").queued == []
    proposed = [e for e in audit_log(ws) if e.action == "propose"]
    assert [(e.actor, e.automated) for e in proposed] == [("rule:recidivism", True)] * 2
    assert json.loads(proposed[0].after or "{}")["triggered_by"] == "alice"
    assert [i.asset for i in takedown_list(ws) if i.source.startswith("rule:")] == []

    account, domain = run.queued
    with pytest.raises(ConfigError, match="only a person"):
        approve_action(ws, account.action_id, "rule:recidivism")
    approved = approve_action(ws, account.action_id, "bob", reason="same persona")
    assert (approved.status, approved.decided_by) == ("approved", "bob")
    with pytest.raises(ConfigError, match="needs a reason"):
        reject_action(ws, domain.action_id, "bob", reason=" ")
    assert reject_action(ws, domain.action_id, "bob", reason="parked").status == "rejected"
    with pytest.raises(TransitionError, match="from approved to rejected"):
        reject_action(ws, account.action_id, "bob", reason="changed my mind")

    ruled = [i for i in takedown_list(ws) if i.source.startswith("rule:")]
    assert [(i.asset, i.kind, i.account_id) for i in ruled] == [("x:50", "account", "50")]
    decisions = [e for e in audit_log(ws) if e.action in ("approve", "reject")]
    assert [(e.actor, e.automated, e.subject) for e in decisions] == [
        ("bob", False, f"action:{account.action_id}"),
        ("bob", False, f"action:{domain.action_id}"),
    ]
    assert [a.action_id for a in enforcement_actions(ws, status="pending")] == []
    assert verify_audit(ws) == []


def test_cli_takedown_rules_and_approval(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with _with_findings(path) as workspace:
        _confirm(workspace)
    runner = CliRunner()
    ws = str(path)

    def run(*args: str) -> str:
        result = runner.invoke(command, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    out = tmp_path / "takedown.csv"
    assert "wrote" in run("takedown", ws, "--out", str(out))
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 4
    dry = run("rules", "run", ws, "--dry-run")
    assert "2 actions would be queued, nothing changed" in dry
    assert run("actions", ws, "--json").strip() == "[]"
    assert runner.invoke(command, ["rules", "run", ws]).exit_code == 2  # no --actor
    assert "2 actions queued" in run("rules", "run", ws, "--actor", "alice")
    assert "approved by bob" in run("approve", ws, "1", "--actor", "bob")
    assert "rejected by bob" in run("reject", ws, "2", "--actor", "bob", "--reason", "parked")
    again = runner.invoke(command, ["approve", ws, "2", "--actor", "bob"])
    assert again.exit_code == 1 and "from rejected to approved" in again.output
    run("takedown", ws, "--out", str(out), "--platform", "x")
    assets = [r["asset"] for r in csv.DictReader(out.open(encoding="utf-8"))]
    assert assets == ["x:1", "x:2", "x:50"]


def test_rule_reads_what_the_recidivism_detector_writes(tmp_path: Path) -> None:
    # an earlier case's indicator names N-aaa; x:50 (maria1988) posts after it was shared
    ws = build_workspace(tmp_path / "ws.duckdb")
    indicator = Indicator("handle", "maria1987", "N-aaa", source="old.csv", source_row=2)
    store_import(ws, ImportResult("old.csv", "csv", rows_read=1, indicators=[indicator]))
    ws.connection.execute(
        "INSERT INTO posts (platform, post_id, account_id, created_at) "
        "VALUES ('x', 'p1', '50', TIMESTAMP '2024-03-05 10:00:00')"
    )
    ws.run_detector(RecidivismDetector())
    open_cases(ws, "alice")
    _confirm(ws)
    proposed = run_rules(ws, [RecidivismRule()]).proposed
    assert [(p.asset, p.network_id, p.evidence["indicator"]) for p in proposed] == [
        ("x:50", "N-aaa", "maria1987")
    ]
    assert "maria1987" in proposed[0].reason


# -- the synthetic world ----------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("cases_world")
    manifest = generate_world(root / "world", posts=4000)
    path = root / "ws.duckdb"
    with Workspace(path) as ws:
        investigate([root / "world"], ws, root / "out")
    return path, manifest.group("op_a_spamouflage")


def test_confirmed_spamouflage_case_puts_its_accounts_on_the_takedown_list(
    world: tuple[Path, dict[str, object]],
) -> None:
    path, truth = world
    planted = {
        key
        for kinds in truth["accounts"].values()  # type: ignore[attr-defined]
        for keys in kinds.values()
        for key in keys
    }
    with Workspace(path) as ws:
        open_cases(ws, "alice")
        cases = list_cases(ws)
        assert cases, "the investigation found no networks"
        members = {
            c.network_id: {
                str(r[0])
                for r in ws.connection.execute(
                    "SELECT account FROM network_members WHERE run_id = ? AND network_id = ?",
                    [c.assembly_run, c.network_id],
                ).fetchall()
            }
            for c in cases
        }
        best = max(members, key=lambda n: len(members[n] & planted))
        assert len(members[best] & planted) >= 30  # most of the 40 planted personas
        _confirm(ws, best)
        items = takedown_list(ws)
        assert {i.network_id for i in items} == {best}
        listed = {i.asset for i in items if i.source == "member"}
        assert listed == members[best]
        assert {i.platform for i in items if i.source == "member"} == {"x", "facebook"}
        assert verify_audit(ws) == []
