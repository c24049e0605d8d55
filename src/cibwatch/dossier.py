"""A network's dossier: what it is made of, what it did, and the evidence behind it.

Every figure is computed by a query over the canonical tables restricted to the network's
members, and the dossier keeps the query parameters (members, evidence runs) so a reader can
reproduce any number in the report from the workspace.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from cibwatch.attribution import attribute
from cibwatch.detectors.creation import burst_sentence, creation_bursts
from cibwatch.fingerprints.places import claimed_offset
from cibwatch.fingerprints.schedule import hour_of_week, infer_schedule
from cibwatch.fingerprints.schedules import alignment, alignment_words, persona_zones
from cibwatch.fingerprints.stance import network_sides, networks_sides
from cibwatch.inauthenticity import VERDICTS, network_axes
from cibwatch.narratives import NarrativeLinking, network_narratives

if TYPE_CHECKING:
    from cibwatch.networks import Network
    from cibwatch.workspace import Workspace

#: How many evidence rows and sample posts a dossier carries into a report.
EVIDENCE_LIMIT = 25
SAMPLE_POSTS = 5


@dataclass
class Dossier:
    """The facts of one network, ready for rendering (all values plain data)."""

    network_id: str
    score: float
    score_parts: dict[str, float]
    members: list[str]
    assets: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] = field(default_factory=dict)
    ad_spend: list[dict[str, Any]] = field(default_factory=list)
    peak_days: list[dict[str, Any]] = field(default_factory=list)
    claimed_locations: list[dict[str, Any]] = field(default_factory=list)
    top_domains: list[dict[str, Any]] = field(default_factory=list)
    top_hashtags: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    evidence_by_signal: list[dict[str, Any]] = field(default_factory=list)
    lookalike_domains: list[dict[str, Any]] = field(default_factory=list)
    sample_posts: list[dict[str, Any]] = field(default_factory=list)
    schedule: dict[str, Any] = field(default_factory=dict)
    account_findings: list[dict[str, Any]] = field(default_factory=list)
    sides: list[dict[str, Any]] = field(default_factory=list)
    attribution: dict[str, Any] = field(default_factory=dict)
    narratives: list[dict[str, Any]] = field(default_factory=list)
    heatmap: list[list[int]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    #: The two axes and the verdict (:mod:`cibwatch.inauthenticity`).
    coordination: dict[str, Any] = field(default_factory=dict)
    inauthenticity: dict[str, Any] = field(default_factory=dict)
    verdict: dict[str, Any] = field(default_factory=dict)


def _member_table(workspace: Workspace, members: list[str], posts: str = "posts") -> None:
    """Temp tables ``_dossier_members`` (the accounts) and ``_dossier_posts`` (their posts).

    The members' posts are found once: a dozen figures read them, and each finding them
    again scanned every post of the workspace (two thirds of a dossier's time at a million
    posts for a network of forty accounts). Members are also kept split into platform and
    account id, so that posts and accounts are joined on their own columns rather than on
    ``platform:account_id`` built for every row. ``posts`` is the table their posts are
    taken from: ``posts``, or a table holding the posts of several networks' members
    (see :func:`build_dossiers`).
    """
    con = workspace.connection
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _dossier_members "
        "(account VARCHAR, platform VARCHAR, account_id VARCHAR)"
    )
    if members:
        con.executemany(
            "INSERT INTO _dossier_members VALUES (?, ?, ?)",
            [[m, *_split_key(m)] for m in members],
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _dossier_posts AS SELECT p.* FROM {posts} p "
        "SEMI JOIN _dossier_members m USING (platform, account_id)"
    )


def _split_key(account: str) -> tuple[str | None, str]:
    """``platform:account_id`` as (platform, account_id); account ids may hold colons.

    A key without a colon matches no row, as it matched no ``platform || ':' || account_id``.
    """
    platform, sep, account_id = account.partition(":")
    return (platform, account_id) if sep else (None, account)


def build_dossiers(
    workspace: Workspace, networks: Sequence[Network], *, linking: NarrativeLinking | None = None
) -> dict[str, Dossier]:
    """The dossiers of ``networks`` (network id -> dossier), as :func:`build_dossier` builds
    each, with the members' stances read once for all networks
    (:func:`~cibwatch.fingerprints.stance.networks_sides`) rather than once per network."""
    sides = networks_sides(workspace, {n.network_id: n.members for n in networks})
    if len(networks) < 2:
        return {
            n.network_id: build_dossier(workspace, n, linking=linking, sides=sides[n.network_id])
            for n in networks
        }
    # all networks' posts in one scan of the posts, each network's then taken from these:
    # a scan of every post per network was most of a dossier's time at 100 M posts
    con = workspace.connection
    _member_table(workspace, sorted({m for n in networks for m in n.members}))
    con.execute("DROP TABLE IF EXISTS _dossiers_posts")
    con.execute("ALTER TABLE _dossier_posts RENAME TO _dossiers_posts")  # kept, not copied
    try:
        return {
            n.network_id: build_dossier(
                workspace, n, linking=linking, sides=sides[n.network_id], posts="_dossiers_posts"
            )
            for n in networks
        }
    finally:
        con.execute("DROP TABLE IF EXISTS _dossiers_posts")


def build_dossier(
    workspace: Workspace,
    network: Network,
    *,
    linking: NarrativeLinking | None = None,
    sides: list[dict[str, Any]] | None = None,
    posts: str = "posts",
) -> Dossier:
    """Compute the dossier of ``network`` from the workspace.

    ``linking`` is the workspace's narratives across languages
    (:func:`~cibwatch.narratives.link_narratives`); pass it when building several dossiers,
    since computing it reads every text (about 11 s for a million posts). ``sides`` are the
    network's rows of :func:`~cibwatch.fingerprints.stance.network_sides` if already read
    (see :func:`build_dossiers`). ``posts``: a table holding at least the members' posts
    (``posts`` by default; :func:`build_dossiers` passes the posts of all its networks).
    """
    ws = workspace
    _member_table(ws, network.members, posts)
    runs = list(network.summary.get("evidence_runs", []))
    member_posts = "SELECT * FROM _dossier_posts"
    dossier = Dossier(network.network_id, network.score, network.score_parts, network.members)
    dossier.assets = ws.query(
        """
        SELECT split_part(m.account, ':', 1) AS platform,
               coalesce(a.kind, 'account') AS kind,
               count(*) AS assets,
               sum(a.followers) AS followers
        FROM _dossier_members m
        LEFT JOIN accounts a ON a.platform = m.platform AND a.account_id = m.account_id
        GROUP BY 1, 2 ORDER BY 1, 2
        """
    )
    activity = ws.query(
        f"""
        SELECT count(*) AS posts, min(created_at) AS first_post, max(created_at) AS last_post,
               count(DISTINCT platform) AS platforms,
               list(DISTINCT language ORDER BY language)
                   FILTER (WHERE language IS NOT NULL) AS languages
        FROM ({member_posts})
        """
    )
    dossier.activity = activity[0] if activity else {}
    dossier.peak_days = ws.query(
        f"""
        SELECT CAST(created_at AS DATE) AS day, count(*) AS posts
        FROM ({member_posts}) GROUP BY 1 ORDER BY posts DESC, day LIMIT 3
        """
    )
    dossier.claimed_locations = ws.query(
        """
        SELECT claimed_location AS location, count(*) AS accounts FROM accounts
        SEMI JOIN _dossier_members m USING (platform, account_id)
        WHERE claimed_location IS NOT NULL
        GROUP BY 1 ORDER BY accounts DESC, location LIMIT 5
        """
    )
    dossier.ad_spend = ws.query(
        f"""
        SELECT currency, count(*) AS ads, sum(ad_spend_min) AS spend_min,
               sum(ad_spend_max) AS spend_max,
               sum(impressions_min) AS impressions_min, sum(impressions_max) AS impressions_max
        FROM ({member_posts}) WHERE kind = 'ad'
        GROUP BY currency ORDER BY currency
        """
    )
    dossier.top_domains = ws.query(
        f"""
        SELECT d AS domain, count(*) AS posts, count(DISTINCT account_id) AS accounts
        FROM (SELECT unnest(domains) AS d, account_id FROM ({member_posts}))
        GROUP BY 1 ORDER BY posts DESC, domain LIMIT 10
        """
    )
    dossier.top_hashtags = ws.query(
        f"""
        SELECT h AS hashtag, count(*) AS posts, count(DISTINCT account_id) AS accounts
        FROM (SELECT unnest(hashtags) AS h, account_id FROM ({member_posts}))
        GROUP BY 1 ORDER BY posts DESC, hashtag LIMIT 10
        """
    )
    internal = """
        FROM evidence
        WHERE list_contains(?, run_id) AND subject_kind = 'pair' AND significant
          AND subject_a IN (SELECT account FROM _dossier_members)
          AND subject_b IN (SELECT account FROM _dossier_members)
    """
    dossier.evidence_by_signal = ws.query(
        f"SELECT detector, signal, count(*) AS pairs, min(q_value) AS best_q {internal} "
        "GROUP BY 1, 2 ORDER BY pairs DESC",
        [runs],
    )
    dossier.evidence = ws.query(
        f"SELECT run_id, detector, signal, subject_a, subject_b, strength, p_value, q_value, "
        f"explanation, proof[1:10] AS proof, len(proof) AS proof_count {internal} "
        f"ORDER BY strength DESC, subject_a, subject_b LIMIT {EVIDENCE_LIMIT}",
        [runs],
    )
    dossier.lookalike_domains = [
        {**row, "details": json.loads(row["details"]) if row["details"] else {}}
        for row in ws.query(
            """
            SELECT subject_a AS domain, explanation, strength, details FROM evidence
            WHERE subject_kind = 'domain' AND significant AND list_contains(?, run_id)
              AND list_contains(?, subject_a)
            ORDER BY strength DESC, domain
            """,
            [runs, network.summary.get("lookalike_domains", [])],
        )
    ]
    dossier.sample_posts = ws.query(
        f"""
        SELECT platform, post_id, account_id, created_at, kind, text, source_file, source_row
        FROM ({member_posts}) WHERE text IS NOT NULL
        ORDER BY created_at, platform, post_id LIMIT {SAMPLE_POSTS}
        """
    )
    dossier.account_findings = ws.query(
        """
        SELECT signal, count(*) AS accounts,
               list(explanation ORDER BY subject_a, explanation)[1:3] AS examples
        FROM evidence
        WHERE list_contains(?, run_id) AND subject_kind = 'account'
          AND subject_a IN (SELECT account FROM _dossier_members)
        GROUP BY 1 ORDER BY accounts DESC, signal
        """,
        [runs],
    )
    for finding in dossier.account_findings:
        if finding["signal"] == "creation_burst":  # one line a burst, not a line an account
            found = creation_bursts(ws, run_ids=runs, members=network.members)
            if found:
                finding["examples"] = [burst_sentence(b) for b in found[:3]]
    dossier.schedule, dossier.heatmap = _schedule(ws, member_posts)
    _axes(ws, network, dossier)
    dossier.sides = network_sides(ws, network.members) if sides is None else sides
    dossier.attribution = attribute(ws, dossier, ws.connection.table("_dossier_posts"))
    dossier.narratives = network_narratives(
        ws, network.members, unit="narrative", top=5, linking=linking
    )
    dossier.provenance = {
        "members": len(network.members),
        "evidence_runs": runs,
        "assembly_run": network.run_id,
        "source_files": ws.query(
            f"SELECT source_file, count(*) AS rows FROM ({member_posts}) GROUP BY 1 ORDER BY 1"
        ),
    }
    ws.connection.execute("DROP TABLE IF EXISTS _dossier_members")
    ws.connection.execute("DROP TABLE IF EXISTS _dossier_posts")
    return dossier


def _axes(ws: Workspace, network: Network, dossier: Dossier) -> None:
    """Coordination, inauthenticity and verdict: as assembly judged them (networks stored
    before verdicts existed are judged here, from the same evidence)."""
    summary = network.summary
    if "verdict" not in summary:
        runs = list(summary.get("evidence_runs", []))
        summary = network_axes(ws, network.members, runs, summary.get("lookalike_domains", []))
    dossier.coordination = dict(summary.get("coordination") or {})
    dossier.inauthenticity = dict(summary.get("inauthenticity") or {})
    code = str(summary.get("verdict"))
    dossier.verdict = {
        "verdict": code,
        "label": summary.get("verdict_label") or VERDICTS.get(code, code),
        "reason": summary.get("verdict_reason", ""),
    }


def _schedule(ws: Workspace, member_posts: str) -> tuple[dict[str, Any], list[list[int]]]:
    """The network's schedule, whose day it follows, and an hour-of-week heatmap.

    Ads are left out: their times are delivery dates chosen by the platform, not the
    operator's working hours. The personas' claimed places (accounts per place) and
    languages (posts per language) say whether the hours are the operators' own day or
    their audience's (:func:`~cibwatch.fingerprints.schedules.alignment`).
    """
    times = ws.connection.execute(
        f"SELECT created_at FROM ({member_posts}) WHERE coalesce(kind, '') <> 'ad'"
    ).fetchnumpy()["created_at"]
    fit = infer_schedule(np.asarray(times, dtype="datetime64[s]"))
    places = {
        str(r["claimed_location"]): int(r["n"])
        for r in ws.query(
            """
            SELECT claimed_location, count(*) AS n FROM accounts
            SEMI JOIN _dossier_members m USING (platform, account_id)
            WHERE claimed_location IS NOT NULL
            GROUP BY 1
            """
        )
    }
    languages = {
        str(r["language"]): int(r["n"])
        for r in ws.query(
            f"SELECT language, count(*) AS n FROM ({member_posts}) "
            "WHERE language IS NOT NULL AND coalesce(kind, '') <> 'ad' GROUP BY 1"
        )
    }
    zones, source = persona_zones(places, languages)
    aligned = alignment(fit, zones)
    place = max(places, key=lambda p: (places[p], p)) if places else None
    schedule = {
        "kind": fit.kind,
        "hypothesis": fit.hypothesis,
        "hypotheses": fit.hypotheses,
        "offset": fit.offset,
        "probability": fit.probability,
        "posterior": fit.posterior,
        "credible": fit.credible,
        "offset_low": fit.offset_low,
        "offset_high": fit.offset_high,
        "alignment": aligned,
        "persona_zones": sorted(zones),
        "persona_source": source,
        "shift_start": fit.shape.get("start"),
        "shift_end": fit.shape.get("end"),
        "work_share": fit.work_share,
        "lunch_dip": fit.lunch_dip,
        "weekend_share": fit.weekend_share,
        "posts": fit.posts,
        "claimed_location": place,
        "claimed_offset": claimed_offset(place),
        "sentence": fit.sentence() + alignment_words(fit, zones, source, aligned),
    }
    how = hour_of_week(np.asarray(times, dtype="datetime64[s]"), fit.offset or 0)
    counts = np.bincount(how, minlength=168).reshape(7, 24)
    return schedule, [[int(c) for c in row] for row in counts]
