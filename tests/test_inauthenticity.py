"""Two axes and a verdict: coordination alone is never called CIB.

Hand-built workspaces: five accounts tied by significant co-action evidence (a clique), then
one inauthenticity cue at a time added to what the workspace knows about them, with the
verdict each cue (or its absence) must give.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cibwatch import Workspace
from cibwatch.detectors.coaction import CoActionDetector
from cibwatch.detectors.creation import CreationBurstDetector
from cibwatch.detectors.persona import PersonaDetector
from cibwatch.dossier import build_dossier
from cibwatch.inauthenticity import VERDICTS, judge
from cibwatch.networks import assemble_networks, stored_networks
from cibwatch.report.html import render_html_string
from cibwatch.report.markdown import render_markdown
from realdata_rule import shared_data_path

MEMBERS = [f"x:op{i}" for i in range(5)]


def _run(ws: Workspace, name: str) -> int:
    run_id = ws.start_run("detect", name, {})
    ws.finish_run(run_id)
    return run_id


def _coordinated(ws: Workspace) -> int:
    run_id = _run(ws, "coaction")
    details = json.dumps({"n_tests": 120, "per_type": {"url": {"n_objects": 4}}})
    ws.connection.executemany(
        "INSERT INTO evidence VALUES (?, 'coaction', 'coaction', 'pair', ?, ?, 4.0, 1e-8, 1e-6, "
        "true, 'shared 4 urls within seconds', ['url:u'], ?)",
        [[run_id, a, b, details] for a, b in itertools.combinations(MEMBERS, 2)],
    )
    return run_id


def _account_cue(ws: Workspace, signal: str, accounts: list[str]) -> int:
    run_id = _run(ws, signal)
    ws.connection.executemany(
        "INSERT INTO evidence VALUES (?, ?, ?, 'account', ?, NULL, 1.0, NULL, NULL, true, ?, "
        "[], '{}')",
        [[run_id, signal, signal, a, f"{a}: {signal}"] for a in accounts],
    )
    return run_id


def _assemble(ws: Workspace, runs: list[int]) -> dict[str, Any]:
    (net,) = assemble_networks(ws, run_ids=runs)
    assert net.members == MEMBERS
    return net.summary


def test_coordination_without_any_cue_is_its_own_verdict() -> None:
    with Workspace() as ws:
        summary = _assemble(ws, [_coordinated(ws)])
        assert summary["verdict"] == "coordinated_authentic"
        assert summary["verdict_label"] == "Coordinated, no sign of inauthenticity"
        coordination = summary["coordination"]
        assert coordination["strength"] == "strong"  # every pair tied, q = 1e-6
        assert coordination["pairs"] == 10 and coordination["n_tests"] == 120
        assert coordination["signals"] == [{"signal": "coaction", "pairs": 10, "best_q": 1e-6}]
        assert summary["inauthenticity"] == {"strength": "none", "cues": []}


def test_reused_photos_make_coordination_cib() -> None:
    with Workspace() as ws:
        runs = [_coordinated(ws)]
        run_id = _run(ws, "persona")
        runs.append(run_id)
        ws.connection.execute(
            "INSERT INTO evidence VALUES (?, 'persona', 'reused_photo', 'pair', 'x:op0', "
            "'x:op3', 1.0, NULL, NULL, true, 'x:op0 and x:op3 use the same profile photo', "
            "['photo:ab'], '{}')",
            [run_id],
        )
        summary = _assemble(ws, runs)
        assert summary["verdict"] == "cib"
        (cue,) = summary["inauthenticity"]["cues"]
        assert cue["cue"] == "reused_photo" and cue["strength"] == "strong"
        assert cue["accounts"] == 2 and cue["share"] == pytest.approx(0.4)
        assert cue["evidence"] == ["x:op0 and x:op3 use the same profile photo"]
        # Identity evidence is not behaviour: the coordination axis counts co-action only.
        assert summary["coordination"]["pairs"] == 10


def test_patterned_handles_alone_never_make_cib() -> None:
    with Workspace() as ws:
        runs = [_coordinated(ws), _account_cue(ws, "patterned_handle", MEMBERS)]
        summary = _assemble(ws, runs)
        assert summary["verdict"] == "coordinated_unclear"
        assert summary["inauthenticity"]["cues"][0]["strength"] == "moderate"


def test_two_moderate_cues_make_cib() -> None:
    with Workspace() as ws:
        runs = [
            _coordinated(ws),
            _account_cue(ws, "patterned_handle", MEMBERS),
            _account_cue(ws, "creation_burst", MEMBERS[:3]),  # 3 of 5: strong already
        ]
        summary = _assemble(ws, runs)
        assert summary["verdict"] == "cib"
        strengths = {c["cue"]: c["strength"] for c in summary["inauthenticity"]["cues"]}
        assert strengths == {"creation_burst": "strong", "patterned_handle": "moderate"}


def test_office_hours_far_from_the_claimed_place_are_a_cue() -> None:
    with Workspace() as ws:
        runs = [_coordinated(ws)]
        con = ws.connection
        con.executemany(
            "INSERT INTO accounts (platform, account_id, kind, handle, claimed_location, "
            "source_file, source_row, ingest_id) VALUES ('x', ?, 'account', ?, 'Houston, TX', "
            "'f', 1, 1)",
            [[m.split(":")[1], m.split(":")[1]] for m in MEMBERS],
        )
        # Moscow office hours (UTC+3, Monday-Friday 09:00-18:00, lunch at 13:00) over 8 weeks.
        monday = datetime(2024, 3, 4, 6, 0)
        rows = []
        for day in range(56):
            if day % 7 >= 5:
                continue
            for hour in (0, 1, 2, 3, 5, 6, 7, 8):
                for i, member in enumerate(MEMBERS):
                    at = monday + timedelta(days=day, hours=hour, minutes=7 * i)
                    rows.append([member.split(":")[1], f"{member}-{day}-{hour}", at])
        con.executemany(
            "INSERT INTO posts (platform, account_id, post_id, created_at, kind, source_file, "
            "source_row, ingest_id) VALUES ('x', ?, ?, ?, 'original', 'f', 1, 1)",
            rows,
        )
        summary = _assemble(ws, runs)
        (cue,) = summary["inauthenticity"]["cues"]
        assert cue["cue"] == "schedule_vs_place"
        assert "claim to be in Houston, TX (UTC-6)" in cue["evidence"][0]
        assert summary["verdict"] in ("cib", "coordinated_unclear")
        assert summary["verdict"] == (
            "cib" if cue["strength"] == "strong" else "coordinated_unclear"
        )


def test_dossier_and_stored_networks_carry_the_axes() -> None:
    with Workspace() as ws:
        runs = [_coordinated(ws), _account_cue(ws, "recidivism", ["x:op1"])]
        assemble_networks(ws, run_ids=runs)
        (net,) = stored_networks(ws)
        assert net.verdict == "cib" and net.is_cib
        assert net.verdict_label == VERDICTS["cib"]
        dossier = build_dossier(ws, net)
        assert dossier.verdict["verdict"] == "cib"
        assert dossier.verdict["label"] == "Coordinated inauthentic behaviour"
        assert dossier.coordination["strength"] == "strong"
        assert [c["cue"] for c in dossier.inauthenticity["cues"]] == ["recidivism"]


def test_networks_are_listed_cib_first_then_by_score() -> None:
    others = [f"x:fan{i}" for i in range(4)]
    with Workspace() as ws:
        run_id = _coordinated(ws)
        # A tighter clique of fans (better q, higher score) with no cue at all.
        ws.connection.executemany(
            "INSERT INTO evidence VALUES (?, 'coaction', 'coaction', 'pair', ?, ?, 9.0, 1e-20, "
            "1e-20, true, 'fans', ['url:f'], '{}')",
            [[run_id, a, b] for a, b in itertools.combinations(others, 2)],
        )
        cue = _account_cue(ws, "recidivism", ["x:op2"])
        nets = assemble_networks(ws, run_ids=[run_id, cue])
        assert [n.verdict for n in nets] == ["cib", "coordinated_authentic"]
        assert nets[0].score < nets[1].score
        assert [n.verdict for n in stored_networks(ws)] == ["cib", "coordinated_authentic"]


@pytest.mark.parametrize(
    ("coordination", "strengths", "verdict"),
    [
        ("strong", [], "coordinated_authentic"),
        ("moderate", ["weak"], "coordinated_unclear"),
        ("strong", ["moderate"], "coordinated_unclear"),
        ("strong", ["moderate", "moderate"], "cib"),
        ("moderate", ["strong"], "cib"),
        ("none", ["strong"], "inauthentic_uncoordinated"),
    ],
)
def test_verdict_rules(coordination: str, strengths: list[str], verdict: str) -> None:
    cues = [{"cue": f"c{i}", "strength": s} for i, s in enumerate(strengths)]
    assert judge({"strength": coordination}, cues)["verdict"] == verdict


def test_reports_show_cib_apart_from_coordinated_networks(tmp_path: Path) -> None:
    others = [f"x:fan{i}" for i in range(4)]
    with Workspace() as ws:
        run_id = _coordinated(ws)
        ws.connection.executemany(
            "INSERT INTO evidence VALUES (?, 'coaction', 'coaction', 'pair', ?, ?, 9.0, 1e-20, "
            "1e-20, true, 'fans', ['url:f'], '{}')",
            [[run_id, a, b] for a, b in itertools.combinations(others, 2)],
        )
        cue = _account_cue(ws, "recidivism", ["x:op2"])
        assemble_networks(ws, run_ids=[run_id, cue])
        html = render_html_string(ws)
        markdown = render_markdown(ws, tmp_path / "report.md").read_text(encoding="utf-8")
    for text in (html, markdown):
        cib = text.index("Coordinated inauthentic behaviour")
        apart = text.index("Coordinated, not shown to be inauthentic")
        assert cib < apart
        assert "Coordinated, no sign of inauthenticity" in text
        assert "no sign that the accounts are not who they claim" in text
        assert "assets of a past takedown returning" in text


def test_german_campaign_accounts_are_coordinated_and_not_called_inauthentic() -> None:
    # CooRTweet's german_elections (MIT, Righetti & Balluff 2025): parties' and candidates'
    # accounts in the 2021 federal campaign, sharing urls and images. Nothing in the data
    # says they are not who they claim, so no network may be called CIB.
    path = shared_data_path("coortweet", "german_elections.csv.gz")
    source = f"read_csv('{path}', all_varchar = true)"
    platform = "CASE WHEN account_id LIKE 'fb_%' THEN 'facebook' ELSE 'x' END"
    with Workspace() as ws:
        ws.connection.execute(
            f"INSERT INTO actions SELECT {platform} || ':' || account_id, kind, "
            "kind || ':' || object, to_timestamp(CAST(ts AS BIGINT))::TIMESTAMP, "
            f"{platform}, post_id FROM (SELECT account_id, 'url' AS kind, url_id AS object, "
            f"timestamp AS ts, post_id FROM {source} WHERE url_id <> '' UNION ALL SELECT "
            f"account_id, 'image', phash_id, timestamp, post_id FROM {source} "
            "WHERE phash_id <> '')"
        )
        runs = [
            ws.run_detector(CoActionDetector(window=30)).run_id,
            ws.run_detector(PersonaDetector()).run_id,
            ws.run_detector(CreationBurstDetector()).run_id,
        ]
        nets = assemble_networks(ws, run_ids=runs)
    assert sum(n.size for n in nets) >= 300  # found as coordinated
    assert {n.verdict for n in nets} == {"coordinated_authentic"}


def test_both_sides_is_one_moderate_cue_and_ignores_a_stray_account() -> None:
    sides = {
        "guns": {"gun-control": MEMBERS[:3], "gun-rights": MEMBERS[3:]},  # 3 and 2: both sides
        "immigration": {"open": MEMBERS[:2], "restrictive": MEMBERS[2:]},  # 2 and 3: both
        "abortion": {"pro-life": MEMBERS[:4], "pro-choice": MEMBERS[4:]},  # 1 stray: not
    }
    with Workspace() as ws:
        runs = [_coordinated(ws), _run(ws, "stance")]
        ws.connection.executemany(
            "INSERT INTO evidence VALUES (?, 'stance', 'both_sides', 'account', ?, NULL, 1.0, "
            "NULL, NULL, false, 'posts as a side', [], ?)",
            [
                [runs[1], account, json.dumps({"issue": issue, "side": side})]
                for issue, by_side in sides.items()
                for side, accounts in by_side.items()
                for account in accounts
            ],
        )
        summary = _assemble(ws, runs)
    (cue,) = summary["inauthenticity"]["cues"]
    assert cue["cue"] == "both_sides" and cue["strength"] == "moderate"
    assert cue["evidence"] == [
        "3 accounts pose as gun-control and 2 as gun-rights on guns",
        "3 accounts pose as restrictive and 2 as open on immigration",
    ]
    # Two issues are one tactic: one moderate cue, not enough for CIB on its own.
    assert summary["verdict"] == "coordinated_unclear"


def test_a_few_handles_with_digits_are_no_cue() -> None:
    with Workspace() as ws:
        runs = [_coordinated(ws), _account_cue(ws, "patterned_handle", MEMBERS[:1])]
        summary = _assemble(ws, runs)
        assert summary["inauthenticity"]["cues"] == []
        assert summary["verdict"] == "coordinated_authentic"
