"""``cibwatch report``: render the report of an existing workspace as HTML, Markdown or PDF."""

from __future__ import annotations

from pathlib import Path

import click

from cibwatch.report.html import render_html
from cibwatch.report.markdown import render_markdown
from cibwatch.report.pdf import render_pdf
from cibwatch.workspace import Workspace

_RENDERERS = {"html": render_html, "md": render_markdown, "pdf": render_pdf}


@click.command("report")
@click.argument("workspace", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write [default: report.html, report.md or report.pdf after --format].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(_RENDERERS)),
    default="html",
    show_default=True,
    help=(
        "html: one self-contained file; md: Markdown with its pictures as SVG files beside "
        "it; pdf: the HTML report printed to A4 pages (WeasyPrint)."
    ),
)
def command(workspace: Path, out: Path | None, fmt: str) -> None:
    """Write the report of WORKSPACE (its latest networks) to --out."""
    target = out if out is not None else Path(f"report.{fmt}")
    with Workspace(workspace, read_only=True) as ws:
        if fmt == "pdf":
            path = render_pdf(ws, target, progress=lambda line: click.echo(line, err=True))
        else:
            path = _RENDERERS[fmt](ws, target)
    click.echo(f"Report: {path.resolve()}")
