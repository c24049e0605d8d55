"""``cibwatch ingest``: load source files into a workspace and show what happened.

A thin client: it parses options, calls :meth:`cibwatch.workspace.Workspace.ingest` per
file, and renders the reports. Each file is its own transaction, so a failing file leaves
the files before it stored and the workspace consistent.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from cibwatch.cli.output import Console
from cibwatch.ingest.loader import IngestReport
from cibwatch.ingest.registry import formats
from cibwatch.workspace import Workspace

#: How many reject reasons the summary lists.
TOP_REASONS = 5


def _advance(bar: Progress, task: TaskID, rows: int) -> None:
    bar.update(task, completed=rows)


def _report_table(reports: list[IngestReport]) -> Table:
    table = Table(title="Ingested")
    table.add_column("file", overflow="fold")
    table.add_column("format")
    for name in ("read", "stored", "rejected", "duplicate", "accounts"):
        table.add_column(name, justify="right")
    for report in reports:
        table.add_row(
            report.source_file,
            report.format,
            f"{report.rows_read:,}",
            f"{report.rows_stored:,}",
            f"{report.rows_rejected:,}",
            f"{report.rows_duplicate:,}",
            f"{report.accounts_stored:,}",
        )
    return table


def _reasons_table(reports: list[IngestReport]) -> Table | None:
    totals: dict[str, int] = {}
    for report in reports:
        for reason, count in report.reject_reasons.items():
            totals[reason] = totals.get(reason, 0) + count
    if not totals:
        return None
    table = Table(title="Top reject reasons (see the workspace's rejects table)")
    table.add_column("reason")
    table.add_column("rows", justify="right")
    for reason, count in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]:
        table.add_row(reason, f"{count:,}")
    return table


@click.command(name="ingest")
@click.argument("workspace", type=click.Path(dir_okay=False, path_type=Path))
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "format_name",
    type=click.Choice(formats()),
    default=None,
    help="Source format; detected from the file when not given.",
)
@click.option(
    "--assume-tz",
    default=None,
    metavar="TZ",
    help="Time zone (IANA name, e.g. UTC or America/New_York) of times that carry none. "
    "Required for such files: cibwatch never guesses.",
)
@click.option(
    "--platform",
    default=None,
    metavar="NAME",
    help="Platform of every row whose source does not name one (e.g. x, facebook).",
)
@click.option(
    "--column-map",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file mapping canonical fields to the file's columns (generic formats).",
)
def command(
    workspace: Path,
    files: tuple[Path, ...],
    format_name: str | None,
    assume_tz: str | None,
    platform: str | None,
    column_map: Path | None,
) -> None:
    """Load FILE... into the WORKSPACE (created when missing).

    Every file is loaded atomically: its rows are stored, rejected (with file, row, field
    and reason, kept in the rejects table) or counted as duplicates, and nothing else.
    """
    console = Console(stderr=True)
    reports: list[IngestReport] = []
    with Workspace(workspace) as ws:
        for path in files:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed:,} rows"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task(f"ingesting {path.name}", total=None)
                report = ws.ingest(
                    path,
                    format=format_name,
                    assume_tz=assume_tz,
                    platform=platform,
                    column_map=column_map,
                    progress=partial(_advance, bar, task),
                )
            reports.append(report)
    out = Console()
    out.print(_report_table(reports))
    reasons = _reasons_table(reports)
    if reasons is not None:
        out.print(reasons)
