"""Page evidence from saved HTML snapshots (nothing fetched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cibwatch.domains.pages import compare_pages, compare_snapshots, page_features
from cibwatch.errors import InputError

BRAND = """<html><head><title>DER SPIEGEL | Online-Nachrichten</title>
<link rel="icon" href="/public/spon/images/favicon.ico">
<meta property="og:image" content="https://cdn.spiegel.de/images/spiegel-logo.png?w=200">
<script>var tracking = "do not count this text";</script></head>
<body><header><nav><a href="/">Start</a><a href="/politik">Politik</a></nav>
<img src="/public/spon/images/logo-spiegel.svg"></header>
<main><article><h2>Bundesregierung beschließt neues Klimapaket</h2>
<p>Die Bundesregierung hat am Mittwoch ein neues Klimapaket beschlossen, das den Ausstoß
von Treibhausgasen bis 2030 deutlich senken soll.</p></article></main>
<footer><p>Impressum Datenschutz</p></footer></body></html>"""

# A Doppelganger-style clone: assets hot-linked from elsewhere, markup copied, one
# fabricated article in place of the real one.
CLONE = (
    BRAND.replace("/public/spon/images/", "https://spiegel.ltd/static/")
    .replace("Bundesregierung beschließt neues Klimapaket", "Sanktionen ruinieren Deutschland")
    .replace("ein neues Klimapaket beschlossen", "neue Sanktionen beschlossen")
)

UNRELATED = """<html><head><title>Gartenbedarf Müller</title></head><body><div><ul>
<li>Rasenmäher</li><li>Saatgut</li></ul><img src="/img/shop.png"></div>
<p>Alles für Ihren Garten, versandkostenfrei ab 50 Euro.</p></body></html>"""


def test_features_skip_scripts_and_keep_asset_names() -> None:
    f = page_features(BRAND)
    assert f.title == "DER SPIEGEL | Online-Nachrichten"
    assert {"favicon.ico", "spiegel-logo.png", "logo-spiegel.svg"} <= f.assets
    assert "tracking" not in f.text
    assert f.layout[:3] == ["html", "head", "body"]


def test_clone_matches_on_title_logo_and_layout() -> None:
    c = compare_pages(CLONE, BRAND)
    assert c.title == 1.0 and c.logo == 1.0
    assert c.layout > 0.9
    assert 0.0 < c.text < 1.0  # the article differs, the frame around it does not
    assert c.score >= 0.75
    assert c.explanation().startswith("same title, same logo, same layout")


def test_unrelated_page_scores_low() -> None:
    c = compare_pages(UNRELATED, BRAND)
    assert c.title == 0.0 and c.logo == 0.0 and c.text == 0.0
    assert c.score < 0.3


def test_snapshots_from_files(tmp_path: Path) -> None:
    (tmp_path / "clone.html").write_text(CLONE, encoding="utf-8")
    (tmp_path / "brand.html").write_text(BRAND, encoding="utf-8")
    assert compare_snapshots(tmp_path / "clone.html", tmp_path / "brand.html").logo == 1.0
    with pytest.raises(InputError, match=r"missing\.html"):
        compare_snapshots(tmp_path / "missing.html", tmp_path / "brand.html")
