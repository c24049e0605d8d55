"""The words a report and the dashboard use: summaries written from the data, labels, glossary.

The dashboard's network page and the report's sections say the same thing about a network,
so the sentences are written once, here, from a dossier (:class:`cibwatch.dossier.Dossier`
as a plain mapping) and the names analysts gave. Nothing here reads the workspace.

>>> q_text(4.1e-158)
'below 1e-30'
>>> q_text(0.0032)
'0.0032'
>>> signal_label("coaction")
'Acted on the same objects within seconds (co-action)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from cibwatch.networks import Q_CAP, SCORE_WEIGHTS

#: What each evidence signal means, in the words of a report.
SIGNAL_LABELS: Final[dict[str, str]] = {
    "coaction": "Acted on the same objects within seconds (co-action)",
    "cross_platform": "Same person behind accounts on several platforms",
    "reused_photo": "Profile photo reused by another account",
    "copied_bio": "Profile text copied from another account",
    "patterned_handle": "Handle built from a pattern",
    "persona_mismatch": "Persona contradicts itself (photo, name, place)",
    "creation_burst": "Created in a burst with other accounts",
    "lookalike_domain": "Look-alike or generated domain",
    "profile_link": "Profile links to another account of the network",
    "near_duplicate_text": "Posted near-identical text",
    "recidivism": "Matches an indicator of a known operation",
    "stance": "Takes a side on a divisive issue",
    "both_sides": "Personas take both sides of an issue",
}
#: What the accounts did, for "its accounts ...": pair signals as verbs.
SIGNAL_VERBS: Final[dict[str, str]] = {
    "coaction": "acted on the same objects within seconds of each other",
    "cross_platform": "look like one operator's accounts across platforms",
    "reused_photo": "reuse each other's profile photos",
    "copied_bio": "copy each other's profile texts",
    "profile_link": "link to each other in their profiles",
    "near_duplicate_text": "post near-identical texts",
}
#: The glossary printed in the report and linked from the dashboard.
GLOSSARY: Final[tuple[tuple[str, str], ...]] = (
    (
        "Action",
        "One thing an account did to an object: shared a post or a link, used a hashtag, "
        "posted a text or an image, replied to or mentioned someone.",
    ),
    (
        "Object",
        "What an action was about: a post, a URL, a domain, a hashtag, a text, an image.",
    ),
    (
        "Co-action",
        "Two accounts acting on the same object within a short window (seconds), more often "
        "than chance predicts.",
    ),
    (
        "p-value",
        "How likely a pair's shared objects are if the two accounts acted independently; "
        "small means unlikely to be chance.",
    ),
    (
        "q-value",
        "A p-value corrected for the number of pairs tested (false discovery rate): a pair is "
        "kept when its q-value is below the chosen rate (5% by default).",
    ),
    (
        "Network",
        "Accounts tied by significant evidence of several signals, found by clustering the "
        "graph of those ties (Leiden).",
    ),
    (
        "Both-sides score",
        "On a divisive issue, 1 when the network's personas split evenly between the two "
        "sides and 0 when all take one side: a network on both sides stirs division.",
    ),
    (
        "Look-alike domain",
        "A domain imitating a known outlet (spiegel.ltd for spiegel.de) or generated in "
        "series (reportgae.top, rpeortage.online).",
    ),
    (
        "Indicator",
        "A value another platform or researcher can search for: a domain, URL, handle, "
        "account id, IP address or file hash.",
    ),
    (
        "TLP",
        "Traffic Light Protocol: who may receive shared indicators (CLEAR: anyone; "
        "AMBER: the recipient's organisation).",
    ),
)
#: What each part of the score measures (the weights come from the assembly).
SCORE_PARTS: Final[dict[str, str]] = {
    "coordination": "how strong the typical tie between two members is (median fused "
    "-log10 q of a pair, 10 or more counts as 1)",
    "density": "the share of member pairs tied by significant evidence",
    "breadth": "how many distinct objects the coordination touched (50 or more counts as 1)",
    "lookalike": "how many look-alike domains the members link to (3 or more counts as 1)",
}


def q_text(q: float | None) -> str:
    """A q-value as a reader takes it in (no 4.1e-158)."""
    if q is None:
        return "not tested"
    if q <= Q_CAP:
        return f"below {Q_CAP:.0e}".replace("e-", "e-")
    if q < 1e-4:
        return f"{q:.0e}"
    return f"{q:.2g}"


def signal_verb(signal: str) -> str:
    """What accounts tied by ``signal`` did, as a verb phrase."""
    return SIGNAL_VERBS.get(signal, "share " + signal_label(signal).lower())


def signal_label(signal: str) -> str:
    """The reading name of an evidence signal (the signal itself when unknown)."""
    return SIGNAL_LABELS.get(signal, signal.replace("_", " "))


def when(value: Any) -> str:
    """A time in the one zone every page states: ``2024-03-04 06:13 UTC``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return str(value.strftime("%Y-%m-%d %H:%M UTC"))
    return str(value)


def day(value: Any) -> str:
    """A date (or the date of a time) as ``2024-03-04``."""
    text = when(value)
    return text[:10] if text else ""


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _listing(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def score_sentence(score: float, parts: Mapping[str, float]) -> str:
    """The score and how it is made, as a sentence."""
    terms = [f"{SCORE_WEIGHTS.get(k, 0):g} x {k} {float(v):.2f}" for k, v in parts.items()]
    return f"Score {score:.2f} = " + " + ".join(terms) + "."


def attribution_sentences(attribution: Mapping[str, Any]) -> list[str]:
    """The attribution hypothesis as sentences: wording, confidence, reasons, languages."""
    if not attribution:
        return ["No attribution hypothesis: the evidence points to no operator location."]
    out = []
    if wording := attribution.get("wording"):
        confidence = attribution.get("confidence", "undetermined")
        out.append(f"{str(wording).rstrip('.')}. Confidence: {confidence}.")
    reasons = [str(r) for r in attribution.get("reasons") or []]
    if reasons:
        out.append("Why: " + "; ".join(reasons) + ".")
    languages = attribution.get("languages") or []
    if languages:
        parts = [f"{lang['language']} ({lang['posts']:,} posts)" for lang in languages]
        out.append("Languages of its posts: " + _listing(parts) + ".")
    out.append(
        "Attribution is kept apart from the score: coordination can be certain while "
        "who runs it is not."
    )
    return out


def network_summary(dossier: Mapping[str, Any], name: str | None = None) -> str:
    """A paragraph saying who, what, where, how big, how found, with what confidence."""
    label = f"{name} ({dossier['network_id']})" if name else f"Network {dossier['network_id']}"
    assets = dossier.get("assets") or []
    per_platform: dict[str, int] = {}
    for a in assets:
        per_platform[a["platform"]] = per_platform.get(a["platform"], 0) + int(a["assets"])
    where = _listing([f"{n} on {p}" for p, n in sorted(per_platform.items(), key=lambda x: -x[1])])
    activity = dossier.get("activity") or {}
    posts = int(activity.get("posts") or 0)
    text = [
        f"{label} is {_count(len(dossier.get('members') or []), 'account')} ({where})"
        f" that posted {_count(posts, 'post')}"
        + (
            f" between {day(activity.get('first_post'))} and {day(activity.get('last_post'))}"
            if activity.get("first_post")
            else ""
        )
        + "."
    ]
    signals = sorted(
        dossier.get("evidence_by_signal") or [], key=lambda s: -int(s.get("pairs") or 0)
    )
    if signals:
        found = [f"{signal_verb(s['signal'])} ({s['pairs']:,} pairs)" for s in signals]
        text.append("It was found because its accounts " + _listing(found) + ".")
    domains = dossier.get("lookalike_domains") or []
    if domains:
        shown = [str(d["domain"]) for d in domains[:4]]
        more = f" and {len(domains) - 4} more" if len(domains) > 4 else ""
        text.append(
            f"They link to {_count(len(domains), 'look-alike domain')} ({', '.join(shown)}{more})."
        )
    targets = [t["target"] for t in dossier.get("targets") or [] if t.get("kind") == "country"]
    if targets:
        text.append("It targets " + _listing(targets) + ".")
    spend = dossier.get("ad_spend") or []
    if spend:
        money = [
            f"{s['currency']} {s['spend_min'] or 0:,.0f}-{s['spend_max'] or 0:,.0f} "
            f"on {s['ads']} ads"
            for s in spend
        ]
        text.append("It paid for ads: " + _listing(money) + ".")
    schedule = dossier.get("schedule") or {}
    if schedule.get("sentence"):
        first = str(schedule["sentence"]).split(". ")[0].rstrip(".")
        counted = re.match(r"([\d,]+ posts): (.*)", first)  # "1904 posts: an office shift..."
        if counted:
            first = f"({counted.group(1)}): {counted.group(2)}"
        text.append(f"Schedule{' ' if counted else ': '}{first}.")
    attribution = dossier.get("attribution") or {}
    if attribution.get("wording"):
        text.append(
            f"Attribution ({attribution.get('confidence', 'undetermined')} confidence): "
            f"{str(attribution['wording']).split('. ')[0].rstrip('.')}."
        )
    verdict = dossier.get("verdict") or {}
    if verdict.get("label"):
        text.append(f"Verdict: {str(verdict['label']).rstrip('.')}.")
    text.append(f"Score {float(dossier.get('score') or 0):.2f} of 1.")
    return " ".join(text)


def network_brief(dossier: Mapping[str, Any], name: str | None = None) -> str:
    """One or two sentences on a network for the executive summary."""
    label = f"{name} ({dossier['network_id']})" if name else f"Network {dossier['network_id']}"
    platforms = sorted({a["platform"] for a in dossier.get("assets") or []})
    posts = int((dossier.get("activity") or {}).get("posts") or 0)
    signals = sorted(
        dossier.get("evidence_by_signal") or [], key=lambda s: -int(s.get("pairs") or 0)
    )[:2]
    how = _listing([signal_verb(s["signal"]) for s in signals])
    text = (
        f"{label}: {_count(len(dossier.get('members') or []), 'account')} on "
        f"{_listing(platforms)}, {_count(posts, 'post')}"
    )
    domains = dossier.get("lookalike_domains") or []
    if domains:
        text += f", {_count(len(domains), 'look-alike domain')}"
    targets = [t["target"] for t in dossier.get("targets") or [] if t.get("kind") == "country"]
    if targets:
        text += f", aimed at {_listing(targets)}"
    text += f"; found because its accounts {how}." if how else "."
    verdict = dossier.get("verdict") or {}
    if verdict.get("label"):
        text += f" Verdict: {str(verdict['label']).rstrip('.')}."
    attribution = dossier.get("attribution") or {}
    if attribution.get("operator_offset") is not None:
        text += (
            f" Operators most likely work in UTC{int(attribution['operator_offset']):+d} "
            f"({attribution.get('confidence', 'undetermined')} confidence)."
        )
    return text


def executive_summary(
    networks: Sequence[Mapping[str, Any]],
    totals: Mapping[str, int],
    names: Mapping[str, str],
    statuses: Mapping[str, str],
) -> list[str]:
    """The report's opening paragraphs: what was examined, what was found, how sure."""
    n = len(networks)
    first = (
        f"We examined {totals.get('posts', 0):,} posts by {totals.get('accounts', 0):,} "
        f"accounts and found {_count(n, 'network')} of coordinated accounts"
    )
    if not n:
        return [first + "."]
    platforms = sorted({a["platform"] for d in networks for a in d.get("assets") or []})
    accounts = sum(len(d.get("members") or []) for d in networks)
    out = [first + f" ({accounts:,} accounts on {_listing(platforms)})."]
    for d in networks:
        nid = d["network_id"]
        status = statuses.get(nid)
        review = (
            f"Case status: {status.replace('_', ' ')}."
            if status
            else "Not reviewed by an analyst yet."
        )
        out.append(network_brief(d, names.get(nid)) + " " + review)
    out.append(
        "Each network was found by statistical tests on what its accounts did together "
        "(tests corrected for the number of pairs examined), then by clustering; "
        "attribution is a separate hypothesis with its own confidence."
    )
    return out
