"""What the API and the dashboard both show: networks of the latest assembly, cached.

Each function takes the :class:`~cibwatch.web.store.Store` and a read handle; anything
derived from the assembly alone (networks, dossiers, network page contents) comes from the
store's per-assembly cache. Answers that read case state are kept by :meth:`Store.view`
until a write changes a table in :data:`READS` (each write names its tables in
:data:`CHANGES`).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Final

from fastapi import HTTPException, Response
from pydantic_core import to_json

from cibwatch.cases import (
    Case,
    EnforcementAction,
    TakedownItem,
    export_takedown_csv,
    list_cases,
    network_names,
)
from cibwatch.csvsafe import write_rows
from cibwatch.dossier import build_dossier
from cibwatch.indicators.collect import collect
from cibwatch.indicators.platform_files import CLASSIC_COLUMNS, classic_rows
from cibwatch.indicators.stix_export import build_bundle, serialize_bundle
from cibwatch.narratives import NarrativeLinking, current_linking
from cibwatch.networks import Network, stored_networks
from cibwatch.report.context import network_context
from cibwatch.web.models import ActionOut, CaseOut, NetworkOut
from cibwatch.web.store import Store
from cibwatch.workspace import Workspace

#: Tables each kind of answer reads (``networks`` stands for the assembly).
READS: Final[dict[str, tuple[str, ...]]] = {
    "networks": ("cases", "networks", "network_names"),
    "dossier": ("networks",),
    "cases": ("cases",),
    "case": ("cases", "case_notes", "case_decisions"),
    "audit": ("case_audit",),
    "takedown": ("cases", "enforcement_actions", "networks", "network_names"),
}
#: Tables each kind of change writes (checked against the library by the store's tests).
CHANGES: Final[dict[str, tuple[str, ...]]] = {
    "open": ("cases", "case_audit"),
    "status": ("cases", "case_decisions", "case_audit"),
    "note": ("case_notes", "case_audit"),
    "rules": ("enforcement_actions", "case_audit"),
    "action": ("enforcement_actions", "case_audit"),
    "assign": ("cases", "case_audit"),
    "name": ("network_names", "case_audit"),
}
#: Orders the network list can be sorted by (the first is the default).
SORTS: Final = ("score", "size", "name", "status", "assignee")
#: Columns the takedown list can be sorted by, and each one's key (the first is the default).
#: Only these names are accepted; anything else falls back to the default.
TAKEDOWN_SORTS: Final[dict[str, Callable[[TakedownItem], tuple[str, ...]]]] = {
    "network": lambda i: ((i.network_name or i.network_id).lower(), i.platform, i.asset),
    "platform": lambda i: (i.platform, i.kind, i.asset),
    "kind": lambda i: (i.kind, i.platform, i.asset),
    "asset": lambda i: (i.asset,),
    "handle": lambda i: ((i.handle or "").lower(), i.asset),
    "name": lambda i: ((i.display_name or "").lower(), i.asset),
    "source": lambda i: (i.source, i.asset),
}


def sorted_takedown(
    items: list[TakedownItem], sort: str, *, descending: bool = False
) -> list[TakedownItem]:
    """The takedown list in the order of the column ``sort`` (a key of :data:`TAKEDOWN_SORTS`).

    An unknown column sorts by network: the name comes from the query string and is only
    ever looked up in the whitelist.
    """
    key = TAKEDOWN_SORTS.get(sort, TAKEDOWN_SORTS["network"])
    return sorted(items, key=key, reverse=descending)


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
    store: Store,
    ws: Workspace,
    min_score: float | None,
    platform: str | None,
    *,
    search: str | None = None,
    status: str | None = None,
    assignee: str | None = None,
    sort: str = "score",
    descending: bool = True,
) -> list[NetworkOut]:
    """The network list, filtered and sorted, with each network's name and case.

    ``search`` matches the id or the name (case-insensitive); ``status`` is a case status or
    ``none`` (no case yet); ``assignee`` a name or ``""`` for unassigned cases.
    """
    cases = {c.network_id: c for c in list_cases(ws)}
    names = network_names(ws)
    needle = (search or "").strip().lower()
    out = []
    for net in networks_by_id(store, ws).values():
        case = cases.get(net.network_id)
        name = names.get(net.network_id)
        if min_score is not None and net.score < min_score:
            continue
        platforms = sorted({m.split(":", 1)[0] for m in net.members})
        if platform and platform not in platforms:
            continue
        if needle and needle not in f"{net.network_id} {name or ''}".lower():
            continue
        if status and (case.status if case else "none") != status:
            continue
        if assignee is not None and (case is None or (case.assignee or "") != assignee):
            continue
        out.append(
            NetworkOut(
                network_id=net.network_id,
                name=name,
                score=net.score,
                size=len(net.members),
                platforms=platforms,
                case_status=case.status if case else None,  # type: ignore[arg-type]
                assignee=case.assignee if case else None,
                verdict=_text_or_none(net.summary.get("verdict")),
                verdict_label=_text_or_none(net.summary.get("verdict_label")),
            )
        )
    key = {
        "score": lambda n: (n.score, n.size),
        "size": lambda n: (n.size, n.score),
        "name": lambda n: ((n.name or n.network_id).lower(), 0),
        "status": lambda n: (n.case_status or "", n.score),
        "assignee": lambda n: (n.assignee or "", n.score),
    }[sort if sort in SORTS else "score"]
    out.sort(key=key, reverse=descending)
    return out


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def linking(store: Store, ws: Workspace) -> NarrativeLinking:
    """The latest assembly's narratives across languages, computed once for every dossier.

    The kept linking answers through the handle of the thread that computed it; it is bound
    to ``ws``, this thread's handle, because DuckDB refuses a connection busy in another thread.
    """
    return store.assembled(ws, ("narrative linking",), current_linking).bound(ws)


def dossier_bytes(store: Store, ws: Workspace, network_id: str) -> bytes:
    """The network's dossier as encoded JSON, computed once per assembly."""
    net = find_network(store, ws, network_id)

    def build(w: Workspace) -> bytes:
        return encode(with_zone(asdict(build_dossier(w, net, linking=linking(store, w)))))

    return store.assembled(ws, ("dossier", network_id), build)


def with_zone(value: Any) -> Any:
    """``value`` with every naive datetime inside marked UTC (the workspace's convention)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, dict):
        return {k: with_zone(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [with_zone(v) for v in value]
    return value


def encode(value: Any) -> bytes:
    """``value`` (models, dataclasses, dates...) as JSON; NaN and infinities as null."""
    return to_json(value, inf_nan_mode="null")


def json_response(body: bytes) -> Response:
    """An answer of already encoded JSON."""
    return Response(body, media_type="application/json")


def page_context(store: Store, ws: Workspace, network_id: str) -> dict[str, Any]:
    """The network page's dossier, pictures and tactics (shared: read only)."""
    net = find_network(store, ws, network_id)
    return store.assembled(
        ws, ("context", network_id), lambda w: network_context(w, net, linking=linking(store, w))
    )


def takedown_csv(
    ws: Workspace,
    *,
    platform: str | None = None,
    kind: str | None = None,
    network_ids: list[str] | None = None,
) -> str:
    """The takedown list as CSV text (formula-safe, like ``cibwatch cases takedown``)."""
    out = io.StringIO()
    export_takedown_csv(ws, out, platform=platform, kind=kind, network_ids=network_ids)
    return out.getvalue()


def csv_download(text: str, filename: str) -> Response:
    """A CSV answer the browser saves as ``filename``."""
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def network_indicators(ws: Workspace, network_id: str, fmt: str) -> str:
    """One network's indicators as the platforms' CSV (``csv``) or STIX 2.1 (``stix.json``).

    Unless the network's case is confirmed, the file says the indicators are unreviewed.
    """
    shareable = collect(ws, [network_id], include="all")
    if fmt == "csv":
        out = io.StringIO()
        write_rows(
            out,
            CLASSIC_COLUMNS,
            classic_rows(shareable.indicators(), shareable.assembled_at.date().isoformat()),
        )
        return out.getvalue()
    return serialize_bundle(build_bundle(shareable))


def case_out(case: Case) -> CaseOut:
    return CaseOut(**asdict(case))


def action_out(action: EnforcementAction) -> ActionOut:
    data = asdict(action)
    data.pop("evidence", None)
    return ActionOut(**data)


def warm(store: Store, stop: threading.Event) -> int:
    """Compute the latest assembly's network list, dossiers and pages ahead of requests.

    Run on a thread when the service starts, so that the first analysts do not wait for a
    large network's dossier (and requests arriving meanwhile wait for the computation in
    progress rather than repeat it). Stops early when ``stop`` is set; returns how many
    networks were prepared.
    """
    done = 0
    with store.read() as ws:
        for network_id in networks_by_id(store, ws):
            if stop.is_set():
                break
            dossier_bytes(store, ws, network_id)
            page_context(store, ws, network_id)
            done += 1
    return done
