"""Bounds on what a request may send, refused before any handler runs.

The service took a 50 MB note, after which the case page weighed 64 MB and the server
955 MB. Notes and reasons are bounded by the case library
(:data:`cibwatch.cases.store.MAX_TEXT_BYTES`, 64 KiB); this module bounds the body of every
request, whatever the endpoint, so that no handler ever reads more than :data:`MAX_BODY`
bytes (configurable: ``create_app(..., max_body=...)``, ``cibwatch serve --max-body``).

:class:`BodyLimit` answers **413** with a sentence when the declared ``Content-Length`` is
over the limit, and otherwise reads the body itself, counting, so that a body sent in chunks
(no length declared) or longer than declared is refused too. The body read is then handed
to the application as it came.
"""

from __future__ import annotations

import json
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cibwatch.cases.store import MAX_TEXT_BYTES

#: The default bound of a request body: a note of :data:`MAX_TEXT_BYTES` fits even as a
#: url-encoded form of three-byte characters (9 bytes sent per character).
MAX_BODY: Final = 4 * MAX_TEXT_BYTES
#: Methods whose body is read; others are passed on untouched.
_WITH_BODY: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_body`` bytes with 413."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await self._refuse(send, declared)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._refuse(send, None)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: list[Message] = [{"type": "http.request", "body": b"".join(chunks)}]

        async def replay() -> Message:
            return body.pop() if body else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, declared: int | None) -> None:
        sent = f"{declared:,} bytes" if declared is not None else "more was sent"
        detail = (
            f"the request body is too large ({sent}); at most {self.max_body:,} bytes are "
            f"read (a note or reason holds at most {MAX_TEXT_BYTES:,} bytes)"
        )
        payload = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
