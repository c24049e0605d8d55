"""The synthetic world's state outlet: the investigation finds who repeats its claims, and when.

The world plants a state outlet's Telegram channel (in no operation) whose claims the
Doppelganger-like operation repeats in German days later and the Spamouflage-like one in
English later still (``ground_truth.json``, key ``narratives``). After a full investigation,
the ``narrative`` unit must tie each translated repeat to its source claim and report the
lags with the right direction and a delay within a day of the planted one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cibwatch.narratives import link_narratives, narrative_overlaps
from cibwatch.networks import stored_networks
from cibwatch.pipeline import investigate
from cibwatch.synthetic.sources import CLAIMS, DELAY_DAYS
from cibwatch.synthetic.world import generate_world
from cibwatch.workspace import Workspace

TOLERANCE_DAYS = 1.0


@pytest.fixture(scope="module")
def investigated(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Workspace, dict[str, Any]]:
    root = tmp_path_factory.mktemp("narrative-world")
    world = generate_world(root / "world", posts=3_000, seed=11)
    ws = Workspace(str(root / "ws.duckdb"))
    investigate([root / "world"], ws, root / "out")
    truth = json.loads(world.ground_truth_path.read_text(encoding="utf-8"))
    return ws, truth


def _network_of(ws: Workspace, truth: dict[str, Any]) -> dict[str, str]:
    """Each planted operation's network: the stored network holding most of its accounts."""
    out = {}
    for group in truth["groups"]:
        keys = {k for kinds in group["accounts"].values() for ks in kinds.values() for k in ks}
        best = max(stored_networks(ws), key=lambda n: len(keys & set(n.members)))
        if len(keys & set(best.members)) > len(keys) / 2:
            out[group["id"]] = best.network_id
    return out


def test_truth_names_each_claim_its_source_and_delayed_repeats(
    investigated: tuple[Workspace, dict[str, Any]],
) -> None:
    _, truth = investigated
    claims = {c["claim"]: c for c in truth["narratives"]}
    assert set(claims) == {c.id for c in CLAIMS}
    source = truth["sources"][0]
    assert claims["claim-1"]["source"] in source["accounts"]["telegram"]["channel"]
    repeated = {
        (c["claim"], r["group"], r["language"]) for c in claims.values() for r in c["repeats"]
    }
    assert repeated == {
        ("claim-1", "op_b_doppelganger", "de"),
        ("claim-1", "op_a_spamouflage", "en"),
        ("claim-2", "op_b_doppelganger", "de"),
        ("claim-2", "op_a_spamouflage", "en"),
        ("claim-3", "op_b_doppelganger", "de"),
    }
    for claim in claims.values():
        for repeat in claim["repeats"]:
            # planted on the first working day at or after the operation's delay
            assert DELAY_DAYS[repeat["group"]] - 1 < repeat["delay_days"] < 12


def test_translated_repeats_are_linked_to_their_source_claim_and_nothing_else(
    investigated: tuple[Workspace, dict[str, Any]],
) -> None:
    ws, truth = investigated
    linking = link_narratives(ws)
    planted = {
        c["claim"]: set(c["source_posts"]) | {p for r in c["repeats"] for p in r["posts"]}
        for c in truth["narratives"]
    }
    narrative_of = {}
    for claim, posts in planted.items():
        narratives = {linking.post_narrative[p] for p in posts}
        assert len(narratives) == 1, claim  # every version and repeat in one narrative
        narrative_of[claim] = narratives.pop()
        members = {p for p, n in linking.post_narrative.items() if n == narrative_of[claim]}
        assert members == posts, claim  # and nothing else in it
    assert len(set(narrative_of.values())) == len(planted)
    assert set(linking.languages[narrative_of["claim-1"]]) == {"de", "en", "ru"}


def test_investigation_finds_the_lags_with_direction_and_delay(
    investigated: tuple[Workspace, dict[str, Any]],
) -> None:
    ws, truth = investigated
    network = _network_of(ws, truth)
    assert {"op_a_spamouflage", "op_b_doppelganger"} <= set(network)
    found = {
        (o["leader"], o["follower"]): o
        for o in narrative_overlaps(ws, unit="narrative", min_shared=1)
    }
    outlet = truth["narratives"][0]["source"]
    expected: dict[tuple[str, str], list[float]] = {}
    for claim in truth["narratives"]:
        firsts = {r["group"]: r for r in claim["repeats"]}
        for group, repeat in firsts.items():
            expected.setdefault((outlet, network[group]), []).append(repeat["delay_days"])
        if {"op_a_spamouflage", "op_b_doppelganger"} <= set(firsts):
            # op (a) repeats op (b)'s version of the claim: the gap between their delays
            gap = (
                firsts["op_a_spamouflage"]["delay_days"] - firsts["op_b_doppelganger"]["delay_days"]
            )
            key = (network["op_b_doppelganger"], network["op_a_spamouflage"])
            expected.setdefault(key, []).append(gap)
    for pair, delays in expected.items():
        assert pair in found, pair
        lags = found[pair]["lags_days"]
        assert len(lags) == len(delays)
        for lag, delay in zip(lags, sorted(delays), strict=True):
            assert abs(lag - delay) <= TOLERANCE_DAYS
        assert found[pair]["leader_kind"] == ("source" if pair[0] == outlet else "network")
    # never the wrong way round: no operation leads the outlet, op (a) never leads op (b)
    assert all(follower != outlet for _, follower in found)
    reverse = (network["op_a_spamouflage"], network["op_b_doppelganger"])
    assert reverse not in found
    # the report's default (two shared narratives) keeps the outlet's lags to both
    kept = {(o["leader"], o["follower"]) for o in narrative_overlaps(ws, unit="narrative")}
    assert {(outlet, network["op_b_doppelganger"]), (outlet, network["op_a_spamouflage"])} <= kept


def test_the_outlet_is_in_no_network(investigated: tuple[Workspace, dict[str, Any]]) -> None:
    ws, truth = investigated
    outlet = truth["narratives"][0]["source"]
    assert all(outlet not in n.members for n in stored_networks(ws))
