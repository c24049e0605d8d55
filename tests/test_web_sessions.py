"""Dashboard sessions kept by the server, and tokens that expire.

The dashboard's cookie used to be the bearer token itself, so logging out revoked nothing
and a copied cookie worked on the API. Now the cookie holds a random session id: it opens
the dashboard only, logging out ends it on the server, and a session ends when its token
expires. An empty workspace is enough: these tests are about who gets in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cibwatch.errors import ConfigError, InputError
from cibwatch.web import sessions as sessions_module
from cibwatch.web.app import COOKIE, create_app
from cibwatch.web.auth import TokenEntry, TokenStore, load_tokens
from cibwatch.web.sessions import IDLE, LIFETIME, SessionStore
from cibwatch.workspace import Workspace

ANALYST = "analyst-token-0123456789"
VIEWER = "viewer-token-0123456789"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand (no sleeping, no timing)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> Iterator[FastAPI]:
    Workspace(tmp_path / "ws.duckdb").close()
    tokens: dict[str, TokenEntry] = {
        ANALYST: ("ana", "analyst", NOW + timedelta(hours=1)),
        VIEWER: ("vera", "viewer"),
    }
    application = create_app(tmp_path / "ws.duckdb", tokens)
    application.state.keys.clock = clock
    with TestClient(application):
        yield application


def _log_in(app: FastAPI, token: str, *, base_url: str = "http://testserver") -> TestClient:
    browser = TestClient(app, base_url=base_url)
    answer = browser.post("/login", data={"token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return browser


def test_the_cookie_is_a_random_session_id_not_the_token(app: FastAPI) -> None:
    browser = _log_in(app, ANALYST)
    session_id = browser.cookies[COOKIE]
    assert ANALYST not in session_id and len(session_id) >= 43  # 256 bits, URL-safe
    assert _log_in(app, ANALYST).cookies[COOKIE] != session_id, "a new id per login"
    api = TestClient(app)
    for header in (f"Bearer {session_id}", f"Bearer {ANALYST}"):
        answer = api.get("/api/cases", headers={"Authorization": header})
        assert answer.status_code == (200 if ANALYST in header else 401)
    assert browser.get("/", follow_redirects=False).status_code == 200


def test_the_cookie_attributes(app: FastAPI) -> None:
    plain = TestClient(app).post("/login", data={"token": VIEWER}, follow_redirects=False)
    cookie = plain.headers["set-cookie"]
    assert "HttpOnly" in cookie and re.search("SameSite=strict", cookie, re.I)
    assert "Path=/" in cookie and "Secure" not in cookie
    tls = TestClient(app, base_url="https://testserver")
    secure = tls.post("/login", data={"token": VIEWER}, follow_redirects=False)
    assert "Secure" in secure.headers["set-cookie"], "Secure whenever served over TLS"


def test_logging_out_revokes_the_session_on_the_server(app: FastAPI) -> None:
    browser = _log_in(app, ANALYST)
    stolen = browser.cookies[COOKIE]
    other = _log_in(app, ANALYST)  # a second login of the same person is its own session
    assert browser.post("/logout", follow_redirects=False).status_code == 303
    replay = TestClient(app, cookies={COOKIE: stolen})
    assert replay.get("/", follow_redirects=False).headers["location"] == "/login"
    refused = replay.post("/networks/N-x/open", data={"csrf": "0" * 64})
    assert refused.status_code == 401
    assert other.get("/", follow_redirects=False).status_code == 200


def test_a_session_ends_when_its_token_expires(app: FastAPI, clock: Clock) -> None:
    analyst, viewer = _log_in(app, ANALYST), _log_in(app, VIEWER)
    clock.now = NOW + timedelta(hours=1)  # the analyst token's expiry
    assert analyst.get("/", follow_redirects=False).status_code == 303
    auth = {"Authorization": f"Bearer {ANALYST}"}
    assert TestClient(app).get("/api/cases", headers=auth).status_code == 401
    again = TestClient(app).post("/login", data={"token": ANALYST})
    assert again.status_code == 401 and "unknown or expired token" in again.text
    assert COOKIE not in again.cookies
    assert viewer.get("/", follow_redirects=False).status_code == 200, "no expiry: still in"


def test_sessions_end_when_idle_and_after_their_lifetime(app: FastAPI, clock: Clock) -> None:
    browser = _log_in(app, VIEWER)
    clock.now = NOW + IDLE - timedelta(minutes=1)
    assert browser.get("/", follow_redirects=False).status_code == 200  # use renews it
    clock.now += IDLE - timedelta(minutes=1)
    assert browser.get("/", follow_redirects=False).status_code == 200
    clock.now = NOW + LIFETIME
    assert browser.get("/", follow_redirects=False).status_code == 303, "used, but too old"
    idle = _log_in(app, VIEWER)
    clock.now += IDLE
    assert idle.get("/", follow_redirects=False).status_code == 303


def test_csrf_and_roles_still_hold_with_sessions(app: FastAPI) -> None:
    analyst = _log_in(app, ANALYST)
    page = analyst.get("/networks/N-x")
    assert page.status_code == 404  # an empty workspace; the forms are tested in test_web
    bad = analyst.post("/networks/N-x/open", data={"csrf": "0" * 64})
    assert bad.status_code == 403 and "CSRF" in bad.json()["detail"]
    viewer = _log_in(app, VIEWER)
    assert viewer.post("/networks/N-x/open", data={"csrf": "0" * 64}).status_code == 403
    cross = analyst.post("/logout", headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert analyst.get("/", follow_redirects=False).status_code == 200, "still logged in"


def test_logging_in_again_ends_the_previous_session(app: FastAPI) -> None:
    browser = _log_in(app, VIEWER)
    first = browser.cookies[COOKIE]
    browser.post("/login", data={"token": ANALYST}, follow_redirects=False)
    assert browser.cookies[COOKIE] != first
    old = TestClient(app, cookies={COOKIE: first})
    assert old.get("/", follow_redirects=False).status_code == 303


def test_the_session_table_is_bounded(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    monkeypatch.setattr(sessions_module, "MAX_SESSIONS", 3)
    store = SessionStore(TokenStore({VIEWER: ("vera", "viewer")}, clock=clock))
    started = []
    for minute in range(5):
        clock.now = NOW + timedelta(minutes=minute)
        begun = store.start(VIEWER)
        assert begun is not None
        started.append(begun[0])
    assert len(store) == 3
    assert [store.lookup(s) is not None for s in started] == [False, False, True, True, True]
    assert store.start("not-a-known-token-at-all") is None
    assert store.lookup(None) is None and store.lookup("") is None


def test_token_file_expiry_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(
        json.dumps(
            {
                ANALYST: {"name": "ana", "role": "analyst", "expires": "2026-06-02T00:00:00Z"},
                VIEWER: {"name": "vera", "role": "viewer"},
            }
        )
    )
    tokens = load_tokens(path)
    assert tokens[ANALYST] == ("ana", "analyst", datetime(2026, 6, 2, tzinfo=UTC))
    clock = Clock()
    store = TokenStore(tokens, clock=clock)
    assert store.lookup(ANALYST) is not None and store.expired() == []
    clock.now = datetime(2026, 6, 2, tzinfo=UTC)
    assert store.lookup(ANALYST) is None and store.lookup(VIEWER) is not None
    assert store.expired() == ["ana"]
    for bad, said in (
        ("2026-06-02", "has no zone"),
        ("2026-06-02T00:00:00", "has no zone"),
        ("next week", "not a time with its zone"),
        (1780000000, "must be a time with its zone"),
    ):
        path.write_text(json.dumps({ANALYST: {"name": "a", "role": "viewer", "expires": bad}}))
        with pytest.raises(InputError, match=f"row 1, field expires: .*{said}"):
            load_tokens(path)
    with pytest.raises(ConfigError, match="time zone"):
        TokenStore({ANALYST: ("ana", "analyst", datetime(2026, 1, 1))})
