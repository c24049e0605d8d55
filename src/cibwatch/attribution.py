"""Attribution hypothesis: who is likely behind a network, and how sure we are.

Kept apart from the coordination score on purpose: a network can be certainly coordinated
and still impossible to attribute. Candidate countries come from three kinds of cue read
together, each stated, and each first sorted into what it can say:

- **time zone**: the posting schedule (:mod:`cibwatch.fingerprints.schedule`) says where the
  operators are only when its rhythm is the operators' own day (alignment ``operator``:
  hours that contradict where the personas claim to be). Hours that follow the audience's
  day (``target``), or that cannot be told apart (``undetermined``), say nothing about the
  operators, and the wording says that their zone cannot be read from timing;
- **language**: the language the personas write in is a *target* cue when it is their
  audience's language (German personas claiming Berlin); it points to the operators only
  when it does not fit where the personas claim to be, or as traces of another script in
  Latin-script posts (Cyrillic or Chinese characters inside English or German posts);
- **claimed places**: where the personas pose, hence whom they target; never the operators;
- **infrastructure**: look-alike or generated domains the network links to.

Candidate countries are those at the operator offsets, narrowed to the countries the
operator language cues point to when both exist; with no operator offset, the language
cues alone name them. The confidence level follows documented rules (see
:func:`attribute`), and the wording never claims more than the cues: it says "consistent
with" and always says that the network is not attributed to a government or organisation,
which only outside evidence can do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cibwatch.fingerprints.places import language_code, language_offsets

if TYPE_CHECKING:
    import duckdb

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
    1: ("Germany", "France", "Italy", "Spain", "Poland", "Serbia", "Nigeria"),
    2: ("Ukraine", "Romania", "Bulgaria", "Greece", "Egypt", "South Africa", "Israel"),
    3: ("Russia (Moscow)", "Belarus", "Turkey", "Saudi Arabia", "Iraq", "Kenya"),
    4: ("United Arab Emirates", "Azerbaijan", "Georgia", "Armenia", "Russia (Samara)"),
    5: ("Pakistan", "Uzbekistan", "Russia (Yekaterinburg)"),
    6: ("Bangladesh", "Kazakhstan (east)"),
    7: ("Vietnam", "Thailand", "Indonesia (west)"),
    8: ("China", "Hong Kong", "Taiwan", "Singapore", "Malaysia", "Philippines"),
    9: ("Japan", "South Korea", "North Korea"),
    10: ("Australia (east)", "Russia (Vladivostok)"),
}

#: Countries where each script or language is the main written one (for operator cues).
SCRIPT_COUNTRIES: Final[dict[str, tuple[str, ...]]] = {
    "Cyrillic": ("Russia", "Belarus", "Ukraine", "Bulgaria", "Serbia", "Kazakhstan"),
    "Chinese": ("China", "Taiwan", "Hong Kong", "Singapore"),
    "Arabic": ("Saudi Arabia", "Egypt", "Iraq", "United Arab Emirates", "Iran", "Pakistan"),
}
LANGUAGE_COUNTRIES: Final[dict[str, tuple[str, ...]]] = {
    "ru": ("Russia", "Belarus", "Ukraine", "Kazakhstan"),
    "uk": ("Ukraine",),
    "zh": ("China", "Taiwan", "Hong Kong", "Singapore"),
    "ar": SCRIPT_COUNTRIES["Arabic"][:5],
    "fa": ("Iran",),
    "de": ("Germany", "Austria"),
    "fr": ("France",),
    "es": ("Spain", "Mexico", "Colombia", "Argentina"),
    "en": ("United States", "United Kingdom"),
}

_SCRIPTS: Final = {
    "Cyrillic": r"[\x{0400}-\x{04FF}]",
    "Chinese": r"[\x{4E00}-\x{9FFF}]",
    "Arabic": r"[\x{0600}-\x{06FF}]",
}


_SHAPES: Final = {"office shift": "an office shift", "human day": "an ordinary human day"}


def _country(name: str) -> str:
    return name.split(" (")[0]


def _language_cues(
    workspace: Workspace, dossier: Any, member_posts: duckdb.DuckDBPyRelation | None
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Foreign-script traces in Latin-script posts (script -> posts), and the languages.

    One pass over the members' posts: the languages are its groups and each script's
    traces a filtered count in them.
    """
    counts = ", ".join(
        f"count(*) FILTER (WHERE language IN ('en', 'de', 'fr', 'es') "
        f"AND regexp_matches(text, '{pattern}')) AS {script.lower()}"
        for script, pattern in _SCRIPTS.items()
    )
    sql = (
        f"SELECT coalesce(language, 'unknown') AS language, count(*) AS posts, {counts} "
        "FROM member_posts GROUP BY 1"
    )
    if member_posts is not None:
        found = member_posts.query("member_posts", sql)
        rows = found.fetchall() if found is not None else []
    else:
        rows = workspace.connection.execute(
            f"WITH member_posts AS (SELECT language, text FROM posts "
            f"WHERE platform || ':' || account_id IN (SELECT unnest(?))) {sql}",
            [list(dossier.members)],
        ).fetchall()
    ordered = sorted(rows, key=lambda row: (-int(row[1]), str(row[0])))
    languages = [{"language": row[0], "posts": int(row[1])} for row in ordered[:5]]
    traces: dict[str, int] = {}
    for index, script in enumerate(_SCRIPTS, start=2):
        posts = sum(int(row[index]) for row in rows)
        if posts:
            traces[script] = posts
    return traces, languages


def _main_language(languages: list[dict[str, Any]]) -> str | None:
    """The language of at least half of the posts with a known language, as a code."""
    known = [r for r in languages if language_code(str(r["language"]))]
    total = sum(int(r["posts"]) for r in languages if r["language"] != "unknown")
    if not known or not total or int(known[0]["posts"]) * 2 < total:
        return None
    return language_code(str(known[0]["language"]))


def attribute(
    workspace: Workspace, dossier: Any, member_posts: duckdb.DuckDBPyRelation | None = None
) -> dict[str, Any]:
    """The attribution hypothesis of a network from its dossier (schedule, domains, text).

    The text cues are read from ``member_posts``, a relation of the posts of the network's
    members on the workspace's connection (with at least ``language`` and ``text``), as
    :func:`cibwatch.dossier.build_dossier` has found them once for all of its figures;
    without it they are selected from the workspace's ``posts`` by ``dossier.members``
    (``platform:account_id`` keys), a scan of every post.

    Confidence: **high** needs an operator-aligned schedule placed with at least 80%
    probability plus an operator language cue or look-alike domains; **medium** needs an
    operator-aligned schedule whose 90% credible range spans at most three offsets;
    otherwise **low** (no operator time zone: language traces alone never go higher).
    """
    schedule = dossier.schedule
    reasons: list[str] = []
    offset = schedule.get("offset")
    credible = [int(o) for o in schedule.get("credible") or []]
    aligned = schedule.get("alignment", "undetermined")
    zones = [int(z) for z in schedule.get("persona_zones") or []]
    source = str(schedule.get("persona_source") or "")
    reveals = aligned == "operator" and offset is not None and bool(credible)
    if reveals:
        shape = _SHAPES.get(str(schedule.get("hypothesis")), "a schedule")
        reasons.append(
            f"posts follow {shape} at UTC{offset:+d} "
            f"({schedule.get('probability', 0):.0%} probability; 90% credible "
            f"{_range(credible)}); the personas {source} ({_range(zones)}), which these "
            "hours do not fit: the operators' own day"
        )
    elif aligned == "target":
        reasons.append(
            f"the posting hours follow the day of the personas' audience ({source}, "
            f"{_range(zones)}), so they do not show where the operators are"
        )
    elif zones and credible and offset is not None:
        reasons.append(
            f"the posting hours (90% credible {_range(credible)}) overlap the personas' place "
            f"({source}, {_range(zones)}) without fitting it, so they do not show whose day "
            "they follow"
        )
    else:
        reasons.append("the posting schedule does not show whose day it follows")
    traces, languages = _language_cues(workspace, dossier, member_posts)
    operator_countries: list[str] = []
    for script, n in traces.items():
        reasons.append(f"{n} posts labelled as a Latin-script language contain {script} text")
        operator_countries += SCRIPT_COUNTRIES[script]
    main = _main_language(languages)
    if main is not None:
        audience = set(language_offsets(main))
        if not zones or audience & set(zones) or source.startswith("write in"):
            reasons.append(
                f"the personas write in their audience's language ({main}): a cue to the "
                "target, not to the operators"
            )
        else:
            reasons.append(
                f"the personas write in {main}, which does not fit where they claim to be "
                f"({source}): a cue to the operators"
            )
            operator_countries += LANGUAGE_COUNTRIES.get(main, ())
    domains = [d["domain"] for d in dossier.lookalike_domains]
    if domains:
        reasons.append(
            f"links to {len(domains)} look-alike or generated domains ({', '.join(domains[:5])})"
        )
    operator_countries = list(dict.fromkeys(operator_countries))
    ordered = sorted(credible, key=lambda o: (o != offset, abs(o - (offset or 0))))
    at_offsets = [c for o in ordered for c in COUNTRIES_AT_OFFSET.get(o, ())] if reveals else []
    if reveals and operator_countries:
        both = [c for c in at_offsets if _country(c) in operator_countries]
        countries = both or at_offsets[:6]
    elif reveals:
        # a few countries of each credible offset, the most likely offset first
        countries = [c for o in ordered for c in COUNTRIES_AT_OFFSET.get(o, ())[:3]][:6]
    else:
        countries = operator_countries[:6]
    if reveals and schedule.get("probability", 0) >= 0.8 and (operator_countries or domains):
        confidence = "high"
    elif reveals and len(credible) <= 3:
        confidence = "medium"
    else:
        confidence = "low"
    such_as = f" such as {', '.join(countries[:6])}" if countries else ""
    if reveals and offset is not None:
        zone = f"UTC{offset:+d}"
        if len(credible) > 1:
            zone = f"{_range(credible)} (most likely UTC{offset:+d})"
        working = (
            "working office hours"
            if schedule.get("hypothesis") == "office shift"
            else "posting through their own day"
        )
        wording = f"Consistent with operators {working} in {zone}, in countries{such_as}."
    else:
        why = (
            "the posting hours follow the audience's day"
            if aligned == "target"
            else "the posting schedule does not show whose day it follows"
        )
        wording = f"The operators' time zone cannot be read from timing: {why}."
        if countries:
            wording += f" Language traces point to countries{such_as}."
    wording += " Not attributed to a government or an organisation."
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
    if not offsets:
        return "unknown"
    low, high = min(offsets), max(offsets)
    return f"UTC{low:+d}" if low == high else f"UTC{low:+d} to UTC{high:+d}"
