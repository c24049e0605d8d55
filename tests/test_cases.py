"""Cases: the status flow, decisions with reasons, and the hash-chained audit log.

The hand-built workspace holds one assembly (run 1) with two networks:
N-aaa (score 0.8: x:1, x:2 and the Facebook page facebook:p1, plus the look-alike domain
spiegel.ltd) and N-bbb (score 0.3: x:7, x:8, x:9).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cibwatch.cases as cases_pkg
from cibwatch.cases import (
    STATUSES,
    TRANSITIONS,
    CaseNotFoundError,
    TransitionError,
    add_note,
    assign,
    audit_head,
    audit_log,
    case_decisions,
    case_notes,
    decide,
    get_case,
    list_cases,
    open_cases,
    set_status,
    verify_audit,
)
from cibwatch.cli.cases import command
from cibwatch.errors import ConfigError, WorkspaceError
from cibwatch.workspace import Workspace

ACCOUNT_COLUMNS = "platform, account_id, kind, handle, display_name, url, ingest_id"


def build_workspace(path: Path | str) -> Workspace:
    """A workspace with one assembly of two networks (see the module docstring)."""
    ws = Workspace(path)
    run = ws.start_run("assemble", "networks", {})
    con = ws.connection
    con.executemany(
        f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 1)",
        [
            ["x", "1", "account", "=HYPERLINK(1)", "Maria", "https://x.com/m"],
            ["x", "2", "account", "joe22", "Joe", None],
            ["facebook", "p1", "page", "newsnow", "News Now", None],
            ["x", "50", "account", "maria1988", "Maria", None],
        ],
    )
    nets = [
        ("N-aaa", 0.8, ["x:1", "x:2", "facebook:p1"], ["spiegel.ltd"]),
        ("N-bbb", 0.3, ["x:7", "x:8", "x:9"], []),
    ]
    for network_id, score, members, domains in nets:
        summary = json.dumps({"lookalike_domains": domains, "evidence_runs": []})
        con.execute(
            "INSERT INTO networks VALUES (?, ?, NULL, ?, ?, '{}', ?)",
            [run, network_id, len(members), score, summary],
        )
        con.executemany(
            "INSERT INTO network_members VALUES (?, ?, ?, 1, 1.0)",
            [[run, network_id, m] for m in members],
        )
    ws.finish_run(run)
    return ws


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = build_workspace(tmp_path / "ws.duckdb")
    open_cases(workspace, "alice")
    return workspace


def test_open_creates_one_new_case_per_network_and_is_idempotent(ws: Workspace) -> None:
    cases = list_cases(ws)
    assert [(c.network_id, c.status, c.size) for c in cases] == [
        ("N-aaa", "new", 3),
        ("N-bbb", "new", 3),
    ]
    assert open_cases(ws, "bob") == []  # stable ids: nothing new to open
    assert [e.action for e in audit_log(ws)] == ["open", "open"]


def test_every_allowed_transition_and_the_reopen(ws: Workspace) -> None:
    path = [
        ("in_review", None),
        ("dismissed", "accounts are a real fan club"),
        ("in_review", "new evidence of shared operators"),
        ("confirmed_cib", "co-posting within 30 s across 3 platforms"),
        ("enforced", "removed by platform teams"),
    ]
    for status, reason in path:
        assert set_status(ws, "N-aaa", status, "alice", reason=reason).status == status
    assert get_case(ws, "N-aaa").status == "enforced"
    decisions = case_decisions(ws, "N-aaa")
    assert [(d.from_status, d.to_status) for d in decisions] == [
        ("in_review", "dismissed"),
        ("dismissed", "in_review"),
        ("in_review", "confirmed_cib"),
        ("confirmed_cib", "enforced"),
    ]
    assert decisions[2].reason == "co-posting within 30 s across 3 platforms"


@pytest.mark.parametrize("start", STATUSES)
def test_every_transition_not_in_the_flow_is_refused_naming_from_and_to(
    tmp_path: Path, start: str
) -> None:
    workspace = build_workspace(tmp_path / "ws.duckdb")
    open_cases(workspace, "alice")
    route = {
        "new": [],
        "in_review": ["in_review"],
        "confirmed_cib": ["in_review", "confirmed_cib"],
        "dismissed": ["in_review", "dismissed"],
        "enforced": ["in_review", "confirmed_cib", "enforced"],
    }[start]
    for status in route:
        set_status(workspace, "N-aaa", status, "alice", reason="because")
    before = len(audit_log(workspace))
    for target in STATUSES:
        if target in TRANSITIONS[start]:
            continue
        with pytest.raises(TransitionError, match=f"from {start} to {target}"):
            set_status(workspace, "N-aaa", target, "alice", reason="because")
    assert get_case(workspace, "N-aaa").status == start
    assert len(audit_log(workspace)) == before  # refused changes leave no audit row


def test_decisions_need_a_reason(ws: Workspace) -> None:
    set_status(ws, "N-aaa", "in_review", "alice")
    for reason in (None, "", "   "):
        with pytest.raises(ConfigError, match="needs a reason"):
            set_status(ws, "N-aaa", "confirmed_cib", "alice", reason=reason)
    with pytest.raises(ConfigError, match="needs a reason"):
        decide(ws, "N-aaa", "dismiss", "", "alice")
    assert get_case(ws, "N-aaa").status == "in_review"
    assert decide(ws, "N-aaa", "confirm", "shared operator", "alice").status == "confirmed_cib"


def test_changes_need_an_actor_and_an_existing_case(ws: Workspace) -> None:
    with pytest.raises(ConfigError, match="actor"):
        assign(ws, "N-aaa", "bob", "  ")
    with pytest.raises(CaseNotFoundError, match="N-zzz"):
        add_note(ws, "N-zzz", "hello", "alice")
    with pytest.raises(ConfigError, match="unknown status"):
        set_status(ws, "N-aaa", "closed", "alice")


def test_each_change_writes_an_audit_row_with_before_and_after(ws: Workspace) -> None:
    assign(ws, "N-aaa", "bob", "alice")
    note = add_note(ws, "N-aaa", "=1+1 posted by all three", "bob")
    set_status(ws, "N-aaa", "in_review", "bob")
    decide(ws, "N-aaa", "confirm", "same operator", "bob")
    rows = [e.as_dict() for e in audit_log(ws, "N-aaa")]
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("alice", "open"),
        ("alice", "assign"),
        ("bob", "note"),
        ("bob", "status"),
        ("bob", "decide"),
    ]
    assert rows[0]["before"] is None and rows[0]["after"]["status"] == "new"
    assert (rows[1]["before"]["assignee"], rows[1]["after"]["assignee"]) == (None, "bob")
    assert rows[2]["after"] == {"note_id": note.note_id, "text": "=1+1 posted by all three"}
    assert (rows[3]["before"]["status"], rows[3]["after"]["status"]) == ("new", "in_review")
    assert rows[4]["after"]["reason"] == "same operator"
    assert rows[4]["after"]["status"] == "confirmed_cib"
    assert not any(r["automated"] for r in rows)
    assert [n.text for n in case_notes(ws, "N-aaa")] == ["=1+1 posted by all three"]
    assert verify_audit(ws) == []


def test_a_refreshed_assembly_updates_the_case_and_audits_it(ws: Workspace) -> None:
    set_status(ws, "N-aaa", "in_review", "alice")
    run = ws.start_run("assemble", "networks", {})
    ws.connection.execute(
        "INSERT INTO networks VALUES (?, 'N-aaa', NULL, 4, 0.9, '{}', '{}')", [run]
    )
    ws.connection.executemany(
        "INSERT INTO network_members VALUES (?, 'N-aaa', ?, 1, 1.0)",
        [[run, m] for m in ["x:1", "x:2", "x:3", "facebook:p1"]],
    )
    assert open_cases(ws, "alice") == []
    case = get_case(ws, "N-aaa")
    assert (case.status, case.size, case.assembly_run, case.score) == ("in_review", 4, run, 0.9)
    last = audit_log(ws, "N-aaa")[-1].as_dict()
    assert last["action"] == "refresh"
    assert (last["before"]["size"], last["after"]["size"]) == (3, 4)


def test_open_without_networks_or_unknown_ids_is_refused(tmp_path: Path) -> None:
    with Workspace(tmp_path / "empty.duckdb") as empty, pytest.raises(WorkspaceError):
        open_cases(empty, "alice")
    workspace = build_workspace(tmp_path / "ws.duckdb")
    with pytest.raises(ConfigError, match="N-nope"):
        open_cases(workspace, "alice", network_ids=["N-nope"])
    assert [c.network_id for c in open_cases(workspace, "a", network_ids=["N-bbb"])] == ["N-bbb"]


# -- audit guarantees ------------------------------------------------------------------------


def test_the_api_offers_no_way_to_edit_or_delete_audit_rows() -> None:
    words = ("update", "delete", "edit", "remove", "rewrite", "truncate", "drop")
    public = [name for name in dir(cases_pkg) if not name.startswith("_")]
    assert not [n for n in public if any(w in n.lower() for w in words)]
    for module in (cases_pkg.audit, cases_pkg.cases, cases_pkg.enforcement, cases_pkg.store):
        source = inspect.getsource(module).lower()
        for statement in ("update case_audit", "delete from case_audit", "drop table"):
            assert statement not in source, (module.__name__, statement)


def _tampered(ws: Workspace, sql: str) -> list[int]:
    ws.connection.execute(sql)
    return [b.audit_id for b in verify_audit(ws)]


def _busy(ws: Workspace) -> None:
    assign(ws, "N-aaa", "bob", "alice")
    add_note(ws, "N-aaa", "looks coordinated", "bob")
    set_status(ws, "N-aaa", "in_review", "bob")
    assert len(audit_log(ws)) == 5 and verify_audit(ws) == []


def test_an_edited_audit_row_is_detected(ws: Workspace) -> None:
    _busy(ws)
    assert _tampered(ws, "UPDATE case_audit SET actor = 'mallory' WHERE audit_id = 3") == [3]


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(ws: Workspace) -> None:
    _busy(ws)
    ws.connection.execute("UPDATE case_audit SET after = '{}', hash = 'f00' WHERE audit_id = 3")
    problems = {b.audit_id: b.problem for b in verify_audit(ws)}
    assert sorted(problems) == [3, 4]
    assert "link" in problems[4]


def test_a_deleted_audit_row_is_detected(ws: Workspace) -> None:
    _busy(ws)
    assert _tampered(ws, "DELETE FROM case_audit WHERE audit_id = 2") == [3]


def test_a_cut_tail_is_detected_only_against_a_recorded_head(ws: Workspace) -> None:
    _busy(ws)
    head = audit_head(ws)
    assert head[0] == 5
    ws.connection.execute("DELETE FROM case_audit WHERE audit_id = 5")
    assert verify_audit(ws) == []  # the limit: a shorter chain is still a valid chain
    assert [b.audit_id for b in verify_audit(ws, head)] == [5]


# -- CLI ----------------------------------------------------------------------------------


def test_cli_review_flow_and_verify(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    build_workspace(path).close()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(command, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    ws = str(path)
    assert "2 cases opened" in run("open", ws, "--actor", "alice")
    assert "assigned to bob" in run("assign", ws, "N-aaa", "bob", "--actor", "alice")
    run("note", ws, "N-aaa", "same photos", "--actor", "bob")
    run("status", ws, "N-aaa", "in_review", "--actor", "bob")
    out = run("decide", ws, "N-aaa", "confirm", "--reason", "shared operator", "--actor", "bob")
    assert "confirmed_cib" in out
    listed = json.loads(run("list", ws, "--status", "confirmed_cib", "--json"))
    assert [c["network_id"] for c in listed] == ["N-aaa"]
    shown = run("show", ws, "N-aaa")
    assert "shared operator" in shown and "same photos" in shown
    audit = json.loads(run("audit", ws, "N-aaa", "--json"))
    assert [a["action"] for a in audit] == ["open", "assign", "note", "status", "decide"]
    assert "audit log intact: 6 rows" in run("verify", ws)

    refused = runner.invoke(command, ["status", ws, "N-bbb", "enforced", "--actor", "bob"])
    assert refused.exit_code == 1 and "cannot go from new to enforced" in refused.output
    no_actor = runner.invoke(command, ["note", ws, "N-aaa", "hello"])
    assert no_actor.exit_code == 2 and "--actor" in no_actor.output
    no_reason = runner.invoke(command, ["decide", ws, "N-bbb", "dismiss", "--actor", "bob"])
    assert no_reason.exit_code == 2

    with Workspace(path) as workspace:
        workspace.connection.execute("UPDATE case_audit SET actor = 'x' WHERE audit_id = 4")
    tampered = runner.invoke(command, ["verify", ws])
    assert tampered.exit_code == 1 and "row 4" in tampered.output


#: What an operator-influenced note or reason can hold: a window retitle, a clipboard write,
#: a screen clear, and a carriage return that would print a fake line over the real one.
TERMINAL_HOSTILE = "seen\x1b]0;pwned\x07 \x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b1A\rFAKE\x08"


def test_cli_prints_notes_reasons_and_errors_without_terminal_sequences(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    build_workspace(path).close()
    runner = CliRunner()
    ws = str(path)
    for args in (
        ["open", ws, "--actor", "alice"],
        ["note", ws, "N-aaa", TERMINAL_HOSTILE, "--actor", "bob\x1b[8m"],
        ["status", ws, "N-aaa", "in_review", "--actor", "bob"],
        ["decide", ws, "N-aaa", "confirm", "--reason", TERMINAL_HOSTILE, "--actor", "bob"],
    ):
        assert runner.invoke(command, args).exit_code == 0
    with Workspace(path, read_only=True) as workspace:
        assert case_notes(workspace, "N-aaa")[0].text == TERMINAL_HOSTILE, "stored as given"
    shown = runner.invoke(command, ["show", ws, "N-aaa"])
    assert shown.exit_code == 0
    assert "note" in shown.output and "seen FAKE" in shown.output
    printed = [shown.output]
    for listed in ("list", "audit"):
        out = runner.invoke(command, [listed, ws])
        assert out.exit_code == 0
        printed.append(out.output)
    missing = runner.invoke(command, ["show", ws, "N-\x1b]0;pwned\x07x"])
    assert missing.exit_code == 1 and "no case for network" in missing.output
    for output in (*printed, missing.output):
        assert not any(c in output for c in "\x1b\x07\x08\r\x9b"), repr(output)
    assert "pwned" not in printed[0], "the retitle's text goes with its sequence"
