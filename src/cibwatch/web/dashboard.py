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
from dataclasses import asdict
from importlib import resources
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cibwatch import __version__
from cibwatch.cases import (
    TRANSITIONS,
    add_note,
    audit_log,
    case_decisions,
    case_notes,
    list_cases,
    open_cases,
    set_status,
    takedown_list,
)
from cibwatch.errors import CibwatchError
from cibwatch.web.access import Workspaces
from cibwatch.web.auth import Principal, Role
from cibwatch.web.sessions import COOKIE, SessionStore
from cibwatch.web.store import Store
from cibwatch.web.views import CHANGES, network_rows, networks_by_id, page_context
from cibwatch.workspace import Workspace

router = APIRouter(include_in_schema=False)
_css = resources.files("cibwatch.web").joinpath("templates/dashboard.css").read_text("utf-8")


def _plain(value: Any) -> str:
    """A value as reading text: lists joined, mappings as ``key: value`` (escaped later)."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_plain(v) for v in value)
    return "" if value is None else str(value)


templates = Environment(
    loader=PackageLoader("cibwatch.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)
templates.filters["plain"] = _plain


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


async def _case_change(
    request: Request,
    network_id: str,
    changes: tuple[str, ...],
    change: Callable[[Workspace, Principal, dict[str, str]], object],
) -> Response:
    """Apply a checked form's change; back to the network page, or an error page."""
    who, form = await _checked_form(request)
    store: Store = request.app.state.store
    statuses: tuple[tuple[type[CibwatchError], int], ...] = request.app.state.error_status

    def apply() -> Response:
        try:
            with store.write(changes) as ws:
                change(ws, who, form)
        except CibwatchError as exc:
            status = next((code for error, code in statuses if isinstance(exc, error)), 422)
            back = f"/networks/{quote(network_id)}"
            return page("error.html", status, who=who, message=str(exc), back=back)
        return RedirectResponse(f"/networks/{quote(network_id)}", status_code=303)

    return await run_in_threadpool(apply)


@router.post("/networks/{network_id}/open")
async def form_open(request: Request, network_id: str) -> Response:
    return await _case_change(
        request,
        network_id,
        CHANGES["open"],
        lambda ws, who, _form: open_cases(ws, who.name, network_ids=[network_id]),
    )


@router.post("/networks/{network_id}/status")
async def form_status(request: Request, network_id: str) -> Response:
    return await _case_change(
        request,
        network_id,
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
        CHANGES["note"],
        lambda ws, who, form: add_note(ws, network_id, form.get("text", ""), who.name),
    )


@router.get("/audit")
def audit_page(request: Request, store: Workspaces) -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        entries = audit_log(ws)
    return page("audit.html", who=who, entries=list(reversed(entries)))


@router.get("/takedown")
def takedown_page(request: Request, store: Workspaces) -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        items = [asdict(i) for i in takedown_list(ws)]
    return page("takedown.html", who=who, items=items)


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


@router.get("/")
def dashboard(
    request: Request,
    store: Workspaces,
    min_score: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    platform: str | None = None,
) -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        rows = network_rows(store, ws, min_score, platform)
    return page(
        "index.html",
        who=who,
        networks=rows,
        min_score="" if min_score is None else min_score,
        platform=platform or "",
    )


@router.get("/networks/{network_id}")
def network_page(request: Request, network_id: str, store: Workspaces) -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        if network_id not in networks_by_id(store, ws):
            message = f"no network {network_id} in the latest assembly"
            return page("error.html", 404, who=who, message=message, back="/")
        context = page_context(store, ws, network_id)
        case = next((c for c in list_cases(ws) if c.network_id == network_id), None)
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
        csrf=_csrf(request),
    )
