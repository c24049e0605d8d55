"""Dashboard login sessions kept by the server: the browser holds only a random session id.

The dashboard's cookie used to be the bearer token itself, so logging out revoked nothing:
whoever had copied the cookie kept a token that works on the API for as long as the token
lives. Now logging in with a token starts a session here, and the cookie carries only its
id (256 random bits, HttpOnly, SameSite=Strict, Secure over TLS), which is useless on the
API. Logging out ends the session on the server, so the id no longer opens anything.

A session ends when it is logged out, when it has been idle for :data:`IDLE`, after
:data:`LIFETIME` whatever happens, and as soon as the token it was opened with expires (the
token is looked up again on every request). Sessions live in the process's memory, so a
restart ends them all; at most :data:`MAX_SESSIONS` are kept (the oldest go first), so
logging in in a loop cannot grow memory without bound. Ids are kept as SHA-256 digests:
the table holds nothing a memory dump could replay.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from cibwatch.web.auth import Principal, TokenStore

#: The name of the session cookie.
COOKIE: Final = "cibwatch_session"
#: A session unused for this long ends.
IDLE: Final = timedelta(hours=8)
#: A session ends this long after the login, used or not.
LIFETIME: Final = timedelta(hours=24)
#: Sessions kept at most; beyond, the least recently used ends.
MAX_SESSIONS: Final = 10_000


@dataclass
class Session:
    """One login: the token it was opened with (checked again on each use) and its times."""

    token: str
    started: datetime
    seen: datetime


def _digest(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).digest()


class SessionStore:
    """The open dashboard sessions of one service, safe to use from any thread."""

    def __init__(self, keys: TokenStore) -> None:
        self.keys = keys
        self._sessions: dict[bytes, Session] = {}
        self._lock = threading.Lock()

    def start(self, token: str) -> tuple[str, Principal] | None:
        """A new session for ``token`` and its principal, or None for an unknown token."""
        principal = self.keys.lookup(token)
        if principal is None:
            return None
        session_id = secrets.token_urlsafe(32)
        now = self.keys.clock()
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                self._drop_stale(now)
            while len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda k: self._sessions[k].seen)
                del self._sessions[oldest]
            self._sessions[_digest(session_id)] = Session(token, now, now)
        return session_id, principal

    def lookup(self, session_id: str | None) -> Principal | None:
        """The principal of a live session, or None (unknown, ended, or its token expired)."""
        if not session_id:
            return None
        key = _digest(session_id)
        now = self.keys.clock()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if _stale(session, now):
                del self._sessions[key]
                return None
            session.seen = now
            token = session.token
        principal = self.keys.lookup(token)
        if principal is None:  # the token expired: so does every session opened with it
            self.end(session_id)
        return principal

    def end(self, session_id: str | None) -> None:
        """End the session ``session_id`` (logging out); an unknown id is ignored."""
        if session_id:
            with self._lock:
                self._sessions.pop(_digest(session_id), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _drop_stale(self, now: datetime) -> None:
        for key in [k for k, s in self._sessions.items() if _stale(s, now)]:
            del self._sessions[key]


def _stale(session: Session, now: datetime) -> bool:
    return now - session.seen >= IDLE or now - session.started >= LIFETIME
