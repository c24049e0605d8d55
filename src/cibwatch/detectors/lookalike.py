"""Look-alike news domains and generated domain families among the domains posts link to.

Runs the classifier of :mod:`cibwatch.domains` over every distinct domain in ``posts`` and
writes one ``evidence`` row per domain that imitates a protected outlet or belongs to a
generated family (significant), and per weaker candidate (not significant). Proof is the
posts that link the domain (``platform:post_id``, at most ``max_proof``); details name the
brand, technique, family, first and last sighting and the accounts that linked it, so an
investigation can list the impersonated brands of each network.

Candidates are classified twice: once by name, then with what the workspace knows about
them (:class:`~cibwatch.domains.corroboration.DomainContext`): how many linking accounts
already appear in significant account-pair evidence of other detectors (a coordinated
network), the languages of the linking posts, whether the domain was first seen within a
day of at least two other candidates (a burst), and the countries the analyst says the
operation targets. The evidence details carry the confidence, the runner-up outlet and the
reasons.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.domains.brands import resolve_brands
from cibwatch.domains.classifier import Classification, LookalikeClassifier
from cibwatch.domains.corroboration import DomainContext
from cibwatch.domains.hosts import normalize_host
from cibwatch.domains.survey import survey_domains
from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

# Phase one reads only each domain's time span; phase two fetches posts and accounts for
# the few domains that end up as evidence, so widely linked genuine sites cost nothing.
_SPANS_SQL = """
WITH links AS (
    SELECT unnest(domains) AS domain, created_at, language
    FROM posts WHERE domains IS NOT NULL
)
SELECT domain, min(created_at), max(created_at), list(DISTINCT language)
FROM links
WHERE domain IS NOT NULL AND domain <> ''
GROUP BY domain
"""

# Accounts in significant account-pair evidence (co-action, near-duplicates...): members of
# a coordinated network as far as the workspace knows when this detector runs.
_NETWORK_SQL = """
SELECT subject_a FROM evidence WHERE subject_kind = 'pair' AND significant
UNION
SELECT subject_b FROM evidence WHERE subject_kind = 'pair' AND significant
"""

#: Candidates first seen within this time of two others were registered in a burst.
_BURST = timedelta(hours=24)

_LINKS_SQL = """
WITH links AS (
    SELECT unnest(domains) AS domain, platform, post_id, account_id, created_at
    FROM posts
    WHERE domains IS NOT NULL
)
SELECT
    domain,
    list(DISTINCT platform || ':' || post_id) AS posts,
    list(DISTINCT platform || ':' || account_id) AS accounts
FROM links
WHERE list_contains(?, domain)
GROUP BY domain
"""


@dataclass
class _Links:
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    posts: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)

    def add(self, first: datetime | None, last: datetime | None, posts: Any, accts: Any) -> None:
        if first is not None:
            self.first_seen = first if self.first_seen is None else min(self.first_seen, first)
        if last is not None:
            self.last_seen = last if self.last_seen is None else max(self.last_seen, last)
        self.posts.update(p for p in posts or [] if p is not None)
        self.accounts.update(a for a in accts or [] if a is not None)


class LookalikeDomainDetector(Detector):
    """Flag linked domains that imitate news outlets or belong to generated families.

    >>> LookalikeDomainDetector(block_date=datetime(2022, 9, 1)).get_params()["min_score"]
    0.6
    """

    name: ClassVar[str] = "lookalike_domains"
    signal: ClassVar[str] = "lookalike_domain"

    def __init__(
        self,
        *,
        brands: str | Path | None = None,
        replace_brands: bool = False,
        min_score: float = 0.6,
        block_date: datetime | None = None,
        max_proof: int = 50,
        min_family_size: int = 3,
        target_countries: tuple[str, ...] = (),
    ) -> None:
        self.brands = brands
        self.replace_brands = replace_brands
        self.min_score = min_score
        self.block_date = block_date
        self.max_proof = max_proof
        self.min_family_size = min_family_size
        self.target_countries = target_countries

    def get_params(self) -> dict[str, Any]:
        params = super().get_params()
        params["brands"] = None if self.brands is None else str(self.brands)
        params["target_countries"] = list(self.target_countries)
        return params

    def _validate(self) -> None:
        if not 0.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score must lie in [0, 1], got {self.min_score}")
        if self.max_proof < 1:
            raise ConfigError(f"max_proof must be at least 1, got {self.max_proof}")
        if self.min_family_size < 2:
            raise ConfigError(f"min_family_size must be at least 2, got {self.min_family_size}")
        if self.replace_brands and self.brands is None:
            raise ConfigError("replace_brands needs a brands file")

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        con = workspace.connection
        links: dict[str, _Links] = {}
        raw_of: dict[str, list[str]] = {}
        input_rows = 0
        for raw, first, last, languages in con.execute(_SPANS_SQL).fetchall():
            input_rows += 1
            try:
                host = normalize_host(str(raw))
            except ValueError:
                continue  # not a domain (an IP address, a typo in the data): nothing to judge
            link = links.setdefault(host, _Links())
            link.add(first, last, (), ())
            link.languages.update(str(x).lower()[:2] for x in languages or [] if x)
            raw_of.setdefault(host, []).append(str(raw))
        classifier = LookalikeClassifier(
            resolve_brands(self.brands, replace=self.replace_brands), min_score=self.min_score
        )
        seen = {h: (v.first_seen, v.last_seen) for h, v in links.items()}
        survey = survey_domains(
            sorted(links),
            classifier=classifier,
            seen=seen,
            block_date=self.block_date,
            min_family_size=self.min_family_size,
        )
        kept = [
            r
            for r in survey.results
            if r.verdict in ("impersonation", "generated-family")
            or (r.verdict == "unrelated" and r.score > 0)
        ]
        wanted = [raw for r in kept for raw in raw_of[r.domain]]
        if wanted:
            for raw, posts, accounts in con.execute(_LINKS_SQL, [wanted]).fetchall():
                links[normalize_host(str(raw))].add(None, None, posts, accounts)
            contexts = self._contexts(con, kept, links)
            survey = survey_domains(
                sorted(links),
                classifier=classifier,
                seen=seen,
                block_date=self.block_date,
                min_family_size=self.min_family_size,
                context=contexts,
            )
            kept = [
                r
                for r in survey.results
                if r.verdict in ("impersonation", "generated-family")
                or (r.verdict == "unrelated" and r.score > 0)
            ]
        rows = [
            self._evidence_row(run_id, r, links[r.domain], survey.family_of(r.family)) for r in kept
        ]
        if rows:
            con.executemany(
                "INSERT INTO evidence (run_id, detector, signal, subject_kind, subject_a, "
                "subject_b, strength, p_value, q_value, significant, explanation, proof, "
                "details) VALUES (?, ?, ?, 'domain', ?, NULL, ?, NULL, NULL, ?, ?, ?, ?)",
                rows,
            )
        significant = sum(1 for row in rows if row[5])
        brands_hit = sorted({r.brand for r in survey.results if r.verdict == "impersonation"})
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=input_rows,
            evidence_rows=len(rows),
            significant_rows=significant,
            summary={
                "domains": len(survey.results),
                "impersonated_brands": brands_hit,
                "families": [f.family_id for f in survey.families],
                "persistent_families": [f.family_id for f in survey.families if f.persistent],
            },
        )

    def _contexts(
        self, con: Any, kept: list[Classification], links: dict[str, _Links]
    ) -> dict[str, DomainContext]:
        """What the workspace knows about each candidate besides its name."""
        network = {str(a) for (a,) in con.execute(_NETWORK_SQL).fetchall()}
        firsts = sorted(
            (f, r.domain) for r in kept if (f := links[r.domain].first_seen) is not None
        )
        countries = frozenset(c.upper() for c in self.target_countries)
        out: dict[str, DomainContext] = {}
        for r in kept:
            link = links[r.domain]
            # Linking accounts are platform:account_id; pair evidence may name either form.
            in_network = sum(
                1 for a in link.accounts if a in network or a.partition(":")[2] in network
            )
            first = link.first_seen
            burst = first is not None and (
                sum(1 for f, d in firsts if d != r.domain and abs(f - first) <= _BURST) >= 2
            )
            out[r.domain] = DomainContext(
                network_accounts=in_network,
                burst=burst,
                languages=frozenset(link.languages),
                countries=countries,
            )
        return out

    def _evidence_row(
        self, run_id: int, r: Classification, link: _Links, family: Any
    ) -> tuple[Any, ...]:
        details = {
            "brand": r.brand or None,
            "brand_name": r.brand_name or None,
            "technique": r.technique or None,
            "verdict": r.verdict,
            "registered_domain": r.registered,
            "family": r.family or None,
            "family_persistent": bool(family.persistent) if family is not None else None,
            "first_seen": _iso(link.first_seen),
            "last_seen": _iso(link.last_seen),
            "accounts": sorted(link.accounts),
            "posts": len(link.posts),
            "confidence": r.confidence or None,
            "runner_up": r.runner_up or None,
            "reasons": list(r.reasons),
        }
        significant = r.verdict in ("impersonation", "generated-family")
        explanation = r.explanation or f"{r.domain} resembles {r.brand_name} ({r.brand})"
        if not significant:
            explanation += " (weak match, below the reporting threshold)"
        return (
            run_id,
            self.name,
            self.signal,
            r.domain,
            float(r.score),
            significant,
            explanation,
            sorted(link.posts)[: self.max_proof],
            json.dumps(details, sort_keys=True),
        )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class ImpersonatedBrand:
    """An outlet imitated by domains that some accounts linked to (for network reports)."""

    brand: str
    brand_name: str
    domains: tuple[str, ...]
    accounts: tuple[str, ...]


def impersonated_brands(
    workspace: Workspace, accounts: Iterable[str] | None = None
) -> list[ImpersonatedBrand]:
    """Outlets imitated by domains that ``accounts`` linked (all accounts when ``None``).

    Reads the significant ``impersonation`` evidence of the latest successful run of
    :class:`LookalikeDomainDetector`; a report calls it with a network's member accounts to
    list the brands that network impersonated. Brands are sorted by the number of linking
    accounts, then by canonical domain.
    """
    rows = workspace.connection.execute(
        "SELECT e.subject_a, e.details FROM evidence e WHERE e.detector = ? AND e.significant "
        "AND e.run_id = (SELECT max(run_id) FROM runs WHERE name = ? AND status = 'ok')",
        [LookalikeDomainDetector.name, LookalikeDomainDetector.name],
    ).fetchall()
    wanted = None if accounts is None else set(accounts)
    found: dict[str, tuple[str, set[str], set[str]]] = {}
    for domain, raw in rows:
        details = json.loads(raw)
        if details.get("verdict") != "impersonation" or not details.get("brand"):
            continue
        linked = set(details.get("accounts") or [])
        if wanted is not None:
            linked &= wanted
            if not linked:
                continue
        _, domains, accts = found.setdefault(
            details["brand"], (details.get("brand_name") or "", set(), set())
        )
        domains.add(str(domain))
        accts.update(linked)
    hits = [
        ImpersonatedBrand(brand, name, tuple(sorted(domains)), tuple(sorted(accts)))
        for brand, (name, domains, accts) in found.items()
    ]
    return sorted(hits, key=lambda h: (-len(h.accounts), h.brand))
