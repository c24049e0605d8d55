"""LookalikeDomainDetector over the workspace ``posts`` table."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from cibwatch.detectors.lookalike import LookalikeDomainDetector, impersonated_brands
from cibwatch.errors import ConfigError
from cibwatch.workspace import Workspace

# (platform, post_id, account_id, created_at, domains). Accounts a1 and a2 push the
# Spiegel copy; a3 pushes a generated family whose newest name appears after the block.
POSTS = [
    ("x", "1", "a1", datetime(2022, 6, 1, 8), ["spiegel.ltd", "spiegel.de"]),
    ("x", "2", "a2", datetime(2022, 6, 3, 9), ["WWW.Spiegel.ltd"]),
    ("fb", "3", "a1", datetime(2022, 6, 2), ["bild.pics"]),
    ("x", "4", "a3", datetime(2022, 6, 1), ["kvartal.ltd"]),
    ("x", "5", "a3", datetime(2022, 6, 5), ["kvratal.pics"]),
    ("x", "6", "a3", datetime(2022, 7, 1), ["kvartall.top", "not a domain"]),
    ("x", "7", "a4", datetime(2022, 6, 1), ["example.org", "zeit.de"]),
    ("x", "8", "a4", datetime(2022, 6, 1), None),
]


@pytest.fixture()
def ws() -> Workspace:
    w = Workspace()
    w.connection.executemany(
        "INSERT INTO posts (platform, post_id, account_id, created_at, domains) "
        "VALUES (?, ?, ?, ?, ?)",
        POSTS,
    )
    return w


def _evidence(ws: Workspace) -> dict[str, dict[str, object]]:
    rows = ws.query("SELECT * FROM evidence WHERE detector = 'lookalike_domains'")
    return {str(r["subject_a"]): r for r in rows}


def test_impersonation_evidence(ws: Workspace) -> None:
    result = ws.run_detector(LookalikeDomainDetector(block_date=datetime(2022, 6, 10)))
    ev = _evidence(ws)
    assert set(ev) == {"spiegel.ltd", "bild.pics", "kvartal.ltd", "kvratal.pics", "kvartall.top"}
    row = ev["spiegel.ltd"]
    assert row["subject_kind"] == "domain" and row["significant"] is True
    assert row["explanation"] == (
        "spiegel.ltd imitates Der Spiegel (spiegel.de): brand label on another TLD"
    )
    assert row["proof"] == ["x:1", "x:2"]
    details = json.loads(str(row["details"]))
    assert details["brand"] == "spiegel.de"
    assert details["technique"] == "brand-on-other-tld"
    assert details["accounts"] == ["x:a1", "x:a2"]
    assert details["first_seen"] == "2022-06-01T08:00:00"
    assert details["last_seen"] == "2022-06-03T09:00:00"
    assert result.summary["impersonated_brands"] == ["bild.de", "spiegel.de"]
    assert result.significant_rows == 5


def test_family_evidence_and_persistence(ws: Workspace) -> None:
    result = ws.run_detector(LookalikeDomainDetector(block_date=datetime(2022, 6, 10)))
    row = _evidence(ws)["kvratal.pics"]
    details = json.loads(str(row["details"]))
    assert details["family"] == "kvartal"
    assert details["family_persistent"] is True
    assert details["accounts"] == ["x:a3"]
    assert result.summary["persistent_families"] == ["kvartal"]
    assert "generated domain family 'kvartal'" in str(row["explanation"])


def test_proof_is_capped(ws: Workspace) -> None:
    ws.run_detector(LookalikeDomainDetector(max_proof=1))
    assert _evidence(ws)["spiegel.ltd"]["proof"] == ["x:1"]


def test_run_is_logged_and_params_validated(ws: Workspace) -> None:
    with pytest.raises(ConfigError):
        ws.run_detector(LookalikeDomainDetector(min_score=2.0))
    with pytest.raises(ConfigError):
        ws.run_detector(LookalikeDomainDetector(replace_brands=True))
    ws.run_detector(LookalikeDomainDetector())
    last = ws.runs()[-1]
    assert last["name"] == "lookalike_domains" and last["status"] == "ok"


def test_impersonated_brands_per_network(ws: Workspace) -> None:
    assert impersonated_brands(ws) == []  # the detector has not run yet
    ws.run_detector(LookalikeDomainDetector())
    everyone = impersonated_brands(ws)
    assert [(h.brand, h.accounts) for h in everyone] == [
        ("spiegel.de", ("x:a1", "x:a2")),
        ("bild.de", ("fb:a1",)),  # post 3 was on Facebook
    ]
    assert everyone[0].brand_name == "Der Spiegel"
    assert everyone[0].domains == ("spiegel.ltd",)
    network = impersonated_brands(ws, ["x:a2", "x:a3"])
    assert [(h.brand, h.accounts) for h in network] == [("spiegel.de", ("x:a2",))]


def test_candidates_are_corroborated_by_network_evidence_and_languages() -> None:
    # polskieradio24.net: Polskie Radio 24's exact label on .net scores 0.55, a candidate.
    # Its two linking accounts already share significant pair evidence of another detector
    # (inserted here by hand), which adds 0.10. delfi.top is linked by Latvian-language
    # posts: of the three Delfi outlets, the posts' language gives Delfi Latvia the point.
    w = Workspace()
    w.connection.executemany(
        "INSERT INTO posts (platform, post_id, account_id, created_at, language, domains) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("x", "1", "b1", datetime(2023, 8, 20), "pl", ["polskieradio24.net"]),
            ("x", "2", "b2", datetime(2023, 8, 21), "pl", ["polskieradio24.net"]),
            ("x", "3", "b3", datetime(2023, 8, 22), "lv", ["delfi.top"]),
        ],
    )
    w.run_detector(LookalikeDomainDetector())
    first = json.loads(str(_evidence(w)["polskieradio24.net"]["details"]))
    assert (first["verdict"], first["confidence"]) == ("unrelated", "low")
    delfi = json.loads(str(_evidence(w)["delfi.top"]["details"]))
    assert (delfi["brand"], delfi["runner_up"]) == ("delfi.lv", "delfi.lt")
    w.connection.execute(
        "INSERT INTO evidence (run_id, detector, signal, subject_kind, subject_a, subject_b, "
        "strength, significant, explanation) VALUES (0, 'coaction', 'coaction', 'pair', "
        "'x:b1', 'x:b2', 5.0, true, 'hand-made pair')"
    )
    w.run_detector(LookalikeDomainDetector())
    rows = w.query(
        "SELECT subject_a, significant, strength, details FROM evidence "
        "WHERE detector = 'lookalike_domains' AND run_id = (SELECT max(run_id) FROM evidence "
        "WHERE detector = 'lookalike_domains')"
    )
    row = next(r for r in rows if r["subject_a"] == "polskieradio24.net")
    details = json.loads(str(row["details"]))
    assert (row["significant"], row["strength"], details["verdict"]) == (
        True,
        0.65,
        "impersonation",
    )
    assert "linked by 2 accounts of a coordinated network (+0.10)" in details["reasons"]
