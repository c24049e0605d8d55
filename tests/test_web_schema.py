"""The REST API against its own published OpenAPI schema, and its role and input rules.

Schemathesis reads ``/openapi.json`` from the ASGI application in process (no socket) and
sends generated requests, valid and invalid, to every operation with an admin token. No
request may end in a server error, and every response must match the schema: status code,
content type, headers and body. Generation is derandomized, so a run is repeatable and a
failure reproduces.

The plain tests cover what generated requests cannot: every ``/api`` operation the schema
lists refuses a missing token (401), a viewer's write (403) and an analyst's call of an
admin-only operation (403), and a malformed JSON body gets 422 with a detail, never a 500.
The operation list comes from ``app.openapi()``, so a new route is covered as soon as it
exists.

Mismatches found by this file once (naive date-times, undocumented 400/401/403/404/409
answers, string-detail 422s, decisions, statuses and reasons the schema allowed but the API
refused) each keep a small test of their own, so a regression names its cause.

The workspace is a small synthetic world, investigated once per module; every application
here works on its own copy of it, because requests open cases and change them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
)

from cibwatch.networks import stored_networks
from cibwatch.pipeline import investigate
from cibwatch.synthetic import generate_world
from cibwatch.web.app import create_app
from cibwatch.workspace import Workspace

pytestmark = pytest.mark.slow

VIEWER = "schema-viewer-token-0123"
ANALYST = "schema-analyst-token-0123"
ADMIN = "schema-admin-token-012345"
TOKENS: dict[str, tuple[str, str]] = {
    VIEWER: ("vera", "viewer"),
    ANALYST: ("ana", "analyst"),
    ADMIN: ("adam", "admin"),
}
#: Operations only an admin may call (docs/web.md); every other write admits an analyst.
ADMIN_ONLY = {
    ("post", "/api/rules/run"),
    ("post", "/api/actions/{action_id}/approve"),
    ("post", "/api/actions/{action_id}/reject"),
}
METHODS = {"get", "post", "put", "patch", "delete"}
#: Bounded and repeatable: a second or two of requests per operation on a shared machine.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
Operation = APIOperation[Any, Any, Any, Any]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Investigated:
    """An investigated workspace that no application has opened, and its networks."""

    path: Path
    network_ids: list[str]

    @property
    def network_id(self) -> str:
        return self.network_ids[0]


@pytest.fixture(scope="module")
def investigated(tmp_path_factory: pytest.TempPathFactory) -> Investigated:
    root = tmp_path_factory.mktemp("web-schema")
    generate_world(root / "world", posts=1000, seed=7)
    path = root / "workspace.duckdb"
    with Workspace(path) as ws:
        investigate([root / "world"], ws, root / "out")
        ids = [n.network_id for n in stored_networks(ws)]
    assert len(ids) >= 2, "the synthetic world yields networks"
    return Investigated(path, ids)


def _app_on_copy(investigated: Investigated, directory: Path) -> FastAPI:
    copy = directory / "workspace.duckdb"
    shutil.copy(investigated.path, copy)
    return create_app(copy, TOKENS)


@pytest.fixture
def app(investigated: Investigated, tmp_path: Path) -> Iterator[FastAPI]:
    """An application on a throwaway copy of the workspace, closed at the end of the test."""
    application = _app_on_copy(investigated, tmp_path)
    with TestClient(application):  # runs the lifespan: the workspace closes at the end
        yield application


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)  # not entered: the app fixture holds the lifespan


@pytest.fixture
def api_schema(investigated: Investigated, tmp_path: Path) -> Iterator[BaseSchema]:
    """The schema as published at /openapi.json, sending its requests to a fresh application.

    Schemathesis runs that application's lifespan itself (one lifespan per application: a
    second one would close the workspace under the first) and ends it here.
    """
    application = _app_on_copy(investigated, tmp_path)
    yield schemathesis.openapi.from_asgi("/openapi.json", application)
    shutdown_lifespans()


# -- generated requests ------------------------------------------------------------------------


def _cases(operation: Operation, network_id: str) -> st.SearchStrategy[Case[Any]]:
    """Valid and invalid requests to ``operation``; half of them name a real network.

    Generated network ids almost never exist, so without the real one every request to a
    network's or case's operation would stop at its 404.
    """
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    if "{network_id}" in operation.path:
        real = {"network_id": network_id}
        strategies += [operation.as_strategy(mode, path_parameters=real) for mode in GenerationMode]
    return st.one_of(strategies)


def _fuzz(api_schema: BaseSchema, network_id: str) -> dict[str, str]:
    """Run generated requests against every operation: what failed, by operation label."""
    operations: list[Operation] = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), f"the schema has a broken operation: {result.err()}"
        operations.append(result.ok())
    assert len(operations) >= 13, "the schema lists the API's operations"
    failures: dict[str, str] = {}
    for operation in operations:

        @given(case=_cases(operation, network_id))
        @FUZZ
        def answers_as_documented(case: Case[Any]) -> None:
            case.call_and_validate(headers=auth(ADMIN))

        try:
            answers_as_documented()
        except (Failure, FailureGroup) as exc:
            failures[operation.label] = str(exc)
    return failures


def _report(failures: dict[str, str]) -> str:
    return "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


def test_generated_requests_get_responses_exactly_as_the_schema_says(
    api_schema: BaseSchema, investigated: Investigated
) -> None:
    """Every schemathesis check passes: no 5xx, documented statuses, bodies and headers."""
    failures = _fuzz(api_schema, investigated.network_id)
    assert not failures, _report(failures)


# -- one test per mismatch found once -------------------------------------------------------


def test_times_are_rfc3339_date_times(client: TestClient, investigated: Investigated) -> None:
    target = investigated.network_id
    assert client.post("/api/cases/open", headers=auth(ANALYST)).status_code == 200
    note = client.post(f"/api/cases/{target}/notes", json={"text": "n"}, headers=auth(ANALYST))
    assert note.status_code == 200
    case = client.get(f"/api/cases/{target}", headers=auth(VIEWER)).json()
    audit = client.get("/api/audit", headers=auth(VIEWER)).json()
    times = [case["opened_at"], case["updated_at"], note.json()["created_at"]]
    times += [entry["at"] for entry in audit]
    assert audit, "opening cases writes the audit log"
    naive = [t for t in times if not RFC3339.match(t)]
    assert not naive, f"date-times without an offset: {naive[:3]}"


def _statuses_met(client: TestClient, investigated: Investigated) -> set[tuple[str, str, int]]:
    """(method, path template, status) of the answers the API really gives."""
    met: set[tuple[str, str, int]] = set()
    target, other = investigated.network_ids[:2]
    for method, path, _operation in _operations(client):
        url = _url(path, target)
        met.add((method, path, client.request(method, url).status_code))  # no token
        if method != "get":
            viewer = client.request(method, url, json={}, headers=auth(VIEWER))
            met.add((method, path, viewer.status_code))
            garbled = client.request(
                method,
                url,
                content=b"\xff{\xfe",
                headers=auth(ADMIN) | {"Content-Type": "application/json"},
            )
            met.add((method, path, garbled.status_code))
    for method, path in (("get", "/api/networks/{network_id}"), ("get", "/api/cases/{network_id}")):
        unknown_network = client.request(method, _url(path, "N-none"), headers=auth(VIEWER))
        met.add((method, path, unknown_network.status_code))
    unknown_action = client.post("/api/actions/987654/approve", headers=auth(ADMIN))
    met.add(("post", "/api/actions/{action_id}/approve", unknown_action.status_code))
    client.post("/api/cases/open", headers=auth(ANALYST))
    jump = client.post(
        f"/api/cases/{other}/status", json={"status": "enforced"}, headers=auth(ANALYST)
    )
    met.add(("post", "/api/cases/{network_id}/status", jump.status_code))
    return met


def test_every_status_the_api_answers_is_documented(
    app: FastAPI, client: TestClient, investigated: Investigated
) -> None:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    met = _statuses_met(client, investigated)
    assert {status for _m, _p, status in met} >= {401, 403, 404, 409}, sorted(met)
    missing = sorted(
        (method, path, status)
        for method, path, status in met
        if str(status) not in paths[path][method]["responses"]
    )
    assert not missing, f"answers the schema does not document: {missing}"


def _checked(api_schema: BaseSchema, path: str, method: str, **kwargs: Any) -> str | None:
    """Send one request as ``Case(**kwargs)``; what the response-schema check says, if wrong."""
    case = api_schema[path][method].Case(**kwargs)
    try:
        case.call_and_validate(headers=auth(ADMIN), checks=[response_schema_conformance])
    except (Failure, FailureGroup) as exc:
        return f"{method} {path} {kwargs}: {exc}"
    return None


def test_refusals_have_the_documented_422_body(
    api_schema: BaseSchema, investigated: Investigated
) -> None:
    target = {"network_id": investigated.network_id}
    found = [
        _checked(api_schema, "/api/cases", "GET", query={"status": "deleted"}),
        _checked(
            api_schema,
            "/api/cases/{network_id}/status",
            "POST",
            path_parameters=target,
            body={"status": "deleted"},
        ),
        _checked(
            api_schema,
            "/api/actions/{action_id}/reject",
            "POST",
            path_parameters={"action_id": 1},
            body={},
        ),
    ]
    wrong = [text for text in found if text]
    assert not wrong, "\n\n".join(wrong)


def _allowed(openapi: dict[str, Any], method: str, path: str, body: Any) -> bool:
    """Whether the published schema allows ``body`` as the request body of the operation."""
    content = openapi["paths"][path][method]["requestBody"]["content"]["application/json"]
    schema = {**content["schema"], "components": openapi["components"]}
    return jsonschema_rs.Draft202012Validator(schema).is_valid(body)


def test_bodies_the_schema_allows_are_not_refused_as_invalid(
    app: FastAPI, client: TestClient, investigated: Investigated
) -> None:
    target = investigated.network_id
    assert client.post("/api/cases/open", headers=auth(ANALYST)).status_code == 200
    review = {"status": "in_review"}
    moved = client.post(f"/api/cases/{target}/status", json=review, headers=auth(ANALYST))
    assert moved.status_code == 200, moved.text
    bodies = [
        ("/api/cases/{network_id}/decision", {"decision": "escalate", "reason": "odd hours"}),
        ("/api/cases/{network_id}/status", {"status": "archived"}),
        ("/api/actions/{action_id}/reject", {}),
    ]
    openapi = app.openapi()
    allowed = [(path, body) for path, body in bodies if _allowed(openapi, "post", path, body)]
    refused = []
    for path, body in allowed:
        response = client.post(_url(path, target), json=body, headers=auth(ADMIN))
        if response.status_code == 422:
            refused.append((path, body, response.json()["detail"]))
    assert not refused, f"bodies the schema allows, refused as invalid: {refused}"


# -- roles and refused input -------------------------------------------------------------------


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    """Every ``/api`` operation of the schema: method, path and the operation object."""
    app = client.app
    assert isinstance(app, FastAPI)
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    found = [
        (method, path, operation)
        for path, item in paths.items()
        if path.startswith("/api/")
        for method, operation in item.items()
        if method in METHODS
    ]
    assert found, "the schema lists the API"
    return found


def _url(path: str, network_id: str) -> str:
    """``path`` with real values in its parameters, so only the token decides the answer."""
    return path.replace("{network_id}", network_id).replace("{action_id}", "1")


def test_every_operation_needs_a_token(client: TestClient, investigated: Investigated) -> None:
    for method, path, _operation in _operations(client):
        url = _url(path, investigated.network_id)
        for headers in ({}, auth("not-a-known-token-at-all"), {"Authorization": f"Basic {ADMIN}"}):
            response = client.request(method, url, json={}, headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["detail"]


def test_viewers_may_not_write(client: TestClient, investigated: Investigated) -> None:
    writes = [(m, p) for m, p, _op in _operations(client) if m != "get"]
    assert writes, "the API has write operations"
    for method, path in writes:
        url = _url(path, investigated.network_id)
        response = client.request(method, url, json={}, headers=auth(VIEWER))
        assert response.status_code == 403, (method, path, response.text)
        assert "role" in response.json()["detail"]
    cases = client.get("/api/cases", headers=auth(VIEWER))
    assert cases.json() == [], "nothing a viewer sent changed the workspace"


def test_analysts_may_not_call_admin_operations(
    client: TestClient, investigated: Investigated
) -> None:
    operations = {(m, p) for m, p, _op in _operations(client)}
    assert operations >= ADMIN_ONLY, "the admin-only operations are published"
    for method, path in sorted(operations):
        if method == "get":
            continue
        url = _url(path, investigated.network_id)
        response = client.request(method, url, json={}, headers=auth(ANALYST))
        if (method, path) in ADMIN_ONLY:
            assert response.status_code == 403, (method, path, response.text)
            assert "admin role" in response.json()["detail"]
        else:
            # every other write is analyst work: the answer is about the request, not the role
            assert response.status_code not in (401, 403), (method, path, response.text)
            assert response.status_code < 500, (method, path, response.text)


def test_malformed_json_bodies_are_422_with_a_detail(
    client: TestClient, investigated: Investigated
) -> None:
    with_body = [(m, p) for m, p, op in _operations(client) if "requestBody" in op]
    assert len(with_body) >= 7, "the write operations take JSON bodies"
    broken = (b'{"reason": ', b"{'single': 'quotes'}", b'{"a": 1}}', b"[1, 2", b"\xff\xfe", b"")
    wrong_shape = (b'"text"', b"[1, 2]", b"42")
    for method, path in with_body:
        url = _url(path, investigated.network_id)
        for body in broken + wrong_shape:
            response = client.request(
                method,
                url,
                content=body,
                headers=auth(ADMIN) | {"Content-Type": "application/json"},
            )
            if body == b"" and response.status_code != 422:
                # an empty body is no body: operations whose body is optional accept it
                assert response.status_code < 500, (method, path, response.text)
                continue
            assert response.status_code == 422, (method, path, body, response.text)
            assert response.json()["detail"], (method, path, body)
