"""The FastAPI application: REST under ``/api`` (:mod:`.api`) and the dashboard (:mod:`.dashboard`).

Design (see docs/web.md):

* The API authenticates with ``Authorization: Bearer TOKEN`` only, never with cookies, so a
  browser cannot be tricked into sending an authenticated API request (no CSRF on the API).
* The dashboard keeps the token in an HttpOnly, SameSite=Strict cookie and checks a CSRF
  token and the Origin header on every form.
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

from fastapi import FastAPI, Request
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
from cibwatch.web.auth import Role, TokenStore
from cibwatch.web.microcache import MicroCache
from cibwatch.web.store import Store
from cibwatch.web.views import warm

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
COOKIE = dashboard.COOKIE


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


def create_app(workspace_path: str | Path, tokens: Mapping[str, tuple[str, str | Role]]) -> FastAPI:
    """The web service over the workspace at ``workspace_path``, accepting ``tokens``.

    ``tokens`` maps each token to ``(name, role)``; the name is the actor of every change
    made with that token.
    """
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
    app.state.csrf_key = secrets.token_bytes(32)  # per process: a restart ends form sessions
    app.state.error_status = ERROR_STATUS

    app.add_middleware(MicroCache, store=store, keys=keys)
    app.add_middleware(SecurityHeaders)  # outer to the cache, so replayed answers get them
    app.add_middleware(HeadAsGet)

    def _handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        async def handle(_request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status)

        return handle

    for error, status in ERROR_STATUS:
        app.add_exception_handler(error, _handler(status))
    app.include_router(api.router)
    app.include_router(dashboard.router)
    app.include_router(pages.router)
    return app
