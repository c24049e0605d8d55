"""Attribution hypothesis: who is likely behind a network, and how sure we are.

Kept apart from the coordination score on purpose: a network can be certainly coordinated
and still impossible to attribute. The hypothesis rests on three kinds of cue, each stated:

- **time zone**: an office shift at a UTC offset (see :mod:`cibwatch.fingerprints.schedule`)
  names candidate countries at that offset; a shift that fits the claimed place reveals
  nothing about the operators;
- **language**: text in a script other than the personas' claimed language (Cyrillic or Chinese
  characters inside English or German posts) and the languages the network posts in;
- **infrastructure**: look-alike or generated domains the network links to.

The confidence level follows simple, documented rules (see :func:`attribute`), and the wording
never claims more than the cues: it says "consistent with" and always says that the network is
not attributed to a government or organisation, which only outside evidence can do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cibwatch.fingerprints.schedule import fits_claimed

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: Countries whose main (standard) time zone is at each offset; illustrative, not exhaustive.
COUNTRIES_AT_OFFSET: Final[dict[int, tuple[str, ...]]] = {
    -8: ("United States (Pacific)", "Canada (Pacific)"),
    -7: ("United States (Mountain)", "Mexico (Pacific)"),
    -6: ("United States (Central)", "Mexico", "Central America"),
    -5: ("United States (Eastern)", "Canada (Eastern)", "Colombia", "Peru"),
    -4: ("Venezuela", "Bolivia", "Caribbean"),
    -3: ("Brazil", "Argentina", "Uruguay"),
    0: ("United Kingdom", "Ireland", "Portugal", "Ghana", "Senegal"),
    1: ("Germany", "France", "Italy", "Spain", "Poland", "Nigeria"),
    2: ("Ukraine", "Romania", "Greece", "Egypt", "South Africa", "Israel"),
    3: ("Russia (Moscow)", "Belarus", "Turkey", "Saudi Arabia", "Kenya"),
    4: ("United Arab Emirates", "Azerbaijan", "Georgia", "Armenia"),
    5: ("Pakistan", "Uzbekistan"),
    6: ("Bangladesh", "Kazakhstan (east)"),
    7: ("Vietnam", "Thailand", "Indonesia (west)"),
    8: ("China", "Hong Kong", "Taiwan", "Singapore", "Malaysia", "Philippines"),
    9: ("Japan", "South Korea", "North Korea"),
    10: ("Australia (east)", "Russia (Vladivostok)"),
}

_SCRIPTS: Final = {
    "Cyrillic": r"[\x{0400}-\x{04FF}]",
    "Chinese": r"[\x{4E00}-\x{9FFF}]",
    "Arabic": r"[\x{0600}-\x{06FF}]",
}


def _language_cues(workspace: Workspace) -> tuple[list[str], list[dict[str, Any]]]:
    """Foreign-script traces in Latin-script posts, and the network's languages.

    Reads the temp table ``_dossier_members`` that :func:`cibwatch.dossier.build_dossier`
    fills with the network's accounts.
    """
    member_posts = """
        SELECT p.* FROM posts p
        JOIN _dossier_members m ON m.account = p.platform || ':' || p.account_id
    """
    languages = workspace.query(
        f"SELECT coalesce(language, 'unknown') AS language, count(*) AS posts "
        f"FROM ({member_posts}) GROUP BY 1 ORDER BY posts DESC, 1 LIMIT 5"
    )
    cues = []
    for script, pattern in _SCRIPTS.items():
        row = workspace.connection.execute(
            f"SELECT count(*) FROM ({member_posts}) WHERE language IN ('en', 'de', 'fr', 'es') "
            f"AND regexp_matches(text, '{pattern}')"
        ).fetchone()
        n = int(row[0]) if row else 0
        if n:
            cues.append(f"{n} posts labelled as a Latin-script language contain {script} text")
    return cues, languages


def attribute(workspace: Workspace, dossier: Any) -> dict[str, Any]:
    """The attribution hypothesis of a network from its dossier (schedule, domains, text).

    Confidence: **high** needs an office shift placed with at least 80% probability that
    contradicts the claimed location, plus a language or infrastructure cue; **medium** needs
    an office shift whose 90% credible range spans at most three offsets and that does not
    merely fit the claimed place; otherwise **low**.
    """
    schedule = dossier.schedule
    reasons: list[str] = []
    offset = schedule.get("offset")
    kind = schedule.get("kind")
    claimed = schedule.get("claimed_offset")
    credible = list(schedule.get("credible") or [])
    reveals = kind == "office" and offset is not None
    if reveals and claimed is not None and fits_claimed(credible, claimed):
        reveals = False
        reasons.append(
            f"the office shift at UTC{offset:+d} fits the claimed location, so it may follow "
            "the audience rather than reveal the operators"
        )
    elif reveals:
        reasons.append(
            f"posts follow an office shift at UTC{offset:+d} "
            f"({schedule.get('probability', 0):.0%} probability)"
        )
        if claimed is not None:
            reasons.append(
                f"the accounts claim a location at UTC{claimed:+d}, which the likely operator "
                f"offsets ({_range(credible or [offset])}) do not fit"
            )
    else:
        reasons.append("the posting schedule reveals no operator time zone")
    cues, languages = _language_cues(workspace)
    reasons.extend(cues)
    domains = [d["domain"] for d in dossier.lookalike_domains]
    if domains:
        reasons.append(
            f"links to {len(domains)} look-alike or generated domains ({', '.join(domains[:5])})"
        )
    strong_zone = reveals and schedule.get("probability", 0) >= 0.8 and claimed is not None
    if strong_zone and (cues or domains):
        confidence = "high"
    elif reveals and 0 < len(credible) <= 3:
        confidence = "medium"
    else:
        confidence = "low"
    # candidate countries over the credible offsets, the most likely offset first
    ordered = sorted(credible, key=lambda o: (o != offset, abs(o - (offset or 0))))
    countries = [c for o in ordered for c in COUNTRIES_AT_OFFSET.get(o, ())[:3]] if reveals else []
    if reveals and offset is not None:
        zone = f"UTC{offset:+d}"
        if len(credible) > 1:
            zone = f"{_range(credible)} (most likely UTC{offset:+d})"
        where = f" such as {', '.join(countries[:6])}" if countries else ""
        wording = (
            f"Consistent with operators working office hours in {zone}, in countries{where}. "
            "Not attributed to a government or an organisation."
        )
    else:
        wording = (
            "The evidence does not point to where the operators are. "
            "Not attributed to a government or an organisation."
        )
    return {
        "confidence": confidence,
        "operator_offset": offset if reveals else None,
        "credible_offsets": credible if reveals else [],
        "candidate_countries": countries,
        "languages": languages,
        "reasons": reasons,
        "wording": wording,
    }


def _range(offsets: list[int]) -> str:
    low, high = min(offsets), max(offsets)
    return f"UTC{low:+d}" if low == high else f"UTC{low:+d} to UTC{high:+d}"
