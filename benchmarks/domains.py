"""Benchmark: classify generated domains against the bundled brand list; print domains/s.

Usage: ``python benchmarks/domains.py [N] [--workers W] [--families]`` (N defaults to one
million, W to 2). The domains are a seeded mix of random labels, brand labels on other TLDs,
brand typos and combinations, on common and throwaway suffixes, so every code path runs.
"""

from __future__ import annotations

import argparse
import random
import string
import time
from multiprocessing import Pool

from cibwatch.domains.brands import load_bundled_brands
from cibwatch.domains.classifier import LookalikeClassifier
from cibwatch.domains.families import find_families

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


def _classify(chunk: list[str]) -> int:
    assert _CLASSIFIER is not None
    flagged = 0
    for domain in chunk:
        try:
            flagged += _CLASSIFIER.classify(domain).verdict == "impersonation"
        except ValueError:
            continue  # a generated name that is itself a public suffix (se.net)
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--families", action="store_true", help="also time family clustering")
    args = parser.parse_args()
    domains = generate(args.n)
    chunks = [domains[i : i + 20_000] for i in range(0, len(domains), 20_000)]
    start = time.perf_counter()
    with Pool(args.workers, initializer=_init) as pool:
        flagged = sum(pool.map(_classify, chunks))
    elapsed = time.perf_counter() - start
    print(
        f"classified {len(domains):,} domains in {elapsed:.1f} s with {args.workers} workers: "
        f"{len(domains) / elapsed:,.0f} domains/s, {flagged:,} impersonations"
    )
    if args.families:
        start = time.perf_counter()
        families = find_families(domains)
        elapsed = time.perf_counter() - start
        print(f"families: {len(families):,} found in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
