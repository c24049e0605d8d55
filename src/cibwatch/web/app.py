"""The FastAPI application: REST under ``/api`` and a read-only dashboard.

Design (see docs/web.md):

* The API authenticates with ``Authorization: Bearer TOKEN`` only, never with cookies, so a
  browser cannot be tricked into sending an authenticated API request (no CSRF on the API).
* The dashboard's login form stores the token in an HttpOnly, SameSite=Strict cookie. Its
  case forms (open, status, note) carry a CSRF token, an HMAC of the session cookie under a
  per-process key, and every dashboard form refuses an Origin header naming another site.
* One workspace connection serves the process; a lock serialises every use of it, because
  DuckDB allows a single writer per file and a connection is not safe across threads.
* Every response carries a strict Content-Security-Policy (no scripts at all, no external
  assets, ``frame-ancestors 'none'``) and ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field, StringConstraints

from cibwatch import __version__
from cibwatch.cases import (
    TRANSITIONS,
    ActionNotFoundError,
    Case,
    CaseNotFoundError,
    EnforcementAction,
    TransitionError,
    add_note,
    approve_action,
    audit_log,
    case_decisions,
    case_notes,
    decide,
    get_case,
    list_cases,
    open_cases,
    reject_action,
    run_rules,
    set_status,
    takedown_list,
)
from cibwatch.cases.enforcement import RecidivismRule
from cibwatch.dossier import build_dossier
from cibwatch.errors import CibwatchError, ConfigError, WorkspaceError
from cibwatch.networks import Network, stored_networks
from cibwatch.report.context import network_context
from cibwatch.web.auth import Principal, Role, TokenStore
from cibwatch.workspace import Workspace

COOKIE = "cibwatch_token"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: HTTP status of each library error, most specific first.
ERROR_STATUS: tuple[tuple[type[CibwatchError], int], ...] = (
    (CaseNotFoundError, 404),
    (ActionNotFoundError, 404),
    (TransitionError, 409),
    (WorkspaceError, 409),
    (ConfigError, 422),
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


# -- request and response models -------------------------------------------------------------


class NetworkOut(BaseModel):
    network_id: str
    score: float
    size: int
    platforms: list[str]
    case_status: str | None = None


class CaseOut(BaseModel):
    network_id: str
    status: str
    assignee: str | None
    assembly_run: int
    score: float
    size: int
    opened_at: datetime
    opened_by: str
    updated_at: datetime


class NoteOut(BaseModel):
    note_id: int
    network_id: str
    actor: str
    created_at: datetime
    text: str


class DecisionOut(BaseModel):
    decision_id: int
    network_id: str
    actor: str
    decided_at: datetime
    from_status: str
    to_status: str
    reason: str


class CaseDetailOut(CaseOut):
    notes: list[NoteOut]
    decisions: list[DecisionOut]


class AuditOut(BaseModel):
    audit_id: int
    at: datetime
    actor: str
    automated: bool
    action: str
    subject: str
    before: str | None
    after: str | None
    hash: str


class TakedownOut(BaseModel):
    network_id: str
    platform: str
    kind: str
    asset: str
    account_id: str | None = None
    handle: str | None = None
    display_name: str | None = None
    url: str | None = None
    source: str = "member"


class ActionOut(BaseModel):
    action_id: int
    rule: str
    network_id: str
    platform: str
    kind: str
    asset: str
    reason: str
    status: str
    proposed_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None


class ProposedOut(BaseModel):
    rule: str
    network_id: str
    platform: str
    kind: str
    asset: str
    reason: str


class RuleRunOut(BaseModel):
    dry_run: bool
    proposed: list[ProposedOut]
    queued: list[ActionOut]


class OpenCasesIn(BaseModel):
    network_ids: list[str] | None = Field(
        default=None, description="only these networks (default: every network)"
    )


class DecisionIn(BaseModel):
    decision: str = Field(description="confirm or dismiss")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        description="why (kept in the audit log); blank is refused"
    )


class StatusIn(BaseModel):
    status: str = Field(description="target status (new, in_review, confirmed_cib, ...)")
    reason: str | None = Field(default=None, description="needed for decisions")


class NoteIn(BaseModel):
    text: str = Field(min_length=1)


class RulesIn(BaseModel):
    dry_run: bool = True
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)


class ActionDecisionIn(BaseModel):
    reason: str | None = None


# -- the application --------------------------------------------------------------------------


class _Store:
    """The workspace of this process and the lock that serialises its use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.workspace = Workspace(path)

    @contextmanager
    def use(self) -> Iterator[Workspace]:
        with self.lock:
            yield self.workspace


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def require(role: Role) -> Callable[[Request], Principal]:
    """A dependency that admits bearer tokens of ``role`` or higher (401, else 403)."""

    def check(request: Request) -> Principal:
        keys: TokenStore = request.app.state.keys
        principal = keys.lookup(_bearer(request))
        if principal is None:
            raise HTTPException(
                401, "a valid bearer token is needed", {"WWW-Authenticate": "Bearer"}
            )
        if principal.role < role:
            raise HTTPException(403, f"needs the {role.name} role")
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Analyst = Annotated[Principal, Depends(require(Role.analyst))]
Admin = Annotated[Principal, Depends(require(Role.admin))]


def _network_out(net: Network, status: str | None) -> NetworkOut:
    platforms = sorted({m.split(":", 1)[0] for m in net.members})
    return NetworkOut(
        network_id=net.network_id,
        score=net.score,
        size=len(net.members),
        platforms=platforms,
        case_status=status,
    )


def _networks(
    ws: Workspace, min_score: float | None, platform: str | None
) -> list[tuple[Network, str | None]]:
    statuses = {c.network_id: c.status for c in list_cases(ws)}
    out = []
    for net in stored_networks(ws):
        if min_score is not None and net.score < min_score:
            continue
        if platform and not any(m.split(":", 1)[0] == platform for m in net.members):
            continue
        out.append((net, statuses.get(net.network_id)))
    return out


def _find_network(ws: Workspace, network_id: str) -> Network:
    for net in stored_networks(ws):
        if net.network_id == network_id:
            return net
    raise HTTPException(404, f"no network {network_id} in the latest assembly")


def _case_out(case: Case) -> CaseOut:
    return CaseOut(**asdict(case))


def _action_out(action: EnforcementAction) -> ActionOut:
    data = asdict(action)
    data.pop("evidence", None)
    return ActionOut(**data)


def _plain(value: Any) -> str:
    """A value as reading text: lists joined, mappings as ``key: value`` (escaped later)."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_plain(v) for v in value)
    return "" if value is None else str(value)


def _form_fields(body: bytes) -> dict[str, str]:
    """The fields of an url-encoded form body (the first value of each)."""
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def _same_origin(request: Request) -> bool:
    """False when the browser says the form came from another site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def create_app(workspace_path: str | Path, tokens: Mapping[str, tuple[str, str | Role]]) -> FastAPI:
    """The web service over the workspace at ``workspace_path``, accepting ``tokens``.

    ``tokens`` maps each token to ``(name, role)``; the name is the actor of every change
    made with that token.
    """
    store = _Store(Path(workspace_path))
    keys = TokenStore(tokens)
    csrf_key = secrets.token_bytes(32)  # per process: a restart ends every form session
    templates = Environment(
        loader=PackageLoader("cibwatch.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        with store.lock:  # let a request in flight finish before the connection goes
            store.workspace.close()

    templates.filters["plain"] = _plain
    css = resources.files("cibwatch.web").joinpath("templates/dashboard.css").read_text("utf-8")
    app = FastAPI(
        title="cibwatch",
        version=__version__,
        description="Review coordinated inauthentic behaviour networks and their cases.",
        docs_url=None,  # the Swagger page loads scripts from a CDN, which our CSP forbids
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.keys = keys

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    def _handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        async def handle(_request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status)

        return handle

    for error, status in ERROR_STATUS:
        app.add_exception_handler(error, _handler(status))

    # -- API: networks -----------------------------------------------------------------------

    @app.get("/api/networks", tags=["networks"])
    def api_networks(
        _who: Viewer,
        min_score: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
        platform: str | None = None,
    ) -> list[NetworkOut]:
        """Networks of the latest assembly, best score first."""
        with store.use() as ws:
            return [_network_out(n, s) for n, s in _networks(ws, min_score, platform)]

    @app.get("/api/networks/{network_id}", tags=["networks"])
    def api_network(network_id: str, _who: Viewer) -> dict[str, Any]:
        """The network's dossier: evidence, assets, schedule, attribution..."""
        with store.use() as ws:
            dossier = build_dossier(ws, _find_network(ws, network_id))
        data: dict[str, Any] = jsonable_encoder(asdict(dossier))
        return data

    # -- API: cases --------------------------------------------------------------------------

    @app.get("/api/cases", tags=["cases"])
    def api_cases(
        _who: Viewer, status: str | None = None, assignee: str | None = None
    ) -> list[CaseOut]:
        with store.use() as ws:
            return [_case_out(c) for c in list_cases(ws, status=status, assignee=assignee)]

    @app.get("/api/cases/{network_id}", tags=["cases"])
    def api_case(network_id: str, _who: Viewer) -> CaseDetailOut:
        with store.use() as ws:
            case = get_case(ws, network_id)
            notes = [NoteOut(**asdict(n)) for n in case_notes(ws, network_id)]
            decisions = [DecisionOut(**asdict(d)) for d in case_decisions(ws, network_id)]
        return CaseDetailOut(**asdict(case), notes=notes, decisions=decisions)

    @app.post("/api/cases/open", tags=["cases"])
    def api_open(who: Analyst, body: OpenCasesIn | None = None) -> list[CaseOut]:
        """Open a case for every network of the latest assembly that has none."""
        ids = body.network_ids if body else None
        with store.use() as ws:
            return [_case_out(c) for c in open_cases(ws, who.name, network_ids=ids)]

    @app.post("/api/cases/{network_id}/decision", tags=["cases"])
    def api_decide(network_id: str, body: DecisionIn, who: Analyst) -> CaseOut:
        """Confirm or dismiss a case under review, with a reason."""
        with store.use() as ws:
            return _case_out(decide(ws, network_id, body.decision, body.reason, who.name))

    @app.post("/api/cases/{network_id}/status", tags=["cases"])
    def api_status(network_id: str, body: StatusIn, who: Analyst) -> CaseOut:
        with store.use() as ws:
            case = set_status(ws, network_id, body.status, who.name, reason=body.reason)
        return _case_out(case)

    @app.post("/api/cases/{network_id}/notes", tags=["cases"])
    def api_note(network_id: str, body: NoteIn, who: Analyst) -> NoteOut:
        with store.use() as ws:
            return NoteOut(**asdict(add_note(ws, network_id, body.text, who.name)))

    @app.get("/api/audit", tags=["cases"])
    def api_audit(_who: Viewer, subject: str | None = None) -> list[AuditOut]:
        with store.use() as ws:
            entries = audit_log(ws, subject)
        return [
            AuditOut(**{k: v for k, v in asdict(e).items() if k != "prev_hash"}) for e in entries
        ]

    @app.get("/api/takedown", tags=["enforcement"])
    def api_takedown(
        _who: Viewer, platform: str | None = None, kind: str | None = None
    ) -> list[TakedownOut]:
        with store.use() as ws:
            items = takedown_list(ws, platform=platform, kind=kind)
        return [TakedownOut(**asdict(i)) for i in items]

    @app.post("/api/rules/run", tags=["enforcement"])
    def api_rules(body: RulesIn, who: Admin) -> RuleRunOut:
        """Run the recidivism rule; unless dry_run, queue its proposals for approval."""
        rule = RecidivismRule(min_score=body.min_score)
        with store.use() as ws:
            run = run_rules(ws, [rule], dry_run=body.dry_run, actor=who.name)
        return RuleRunOut(
            dry_run=run.dry_run,
            proposed=[ProposedOut(**asdict(p)) for p in run.proposed],
            queued=[_action_out(a) for a in run.queued],
        )

    @app.post("/api/actions/{action_id}/approve", tags=["enforcement"])
    def api_approve(action_id: int, who: Admin, body: ActionDecisionIn | None = None) -> ActionOut:
        reason = body.reason if body else None
        with store.use() as ws:
            return _action_out(approve_action(ws, action_id, who.name, reason=reason))

    @app.post("/api/actions/{action_id}/reject", tags=["enforcement"])
    def api_reject(action_id: int, body: ActionDecisionIn, who: Admin) -> ActionOut:
        with store.use() as ws:
            return _action_out(reject_action(ws, action_id, who.name, reason=body.reason or ""))

    # -- dashboard ---------------------------------------------------------------------------

    def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = templates.get_template(name).render(version=__version__, **values)
        return HTMLResponse(html, status_code=status)

    def viewer_cookie(request: Request) -> Principal | None:
        return keys.lookup(request.cookies.get(COOKIE))

    def csrf_for(request: Request) -> str:
        """The CSRF token of this login session: an HMAC of its cookie under a process key."""
        session = request.cookies.get(COOKIE, "")
        return hmac.new(csrf_key, session.encode(), hashlib.sha256).hexdigest()

    async def checked_form(request: Request) -> tuple[Principal, dict[str, str]]:
        """The analyst behind a dashboard form and its fields, after the CSRF checks."""
        who = viewer_cookie(request)
        if who is None:
            raise HTTPException(401, "log in first")
        if who.role < Role.analyst:
            raise HTTPException(403, "needs the analyst role")
        form = {
            k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()
        }
        given = form.get("csrf", "")
        if not _same_origin(request) or not hmac.compare_digest(given, csrf_for(request)):
            raise HTTPException(403, "cross-site request refused (bad or missing CSRF token)")
        return who, form

    def case_change(
        who: Principal, network_id: str, change: Callable[[Workspace], object]
    ) -> Response:
        """Apply a change from a dashboard form; back to the network page, or an error page."""
        try:
            with store.use() as ws:
                change(ws)
        except CibwatchError as exc:
            status = next((code for error, code in ERROR_STATUS if isinstance(exc, error)), 422)
            return page(
                "error.html", status, who=who, message=str(exc), back=f"/networks/{network_id}"
            )
        return RedirectResponse(f"/networks/{quote(network_id)}", status_code=303)

    @app.post("/networks/{network_id}/open", include_in_schema=False)
    async def form_open(request: Request, network_id: str) -> Response:
        who, _form = await checked_form(request)
        return await run_in_threadpool(
            case_change,
            who,
            network_id,
            lambda ws: open_cases(ws, who.name, network_ids=[network_id]),
        )

    @app.post("/networks/{network_id}/status", include_in_schema=False)
    async def form_status(request: Request, network_id: str) -> Response:
        who, form = await checked_form(request)
        target, reason = form.get("status", ""), form.get("reason") or None
        return await run_in_threadpool(
            case_change,
            who,
            network_id,
            lambda ws: set_status(ws, network_id, target, who.name, reason=reason),
        )

    @app.post("/networks/{network_id}/notes", include_in_schema=False)
    async def form_note(request: Request, network_id: str) -> Response:
        who, form = await checked_form(request)
        text = form.get("text", "")
        return await run_in_threadpool(
            case_change,
            who,
            network_id,
            lambda ws: add_note(ws, network_id, text, who.name),
        )

    @app.get("/audit", include_in_schema=False)
    def audit_page(request: Request) -> Response:
        who = viewer_cookie(request)
        if who is None:
            return RedirectResponse("/login", status_code=303)
        with store.use() as ws:
            entries = audit_log(ws)
        return page("audit.html", who=who, entries=list(reversed(entries)))

    @app.get("/takedown", include_in_schema=False)
    def takedown_page(request: Request) -> Response:
        who = viewer_cookie(request)
        if who is None:
            return RedirectResponse("/login", status_code=303)
        with store.use() as ws:
            items = [asdict(i) for i in takedown_list(ws)]
        return page("takedown.html", who=who, items=items)

    @app.get("/static/dashboard.css", include_in_schema=False)
    def dashboard_css() -> Response:
        return Response(css, media_type="text/css")

    @app.get("/login", include_in_schema=False)
    def login_form() -> HTMLResponse:
        return page("login.html", error=None, who=None)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        if not _same_origin(request):
            return page("login.html", 403, error="cross-site login refused", who=None)
        token = _form_fields(await request.body()).get("token", "").strip()
        if keys.lookup(token) is None:
            return page("login.html", 401, error="unknown token", who=None)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        if not _same_origin(request):
            raise HTTPException(403, "cross-site logout refused")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/", include_in_schema=False)
    def dashboard(
        request: Request,
        min_score: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
        platform: str | None = None,
    ) -> Response:
        who = viewer_cookie(request)
        if who is None:
            return RedirectResponse("/login", status_code=303)
        with store.use() as ws:
            rows = [_network_out(n, s) for n, s in _networks(ws, min_score, platform)]
        return page(
            "index.html",
            who=who,
            networks=rows,
            min_score="" if min_score is None else min_score,
            platform=platform or "",
        )

    @app.get("/networks/{network_id}", include_in_schema=False)
    def network_page(request: Request, network_id: str) -> Response:
        who = viewer_cookie(request)
        if who is None:
            return RedirectResponse("/login", status_code=303)
        with store.use() as ws:
            net = _find_network(ws, network_id)
            context = network_context(ws, net)
            cases = {c.network_id: c for c in list_cases(ws)}
            case = cases.get(network_id)
            notes = case_notes(ws, network_id) if case else []
            decisions = case_decisions(ws, network_id) if case else []
        return page(
            "network.html",
            who=who,
            net=context,
            case=case,
            notes=notes,
            decisions=decisions,
            next_statuses=TRANSITIONS[case.status] if case else (),
            can_act=who.role >= Role.analyst,
            csrf=csrf_for(request),
        )

    return app
