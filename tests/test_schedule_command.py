"""``cibwatch schedule`` and the per-unit schedules behind it: units, groups, alignment."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.schedule import command
from cibwatch.csvsafe import neutralise, write_rows
from cibwatch.errors import ConfigError, InputError
from cibwatch.fingerprints.schedule import ScheduleFit
from cibwatch.fingerprints.schedules import (
    COLUMNS,
    alignment,
    persona_zones,
    read_groups,
    schedules,
)
from cibwatch.synthetic.shifts import office_times


def _fill(ws: Workspace) -> None:
    """op: office hours at UTC+8 while claiming Houston; us1/us2: office hours at UTC-6
    claiming Dallas; quiet: three posts."""
    con = ws.connection
    con.execute(
        "INSERT INTO accounts (platform, account_id, kind, claimed_location) VALUES "
        "('x', 'op', 'account', 'Houston, TX'), ('x', 'quiet', 'account', '=cmd|calc'), "
        "('x', 'us1', 'account', 'Dallas, TX'), ('x', 'us2', 'account', 'Dallas, TX')"
    )
    rows = []
    plan = [("op", 8, 400, 1), ("us1", -6, 300, 2), ("us2", -6, 300, 3), ("quiet", 0, 3, 4)]
    for account, offset, n, seed in plan:
        times = office_times(offset, n, np.random.default_rng(seed), start=9, end=17, lunch=12)
        rows += [
            ["x", f"{account}{i}", account, t.astype(object), "en"] for i, t in enumerate(times)
        ]
    con.executemany(
        "INSERT INTO posts (platform, post_id, account_id, created_at, language) "
        "VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def test_schedules_by_account_say_whose_day_the_hours_follow() -> None:
    with Workspace() as ws:
        _fill(ws)
        rows = {r["unit"]: r for r in schedules(ws, by="account")}
    assert set(rows["x:op"]) == set(COLUMNS)
    op = rows["x:op"]
    assert (op["hypothesis"], op["alignment"]) == ("office shift", "operator")
    assert op["offset_low"] <= 8 <= op["offset_high"]
    assert "claim to be in Houston, TX (UTC-6" in op["finding"]
    assert "operators' own day" in op["finding"]
    us = rows["x:us1"]
    assert us["alignment"] == "target" and us["offset_low"] <= -6 <= us["offset_high"]
    assert "cannot be read from timing" in us["finding"]
    assert rows["x:quiet"]["offset"] is None  # three posts: no answer rather than a guess
    assert rows["x:quiet"]["alignment"] == "undetermined"


def test_groups_pool_their_accounts_as_they_appear_in_the_source() -> None:
    with Workspace() as ws:
        _fill(ws)
        ws.connection.execute("UPDATE accounts SET handle = 'OpHandle' WHERE account_id = 'op'")
        # bare ids, platform-qualified ids, or handles as the source wrote them (ingest may
        # case-fold handle ids); an account listed two ways counts once
        groups = {"us1": "Texans", "x:us2": "Texans", "OpHandle": "Ops", "x:op": "Ops"}
        rows = schedules(ws, groups=groups)
    by_unit = {r["unit"]: r for r in rows}
    assert set(by_unit) == {"Texans", "Ops"}
    assert by_unit["Texans"]["posts"] == 600 and by_unit["Ops"]["posts"] == 400


def test_unknown_unit_is_refused() -> None:
    with Workspace() as ws, pytest.raises(ConfigError):
        schedules(ws, by="galaxy")


def test_persona_zones_come_from_claimed_places_before_language() -> None:
    assert persona_zones({"Houston, TX": 2, "Paris": 1}, {"fr": 9}) == (
        frozenset({-6, 1}),
        "claim to be in Houston, TX, Paris",
    )
    # a zone held by under a tenth of the located accounts does not count
    assert persona_zones({"Houston, TX": 10, "Paris": 1}, {})[0] == frozenset({-6})
    # cities of one country count together: no city has a tenth, the zones do
    cities = {f"{c}, TX": 1 for c in "ABCDEFGHIJKL"} | {f"{c}, NY": 1 for c in "MNOPQRST"}
    zones, source = persona_zones(cities, {})
    assert zones == frozenset({-6, -5}) and source.endswith("and 17 more places")
    assert persona_zones({"United States": 1}, {})[0] == frozenset({-8, -7, -6, -5})
    assert persona_zones({}, {"de": 6, "en": 4})[0] == frozenset({1})
    assert persona_zones({}, {"de": 4, "en": 3, "fr": 3})[0] == frozenset()  # no majority


def test_alignment_rules() -> None:
    # 75% at UTC+8 and 20% at UTC+7 make the 90% credible set {7, 8}
    fit = ScheduleFit(100, "office shift", 8, 0.75, {6: 0.05, 7: 0.2, 8: 0.75}, {}, 0.0)
    assert fit.credible == [7, 8]
    assert alignment(fit, frozenset({7})) == "target"  # UTC+7 claimed, +8 in summer time
    assert alignment(fit, frozenset({7, 8})) == "target"
    assert alignment(fit, frozenset({-5})) == "operator"
    assert alignment(fit, frozenset({8})) == "undetermined"  # +7 is no time of a +8 place
    assert alignment(fit, frozenset({6})) == "undetermined"  # +7 fits, +8 does not
    assert alignment(fit, frozenset()) == "undetermined"
    wide = ScheduleFit(100, "office shift", 8, 0.4, {o: 0.15 for o in range(2, 9)}, {}, 0.0)
    assert alignment(wide, frozenset({-5})) == "undetermined"  # seven offsets: too wide
    flat = ScheduleFit(100, "round-the-clock", 8, 0.75, {7: 0.25, 8: 0.75}, {}, 0.0)
    assert alignment(flat, frozenset({-5})) == "undetermined"


def test_groups_file_is_read_and_bad_rows_are_named(tmp_path: Path) -> None:
    good = tmp_path / "g.csv"
    good.write_text("account_id,group\na,one\nb,two\n", encoding="utf-8")
    assert read_groups(good) == {"a": "one", "b": "two"}
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,group\na,one\na,two\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2, field group"):
        read_groups(bad)
    headless = tmp_path / "h.csv"
    headless.write_text("id,team\na,one\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_groups(headless)


def test_command_writes_a_formula_safe_csv(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        _fill(ws)
    out = tmp_path / "schedule.csv"
    result = CliRunner().invoke(command, [str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == list(COLUMNS)
    assert [r["unit"] for r in rows] == ["x:op", "x:quiet", "x:us1", "x:us2"]


def test_command_with_groups_and_an_empty_match_exits_non_zero(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        _fill(ws)
    groups = tmp_path / "groups.csv"
    groups.write_text("account_id,group\nop,=Ops\n", encoding="utf-8")
    out = tmp_path / "g.csv"
    result = CliRunner().invoke(command, [str(path), "--groups", str(groups), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["unit"] for r in rows] == ["'=Ops"]  # a hostile group name stays inert
    nobody = tmp_path / "nobody.csv"
    nobody.write_text("account_id,group\nghost,G\n", encoding="utf-8")
    result = CliRunner().invoke(command, [str(path), "--groups", str(nobody)])
    assert result.exit_code != 0 and "no unit to profile" in result.output


def test_neutralise_guards_every_formula_start_but_leaves_numbers(tmp_path: Path) -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1").startswith("'")
    assert neutralise(-1) == -1 and neutralise("plain") == "plain"
    out = tmp_path / "x.csv"
    assert write_rows(out, ["a"], [{"a": "=2+3"}]) == 1
    assert out.read_text(encoding="utf-8").splitlines() == ["a", "'=2+3"]
