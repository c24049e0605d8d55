"""The report's targets table: countries and languages, each with the evidence behind it."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.main import cli
from cibwatch.networks import assemble_networks
from cibwatch.report.context import report_context
from cibwatch.report.html import render_html
from cibwatch.report.markdown import render_markdown
from cibwatch.report.targets import place_country, targets

HOSTILE = '<script>alert("x")</script>'
MEMBERS = ["x:a", "x:b", "x:c"]


def build_world(ws: Workspace, *, lookalike: str = "spiegel.ltd", handle: str = "anna") -> None:
    """Three coordinated accounts: 2 claim Berlin, 1 a hostile place; 6 German and 2 English
    posts (plus 2 without a language); they post links to ``lookalike``, which imitates
    spiegel.de (a German brand in the bundled list)."""
    con = ws.connection
    places = ["Berlin", "Berlin", HOSTILE]
    for i, acc in enumerate(MEMBERS):
        con.execute(
            "INSERT INTO accounts (platform, account_id, kind, handle, claimed_location) "
            "VALUES ('x', ?, 'account', ?, ?)",
            [acc[2:], f"{handle}{i}", places[i]],
        )
    languages = ["de"] * 6 + ["en"] * 2 + [None] * 2
    for i, lang in enumerate(languages):
        con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, kind, language, "
            "urls, domains, source_file, source_row) VALUES ('x', ?, ?, ?, 'text', 'original', "
            "?, ?, ?, 'posts.csv', ?)",
            [
                f"p{i}",
                MEMBERS[i % 3][2:],
                datetime(2024, 1, 1, 9, i),
                lang,
                [f"https://{lookalike}/story{i}"],
                [lookalike],
                i + 1,
            ],
        )
    coaction = ws.start_run("detect", "coaction", {"window": 30})
    ws.finish_run(coaction)
    con.executemany(
        "INSERT INTO evidence VALUES (?, 'coaction', 'coaction', 'pair', ?, ?, 3, 1e-9, 1e-8, "
        "true, 'shared links', ['url:x'], '{}')",
        [[coaction, a, b] for a, b in itertools.combinations(MEMBERS, 2)],
    )
    domains = ws.start_run("detect", "lookalike_domains", {})
    ws.finish_run(domains)
    details = {"accounts": MEMBERS, "brand": "spiegel.de", "brand_name": "Der Spiegel"}
    details["technique"] = "brand-on-other-tld"
    con.execute(
        "INSERT INTO evidence VALUES (?, 'lookalike_domains', 'lookalike_domain', 'domain', ?, "
        "NULL, 0.9, NULL, NULL, true, ?, [], ?)",
        [domains, lookalike, f"{lookalike} imitates Der Spiegel", json.dumps(details)],
    )
    assemble_networks(ws)


def test_hand_built_network_targets_germany_and_german() -> None:
    with Workspace() as ws:
        build_world(ws)
        (network,) = report_context(ws)["networks"]
    rows = {(r["kind"], r["target"]): r["evidence"] for r in network["targets"]}
    # Germany: the imitated brand spiegel.de is German, and 2 accounts claim Berlin
    assert rows[("country", "Germany")] == [
        "impersonates spiegel.de (outlets of Germany) with look-alike domain spiegel.ltd",
        "accounts claim Berlin (2 accounts)",
    ]
    # the hostile claimed place maps to no country and stays a row of its own, as claimed
    assert rows[("place", HOSTILE)] == [
        f"accounts claim {HOSTILE} (1 account); cibwatch maps this place to no country"
    ]
    # German: 6 of the 10 posts, and the imitated brand writes in German
    assert rows[("language", "German")][0] == "60% of posts in German (6 of 10)"
    assert "German-language outlets" in rows[("language", "German")][1]
    # English: 2 of 10 posts is above the 10% floor; no brand supports it
    assert rows[("language", "English")] == ["20% of posts in English (2 of 10)"]
    assert [r["kind"] for r in network["targets"]] == ["country", "place", "language", "language"]


def test_small_language_shares_and_unknown_brands_are_reported_not_guessed() -> None:
    rows = targets(
        100,
        [{"language": "de", "posts": 95}, {"language": "fr", "posts": 5}],
        [{"domain": "demopost.ltd", "details": {"brand": "demopost.org"}}],
        [{"location": "Dallas, TX", "accounts": 4}],
    )
    by_target = {r["target"]: r for r in rows}
    assert "French" not in by_target  # 5% of posts: below the 10% floor
    assert by_target["United States"]["evidence"] == ["accounts claim Dallas, TX (4 accounts)"]
    assert by_target["unknown"]["evidence"] == [
        "impersonates demopost.org (a brand not in the bundled brand list) "
        "with look-alike domain demopost.ltd"
    ]


def test_places_map_to_countries_only_when_known() -> None:
    assert place_country("Berlin") == "DE"
    assert place_country("London, UK") == "GB"
    assert place_country("Houston, TX") == "US"
    assert place_country("Germany") == "DE"
    assert place_country("the moon") is None


def test_targets_table_is_rendered_and_escaped_in_html_and_markdown(tmp_path: Path) -> None:
    with Workspace() as ws:
        build_world(ws)
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
        md = render_markdown(ws, tmp_path / "r.md").read_text(encoding="utf-8")
    assert '<table class="targets">' in html
    assert 'Germany <span class="muted">(DE)</span>' in html
    assert "&lt;script&gt;alert" in html and "<script" not in html
    # domains defanged, their brackets escaped (see cibwatch.report.markdown.md_escape)
    assert r"| country | Germany (DE) | impersonates spiegel\[.\]de" in md
    assert "60% of posts in German (6 of 10)" in md
    assert "<script" not in md


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("targets-demo")
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--posts", "4000"])
    assert result.exit_code == 0, result.output
    return out


def test_demo_doppelganger_network_targets_germany_and_the_uk(demo: Path) -> None:
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        networks = report_context(ws)["networks"]
    (dg,) = [d for d in networks if "spiegel.ltd" in {x["domain"] for x in d["lookalike_domains"]}]
    rows = {(r["kind"], r["target"]): " ".join(r["evidence"]) for r in dg["targets"]}
    assert "impersonates" in rows[("country", "Germany")]
    assert "spiegel.de" in rows[("country", "Germany")]
    assert "theguardian.com" in rows[("country", "United Kingdom")]
    assert "of posts in German" in rows[("language", "German")]
    # the German row comes first: most evidence (brands and claimed places)
    assert dg["targets"][0]["target"] == "Germany"
    # the US-persona network targets the United States through the places its accounts claim
    (us,) = [d for d in networks if d is not dg]
    us_rows = {r["target"]: r for r in us["targets"]}
    assert us_rows["United States"]["evidence"][0].startswith("accounts claim")
    assert "Germany" not in us_rows
