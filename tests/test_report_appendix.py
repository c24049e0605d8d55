"""The report's indicators appendix: what ``cibwatch export`` shares, defanged and escaped."""

from __future__ import annotations

import re
from pathlib import Path

from cibwatch import Workspace
from cibwatch.indicators.collect import collect
from cibwatch.report.appendix import defang_indicator, indicator_appendix
from cibwatch.report.html import render_html
from cibwatch.report.markdown import render_markdown
from test_report_targets import build_world


def _appendix(html: str) -> str:
    return html[html.index('id="indicators"') : html.index("<h2>Method</h2>")]


def test_appendix_holds_exactly_the_exported_indicators() -> None:
    with Workspace() as ws:
        build_world(ws)
        shared = collect(ws, include="all").indicators()
        appendix = indicator_appendix(ws)
    (rows,) = appendix.values()
    assert [(r["type"], r["value"]) for r in rows] == [(i.type, i.value) for i in shared]
    values = {r["value"]: r["defanged"] for r in rows}
    assert values["spiegel.ltd"] == "spiegel[.]ltd"
    assert values["https://spiegel.ltd/story0"] == "hxxps://spiegel[.]ltd/story0"
    assert values["https://x.com/anna0"] == "hxxps://x[.]com/anna0"


def test_html_appendix_lists_spiegel_ltd_defanged_and_no_live_link(tmp_path: Path) -> None:
    with Workspace() as ws:
        build_world(ws)
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    appendix = _appendix(html)
    assert '<td class="mono">spiegel[.]ltd</td>' in appendix
    assert "hxxps://spiegel[.]ltd/story0" in appendix
    assert "imitates Der Spiegel" in appendix  # the export's comment comes along
    assert "<a " not in appendix and "href" not in appendix
    assert not re.search(r"https?://", html)  # no live URL anywhere in the report
    assert "spiegel.ltd/" not in appendix


def test_hostile_indicator_values_are_escaped(tmp_path: Path) -> None:
    hostile = 'evil.example"><script>alert(1)</script>'
    with Workspace() as ws:
        build_world(ws, lookalike=hostile, handle="<img src=x onerror=alert(1)>")
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
        md = render_markdown(ws, tmp_path / "r.md").read_text(encoding="utf-8")
    appendix = _appendix(html)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in appendix
    assert "evil[.]example&#34;&gt;&lt;script&gt;" in appendix
    assert "<script" not in md and "<img" not in md


def test_defang_touches_scheme_and_host_only() -> None:
    assert defang_indicator("url", "http://a.b.example/x.html") == "hxxp://a[.]b[.]example/x.html"
    assert defang_indicator("ip", "10.0.0.1") == "10[.]0[.]0[.]1"
    assert defang_indicator("handle", "@some.user") == "@some.user"
    assert defang_indicator("url", "spiegel.ltd/a") == "spiegel[.]ltd/a"


def test_workspace_without_networks_has_an_empty_appendix(tmp_path: Path) -> None:
    with Workspace() as ws:
        assert indicator_appendix(ws) == {}
        html = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No network, so no indicator." in html
