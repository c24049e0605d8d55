"""Bounded web input: request bodies, notes and reasons, and refusals that are 422, never 500.

The service took a 50 MB note (the case page then weighed 64 MB, the server 955 MB), and a
NaN in a JSON body answered 500: FastAPI's refusal echoed the value back, and JSON cannot
hold NaN. The workspace is the hand-built one of ``test_cases.py`` (two networks, cases open).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cibwatch.cases import case_notes, open_cases
from cibwatch.cases.store import MAX_TEXT_BYTES
from cibwatch.cli.cases import command as cases_command
from cibwatch.cli.serve import command as serve_command
from cibwatch.web.app import create_app
from cibwatch.web.limits import MAX_BODY
from cibwatch.workspace import Workspace
from test_cases import build_workspace

ADMIN = "admin-token-0123456789ab"
TOKENS = {ADMIN: ("adam", "admin")}
AUTH = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with build_workspace(path) as ws:
        open_cases(ws, "alice")
    return path


@pytest.fixture
def app(workspace: Path) -> Iterator[FastAPI]:
    application = create_app(workspace, TOKENS)
    with TestClient(application):
        yield application


def _notes(app: FastAPI) -> list[str]:
    with app.state.store.read() as ws:
        return [n.text for n in case_notes(ws, "N-aaa")]


def test_a_50_mb_note_is_refused_with_413_before_it_is_read(app: FastAPI) -> None:
    client = TestClient(app)
    body = json.dumps({"text": "x" * 50_000_000}).encode()
    answer = client.post("/api/cases/N-aaa/notes", content=body, headers=AUTH)
    assert answer.status_code == 413
    assert "too large" in answer.json()["detail"] and f"{MAX_BODY:,}" in answer.json()["detail"]
    assert "default-src 'none'" in answer.headers["content-security-policy"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        yield b'{"text": "'
        for _ in range(100):
            yield b"y" * 10_000
        yield b'"}'

    streamed = client.post("/api/cases/N-aaa/notes", content=chunks(), headers=AUTH)
    assert streamed.status_code == 413
    form = _session(app).post("/networks/N-aaa/notes", data={"text": "z" * 1_000_000})
    assert form.status_code == 413
    assert _notes(app) == []


def _session(app: FastAPI) -> TestClient:
    browser = TestClient(app)
    assert browser.post("/login", data={"token": ADMIN}, follow_redirects=False).is_redirect
    return browser


def test_notes_and_reasons_hold_at_most_64_kib(app: FastAPI) -> None:
    client = TestClient(app)
    url = "/api/cases/N-aaa/notes"
    fits = "é" * (MAX_TEXT_BYTES // 2)  # two bytes each: exactly the limit
    assert client.post(url, json={"text": fits}, headers=AUTH).status_code == 200
    over = client.post(url, json={"text": fits + "e"}, headers=AUTH)
    assert over.status_code == 422
    assert "65,537 bytes long; at most 65,536" in over.json()["detail"]
    client.post("/api/cases/N-aaa/status", json={"status": "in_review"}, headers=AUTH)
    long_reason = {"decision": "confirm", "reason": "r" * (MAX_TEXT_BYTES + 1)}
    refused = client.post("/api/cases/N-aaa/decision", json=long_reason, headers=AUTH)
    assert refused.status_code == 422 and "the reason is" in refused.json()["detail"]
    assert client.get("/api/cases/N-aaa", headers=AUTH).json()["status"] == "in_review"
    assert _notes(app) == [fits]


def test_a_long_note_from_the_dashboard_gets_the_error_page(app: FastAPI) -> None:
    browser = _session(app)
    page = browser.get("/networks/N-aaa")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    long_note = browser.post(
        "/networks/N-aaa/notes", data={"csrf": csrf, "text": "n" * (MAX_TEXT_BYTES + 1)}
    )
    assert long_note.status_code == 422 and "text/html" in long_note.headers["content-type"]
    assert "at most 65,536 bytes" in long_note.text
    assert _notes(app) == []


def test_the_cli_refuses_a_note_over_the_limit_too(workspace: Path) -> None:
    note = "x" * (MAX_TEXT_BYTES + 1)
    result = CliRunner().invoke(
        cases_command, ["note", str(workspace), "N-aaa", note, "--actor", "a"]
    )
    assert result.exit_code == 1 and "at most 65,536 bytes" in result.output
    with Workspace(workspace, read_only=True) as ws:
        assert case_notes(ws, "N-aaa") == []


#: Bodies the schema refuses: NaN and infinities (Python's JSON reader takes them), numbers
#: beyond any float or integer, wrong types, wrong shapes, nesting, broken JSON.
REFUSED_BODIES = [
    b'{"text": NaN}',
    b'{"text": Infinity}',
    b'{"text": -Infinity}',
    b'{"text": 1e400}',
    b'{"text": 123456789012345678901234567890123456789}',
    b'{"text": ["a"]}',
    b'{"text": {"a": NaN}}',
    b'{"text": true}',
    b'{"dry_run": NaN, "min_score": NaN}',
    b'{"dry_run": "yes", "min_score": "0.5"}',
    b'{"min_score": Infinity}',
    b'{"min_score": 1e400}',
    b'{"decision": "confirm", "reason": NaN}',
    b'{"status": 1e999, "reason": -Infinity}',
    b'{"network_ids": [NaN, 1e400, null]}',
    b'{"network_ids": "N-aaa"}',
    b'{"reason": [NaN]}',
    b"[NaN]",
    b"NaN",
    b"1e400",
    b'"text"',
    b"[" * 5000 + b"]" * 5000,
    b'{"text": "unterminated',
    b"\xff\xfe\x00",
]
#: Operations whose body fields are all optional, with those fields.
OPTIONAL_ONLY = {
    "/api/cases/open": {"network_ids"},
    "/api/rules/run": {"dry_run", "min_score"},
    "/api/actions/1/approve": {"reason"},
    "/api/cases/N-aaa/assign": {"assignee"},
}
POSTS = [
    "/api/cases/open",
    "/api/cases/N-aaa/decision",
    "/api/cases/N-aaa/status",
    "/api/cases/N-aaa/notes",
    "/api/cases/N-aaa/assign",
    "/api/networks/N-aaa/name",
    "/api/rules/run",
    "/api/actions/1/approve",
    "/api/actions/1/reject",
]


def test_every_refused_body_is_a_client_error_never_500(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    documented = {p for p, ops in app.openapi()["paths"].items() if "post" in ops}
    assert {p.replace("N-aaa", "{network_id}").replace("/1/", "/{action_id}/") for p in POSTS} == (
        documented
    ), "every operation taking a body is tried"
    answers: dict[tuple[str, bytes], int] = {}
    for url in POSTS:
        for body in REFUSED_BODIES:
            answer = client.post(url, content=body, headers=AUTH)
            answers[url, body[:40]] = answer.status_code
            assert answer.status_code < 500, (url, body[:40], answer.text)
            assert answer.json() is not None  # valid JSON, whatever the answer
    # only a body that names none of an operation's fields, sent to an operation whose
    # every field is optional (unknown fields are ignored), may be accepted
    accepted = {k for k, status in answers.items() if status < 400}
    assert accepted, "the check below has something to check"
    for url, head in accepted:
        body = next(b for b in REFUSED_BODIES if b[:40] == head)
        assert url in OPTIONAL_ONLY, (url, body)
        assert not set(json.loads(body)) & OPTIONAL_ONLY[url], (url, body)
    for url in POSTS[1:4]:  # the operations that need a field
        assert answers[url, b'{"text": NaN}'] == 422, "NaN answered 500 before"
    assert _notes(app) == []


def test_a_refusal_names_the_field_without_echoing_the_value(app: FastAPI) -> None:
    client = TestClient(app)
    body = b'{"dry_run": true, "min_score": NaN}'
    answer = client.post("/api/rules/run", content=body, headers=AUTH)
    assert answer.status_code == 422
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["body", "min_score"] and error["msg"] and "input" not in error
    listed = client.post("/api/cases/open", json={"network_ids": ["N-aaa", 3]}, headers=AUTH)
    assert listed.json()["detail"][0]["loc"] == ["body", "network_ids", 1]
    huge = client.get("/api/audit", params={"before": 10**40}, headers=AUTH)
    assert huge.status_code == 422, "an id beyond BIGINT failed inside DuckDB before"


def test_the_body_limit_is_configurable(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[FastAPI] = []
    monkeypatch.setattr("uvicorn.run", lambda application, **_kw: served.append(application))
    tokens = workspace.parent / "tokens.json"
    tokens.write_text(json.dumps({ADMIN: {"name": "adam", "role": "admin"}}))
    options = ["--token-file", str(tokens)]
    result = CliRunner().invoke(serve_command, [str(workspace), *options, "--max-body", "2048"])
    assert result.exit_code == 0, result.output
    with TestClient(served[0]) as client:
        small = client.post("/api/cases/N-aaa/notes", json={"text": "a" * 1900}, headers=AUTH)
        assert small.status_code == 200
        big = client.post("/api/cases/N-aaa/notes", json={"text": "a" * 2100}, headers=AUTH)
        assert big.status_code == 413 and "2,048 bytes" in big.json()["detail"]
    refused = CliRunner().invoke(serve_command, [str(workspace), *options, "--max-body", "10"])
    assert refused.exit_code == 2


def test_a_workspace_failure_is_503_in_words(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure DuckDB reports mid-request (a full disk, a damaged block) is not a bare 500."""

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise duckdb.IOException("IO Error: Could not write file: No space left on device")

    monkeypatch.setattr("cibwatch.web.api.add_note", full_disk)
    client = TestClient(app, raise_server_exceptions=False)
    answer = client.post("/api/cases/N-aaa/notes", json={"text": "x"}, headers=AUTH)
    assert answer.status_code == 503
    assert "the disk is full" in answer.json()["detail"]
