"""``cibwatch report``: render the report of an existing workspace as HTML, Markdown or PDF."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import click

#: Report formats and the ``module:function`` rendering each (imported when used: the PDF
#: renderer loads WeasyPrint).
_RENDERERS = {
    "html": "cibwatch.report.html:render_html",
    "md": "cibwatch.report.markdown:render_markdown",
    "pdf": "cibwatch.report.pdf:render_pdf",
}


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
    from cibwatch.workspace import Workspace

    target = out if out is not None else Path(f"report.{fmt}")
    with Workspace(workspace, read_only=True) as ws:
        module, _, name = _RENDERERS[fmt].partition(":")
        render: Callable[..., Path] = getattr(importlib.import_module(module), name)
        if fmt == "pdf":  # tens of seconds for a large report: say what is happening
            path = render(ws, target, progress=lambda line: click.echo(line, err=True))
        else:
            path = render(ws, target)
    click.echo(f"Report: {path.resolve()}")
