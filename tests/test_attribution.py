"""Attribution hypotheses: graded confidence, wording that never claims more than the cues."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from cibwatch import Workspace
from cibwatch.attribution import attribute


def _ws_with_posts(texts: list[tuple[str, str]]) -> Workspace:
    ws = Workspace()
    con = ws.connection
    con.execute("CREATE TEMP TABLE _dossier_members (account VARCHAR)")
    con.execute("INSERT INTO _dossier_members VALUES ('x:a')")
    con.executemany(
        "INSERT INTO posts (platform, post_id, account_id, created_at, text, language) "
        "VALUES ('x', ?, 'a', ?, ?, ?)",
        [[str(i), datetime(2024, 1, 1), t, lang] for i, (t, lang) in enumerate(texts)],
    )
    return ws


def _dossier(schedule: dict[str, Any], domains: list[str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        schedule=schedule, lookalike_domains=[{"domain": d} for d in (domains or [])]
    )


OFFICE_UTC8 = {
    "kind": "office",
    "offset": 8,
    "probability": 0.97,
    "credible": [8],
    "claimed_offset": -6,
}


def test_office_shift_far_from_the_claimed_place_with_a_language_cue_is_high() -> None:
    with _ws_with_posts([("Vote now 投票", "en"), ("plain english text", "en")]) as ws:
        result = attribute(ws, _dossier(OFFICE_UTC8))
    assert result["confidence"] == "high"
    assert "China" in result["candidate_countries"]
    assert "1 posts labelled as a Latin-script language contain Chinese text" in result["reasons"]
    assert result["wording"].startswith("Consistent with operators working office hours in UTC+8")
    assert "Not attributed to a government" in result["wording"]


def test_the_same_shift_without_a_second_cue_is_medium() -> None:
    with _ws_with_posts([("plain english text", "en")]) as ws:
        assert attribute(ws, _dossier(OFFICE_UTC8))["confidence"] == "medium"


def test_a_shift_that_fits_the_claimed_place_attributes_nothing() -> None:
    schedule = {**OFFICE_UTC8, "offset": -6, "claimed_offset": -6, "credible": [-6]}
    with _ws_with_posts([("hello", "en")]) as ws:
        result = attribute(ws, _dossier(schedule, ["spiegel.ltd"]))
    assert result["confidence"] == "low"
    assert result["operator_offset"] is None and result["candidate_countries"] == []
    assert result["wording"].startswith("The evidence does not point")


def test_an_ambiguous_offset_is_worded_as_a_range() -> None:
    schedule = {**OFFICE_UTC8, "probability": 0.4, "credible": [2, 3, 4], "offset": 3}
    with _ws_with_posts([("hallo", "de")]) as ws:
        result = attribute(ws, _dossier(schedule))
    assert "UTC+2 to UTC+4 (most likely UTC+3)" in result["wording"]
    assert result["confidence"] == "medium"


def test_no_office_schedule_is_low_and_says_so() -> None:
    with _ws_with_posts([("hello", "en")]) as ws:
        result = attribute(ws, _dossier({"kind": "irregular", "offset": -2}))
    assert result["confidence"] == "low"
    assert "the posting schedule reveals no operator time zone" in result["reasons"]
