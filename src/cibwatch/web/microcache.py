"""Whole answers of ``GET /api/...`` kept until the next write, served before FastAPI runs.

Every read of the API is answered from the store's views already (see
:mod:`cibwatch.web.store`), yet routing, dependency solving and the middleware stack still
cost about two milliseconds of interpreter time per request, which is what caps a two-core
server under load. The answers of ``GET /api`` depend only on the URL and on the workspace
(every such operation needs the viewer role, which every token has, and none varies with who
asks; ``tests/test_web.py`` checks that), and the workspace changes only through the store's
writes. So this ASGI middleware keeps each successful answer, keyed by path and query, for
the store's current generation, and replays it to any request carrying a known token. A
request without a known token, any other method, and anything outside ``/api/`` go through
the application as usual.
"""

from __future__ import annotations

import threading
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cibwatch.web.auth import TokenStore, bearer_token
from cibwatch.web.store import Store

#: Answers kept at most (distinct URLs); past it the cache starts again, so crafted query
#: strings cannot grow memory without bound.
MAX_ENTRIES: Final = 2048
_KEPT_HEADERS: Final = (b"content-type", b"content-length")


class Answer:
    """A kept answer: status, the headers worth replaying, and the body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


class MicroCache:
    """ASGI middleware replaying kept ``GET /api`` answers (see the module docstring)."""

    def __init__(self, app: ASGIApp, store: Store, keys: TokenStore) -> None:
        self.app, self.store, self.keys = app, store, keys
        self._lock = threading.Lock()
        self._generation = -1
        self._answers: dict[tuple[str, bytes], Answer] = {}

    def _token(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                return bearer_token(value.decode("latin-1"))
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith("/api/")
            or self.keys.lookup(self._token(scope)) is None
        ):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""))
        generation = self.store.generation  # read first: a later write makes it stale
        with self._lock:
            if generation != self._generation:
                self._generation, self._answers = generation, {}
            kept = self._answers.get(key)
        if kept is not None:
            await send(
                {"type": "http.response.start", "status": kept.status, "headers": kept.headers}
            )
            await send({"type": "http.response.body", "body": kept.body})
            return
        await self.app(scope, receive, self._keeping(key, generation, send))

    def _keeping(self, key: tuple[str, bytes], generation: int, send: Send) -> Send:
        """``send``, noting a successful answer sent in one piece to keep it."""
        start: list[Message] = []

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.append(message)
            elif (
                message["type"] == "http.response.body"
                and start
                and start[0]["status"] == 200
                and not message.get("more_body", False)
            ):
                headers = [(k, v) for k, v in start[0].get("headers", []) if k in _KEPT_HEADERS]
                answer = Answer(200, headers, bytes(message.get("body", b"")))
                with self._lock:
                    if generation == self._generation:
                        if len(self._answers) >= MAX_ENTRIES:
                            self._answers = {}
                        self._answers[key] = answer
            await send(message)

        return noting
