"""Classify a set of observed domains and group them into generated families, in one call.

This is the library side of ``cibwatch domains classify`` and of the look-alike detector:
each observed domain gets a :class:`~.classifier.Classification`, families are found over
the non-brand domains, and unrelated members of a family take the verdict
``generated-family``.

>>> s = survey_domains(["spiegel.ltd", "bild.de", "example.org"])
>>> [(r.domain, r.verdict) for r in s.results]
[('spiegel.ltd', 'impersonation'), ('bild.de', 'brand'), ('example.org', 'unrelated')]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cibwatch.domains.classifier import Classification, LookalikeClassifier
from cibwatch.domains.corroboration import NO_CONTEXT, DomainContext
from cibwatch.domains.families import Family, Seen, find_families


@dataclass(frozen=True)
class DomainSurvey:
    """Results in input order (one per distinct host) and the families found."""

    results: list[Classification]
    families: list[Family]

    def family_of(self, name: str) -> Family | None:
        return next((f for f in self.families if f.family_id == name), None)


def survey_domains(
    hosts: Iterable[str],
    *,
    classifier: LookalikeClassifier | None = None,
    seen: Mapping[str, Seen] | None = None,
    block_date: datetime | None = None,
    min_family_size: int = 3,
    context: DomainContext | Mapping[str, DomainContext] | None = None,
) -> DomainSurvey:
    """Classify valid ``hosts`` (see :func:`.hosts.split_host`) and find their families.

    ``seen`` maps a host or registered domain to its first and last sighting; sightings of
    hosts under one registered domain are combined. ``context`` is what is known about the
    domains besides their names (:class:`.corroboration.DomainContext`), one for all or one
    per host. A candidate below the threshold is lifted when other domains in the same data
    imitate the same outlet.
    """
    clf = classifier if classifier is not None else LookalikeClassifier.bundled()

    def context_of(host: str) -> DomainContext:
        if context is None:
            return NO_CONTEXT
        if isinstance(context, DomainContext):
            return context
        return context.get(host, NO_CONTEXT)

    results: list[Classification] = []
    done: set[str] = set()
    for host in hosts:
        r = clf.classify(host, context_of(host))
        if r.domain not in done:
            done.add(r.domain)
            results.append(r)
    by_registered = _combine_seen(results, seen or {})
    results = _lift_candidates(clf, results, context_of, by_registered)
    candidates = [r.registered for r in results if r.verdict != "brand"]
    # Family of an imitation: the imitated brand's label (first label of its domain).
    imitations = {
        r.registered: r.brand.split(".")[0] for r in results if r.verdict == "impersonation"
    }
    families = find_families(
        candidates,
        seen=by_registered,
        block_date=block_date,
        imitating=imitations,
        min_size=min_family_size,
    )
    member_of = {m: f for f in families for m in f.members}
    results = [
        _in_family(r, member_of[r.registered]) if r.registered in member_of else r for r in results
    ]
    return DomainSurvey(results, families)


#: Candidates first seen within this time of two other candidates came in a burst.
BURST_WINDOW = timedelta(hours=24)


def _lift_candidates(
    clf: LookalikeClassifier,
    results: list[Classification],
    context_of: Callable[[str], DomainContext],
    seen: Mapping[str, Seen],
) -> list[Classification]:
    """Candidates re-scored with what the survey itself shows: other imitations of their
    outlet, and a first sighting within a day of two other candidates (a burst)."""
    imitations = Counter(r.brand for r in results if r.verdict == "impersonation")
    firsts = [
        (first, r.registered)
        for r in results
        if r.brand and r.verdict != "brand" and (first := seen.get(r.registered, (None,))[0])
    ]
    out: list[Classification] = []
    for r in results:
        if r.verdict != "unrelated" or not r.brand:
            out.append(r)
            continue
        others = imitations[r.brand]
        first = seen.get(r.registered, (None, None))[0]
        burst = first is not None and (
            sum(1 for f, reg in firsts if reg != r.registered and abs(f - first) <= BURST_WINDOW)
            >= 2
        )
        if others > 0 or burst:
            ctx = context_of(r.domain).with_family(others)
            if burst:
                ctx = replace(ctx, burst=True)
            r = clf.classify(r.domain, ctx)
        out.append(r)
    return out


def _in_family(result: Classification, family: Family) -> Classification:
    """``result`` placed in ``family``; an unrelated domain takes the family's verdict."""
    if result.verdict != "unrelated":
        return replace(result, family=family.family_id)
    span = ""
    if family.first_seen is not None and family.last_seen is not None:
        span = f", seen {family.first_seen:%Y-%m-%d} to {family.last_seen:%Y-%m-%d}"
    growth = (
        f", {len(family.new_after_block)} new after the block date" if family.persistent else ""
    )
    why = (
        f"{result.domain} belongs to the generated domain family '{family.family_id}' "
        f"({len(family.members)} domains on {len(family.suffixes)} suffixes{span}{growth})"
    )
    return replace(
        result,
        verdict="generated-family",
        family=family.family_id,
        score=family.score,
        explanation=why,
        confidence="medium",
        reasons=(why,),
    )


def _combine_seen(results: list[Classification], seen: Mapping[str, Seen]) -> dict[str, Seen]:
    combined: dict[str, Seen] = {}
    for r in results:
        for key in {r.domain, r.registered}:
            if key not in seen:
                continue
            first, last = seen[key]
            old_first, old_last = combined.get(r.registered, (None, None))
            combined[r.registered] = (
                min((d for d in (old_first, first) if d is not None), default=None),
                max((d for d in (old_last, last) if d is not None), default=None),
            )
    return combined
