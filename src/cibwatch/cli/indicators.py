"""``cibwatch export stix|indicators-csv`` and ``cibwatch import``: sharing indicators.

Thin commands: they parse options, call :mod:`cibwatch.indicators`, and print counts.
"""

from __future__ import annotations

from pathlib import Path

import click

from cibwatch.indicators.platform_files import export_indicators_csv
from cibwatch.indicators.sources import import_indicators
from cibwatch.indicators.stix_export import GROUP_KINDS, TLP_IDS, export_stix
from cibwatch.workspace import Workspace

#: How many non-indicator rows ``import`` prints (all are stored).
SHOW_TEXTS = 20


@click.group("export")
def export_command() -> None:
    """Export a workspace's findings for sharing."""


@export_command.command("stix")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Bundle (.json).")
@click.option(
    "--tlp",
    type=click.Choice(list(TLP_IDS)),
    default="amber",
    show_default=True,
    help="TLP 2.0 marking of every object.",
)
@click.option("--producer", default="cibwatch", show_default=True, help="Producer identity.")
@click.option(
    "--group-as",
    type=click.Choice(GROUP_KINDS),
    default="campaign",
    show_default=True,
    help="STIX object for each network.",
)
def stix_command(workspace_path: str, out: str, tlp: str, producer: str, group_as: str) -> None:
    """Write the latest networks of WORKSPACE as a STIX 2.1 bundle."""
    with Workspace(workspace_path, read_only=True) as workspace:
        bundle = export_stix(workspace, Path(out), producer=producer, tlp=tlp, group_kind=group_as)
    kinds: dict[str, int] = {}
    for obj in bundle.objects:
        kinds[obj.type] = kinds.get(obj.type, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    click.echo(f"wrote {out}: {summary}")


@export_command.command("indicators-csv")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV file.")
def indicators_csv_command(workspace_path: str, out: str) -> None:
    """Write WORKSPACE's indicators as indicator_type,indicator_value,comment,ds CSV."""
    with Workspace(workspace_path, read_only=True) as workspace:
        rows = export_indicators_csv(workspace, Path(out))
    click.echo(f"wrote {out}: {rows} indicators")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--workspace",
    "workspace_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Store the indicators in this workspace (otherwise only report them).",
)
def import_command(file: str, workspace_path: str | None) -> None:
    """Read indicators from FILE: a STIX 2.1 bundle or a platform's indicator file."""
    if workspace_path is None:
        result, import_id = import_indicators(Path(file))
    else:
        with Workspace(workspace_path) as workspace:
            result, import_id = import_indicators(Path(file), workspace)
    click.echo(
        f"{file} ({result.format}): {result.rows_read} rows, {len(result.indicators)} "
        f"indicators, {len(result.texts)} non-indicator texts"
        + ("" if import_id is None else f"; stored as import {import_id}")
    )
    for text in result.texts[:SHOW_TEXTS]:
        click.echo(f"  row {text.source_row}: {text.reason}: {text.text!r}")
    if len(result.texts) > SHOW_TEXTS:
        click.echo(f"  ... and {len(result.texts) - SHOW_TEXTS} more")
