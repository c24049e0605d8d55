"""The Markdown report: same facts as the HTML one, hostile values inert, pictures beside it."""

from __future__ import annotations

import html as htmllib
import itertools
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from markdown_it import MarkdownIt

from cibwatch import Workspace
from cibwatch.cli.main import cli
from cibwatch.networks import assemble_networks
from cibwatch.report.markdown import defang, md_escape, render_markdown

HOSTILE = (
    "| # x `code` **bold** [click](https://evil.example/p) ![i](http://evil.example/i.png) "
    "<script>alert(1)</script> www.evil.example a@evil.example &lt;\n# heading\n- item"
)
MEMBERS = ["x:a|b", "x:`c`", "x:[d](https://evil.example)"]


def _world(ws: Workspace) -> None:
    con = ws.connection
    for i, acc in enumerate(MEMBERS):
        account_id = acc.split(":", 1)[1]
        con.execute(
            "INSERT INTO accounts (platform, account_id, kind, display_name, claimed_location) "
            "VALUES ('x', ?, 'account', ?, ?)",
            [account_id, HOSTILE, HOSTILE],
        )
        con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, kind, domains, "
            "hashtags, source_file, source_row) VALUES ('x', ?, ?, ?, ?, 'original', "
            "['evil.example'], ['# tag'], 'posts|x.csv', ?)",
            [f"p{i}", account_id, datetime(2024, 1, 1 + i, 9), HOSTILE, i + 1],
        )
    run_id = ws.start_run("detect", "coaction", {"window": HOSTILE})
    ws.finish_run(run_id)
    con.executemany(
        "INSERT INTO evidence VALUES (?, 'coaction', 'coaction', 'pair', ?, ?, 3, 1e-9, 1e-8, "
        "true, ?, ['url:https://evil.example/a'], '{}')",
        [[run_id, a, b, HOSTILE] for a, b in itertools.combinations(MEMBERS, 2)],
    )
    assemble_networks(ws)


def _render(md: str) -> str:
    return str(MarkdownIt("commonmark").enable("table").render(md))


def test_md_escape_keeps_the_text_and_kills_the_syntax() -> None:
    rendered = _render(f"| h |\n|---|\n| {md_escape(HOSTILE)} |\n")
    assert rendered.count("<td>") == 1  # the pipe did not split the cell
    assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered
    assert "<strong>" not in rendered and "<code>" not in rendered and "<h1>" not in rendered
    # what a reader sees is the hostile text on one line, links defanged
    assert htmllib.escape(defang(" ".join(HOSTILE.split())), quote=False) in rendered
    assert md_escape("# title").startswith("\\#") and md_escape("- x") == "\\- x"
    assert md_escape("1. x") == "1\\. x" and md_escape("0.85") == "0.85"
    assert md_escape(None) == ""


def test_defang_makes_urls_domains_and_emails_inert() -> None:
    text = defang(
        "HTTPS://evil.example/x www.evil.example me@evil.example ftp://f.org 1.5e-16 e.g."
    )
    assert text == (
        "hxxps://evil[.]example/x www[.]evil[.]example me@evil[.]example fxp://f[.]org 1.5e-16 e.g."
    )


def test_markdown_report_is_complete_and_inert(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    with Workspace() as ws:
        _world(ws)
        render_markdown(ws, out)
    md = out.read_text(encoding="utf-8")
    assert "1 network of coordinated accounts" in md
    assert "#### Tactics" in md and "| T0049 | Flooding the Information Space |" in md
    assert "https://" not in md and "http://" not in md and "www.evil" not in md
    assert "<script" not in md and "](http" not in md
    rendered = _render(md)
    assert "<script" not in rendered and "<a " not in rendered
    assert rendered.count("<h1>") == 1 and "<li>item" not in rendered
    images = re.findall(r'<img src="([^"]*)"', rendered)
    assert images and all(i.startswith("r-pictures/") for i in images)
    (network_id,) = re.findall(r"<h3>Network (N-[0-9a-f]{8})</h3>", rendered)
    pictures = sorted(p.name for p in (tmp_path / "r-pictures").iterdir())
    assert pictures == [
        f"{network_id}-graph.svg",
        f"{network_id}-heatmap.svg",
        f"{network_id}-timeline.svg",
    ]
    graph = (tmp_path / "r-pictures" / f"{network_id}-graph.svg").read_text(encoding="utf-8")
    assert graph.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<script" not in graph
    # every sample post row keeps its four cells: the hostile text stayed in one cell
    sample = rendered.split("<h4>Sample content</h4>")[1].split("</table>")[0]
    for row in re.findall(r"<tr>(.*?)</tr>", sample, flags=re.S)[1:]:
        assert row.count("<td") == 4 and "hxxps://evil[.]example/p" in row


def test_report_command_writes_markdown_or_html(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        _world(ws)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["report", str(path), "--format", "md", "--out", str(tmp_path / "out.md")]
    )
    assert result.exit_code == 0, result.output
    assert "out.md" in result.output
    md = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert md.startswith("# cibwatch investigation report") and "#### Network graph" in md
    assert (tmp_path / "out-pictures").is_dir()
    result = runner.invoke(cli, ["report", str(path), "--out", str(tmp_path / "out.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = runner.invoke(cli, ["report", str(path), "--format", "docx"])
    assert bad.exit_code != 0 and "docx" in bad.output


def test_html_pictures_of_hostile_accounts_stay_text(tmp_path: Path) -> None:
    from cibwatch.report.html import render_html

    with Workspace() as ws:
        _world(ws)
        page = render_html(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    graph = page.split('<figure class="graph">')[1].split("</figure>")[0]
    assert graph.count("<svg") == 1 and graph.count("</svg>") == 1
    assert "<title>x:[d](https://evil.example)</title>" in graph  # the title is text, escaped
    assert "<script" not in page and "<img" not in page
    assert 'href="http' not in page and 'src="http' not in page  # URLs shown, never loaded


def test_markdown_report_and_its_pictures_hold_no_terminal_sequences(tmp_path: Path) -> None:
    """``cat report.md`` must not retitle the terminal; the SVG files must stay XML."""
    hostile = "name\x1b]0;pwned\x07\x1b[2J\x9b1A\rFAKE\x00\x08"
    out = tmp_path / "r.md"
    with Workspace() as ws:
        _world(ws)
        ws.connection.execute("UPDATE accounts SET display_name = ?, handle = ?", [hostile] * 2)
        ws.connection.execute("UPDATE posts SET text = ?", [hostile])
        render_markdown(ws, out)
    md = out.read_text(encoding="utf-8")
    assert "nameFAKE" in md, "the text is kept, only the sequences go"
    assert "]0;pwned" not in md, "the sequence goes whole (a percent-encoded URL may keep it)"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", md), "no control character"
    for picture in (tmp_path / "r-pictures").iterdir():
        ET.parse(picture)  # an XML parser refuses the characters XML 1.0 forbids
