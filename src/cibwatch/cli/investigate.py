"""``cibwatch investigate`` and ``cibwatch demo``: a whole investigation in one command.

The library (DuckDB, the detectors, the report) is imported when a command runs, never at
import: ``cibwatch investigate --help`` answers at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cibwatch.cli.choices import STEP_NAMES, max_reject_share_option
from cibwatch.cli.coordination import max_pairs_option

if TYPE_CHECKING:
    from rich.console import Console

    from cibwatch.pipeline import InvestigationOptions, InvestigationResult
    from cibwatch.progress import StepUpdate


def _console() -> Console:
    from cibwatch.cli.output import console

    return console(stderr=False)


def _options(f: click.decorators.FC) -> click.decorators.FC:
    """Detection options shared by ``investigate`` and ``demo``."""
    f = click.option(
        "--window", default=30, show_default=True, help="Co-action window in seconds."
    )(f)
    f = click.option(
        "--min-participation",
        default=2,
        show_default=True,
        help="Minimum repeated co-actions per account.",
    )(f)
    f = click.option(
        "--fdr", default=0.05, show_default=True, help="False discovery rate across edges."
    )(f)
    f = click.option(
        "--engine",
        type=click.Choice(["duckdb", "spark"]),
        default="duckdb",
        show_default=True,
        help="Engine for the relational steps.",
    )(f)
    f = click.option(
        "--skip",
        multiple=True,
        type=click.Choice(STEP_NAMES),
        help="A step not to run (repeatable); the report names it.",
    )(f)
    f = click.option(
        "--only",
        multiple=True,
        type=click.Choice(STEP_NAMES),
        help="Run only these optional steps (repeatable); ingest, actions, networks and the "
        "report always run.",
    )(f)
    f = click.option(
        "--param",
        "params",
        multiple=True,
        metavar="STEP.NAME=VALUE",
        help="A step's parameter, e.g. persona.max_distance=4 or narratives.threshold=2 "
        "(repeatable; VALUE read as JSON, else as text); recorded in the run log.",
    )(f)
    return max_pairs_option(f)


def step_params(values: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``STEP.NAME=VALUE`` options as ``{step: {name: value}}`` (VALUE as JSON, else text).

    >>> step_params(("persona.max_distance=4", "creation_burst.bucket=day"))
    {'persona': {'max_distance': 4}, 'creation_burst': {'bucket': 'day'}}
    """
    out: dict[str, dict[str, Any]] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        step, dot, name = key.partition(".")
        if not sep or not dot or not step or not name:
            raise click.BadParameter(f"{item!r}: expected STEP.NAME=VALUE", param_hint="--param")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        out.setdefault(step, {})[name] = value
    return out


def _progress(console: Console) -> tuple[Callable[[StepUpdate], None], Callable[[], None]]:
    """A live line on a terminal; otherwise plain lines (each step's start and end, and a
    running step's progress at most every ``PLAIN_EVERY`` seconds). Returns (report, stop)."""
    from cibwatch.progress import PLAIN_EVERY

    if console.is_terminal:
        status = console.status("starting", spinner="dots")
        status.start()
        return (lambda u: status.update(u.line())), status.stop
    last = [0.0]

    def plain(update: StepUpdate) -> None:
        now = time.monotonic()
        if update.status == "running" and update.rows is not None and now - last[0] < PLAIN_EVERY:
            return
        last[0] = now
        click.echo(update.line())

    return plain, lambda: None


def _run(
    sources: list[Path], workspace: Path, out: Path, options: InvestigationOptions
) -> InvestigationResult:
    from cibwatch.pipeline import investigate
    from cibwatch.workspace import Workspace

    out.mkdir(parents=True, exist_ok=True)
    console = _console()
    report, stop = _progress(console)
    try:
        with Workspace(workspace) as ws:
            result = investigate(sources, ws, out, options, progress=report)
    finally:
        stop()
    _summary(console, result)
    if any(v.startswith("failed") for v in result.not_run.values()):
        failed = [k for k, v in result.not_run.items() if v.startswith("failed")]
        raise click.ClickException(
            f"step{'s' if len(failed) > 1 else ''} failed: {', '.join(failed)} (the report "
            "was written and names them; see the run log)"
        )
    return result


def _summary(console: Console, result: InvestigationResult) -> None:
    from rich.table import Table

    table = Table(title="Ingest")
    for col in ("file", "format", "read", "stored", "rejected", "duplicate"):
        table.add_column(col, justify="left" if col in ("file", "format") else "right")
    for r in result.ingests:
        table.add_row(
            Path(r.source_file).name,
            r.format,
            f"{r.rows_read:,}",
            f"{r.rows_stored:,}",
            f"{r.rows_rejected:,}",
            f"{r.rows_duplicate:,}",
        )
    console.print(table)
    for det in result.detectors:
        console.print(
            f"detector [bold]{det.detector}[/]: {det.evidence_rows:,} evidence rows, "
            f"{det.significant_rows:,} significant"
        )
    for name, why in result.not_run.items():
        click.echo(f"step {name}: {why}")
    nets = Table(title=f"{len(result.networks)} networks")
    for col in ("network", "verdict", "accounts", "score"):
        nets.add_column(col)
    for n in result.networks:
        nets.add_row(n.network_id, n.verdict_label, str(n.size), f"{n.score:.2f}")
    console.print(nets)
    if result.evaluation:
        console.print("[bold]Check against ground truth[/]")
        for e in result.evaluation:
            console.print(f"  {_evaluation_line(e)}", highlight=False)
    console.print(f"Report: [bold]{result.report.resolve()}[/]")
    if result.stix_bundle is not None and result.indicators_csv is not None:
        console.print(
            f"Indicators: {result.stix_bundle.resolve()} (STIX 2.1), "
            f"{result.indicators_csv.resolve()} (platform CSV); marked UNREVIEWED until "
            "an analyst confirms the network's case"
        )


@click.command("investigate")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--workspace",
    "-w",
    type=click.Path(path_type=Path),
    default=Path("cibwatch.duckdb"),
    show_default=True,
    help="Workspace file (created if missing).",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("cibwatch-report"),
    show_default=True,
    help="Folder for the report.",
)
@click.option("--assume-tz", help="Time zone of source times that carry none (IANA name).")
@click.option("--platform", help="Platform of sources that do not say.")
@click.option("--column-map", type=click.Path(exists=True), help="Column map for generic files.")
@click.option(
    "--indicators",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Indicators of earlier cases (STIX, platform CSV or markdown) to catch returning assets.",
)
@click.option(
    "--since",
    type=click.DateTime(),
    help="Takedown date (UTC): only assets first seen after it count as returning.",
)
@max_reject_share_option("Stop (exit 1) when a source rejects more than this share of its rows.")
@_options
def investigate_command(
    sources: tuple[Path, ...],
    workspace: Path,
    out: Path,
    assume_tz: str | None,
    platform: str | None,
    column_map: str | None,
    indicators: tuple[Path, ...],
    since: datetime | None,
    max_reject_share: float,
    window: int,
    min_participation: int,
    fdr: float,
    engine: str,
    max_pairs: int | None,
    skip: tuple[str, ...],
    only: tuple[str, ...],
    params: tuple[str, ...],
) -> None:
    """Ingest SOURCES (files or folders), detect, assemble networks and write a report."""
    from cibwatch.pipeline import InvestigationOptions

    options = InvestigationOptions(
        window=window,
        min_participation=min_participation,
        fdr=fdr,
        engine=engine,
        max_pairs=max_pairs,
        assume_tz=assume_tz,
        platform=platform,
        column_map=column_map,
        indicators=indicators,
        since=since,
        skip=skip,
        only=only,
        step_params=step_params(params),
        max_reject_share=max_reject_share,
    )
    _run(list(sources), workspace, out, options)


@click.command("demo")
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the sample world, the workspace and the report.",
)
@click.option("--posts", default=50_000, show_default=True, help="Organic posts in the world.")
@click.option("--seed", default=7, show_default=True, help="Seed of the sample world.")
@_options
def demo_command(
    out: Path,
    posts: int,
    seed: int,
    window: int,
    min_participation: int,
    fdr: float,
    engine: str,
    max_pairs: int | None,
    skip: tuple[str, ...],
    only: tuple[str, ...],
    params: tuple[str, ...],
) -> None:
    """Build the bundled sample world and run a full investigation of it."""
    from cibwatch.pipeline import InvestigationOptions
    from cibwatch.synthetic.world import generate_world

    console = _console()
    world = out / "world"
    with console.status(f"building the sample world ({posts:,} posts)", spinner="dots"):
        generate_world(world, posts=posts, seed=seed)
    workspace = out / "workspace.duckdb"
    for stale in (workspace, workspace.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    options = InvestigationOptions(
        window=window,
        min_participation=min_participation,
        fdr=fdr,
        engine=engine,
        max_pairs=max_pairs,
        skip=skip,
        only=only,
        step_params=step_params(params),
    )
    _run([world], workspace, out, options)


def _evaluation_line(e: dict[str, Any]) -> str:
    """One group's check in words: what was found, how well, and whether its dossier matches."""
    kind = "innocent" if e["innocent"] else "planted"
    line = f"{e['label']} ({kind}): {e['verdict']}"
    if e["network_id"]:
        line += f" as {e['network_id']}, recall {e['recall']:.2f}, precision {e['precision']:.2f}"
    check = e.get("dossier")
    if check:
        line += "; dossier " + ("matches the truth" if check.get("match") else "differs")
        zone = check.get("time_zone") or {}
        truth, point, credible = zone.get("truth"), zone.get("point_estimate"), zone.get("credible")
        if truth is not None and credible:
            line += (
                f" (true offset UTC{truth:+d}, found UTC{min(credible):+d} to "
                f"UTC{max(credible):+d}"
                + (f", most likely UTC{point:+d})" if point is not None else ")")
            )
    return line
