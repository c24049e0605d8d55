"""``cibwatch schedule``: schedule, time zone and whose day it follows, per unit."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from cibwatch.csvsafe import write_rows
from cibwatch.textsafe import terminal_text


def _zone(offset: object) -> str:
    return "" if offset is None else f"UTC{int(str(offset)):+d}"


@click.command("schedule")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--by",
    type=click.Choice(["account", "network"]),
    default="account",
    show_default=True,
    help="Unit to profile (network needs a workspace with networks).",
)
@click.option(
    "--groups",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV account_id,group: profile each group of accounts (ids as in the source).",
)
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), help="CSV to write.")
@click.option("--min-posts", default=1, show_default=True, help="Skip units with fewer posts.")
@click.option("--assume-tz", help="Time zone of source times that carry none (IANA name).")
def command(
    source: Path,
    by: str,
    groups: Path | None,
    out: Path | None,
    min_posts: int,
    assume_tz: str | None,
) -> None:
    """Infer the schedule and time zone of each unit in SOURCE, and whether the hours
    look like the operators' own day or their target audience's.

    SOURCE is a workspace (.duckdb) or a posts file, which is ingested into a temporary
    workspace first.
    """
    from rich.table import Table

    from cibwatch.cli.output import console
    from cibwatch.errors import CibwatchError
    from cibwatch.fingerprints.schedules import COLUMNS, read_groups, schedules
    from cibwatch.workspace import Workspace

    try:
        members = read_groups(groups) if groups is not None else None
        if source.suffix == ".duckdb":
            with Workspace(source, read_only=True) as ws:
                rows = schedules(ws, by=by, min_posts=min_posts, groups=members)
        else:
            with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "ws.duckdb") as ws:
                ws.ingest(source, assume_tz=assume_tz)
                rows = schedules(ws, by=by, min_posts=min_posts, groups=members)
    except CibwatchError as exc:
        raise click.ClickException(terminal_text(exc)) from exc
    if not rows:
        raise click.ClickException(
            "no unit to profile: no posts"
            + (" by the accounts in the groups file" if groups else "")
            + f" (min posts {min_posts})"
        )
    if out is not None:
        write_rows(out, COLUMNS, rows)
        click.echo(f"{len(rows)} rows written to {out}")
        return
    table = Table()
    for col in ("unit", "posts", "hypothesis", "offset", "range", "probability", "alignment"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["unit"],
            str(r["posts"]),
            r["hypothesis"],
            _zone(r["offset"]),
            f"{_zone(r['offset_low'])}..{_zone(r['offset_high'])}"
            if r["offset"] is not None
            else "",
            f"{r['probability']:.0%}",
            r["alignment"],
        )
    console().print(table)
    for r in rows:
        click.echo(f"{r['unit']}: {r['finding']}")
