"""``cibwatch domains``: look-alike news domains and generated domain families.

A thin client of :mod:`cibwatch.domains`: parse options, call the library, write the CSV,
report bad lines on stderr with their line numbers.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from cibwatch.cli.output import echo
from cibwatch.domains.brands import resolve_brands
from cibwatch.domains.classifier import LookalikeClassifier
from cibwatch.domains.listing import classify_file, write_results
from cibwatch.errors import CibwatchError


@click.group(name="domains")
def command() -> None:
    """Find look-alike news sites and generated domain families."""


@command.command("classify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--brands",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Brand list CSV (name,country,language,domains) extending the bundled one.",
)
@click.option("--replace-brands", is_flag=True, help="Use only --brands, not the bundled list.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output CSV: domain,verdict,brand,technique,score,family.",
)
@click.option(
    "--block-date",
    type=click.DateTime(),
    help="Families gaining domains first seen after this UTC time are persistent.",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=0.6,
    show_default=True,
    help="Score from which a match is an impersonation.",
)
def classify(
    file: Path,
    brands: Path | None,
    replace_brands: bool,
    out: Path,
    block_date: datetime | None,
    min_score: float,
) -> None:
    """Classify each domain or URL of FILE (one per line, optional ',seen-at' time)."""
    if replace_brands and brands is None:
        raise click.UsageError("--replace-brands needs --brands")
    try:
        classifier = LookalikeClassifier(
            resolve_brands(brands, replace=replace_brands), min_score=min_score
        )
        survey, problems = classify_file(file, classifier=classifier, block_date=block_date)
    except CibwatchError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in problems:
        echo(f"skipped {problem}", err=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        write_results(survey.results, handle)
    flagged = sum(r.verdict in ("impersonation", "generated-family") for r in survey.results)
    echo(
        f"{len(survey.results)} domains, {flagged} flagged, {len(survey.families)} families, "
        f"{len(problems)} bad lines -> {out}",
        err=True,
    )
    for fam in survey.families:
        if fam.persistent:
            echo(
                f"family {fam.family_id}: {len(fam.new_after_block)} new domain(s) after the "
                "block date",
                err=True,
            )
