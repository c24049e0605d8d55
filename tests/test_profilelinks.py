"""Declared profile links: resolution, cues, popular destinations, and attaching silent assets."""

from __future__ import annotations

import itertools
import json

import pytest

from cibwatch import Workspace
from cibwatch.detectors.profilelinks import ProfileLinkDetector
from cibwatch.errors import ConfigError
from cibwatch.networks import assemble_networks, attach_linked

PHOTO = "ff00ff00ff00ff00"


def _accounts(ws: Workspace, rows: list[tuple[str, str, str, str | None, str | None, str]]) -> None:
    """Insert (platform, account_id, handle, url, photo, display name) accounts."""
    ws.connection.executemany(
        "INSERT INTO accounts (platform, account_id, kind, handle, display_name, "
        "profile_image_hash, url, source_file, source_row) "
        "VALUES (?, ?, 'account', ?, ?, ?, ?, 'accounts.csv', ?)",
        [
            [platform, account_id, handle, name, photo, url, row]
            for row, (platform, account_id, handle, url, photo, name) in enumerate(rows, 1)
        ],
    )


def _links(ws: Workspace) -> list[tuple[str, str, float, bool]]:
    rows = ws.connection.execute(
        "SELECT subject_a, subject_b, strength, significant FROM evidence "
        "WHERE signal = 'profile_link' ORDER BY 1, 2"
    ).fetchall()
    return [(str(a), str(b), float(s), bool(sig)) for a, b, s, sig in rows]


def test_profile_urls_resolve_by_handle_or_id_on_the_platform_they_name() -> None:
    with Workspace() as ws:
        _accounts(
            ws,
            [
                ("facebook", "100", "Anna.Weber3", None, None, "Anna Weber"),
                ("facebook", "200", "page200", None, None, "Wahrheit Page"),
                ("x", "300", "klartext", None, None, "Klartext"),
                ("instagram", "1", "anna", "https://www.facebook.com/anna.weber3/", None, "A"),
                ("instagram", "2", "b", "https://m.facebook.com/profile.php?id=200", None, "B"),
                ("telegram", "3", "c", "twitter.com/@KLARTEXT?lang=de", None, "C"),
                # a news site, a facebook handle nobody has, a link to itself: no link
                ("instagram", "4", "d", "https://www.spiegel.de/politik", None, "D"),
                ("instagram", "5", "e", "https://facebook.com/nobody.here", None, "E"),
                ("instagram", "6", "self", "https://instagram.com/self", None, "F"),
            ],
        )
        result = ws.run_detector(ProfileLinkDetector())
        assert _links(ws) == [
            ("facebook:100", "instagram:1", 1.0, True),
            ("facebook:200", "instagram:2", 1.0, True),
            ("telegram:3", "x:300", 1.0, True),
        ]
        assert result.significant_rows == 3
        details = {
            str(a): json.loads(d)
            for a, d in ws.connection.execute(
                "SELECT subject_b, details FROM evidence WHERE signal = 'profile_link'"
            ).fetchall()
        }
        assert details["instagram:2"]["resolved_by"] == "id"
        assert details["instagram:1"]["resolved_by"] == "handle"
        # traceable: the source rows of both accounts
        assert details["instagram:1"]["rows"] == {
            "instagram:1": {"file": "accounts.csv", "row": 4},
            "facebook:100": {"file": "accounts.csv", "row": 1},
        }


def test_a_handle_two_accounts_share_links_nothing() -> None:
    with Workspace() as ws:
        _accounts(
            ws,
            [
                ("facebook", "100", "same", None, None, "One"),
                ("facebook", "101", "Same", None, None, "Two"),
                ("instagram", "1", "a", "https://facebook.com/same", None, "A"),
            ],
        )
        ws.run_detector(ProfileLinkDetector())
        assert _links(ws) == []


def test_corroborating_cues_raise_strength_and_a_mutual_link_is_one_pair() -> None:
    with Workspace() as ws:
        _accounts(
            ws,
            [
                ("facebook", "100", "anna.w", "https://instagram.com/anna_w", PHOTO, "Anna W"),
                ("instagram", "1", "anna_w", "https://facebook.com/anna.w", PHOTO, "anna w "),
            ],
        )
        ws.run_detector(ProfileLinkDetector())
        assert _links(ws) == [("facebook:100", "instagram:1", 4.0, True)]
        (explanation,) = ws.connection.execute(
            "SELECT explanation FROM evidence WHERE signal = 'profile_link'"
        ).fetchone() or ("",)
        assert "same profile photo" in explanation and "link back" in explanation


def test_a_profile_many_accounts_point_at_is_a_destination_not_an_owner() -> None:
    with Workspace() as ws:
        fans = [
            ("instagram", str(i), f"fan{i}", "https://facebook.com/bigpage", None, f"Fan {i}")
            for i in range(4)
        ]
        _accounts(ws, [("facebook", "9", "bigpage", None, None, "Big Page"), *fans])
        strict = ws.run_detector(ProfileLinkDetector(max_link_accounts=3))
        links = _links(ws)
        assert len(links) == 4 and not any(sig for *_, sig in links)
        assert (strict.evidence_rows, strict.significant_rows) == (4, 0)
        (why,) = ws.connection.execute(
            "SELECT explanation FROM evidence WHERE NOT significant LIMIT 1"
        ).fetchone() or ("",)
        assert "popular destination" in why
        lenient = ws.run_detector(ProfileLinkDetector(max_link_accounts=4))
        assert (lenient.evidence_rows, lenient.significant_rows) == (4, 4)


def test_bad_parameters_are_refused() -> None:
    with Workspace() as ws, pytest.raises(ConfigError):
        ws.run_detector(ProfileLinkDetector(max_link_accounts=0))


def _pair_evidence(
    ws: Workspace, signal: str, pairs: list[tuple[str, str]], strength: float = 1.0
) -> int:
    run_id = ws.start_run("detect", f"test-{signal}", {})
    ws.finish_run(run_id)
    ws.connection.executemany(
        "INSERT INTO evidence VALUES (?, ?, ?, 'pair', ?, ?, ?, 1e-9, 1e-9, true, "
        "'because', ['x'], '{}')",
        [[run_id, f"test-{signal}", signal, a, b, strength] for a, b in pairs],
    )
    return run_id


def test_a_silent_account_joins_the_network_its_link_points_into() -> None:
    ops = [f"facebook:op{i}" for i in range(5)]
    with Workspace() as ws:
        runs = [
            _pair_evidence(ws, "coaction", list(itertools.combinations(ops, 2))),
            _pair_evidence(
                ws,
                "profile_link",
                [
                    ("facebook:op1", "instagram:silent"),
                    # linked only to the silent account: one hop only, stays out
                    ("instagram:silent", "instagram:friend"),
                    # innocent linked pairs and a star of links: never a network
                    ("facebook:p1", "instagram:p1"),
                    *[("facebook:page", f"instagram:fan{i}") for i in range(6)],
                ],
                strength=2.0,
            ),
        ]
        (net,) = assemble_networks(ws, run_ids=runs)
        assert net.members == sorted([*ops, "instagram:silent"])
        assert net.summary["core_members"] == 5
        assert net.summary["attached"] == [
            {
                "account": "instagram:silent",
                "linked_to": ["facebook:op1"],
                "strength": 2.0,
                "signals": ["profile_link"],
            }
        ]
        stored = ws.query(
            "SELECT degree, strength FROM network_members WHERE account = 'instagram:silent'"
        )
        assert stored == [{"degree": 1, "strength": 2.0}]


def test_links_alone_make_no_network() -> None:
    with Workspace() as ws:
        run = _pair_evidence(
            ws, "profile_link", [("facebook:page", f"instagram:fan{i}") for i in range(10)]
        )
        assert assemble_networks(ws, run_ids=[run]) == []


def test_an_account_linked_into_two_networks_joins_the_more_strongly_linked() -> None:
    clusters = [["x:a1", "x:a2", "x:a3"], ["x:b1", "x:b2", "x:b3"]]
    links = [
        ("ig:s", "x:a1", 1.0, "profile_link"),
        ("x:b1", "ig:s", 1.0, "profile_link"),
        ("x:b2", "ig:s", 1.0, "profile_link"),
        ("x:a2", "x:b3", 1.0, "profile_link"),  # both ends are members: nothing to attach
    ]
    first, second = attach_linked(clusters, links)
    assert first == []
    assert [(a.account, a.members, a.strength) for a in second] == [("ig:s", ["x:b1", "x:b2"], 2.0)]
