"""The sample world's report, as people see it: HTML in headless Chromium, PDF as page images.

These tests look at pixels, not markup: a picture that the browser or WeasyPrint failed to
draw (an SVG error, a blocked resource, a broken print stylesheet) leaves no platform colour
in the image. They need Debian's ``chromium`` and poppler's ``pdftoppm`` (``make
report-deps`` installs both) and skip, saying so, only when those are not on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from cibwatch.cli.main import cli
from cibwatch.networks import stored_networks
from cibwatch.report.context import named_overlaps, report_context
from cibwatch.report.html import render_html_string
from cibwatch.report.markdown import md_escape, render_markdown
from cibwatch.report.pdf import APPENDIX_ANCHOR, layout_pdf, page_of, render_pdf
from cibwatch.report.pictures import PLATFORM_COLOURS
from cibwatch.workspace import Workspace

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium")
PDFTOPPM = shutil.which("pdftoppm")

#: A filled bar or dot of a platform covers at least this many pixels; a legend square alone
#: (10 x 10 px) does not, so the count proves the timeline or graph itself was drawn.
MIN_PICTURE_PIXELS = 300


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


def _colour_counts(image: Image.Image) -> dict[tuple[int, ...], int]:
    rgb = image.convert("RGB")
    colours = rgb.getcolors(maxcolors=rgb.width * rgb.height)
    assert colours is not None
    # RGB pixels are (r, g, b) tuples; the type stubs also allow a single float.
    return {colour: count for count, colour in colours if isinstance(colour, tuple)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render-demo")
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--posts", "4000"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def platforms(demo: Path) -> tuple[set[str], set[str]]:
    """Platforms of the first network's members, and of all networks' members."""
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        networks = stored_networks(ws)
    assert networks, "the sample world must yield networks to draw"
    first = {m.split(":", 1)[0] for m in networks[0].members}
    every = {m.split(":", 1)[0] for n in networks for m in n.members}
    return first & set(PLATFORM_COLOURS), every & set(PLATFORM_COLOURS)


def test_html_report_renders_its_pictures_in_chromium(
    demo: Path, platforms: tuple[set[str], set[str]], tmp_path: Path
) -> None:
    if CHROMIUM is None:
        pytest.skip("chromium is not on PATH (make report-deps installs it)")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--force-color-profile=srgb",  # the exact palette colours, no display profile
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,4500",  # to the first network's pictures
            (demo / "report.html").resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = Image.open(shot)
    assert image.size == (1280, 4500)
    counts = _colour_counts(image)
    assert len(counts) > 50, "a page of text, tables and pictures has many colours"
    white = counts.get((255, 255, 255), 0)
    assert white < 0.97 * image.width * image.height, "the screenshot is blank"
    first, _ = platforms
    assert len(first) >= 2, first
    for platform in sorted(first):
        pixels = counts.get(_rgb(PLATFORM_COLOURS[platform]), 0)
        assert pixels >= MIN_PICTURE_PIXELS, f"{platform}: {pixels} pixels of its colour"


def test_pdf_report_pages_show_the_pictures(
    demo: Path, platforms: tuple[set[str], set[str]], tmp_path: Path
) -> None:
    if PDFTOPPM is None:
        pytest.skip("pdftoppm (poppler-utils) is not on PATH (make report-deps installs it)")
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        pdf = render_pdf(ws, tmp_path / "report.pdf")
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "50", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    seen: dict[tuple[int, ...], int] = {}
    for page in pages:
        image = Image.open(page)
        # A4 at 50 dpi: 210 x 297 mm -> 413 x 585 px (rounding differs by a pixel).
        assert abs(image.width - 413) <= 1 and abs(image.height - 585) <= 1, image.size
        counts = _colour_counts(image)
        assert len(counts) > 5, f"{page.name} is blank"
        for colour, n in counts.items():
            seen[colour] = seen.get(colour, 0) + n
    _, every = platforms
    # At 50 dpi the pictures are small, so a lower bound than on screen.
    for platform in sorted(every):
        pixels = seen.get(_rgb(PLATFORM_COLOURS[platform]), 0)
        assert pixels >= MIN_PICTURE_PIXELS // 10, f"{platform}: {pixels} pixels in the PDF"


#: The issue's bound: an analyst reads the demo's report proper in at most this many pages.
MAX_PAGES_BEFORE_APPENDIX = 15


def test_demo_pdf_is_short_before_its_appendix_and_says_what_it_does(
    demo: Path, tmp_path: Path
) -> None:
    """The report proper fits 15 A4 pages; print shows no hover hint; progress is reported."""
    said: list[str] = []
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        html = render_html_string(ws)
        document = layout_pdf(html)
        pdf = render_pdf(ws, tmp_path / "report.pdf", progress=said.append)
    appendix = page_of(document, APPENDIX_ANCHOR)
    assert appendix is not None, "the appendix is marked"
    assert appendix - 1 <= MAX_PAGES_BEFORE_APPENDIX, f"appendix starts on page {appendix}"
    assert said[0].startswith("PDF: gathering") and "pages, the appendix from page" in said[-1]
    assert pdf.stat().st_size > 0
    text = "".join(
        box.text for page in document.pages[: appendix - 1] for box in _text_boxes(page._page_box)
    )
    assert "Hover" not in text, "no hover hint in print"
    assert "Executive summary" in text and "How to read this report" in text


def _text_boxes(box: Any) -> Iterator[Any]:
    """Every text box under a WeasyPrint layout box."""
    if hasattr(box, "text") and isinstance(box.text, str):
        yield box
    for child in getattr(box, "children", []) or []:
        yield from _text_boxes(child)


def test_narratives_across_operations_name_source_accounts_by_handle_and_platform(
    demo: Path, tmp_path: Path
) -> None:
    """The sample world's planted operations repeat an outside channel; the report names it
    as every other account of the report is named, never by its numeric key."""
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        context = report_context(ws)
        html = render_html_string(ws)
        render_markdown(ws, tmp_path / "report.md")
        sources = [o for o in context["overlaps"] if o["leader_kind"] == "source"]
        assert sources, "the sample world's operations repeat an outside source"
        keys = sorted({str(o["leader"]) for o in sources})
        found = ws.query(
            "SELECT platform || ':' || account_id AS account, platform, handle FROM accounts "
            "WHERE list_contains(?, platform || ':' || account_id) AND handle IS NOT NULL",
            [keys],
        )
    assert found, "the sources have handles"
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    section = html.split("Narratives across operations", 1)[1].split("How to read", 1)[0]
    md_section = markdown.split("Narratives across operations", 1)[1].split("## Appendix", 1)[0]
    for row in found:
        name = f"@{row['handle']} on {row['platform']}"
        assert name in section
        assert md_escape(name) in md_section
        assert row["account"] not in section and row["account"] not in md_section


def test_named_overlaps_fall_back_to_the_id_and_platform_without_a_handle() -> None:
    with Workspace() as ws:
        ws.connection.execute(
            "INSERT INTO accounts (platform, account_id, kind, handle) VALUES "
            "('telegram', '70000576', 'channel', 'vestnik'), ('x', '42', 'account', NULL)"
        )
        base = {"follower": "N-1", "shared": 3, "lag_days_median": 4.5, "lag_days_min": 1.0}
        named = named_overlaps(
            ws,
            [
                base | {"leader": "telegram:70000576", "leader_kind": "source"},
                base | {"leader": "x:42", "leader_kind": "source"},
                base | {"leader": "N-2", "leader_kind": "network"},
            ],
        )
    assert [o["leader_name"] for o in named] == [
        "@vestnik on telegram",
        "account 42 on x",
        "network N-2",
    ]
    assert named[0]["sentence"] == (
        "network N-1 repeats the narratives of @vestnik on telegram 4.5 days later "
        "(median of 3 shared narratives, shortest 1 days)"
    )
