"""What the API and the dashboard both show: networks of the latest assembly, cached.

Each function takes the :class:`~cibwatch.web.store.Store` and a read handle; anything
derived from the assembly alone (networks, dossiers, network page contents) comes from the
store's per-assembly cache, while case state is read fresh on every request.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import HTTPException
from fastapi.encoders import jsonable_encoder

from cibwatch.cases import Case, EnforcementAction, list_cases
from cibwatch.dossier import build_dossier
from cibwatch.networks import Network, stored_networks
from cibwatch.report.context import network_context
from cibwatch.web.models import ActionOut, CaseOut, NetworkOut
from cibwatch.web.store import Store
from cibwatch.workspace import Workspace


def networks_by_id(store: Store, ws: Workspace) -> dict[str, Network]:
    """The latest assembly's networks by id, best score first."""
    return store.assembled(
        ws, ("networks",), lambda w: {n.network_id: n for n in stored_networks(w)}
    )


def find_network(store: Store, ws: Workspace, network_id: str) -> Network:
    """The network ``network_id`` of the latest assembly, else HTTP 404."""
    net = networks_by_id(store, ws).get(network_id)
    if net is None:
        raise HTTPException(404, f"no network {network_id} in the latest assembly")
    return net


def network_rows(
    store: Store, ws: Workspace, min_score: float | None, platform: str | None
) -> list[NetworkOut]:
    """The network list, filtered, with each network's case status."""
    statuses = {c.network_id: c.status for c in list_cases(ws)}
    out = []
    for net in networks_by_id(store, ws).values():
        if min_score is not None and net.score < min_score:
            continue
        platforms = sorted({m.split(":", 1)[0] for m in net.members})
        if platform and platform not in platforms:
            continue
        out.append(
            NetworkOut(
                network_id=net.network_id,
                score=net.score,
                size=len(net.members),
                platforms=platforms,
                case_status=statuses.get(net.network_id),
            )
        )
    return out


def dossier_json(store: Store, ws: Workspace, network_id: str) -> dict[str, Any]:
    """The network's dossier as JSON-ready values (shared: callers must not change it)."""
    net = find_network(store, ws, network_id)

    def build(w: Workspace) -> dict[str, Any]:
        data: dict[str, Any] = jsonable_encoder(asdict(build_dossier(w, net)))
        return data

    return store.assembled(ws, ("dossier", network_id), build)


def page_context(store: Store, ws: Workspace, network_id: str) -> dict[str, Any]:
    """The network page's dossier, pictures and tactics (shared: read only)."""
    net = find_network(store, ws, network_id)
    return store.assembled(ws, ("context", network_id), lambda w: network_context(w, net))


def case_out(case: Case) -> CaseOut:
    return CaseOut(**asdict(case))


def action_out(action: EnforcementAction) -> ActionOut:
    data = asdict(action)
    data.pop("evidence", None)
    return ActionOut(**data)
