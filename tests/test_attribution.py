"""Attribution: offset, language and claimed places read together; timing only when it can."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from cibwatch import Workspace
from cibwatch.attribution import attribute


def _ws_with_posts(texts: list[tuple[str, str]]) -> Workspace:
    ws = Workspace()
    ws.connection.executemany(
        "INSERT INTO posts (platform, post_id, account_id, created_at, text, language) "
        "VALUES ('x', ?, 'a', ?, ?, ?)",
        [[str(i), datetime(2024, 1, 1), t, lang] for i, (t, lang) in enumerate(texts)],
    )
    # an account of another network, whose scripts must not count
    ws.connection.execute(
        "INSERT INTO posts (platform, post_id, account_id, created_at, text, language) "
        "VALUES ('x', 'other', 'b', ?, 'Привет Привет', 'en')",
        [datetime(2024, 1, 1)],
    )
    return ws


def _dossier(schedule: dict[str, Any], domains: list[str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        members=["x:a"],
        schedule=schedule,
        lookalike_domains=[{"domain": d} for d in (domains or [])],
    )


# An office shift at UTC+8 by personas claiming Texas: the operators' own day.
OPERATOR_UTC8 = {
    "hypothesis": "office shift",
    "offset": 8,
    "probability": 0.85,
    "credible": [7, 8],
    "alignment": "operator",
    "persona_zones": [-6],
    "persona_source": "claim to be in Houston, TX",
}


def test_operator_hours_with_a_foreign_script_narrow_the_countries_and_are_high() -> None:
    with _ws_with_posts([("Vote now 投票", "en"), ("plain english text", "en")]) as ws:
        result = attribute(ws, _dossier(OPERATOR_UTC8))
    assert result["confidence"] == "high"
    # countries at +7/+8 that also write Chinese: the offset and the script agree
    assert result["candidate_countries"] == ["China", "Hong Kong", "Taiwan", "Singapore"]
    assert "1 posts labelled as a Latin-script language contain Chinese text" in result["reasons"]
    assert result["wording"].startswith(
        "Consistent with operators working office hours in UTC+7 to UTC+8 (most likely UTC+8)"
    )
    assert "Not attributed to a government" in result["wording"]
    # English personas in English: a target cue, named as such
    assert any("audience's language (en)" in r for r in result["reasons"])


def test_the_same_hours_without_a_second_cue_are_medium_and_list_the_offsets_countries() -> None:
    with _ws_with_posts([("plain english text", "en")]) as ws:
        result = attribute(ws, _dossier(OPERATOR_UTC8))
    assert result["confidence"] == "medium"
    assert result["candidate_countries"][:3] == ["China", "Hong Kong", "Taiwan"]
    assert "Vietnam" in result["candidate_countries"]  # UTC+7 is in the range too


def test_target_aligned_hours_say_the_operators_zone_cannot_be_read_from_timing() -> None:
    schedule = {
        **OPERATOR_UTC8,
        "offset": -6,
        "credible": [-6, -5],
        "alignment": "target",
        "persona_zones": [-6],
    }
    with _ws_with_posts([("hello", "en")]) as ws:
        result = attribute(ws, _dossier(schedule, ["spiegel.ltd"]))
    assert result["confidence"] == "low"
    assert result["operator_offset"] is None and result["candidate_countries"] == []
    assert result["wording"].startswith(
        "The operators' time zone cannot be read from timing: the posting hours follow "
        "the audience's day."
    )


def test_a_language_that_does_not_fit_the_claimed_place_points_to_the_operators() -> None:
    # personas claiming Texas who write in Russian, on undetermined hours
    schedule = {**OPERATOR_UTC8, "alignment": "undetermined", "credible": list(range(0, 9))}
    with _ws_with_posts([("привет", "ru"), ("как дела", "ru")]) as ws:
        result = attribute(ws, _dossier(schedule))
    assert result["confidence"] == "low"
    assert result["candidate_countries"] == ["Russia", "Belarus", "Ukraine", "Kazakhstan"]
    assert "does not fit where they claim to be" in " ".join(result["reasons"])
    assert "cannot be read from timing" in result["wording"]
    assert "Language traces point to countries such as Russia" in result["wording"]


def test_a_language_matching_its_audience_names_no_country() -> None:
    # Russian-language personas on a Moscow day: both the hours and the language fit the
    # audience, so nothing here says where the operators are
    schedule = {
        "hypothesis": "human day",
        "offset": 3,
        "probability": 0.4,
        "credible": [2, 3, 4],
        "alignment": "target",
        "persona_zones": [2, 3, 4],
        "persona_source": "write in ru",
    }
    with _ws_with_posts([("привет", "ru")]) as ws:
        result = attribute(ws, _dossier(schedule))
    assert result["candidate_countries"] == [] and result["confidence"] == "low"
    assert any("a cue to the target" in r for r in result["reasons"])


def test_no_schedule_is_low_and_says_so() -> None:
    with _ws_with_posts([("hello", "en")]) as ws:
        result = attribute(ws, _dossier({"hypothesis": "too few posts", "offset": None}))
    assert result["confidence"] == "low"
    assert "the posting schedule does not show whose day it follows" in result["reasons"]


def test_attribute_alone_reads_the_members_posts_or_the_posts_it_is_given() -> None:
    # Alone, attribute finds the posts of ``x:a`` itself; the Cyrillic post of ``x:b`` is
    # another network's. Given a relation of posts, it reads those and no others: here
    # both accounts' posts, so the Cyrillic trace counts.
    with _ws_with_posts([("Vote now 投票", "en")]) as ws:
        alone = attribute(ws, _dossier(OPERATOR_UTC8))
        everyone = ws.connection.sql("SELECT * FROM posts")
        given = attribute(ws, _dossier(OPERATOR_UTC8), everyone)
        members = ws.connection.sql("SELECT * FROM posts WHERE account_id = 'a'")
        same = attribute(ws, _dossier(OPERATOR_UTC8), members)
    assert alone == same
    assert alone["languages"] == [{"language": "en", "posts": 1}]
    assert not any("Cyrillic" in r for r in alone["reasons"])
    assert given["languages"] == [{"language": "en", "posts": 2}]
    assert "1 posts labelled as a Latin-script language contain Cyrillic text" in given["reasons"]


def test_a_key_without_a_platform_matches_no_post() -> None:
    # ``a`` is no ``platform:account_id`` key: no post is the network's, no language read.
    with _ws_with_posts([("hello", "en")]) as ws:
        dossier = _dossier({"hypothesis": "too few posts", "offset": None})
        dossier.members = ["a"]
        result = attribute(ws, dossier)
    assert result["languages"] == []
