"""The one set of facts every rendering of the report shows (HTML, Markdown).

:func:`report_context` runs every query; the renderers only lay the values out, so the HTML
and the Markdown report cannot disagree. Besides each network's dossier it adds what the
pictures and the tactics table need: posts per day and platform, the significant pair
evidence between members (fused like network assembly does), and the techniques; the
targets table (:mod:`.targets`) and the indicators appendix (:mod:`.appendix`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cibwatch import __version__
from cibwatch.cases.names import network_names
from cibwatch.dossier import Dossier, build_dossier, build_dossiers
from cibwatch.indicators.collect import case_statuses
from cibwatch.narratives import NarrativeLinking, current_linking, narrative_overlaps
from cibwatch.networks import Q_CAP, SCORE_WEIGHTS, stored_networks
from cibwatch.report.appendix import indicator_appendix
from cibwatch.report.lookup import account_names, account_rows
from cibwatch.report.pictures import graph_picture, heatmap_svg, timeline_bins, timeline_svg
from cibwatch.report.reading import (
    GLOSSARY,
    SCORE_PARTS,
    attribution_sentences,
    executive_summary,
    network_summary,
    q_text,
    score_sentence,
    signal_label,
)
from cibwatch.report.tactics import signal_counts, tactics_rows
from cibwatch.report.targets import network_targets

if TYPE_CHECKING:
    from cibwatch.networks import Network
    from cibwatch.workspace import Workspace


def _members_table(workspace: Workspace, members: list[str]) -> None:
    """Temp table ``_report_members``: each member's key, and its platform and account id
    apart, so that posts are joined on their own columns, not on a key built per post."""
    con = workspace.connection
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _report_members "
        "(account VARCHAR, platform VARCHAR, account_id VARCHAR)"
    )
    if members:
        con.executemany(
            "INSERT INTO _report_members VALUES (?, ?, ?)",
            [[m, *(m.split(":", 1) if ":" in m else (None, m))] for m in members],
        )


def timeline_rows(workspace: Workspace, members: list[str]) -> list[dict[str, Any]]:
    """Posts per UTC day and platform by ``members`` (ads included: they were published)."""
    _members_table(workspace, members)
    rows = workspace.query(
        """
        SELECT CAST(p.created_at AS DATE) AS day, p.platform, count(*) AS posts
        FROM posts p SEMI JOIN _report_members m USING (platform, account_id)
        WHERE p.created_at IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2
        """
    )
    workspace.connection.execute("DROP TABLE IF EXISTS _report_members")
    return rows


def graph_edges(workspace: Workspace, members: list[str], runs: list[int]) -> list[dict[str, Any]]:
    """Member pairs with significant evidence, weighted as in network assembly.

    The weight of a pair is the sum over its signals of ``-log10(q)``, q capped at
    :data:`cibwatch.networks.Q_CAP` (one signal's best row counts once).
    """
    _members_table(workspace, members)
    rows = workspace.connection.execute(
        """
        SELECT least(subject_a, subject_b) AS a, greatest(subject_a, subject_b) AS b, signal,
               min(coalesce(q_value, p_value, 1e-6)) AS q
        FROM evidence
        WHERE subject_kind = 'pair' AND significant AND list_contains(?, run_id)
          AND subject_a IN (SELECT account FROM _report_members)
          AND subject_b IN (SELECT account FROM _report_members)
          AND subject_a <> subject_b
        GROUP BY 1, 2, 3
        """,
        [runs],
    ).fetchall()
    workspace.connection.execute("DROP TABLE IF EXISTS _report_members")
    weights: dict[tuple[str, str], float] = {}
    for a, b, _signal, q in rows:
        weights[(a, b)] = weights.get((a, b), 0.0) - math.log10(max(float(q), Q_CAP))
    return [{"a": a, "b": b, "weight": w} for (a, b), w in sorted(weights.items())]


def _both_sides(sides: list[dict[str, Any]]) -> int:
    """Member stances on issues where the network's personas take both sides."""
    return sum(
        int(s["accounts_a"]) + int(s["accounts_b"])
        for s in sides
        if s.get("accounts_a") and s.get("accounts_b")
    )


def network_context(
    workspace: Workspace,
    network: Network,
    *,
    linking: NarrativeLinking | None = None,
    built: Dossier | None = None,
) -> dict[str, Any]:
    """One network's dossier with its pictures and tactics (``linking``: see build_dossier).

    ``built`` is the network's dossier if it was already built from this workspace.
    """
    if built is None:
        built = build_dossier(workspace, network, linking=linking)
    dossier = asdict(built)  # a deep copy: what is added below never reaches ``built``
    runs = list(network.summary.get("evidence_runs", []))
    domains = list(network.summary.get("lookalike_domains", []))
    counts = signal_counts(workspace, network.members, runs, domains)
    if both := _both_sides(dossier["sides"]):
        counts["both_sides"] = both
    timeline = timeline_rows(workspace, network.members)
    accounts = account_rows(workspace, network.members)
    labels = {a["account"]: f"@{a['handle']}" for a in accounts if a.get("handle")}
    graph = graph_picture(
        network.members, graph_edges(workspace, network.members, runs), labels=labels
    )
    offset = dossier["schedule"].get("offset")
    for row in dossier["evidence_by_signal"]:
        row["label"] = signal_label(str(row["signal"]))
        row["q_text"] = q_text(row.get("best_q"))
    dossier["tactics"] = tactics_rows(counts)
    dossier["targets"] = network_targets(workspace, dossier)
    dossier["timeline"] = timeline
    dossier["accounts"] = accounts
    dossier["labels"] = labels
    dossier["pictures"] = {
        "timeline": timeline_svg(timeline),
        "timeline_unit": timeline_bins(timeline)[0],
        "graph": graph["svg"],
        "graph_caption": graph["caption"],
        "heatmap": heatmap_svg(dossier["heatmap"], offset) if dossier["heatmap"] else None,
    }
    return dossier


def report_context(
    workspace: Workspace,
    *,
    evaluation: list[dict[str, Any]] | None = None,
    linking: NarrativeLinking | None = None,
    dossiers: Mapping[str, Dossier] | None = None,
) -> dict[str, Any]:
    """All data the report shows, as plain values (pictures as escaped SVG markup).

    ``dossiers`` (network id -> dossier) are dossiers already built from this workspace
    (by :func:`~cibwatch.evaluation.evaluate`); the others are built here.
    """
    ws = workspace
    networks = stored_networks(ws)
    appendix = indicator_appendix(ws)
    if linking is None:  # the stored one (computed once if none): dossiers and overlaps
        linking = current_linking(ws)
    names = network_names(ws)
    statuses = case_statuses(ws)
    built = dict(dossiers or {})
    # the others at once: members' stances are read once for all of them
    built |= build_dossiers(ws, [n for n in networks if n.network_id not in built], linking=linking)
    contexts = [
        network_context(ws, n, linking=linking, built=built[n.network_id]) for n in networks
    ]
    for d in contexts:
        nid = d["network_id"]
        d["name"] = names.get(nid)
        d["title"] = f"{names[nid]} ({nid})" if nid in names else f"Network {nid}"
        d["case_status"] = statuses.get(nid)
        d["summary"] = network_summary(d, names.get(nid))
        d["attribution_sentences"] = attribution_sentences(d["attribution"])
        d["score_sentence"] = score_sentence(d["score"], d["score_parts"])
    totals = {t: ws.count(t) for t in ("posts", "accounts", "actions")}
    return {
        "title": "cibwatch investigation report",
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "workspace": ws.path,
        "totals": totals,
        "executive": executive_summary(contexts, totals, names, statuses),
        "glossary": GLOSSARY,
        "score_parts": SCORE_PARTS,
        "ingests": ws.query("SELECT * FROM ingests ORDER BY ingest_id"),
        "reject_reasons": ws.query(
            "SELECT source_file, field, reason, count(*) AS n FROM rejects "
            "GROUP BY ALL ORDER BY n DESC LIMIT 30"
        ),
        "networks": contexts,
        "indicators": [
            {
                "network_id": n.network_id,
                "title": d["title"],
                "case_status": d["case_status"],
                "rows": appendix.get(n.network_id, []),
            }
            for n, d in zip(networks, contexts, strict=True)
        ],
        "weights": SCORE_WEIGHTS,
        "evaluation": evaluation or [],
        "overlaps": named_overlaps(
            ws, narrative_overlaps(ws, networks, unit="narrative", linking=linking)
        ),
        "runs": ws.runs(),
        "not_run": steps_not_run(ws),
    }


def named_overlaps(workspace: Workspace, overlaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Narrative overlaps whose outside sources (accounts) are named by handle and platform.

    :func:`~cibwatch.narratives.narrative_overlaps` names a source by its key
    (``telegram:70000576``); a reader knows accounts by handle, as everywhere else in the
    report. Adds ``leader_name`` and rewrites ``sentence`` with it.
    """
    names = account_names(
        workspace, [str(o["leader"]) for o in overlaps if o["leader_kind"] == "source"]
    )
    out = []
    for o in overlaps:
        lead = str(o["leader"])
        name = names.get(lead, lead) if o["leader_kind"] == "source" else f"network {lead}"
        out.append(
            o
            | {
                "leader_name": name,
                "sentence": f"network {o['follower']} repeats the narratives of {name} "
                f"{o['lag_days_median']:g} days later (median of {o['shared']} shared "
                f"narratives, shortest {o['lag_days_min']:g} days)",
            }
        )
    return out


def steps_not_run(workspace: Workspace) -> list[dict[str, Any]]:
    """Steps of the latest investigation that were skipped or failed, with the reason.

    A report without a signal's findings must say that the signal was not run, or a reader
    takes the absence for a clean result.
    """
    return workspace.query(
        "SELECT step, name, status, message FROM runs WHERE status IN ('skipped', 'failed') "
        "AND run_id > coalesce((SELECT max(run_id) FROM runs WHERE step = 'investigate'), 0) "
        "ORDER BY run_id"
    )
