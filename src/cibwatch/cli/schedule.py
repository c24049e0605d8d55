"""``cibwatch schedule``: operator schedule and time zone per account or network."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from cibwatch.csvsafe import write_rows


@click.command("schedule")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--by",
    type=click.Choice(["account", "network"]),
    default="account",
    show_default=True,
    help="Unit to profile (network needs a workspace with networks).",
)
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), help="CSV to write.")
@click.option("--min-posts", default=1, show_default=True, help="Skip units with fewer posts.")
@click.option("--assume-tz", help="Time zone of source times that carry none (IANA name).")
def command(source: Path, by: str, out: Path | None, min_posts: int, assume_tz: str | None) -> None:
    """Infer the operator time zone and shift of each unit in SOURCE.

    SOURCE is a workspace (.duckdb) or a posts file, which is ingested into a temporary
    workspace first.
    """
    from rich.console import Console
    from rich.table import Table

    from cibwatch.fingerprints.schedules import COLUMNS, schedules
    from cibwatch.workspace import Workspace

    if source.suffix == ".duckdb":
        with Workspace(source, read_only=True) as ws:
            rows = schedules(ws, by=by, min_posts=min_posts)
    else:
        with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "ws.duckdb") as ws:
            ws.ingest(source, assume_tz=assume_tz)
            rows = schedules(ws, by=by, min_posts=min_posts)
    if out is not None:
        write_rows(out, COLUMNS, rows)
        click.echo(f"{len(rows)} rows written to {out}")
        return
    table = Table()
    for col in ("unit", "posts", "schedule", "offset", "probability", "finding"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["unit"],
            str(r["posts"]),
            r["schedule"],
            "" if r["offset"] is None else f"UTC{r['offset']:+d}",
            f"{r['probability']:.0%}",
            r["finding"],
        )
    Console().print(table)
