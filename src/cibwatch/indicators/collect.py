"""What a workspace's latest networks offer for sharing: indicators and facts per network.

Indicators of a network: its look-alike domains, the links its members posted to those
domains, and the profile links of its members (:func:`~.values.profile_url`). Types come
from :func:`~.values.url_type`, the function import uses, so a round trip keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cibwatch.errors import ConfigError, WorkspaceError
from cibwatch.indicators.model import Indicator
from cibwatch.indicators.store import stored_indicators
from cibwatch.indicators.values import profile_url, url_type
from cibwatch.networks import Network, stored_networks

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: At most this many post links per network become URL indicators (most linked first).
MAX_URLS = 100
#: Which networks an export takes: those confirmed by an analyst, or all of them.
INCLUDE = ("confirmed", "all")
#: Case statuses whose networks' indicators count as reviewed.
CONFIRMED_STATUSES = ("confirmed_cib", "enforced")
#: How the comment of an indicator of a network nobody confirmed begins.
UNREVIEWED = "UNREVIEWED"


@dataclass
class NetworkFacts:
    """One network as the exporters see it."""

    network: Network
    indicators: list[Indicator] = field(default_factory=list)
    signals: set[str] = field(default_factory=set)
    accounts: list[dict[str, Any]] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    posts: int = 0
    case_status: str | None = None
    #: The name an analyst gave the network, if any (:mod:`cibwatch.cases.names`).
    name: str | None = None


@dataclass
class Shareable:
    """The latest assembly of a workspace, ready for the exporters."""

    assembly_run: int
    assembled_at: datetime
    networks: list[NetworkFacts]

    def indicators(self) -> list[Indicator]:
        return [i for n in self.networks for i in n.indicators]


def case_statuses(workspace: Workspace) -> dict[str, str]:
    """Each network's case status (networks without a case are absent)."""
    from cibwatch.cases import list_cases

    return {c.network_id: c.status for c in list_cases(workspace)}


def collect(
    workspace: Workspace,
    network_ids: Collection[str] | None = None,
    *,
    include: str = "confirmed",
) -> Shareable:
    """Gather the latest assembly's networks (those of ``network_ids``, else all).

    ``include="confirmed"`` keeps only networks whose case an analyst confirmed (or
    enforced): indicators are shared after review. ``include="all"`` keeps every network,
    and the comment of each indicator of a network not confirmed starts with
    :data:`UNREVIEWED`, so that no reader takes it for a reviewed finding.
    """
    if include not in INCLUDE:
        raise ConfigError(f"include must be one of {', '.join(INCLUDE)}, got {include!r}")
    statuses = case_statuses(workspace)
    networks = [
        n
        for n in stored_networks(workspace)
        if (network_ids is None or n.network_id in network_ids)
        and (include == "all" or statuses.get(n.network_id) in CONFIRMED_STATUSES)
    ]
    row = workspace.connection.execute(
        "SELECT run_id, started_at FROM runs WHERE step = 'assemble' AND status = 'ok' "
        "ORDER BY run_id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return collect_imported(workspace)
    run_id, started = int(row[0]), row[1]
    shareable = Shareable(run_id, started, [_facts(workspace, n) for n in networks])
    from cibwatch.cases.names import network_names

    names = network_names(workspace)
    for facts in shareable.networks:
        status = statuses.get(facts.network.network_id)
        facts.case_status = status
        facts.name = names.get(facts.network.network_id)
        if status not in CONFIRMED_STATUSES:
            mark = f"{UNREVIEWED} (case: {status or 'none'})"
            facts.indicators = [
                replace(i, comment=f"{mark}; {i.comment}" if i.comment else mark)
                for i in facts.indicators
            ]
    return shareable


def collect_imported(workspace: Workspace) -> Shareable:
    """The indicators imported into a workspace that has assembled no network, for sharing on.

    A workspace that only holds indicators others published (``cibwatch import``) can pass
    them on, grouped by the network their source named (or by the file they came from).
    Their review is their publisher's, so they carry no UNREVIEWED mark; their comments are
    kept.
    """
    row = workspace.connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'indicators'"
    ).fetchone()
    indicators = stored_indicators(workspace) if row and int(row[0]) else []
    if not indicators:
        raise WorkspaceError(
            f"{workspace.path}: no assembled networks and no imported indicators to export"
        )
    when = workspace.connection.execute("SELECT max(imported_at) FROM indicator_imports").fetchone()
    groups: dict[str, list[Indicator]] = {}
    for ind in indicators:
        key = ind.network_id or f"imported from {Path(ind.source or 'unknown').name}"
        groups.setdefault(key, []).append(replace(ind, network_id=key))
    networks = [
        NetworkFacts(Network(key, 0, [], 0.0, {}, {"imported": True}), found, set())
        for key, found in sorted(groups.items())
    ]
    assembled = when[0] if when and when[0] is not None else datetime(1970, 1, 1)
    return Shareable(0, assembled, networks)


def _facts(workspace: Workspace, network: Network) -> NetworkFacts:
    con = workspace.connection
    members = network.members
    runs = list(network.summary.get("evidence_runs", []))
    domains = sorted(set(network.summary.get("lookalike_domains", [])))
    facts = NetworkFacts(network)
    comments = _domain_comments(workspace, runs, domains)
    for domain in domains:
        facts.indicators.append(
            Indicator("domain", domain, network.network_id, comments.get(domain))
        )
    params = {"members": members, "ids": sorted({m.split(":", 1)[-1] for m in members})}
    spans = con.execute(
        f"SELECT min(created_at), max(created_at), count(*) FROM {_MEMBER_POSTS}", params
    ).fetchone()
    if spans is not None:
        facts.first_seen, facts.last_seen, facts.posts = spans[0], spans[1], int(spans[2])
    urls: list[str] = []
    if domains:  # links count only on a look-alike domain: without one, none is read
        # a link can only be on a domain its lower-cased text holds: the links read are
        # those, each parsed once, instead of every link of the network
        links = con.execute(
            f"SELECT u, count(*) AS n FROM (SELECT unnest(urls) AS u FROM {_MEMBER_POSTS}) "
            "WHERE len(list_filter($domains, lambda d: contains(lower(u), d))) > 0 "
            "GROUP BY u ORDER BY n DESC, u",
            params | {"domains": domains},
        ).fetchall()
        wanted = set(domains)
        urls = [str(u) for u, _n in links if u and _registered_host(str(u)) in wanted]
    for url in sorted(urls[:MAX_URLS]):
        facts.indicators.append(
            Indicator(url_type(url), url, network.network_id, "link posted by the network")
        )
    facts.accounts = workspace.query(
        "SELECT platform, account_id, kind, handle, display_name FROM accounts "
        "WHERE list_contains(?, platform || ':' || account_id) "
        "ORDER BY platform, account_id",
        [members],
    )
    seen: set[str] = set()
    for account in facts.accounts:
        link = profile_url(
            str(account["platform"]), str(account["account_id"]), account["handle"], account["kind"]
        )
        if link is not None and link not in seen:
            seen.add(link)
            comment = f"{account['kind'] or 'account'} in network {network.network_id}"
            facts.indicators.append(Indicator(url_type(link), link, network.network_id, comment))
    facts.signals = _signals(workspace, runs, members, domains)
    return facts


#: Posts of a network's members (``$members`` keys, ``$ids`` their account ids): the ids
#: first, a hash join over a few hundred values, then the exact keys; the keys alone meant
#: building ``platform:account_id`` for every post, three times per network and export.
_MEMBER_POSTS = (
    "posts SEMI JOIN (SELECT unnest($ids::VARCHAR[]) AS account_id) USING (account_id) "
    "WHERE list_contains($members, platform || ':' || account_id)"
)


def _registered_host(url: str) -> str:
    host = urlsplit(url).netloc.lower().split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def _domain_comments(workspace: Workspace, runs: list[int], domains: list[str]) -> dict[str, str]:
    rows = workspace.connection.execute(
        "SELECT subject_a, details FROM evidence WHERE subject_kind = 'domain' AND significant "
        "AND list_contains(?, run_id) AND list_contains(?, subject_a) ORDER BY subject_a",
        [runs, domains],
    ).fetchall()
    out: dict[str, str] = {}
    for domain, raw in rows:
        details = json.loads(raw) if raw else {}
        if details.get("brand_name"):
            technique = details.get("technique") or "look-alike"
            out[str(domain)] = f"imitates {details['brand_name']} ({technique})"
        elif details.get("family"):
            out[str(domain)] = f"generated domain family {details['family']}"
    return out


def _signals(
    workspace: Workspace, runs: list[int], members: list[str], domains: list[str]
) -> set[str]:
    rows = workspace.connection.execute(
        """
        SELECT DISTINCT signal FROM evidence
        WHERE significant AND list_contains(?, run_id) AND (
            (subject_kind = 'pair' AND list_contains(?, subject_a)
                AND list_contains(?, subject_b))
            OR (subject_kind = 'account' AND list_contains(?, subject_a))
            OR (subject_kind = 'domain' AND list_contains(?, subject_a)))
        """,
        [runs, members, members, members, domains],
    ).fetchall()
    return {str(r[0]) for r in rows}
