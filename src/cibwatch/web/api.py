"""The REST API under ``/api``: networks, cases, the audit log and enforcement.

Every handler is a plain function, which FastAPI runs on its thread pool; reads use the
thread's own workspace handle and writes the store's single writing connection (see
:mod:`cibwatch.web.store`). The actor of every change is the token's name, never a field of
the request.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Response

from cibwatch.cases import (
    add_note,
    approve_action,
    assign,
    audit_log,
    case_decisions,
    case_notes,
    decide,
    get_case,
    list_cases,
    name_network,
    open_cases,
    reject_action,
    run_rules,
    set_status,
    takedown_list,
)
from cibwatch.cases.enforcement import RecidivismRule
from cibwatch.web.access import Admin, Analyst, Viewer, Workspaces
from cibwatch.web.models import (
    ActionDecisionIn,
    ActionOut,
    AssignIn,
    AuditOut,
    CaseDetailOut,
    CaseOut,
    DecisionIn,
    DecisionOut,
    ErrorOut,
    NameIn,
    NameOut,
    NetworkOut,
    NoteIn,
    NoteOut,
    OpenCasesIn,
    ProposedOut,
    RefusalOut,
    RejectIn,
    RuleRunOut,
    RulesIn,
    StatusIn,
    StatusName,
    TakedownOut,
)
from cibwatch.web.views import (
    CHANGES,
    READS,
    action_out,
    case_out,
    csv_download,
    dossier_bytes,
    encode,
    json_response,
    network_rows,
    takedown_csv,
    with_zone,
)
from cibwatch.workspace import Workspace

#: Answers every operation may give besides its success (documented in the OpenAPI schema).
COMMON: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "a body that cannot be read (not UTF-8 JSON)"},
    401: {"model": ErrorOut, "description": "no token, or an unknown one"},
    403: {"model": ErrorOut, "description": "the token's role is too low"},
    413: {"model": ErrorOut, "description": "a request body over the service's limit"},
    422: {"model": RefusalOut, "description": "invalid input"},
    503: {"model": ErrorOut, "description": "the workspace failed (a full disk, a damaged file)"},
}
#: Operations naming a network, case or action that may not exist.
UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such network, case or action"}
}
#: Changes that the case's or action's current state may refuse.
REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "the current state does not allow it"}
}

#: What an audit entry shows (its hash is kept, the previous one is in the entry before).
AUDIT_FIELDS: Final = tuple(AuditOut.model_fields)
#: Audit entries per page by default, and at most.
AUDIT_PAGE = 500
MAX_AUDIT_PAGE = 5000
#: The largest id a query may name (DuckDB's BIGINT): beyond it the query itself failed.
MAX_ID = 2**63 - 1

router = APIRouter(prefix="/api", responses=COMMON)

# -- networks -------------------------------------------------------------------------------
# Reads are answered from the store's views (kept until the next write) as encoded JSON, and
# run as coroutines, so an answer from memory never waits for a worker thread.


@router.get("/networks", tags=["networks"], response_model=list[NetworkOut])
async def api_networks(
    _who: Viewer,
    store: Workspaces,
    min_score: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    platform: str | None = None,
) -> Response:
    """Networks of the latest assembly, best score first."""
    return json_response(
        await store.view(
            ("networks", min_score, platform),
            lambda ws: encode(network_rows(store, ws, min_score, platform)),
            READS["networks"],
        )
    )


@router.get(
    "/networks/{network_id}", tags=["networks"], response_model=dict[str, Any], responses=UNKNOWN
)
async def api_network(network_id: str, _who: Viewer, store: Workspaces) -> Response:
    """The network's dossier: evidence, assets, schedule, attribution..."""
    return json_response(
        await store.view(
            ("dossier", network_id),
            lambda ws: dossier_bytes(store, ws, network_id),
            READS["dossier"],
        )
    )


# -- cases ----------------------------------------------------------------------------------


@router.get("/cases", tags=["cases"], response_model=list[CaseOut])
async def api_cases(
    _who: Viewer,
    store: Workspaces,
    status: StatusName | None = None,
    assignee: str | None = None,
    unassigned: bool = False,
) -> Response:
    """Cases, best score first: of one status, one assignee, or (``unassigned``) nobody's."""

    def build(ws: Workspace) -> bytes:
        cases = list_cases(ws, status=status, assignee=assignee)
        if unassigned:
            cases = [c for c in cases if not c.assignee]
        return encode([case_out(c) for c in cases])

    key = ("cases", status, assignee, unassigned)
    return json_response(await store.view(key, build, READS["cases"]))


@router.get("/cases/{network_id}", tags=["cases"], response_model=CaseDetailOut, responses=UNKNOWN)
async def api_case(network_id: str, _who: Viewer, store: Workspaces) -> Response:
    def build(ws: Workspace) -> bytes:
        case = get_case(ws, network_id)
        notes = [NoteOut(**asdict(n)) for n in case_notes(ws, network_id)]
        decisions = [DecisionOut(**asdict(d)) for d in case_decisions(ws, network_id)]
        return encode(CaseDetailOut(**asdict(case), notes=notes, decisions=decisions))

    return json_response(await store.view(("case", network_id), build, READS["case"]))


@router.post("/cases/open", tags=["cases"], responses=UNKNOWN | REFUSED)
def api_open(who: Analyst, store: Workspaces, body: OpenCasesIn | None = None) -> list[CaseOut]:
    """Open a case for every network of the latest assembly that has none."""
    ids = body.network_ids if body else None
    with store.write(CHANGES["open"]) as ws:
        return [case_out(c) for c in open_cases(ws, who.name, network_ids=ids)]


@router.post("/cases/{network_id}/decision", tags=["cases"], responses=UNKNOWN | REFUSED)
def api_decide(network_id: str, body: DecisionIn, who: Analyst, store: Workspaces) -> CaseOut:
    """Confirm or dismiss a case under review, with a reason."""
    with store.write(CHANGES["status"]) as ws:
        return case_out(decide(ws, network_id, body.decision, body.reason, who.name))


@router.post("/cases/{network_id}/status", tags=["cases"], responses=UNKNOWN | REFUSED)
def api_status(network_id: str, body: StatusIn, who: Analyst, store: Workspaces) -> CaseOut:
    with store.write(CHANGES["status"]) as ws:
        return case_out(set_status(ws, network_id, body.status, who.name, reason=body.reason))


@router.post("/cases/{network_id}/assign", tags=["cases"], responses=UNKNOWN)
def api_assign(network_id: str, body: AssignIn, who: Analyst, store: Workspaces) -> CaseOut:
    """Assign the case to a reviewer (null or blank: nobody)."""
    with store.write(CHANGES["assign"]) as ws:
        return case_out(assign(ws, network_id, body.assignee, who.name))


@router.post("/networks/{network_id}/name", tags=["networks"], responses=UNKNOWN)
def api_name(network_id: str, body: NameIn, who: Analyst, store: Workspaces) -> NameOut:
    """Name the network; the name stays with its id across re-runs."""
    with store.write(CHANGES["name"]) as ws:
        return NameOut(
            network_id=network_id, name=name_network(ws, network_id, body.name, who.name)
        )


@router.post("/cases/{network_id}/notes", tags=["cases"], responses=UNKNOWN)
def api_note(network_id: str, body: NoteIn, who: Analyst, store: Workspaces) -> NoteOut:
    with store.write(CHANGES["note"]) as ws:
        return NoteOut(**asdict(add_note(ws, network_id, body.text, who.name)))


@router.get("/audit", tags=["cases"], response_model=list[AuditOut])
async def api_audit(
    _who: Viewer,
    store: Workspaces,
    subject: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_PAGE)] = AUDIT_PAGE,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The audit log, oldest first: the latest ``limit`` entries with an id below ``before``.

    To read further back, ask again with ``before`` set to the first ``audit_id`` received.
    """

    def build(ws: Workspace) -> bytes:
        entries = audit_log(ws, subject, limit=limit, before=before)
        # AuditOut's fields, encoded straight from the entries (no model per row: a page
        # is read again after every change, so this is the hottest encoder of the API)
        return encode([with_zone({f: getattr(e, f) for f in AUDIT_FIELDS}) for e in entries])

    return json_response(await store.view(("audit", subject, limit, before), build, READS["audit"]))


# -- enforcement ----------------------------------------------------------------------------


@router.get("/takedown", tags=["enforcement"], response_model=list[TakedownOut])
async def api_takedown(
    _who: Viewer, store: Workspaces, platform: str | None = None, kind: str | None = None
) -> Response:
    def build(ws: Workspace) -> bytes:
        items = takedown_list(ws, platform=platform, kind=kind)
        return encode([TakedownOut(**asdict(i)) for i in items])

    return json_response(await store.view(("takedown", platform, kind), build, READS["takedown"]))


@router.get("/takedown.csv", tags=["enforcement"], response_class=Response)
def api_takedown_csv(
    _who: Viewer, store: Workspaces, platform: str | None = None, kind: str | None = None
) -> Response:
    """The takedown list as formula-safe CSV (the same rows as ``/api/takedown``)."""
    with store.read() as ws:
        return csv_download(takedown_csv(ws, platform=platform, kind=kind), "takedown.csv")


@router.post("/rules/run", tags=["enforcement"], responses=REFUSED)
def api_rules(body: RulesIn, who: Admin, store: Workspaces) -> RuleRunOut:
    """Run the recidivism rule; unless dry_run, queue its proposals for approval."""
    rule = RecidivismRule(min_score=body.min_score)
    with store.write(CHANGES["rules"]) as ws:
        run = run_rules(ws, [rule], dry_run=body.dry_run, actor=who.name)
    return RuleRunOut(
        dry_run=run.dry_run,
        proposed=[ProposedOut(**asdict(p)) for p in run.proposed],
        queued=[action_out(a) for a in run.queued],
    )


@router.post("/actions/{action_id}/approve", tags=["enforcement"], responses=UNKNOWN | REFUSED)
def api_approve(
    action_id: int, who: Admin, store: Workspaces, body: ActionDecisionIn | None = None
) -> ActionOut:
    reason = body.reason if body else None
    with store.write(CHANGES["action"]) as ws:
        return action_out(approve_action(ws, action_id, who.name, reason=reason))


@router.post("/actions/{action_id}/reject", tags=["enforcement"], responses=UNKNOWN | REFUSED)
def api_reject(action_id: int, body: RejectIn, who: Admin, store: Workspaces) -> ActionOut:
    with store.write(CHANGES["action"]) as ws:
        return action_out(reject_action(ws, action_id, who.name, reason=body.reason))
