"""Takedown addresses: each asset's own profile, per platform and kind, never its profile link.

The ``url`` column of ``accounts`` holds the link an account shows in its profile (the demo's
Instagram account stefan.weber0 links to a Facebook profile of someone else); an analyst
acting on it would report the wrong account. Each test below names the address the
platform itself gives the asset, and hostile ids or handles give no address at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cibwatch.cases import decide, open_cases, set_status, takedown_list
from cibwatch.cases.profile_urls import profile_url, website_url
from cibwatch.workspace import Workspace


def test_facebook_account_page_and_group_by_numeric_id() -> None:
    assert profile_url("facebook", "account", "70000030", "lauren41981") == (
        "https://www.facebook.com/profile.php?id=70000030"
    )
    assert profile_url("facebook", "page", "50000005", "daily_voice_5") == (
        "https://www.facebook.com/50000005"
    )
    assert profile_url("facebook", "group", "70000112", "wahrheitgroup0") == (
        "https://www.facebook.com/groups/70000112"
    )
    # no numeric id: the vanity name is the address
    assert profile_url("facebook", "page", "p1", "newsnow") == "https://www.facebook.com/newsnow"


def test_instagram_by_handle_only() -> None:
    assert profile_url("instagram", "account", "70000113", "stefan.weber0") == (
        "https://www.instagram.com/stefan.weber0/"
    )
    assert profile_url("instagram", "account", "70000113", None) is None  # no address by id


def test_x_by_numeric_id_else_handle() -> None:
    assert profile_url("x", "account", "50000000", "daily_voice_0") == (
        "https://x.com/i/user/50000000"
    )
    assert profile_url("twitter", "account", "abc", "@joe22") == "https://x.com/joe22"


def test_telegram_channel_by_username() -> None:
    assert profile_url("telegram", "channel", "50000019", "daily_voice_19") == (
        "https://t.me/daily_voice_19"
    )
    assert profile_url("telegram", "channel", "-1001234", None) is None


def test_youtube_channel_id_else_handle() -> None:
    channel = "UC" + "a" * 22
    assert profile_url("youtube", "channel", channel, "x") == (
        f"https://www.youtube.com/channel/{channel}"
    )
    assert profile_url("youtube", "channel", "42", "newsclips") == (
        "https://www.youtube.com/@newsclips"
    )


def test_tiktok_by_handle() -> None:
    assert profile_url("tiktok", "account", "6812", "dance.daily") == (
        "https://www.tiktok.com/@dance.daily"
    )


def test_websites_and_domains() -> None:
    assert profile_url("web", "domain", "spiegel.ltd", None) == "https://spiegel.ltd/"
    assert profile_url("facebook", "website", "Example.ORG", None) == "https://example.org/"
    assert website_url("not a domain") is None


@pytest.mark.parametrize(
    ("platform", "kind", "ident", "handle"),
    [
        ("instagram", "account", "1", "evil.com/@x"),
        ("x", "account", "javascript:alert(1)", "a b"),
        ("telegram", "channel", "1", "=HYPERLINK(1)"),
        ("tiktok", "account", "1", "../../x"),
        ("web", "domain", "javascript:alert(1)", None),
        ("myspace", "account", "1", "tom"),  # a platform without a known scheme
    ],
)
def test_hostile_or_unknown_parts_give_no_address(
    platform: str, kind: str, ident: str, handle: str | None
) -> None:
    assert profile_url(platform, kind, ident, handle) is None


def test_the_takedown_list_never_shows_the_profile_link(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws.duckdb")
    con = ws.connection
    con.execute(
        "INSERT INTO accounts (platform, account_id, kind, handle, url, ingest_id) VALUES "
        "('instagram', '70000113', 'account', 'stefan.weber0', "
        "'https://www.facebook.com/emily.brown3', 1), "
        "('facebook', '70000112', 'group', 'wahrheitgroup0', 'https://evil.example', 1)"
    )
    run = ws.start_run("assemble", "networks", {})
    con.execute(
        "INSERT INTO networks VALUES (?, 'N-1', NULL, 2, 0.9, '{}', ?)",
        [run, '{"lookalike_domains": ["spiegel.ltd"], "evidence_runs": []}'],
    )
    con.executemany(
        "INSERT INTO network_members VALUES (?, 'N-1', ?, 1, 1.0)",
        [[run, "instagram:70000113"], [run, "facebook:70000112"]],
    )
    ws.finish_run(run)
    open_cases(ws, "ana")
    set_status(ws, "N-1", "in_review", "ana")
    decide(ws, "N-1", "confirm", "checked", "ana")
    urls = {i.asset: i.url for i in takedown_list(ws)}
    assert urls == {
        "instagram:70000113": "https://www.instagram.com/stefan.weber0/",
        "facebook:70000112": "https://www.facebook.com/groups/70000112",
        "spiegel.ltd": "https://spiegel.ltd/",
    }
    assert [i.asset for i in takedown_list(ws, platform="instagram")] == ["instagram:70000113"]
