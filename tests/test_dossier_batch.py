"""Dossiers built together (one read of the posts for all networks) equal dossiers built
one network at a time."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from cibwatch.dossier import build_dossier, build_dossiers
from cibwatch.narratives import NarrativeLinking
from cibwatch.networks import Network
from cibwatch.workspace import Workspace

T0 = datetime(2024, 3, 4, 9, 0, 0)


def _post(ws: Workspace, platform: str, account_id: str, n: int, **extra: object) -> None:
    cols: dict[str, object] = {"platform": platform, "post_id": f"{account_id}-{n}"}
    cols["account_id"] = account_id
    cols |= {"created_at": T0 + timedelta(hours=7 * n), "text": f"post {n} <b>x</b>"} | extra
    ws.connection.execute(
        f"INSERT INTO posts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        list(cols.values()),
    )


def test_dossiers_built_together_equal_those_built_alone() -> None:
    with Workspace() as ws:
        # two networks sharing one account, the same account id on two platforms (only one
        # a member), an id with a colon, an outsider, and an ad with its spend
        for n in range(6):
            _post(ws, "x", "1", n, language="de", domains=["a.example"])
            _post(ws, "facebook", "1", n, language="en", hashtags=["#h"])
            _post(ws, "telegram", "a:b", n, language="ru")
            _post(ws, "x", "9", n, language="fr")
        _post(ws, "facebook", "1", 99, kind="ad", currency="EUR", ad_spend_min=10, ad_spend_max=20)
        networks = [
            Network("N-1", 1, ["x:1", "telegram:a:b"], 1.0, {}, {"evidence_runs": []}),
            Network("N-2", 1, ["x:1", "facebook:1"], 2.0, {}, {"evidence_runs": []}),
            Network("N-3", 1, ["vk:none"], 0.5, {}, {"evidence_runs": []}),
        ]
        linking = NarrativeLinking()
        together = build_dossiers(ws, networks, linking=linking)
        for network in networks:
            alone = build_dossier(ws, network, linking=linking)
            assert asdict(together[network.network_id]) == asdict(alone)
        assert together["N-2"].activity["posts"] == 13
        assert together["N-2"].ad_spend[0]["spend_max"] == 20
        assert together["N-1"].activity["languages"] == ["de", "ru"]
        assert together["N-3"].activity["posts"] == 0
