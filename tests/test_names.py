"""Network names: given by an analyst, kept by the network's stable id, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch.cases import (
    NetworkNotFoundError,
    audit_log,
    name_network,
    network_names,
    takedown_list,
)
from cibwatch.cases.names import MAX_NAME, clean_name
from cibwatch.cli.cases import command
from cibwatch.errors import ConfigError
from cibwatch.report.html import render_html
from cibwatch.workspace import Workspace
from test_cases import build_workspace


def test_a_name_is_kept_by_id_replaced_and_audited(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "ws.duckdb")
    assert network_names(ws) == {}
    assert name_network(ws, "N-aaa", "  Doppelganger-like \n", "ana") == "Doppelganger-like"
    name_network(ws, "N-aaa", "Doppelganger cluster B", "bob")
    assert network_names(ws) == {"N-aaa": "Doppelganger cluster B"}
    named = [e for e in audit_log(ws) if e.action == "name"]
    assert [(e.actor, e.subject) for e in named] == [("ana", "N-aaa"), ("bob", "N-aaa")]
    assert named[1].before is not None and "Doppelganger-like" in named[1].before


def test_a_later_assembly_finding_the_same_network_shows_the_name(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "ws.duckdb")
    name_network(ws, "N-aaa", "Spiegel look-alikes", "ana")
    run = ws.start_run("assemble", "networks", {})  # a re-run: same stable id, new run
    ws.connection.execute(
        "INSERT INTO networks VALUES (?, 'N-aaa', NULL, 3, 0.9, '{}', '{}')", [run]
    )
    ws.finish_run(run)
    assert network_names(ws)["N-aaa"] == "Spiegel look-alikes"


def test_unknown_networks_empty_and_long_names_are_refused(tmp_path: Path) -> None:
    ws = build_workspace(tmp_path / "ws.duckdb")
    with pytest.raises(NetworkNotFoundError):
        name_network(ws, "N-typo", "x", "ana")
    with pytest.raises(ConfigError, match="must say something"):
        name_network(ws, "N-aaa", " \t ", "ana")
    with pytest.raises(ConfigError, match="at most"):
        name_network(ws, "N-aaa", "x" * (MAX_NAME + 1), "ana")
    with pytest.raises(ConfigError, match="actor"):
        name_network(ws, "N-aaa", "x", " ")
    assert network_names(ws) == {}
    assert takedown_list(ws) == []


def test_unprintable_characters_are_shown_not_hidden() -> None:
    assert clean_name("a\x00b\u200b") == "a\ufffdb\ufffd"


def test_the_command_names_a_network_and_the_report_uses_the_name(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    build_workspace(path).close()
    done = CliRunner().invoke(
        command, ["name", str(path), "N-aaa", "Spiegel look-alikes", "--actor", "ana"]
    )
    assert done.exit_code == 0, done.output
    refused = CliRunner().invoke(command, ["name", str(path), "N-nope", "x", "--actor", "ana"])
    assert refused.exit_code != 0 and "no network N-nope" in refused.output
    with Workspace(path) as ws:
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Spiegel look-alikes (N-aaa)" in html
