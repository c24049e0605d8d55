"""The analyst dashboard: server-rendered pages, a login cookie and CSRF-checked case forms.

* The login form opens a server-side session (:mod:`cibwatch.web.sessions`) whose random id,
  never the token, goes in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS); logging
  out ends the session on the server.
* Case forms (open, status, note) carry a CSRF token, an HMAC of the session id under a
  per-process key, and every form refuses an Origin header naming another site.
* Pages are rendered by Jinja with autoescaping on: everything shown is hostile input.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, Final
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cibwatch import __version__
from cibwatch.cases import (
    STATUSES,
    TRANSITIONS,
    add_note,
    assign,
    case_decisions,
    case_notes,
    list_cases,
    name_network,
    network_names,
    open_cases,
    set_status,
)
from cibwatch.errors import CibwatchError
from cibwatch.report.lookup import (
    EVIDENCE_SORTS,
    PAGE,
    network_evidence,
)
from cibwatch.report.reading import (
    GLOSSARY,
    SCORE_PARTS,
    attribution_sentences,
    day,
    network_summary,
    q_text,
    score_sentence,
    signal_label,
    when,
)
from cibwatch.web.access import Workspaces
from cibwatch.web.auth import Principal, Role
from cibwatch.web.sessions import COOKIE, SessionStore
from cibwatch.web.store import Store
from cibwatch.web.views import (
    CHANGES,
    SORTS,
    find_network,
    network_rows,
    networks_by_id,
    page_context,
)
from cibwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)
_css = resources.files("cibwatch.web").joinpath("templates/dashboard.css").read_text("utf-8")


def plain_text(value: Any) -> str:
    """A value as reading text: lists joined, mappings as ``key: value`` (escaped later)."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {plain_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(plain_text(v) for v in value)
    return "" if value is None else str(value)


templates = Environment(
    loader=PackageLoader("cibwatch.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)
templates.filters["plain"] = plain_text
templates.filters["when"] = when
templates.filters["day"] = day
templates.filters["q"] = q_text
templates.filters["signal"] = signal_label
templates.globals["glossary"] = GLOSSARY


def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """The template ``name`` rendered with ``values``."""
    html = templates.get_template(name).render(version=__version__, **values)
    return HTMLResponse(html, status_code=status)


def _form_fields(body: bytes) -> dict[str, str]:
    """The fields of an url-encoded form body (the first value of each)."""
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def same_origin(request: Request) -> bool:
    """False when the browser says the form came from another site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _viewer(request: Request) -> Principal | None:
    sessions: SessionStore = request.app.state.sessions
    return sessions.lookup(request.cookies.get(COOKIE))


def _csrf(request: Request) -> str:
    """The CSRF token of this login session: an HMAC of its cookie under a process key."""
    session = request.cookies.get(COOKIE, "")
    key: bytes = request.app.state.csrf_key
    return hmac.new(key, session.encode(), hashlib.sha256).hexdigest()


async def _checked_form(request: Request) -> tuple[Principal, dict[str, str]]:
    """The analyst behind a dashboard form and its fields, after the CSRF checks."""
    who = _viewer(request)
    if who is None:
        raise HTTPException(401, "log in first")
    if who.role < Role.analyst:
        raise HTTPException(403, "needs the analyst role")
    form = _form_fields(await request.body())
    given = form.get("csrf", "")
    if not same_origin(request) or not hmac.compare_digest(given, _csrf(request)):
        raise HTTPException(403, "cross-site request refused (bad or missing CSRF token)")
    return who, form


def _network_page(
    request: Request,
    store: Store,
    ws: Workspace,
    network_id: str,
    who: Principal,
    *,
    status: int = 200,
    refused: Mapping[str, str] | None = None,
) -> Response:
    """The network page; ``refused`` carries a refused form's name, message and input."""
    if network_id not in networks_by_id(store, ws):
        message = f"no network {network_id} in the latest assembly"
        return page("error.html", 404, who=who, message=message, back="/")
    context = page_context(store, ws, network_id)
    case = next((c for c in list_cases(ws) if c.network_id == network_id), None)
    names = network_names(ws)
    signal = request.query_params.get("signal") or None
    offset = page_number(request.query_params.get("evidence_page")) * PAGE
    evidence_sort = request.query_params.get("evidence_sort", "")
    evidence_sort = evidence_sort if evidence_sort in EVIDENCE_SORTS else "q"
    evidence_descending = request.query_params.get("evidence_order") == "desc"
    evidence, evidence_total = network_evidence(
        ws,
        find_network(store, ws, network_id),
        signal=signal,
        offset=offset,
        sort=evidence_sort,
        descending=evidence_descending,
    )
    labels = context["labels"]
    accounts = _accounts_shown(context["accounts"], request.query_params)
    accounts_page = page_number(request.query_params.get("accounts_page"))
    return page(
        "network.html",
        status,
        who=who,
        net=context,
        network_name=names.get(network_id),
        summary=network_summary(context, names.get(network_id)),
        attribution=attribution_sentences(context["attribution"]),
        score_sentence=score_sentence(context["score"], context["score_parts"]),
        score_parts=SCORE_PARTS,
        accounts=accounts[accounts_page * ACCOUNTS_PAGE : (accounts_page + 1) * ACCOUNTS_PAGE],
        accounts_total=len(accounts),
        accounts_page=accounts_page,
        accounts_pages=max(1, -(-len(accounts) // ACCOUNTS_PAGE)),
        accounts_q=request.query_params.get("accounts_q", ""),
        accounts_sort=request.query_params.get("accounts_sort", "handle"),
        labels=labels,
        evidence=evidence,
        evidence_total=evidence_total,
        evidence_page=offset // PAGE,
        pages=max(1, -(-evidence_total // PAGE)),
        signal=signal or "",
        evidence_sort=evidence_sort,
        evidence_descending=evidence_descending,
        case=case,
        notes=case_notes(ws, network_id) if case else [],
        decisions=case_decisions(ws, network_id) if case else [],
        next_statuses=TRANSITIONS[case.status] if case else (),
        can_act=who.role >= Role.analyst,
        csrf=_csrf(request),
        refused=refused or {},
    )


#: Accounts per page of a network's account table, and the orders it can be sorted by.
ACCOUNTS_PAGE: Final = 50
ACCOUNT_SORTS: Final[dict[str, Callable[[Mapping[str, Any]], Any]]] = {
    "handle": lambda a: (a.get("handle") or a["account"]).lower(),
    "platform": lambda a: (a["platform"], (a.get("handle") or "").lower()),
    "followers": lambda a: -(a.get("followers") or 0),
    "created": lambda a: str(a.get("created_at") or ""),
}


def _accounts_shown(
    accounts: list[dict[str, Any]], query: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A network's accounts searched (handle, name, id, platform) and sorted as asked."""
    needle = query.get("accounts_q", "").strip().lower()
    found = [
        a
        for a in accounts
        if not needle
        or needle
        in " ".join(
            str(a.get(k) or "") for k in ("handle", "display_name", "account", "kind")
        ).lower()
    ]
    key = ACCOUNT_SORTS.get(query.get("accounts_sort", ""), ACCOUNT_SORTS["handle"])
    return sorted(found, key=key)


def page_number(text: str | None) -> int:
    """A page number from a query value; anything that is not one means the first page."""
    try:
        return max(0, int(text or 0))
    except ValueError:
        return 0


async def _case_change(
    request: Request,
    network_id: str,
    form_name: str,
    changes: tuple[str, ...],
    change: Callable[[Workspace, Principal, dict[str, str]], object],
) -> Response:
    """Apply a checked form's change and go back to the network page.

    A refused change shows the network page again with the message next to the form and
    what was typed still in it, instead of an error page that loses the input.
    """
    who, form = await _checked_form(request)
    store: Store = request.app.state.store
    statuses: tuple[tuple[type[CibwatchError], int], ...] = request.app.state.error_status

    def apply() -> Response:
        try:
            with store.write(changes) as ws:
                change(ws, who, form)
        except CibwatchError as exc:
            status = next((code for error, code in statuses if isinstance(exc, error)), 422)
            refused = dict(form, form=form_name, message=str(exc))
            refused.pop("csrf", None)
            with store.read() as ws:
                return _network_page(
                    request, store, ws, network_id, who, status=status, refused=refused
                )
        return RedirectResponse(f"/networks/{quote(network_id)}#case", status_code=303)

    return await run_in_threadpool(apply)


@router.post("/networks/{network_id}/open")
async def form_open(request: Request, network_id: str) -> Response:
    return await _case_change(
        request,
        network_id,
        "open",
        CHANGES["open"],
        lambda ws, who, _form: open_cases(ws, who.name, network_ids=[network_id]),
    )


@router.post("/networks/{network_id}/status")
async def form_status(request: Request, network_id: str) -> Response:
    return await _case_change(
        request,
        network_id,
        "status",
        CHANGES["status"],
        lambda ws, who, form: set_status(
            ws, network_id, form.get("status", ""), who.name, reason=form.get("reason") or None
        ),
    )


@router.post("/networks/{network_id}/notes")
async def form_note(request: Request, network_id: str) -> Response:
    return await _case_change(
        request,
        network_id,
        "note",
        CHANGES["note"],
        lambda ws, who, form: add_note(ws, network_id, form.get("text", ""), who.name),
    )


@router.post("/networks/{network_id}/assign")
async def form_assign(request: Request, network_id: str) -> Response:
    return await _case_change(
        request,
        network_id,
        "assign",
        CHANGES["assign"],
        lambda ws, who, form: assign(
            ws,
            network_id,
            who.name if form.get("me") else (form.get("assignee") or None),
            who.name,
        ),
    )


@router.post("/networks/{network_id}/name")
async def form_name(request: Request, network_id: str) -> Response:
    return await _case_change(
        request,
        network_id,
        "name",
        CHANGES["name"],
        lambda ws, who, form: name_network(ws, network_id, form.get("name", ""), who.name),
    )


@router.get("/static/dashboard.css")
def dashboard_css() -> Response:
    return Response(_css, media_type="text/css")


@router.get("/login")
def login_form() -> HTMLResponse:
    return page("login.html", error=None, who=None)


@router.post("/login")
async def login(request: Request) -> Response:
    if not same_origin(request):
        return page("login.html", 403, error="cross-site login refused", who=None)
    token = _form_fields(await request.body()).get("token", "").strip()
    sessions: SessionStore = request.app.state.sessions
    sessions.end(request.cookies.get(COOKIE))  # a new login never keeps an old session id
    started = sessions.start(token)
    if started is None:
        return page("login.html", 401, error="unknown or expired token", who=None)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        started[0],
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    if not same_origin(request):
        raise HTTPException(403, "cross-site logout refused")
    sessions: SessionStore = request.app.state.sessions
    sessions.end(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


#: The case queue's shortcuts: label -> query.
QUEUES: Final = (
    ("All", ""),
    ("Mine", "queue=mine"),
    ("Unassigned", "queue=unassigned"),
    ("No case", "status=none"),
    ("New", "status=new"),
    ("In review", "status=in_review"),
    ("Confirmed", "status=confirmed_cib"),
    ("Dismissed", "status=dismissed"),
)
#: Networks per page of the list.
LIST_PAGE: Final = 50


@router.get("/")
def dashboard(request: Request, store: Workspaces) -> Response:
    """The network list: filters that accept empty fields, search, sort, pages, case queue."""
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    given = {k: v.strip() for k, v in request.query_params.items()}
    errors: dict[str, str] = {}
    min_score: float | None = None
    if given.get("min_score"):
        try:
            min_score = float(given["min_score"])
        except ValueError:
            errors["min_score"] = "a number from 0 to 1, or nothing"
        else:
            if not 0.0 <= min_score <= 1.0:
                errors["min_score"] = "a number from 0 to 1, or nothing"
                min_score = None
    queue = given.get("queue", "")
    assignee = {"mine": who.name, "unassigned": ""}.get(queue)
    sort = given.get("sort", "") if given.get("sort") in SORTS else "score"
    descending = given.get("order", "desc") != "asc"
    with store.read() as ws:
        rows = network_rows(
            store,
            ws,
            min_score,
            given.get("platform") or None,
            search=given.get("q"),
            status=given.get("status") or None,
            assignee=assignee,
            sort=sort,
            descending=descending,
        )
    number = page_number(given.get("page"))
    keep = {k: v for k, v in given.items() if v and k not in ("page", "sort", "order")}
    return page(
        "index.html",
        who=who,
        networks=rows[number * LIST_PAGE : (number + 1) * LIST_PAGE],
        total=len(rows),
        page_number=number,
        pages=max(1, -(-len(rows) // LIST_PAGE)),
        given=given,
        errors=errors,
        queues=QUEUES,
        sort=sort,
        descending=descending,
        keep=keep,
        statuses=STATUSES,
    )


@router.get("/networks/{network_id}")
def network_page(request: Request, network_id: str, store: Workspaces) -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        return _network_page(request, store, ws, network_id, who)
