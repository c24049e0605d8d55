"""The bundled outlet list and the published look-alike cases of ``tests/data``.

``tests/data/lookalike_cases.csv`` holds domains that public reports attributed to the
2022-2023 Russian "Doppelganger" operation (sources in ``tests/data/README.md``), with the
outlet each look-alike spoofed. The rules were developed on the ``dev`` split; this test
pins that split. The other splits are reported by ``benchmarks/domains.py``.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from cibwatch.domains.brands import load_bundled_brands
from cibwatch.domains.classifier import LookalikeClassifier
from cibwatch.domains.corroboration import DomainContext
from cibwatch.domains.hosts import split_host
from cibwatch.domains.survey import survey_domains

CASES = Path(__file__).parent / "data" / "lookalike_cases.csv"
SOURCES = {"meta-2022-09", "meta-2023-q2", "viginum-2023"}


@pytest.fixture(scope="module")
def clf() -> LookalikeClassifier:
    return LookalikeClassifier.bundled()


@pytest.fixture(scope="module")
def cases() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_bundled_list_covers_the_targets() -> None:
    brands = load_bundled_brands()
    assert len(brands) >= 2500
    countries = Counter(b.country for b in brands)
    assert len(countries) >= 60
    # Countries the 2022-2024 operations targeted, each with national, regional and
    # public outlets (Russia: independent media in exile such as Meduza and TV Rain).
    for country, at_least in {
        "DE": 150,
        "FR": 100,
        "IT": 100,
        "UA": 50,
        "LV": 10,
        "LT": 8,
        "EE": 8,
        "IL": 20,
        "PL": 60,
        "GB": 100,
        "US": 300,
        "RU": 40,
    }.items():
        assert countries[country] >= at_least, country
    domains = {d for b in brands for d in b.domains}
    for exile in ("meduza.io", "tvrain.tv", "novayagazeta.eu", "theins.ru", "zona.media"):
        assert exile in domains
    for brand in brands:
        for domain in brand.domains:
            split_host(domain)  # every listed domain is a registrable domain, not a suffix


def test_no_two_listed_outlets_flag_each_other(clf: LookalikeClassifier) -> None:
    # Each listed domain, classified as if its own outlet were not listed, is never an
    # impersonation of another listed outlet (see test_domains_scoring for a list where
    # this check does find a collision).
    assert [(d, r.brand, r.technique) for d, r in clf.collisions()] == []


def test_cases_are_sourced_and_split(cases: list[dict[str, str]]) -> None:
    assert {r["source"] for r in cases} == SOURCES
    assert {r["split"] for r in cases} == {"dev", "holdout", "fresh"}
    assert len({r["domain"] for r in cases}) == len(cases)
    for r in cases:
        assert (r["kind"] == "lookalike") == bool(r["brand"]), r


def test_dev_split_recall_with_the_right_outlet(
    clf: LookalikeClassifier, cases: list[dict[str, str]]
) -> None:
    dev = [r for r in cases if r["split"] == "dev"]
    context = {
        r["domain"]: DomainContext(
            network_accounts=1,
            countries=frozenset({r["target_country"]}) if r["target_country"] else frozenset(),
        )
        for r in dev
    }
    survey = survey_domains([r["domain"] for r in dev], classifier=clf, context=context)
    got = {res.domain: res for res in survey.results}
    looks = [r for r in dev if r["kind"] == "lookalike"]
    hits = [
        r
        for r in looks
        if got[r["domain"]].verdict == "impersonation" and got[r["domain"]].brand == r["brand"]
    ]
    assert len(hits) / len(looks) >= 0.9
    false = [
        r["domain"]
        for r in dev
        if r["kind"] != "lookalike" and got[r["domain"]].verdict == "impersonation"
    ]
    assert false == []
