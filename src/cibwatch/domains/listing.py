"""Domain list files in, result CSV out, for ``cibwatch domains classify``.

Input: one domain or URL per line, optionally followed by a comma or tab and the time it
was seen (ISO 8601, UTC; used for family first/last seen and persistence). Blank lines and
lines starting with ``#`` are skipped. Lines that are not domains are reported with their
line number and left out, so one bad line does not stop a list of a million.

Output: ``domain,verdict,brand,runner_up,technique,score,confidence,reasons,family``
(reasons joined by ``; ``). A cell that a spreadsheet would
run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) is
prefixed with ``'``; valid domains never start that way, so this only guards odd input.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from cibwatch.domains.classifier import Classification, LookalikeClassifier
from cibwatch.domains.corroboration import DomainContext
from cibwatch.domains.families import Seen
from cibwatch.domains.hosts import normalize_host
from cibwatch.domains.survey import DomainSurvey, survey_domains
from cibwatch.errors import InputError

OUTPUT_COLUMNS = (
    "domain",
    "verdict",
    "brand",
    "runner_up",
    "technique",
    "score",
    "confidence",
    "reasons",
    "family",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class DomainList:
    """Valid hosts of a list file, their sightings, and the problems of the other lines."""

    hosts: list[str] = field(default_factory=list)
    seen: dict[str, Seen] = field(default_factory=dict)
    problems: list[InputError] = field(default_factory=list)


def _lines(handle: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(handle, start=1):
        text = line.strip()
        if text and not text.startswith("#"):
            yield number, text


def read_domain_list(path: str | Path) -> DomainList:
    """Read a domain list file (see the module docstring); problems name file and line."""
    p = Path(path)
    out = DomainList()
    try:
        handle = p.open(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read domain list: {exc.strerror}", file=str(p)) from exc
    with handle:
        for number, text in _lines(handle):
            value, _, when = text.replace("\t", ",").partition(",")
            try:
                host = normalize_host(value)
            except ValueError as exc:
                out.problems.append(InputError(str(exc), file=str(p), row=number, field="domain"))
                continue
            out.hosts.append(host)
            if when.strip():
                try:
                    seen_at = _parse_time(when.strip())
                except ValueError:
                    out.problems.append(
                        InputError(
                            f"{when.strip()[:40]!r} is not an ISO 8601 time",
                            file=str(p),
                            row=number,
                            field="seen_at",
                        )
                    )
                    continue
                first, last = out.seen.get(host, (seen_at, seen_at))
                out.seen[host] = (min(first or seen_at, seen_at), max(last or seen_at, seen_at))
    return out


def _parse_time(text: str) -> datetime:
    """ISO 8601 time as naive UTC (a trailing ``Z`` or offset is converted)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def classify_file(
    path: str | Path,
    *,
    classifier: LookalikeClassifier | None = None,
    block_date: datetime | None = None,
    context: DomainContext | None = None,
) -> tuple[DomainSurvey, list[InputError]]:
    """Classify every domain of a list file; return the survey and the bad lines.

    ``context`` applies to every domain of the file (a takedown's list: all linked by one
    network, aimed at the same countries).
    """
    listing = read_domain_list(path)
    survey = survey_domains(
        listing.hosts,
        classifier=classifier,
        seen=listing.seen,
        block_date=block_date,
        context=context,
    )
    return survey, listing.problems


def csv_safe(value: str) -> str:
    """Neutralise a cell a spreadsheet would evaluate as a formula.

    >>> csv_safe("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_results(results: list[Classification], out: TextIO) -> None:
    """Write results as CSV with the columns of :data:`OUTPUT_COLUMNS`."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    for r in results:
        row = (
            r.domain,
            r.verdict,
            r.brand,
            r.runner_up,
            r.technique,
            f"{r.score:.3f}",
            r.confidence,
            "; ".join(r.reasons),
            r.family,
        )
        writer.writerow([csv_safe(v) for v in row])
