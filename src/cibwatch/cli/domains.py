"""``cibwatch domains``: look-alike news domains and generated domain families.

A thin client of :mod:`cibwatch.domains`: parse options, call the library, write the CSV,
report bad lines on stderr with their line numbers.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from cibwatch.cli.output import echo
from cibwatch.errors import CibwatchError
from cibwatch.textsafe import terminal_text


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
    help="Output CSV: domain,verdict,brand,runner_up,technique,score,confidence,reasons,family.",
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
@click.option(
    "--linked-by-network",
    is_flag=True,
    help="Every domain of FILE was linked by accounts of one coordinated network "
    "(a takedown's list): corroborates candidates.",
)
@click.option(
    "--target-countries",
    default="",
    metavar="CC,CC",
    help="Countries the operation targets (ISO codes): pick the outlet among namesakes.",
)
@click.option(
    "--languages",
    default="",
    metavar="LL,LL",
    help="Languages of the posts linking the domains (ISO 639-1): pick among namesakes.",
)
def classify(
    file: Path,
    brands: Path | None,
    replace_brands: bool,
    out: Path,
    block_date: datetime | None,
    min_score: float,
    linked_by_network: bool,
    target_countries: str,
    languages: str,
) -> None:
    """Classify each domain or URL of FILE (one per line, optional ',seen-at' time)."""
    from cibwatch.domains.brands import resolve_brands
    from cibwatch.domains.classifier import LookalikeClassifier
    from cibwatch.domains.corroboration import DomainContext
    from cibwatch.domains.listing import classify_file, write_results

    if replace_brands and brands is None:
        raise click.UsageError("--replace-brands needs --brands")
    context = DomainContext(
        network_accounts=1 if linked_by_network else 0,
        countries=_codes(target_countries, upper=True),
        languages=_codes(languages, upper=False),
    )
    try:
        classifier = LookalikeClassifier(
            resolve_brands(brands, replace=replace_brands), min_score=min_score
        )
        survey, problems = classify_file(
            file, classifier=classifier, block_date=block_date, context=context
        )
    except CibwatchError as exc:
        raise click.ClickException(terminal_text(exc)) from exc
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
    lost = sum(1 for p in problems if p.field == "domain")
    if not survey.results or lost > len(survey.results):
        # Honest exit: a list that was mostly not domains is not a result to build on.
        raise click.ClickException(
            f"{lost} of {lost + len(survey.results)} lines were not domains; "
            "check the file's format (one domain or URL per line)"
        )


def _codes(text: str, *, upper: bool) -> frozenset[str]:
    codes = {c.strip() for c in text.split(",") if c.strip()}
    return frozenset(c.upper() if upper else c.lower() for c in codes)
