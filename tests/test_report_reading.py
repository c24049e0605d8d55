"""The sentences the report and the dashboard write from a dossier.

The dossier below is hand-built: 3 accounts on two platforms, co-action between them, one
look-alike domain, ads in euros, an office schedule and a verdict; each test names the words
a reader must find.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from cibwatch.report.reading import (
    attribution_sentences,
    executive_summary,
    network_brief,
    network_summary,
    q_text,
    score_sentence,
    when,
)

DOSSIER: dict[str, Any] = {
    "network_id": "N-0000abcd",
    "score": 0.71,
    "score_parts": {"coordination": 0.8, "density": 0.5, "breadth": 1.0, "lookalike": 0.33},
    "members": ["x:1", "x:2", "facebook:3"],
    "assets": [
        {"platform": "x", "kind": "account", "assets": 2, "followers": 10},
        {"platform": "facebook", "kind": "page", "assets": 1, "followers": 900},
    ],
    "activity": {"posts": 120, "first_post": "2024-03-04 06:13:01", "last_post": "2024-03-29"},
    "evidence_by_signal": [{"signal": "coaction", "pairs": 3, "best_q": 1e-40}],
    "lookalike_domains": [{"domain": "spiegel.ltd"}],
    "targets": [{"kind": "country", "target": "Germany"}],
    "ad_spend": [{"currency": "EUR", "spend_min": 100, "spend_max": 499, "ads": 4}],
    "schedule": {"sentence": "100% of posts Monday-Friday 08:00-17:00 at UTC+2. Claims Berlin."},
    "attribution": {
        "wording": "Consistent with operators in UTC+2. Not attributed to a government.",
        "confidence": "medium",
        "operator_offset": 2,
        "reasons": ["posts follow an office shift at UTC+2"],
        "languages": [{"language": "de", "posts": 100}],
    },
    "verdict": {"verdict": "cib", "label": "Coordinated inauthentic behaviour", "reason": "x"},
}


def test_the_summary_says_who_what_where_how_big_how_found() -> None:
    text = network_summary(DOSSIER, "Spiegel look-alikes")
    assert text.startswith("Spiegel look-alikes (N-0000abcd) is 3 accounts (2 on x and 1 on ")
    assert "posted 120 posts between 2024-03-04 and 2024-03-29" in text
    assert "acted on the same objects within seconds of each other (3 pairs)" in text
    assert "1 look-alike domain (spiegel.ltd)" in text and "It targets Germany." in text
    assert "EUR 100-499 on 4 ads" in text
    assert "Schedule: 100% of posts Monday-Friday 08:00-17:00 at UTC+2." in text
    assert "Claims Berlin" not in text, "the schedule's first sentence only"
    counted = dict(DOSSIER, schedule={"sentence": "1904 posts: an office shift at UTC+3. More."})
    assert "Schedule (1904 posts): an office shift at UTC+3." in network_summary(counted)
    assert "(medium confidence): Consistent with operators in UTC+2." in text
    assert "Not attributed" not in text, "the full wording is the attribution section's"
    assert "Verdict: Coordinated inauthentic behaviour." in text and text.endswith("of 1.")


def test_the_executive_summary_states_the_case_status() -> None:
    paragraphs = executive_summary([DOSSIER], {"posts": 9000, "accounts": 400}, {}, {})
    assert paragraphs[0].startswith("We examined 9,000 posts by 400 accounts and found 1 network")
    assert paragraphs[1].endswith("Not reviewed by an analyst yet.")
    assert "Operators most likely work in UTC+2 (medium confidence)" in paragraphs[1]
    reviewed = executive_summary(
        [DOSSIER], {"posts": 9000, "accounts": 400}, {}, {"N-0000abcd": "confirmed_cib"}
    )
    assert reviewed[1].endswith("Case status: confirmed cib.")
    assert network_brief(DOSSIER, "Op").startswith("Op (N-0000abcd): 3 accounts on facebook and x")


def test_numbers_and_times_read_as_words_a_person_uses() -> None:
    assert q_text(4.1e-158) == "below 1e-30"
    assert q_text(None) == "not tested"
    assert q_text(0.0032) == "0.0032"
    assert when(datetime(2024, 3, 4, 6, 13, 1, 999)) == "2024-03-04 06:13 UTC"
    berlin = datetime(2024, 3, 4, 7, 13, tzinfo=timezone(timedelta(hours=1)))
    assert when(berlin) == "2024-03-04 06:13 UTC", "another zone is shown in UTC"
    assert when(datetime(2024, 3, 4, tzinfo=UTC)) == "2024-03-04 00:00 UTC"
    assert score_sentence(0.71, {"coordination": 0.8}) == "Score 0.71 = 0.5 x coordination 0.80."


def test_attribution_in_sentences_and_when_there_is_none() -> None:
    said = attribution_sentences(DOSSIER["attribution"])
    assert said[0] == (
        "Consistent with operators in UTC+2. Not attributed to a government. Confidence: medium."
    )
    assert said[1] == "Why: posts follow an office shift at UTC+2."
    assert said[2] == "Languages of its posts: de (100 posts)."
    assert attribution_sentences({})[0].startswith("No attribution hypothesis")
