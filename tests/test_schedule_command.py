"""``cibwatch schedule`` and the per-unit schedules behind it."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.schedule import command
from cibwatch.csvsafe import neutralise, write_rows
from cibwatch.errors import ConfigError
from cibwatch.fingerprints.schedules import schedules

MONDAY_9_AT_UTC8 = datetime(2024, 3, 4, 1, 0)


def _fill(ws: Workspace) -> None:
    con = ws.connection
    con.execute(
        "INSERT INTO accounts (platform, account_id, kind, claimed_location) VALUES "
        "('x', 'op', 'account', 'Houston, TX'), ('x', 'quiet', 'account', '=cmd|calc')"
    )
    rows = []
    n = 0
    for day in range(26):
        for k in range(10):
            t = MONDAY_9_AT_UTC8 + timedelta(days=day, minutes=48 * k)
            local_hour = (t.hour + 8) % 24
            if (t + timedelta(hours=8)).weekday() < 5 and local_hour != 12:
                rows.append(["x", f"p{n}", "op", t])
                n += 1
    rows += [["x", f"q{i}", "quiet", MONDAY_9_AT_UTC8 + timedelta(hours=i)] for i in range(3)]
    con.executemany(
        "INSERT INTO posts (platform, post_id, account_id, created_at) VALUES (?, ?, ?, ?)", rows
    )


def test_schedules_by_account_find_the_shift_and_the_contradicting_claim() -> None:
    with Workspace() as ws:
        _fill(ws)
        rows = {r["unit"]: r for r in schedules(ws, by="account")}
    op = rows["x:op"]
    assert (op["schedule"], op["offset"], op["claimed_offset"]) == ("office", 8, -6)
    assert "Claims to be in Houston, TX (UTC-6)" in op["finding"]
    assert rows["x:quiet"]["offset"] is None  # three posts: no answer rather than a guess


def test_unknown_unit_is_refused() -> None:
    with Workspace() as ws, pytest.raises(ConfigError):
        schedules(ws, by="galaxy")


def test_command_writes_a_formula_safe_csv(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        _fill(ws)
    out = tmp_path / "schedule.csv"
    result = CliRunner().invoke(command, [str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["unit"] for r in rows] == ["x:op", "x:quiet"]
    assert rows[1]["claimed_location"] == "'=cmd|calc"


def test_neutralise_guards_every_formula_start_but_leaves_numbers(tmp_path: Path) -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1").startswith("'")
    assert neutralise(-1) == -1 and neutralise("plain") == "plain"
    out = tmp_path / "x.csv"
    assert write_rows(out, ["a"], [{"a": "=2+3"}]) == 1
    assert out.read_text(encoding="utf-8").splitlines() == ["a", "'=2+3"]
