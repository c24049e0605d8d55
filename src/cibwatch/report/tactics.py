"""A network's tactics: its evidence signals mapped to DISARM and the Online Operations Kill Chain.

The mapping itself lives in :mod:`cibwatch.indicators.mapping` (one table for the report and
the STIX export); here we only count, per signal, the significant evidence rows about the
network's members (pairs inside the network, flagged accounts, its look-alike domains) and
turn the signals into technique rows. Signals with no mapped technique (``both_sides``,
``cross_platform``) are listed apart rather than forced onto a technique.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cibwatch.indicators.mapping import SIGNAL_TECHNIQUES, TECHNIQUES

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace


def signal_counts(
    workspace: Workspace, members: list[str], runs: list[int], domains: list[str]
) -> dict[str, int]:
    """Significant evidence rows per signal about ``members`` (and their ``domains``)."""
    con = workspace.connection
    con.execute("CREATE OR REPLACE TEMP TABLE _tactics_members (account VARCHAR)")
    con.executemany("INSERT INTO _tactics_members VALUES (?)", [[m] for m in members])
    rows = con.execute(
        """
        SELECT signal, count(*) FROM evidence
        WHERE significant AND list_contains(?, run_id) AND (
            (subject_kind = 'pair'
             AND subject_a IN (SELECT account FROM _tactics_members)
             AND subject_b IN (SELECT account FROM _tactics_members))
            OR (subject_kind = 'account'
                AND subject_a IN (SELECT account FROM _tactics_members))
            OR (subject_kind = 'domain' AND list_contains(?, subject_a)))
        GROUP BY 1 ORDER BY 1
        """,
        [runs, domains],
    ).fetchall()
    con.execute("DROP TABLE IF EXISTS _tactics_members")
    return {str(signal): int(n) for signal, n in rows}


def tactics_rows(counts: dict[str, int]) -> dict[str, Any]:
    """Technique rows (id, name, DISARM tactic, kill-chain phases, signals, evidence count).

    >>> t = tactics_rows({"coaction": 5, "copied_bio": 2, "creation_burst": 1, "both_sides": 4})
    >>> [(r["disarm_id"], r["evidence"]) for r in t["techniques"]]
    [('T0049', 5), ('T0090', 3)]
    >>> t["unmapped"]
    [{'signal': 'both_sides', 'evidence': 4}]
    """
    techniques = []
    for disarm_id, technique in sorted(TECHNIQUES.items()):
        signals = sorted(
            s for s, n in counts.items() if n and disarm_id in SIGNAL_TECHNIQUES.get(s, ())
        )
        if not signals:
            continue
        techniques.append(
            {
                "disarm_id": technique.disarm_id,
                "name": technique.name,
                "tactic_id": technique.tactic_id,
                "tactic": technique.tactic_phase,
                "ookc_phases": list(technique.ookc_phases),
                "signals": signals,
                "evidence": sum(counts[s] for s in signals),
            }
        )
    unmapped = [
        {"signal": s, "evidence": n}
        for s, n in sorted(counts.items())
        if n and s not in SIGNAL_TECHNIQUES
    ]
    return {"techniques": techniques, "unmapped": unmapped}
