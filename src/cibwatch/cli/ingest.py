"""``cibwatch ingest``: load source files into a workspace and show what happened.

A thin client: it parses options, calls :meth:`cibwatch.workspace.Workspace.ingest` per
file, and renders the reports. Each file is its own transaction, so a failing file leaves
the other files stored and the workspace consistent. Exit status: 0 when every file was
loaded; 1 when any file was refused (unreadable, not the format, or it stored nothing or
rejected more than ``--max-reject-share`` of its rows), after the other files are loaded
and every refusal is listed with its reasons; 2 for wrong options.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cibwatch.cli.choices import LazyChoice, max_reject_share_option

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from cibwatch.ingest.loader import IngestReport


#: How many reject reasons the summary lists.
TOP_REASONS = 5


def _advance(bar: Progress, task: TaskID, rows: int) -> None:
    bar.update(task, completed=rows)


def _report_table(reports: list[IngestReport]) -> Table:
    from rich.table import Table

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
    from rich.table import Table

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
    type=LazyChoice("cibwatch.ingest.registry:formats", "FORMAT"),
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
@click.option(
    "--encoding",
    default=None,
    metavar="NAME",
    help="Text encoding of the files (utf-8, utf-8-sig, utf-16, latin-1...). Default UTF-8; "
    "only a byte-order mark is detected, nothing is guessed.",
)
@max_reject_share_option(
    "Refuse a file (keep none of it, exit 1) that rejects more than this share of "
    "its rows; 1 keeps whatever passes."
)
def command(
    workspace: Path,
    files: tuple[Path, ...],
    format_name: str | None,
    assume_tz: str | None,
    platform: str | None,
    column_map: Path | None,
    encoding: str | None,
    max_reject_share: float,
) -> None:
    """Load FILE... into the WORKSPACE (created when missing).

    Every file is loaded atomically: its rows are stored, rejected (with file, row, field
    and reason, kept in the rejects table) or counted as duplicates, and nothing else.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from cibwatch.cli.output import console as safe_console
    from cibwatch.errors import IngestError
    from cibwatch.workspace import Workspace

    console = safe_console(stderr=True)
    reports: list[IngestReport] = []
    refused: list[IngestError] = []
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
                try:
                    report = ws.ingest(
                        path,
                        format=format_name,
                        assume_tz=assume_tz,
                        platform=platform,
                        column_map=column_map,
                        progress=partial(_advance, bar, task),
                        max_reject_share=max_reject_share,
                        encoding=encoding,
                    )
                except IngestError as exc:
                    # The file left no trace; the others are still worth loading.
                    refused.append(exc)
                    continue
            reports.append(report)
        posts = ws.count("posts")
    out = safe_console()
    if reports:
        out.print(_report_table(reports))
    reasons = _reasons_table(reports)
    if reasons is not None:
        out.print(reasons)
    for report in reports:
        for notice in report.notices:
            out.print(f"note: {report.source_file}: {notice}", markup=False, highlight=False)
    if posts == 0:
        console.print(
            "note: the workspace holds no posts: nothing can be analysed until posts are ingested",
            markup=False,
            highlight=False,
        )
    if refused:
        listed = "\n".join(str(exc) for exc in refused)
        raise click.ClickException(
            f"{len(refused)} of {len(files)} file(s) refused, not loaded:\n{listed}"
        )
