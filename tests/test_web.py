"""The web service: bearer-token roles, the review flow through the REST API, refused input,
escaping of hostile content in the dashboard, security headers and the OpenAPI schema.

One demo workspace (``cibwatch demo --posts 4000``) is built per module; its ground truth
names the accounts of the planted Spamouflage-like operation, which the tests find among the
assembled networks. A second copy, with hostile post texts, serves the escaping tests.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cibwatch.cases import STATUSES
from cibwatch.cli.main import cli
from cibwatch.cli.serve import command as serve_command
from cibwatch.errors import ConfigError, InputError
from cibwatch.networks import stored_networks
from cibwatch.web.app import COOKIE, CSP, create_app
from cibwatch.web.auth import Role, TokenStore, load_tokens
from cibwatch.web.models import StatusName
from cibwatch.workspace import Workspace

VIEWER = "viewer-token-0123456789"
ANALYST = "analyst-token-0123456789"
ADMIN = "admin-token-0123456789ab"
TOKENS: dict[str, tuple[str, str]] = {
    VIEWER: ("vera", "viewer"),
    ANALYST: ("ana", "analyst"),
    ADMIN: ("adam", "admin"),
}
HOSTILE = '<script>alert("pwned")</script>'


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("web-demo")
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--posts", "4000"])
    assert result.exit_code == 0, result.output
    # a copy taken before any app opens the workspace, for tests that need their own file
    shutil.copy(out / "workspace.duckdb", out / "pristine.duckdb")
    return out


@pytest.fixture(scope="module")
def networks(demo: Path) -> dict[str, str]:
    """Network id of each planted operation: ``spamouflage`` and ``other``."""
    truth = json.loads((demo / "world" / "ground_truth.json").read_text())
    group = next(g for g in truth["groups"] if g["id"] == "op_a_spamouflage")
    planted = {a for kinds in group["accounts"].values() for ids in kinds.values() for a in ids}
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        nets = stored_networks(ws)
    best = max(nets, key=lambda n: len(planted & set(n.members)))
    assert len(planted & set(best.members)) >= 30, "the demo must find the planted operation"
    others = [n.network_id for n in nets if n.network_id != best.network_id]
    assert others, "the demo world holds a second operation"
    return {"spamouflage": best.network_id, "other": others[0]}


@pytest.fixture(scope="module")
def hostile_path(
    demo: Path, networks: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A copy of the demo workspace whose member posts and handles carry a script tag."""
    path = tmp_path_factory.mktemp("web-hostile") / "hostile.duckdb"
    shutil.copy(demo / "pristine.duckdb", path)
    with Workspace(path) as ws:
        con = ws.connection
        con.execute("UPDATE posts SET text = ? || text WHERE text IS NOT NULL", [HOSTILE])
    return path


@pytest.fixture(scope="module")
def app(demo: Path, networks: dict[str, str]) -> Iterator[FastAPI]:
    application = create_app(demo / "workspace.duckdb", TOKENS)
    with TestClient(application):  # runs the lifespan: the workspace closes at the end
        yield application


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


# -- authentication and roles -----------------------------------------------------------------


def test_requests_without_a_valid_token_get_401(client: TestClient) -> None:
    assert client.get("/api/networks").status_code == 401
    bad = client.get("/api/networks", headers=auth("not-a-known-token-at-all"))
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    basic = client.get("/api/networks", headers={"Authorization": f"Basic {VIEWER}"})
    assert basic.status_code == 401


def test_api_ignores_the_dashboard_cookie(app: FastAPI) -> None:
    """The API takes bearer tokens only, so a cross-site form cannot ride on the cookie."""
    browser = _login(app, ADMIN)
    assert browser.get("/").status_code == 200
    assert browser.get("/api/networks").status_code == 401
    assert browser.post("/api/cases/open").status_code == 401


def test_roles_admit_their_level_and_above(client: TestClient, networks: dict[str, str]) -> None:
    for token in (VIEWER, ANALYST, ADMIN):
        assert client.get("/api/networks", headers=auth(token)).status_code == 200
    assert client.post("/api/cases/open", headers=auth(VIEWER)).status_code == 403
    note = {"text": "viewers may not write"}
    url = f"/api/cases/{networks['other']}/notes"
    assert client.post(url, json=note, headers=auth(VIEWER)).status_code == 403
    rules = client.post("/api/rules/run", json={"dry_run": True}, headers=auth(ANALYST))
    assert rules.status_code == 403
    dry = client.post("/api/rules/run", json={"dry_run": True}, headers=auth(ADMIN))
    assert dry.status_code == 200
    assert dry.json()["dry_run"] is True
    assert dry.json()["queued"] == []


def test_token_store_refuses_weak_configuration(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="shorter than 16"):
        TokenStore({"short": ("x", "admin")})
    with pytest.raises(ConfigError, match="unknown role"):
        TokenStore({"a" * 20: ("x", "root")})
    with pytest.raises(ConfigError, match="no tokens"):
        TokenStore({})
    store = TokenStore({"a" * 20: ("x", Role.analyst)})
    assert store.lookup("a" * 20) is not None
    assert store.lookup("a" * 19) is None
    assert store.lookup(None) is None
    bad = tmp_path / "tokens.json"
    bad.write_text(json.dumps({"b" * 20: {"name": "b", "role": "god"}}))
    with pytest.raises(InputError, match="row 1, field role"):
        load_tokens(bad)


# -- the review flow -------------------------------------------------------------------------


def test_full_review_flow_reaches_takedown_and_audit(
    client: TestClient, networks: dict[str, str]
) -> None:
    target = networks["spamouflage"]
    opened = client.post("/api/cases/open", headers=auth(ANALYST))
    assert opened.status_code == 200
    cases = client.get("/api/cases", headers=auth(VIEWER)).json()
    assert target in {c["network_id"] for c in cases}

    review = client.post(
        f"/api/cases/{target}/status", json={"status": "in_review"}, headers=auth(ANALYST)
    )
    assert review.status_code == 200, review.text
    reason = "office-hours schedule at UTC+8 and shared persona faces"
    decided = client.post(
        f"/api/cases/{target}/decision",
        # an actor in the body is ignored: the token's name is the actor
        json={"decision": "confirm", "reason": reason, "actor": "mallory"},
        headers=auth(ANALYST),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "confirmed_cib"

    detail = client.get(f"/api/cases/{target}", headers=auth(VIEWER)).json()
    assert detail["decisions"][-1]["reason"] == reason
    assert detail["decisions"][-1]["actor"] == "ana"

    network = client.get(f"/api/networks/{target}", headers=auth(VIEWER)).json()
    takedown = client.get("/api/takedown", headers=auth(VIEWER)).json()
    listed = {t["asset"] for t in takedown if t["network_id"] == target}
    assert set(network["members"]) <= listed

    audit = client.get("/api/audit", params={"subject": target}, headers=auth(VIEWER)).json()
    actions = [(a["action"], a["actor"]) for a in audit]
    assert ("decide", "ana") in actions
    assert ("open", "ana") in actions
    assert all(a["actor"] != "mallory" for a in audit)

    # the log pages backwards: the latest two, then the ones before them, none twice
    every = client.get("/api/audit", headers=auth(VIEWER)).json()
    assert len(every) >= 4
    ids = [a["audit_id"] for a in every]
    assert ids == sorted(ids)
    last = client.get("/api/audit", params={"limit": 2}, headers=auth(VIEWER)).json()
    assert [a["audit_id"] for a in last] == ids[-2:]
    back = {"limit": 2, "before": last[0]["audit_id"]}
    earlier = client.get("/api/audit", params=back, headers=auth(VIEWER)).json()
    assert [a["audit_id"] for a in earlier] == ids[-4:-2]
    too_many = client.get("/api/audit", params={"limit": 10**6}, headers=auth(VIEWER))
    assert too_many.status_code == 422


def test_networks_list_filters_and_shows_case_status(
    client: TestClient, networks: dict[str, str]
) -> None:
    everything = client.get("/api/networks", headers=auth(VIEWER)).json()
    assert {n["network_id"] for n in everything} >= set(networks.values())
    # CIB first, then by score; the planted operations are judged CIB (both axes hold).
    by_id = {n["network_id"]: n for n in everything}
    assert all(by_id[i]["verdict"] == "cib" for i in networks.values())
    assert by_id[networks["spamouflage"]]["verdict_label"] == "Coordinated inauthentic behaviour"
    ranks = [(n["verdict"] != "cib", -n["score"]) for n in everything]
    assert ranks == sorted(ranks)
    scores = [n["score"] for n in everything]
    top = max(scores)
    above = client.get("/api/networks", params={"min_score": top}, headers=auth(VIEWER)).json()
    assert [n["score"] for n in above] == [top]
    nowhere = client.get("/api/networks", params={"platform": "myspace"}, headers=auth(VIEWER))
    assert nowhere.json() == []
    fb = client.get("/api/networks", params={"platform": "facebook"}, headers=auth(VIEWER))
    assert all("facebook" in n["platforms"] for n in fb.json())


def test_dossier_json_has_the_network_facts(client: TestClient, networks: dict[str, str]) -> None:
    target = networks["spamouflage"]
    body = client.get(f"/api/networks/{target}", headers=auth(VIEWER)).json()
    assert body["network_id"] == target
    assert len(body["members"]) >= 30
    assert body["evidence_by_signal"], "a planted operation has evidence"
    assert body["attribution"]["operator_offset"] == 8
    times = re.findall(r'"(\d{4}-\d\d-\d\dT[\d:.]+[^"]*)"', json.dumps(body))
    assert times, "a dossier states when the network was active"
    assert all(t.endswith("Z") for t in times), [t for t in times if not t.endswith("Z")][:3]


# -- refused input ---------------------------------------------------------------------------


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert client.get("/api/networks/N-nope", headers=auth(VIEWER)).status_code == 404
    assert client.get("/api/cases/N-nope", headers=auth(VIEWER)).status_code == 404
    note = client.post("/api/cases/N-nope/notes", json={"text": "x"}, headers=auth(ANALYST))
    assert note.status_code == 404
    approve = client.post("/api/actions/999999/approve", headers=auth(ADMIN))
    assert approve.status_code == 404
    opened = client.post("/api/cases/open", json={"network_ids": ["N-nope"]}, headers=auth(ANALYST))
    assert opened.status_code == 404
    assert "N-nope" in opened.json()["detail"]


def test_get_answers_do_not_depend_on_who_asks(
    demo: Path, networks: dict[str, str], tmp_path: Path
) -> None:
    """The micro-cache replays GET /api answers to every token: they must not vary by role.

    Each token asks its own fresh application (nothing cached yet), so a GET operation that
    answered differently by principal would show here.
    """
    answers: dict[str, dict[str, bytes]] = {}
    for token in (VIEWER, ANALYST, ADMIN):
        copy = tmp_path / f"{token}.duckdb"
        shutil.copy(demo / "pristine.duckdb", copy)
        app = create_app(copy, TOKENS)
        paths = [p for p, ops in app.openapi()["paths"].items() if "get" in ops]
        with TestClient(app) as fresh:
            for path in paths:
                url = path.replace("{network_id}", networks["spamouflage"])
                answer = fresh.get(url, headers=auth(token))
                assert answer.status_code in (200, 404), url  # 404: no case opened here
                replayed = fresh.get(url, headers=auth(token))
                assert replayed.content == answer.content, url
                assert replayed.headers["content-security-policy"] == CSP
                answers.setdefault(url, {})[token] = answer.content
    assert len(answers) >= 6
    for url, by_token in answers.items():
        assert len(set(by_token.values())) == 1, url


def test_schema_enumerates_the_library_statuses(app: FastAPI) -> None:
    assert get_args(StatusName) == STATUSES
    schema = app.openapi()["components"]["schemas"]
    assert schema["StatusIn"]["properties"]["status"]["enum"] == list(STATUSES)
    assert schema["DecisionIn"]["properties"]["decision"]["enum"] == ["confirm", "dismiss"]


def test_refused_transition_is_409(client: TestClient, networks: dict[str, str]) -> None:
    target = networks["other"]
    client.post("/api/cases/open", headers=auth(ANALYST))
    status = client.get(f"/api/cases/{target}", headers=auth(VIEWER)).json()["status"]
    assert status == "new"
    # confirming needs the case to be in review first
    refused = client.post(
        f"/api/cases/{target}/decision",
        json={"decision": "confirm", "reason": "looks coordinated"},
        headers=auth(ANALYST),
    )
    assert refused.status_code == 409
    assert "cannot go from new to confirmed_cib" in refused.json()["detail"]
    jump = client.post(
        f"/api/cases/{target}/status", json={"status": "enforced"}, headers=auth(ANALYST)
    )
    assert jump.status_code == 409
    after = client.get(f"/api/cases/{target}", headers=auth(VIEWER)).json()
    assert after["status"] == "new"


def test_bad_bodies_are_422(client: TestClient, networks: dict[str, str]) -> None:
    target = networks["other"]
    url = f"/api/cases/{target}/decision"
    for body in (
        {"decision": "confirm", "reason": ""},
        {"decision": "confirm", "reason": "   "},
        {"decision": "maybe", "reason": "because"},
        {"decision": "confirm"},
    ):
        response = client.post(url, json=body, headers=auth(ANALYST))
        assert response.status_code == 422, (body, response.text)
    malformed = client.post(
        url,
        content=b'{"decision": "confirm", "reason": ',
        headers=auth(ANALYST) | {"Content-Type": "application/json"},
    )
    assert malformed.status_code == 422
    bad_score = client.get("/api/networks", params={"min_score": 7}, headers=auth(VIEWER))
    assert bad_score.status_code == 422
    unknown = client.post(
        f"/api/cases/{target}/status", json={"status": "deleted"}, headers=auth(ANALYST)
    )
    assert unknown.status_code == 422
    still = client.get(f"/api/cases/{target}", headers=auth(VIEWER)).json()
    assert still["decisions"] == []


# -- dashboard -------------------------------------------------------------------------------


def _login(app: FastAPI, token: str) -> TestClient:
    browser = TestClient(app)  # not entered: the shared app's lifespan stays open
    response = browser.post("/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    return browser


def test_dashboard_needs_a_login(app: FastAPI, networks: dict[str, str]) -> None:
    stranger = TestClient(app)
    response = stranger.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    page = stranger.get(f"/networks/{networks['spamouflage']}", follow_redirects=False)
    assert page.status_code == 303
    wrong = stranger.post("/login", data={"token": "guess-guess-guess-guess"})
    assert wrong.status_code == 401
    assert COOKIE not in stranger.cookies
    forged = stranger.post(
        "/login", data={"token": VIEWER}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    assert COOKIE not in stranger.cookies


def test_dashboard_lists_and_shows_networks(app: FastAPI, networks: dict[str, str]) -> None:
    browser = _login(app, VIEWER)
    index = browser.get("/")
    assert index.status_code == 200
    for network_id in networks.values():
        assert network_id in index.text
    assert "vera" in index.text
    filtered = browser.get("/", params={"platform": "myspace"})
    assert networks["spamouflage"] not in filtered.text
    page = browser.get(f"/networks/{networks['spamouflage']}")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 3, "graph, timeline and heatmap pictures"
    for heading in ("Summary", "Why it was flagged", "Pair evidence", "Attribution", "Case"):
        assert f"<h2>{heading}</h2>" in page.text
    assert "<h3>Assets by platform</h3>" in page.text
    assert "<script" not in page.text
    missing = browser.get("/networks/N-nope")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert "no network N-nope" in missing.text
    out = browser.post("/logout", follow_redirects=False)
    assert out.status_code == 303
    assert browser.get("/", follow_redirects=False).status_code == 303


@pytest.fixture(scope="module")
def hostile_app(hostile_path: Path) -> Iterator[FastAPI]:
    application = create_app(hostile_path, TOKENS)
    with TestClient(application):
        yield application


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page carries a CSRF token in its forms"
    return found.group(1)


def test_hostile_posts_are_escaped(hostile_app: FastAPI, networks: dict[str, str]) -> None:
    browser = _login(hostile_app, VIEWER)
    page = browser.get(f"/networks/{networks['spamouflage']}")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page.text
    assert 'name="csrf"' not in page.text, "a viewer is offered no case forms"


def test_dashboard_review_flow_with_csrf(hostile_app: FastAPI, networks: dict[str, str]) -> None:
    target = networks["spamouflage"]
    url = f"/networks/{target}"
    browser = _login(hostile_app, ANALYST)
    token = _csrf(browser.get(url).text)

    # refused: no CSRF token, a wrong one, another site's Origin, a viewer's session
    for refused in (
        browser.post(f"{url}/open", data={}),
        browser.post(f"{url}/open", data={"csrf": "0" * 64}),
        browser.post(
            f"{url}/open", data={"csrf": token}, headers={"Origin": "https://evil.example"}
        ),
    ):
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
    viewer = _login(hostile_app, VIEWER)
    as_viewer = viewer.post(f"{url}/open", data={"csrf": token})
    assert as_viewer.status_code == 403
    assert "analyst role" in as_viewer.json()["detail"]
    stranger = TestClient(hostile_app).post(f"{url}/open", data={"csrf": token})
    assert stranger.status_code == 401
    api = TestClient(hostile_app)
    assert api.get(f"/api/cases/{target}", headers=auth(VIEWER)).status_code == 404

    steps = [
        ("open", {}),
        ("status", {"status": "in_review"}),
        ("notes", {"text": HOSTILE}),
        ("status", {"status": "confirmed_cib", "reason": "UTC+8 office hours"}),
    ]
    for action, fields in steps:
        done = browser.post(
            f"{url}/{action}", data={"csrf": token, **fields}, follow_redirects=False
        )
        assert done.status_code == 303, (action, done.text)
    blank = browser.post(f"{url}/status", data={"csrf": token, "status": "enforced"})
    assert blank.status_code == 422, "enforcing is a decision and needs a reason"
    assert "needs a reason" in blank.text

    page = browser.get(url).text
    assert "confirmed_cib" in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page
    case = api.get(f"/api/cases/{target}", headers=auth(VIEWER)).json()
    assert case["status"] == "confirmed_cib"
    assert case["decisions"][-1]["actor"] == "ana"
    takedown = browser.get("/takedown").text
    assert target in takedown
    audit = browser.get("/audit").text
    assert "decide" in audit and "ana" in audit
    assert "<script" not in audit


def test_security_headers_on_every_response(client: TestClient, app: FastAPI) -> None:
    responses = [
        client.get("/api/networks", headers=auth(VIEWER)),
        client.get("/api/networks"),
        client.get("/api/networks/N-nope", headers=auth(VIEWER)),
        client.get("/login"),
        client.get("/", follow_redirects=False),
        client.get("/openapi.json"),
        client.get("/static/dashboard.css"),
    ]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "script-src" not in csp, "no script is ever allowed"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_head_answers_as_get_without_a_body(client: TestClient) -> None:
    for path, headers in (("/api/networks", auth(VIEWER)), ("/login", {})):
        got, head = client.get(path, headers=headers), client.head(path, headers=headers)
        assert head.status_code == got.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))
        assert "default-src 'none'" in head.headers["content-security-policy"]
    assert client.head("/api/networks").status_code == 401
    assert client.head("/api/rules/run", headers=auth(VIEWER)).status_code == 405


def test_openapi_documents_the_endpoints(client: TestClient) -> None:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    paths = schema["paths"]
    expected = {
        ("/api/networks", "get"),
        ("/api/networks/{network_id}", "get"),
        ("/api/cases", "get"),
        ("/api/cases/{network_id}", "get"),
        ("/api/cases/open", "post"),
        ("/api/cases/{network_id}/decision", "post"),
        ("/api/cases/{network_id}/status", "post"),
        ("/api/cases/{network_id}/notes", "post"),
        ("/api/audit", "get"),
        ("/api/takedown", "get"),
        ("/api/rules/run", "post"),
        ("/api/actions/{action_id}/approve", "post"),
        ("/api/actions/{action_id}/reject", "post"),
    }
    for path, method in expected:
        assert method in paths.get(path, {}), (path, method)
    models = schema["components"]["schemas"]
    assert {"DecisionIn", "CaseOut", "TakedownOut", "AuditOut"} <= set(models)
    assert "reason" in models["DecisionIn"]["required"]
    assert "/" not in paths and "/login" not in paths


# -- the serve command -----------------------------------------------------------------------


def test_serve_prints_a_working_admin_token(
    demo: Path, monkeypatch: pytest.MonkeyPatch, app: FastAPI
) -> None:
    served: list[tuple[FastAPI, str, int]] = []

    def fake_run(application: FastAPI, host: str, port: int, log_level: str) -> None:
        served.append((application, host, port))

    monkeypatch.setattr("uvicorn.run", fake_run)
    copy = demo / "serve-copy.duckdb"
    shutil.copy(demo / "pristine.duckdb", copy)
    result = CliRunner().invoke(serve_command, [str(copy), "--port", "8123"])
    assert result.exit_code == 0, result.output
    token = result.output.split("Admin token (shown once): ", 1)[1].split()[0]
    (application, host, port) = served[0]
    assert (host, port) == ("127.0.0.1", 8123)
    with TestClient(application) as api:
        assert api.get("/api/networks", headers=auth(token)).status_code == 200
        assert api.get("/api/networks", headers=auth(VIEWER)).status_code == 401


def test_serve_reads_a_token_file(
    demo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served: list[FastAPI] = []
    monkeypatch.setattr("uvicorn.run", lambda application, **_kw: served.append(application))
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({t: {"name": n, "role": r} for t, (n, r) in TOKENS.items()}))
    copy = tmp_path / "ws.duckdb"
    shutil.copy(demo / "pristine.duckdb", copy)
    result = CliRunner().invoke(serve_command, [str(copy), "--token-file", str(tokens)])
    assert result.exit_code == 0, result.output
    assert "Admin token" not in result.output
    with TestClient(served[0]) as api:
        assert api.post("/api/cases/open", headers=auth(ANALYST)).status_code == 200
        assert api.post("/api/cases/open", headers=auth(VIEWER)).status_code == 403


# -- the analyst's dashboard: filters, queue, names, assignment, pages ---------------------------


def test_list_filters_accept_empty_fields_and_say_what_is_wrong(
    app: FastAPI, networks: dict[str, str]
) -> None:
    browser = _login(app, VIEWER)
    empty = browser.get("/", params={"min_score": "", "platform": "", "q": "", "status": ""})
    assert empty.status_code == 200, "an empty field means any value, not a 422"
    assert all(n in empty.text for n in networks.values())
    wrong = browser.get("/", params={"min_score": "lots"})
    assert wrong.status_code == 200
    assert "a number from 0 to 1, or nothing" in wrong.text
    found = browser.get("/", params={"q": networks["spamouflage"][2:6]})
    assert networks["spamouflage"] in found.text
    none = browser.get("/", params={"q": "no such network"})
    assert "No network matches." in none.text
    by_size = browser.get("/", params={"sort": "size", "order": "asc"}).text
    ids = [by_size.index(n) for n in networks.values()]
    assert ids == sorted(ids) or ids == sorted(ids, reverse=True)


def test_name_assign_and_queue_through_dashboard_and_api(
    hostile_app: FastAPI, networks: dict[str, str]
) -> None:
    target = networks["other"]
    url = f"/networks/{target}"
    browser = _login(hostile_app, ANALYST)
    token = _csrf(browser.get(url).text)
    api = TestClient(hostile_app)
    named = api.post(
        f"/api/networks/{target}/name", json={"name": "<b>Doppel</b>"}, headers=auth(ANALYST)
    )
    assert named.status_code == 200 and named.json()["name"] == "<b>Doppel</b>"
    listed = api.get("/api/networks", headers=auth(VIEWER)).json()
    assert {n["network_id"]: n["name"] for n in listed}[target] == "<b>Doppel</b>"
    page = browser.get(url).text
    assert "&lt;b&gt;Doppel&lt;/b&gt;" in page and "<b>Doppel" not in page
    refused = browser.post(f"{url}/assign", data={"csrf": token, "me": "1"})
    assert refused.status_code == 404, "no case yet: the page says so next to the form"
    assert 'role="alert"' in refused.text and "Refused" in refused.text
    assert (
        browser.post(f"{url}/open", data={"csrf": token}, follow_redirects=False).status_code == 303
    )
    mine = browser.post(f"{url}/assign", data={"csrf": token, "me": "1"}, follow_redirects=False)
    assert mine.status_code == 303
    assert target in browser.get("/", params={"queue": "mine"}).text
    assert target not in browser.get("/", params={"queue": "unassigned"}).text
    nobody = api.get("/api/cases", params={"unassigned": "true"}, headers=auth(VIEWER)).json()
    assert target not in {c["network_id"] for c in nobody}
    moved = api.post(f"/api/cases/{target}/assign", json={"assignee": "bob"}, headers=auth(ANALYST))
    assert moved.status_code == 200 and moved.json()["assignee"] == "bob"
    assert target not in browser.get("/", params={"queue": "mine"}).text
    note = "first line\nsecond line"
    typed = browser.post(f"{url}/status", data={"csrf": token, "status": "enforced", "reason": "x"})
    assert typed.status_code == 409 and 'value="x"' in typed.text, "the typed reason is kept"
    browser.post(f"{url}/notes", data={"csrf": token, "text": note})
    assert "first line\nsecond line" in browser.get(url).text, "a note keeps its lines"
    audit = browser.get("/audit", params={"subject": target}).text
    assert "name: &lt;b&gt;Doppel&lt;/b&gt;" in audit and "assignee" in audit
    assert networks["spamouflage"] + "</a>" not in audit, "only the subject asked for"


def _confirmed(app: FastAPI, network_id: str) -> None:
    """The network's case confirmed (whatever an earlier test already did)."""
    api = TestClient(app)
    case = api.get(f"/api/cases/{network_id}", headers=auth(VIEWER))
    if case.status_code == 404:
        api.post("/api/cases/open", json={"network_ids": [network_id]}, headers=auth(ANALYST))
        case = api.get(f"/api/cases/{network_id}", headers=auth(VIEWER))
    if case.json()["status"] == "new":
        api.post(
            f"/api/cases/{network_id}/status", json={"status": "in_review"}, headers=auth(ANALYST)
        )
    if case.json()["status"] in ("new", "in_review"):
        done = api.post(
            f"/api/cases/{network_id}/decision",
            json={"decision": "confirm", "reason": "checked"},
            headers=auth(ANALYST),
        )
        assert done.status_code == 200, done.text


def test_account_domain_and_takedown_pages(hostile_app: FastAPI, networks: dict[str, str]) -> None:
    browser = _login(hostile_app, VIEWER)
    page = browser.get(f"/networks/{networks['spamouflage']}").text
    account = re.search(r'href="/accounts/([^"]+)"', page)
    assert account, "accounts link to their page"
    shown = browser.get(f"/accounts/{account.group(1)}")
    assert shown.status_code == 200
    assert "&lt;script&gt;" in shown.text and "<script" not in shown.text
    assert networks["spamouflage"] in shown.text, "the account's network"
    assert browser.get("/accounts/x:nobody-at-all").status_code == 404
    domain = browser.get("/domains/spiegel.ltd")
    assert domain.status_code == 200 and "imitates" in domain.text
    _confirmed(hostile_app, networks["spamouflage"])
    listed = browser.get("/takedown", params={"page": "not a number"})
    assert listed.status_code == 200 and " assets." in listed.text, "a bad page is the first"
    beyond = browser.get("/takedown", params={"page": "99"})
    assert beyond.status_code == 200 and "on this page" not in beyond.text
    csv_text = browser.get("/takedown.csv", params={"platform": "x"})
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_text.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_text.text)))
    assert rows, "the confirmed network has accounts on X"
    assert all(r["platform"] == "x" for r in rows)
    assert all(r["url"].startswith("https://x.com/") for r in rows)


def _column(page: str, table: str, index: int) -> list[str]:
    """The text of column ``index`` of each body row of ``<table class="{table}">``."""
    body = page.split(f'<table class="{table}">', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]
    return [html.unescape(re.sub(r"<[^>]+>", "", c[index])).strip() for c in cells]


def test_takedown_list_sorts_by_its_columns_across_filters_and_pages(
    hostile_app: FastAPI, networks: dict[str, str]
) -> None:
    _confirmed(hostile_app, networks["spamouflage"])
    browser = _login(hostile_app, VIEWER)
    up = browser.get("/takedown", params={"sort": "asset", "order": "asc"}).text
    down = browser.get("/takedown", params={"sort": "asset", "order": "desc"}).text
    assets_up, assets_down = _column(up, "takedown", 3), _column(down, "takedown", 3)
    assert len(set(assets_up)) > 1
    assert assets_up == sorted(assets_up) and assets_down == sorted(assets_up, reverse=True)
    assert assets_up != assets_down, "the order changes with the direction"
    by_platform = _column(browser.get("/takedown", params={"sort": "platform"}).text, "takedown", 1)
    assert by_platform == sorted(by_platform)
    # a filter keeps the order, and the column links keep the filter
    x_only = browser.get("/takedown", params={"platform": "x", "sort": "asset", "order": "desc"})
    shown = _column(x_only.text, "takedown", 3)
    assert shown == sorted(shown, reverse=True) and shown != sorted(shown)
    assert 'name="sort" value="asset"' in x_only.text and 'name="order" value="desc"' in x_only.text
    assert "/takedown?platform=x&amp;sort=handle&amp;order=asc" in x_only.text
    # an unknown column is looked up in the whitelist only: the default order, no error
    for hostile in ("url; DROP TABLE cases", "__class__", "asset desc"):
        odd = browser.get("/takedown", params={"sort": hostile, "order": "sideways"})
        assert odd.status_code == 200 and "Sorted by network, ascending." in odd.text
        assert hostile not in odd.text
    assert 'href="/takedown?sort=asset&amp;order=desc"' in up, "the sorted column flips"


def test_pair_evidence_sorts_by_its_columns_across_signal_and_pages(
    app: FastAPI, networks: dict[str, str]
) -> None:
    browser = _login(app, VIEWER)
    url = f"/networks/{networks['spamouflage']}"
    default = browser.get(url).text
    strongest = _column(default, "evidence", 2)
    up = browser.get(url, params={"evidence_sort": "signal", "evidence_order": "asc"}).text
    down = browser.get(url, params={"evidence_sort": "signal", "evidence_order": "desc"}).text
    first_up, first_down = _column(up, "evidence", 1), _column(down, "evidence", 1)
    assert first_up[0] != first_down[0], "the order changes with the direction"
    assert "sorted by signal, descending" in down
    # the pager and the per-signal links keep the order
    assert "evidence_sort=signal&amp;evidence_order=desc&amp;evidence_page=1" in down
    assert "evidence_sort=signal&amp;evidence_order=desc#evidence" in down
    by_q = browser.get(url, params={"evidence_sort": "q", "evidence_order": "desc"}).text
    assert _column(by_q, "evidence", 2) != strongest, "weakest first is another order"
    signal = re.search(r'\?signal=([^&"]+)&amp;evidence_sort', down)
    assert signal
    one = browser.get(
        url,
        params={"signal": signal.group(1), "evidence_sort": "accounts", "evidence_order": "desc"},
    ).text
    assert "sorted by account, descending" in one
    assert f"?signal={signal.group(1)}&amp;evidence_sort=accounts&amp;evidence_order=asc" in one
    for hostile in ("q_value; DROP TABLE evidence", "strength DESC --", "__class__"):
        odd = browser.get(url, params={"evidence_sort": hostile, "evidence_order": "desc"})
        assert odd.status_code == 200 and hostile not in odd.text
        assert _column(odd.text, "evidence", 2) == _column(by_q, "evidence", 2)


def test_narrative_page_and_account_search(app: FastAPI, networks: dict[str, str]) -> None:
    browser = _login(app, VIEWER)
    page = browser.get(f"/networks/{networks['spamouflage']}").text
    narrative = re.search(r'href="/narratives/([^"]+)"', page)
    assert narrative, "narratives link to their page"
    shown = browser.get(f"/narratives/{narrative.group(1)}")
    assert shown.status_code == 200 and "Posts, earliest first" in shown.text
    assert networks["spamouflage"] in shown.text, "posts by members name their network"
    assert browser.get("/narratives/text:nothing").status_code == 404
    handle = re.search(r'title="[a-z]+:[^"]+">@([A-Za-z0-9_.]+)</a>', page)
    assert handle
    found = browser.get(
        f"/networks/{networks['spamouflage']}", params={"accounts_q": handle.group(1)}
    ).text
    table = found.split('<table class="accounts">')[1].split("</table>")[0]
    assert table.count("<tr>") == 2, "the header and the one account searched for"
