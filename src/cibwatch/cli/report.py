"""``cibwatch report``: render the report of an existing workspace."""

from __future__ import annotations

from pathlib import Path

import click

from cibwatch.report.html import render_html
from cibwatch.workspace import Workspace


@click.command("report")
@click.argument("workspace", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="HTML file to write.",
)
def command(workspace: Path, out: Path) -> None:
    """Write the HTML report of WORKSPACE (its latest networks) to --out."""
    with Workspace(workspace, read_only=True) as ws:
        path = render_html(ws, out)
    click.echo(f"Report: {path.resolve()}")
