"""The two axes of a network: coordination and inauthenticity, and the verdict they make.

Acting together is not deception. Parties' and candidates' accounts post the same links
within seconds, newsrooms syndicate stories, fans retweet their idol in bursts: all
coordinated, none lying about who they are. Meta's policy, and every takedown the project
is built to reproduce, needs both: accounts acting together (*coordination*) and accounts
misleading people about who is behind them (*inauthenticity*). So a network is judged on two
separate axes, each with its evidence and a strength, and is called coordinated inauthentic
behaviour only when both hold:

- **coordination**: the significant behavioural evidence between members (co-action,
  near-duplicate text, cross-platform linking), how many pairs and how significant, among
  how many tests;
- **inauthenticity**: cues that accounts are not who they claim, each from a detector's
  evidence or the members' own data: reused profile photos, copied bios, name/photo
  mismatches, handles made of a name and digits, accounts created in batches, look-alike
  news domains, an operator's office schedule far from the claimed place, ad spend in a
  currency foreign to the claimed place, assets of a past takedown returning, one network
  posing on both sides of an issue.

Cue strengths follow fixed rules (:func:`inauthenticity_cues`), written so that a cue many
real people share (a handle with digits) is never strong on its own. The verdict
(:func:`judge`): ``cib`` when coordination is shown and there is a strong cue or two
moderate ones; ``coordinated_unclear`` when there are only weaker cues;
``coordinated_authentic`` ("coordinated, no sign of inauthenticity") when there are none.
A network tied only by identity cues (shared photos or bios, no behaviour) is
``inauthentic_uncoordinated``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from cibwatch.fingerprints.places import claimed_offset
from cibwatch.fingerprints.schedule import infer_schedule
from cibwatch.fingerprints.schedules import alignment, persona_zones

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: Pair signals that show accounts *acting* together (the coordination axis).
COORDINATION_SIGNALS: Final = frozenset({"coaction", "near_duplicate_text", "cross_platform"})

#: Verdict codes and the words reports and dashboards show for them.
VERDICTS: Final = {
    "cib": "Coordinated inauthentic behaviour",
    "coordinated_unclear": "Coordinated, weak signs of inauthenticity",
    "coordinated_authentic": "Coordinated, no sign of inauthenticity",
    "inauthentic_uncoordinated": "Linked by identity cues, no coordinated behaviour shown",
}
#: Order in which network lists show verdicts (CIB first, then the rest apart).
VERDICT_ORDER: Final = (
    "cib",
    "coordinated_unclear",
    "inauthentic_uncoordinated",
    "coordinated_authentic",
)

#: Currencies and the standard UTC offsets of the places that pay in them.
_CURRENCY_OFFSETS: Final = {
    "USD": range(-10, -3),
    "CAD": range(-8, -2),
    "EUR": range(-1, 4),
    "GBP": range(-1, 2),
    "RUB": range(2, 13),
    "UAH": range(2, 4),
    "TRY": range(3, 4),
    "CNY": range(8, 9),
    "INR": range(5, 6),
    "AUD": range(8, 12),
    "BRL": range(-5, -1),
}

#: Least share of a network's stance-taking members on the smaller side of an issue for the
#: network to count as posing on both sides.
MIN_MINORITY_SIDE: Final = 0.25

_LEVEL: Final = {"none": 0, "weak": 1, "moderate": 2, "strong": 3}


def _cue(
    cue: str, label: str, accounts: Sequence[str], members: int, strength: str, evidence: list[str]
) -> dict[str, Any]:
    return {
        "cue": cue,
        "label": label,
        "accounts": len(set(accounts)),
        "share": round(len(set(accounts)) / members, 4) if members else 0.0,
        "strength": strength,
        "evidence": evidence[:3],
    }


def _member_rows(
    workspace: Workspace, sql: str, members: list[str], runs: list[int]
) -> list[tuple[Any, ...]]:
    return workspace.connection.execute(sql, [runs, members]).fetchall()


def _evidence_cues(
    workspace: Workspace, members: list[str], runs: list[int]
) -> list[dict[str, Any]]:
    """Cues recorded by detectors as evidence about members (accounts or pairs)."""
    n = len(members)
    by_signal: dict[str, tuple[set[str], list[str]]] = defaultdict(lambda: (set(), []))
    rows = _member_rows(
        workspace,
        """
        SELECT signal, subject_a, subject_b, explanation FROM evidence
        WHERE list_contains($1, run_id) AND significant AND (
              (subject_kind = 'account' AND list_contains($2, subject_a))
           OR (subject_kind = 'pair' AND signal IN ('reused_photo', 'copied_bio')
               AND (list_contains($2, subject_a) OR list_contains($2, subject_b))))
          AND signal IN ('reused_photo', 'copied_bio', 'persona_mismatch', 'patterned_handle',
                         'creation_burst', 'recidivism')
        ORDER BY signal, subject_a, subject_b
        """,
        members,
        runs,
    )
    member_set = set(members)
    for signal, a, b, explanation in rows:
        accounts, sentences = by_signal[str(signal)]
        accounts.update(x for x in (a, b) if x is not None and x in member_set)
        sentences.append(str(explanation))
    cues = []
    for signal, (accounts, sentences) in sorted(by_signal.items()):
        k, share = len(accounts), len(accounts) / n if n else 0.0
        if signal == "reused_photo":
            strength, label = "strong", "profile photos reused across accounts"
        elif signal == "copied_bio":
            strength = "strong" if k >= 3 else "moderate"
            label = "bios copied across accounts"
        elif signal == "persona_mismatch":
            strength = "strong" if k >= 3 and share >= 0.25 else "moderate" if k >= 2 else "weak"
            label = "names that do not match the profile photo"
        elif signal == "patterned_handle":
            # Many real people have digits in their handle: never strong, and a few such
            # handles in a network (a staffer's "anna1987") are no cue at all.
            if k < 3 or share < 0.25:
                continue
            strength = "moderate" if share >= 0.5 else "weak"
            label = "handles made of a name and digits"
        elif signal == "creation_burst":
            strength = "strong" if k >= 3 and share >= 0.25 else "moderate" if k >= 3 else "weak"
            label = "accounts created in batches"
        else:  # recidivism
            strength, label = "strong", "assets of a past takedown returning"
        cues.append(_cue(signal, label, sorted(accounts), n, strength, sentences))
    return cues


def _both_sides(workspace: Workspace, members: list[str], runs: list[int]) -> list[dict[str, Any]]:
    """Members posing on opposite sides of one issue (the stance detector's evidence)."""
    rows = _member_rows(
        workspace,
        """
        SELECT subject_a, json_extract_string(details, '$.issue') AS issue,
               json_extract_string(details, '$.side') AS side
        FROM evidence
        WHERE list_contains($1, run_id) AND signal = 'both_sides'
          AND subject_kind = 'account' AND list_contains($2, subject_a)
        """,
        members,
        runs,
    )
    sides: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for account, issue, side in rows:
        sides[str(issue)][str(side)].add(str(account))
    accounts: set[str] = set()
    sentences = []
    for issue, by_side in sorted(sides.items()):
        big = sorted(by_side, key=lambda s: (-len(by_side[s]), s))[:2]
        if len(big) < 2:
            continue
        major, minor = len(by_side[big[0]]), len(by_side[big[1]])
        # A few accounts the stance lexicon reads the other way are noise, not a persona.
        if minor < 2 or minor / (major + minor) < MIN_MINORITY_SIDE:
            continue
        accounts |= by_side[big[0]] | by_side[big[1]]
        sentences.append(f"{major} accounts pose as {big[0]} and {minor} as {big[1]} on {issue}")
    if not sentences:
        return []
    # One cue however many issues: the issues are evidence of one tactic, not several cues.
    label = "one network on both sides of divisive issues"
    return [_cue("both_sides", label, sorted(accounts), len(members), "moderate", sentences)]


def _schedule_cue(workspace: Workspace, members: list[str]) -> list[dict[str, Any]]:
    """An office schedule whose time zone the members' claimed place cannot explain."""
    con = workspace.connection
    times = con.execute(
        "SELECT created_at FROM posts WHERE coalesce(kind, '') <> 'ad' "
        "AND list_contains(?, platform || ':' || account_id) AND created_at IS NOT NULL",
        [members],
    ).fetchnumpy()["created_at"]
    places = {
        str(place): int(n)
        for place, n in con.execute(
            "SELECT claimed_location, count(*) AS n FROM accounts "
            "WHERE list_contains(?, platform || ':' || account_id) "
            "AND claimed_location IS NOT NULL GROUP BY 1",
            [members],
        ).fetchall()
    }
    if not places or len(times) == 0:
        return []
    # Only claimed places: a language's audience says whom the hours serve, not who lies.
    zones, source = persona_zones(places, {})
    if not zones:
        return []
    fit = infer_schedule(np.asarray(times, dtype="datetime64[s]"))
    if fit.offset is None or alignment(fit, zones) != "operator":
        return []
    strength = "strong" if fit.probability >= 0.9 else "moderate"
    low, high = min(zones), max(zones)
    where = f"UTC{low:+d}" if low == high else f"UTC{low:+d} to UTC{high:+d}"
    sentence = (
        f"the hours fit UTC{fit.offset:+d} ({fit.probability:.0%} probability) while the "
        f"accounts {source} ({where})"
    )
    return [
        _cue(
            "schedule_vs_place",
            "operator schedule far from the claimed place",
            members,
            len(members),
            strength,
            [sentence],
        )
    ]


def _ad_currency_cue(workspace: Workspace, members: list[str]) -> list[dict[str, Any]]:
    """Ads paid in a currency foreign to the place the paying accounts claim."""
    rows = workspace.connection.execute(
        """
        SELECT p.platform || ':' || p.account_id AS account, upper(p.currency), a.claimed_location,
               sum(coalesce(p.ad_spend_max, p.ad_spend_min, 0)) AS spend
        FROM posts p JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id
        WHERE p.kind = 'ad' AND p.currency IS NOT NULL AND a.claimed_location IS NOT NULL
          AND list_contains(?, p.platform || ':' || p.account_id)
        GROUP BY 1, 2, 3 ORDER BY 1, 2
        """,
        [members],
    ).fetchall()
    accounts, sentences = [], []
    for account, currency, place, spend in rows:
        offsets = _CURRENCY_OFFSETS.get(str(currency))
        offset = claimed_offset(str(place))
        if offsets is None or offset is None or offset in offsets:
            continue
        accounts.append(str(account))
        sentences.append(f"{account} claims {place} but paid {spend:,.0f} {currency} for ads")
    if not accounts:
        return []
    return [
        _cue(
            "foreign_ad_currency",
            "ad spend in a currency foreign to the claimed place",
            accounts,
            len(members),
            "strong",
            sentences,
        )
    ]


def inauthenticity_cues(
    workspace: Workspace, members: list[str], runs: list[int], lookalike_domains: Sequence[str]
) -> list[dict[str, Any]]:
    """Every inauthenticity cue about ``members``, strongest first, each with its evidence.

    Each cue: ``cue`` (code), ``label`` (words), ``accounts`` (members concerned), ``share``
    (of members), ``strength`` (weak, moderate, strong) and up to three ``evidence``
    sentences.
    """
    cues = _evidence_cues(workspace, members, runs)
    cues += _both_sides(workspace, members, runs)
    cues += _schedule_cue(workspace, members)
    cues += _ad_currency_cue(workspace, members)
    if lookalike_domains:
        cues.append(
            _cue(
                "lookalike_domain",
                "look-alike news domains",
                [],
                len(members),
                "strong",
                [f"links to {', '.join(list(lookalike_domains)[:3])}"],
            )
        )
    cues.sort(key=lambda c: (-_LEVEL[str(c["strength"])], -int(c["accounts"]), str(c["cue"])))
    return cues


def coordination_axis(workspace: Workspace, members: list[str], runs: list[int]) -> dict[str, Any]:
    """The significant behavioural evidence between members: per signal, pairs and best q.

    ``strength``: strong when at least half of the member pairs are tied and the best edge
    has q <= 0.001, moderate when any behavioural pair is significant, none otherwise.
    ``n_tests`` is the co-action run's effective number of tests (pairs that co-acted).
    """
    rows = _member_rows(
        workspace,
        """
        SELECT signal, count(*) AS pairs, min(q_value) AS best_q,
               max(CAST(json_extract(details, '$.n_tests') AS BIGINT)) AS n_tests
        FROM evidence
        WHERE list_contains($1, run_id) AND subject_kind = 'pair' AND significant
          AND list_contains($2, subject_a) AND list_contains($2, subject_b)
        GROUP BY signal ORDER BY pairs DESC, signal
        """,
        members,
        runs,
    )
    kept = [(str(s), int(k), q, t) for s, k, q, t in rows if str(s) in COORDINATION_SIGNALS]
    signals: list[dict[str, Any]] = [
        {"signal": s, "pairs": k, "best_q": None if q is None else float(q)} for s, k, q, _ in kept
    ]
    tests = [int(t) for s, _, _, t in kept if s == "coaction" and t is not None]
    pairs = sum(k for _, k, _, _ in kept)
    n = len(members)
    possible = n * (n - 1) // 2
    qs = [float(q) for _, _, q, _ in kept if q is not None]
    best_q = min(qs) if qs else None
    density = pairs / possible if possible else 0.0
    if not signals:
        strength = "none"
    elif density >= 0.5 and (best_q is None or best_q <= 1e-3):
        strength = "strong"
    else:
        strength = "moderate"
    words = ", ".join(f"{s['pairs']} {str(s['signal']).replace('_', ' ')}" for s in signals)
    sentence = (
        f"{words} pairs significant among {n} accounts"
        if signals
        else ("no behavioural evidence between members")
    )
    if tests:
        sentence += f" (co-action: {max(tests):,} tests at this run)"
    return {
        "signals": signals,
        "pairs": pairs,
        "density": round(min(1.0, density), 4),
        "best_q": best_q,
        "n_tests": max(tests) if tests else None,
        "strength": strength,
        "sentence": sentence,
    }


def judge(coordination: dict[str, Any], cues: list[dict[str, Any]]) -> dict[str, Any]:
    """The verdict from the two axes, with the reason in words.

    >>> judge({"strength": "strong"}, [])["verdict"]
    'coordinated_authentic'
    >>> judge({"strength": "strong"}, [{"cue": "reused_photo", "strength": "strong"}])["verdict"]
    'cib'
    """
    strong = [c for c in cues if c["strength"] == "strong"]
    moderate = [c for c in cues if c["strength"] == "moderate"]
    if not cues:
        level = "none"
    elif strong or len(moderate) >= 2:
        level = "strong"
    elif moderate:
        level = "moderate"
    else:
        level = "weak"
    coordinated = coordination.get("strength", "none") != "none"
    if not coordinated:
        verdict = "inauthentic_uncoordinated"
    elif level == "strong":
        verdict = "cib"
    elif level == "none":
        verdict = "coordinated_authentic"
    else:
        verdict = "coordinated_unclear"
    named = ", ".join(f"{c['cue']} ({c['strength']})" for c in cues) or "none"
    return {
        "verdict": verdict,
        "label": VERDICTS[verdict],
        "inauthenticity": level,
        "reason": f"coordination {coordination.get('strength', 'none')}; "
        f"inauthenticity cues: {named}",
    }


def network_axes(
    workspace: Workspace, members: list[str], runs: list[int], lookalike_domains: Sequence[str]
) -> dict[str, Any]:
    """``coordination``, ``inauthenticity`` (level and cues) and ``verdict`` of one network."""
    coordination = coordination_axis(workspace, members, runs)
    cues = inauthenticity_cues(workspace, members, runs, lookalike_domains)
    verdict = judge(coordination, cues)
    return {
        "coordination": coordination,
        "inauthenticity": {"strength": verdict["inauthenticity"], "cues": cues},
        "verdict": verdict["verdict"],
        "verdict_label": verdict["label"],
        "verdict_reason": verdict["reason"],
    }


def verdict_rank(verdict: str | None) -> int:
    """Position of a verdict in network lists (CIB first; unknown verdicts last)."""
    return VERDICT_ORDER.index(verdict) if verdict in VERDICT_ORDER else len(VERDICT_ORDER)
