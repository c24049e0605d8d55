"""``cibwatch detect``: run one detector on a workspace and show what it found.

Each fingerprint that runs inside ``cibwatch investigate`` also has its own subcommand here,
so an analyst can re-run it with other parameters. Every run is recorded in the workspace's
run log; the findings are the detector's ``evidence`` rows, printed or written to CSV.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cibwatch.cli.choices import ENGINE_NAMES
from cibwatch.csvsafe import write_rows

if TYPE_CHECKING:
    from cibwatch.detectors.base import Detector

# The library (DuckDB, the detectors) is imported inside each command, so that `--help`
# answers without loading it.

COLUMNS = ("signal", "subject_a", "subject_b", "strength", "q_value", "explanation")
BURST_COLUMNS = (
    "burst",
    "platform",
    "bucket",
    "start",
    "accounts",
    "baseline",
    "times_baseline",
    "p_value",
    "q_value",
    "examples",
)

_workspace = click.argument(
    "workspace", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
_out = click.option(
    "--out", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write findings as CSV."
)
_limit = click.option("--limit", default=20, show_default=True, help="Findings to print.")


def _run(workspace: Path, detector: Detector, out: Path | None, limit: int) -> None:
    from rich.table import Table

    from cibwatch.cli.output import console
    from cibwatch.workspace import Workspace

    with Workspace(workspace) as ws:
        result = ws.run_detector(detector)
        rows: list[dict[str, Any]] = ws.query(
            "SELECT signal, subject_a, subject_b, strength, q_value, explanation FROM evidence "
            "WHERE run_id = ? ORDER BY significant DESC, strength DESC, subject_a, subject_b",
            [result.run_id],
        )
    click.echo(
        f"{detector.name}: {result.evidence_rows:,} findings ({result.significant_rows:,} "
        f"significant) from {result.input_rows:,} rows; run {result.run_id}"
    )
    if out is not None:
        write_rows(out, COLUMNS, rows)
        click.echo(f"written to {out}")
        return
    table = Table()
    for col in ("signal", "subject", "finding"):
        table.add_column(col)
    for row in rows[:limit]:
        subject = row["subject_a"] + (f" · {row['subject_b']}" if row["subject_b"] else "")
        table.add_row(row["signal"], subject, row["explanation"])
    console().print(table)


@click.group("detect")
def command() -> None:
    """Run one detector on a workspace (each also runs inside `investigate`)."""


@command.command("persona")
@_workspace
@click.option("--max-distance", default=6, show_default=True, help="Photo hash bits apart.")
@click.option(
    "--max-photo-accounts", default=50, show_default=True, help="More = a default avatar."
)
@click.option(
    "--photos",
    type=click.Path(exists=True, file_okay=False),
    help="Folder of profile photos named <platform>_<account_id>.jpg to hash first.",
)
@_out
@_limit
def persona(
    workspace: Path,
    max_distance: int,
    max_photo_accounts: int,
    photos: str | None,
    out: Path | None,
    limit: int,
) -> None:
    """Reused photos, copied bios, names against photo labels, name+digits handles."""
    from cibwatch.detectors.persona import PersonaDetector

    detector = PersonaDetector(
        max_distance=max_distance, max_photo_accounts=max_photo_accounts, photos=photos
    )
    _run(workspace, detector, out, limit)


@command.command("creation-bursts")
@_workspace
@click.option(
    "--bucket",
    type=click.Choice(["auto", "minute", "hour", "day"]),
    default="auto",
    show_default=True,
    help="Bucket width; never finer than the creation times (dates only: days).",
)
@click.option("--min-accounts", default=5, show_default=True, help="Smallest burst.")
@_out
@_limit
def creation_bursts(
    workspace: Path, bucket: str, min_accounts: int, out: Path | None, limit: int
) -> None:
    """Accounts created in batches, against each platform's own creation rate: one line a
    burst, with its size against the baseline."""
    from cibwatch.detectors.creation import CreationBurstDetector, burst_sentence
    from cibwatch.detectors.creation import creation_bursts as bursts_of
    from cibwatch.workspace import Workspace

    detector = CreationBurstDetector(bucket=bucket, min_accounts=min_accounts)
    with Workspace(workspace) as ws:
        result = ws.run_detector(detector)
        bursts = bursts_of(ws, run_ids=[result.run_id])
    click.echo(
        f"{detector.name}: {len(bursts):,} bursts holding {result.evidence_rows:,} accounts "
        f"from {result.input_rows:,} accounts (buckets: "
        + ", ".join(f"{p} {u}" for p, u in result.summary["buckets"].items())
        + f"); run {result.run_id}"
    )
    if out is not None:
        write_rows(out, BURST_COLUMNS, [{**b, "examples": " ".join(b["examples"])} for b in bursts])
        click.echo(f"written to {out}")
        return
    for burst in bursts[:limit]:
        click.echo(f"  {burst['burst']}: {burst_sentence(burst)}")


@command.command("profile-links")
@_workspace
@click.option(
    "--max-link-accounts",
    default=5,
    show_default=True,
    help="A profile linked by more accounts is a popular destination, not one owner's.",
)
@_out
@_limit
def profile_links(workspace: Path, max_link_accounts: int, out: Path | None, limit: int) -> None:
    """Accounts whose profile link names another account in the data (attach-only evidence)."""
    from cibwatch.detectors.profilelinks import ProfileLinkDetector

    _run(workspace, ProfileLinkDetector(max_link_accounts=max_link_accounts), out, limit)


@command.command("stance")
@_workspace
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True), help="Replace.")
@click.option(
    "--extra-lexicon", "extra", multiple=True, type=click.Path(exists=True), help="Add to."
)
@_out
@_limit
def stance(
    workspace: Path,
    lexicons: tuple[str, ...],
    extra: tuple[str, ...],
    out: Path | None,
    limit: int,
) -> None:
    """Which side of divisive issues each account poses on, with the evidence.

    With --out, one CSV row per account and issue given a side: account, issue, side,
    posts (its stance posts on the issue), evidence.
    """
    from rich.table import Table

    from cibwatch.cli.output import console
    from cibwatch.detectors.stance import SIDE_COLUMNS, StanceDetector, side_rows
    from cibwatch.workspace import Workspace

    detector = StanceDetector(lexicons=lexicons or None, extra_lexicons=extra)
    with Workspace(workspace) as ws:
        result = ws.run_detector(detector)
        rows = side_rows(ws, result.run_id)
    click.echo(
        f"{detector.name}: {len(rows):,} account sides from {result.input_rows:,} posts; "
        f"run {result.run_id}"
    )
    if out is not None:
        write_rows(out, SIDE_COLUMNS, rows)
        click.echo(f"written to {out}")
        return
    table = Table()
    for col in SIDE_COLUMNS:
        table.add_column(col)
    for row in rows[:limit]:
        table.add_row(*(str(row[c]) for c in SIDE_COLUMNS))
    console().print(table)


@command.command("recidivism")
@_workspace
@click.option(
    "--since", type=click.DateTime(), help="Takedown date (UTC): only later assets count."
)
@_out
@_limit
def recidivism(workspace: Path, since: datetime | None, out: Path | None, limit: int) -> None:
    """New assets matching imported indicators (see `cibwatch import`)."""
    from cibwatch.detectors.recidivism import RecidivismDetector

    _run(workspace, RecidivismDetector(since=since), out, limit)


@command.command("near-duplicates")
@_workspace
@click.option("--threshold", default=0.7, show_default=True, help="Estimated Jaccard to link.")
@click.option("--min-chars", default=25, show_default=True, help="Shorter texts are skipped.")
@click.option(
    "--engine",
    type=click.Choice(ENGINE_NAMES),
    default="duckdb",
    show_default=True,
    help="Where to cluster (spark: CIBWATCH_SPARK_MASTER, or local[2]); same clusters.",
)
@_out
@_limit
def near_duplicates(
    workspace: Path, threshold: float, min_chars: int, engine: str, out: Path | None, limit: int
) -> None:
    """Cluster copy-pasted texts (MinHash LSH); clusters become `text_cluster` actions.

    Run `cibwatch investigate` or the co-action detector afterwards to test their timing.
    """
    from cibwatch.detectors.neardup import NearDuplicateTextDetector

    detector = NearDuplicateTextDetector(threshold=threshold, min_chars=min_chars, engine=engine)
    _run(workspace, detector, out, limit)
