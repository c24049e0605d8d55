"""Recidivism: assets that return after a takedown match the earlier case's indicators."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cibwatch import Workspace
from cibwatch.detectors.recidivism import RecidivismDetector
from cibwatch.errors import ConfigError
from cibwatch.indicators.model import ImportResult, Indicator
from cibwatch.indicators.store import store_import
from cibwatch.synthetic import generate_world

TAKEDOWN = datetime(2024, 3, 10)


def _import(ws: Workspace, indicators: list[Indicator]) -> None:
    store_import(ws, ImportResult("earlier-case.csv", "classic_csv", len(indicators), indicators))


def _post(
    ws: Workspace, account: tuple[str, str], post_id: str, when: datetime, domain: str
) -> None:
    ws.connection.execute(
        "INSERT INTO posts (platform, post_id, account_id, created_at, domains) "
        "VALUES (?, ?, ?, ?, [?])",
        [account[0], post_id, account[1], when, domain],
    )


def _flagged(ws: Workspace) -> dict[str, str]:
    rows = ws.query("SELECT subject_a, explanation FROM evidence WHERE signal = 'recidivism'")
    return {r["subject_a"]: r["explanation"] for r in rows}


@pytest.fixture
def ws() -> Workspace:
    ws = Workspace()
    _import(
        ws,
        [
            Indicator("domain", "reportage.top", "N-1", source="earlier-case.csv", source_row=2),
            Indicator("handle", "maria2231", "N-1", source="earlier-case.csv", source_row=3),
            Indicator("account_url", "https://www.facebook.com/100012345", "N-1", source_row=4),
        ],
    )
    after = TAKEDOWN + timedelta(days=2)
    ws.connection.executemany(
        "INSERT INTO accounts (platform, account_id, kind, handle, display_name) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            ["x", "1", "account", "maria1987", "Maria"],  # the known name, new numbers
            ["facebook", "100012345", "page", "daily.truth.news", "Daily Truth"],  # renamed
            ["x", "2", "account", "mariachi_band", "Band"],  # not the stem
            ["x", "3", "account", "someone", "S"],
            ["x", "9", "account", "maria5555", "Old"],  # but active before the takedown
        ],
    )
    _post(ws, ("x", "1"), "p1", after, "news.example")
    _post(ws, ("facebook", "100012345"), "p2", after, "news.example")
    _post(ws, ("x", "2"), "p3", after, "repotrage.xyz")  # letters of reportage scrambled
    _post(ws, ("x", "3"), "p4", after, "reportag.site")  # one letter dropped
    _post(ws, ("x", "3"), "p5", after, "unrelated.com")
    _post(ws, ("x", "9"), "p6", TAKEDOWN - timedelta(days=5), "reportage.top")
    return ws


def test_returning_domains_handles_and_renamed_pages_are_caught(ws: Workspace) -> None:
    ws.run_detector(RecidivismDetector(since=TAKEDOWN))
    flagged = _flagged(ws)
    assert set(flagged) == {"x:1", "facebook:100012345", "x:2", "x:3"}
    assert "maria1987: the known handle maria2231 with new numbers" in flagged["x:1"]
    assert "now named daily.truth.news" in flagged["facebook:100012345"]
    assert "scrambles the letters of the known reportage.top" in flagged["x:2"]
    assert "one edit from the known reportage.top" in flagged["x:3"]
    assert "earlier-case.csv row 2" in flagged["x:2"]


def test_without_a_takedown_date_old_assets_count_too(ws: Workspace) -> None:
    ws.run_detector(RecidivismDetector())
    assert "x:9" in _flagged(ws)  # reportage.top seen again, and maria5555


def test_no_indicators_no_findings() -> None:
    with Workspace() as empty:
        result = empty.run_detector(RecidivismDetector())
        assert result.evidence_rows == 0


def test_bad_parameters() -> None:
    with Workspace() as ws, pytest.raises(ConfigError):
        ws.run_detector(RecidivismDetector(min_stem=1))


def test_generated_domains_planted_after_the_block_date_are_caught(tmp_path: Path) -> None:
    world = generate_world(tmp_path / "world", posts=3000, seed=3)
    truth = json.loads(world.ground_truth_path.read_text(encoding="utf-8"))
    op = next(g for g in truth["groups"] if g["id"] == "op_b_doppelganger")
    block_day = op["details"]["block_day"]
    generated = [d for d in op["domains"] if d["technique"] == "generated"]
    old = [d["domain"] for d in generated if d["first_day"] < block_day]
    new = {d["domain"] for d in generated if d["first_day"] >= block_day}
    assert old and new
    with Workspace() as ws:
        ws.ingest(world.accounts_path)
        ws.ingest(world.posts_path)
        _import(ws, [Indicator("domain", d, "N-old") for d in old])
        since = world.start.replace(tzinfo=None) + timedelta(days=block_day)
        ws.run_detector(RecidivismDetector(since=since))
        found = {
            json.loads(r["details"])["asset"]
            for r in ws.query("SELECT details FROM evidence WHERE signal = 'recidivism'")
        }
    assert found == new
