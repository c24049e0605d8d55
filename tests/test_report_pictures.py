"""Report pictures: inline SVG per network, escaped, deterministic, and capped for legibility."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from cibwatch.cli.main import cli
from cibwatch.report.pictures import (
    GRAPH_EDGES,
    GRAPH_NODES,
    graph_picture,
    heatmap_svg,
    standalone,
    timeline_bins,
    timeline_svg,
)

HOSTILE = '</svg><script>alert("x")</script><img src=x onerror=alert(1)>&amp;'
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--posts", "4000"])
    assert result.exit_code == 0, result.output
    return out


def _networks(html: str) -> list[str]:
    return re.findall(r'<section class="network" id="([^"]+)">', html)


def test_every_network_of_the_demo_report_has_a_timeline_and_a_graph(demo: Path) -> None:
    html = (demo / "report.html").read_text(encoding="utf-8")
    networks = _networks(html)
    assert len(networks) == 2
    blocks = html.split('<section class="network" id="')[1:]
    for block in blocks:
        block = block.split("</section>")[0]
        assert block.count("<svg") == 3  # timeline, hour-of-week heatmap, graph
        assert '<figure class="timeline"><svg' in block and '<figure class="graph"><svg' in block
        assert "Posts per day by platform" in block  # the timeline's own title
        assert '<figure class="heatmap"><svg' in block
    assert html.count("<svg") == html.count("</svg>") == 3 * len(networks)
    assert "<script" not in html and "http://" not in html  # CSP-safe, nothing fetched


def test_timeline_bins_keep_gaps_and_switch_to_weeks_for_long_spans() -> None:
    rows = [
        {"day": date(2024, 1, 1), "platform": "x", "posts": 3},
        {"day": date(2024, 1, 4), "platform": "facebook", "posts": 2},
        {"day": date(2024, 1, 4), "platform": "x", "posts": 1},
    ]
    unit, starts, counts = timeline_bins(rows)
    assert unit == "day" and len(starts) == 4  # the empty days in between are bins too
    assert counts == {"facebook": [0, 0, 0, 2], "x": [3, 0, 0, 1]}
    long = [*rows, {"day": date(2024, 12, 30), "platform": "x", "posts": 5}]
    unit, starts, counts = timeline_bins(long)
    assert unit == "week" and starts[1] == date(2024, 1, 8)
    assert counts["x"][0] == 4 and counts["x"][-1] == 5 and sum(counts["x"]) == 9


def test_timeline_draws_one_bar_part_per_day_and_platform_with_axes() -> None:
    rows = [
        {"day": date(2024, 1, 1), "platform": "x", "posts": 3},
        {"day": date(2024, 1, 2), "platform": "facebook", "posts": 2},
        {"day": date(2024, 1, 2), "platform": "x", "posts": 1},
    ]
    svg = ElementTree.fromstring(standalone(str(timeline_svg(rows))))
    titles = [t.text for t in svg.iter(f"{SVG_NS}title")]
    assert "2024-01-02 facebook: 2 posts" in titles and "2024-01-01 x: 3 posts" in titles
    bars = [r for r in svg.iter(f"{SVG_NS}rect") if r.find(f"{SVG_NS}title") is not None]
    assert len(bars) == 3
    texts = {t.text for t in svg.iter(f"{SVG_NS}text")}
    assert {"2024-01-01", "2024-01-02", "day (UTC)", "posts per day", "x", "facebook"} <= texts


def test_hostile_names_stay_text_in_every_picture() -> None:
    members = [f"{HOSTILE}:1", f"x:{HOSTILE}", "x:b"]
    edges = [
        {"a": members[0], "b": members[1], "weight": 5.0},
        {"a": "x:b", "b": members[1], "weight": 1.0},
    ]
    rows = [{"day": date(2024, 1, 1), "platform": HOSTILE, "posts": 2}]
    for svg in (graph_picture(members, edges)["svg"], timeline_svg(rows)):
        text = str(svg)
        assert "<script" not in text and "<img" not in text and text.count("</svg>") == 1
        assert "&lt;script&gt;" in text and "&amp;amp;" in text
        parsed = ElementTree.fromstring(standalone(text))  # well-formed XML
        all_text = " ".join(t.text or "" for t in parsed.iter())
        assert HOSTILE in all_text  # shown as it is, not interpreted


def test_graph_is_deterministic_and_widths_follow_strength() -> None:
    members = [f"x:{i}" for i in range(6)] + ["facebook:f"]
    edges = [{"a": "x:0", "b": f"x:{i}", "weight": float(i)} for i in range(1, 6)]
    edges.append({"a": "facebook:f", "b": "x:1", "weight": 30.0})
    one, two = graph_picture(members, edges), graph_picture(list(reversed(members)), edges)
    assert one == two
    svg = ElementTree.fromstring(standalone(str(one["svg"])))
    assert len(list(svg.iter(f"{SVG_NS}circle"))) == 7
    widths = {
        line.find(f"{SVG_NS}title").text: float(line.get("stroke-width", "0"))  # type: ignore[union-attr]
        for line in svg.iter(f"{SVG_NS}line")
    }
    assert widths["facebook:f - x:1: 30.0"] > widths["x:0 - x:5: 5.0"] > widths["x:0 - x:1: 1.0"]
    assert "Capped" not in one["caption"] and "7 accounts and 6 links" in one["caption"]


def test_big_graphs_are_capped_and_the_caption_says_so() -> None:
    members = [f"x:{i:03d}" for i in range(GRAPH_NODES + 20)]
    edges = [
        {"a": members[i], "b": members[j], "weight": 1.0 + (i + j) % 7}
        for i in range(len(members))
        for j in range(i + 1, min(i + 12, len(members)))
    ]
    picture = graph_picture(members, edges)
    svg = ElementTree.fromstring(standalone(str(picture["svg"])))
    assert len(list(svg.iter(f"{SVG_NS}circle"))) == GRAPH_NODES
    assert (
        len([x for x in svg.iter(f"{SVG_NS}line") if x.find(f"{SVG_NS}title") is not None])
        == GRAPH_EDGES
    )
    assert f"the {GRAPH_NODES} most linked of {len(members)} accounts" in picture["caption"]
    assert f"the {GRAPH_EDGES} strongest of the" in picture["caption"]


def test_heatmap_svg_has_a_cell_per_hour_of_the_week() -> None:
    grid = [[0] * 24 for _ in range(7)]
    grid[2][9] = 4
    svg = ElementTree.fromstring(standalone(str(heatmap_svg(grid, 8))))
    cells = list(svg.iter(f"{SVG_NS}rect"))
    assert len(cells) == 168
    busiest = [c for c in cells if c.get("fill-opacity") == "1.00"]
    assert [c.find(f"{SVG_NS}title").text for c in busiest] == ["Wed 09:00: 4 posts"]  # type: ignore[union-attr]
    assert "UTC+8" in (svg.find(f"{SVG_NS}title").text or "")  # type: ignore[union-attr]
