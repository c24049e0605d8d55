"""Narratives across operations: first appearances and lagged overlaps, built by hand.

The world of these tests: a state outlet's channel (``telegram:outlet``, in no network)
posts two claims on day 0; network A (``x:a1``, ``x:a2``) repeats both on day 2; network B
(``facebook:b1``, ``facebook:b2``) repeats both on day 10. So A follows the source by 2 days,
B follows A by 8 days and the source by 10, and nobody follows B.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cibwatch.errors import ConfigError
from cibwatch.narratives import narrative_overlaps, network_narratives
from cibwatch.workspace import Workspace

T0 = datetime(2024, 6, 3, 8, 0, 0)
NETWORKS = {"N-a": ["x:a1", "x:a2"], "N-b": ["facebook:b1", "facebook:b2"]}
CLAIMS = {
    "tc-1": "Sanctions hurt Europe more than Russia, say experts",
    "tc-2": "Aid to Ukraine disappears into corruption, leaked memo shows",
}


def _post(ws: Workspace, account: str, post_id: str, t: datetime, cluster: str) -> None:
    platform, account_id = account.split(":", 1)
    ws.connection.execute(
        "INSERT INTO posts (platform, post_id, account_id, created_at, text) "
        "VALUES (?, ?, ?, ?, ?)",
        [platform, post_id, account_id, t, CLAIMS.get(cluster, "other text")],
    )
    ws.connection.execute(
        "INSERT INTO actions VALUES (?, 'text_cluster', ?, ?, ?, ?)",
        [account, cluster, t, platform, post_id],
    )


def _world(ws: Workspace) -> None:
    for n, cluster in enumerate(CLAIMS):
        hour = timedelta(hours=n)
        _post(ws, "telegram:outlet", f"o{n}", T0 + hour, cluster)
        _post(ws, "x:a1", f"a1-{n}", T0 + timedelta(days=2) + hour, cluster)
        _post(ws, "x:a2", f"a2-{n}", T0 + timedelta(days=3) + hour, cluster)
        _post(ws, "facebook:b1", f"b1-{n}", T0 + timedelta(days=10) + hour, cluster)
        _post(ws, "facebook:b2", f"b2-{n}", T0 + timedelta(days=11) + hour, cluster)
    # network A's own message, posted by it alone: no overlap, but its top narrative
    for k in range(3):
        _post(ws, "x:a1", f"own{k}", T0 + timedelta(days=4, hours=k), "tc-own")


def test_lags_follow_the_first_appearance_with_the_right_direction() -> None:
    with Workspace() as ws:
        _world(ws)
        found = {(o["leader"], o["follower"]): o for o in narrative_overlaps(ws, NETWORKS)}
        # exactly three directed overlaps: source->A, A->B, source->B; never B->A or A->source
        assert set(found) == {
            ("telegram:outlet", "N-a"),
            ("N-a", "N-b"),
            ("telegram:outlet", "N-b"),
        }
        source_a = found[("telegram:outlet", "N-a")]
        assert source_a["leader_kind"] == "source"
        assert source_a["shared"] == 2
        assert source_a["lag_days_median"] == source_a["lag_days_min"] == 2.0
        a_b = found[("N-a", "N-b")]
        assert a_b["leader_kind"] == "network"
        # B's first post of each claim (b1, day 10) minus A's first (a1, day 2): 8 days
        assert a_b["lags_days"] == [8.0, 8.0]
        assert a_b["reverse"] == 0
        assert "network N-b repeats network N-a's narratives 8 days later" in a_b["sentence"]
        assert found[("telegram:outlet", "N-b")]["lag_days_median"] == 10.0
        first = a_b["examples"][0]
        assert (first["narrative"], first["leader_post"], first["follower_post"]) == (
            "tc-1",
            "x:a1-0",
            "facebook:b1-0",
        )
        assert first["text"] == CLAIMS["tc-1"]


def test_min_shared_drops_single_narrative_overlaps_and_membership_changes_the_source() -> None:
    with Workspace() as ws:
        _world(ws)
        assert narrative_overlaps(ws, NETWORKS, min_shared=3) == []
        # with the outlet inside network A, A is first: B follows A by 10 days, no source
        merged = {"N-a": ["telegram:outlet", "x:a1", "x:a2"], "N-b": NETWORKS["N-b"]}
        overlaps = narrative_overlaps(ws, merged)
        assert [(o["leader"], o["follower"], o["lag_days_median"]) for o in overlaps] == [
            ("N-a", "N-b", 10.0)
        ]


def test_network_narratives_lists_top_narratives_with_first_appearance_overall() -> None:
    with Workspace() as ws:
        _world(ws)
        top = network_narratives(ws, NETWORKS["N-a"], top=2)
        # tc-own has 3 member posts; tc-1 and tc-2 have 2 each (tc-1 first seen earlier)
        assert [n["narrative"] for n in top] == ["tc-own", "tc-1"]
        own, claim = top
        assert own["first_overall"]["by_member"] is True
        assert (own["posts"], own["accounts"], own["platforms"]) == (3, 1, ["x"])
        assert claim["first_overall"]["account"] == "telegram:outlet"
        assert claim["first_overall"]["by_member"] is False
        assert claim["first_seen"]["post"] == "x:a1-0"
        assert claim["first_seen"]["time"] == T0 + timedelta(days=2)
        assert claim["text"] == CLAIMS["tc-1"]


def test_stored_networks_are_the_default_and_an_empty_workspace_has_no_overlaps() -> None:
    with Workspace() as ws:
        assert narrative_overlaps(ws) == []
        assert network_narratives(ws, ["x:nobody"]) == []


@pytest.mark.parametrize("unit", ["hashtag", "story"])
def test_unknown_units_are_refused(unit: str) -> None:
    with Workspace() as ws, pytest.raises(ConfigError):
        narrative_overlaps(ws, NETWORKS, unit=unit)


def test_mixed_directions_are_reported_both_ways_with_reverse_counts() -> None:
    with Workspace() as ws:
        # A is first on tc-1 and tc-2 (B one day later); B is first on tc-3 and tc-4 (A three
        # days later): two overlaps, one per direction, each counting the other as reverse
        for n in range(4):
            a_first = n < 2
            lag = timedelta(days=1 if a_first else 3)
            lead, follow = ("x:a1", "facebook:b1") if a_first else ("facebook:b1", "x:a1")
            _post(ws, lead, f"l{n}", T0 + timedelta(days=n), f"tc-{n + 1}")
            _post(ws, follow, f"f{n}", T0 + timedelta(days=n) + lag, f"tc-{n + 1}")
        found = {
            (o["leader"], o["follower"]): (o["shared"], o["lag_days_median"], o["reverse"])
            for o in narrative_overlaps(ws, NETWORKS)
        }
        assert found == {("N-a", "N-b"): (2, 1.0, 2), ("N-b", "N-a"): (2, 3.0, 2)}


def test_narratives_no_network_posted_change_no_overlap() -> None:
    """Outside sources leading narratives no network repeats are no leaders of anyone:
    the overlaps with them are exactly those without them."""
    with Workspace() as ws:
        _world(ws)
        before = narrative_overlaps(ws, NETWORKS)
        # an outlet first on two narratives only outsiders repeat, and on one of the claims
        # a network repeats only after the real outlet (so the outlet stays the leader)
        for k in range(2):
            _post(ws, "vk:elsewhere", f"e{k}", T0 - timedelta(days=5), f"tc-outside-{k}")
            _post(ws, "vk:reader", f"r{k}", T0 - timedelta(days=4), f"tc-outside-{k}")
        _post(ws, "vk:late", "late0", T0 + timedelta(days=20), "tc-1")
        assert narrative_overlaps(ws, NETWORKS) == before
        assert {o["leader"] for o in before} == {"telegram:outlet", "N-a"}
