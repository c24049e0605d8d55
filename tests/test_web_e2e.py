"""The dashboard as a person uses it: a real browser against the real server.

The application runs under uvicorn on a free localhost port in a background thread, and
Debian's Chromium (``/usr/bin/chromium``, driven by Playwright; no browser is downloaded)
logs in, finds the planted operation among the networks, reviews it through the page's forms
and follows it to the takedown list and the audit log. The workspace is a small synthetic
world, investigated once per module; its ground truth names the planted operation's accounts.

Before the server starts, the planted accounts' display names and every post text are made
hostile (a script tag, an image with an onerror handler), and the analyst's reason carries
one too: the browser must show them as text. Nothing may run: no dialog opens, no script
error is reported, and no injected element exists in the page.

The browser sends its own ``Origin`` header, as the pages' ``Referrer-Policy`` lets it: with
``no-referrer`` Chromium sends ``Origin: null`` and the dashboard refused every form as
cross-site, which ``test_chromium_can_log_in_as_the_server_sends_its_pages`` pins down.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect, sync_playwright

from cibwatch.networks import stored_networks
from cibwatch.pipeline import investigate
from cibwatch.synthetic import generate_world
from cibwatch.web.app import create_app
from cibwatch.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
VIEWER = "e2e-viewer-token-01234567"
ANALYST = "e2e-analyst-token-0123456"
TOKENS: dict[str, tuple[str, str]] = {VIEWER: ("vera", "viewer"), ANALYST: ("ana", "analyst")}
HOSTILE_POST = '<script>alert("post")</script>'
HOSTILE_NAME = '<img src=x onerror="alert(`name`)">'
REASON = 'UTC+8 office hours and shared faces <img src=x onerror="alert(`reason`)">'
#: Elements that only injected markup could have made: the dashboard has no script or image.
INJECTED = "script, img, [onerror], [onload]"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM} (Debian package chromium); these tests fetch no browser",
    ),
]


@dataclass(frozen=True)
class Planted:
    """The investigated, made-hostile workspace and the planted operations' networks."""

    path: Path
    network_id: str
    members: list[str]
    doppelganger: str = ""


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    root = tmp_path_factory.mktemp("web-e2e")
    manifest = generate_world(root / "world", posts=1000, seed=7)
    truth = manifest.group("op_a_spamouflage")
    accounts: dict[str, dict[str, list[str]]] = truth["accounts"]
    operation = {key for kinds in accounts.values() for keys in kinds.values() for key in keys}
    path = root / "workspace.duckdb"
    with Workspace(path) as ws:
        investigate([root / "world"], ws, root / "out")
        best = max(stored_networks(ws), key=lambda n: len(operation & set(n.members)))
        assert len(operation & set(best.members)) >= 30, "the investigation finds the operation"
        kinds = manifest.group("op_b_doppelganger")["accounts"]
        other = {key for k in kinds.values() for keys in k.values() for key in keys}
        doppelganger = max(stored_networks(ws), key=lambda n: len(other & set(n.members)))
        assert len(other & set(doppelganger.members)) >= len(other) // 2
        con = ws.connection
        con.execute("UPDATE posts SET text = ? || text WHERE text IS NOT NULL", [HOSTILE_POST])
        con.execute(
            "UPDATE accounts SET display_name = ? "
            "WHERE list_contains(?, platform || ':' || account_id)",
            [HOSTILE_NAME, sorted(best.members)],
        )
    return Planted(path, best.network_id, sorted(best.members), doppelganger.network_id)


@pytest.fixture(scope="module")
def server(planted: Planted, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the service running under uvicorn in a background thread."""
    copy = tmp_path_factory.mktemp("web-e2e-serve") / "workspace.duckdb"
    shutil.copy(planted.path, copy)
    app = create_app(copy, TOKENS)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))  # the kernel picks a free port; held, so nothing takes it
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [listener]})
    thread.start()
    give_up = time.monotonic() + 30
    while not uvicorn_server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < give_up, "uvicorn did not start within 30 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    thread.join(timeout=30)
    listener.close()
    assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A page and what it reported: dialogs opened, console errors, uncaught script errors."""

    page: Page
    dialogs: list[str]
    errors: list[str]

    def assert_nothing_ran(self) -> None:
        assert self.dialogs == [], f"a script opened dialogs: {self.dialogs}"
        assert self.errors == [], f"the page reported errors: {self.errors}"
        assert self.page.locator(INJECTED).count() == 0, "injected markup became elements"


@pytest.fixture
def watched(browser: Browser, server: str) -> Iterator[Watched]:
    """A fresh browser session (no cookies) on a page whose dialogs and errors are recorded."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    seen = Watched(page, [], [])

    def on_dialog(dialog: Dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        # an answer's status is the tests' business (the browser also asks for a favicon,
        # which the dashboard has not); any other error, such as a CSP refusal, is not
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            seen.errors.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    yield seen
    context.close()


def _log_in(page: Page, server: str, token: str) -> None:
    login = page.goto(f"{server}/login")
    assert login is not None and login.ok
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/")


def _status(page: Page) -> str:
    return (
        page.locator("section", has=page.get_by_role("heading", name="Case"))
        .locator("strong")
        .first.inner_text()
    )


def test_an_analyst_confirms_the_planted_operation(
    watched: Watched, server: str, planted: Planted
) -> None:
    page = watched.page
    _log_in(page, server, ANALYST)
    assert page.get_by_role("heading", name="Networks").is_visible()
    assert "ana (analyst)" in page.locator("header").inner_text()
    link = page.get_by_role("link", name=planted.network_id, exact=True)
    row = page.locator("tr", has=link)
    headers = page.locator("table.list thead th").all_inner_texts()
    case_column = next(i for i, h in enumerate(headers) if h.startswith("Case"))
    assert row.locator("td").nth(case_column).inner_text() == "no case"

    link.click()
    page.wait_for_url(f"{server}/networks/{planted.network_id}")
    response = page.reload()
    assert response is not None and response.ok
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert page.get_by_role("heading", name=f"Network {planted.network_id}").is_visible()
    for heading in ("Case", "Coordination graph", "Posting hours", "Why it was flagged"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    graph = page.locator("h2:has-text('Coordination graph') + figure svg")
    drawn = graph.locator("circle title").all_text_contents()
    assert drawn and set(drawn) <= set(planted.members), "the graph draws the members"
    assert graph.locator("line").count() >= 1, "and their coordination"
    heatmap = page.locator("h2:has-text('Posting hours') ~ figure svg").first
    assert heatmap.locator("rect").count() >= 7 * 24, "a cell per hour of the week"
    evidence = page.locator("#why table tbody tr")
    assert evidence.count() >= 1, "the planted operation has evidence"
    assert page.locator("h3:has-text('Assets by platform') + table tbody tr").count() >= 1
    assert HOSTILE_POST in page.locator("body").inner_text(), "hostile posts are shown as text"
    watched.assert_nothing_ran()

    page.get_by_role("button", name="Open a case").click()
    page.wait_for_url(f"{server}/networks/{planted.network_id}#case")
    assert _status(page) == "new"
    page.get_by_label("Move to").select_option("in_review")
    page.get_by_role("button", name="Change status").click()
    assert _status(page) == "in_review"
    page.get_by_label("Move to").select_option("confirmed_cib")
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Change status").click()
    assert _status(page) == "confirmed_cib"
    decisions = page.locator("h3:has-text('Decisions') + ul li")
    assert decisions.count() == 1
    decision = decisions.first.inner_text()
    assert "ana" in decision and "in_review" in decision and REASON in decision
    watched.assert_nothing_ran()

    page.get_by_role("link", name="Takedown list", exact=True).click()
    page.wait_for_url(f"{server}/takedown")
    listed = page.locator("tbody tr", has_text=planted.network_id)
    assert listed.count() >= len(planted.members)
    table = page.locator("table").inner_text()
    assert all(member in table for member in planted.members), "every member is listed"
    assert HOSTILE_NAME in table, "hostile display names are shown as text"
    watched.assert_nothing_ran()

    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url(f"{server}/audit")
    newest = page.locator("tbody tr").first.locator("td")
    assert newest.nth(2).inner_text() == "ana"
    assert newest.nth(3).inner_text() == "decide"
    assert newest.nth(4).inner_text() == planted.network_id
    change = newest.nth(5).inner_text()
    assert REASON in change, "the decision's reason is in the audit log"
    assert "status: in_review -> confirmed_cib" in change
    opened = page.locator("tbody tr", has_text="open").filter(has_text=planted.network_id)
    assert opened.count() == 1
    watched.assert_nothing_ran()


def test_a_viewer_sees_the_network_but_no_case_forms(
    watched: Watched, server: str, planted: Planted
) -> None:
    page = watched.page
    _log_in(page, server, VIEWER)
    assert "vera (viewer)" in page.locator("header").inner_text()
    page.get_by_role("link", name=planted.network_id, exact=True).click()
    page.wait_for_url(f"{server}/networks/{planted.network_id}")
    assert page.get_by_role("heading", name="Why it was flagged").is_visible()
    assert page.locator("form.action").count() == 0
    assert page.locator("input[name=csrf]").count() == 0
    for button in ("Open a case", "Change status", "Add note", "Save name", "Assign"):
        assert page.get_by_role("button", name=button).count() == 0, button
    assert page.get_by_role("button", name="Log out").count() == 1
    watched.assert_nothing_ran()


def test_the_dashboard_needs_a_login(watched: Watched, server: str, planted: Planted) -> None:
    page = watched.page
    for path in ("/", f"/networks/{planted.network_id}", "/takedown", "/audit"):
        page.goto(f"{server}{path}")
        assert page.url == f"{server}/login", path
    page.get_by_label("Access token").fill("not-a-known-token-at-all")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_text("unknown or expired token").is_visible()
    assert page.context.cookies() == []


def test_chromium_can_log_in_as_the_server_sends_its_pages(browser: Browser, server: str) -> None:
    context = browser.new_context()  # no help: the browser decides the Origin header
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{server}/login")
        with page.expect_response(f"{server}/login") as answer:
            page.get_by_label("Access token").fill(VIEWER)
            page.get_by_role("button", name="Log in").click()
        assert answer.value.status == 303, page.locator("main").inner_text()
        page.wait_for_url(f"{server}/")
        assert "vera (viewer)" in page.locator("header").inner_text()
    finally:
        context.close()


def test_logging_out_in_chromium_ends_the_session_on_the_server(
    browser: Browser, server: str
) -> None:
    """The browser holds a session id, not the token, and a copy of it is void after logout."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        _log_in(page, server, ANALYST)
        (cookie,) = context.cookies()
        assert cookie["name"] == "cibwatch_session" and cookie["value"] != ANALYST
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert not cookie["secure"], "plain HTTP here; Secure over TLS (test_web_sessions)"
        assert page.evaluate("document.cookie") == "", "no script can read it"
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{server}/login")
        assert context.cookies() == []
        copy = browser.new_context()  # someone who copied the cookie before the logout
        try:
            copy.add_cookies([cookie])  # type: ignore[list-item]
            stolen = copy.new_page()
            stolen.goto(f"{server}/")
            assert stolen.url == f"{server}/login"
        finally:
            copy.close()
    finally:
        context.close()


#: Where the path's screenshots go (kept for a person to look at; a temporary folder if unset).
SHOTS_ENV = "CIBWATCH_E2E_SHOTS"


def test_an_analyst_names_confirms_and_takes_down_the_doppelganger_network(
    browser: Browser, server: str, planted: Planted, tmp_path: Path
) -> None:
    """The whole review in the browser alone, screenshotted at 1280 and 1920 px.

    Read why the network was flagged, see its accounts and domains, name it, assign it to
    oneself, confirm it (a refused confirmation keeps the typed reason), then download the
    takedown list (each address is the asset's own, built from its platform and id or
    handle) and the indicators.
    """
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    nid = planted.doppelganger
    for width in (1280, 1920):
        context = browser.new_context(
            viewport={"width": width, "height": 1000}, accept_downloads=True
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        _log_in(page, server, ANALYST)
        named = width != 1280  # named on the first pass: the list shows the name after
        page.get_by_role("link", name="Doppelganger-like" if named else nid, exact=True).click()
        page.wait_for_url(f"{server}/networks/{nid}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scroll"
        summary = page.locator("#summary p.summary").inner_text()
        assert "look-alike domain" in summary and "posts" in summary, summary
        why = page.locator("#why table").first.inner_text()
        assert "co-action" in why
        assert page.locator("#evidence tbody tr").count() >= 1, "pairs with their proof"
        handles = page.locator("#accounts table.accounts tbody tr td:first-child a")
        assert handles.count() >= 10 and handles.first.inner_text().startswith("@")
        assert page.locator("#domains li a").count() >= 3, "its look-alike domains"
        page.screenshot(path=str(shots / f"network-{width}.png"), full_page=False)
        if width == 1280:
            page.get_by_role("button", name="Open a case").click()
            page.get_by_label("Name").fill("Doppelganger-like")
            page.get_by_role("button", name="Save name").click()
            expect(page.locator("h1")).to_contain_text("Doppelganger-like")
            page.get_by_role("button", name="Assign to me").click()
            expect(page.locator("p.lead")).to_contain_text("assigned to ana")
            page.get_by_label("Move to").select_option("in_review")
            page.get_by_role("button", name="Change status").click()
            expect(page.locator("p.lead")).to_contain_text("in_review")
            page.get_by_label("Move to").select_option("confirmed_cib")
            page.get_by_label("Reason").fill("   ")
            page.get_by_role("button", name="Change status").click()
            expect(page.get_by_role("alert")).to_contain_text("Refused")
            expect(page.get_by_label("Move to")).to_have_value("confirmed_cib")
            page.screenshot(path=str(shots / "refused-1280.png"))
            page.get_by_label("Reason").fill("office hours, look-alike outlets")
            page.get_by_role("button", name="Change status").click()
            expect(page.locator("p.lead")).to_contain_text("confirmed_cib")
        page.goto(f"{server}/?queue=mine")
        mine = page.locator("table.list tbody tr")
        assert mine.count() == 1 and "Doppelganger-like" in mine.first.inner_text()
        page.screenshot(path=str(shots / f"queue-{width}.png"))
        page.get_by_role("link", name="Takedown list", exact=True).click()
        page.get_by_label("Platform").select_option("instagram")
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("table.takedown tbody tr")
        assert rows.count() >= 1
        assert all("instagram" in r.inner_text() for r in rows.all())
        page.screenshot(path=str(shots / f"takedown-{width}.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        listed = list(csv.DictReader(io.StringIO(text)))
        assert listed and {r["platform"] for r in listed} == {"instagram"}
        for row in listed:
            assert row["url"] == f"https://www.instagram.com/{row['handle']}/", row
            assert row["network_name"] == "Doppelganger-like"
        page.goto(f"{server}/networks/{nid}")
        with page.expect_download() as indicators:
            page.get_by_role("link", name="Indicators (STIX 2.1)").click()
        bundle = json.loads(Path(indicators.value.path()).read_text(encoding="utf-8"))
        shared = [o for o in bundle["objects"] if o["type"] == "indicator"]
        assert shared, "the network's indicators"
        assert not any("UNREVIEWED" in o.get("description", "") for o in shared), "confirmed"
        context.close()
