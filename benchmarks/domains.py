"""Benchmark: look-alike recall on published cases, false alarms, and throughput.

Usage: ``python benchmarks/domains.py [N] [--workers W] [--families] [--skip-speed]``.

1. **Published cases** (``tests/data/lookalike_cases.csv``, see ``tests/data/README.md``):
   look-alike domains that Meta published for the Doppelganger operation, with the outlet
   each spoofed. Recall counts a look-alike found only when its verdict is ``impersonation``
   *and* the outlet named is the one reported. Printed per split (``dev``: the 2022 list the
   rules were developed on; ``holdout``: domains first published in 2023, not used to choose
   rules or weights) and in two settings: the domain name alone, and with what the report
   says about it (linked by the network's accounts, the country it targeted). The report's
   other domains (the operation's own brands, its generated families, redirectors,
   government spoofs) must not be called impersonations of an outlet.
2. **Genuine outlets**: every listed domain, classified as if its own outlet were not
   listed; any impersonation verdict is a pair of listed outlets that flag each other.
3. **Throughput**: N (default one million) generated domains, a seeded mix of random labels,
   brand labels on other TLDs, brand typos and combinations, on common and throwaway
   suffixes, classified with W (default 2) worker processes.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import string
import time
from multiprocessing import Pool
from pathlib import Path

from cibwatch.domains.brands import load_bundled_brands
from cibwatch.domains.classifier import LookalikeClassifier
from cibwatch.domains.corroboration import DomainContext
from cibwatch.domains.families import find_families
from cibwatch.domains.survey import survey_domains

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "lookalike_cases.csv"

_SUFFIXES = [
    "com",
    "net",
    "org",
    "de",
    "fr",
    "ru",
    "co.uk",
    "ltd",
    "pics",
    "top",
    "xyz",
    "online",
    "co.com",
    "eu.com",
    "com.de",
    "info",
    "news",
    "site",
]
_CLASSIFIER: LookalikeClassifier | None = None


def generate(n: int, seed: int = 7) -> list[str]:
    """``n`` domains: 70 % random labels, 30 % derived from brand labels."""
    rng = random.Random(seed)
    labels = [b.canonical.split(".")[0] for b in load_bundled_brands()]
    out: list[str] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.7:
            label = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 14)))
        else:
            label = rng.choice(labels)
            if roll < 0.8 and len(label) > 3:
                i = rng.randrange(len(label))
                label = label[:i] + rng.choice(string.ascii_lowercase) + label[i + 1 :]
            elif roll < 0.85:
                label = f"{label}-{rng.choice(['news', 'online', 'live', 'info'])}"
        out.append(f"{label}.{rng.choice(_SUFFIXES)}")
    return out


def _init() -> None:
    global _CLASSIFIER
    _CLASSIFIER = LookalikeClassifier.bundled()


def _classify(chunk: list[str]) -> tuple[int, float]:
    """Impersonations in ``chunk`` and the CPU seconds spent on it (load-independent)."""
    assert _CLASSIFIER is not None
    cpu = time.process_time()
    flagged = 0
    for domain in chunk:
        try:
            flagged += _CLASSIFIER.classify(domain).verdict == "impersonation"
        except ValueError:
            continue  # a generated name that is itself a public suffix (se.net)
    return flagged, time.process_time() - cpu


def published_cases(clf: LookalikeClassifier) -> None:
    """Print recall with the right outlet and false impersonations on the published cases."""
    with CASES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for setting in ("name only", "with report context"):
        contexts = {
            r["domain"]: DomainContext(
                network_accounts=1,
                countries=frozenset({r["target_country"]}) if r["target_country"] else frozenset(),
            )
            for r in rows
        }
        for split in ("dev", "holdout", "fresh", "all"):
            part = [r for r in rows if split in (r["split"], "all")]
            survey = survey_domains(
                [r["domain"] for r in part],
                classifier=clf,
                context=contexts if setting != "name only" else None,
            )
            got = {res.domain: res for res in survey.results}
            looks = [r for r in part if r["kind"] == "lookalike"]
            hits = [r for r in looks if _found(got[r["domain"]], r["brand"])]
            wrong = [
                r
                for r in looks
                if got[r["domain"]].verdict == "impersonation"
                and not _found(got[r["domain"]], r["brand"])
            ]
            others = [r for r in part if r["kind"] != "lookalike"]
            false = [r for r in others if got[r["domain"]].verdict == "impersonation"]
            print(
                f"[{setting}] {split}: recall with the right outlet "
                f"{len(hits)}/{len(looks)} = {len(hits) / max(1, len(looks)):.1%}; "
                f"wrong outlet {len(wrong)}; false impersonations among the operation's "
                f"other domains {len(false)}/{len(others)}"
            )
            missed = [r["domain"] for r in looks if r not in hits]
            if missed:
                print(f"    missed: {', '.join(missed)}")
            for r in wrong:
                res = got[r["domain"]]
                print(f"    wrong: {r['domain']} -> {res.brand} (reported: {r['brand']})")
            for r in false:
                res = got[r["domain"]]
                print(f"    false: {r['domain']} ({r['kind']}) -> {res.brand} {res.technique}")


def _found(result: object, brand: str) -> bool:
    return (
        getattr(result, "verdict", "") == "impersonation" and getattr(result, "brand", "") == brand
    )


def genuine_outlets(clf: LookalikeClassifier) -> None:
    """Print the listed outlets that would be flagged as imitating another listed outlet."""
    domains = sum(len(b.domains) for b in clf.brands)
    found = clf.collisions()
    print(
        f"genuine outlets: {len(clf.brands):,} outlets, {domains:,} domains, "
        f"{len({b.country for b in clf.brands})} countries; "
        f"flagged as imitating another listed outlet: {len(found)}"
    )
    for domain, r in found:
        print(f"    {domain} -> {r.brand} ({r.technique}, {r.score})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--families", action="store_true", help="also time family clustering")
    parser.add_argument("--skip-speed", action="store_true", help="only the accuracy figures")
    args = parser.parse_args()
    clf = LookalikeClassifier.bundled()
    published_cases(clf)
    genuine_outlets(clf)
    if args.skip_speed:
        return
    load = os.getloadavg()
    print(f"load average before the speed run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    domains = generate(args.n)
    chunks = [domains[i : i + 20_000] for i in range(0, len(domains), 20_000)]
    start = time.perf_counter()
    with Pool(args.workers, initializer=_init) as pool:
        parts = pool.map(_classify, chunks)
    elapsed = time.perf_counter() - start
    flagged = sum(p[0] for p in parts)
    cpu = sum(p[1] for p in parts)
    print(
        f"classified {len(domains):,} domains in {elapsed:.1f} s with {args.workers} workers: "
        f"{len(domains) / elapsed:,.0f} domains/s, {flagged:,} impersonations"
    )
    # On a shared machine the wall time depends on the load; the CPU time does not.
    print(
        f"CPU time in the workers: {cpu:.1f} s ({len(domains) / cpu:,.0f} domains per CPU "
        f"second; {cpu / args.workers:.1f} s of wall time on {args.workers} idle cores)"
    )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.families:
        start = time.perf_counter()
        families = find_families(domains)
        elapsed = time.perf_counter() - start
        print(f"families: {len(families):,} found in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
