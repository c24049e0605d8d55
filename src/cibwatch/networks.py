"""Network assembly: fuse pair evidence into one account graph and cluster it (Leiden).

Each detector that links two accounts writes ``pair`` rows to ``evidence``; here the
significant ones of the chosen runs become layers of one weighted, undirected graph. The
fused weight of a pair is the sum over signals of ``-log10(q)`` (capped at 30), so a pair
tied by several independent signals weighs more than one tied by one, and a weak signal
cannot outweigh a strong one by volume alone. Leiden (``leidenalg``, modularity, fixed seed)
splits the graph; every cluster of at least ``min_size`` accounts becomes a network.

Some evidence says who *owns* an account, not that it acted with others: a profile whose
link field names another account (:mod:`cibwatch.detectors.profilelinks`). Such *attach
signals* (:data:`ATTACH_SIGNALS`) never enter the graph, so they can never make a network
on their own (a hundred fans linking one page are not an operation). After clustering, an
account that is in no network but is linked to a member of one is *attached* to it: that is
how an operation's accounts that never post (silent Instagram personas linked to its
Facebook personas) join the network. One hop only: an account linked only to an attached
account stays out. An account linked to members of several networks joins the one its links
to are strongest (summed evidence strength), ties going to the network with the smaller id.
Attached accounts are listed in the network's summary with the link that attached them.

Every network is judged on two axes, coordination and inauthenticity, and given a verdict
(:mod:`cibwatch.inauthenticity`): the summary holds ``coordination``, ``inauthenticity``,
``verdict``, ``verdict_label`` and ``verdict_reason``. A network is never called coordinated
inauthentic behaviour on coordination alone; "coordinated, no sign of inauthenticity" is its
own verdict, and networks are listed by verdict first (CIB first), then by score.

Network ids are stable across re-runs on grown data as long as the network's smallest
account key stays in it: the id is a short hash of that key.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import igraph as ig
import leidenalg

from cibwatch.errors import ConfigError
from cibwatch.inauthenticity import VERDICTS, network_axes, verdict_rank

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

Q_CAP: Final = 1e-30
#: Signals that attach an account to an existing network and never build one.
ATTACH_SIGNALS: Final = frozenset({"profile_link"})
#: Weights of the score's parts; shown in every report next to the parts themselves.
SCORE_WEIGHTS: Final = {"coordination": 0.5, "density": 0.2, "breadth": 0.15, "lookalike": 0.15}


@dataclass(frozen=True)
class Network:
    """One assembled network: members, score with its parts, and a summary."""

    network_id: str
    run_id: int
    members: list[str]
    score: float
    score_parts: dict[str, float]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def verdict(self) -> str | None:
        """``cib``, ``coordinated_unclear``, ``coordinated_authentic``, ... (None: not judged)."""
        value = self.summary.get("verdict")
        return None if value is None else str(value)

    @property
    def verdict_label(self) -> str:
        """The verdict in words ("Coordinated, no sign of inauthenticity", ...)."""
        return VERDICTS.get(self.verdict or "", "Not judged")

    @property
    def is_cib(self) -> bool:
        """Coordinated inauthentic behaviour: both axes hold."""
        return self.verdict == "cib"


def list_order(network: Network) -> tuple[int, float, int, str]:
    """Sort key of network lists: verdict (CIB first), then score, size and id."""
    return (verdict_rank(network.verdict), -network.score, -network.size, network.network_id)


def network_id_for(members: list[str]) -> str:
    """Stable id of a network: a hash of its smallest account key.

    >>> network_id_for(["x:2", "x:1"])
    'N-825b938e'
    """
    anchor = min(members)
    return "N-" + hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:8]


def latest_runs(workspace: Workspace) -> list[int]:
    """The latest successful detector run of each detector name."""
    rows = workspace.connection.execute(
        "SELECT max(run_id) FROM runs WHERE step = 'detect' AND status = 'ok' GROUP BY name"
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def _pair_weights(
    workspace: Workspace, run_ids: list[int]
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], dict[str, int]]]:
    rows = workspace.connection.execute(
        """
        SELECT subject_a, subject_b, signal, coalesce(q_value, p_value, 1e-6) AS q
        FROM evidence
        WHERE subject_kind = 'pair' AND significant AND list_contains(?, run_id)
          AND NOT list_contains(?, signal)
        """,
        [run_ids, sorted(ATTACH_SIGNALS)],
    ).fetchall()
    weights: dict[tuple[str, str], float] = defaultdict(float)
    signals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a, b, signal, q in rows:
        key = (str(a), str(b)) if str(a) < str(b) else (str(b), str(a))
        weights[key] += -math.log10(max(float(q), Q_CAP))
        signals[key][str(signal)] += 1
    return weights, signals


@dataclass(frozen=True)
class Attachment:
    """An account in no network attached to one through links to its members."""

    account: str
    members: list[str]  # the members it is linked to
    strength: float  # summed strength of those links
    signals: list[str]


def _attach_links(workspace: Workspace, run_ids: list[int]) -> list[tuple[str, str, float, str]]:
    """Significant attach-signal pairs of ``run_ids``: (account a, account b, strength, signal)."""
    rows = workspace.connection.execute(
        """
        SELECT subject_a, subject_b, strength, signal FROM evidence
        WHERE subject_kind = 'pair' AND significant AND list_contains(?, run_id)
          AND list_contains(?, signal)
        ORDER BY subject_a, subject_b, signal
        """,
        [run_ids, sorted(ATTACH_SIGNALS)],
    ).fetchall()
    return [(str(a), str(b), float(w), str(sig)) for a, b, w, sig in rows]


def attach_linked(
    clusters: list[list[str]], links: list[tuple[str, str, float, str]]
) -> list[list[Attachment]]:
    """For each cluster, the accounts in no cluster that links tie to its members.

    >>> links = [("fb:1", "ig:9", 2.0, "profile_link"), ("ig:9", "ig:8", 1.0, "profile_link")]
    >>> [[a.account for a in found] for found in attach_linked([["fb:1", "fb:2"]], links)]
    [['ig:9']]
    """
    cluster_of = {m: i for i, members in enumerate(clusters) for m in members}
    ids = [network_id_for(members) for members in clusters]
    # candidate -> cluster -> (strength, members, signals)
    ties: dict[str, dict[int, tuple[float, set[str], set[str]]]] = defaultdict(dict)
    for a, b, strength, signal in links:
        for outside, inside in ((a, b), (b, a)):
            if outside in cluster_of or inside not in cluster_of:
                continue
            index = cluster_of[inside]
            total, members, signals = ties[outside].get(index, (0.0, set(), set()))
            ties[outside][index] = (total + strength, members | {inside}, signals | {signal})
    found: list[list[Attachment]] = [[] for _ in clusters]
    for account in sorted(ties):
        index = min(ties[account], key=lambda i: (-ties[account][i][0], ids[i]))
        strength, members, signals = ties[account][index]
        found[index].append(Attachment(account, sorted(members), strength, sorted(signals)))
    return found


def assemble_networks(
    workspace: Workspace,
    *,
    run_ids: list[int] | None = None,
    min_size: int = 3,
    resolution: float = 1.0,
    seed: int = 0,
) -> list[Network]:
    """Cluster the significant pair evidence of ``run_ids`` and store the networks.

    Writes ``networks`` and ``network_members`` under a new run id and returns the networks,
    CIB first, then by score (:func:`list_order`).
    """
    if min_size < 2:
        raise ConfigError(f"min_size must be at least 2, got {min_size}")
    if resolution <= 0:
        raise ConfigError(f"resolution must be positive, got {resolution}")
    runs = latest_runs(workspace) if run_ids is None else list(run_ids)
    params = {"run_ids": runs, "min_size": min_size, "resolution": resolution, "seed": seed}
    run_id = workspace.start_run("assemble", "networks", params)
    weights, _signals = _pair_weights(workspace, runs)
    nodes = sorted({a for pair in weights for a in pair})
    index = {name: i for i, name in enumerate(nodes)}
    graph = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in weights])
    graph.vs["name"] = nodes
    graph.es["weight"] = list(weights.values())
    clusters: list[list[str]] = []
    if graph.ecount():
        partition = leidenalg.find_partition(
            graph,
            leidenalg.RBConfigurationVertexPartition,
            weights="weight",
            resolution_parameter=resolution,
            seed=seed,
        )
        for community in partition:
            members = sorted(nodes[i] for i in community)
            if len(members) >= min_size:
                clusters.append(members)
    attached = attach_linked(clusters, _attach_links(workspace, runs))
    networks = [
        _describe(workspace, run_id, members, weights, runs, extra)
        for members, extra in zip(clusters, attached, strict=True)
    ]
    networks.sort(key=list_order)
    with workspace.transaction() as con:
        for net in networks:
            con.execute(
                "INSERT INTO networks VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    net.network_id,
                    net.summary.get("label"),
                    net.size,
                    net.score,
                    json.dumps(net.score_parts),
                    json.dumps(net.summary, default=str),
                ],
            )
            joined = {item["account"] for item in net.summary.get("attached", [])}
            sub = graph.induced_subgraph([index[m] for m in net.members if m not in joined])
            degrees = dict(zip(sub.vs["name"], sub.degree(), strict=True))
            strengths = dict(zip(sub.vs["name"], sub.strength(weights="weight"), strict=True))
            # an attached account: its links to members and their summed strength
            for item in net.summary.get("attached", []):
                degrees[item["account"]] = len(item["linked_to"])
                strengths[item["account"]] = float(item["strength"])
            con.executemany(
                "INSERT INTO network_members VALUES (?, ?, ?, ?, ?)",
                [[run_id, net.network_id, m, degrees[m], float(strengths[m])] for m in net.members],
            )
    workspace.finish_run(run_id, input_rows=len(weights), output_rows=len(networks))
    return networks


def _describe(
    workspace: Workspace,
    run_id: int,
    members: list[str],
    weights: dict[tuple[str, str], float],
    runs: list[int],
    attached: list[Attachment],
) -> Network:
    """Score a cluster (parts shown) and summarise the evidence that ties it together.

    The score's parts are those of the coordinating core (``members``); ``attached``
    accounts join the network's members and are listed in the summary with their links.
    """
    member_set = set(members)
    internal = [w for (a, b), w in weights.items() if a in member_set and b in member_set]
    n = len(members)
    possible = n * (n - 1) / 2
    median_weight = sorted(internal)[len(internal) // 2] if internal else 0.0
    con = workspace.connection
    row = con.execute(
        """
        SELECT count(DISTINCT p) FROM (
            SELECT unnest(proof) AS p FROM evidence
            WHERE subject_kind = 'pair' AND significant AND list_contains(?, run_id)
              AND NOT list_contains(?, signal)
              AND list_contains(?, subject_a) AND list_contains(?, subject_b))
        """,
        [runs, sorted(ATTACH_SIGNALS), members, members],
    ).fetchone()
    distinct_objects = int(row[0]) if row else 0
    lookalikes = con.execute(
        """
        SELECT DISTINCT subject_a FROM evidence
        WHERE subject_kind = 'domain' AND significant AND list_contains(?, run_id)
          AND list_has_any(
              CAST(json_extract_string(details, '$.accounts') AS VARCHAR[]), ?)
        ORDER BY 1
        """,
        [runs, members],
    ).fetchall()
    parts = {
        "coordination": round(min(1.0, median_weight / 10.0), 4),
        "density": round(len(internal) / possible if possible else 0.0, 4),
        "breadth": round(min(1.0, distinct_objects / 50.0), 4),
        "lookalike": round(min(1.0, len(lookalikes) / 3.0), 4),
    }
    score = round(sum(SCORE_WEIGHTS[k] * v for k, v in parts.items()), 4)
    summary: dict[str, Any] = {
        "internal_edges": len(internal),
        "median_edge_weight": round(median_weight, 3),
        "distinct_objects": distinct_objects,
        "lookalike_domains": [str(r[0]) for r in lookalikes],
        "evidence_runs": runs,
        "core_members": len(members),
        "attached": [
            {
                "account": a.account,
                "linked_to": a.members,
                "strength": a.strength,
                "signals": a.signals,
            }
            for a in attached
        ],
    }
    everyone = sorted(member_set | {a.account for a in attached})
    summary.update(network_axes(workspace, everyone, runs, summary["lookalike_domains"]))
    return Network(network_id_for(everyone), run_id, everyone, score, parts, summary)


def stored_networks(workspace: Workspace, run_id: int | None = None) -> list[Network]:
    """Networks of one assembly run (the latest by default), CIB first, then by score."""
    con = workspace.connection
    if run_id is None:
        rows = con.execute("SELECT max(run_id) FROM networks").fetchall()
        if not rows or rows[0][0] is None:
            return []
        run_id = int(rows[0][0])
    nets = con.execute(
        "SELECT network_id, score, score_parts, summary FROM networks WHERE run_id = ? "
        "ORDER BY score DESC, size DESC, network_id",
        [run_id],
    ).fetchall()
    out: list[Network] = []
    for network_id, score, parts, summary in nets:
        members = [
            str(r[0])
            for r in con.execute(
                "SELECT account FROM network_members WHERE run_id = ? AND network_id = ? "
                "ORDER BY account",
                [run_id, network_id],
            ).fetchall()
        ]
        out.append(
            Network(
                str(network_id),
                run_id,
                members,
                float(score),
                json.loads(parts),
                json.loads(summary),
            )
        )
    out.sort(key=list_order)
    return out
