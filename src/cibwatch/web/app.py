"""The FastAPI application: REST under ``/api`` (:mod:`.api`) and the dashboard (:mod:`.dashboard`).

Design (see docs/web.md):

* The API authenticates with ``Authorization: Bearer TOKEN`` only, never with cookies, so a
  browser cannot be tricked into sending an authenticated API request (no CSRF on the API).
* The dashboard logs in with a token and keeps a server-side session (:mod:`.sessions`): its
  HttpOnly, SameSite=Strict cookie holds a random session id, never the token, and logging
  out ends the session. Every form checks a CSRF token and the Origin header.
* Request bodies are bounded (:mod:`.limits`, 413), and a body the schema refuses is 422
  with the fields that failed, never 500: the refusal does not echo the input back (JSON
  cannot hold the NaN or infinity a body may carry, and a refused 50 MB field need not
  travel twice).
* Requests read the workspace in parallel, each server thread on its own handle, while
  changes go one at a time through a single writing connection (:mod:`.store`); answers of
  ``GET /api`` are kept until the next change and replayed before routing (:mod:`.microcache`).
* Every response carries a strict Content-Security-Policy (no scripts at all, no external
  assets, ``frame-ancestors 'none'``) and ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cibwatch import __version__
from cibwatch.cases import (
    ActionNotFoundError,
    CaseNotFoundError,
    NetworkNotFoundError,
    TransitionError,
)
from cibwatch.errors import CibwatchError, ConfigError, WorkspaceError
from cibwatch.web import api, dashboard, pages
from cibwatch.web.auth import TokenEntry, TokenStore
from cibwatch.web.limits import MAX_BODY, BodyLimit
from cibwatch.web.microcache import MicroCache
from cibwatch.web.sessions import COOKIE as COOKIE  # re-exported: the cookie's name
from cibwatch.web.sessions import SessionStore
from cibwatch.web.store import Store
from cibwatch.web.views import warm
from cibwatch.workspacefile import explain

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: HTTP status of each library error, most specific first.
ERROR_STATUS: tuple[tuple[type[CibwatchError], int], ...] = (
    (CaseNotFoundError, 404),
    (ActionNotFoundError, 404),
    (NetworkNotFoundError, 404),
    (TransitionError, 409),
    (WorkspaceError, 409),
    (ConfigError, 422),
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # no-referrer made Chromium send Origin: null
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response.

    Written against ASGI directly: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``)
    wraps each response in a stream and cost about a millisecond per request under load.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.headers}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + self.headers
            await send(message)

        await self.app(scope, receive, with_headers)


class HeadAsGet:
    """ASGI middleware answering ``HEAD`` as the ``GET`` of the same path, without the body.

    FastAPI routes a ``GET`` endpoint for ``GET`` only, so monitors and link checkers that
    send ``HEAD`` got 405. The headers (status, type, length) are those the ``GET`` sends.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(dict(scope, method="GET"), receive, without_body)


async def refused(_request: Request, exc: Exception) -> JSONResponse:
    """422 naming each field that failed and why, without the values sent.

    FastAPI's own answer echoes every refused value, and a NaN or an infinity (which
    Python's JSON reader accepts) cannot be written back as JSON: the refusal itself failed
    with 500.
    """
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def _workspace_failed(path: str) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """503 saying in words what DuckDB's failure means (a full disk, a damaged file...)."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, duckdb.Error)
        return JSONResponse({"detail": str(explain(exc, path))}, status_code=503)

    return handle


def create_app(
    workspace_path: str | Path,
    tokens: Mapping[str, TokenEntry],
    *,
    max_body: int = MAX_BODY,
) -> FastAPI:
    """The web service over the workspace at ``workspace_path``, accepting ``tokens``.

    ``tokens`` maps each token to ``(name, role)`` or ``(name, role, expires)``; the name is
    the actor of every change made with that token. Request bodies over ``max_body`` bytes
    are refused with 413.
    """
    if max_body < 1024:
        raise ConfigError(f"a body limit of {max_body} bytes would refuse ordinary requests")
    keys = TokenStore(tokens)  # checked before the workspace is opened
    store = Store(Path(workspace_path))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        warming = threading.Thread(target=warm, args=(store, stop), name="cibwatch-warm")
        warming.start()
        yield
        stop.set()
        warming.join()  # it stops after the network it is preparing
        store.close()

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
    app.state.sessions = SessionStore(keys)
    app.state.csrf_key = secrets.token_bytes(32)  # per process: a restart ends form sessions
    app.state.error_status = ERROR_STATUS

    app.add_middleware(MicroCache, store=store, keys=keys)
    app.add_middleware(BodyLimit, max_body=max_body)
    app.add_middleware(SecurityHeaders)  # outer to the cache, so replayed answers get them
    app.add_middleware(HeadAsGet)

    def _handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        async def handle(_request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status)

        return handle

    for error, status in ERROR_STATUS:
        app.add_exception_handler(error, _handler(status))
    app.add_exception_handler(RequestValidationError, refused)
    app.add_exception_handler(duckdb.Error, _workspace_failed(str(workspace_path)))
    app.include_router(api.router)
    app.include_router(dashboard.router)
    app.include_router(pages.router)
    return app
