"""Schedules of every account, network or given group in a workspace (``cibwatch schedule``).

Each unit's row says which hypothesis fits its hours (:mod:`cibwatch.fingerprints.schedule`),
the offset with its 90% credible range and probability, and whether the rhythm looks like
the **operator's** own day, like **the target** audience's day, or cannot be told
(``undetermined``): the fitted offsets are compared with where the personas claim to be
(their claimed locations) or, when no account says, with where their language's audience
lives. English personas claiming the US and posting in US hours are ``target``: the
operators may be anywhere, and the row says their zone cannot be read from timing.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from cibwatch.errors import ConfigError, InputError
from cibwatch.fingerprints.places import claimed_offsets, language_code, language_offsets
from cibwatch.fingerprints.schedule import ScheduleFit, fit_week

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

COLUMNS: Final = (
    "unit",
    "posts",
    "hypothesis",
    "offset",
    "offset_low",
    "offset_high",
    "probability",
    "alignment",
    "weekend_share",
    "finding",
)
#: Share of the located accounts an offset needs to count as one of the personas' zones.
PLACE_SHARE: Final = 0.1
#: Share of the posts with a language that the main language needs to speak for a unit.
LANGUAGE_SHARE: Final = 0.5
#: Widest credible set (in offsets) that can still contradict the personas' place.
OPERATOR_WIDTH: Final = 3


def persona_zones(
    places: Mapping[str, int], languages: Mapping[str, int]
) -> tuple[frozenset[int], str]:
    """Standard offsets of the personas' claimed place (else their language's audience).

    ``places``: claimed location -> accounts; ``languages``: language -> posts. Returns the
    offsets and the words saying where they come from ("" when nothing says).

    >>> sorted(persona_zones({"Houston, TX": 3, "nowhere": 5}, {"en": 40})[0])
    [-6]
    >>> persona_zones({}, {"Russian": 90, "English": 10})
    (frozenset({2, 3, 4}), 'write in Russian')
    """
    located = {p: claimed_offsets(p) for p in places}
    total = sum(n for p, n in places.items() if located[p])
    # share of the located accounts at each offset: personas spread over a country's
    # cities still point to its zones even when no one city holds many of them
    share: dict[int, float] = {}
    for place, n in places.items():
        for offset in located[place]:
            share[offset] = share.get(offset, 0.0) + n / total
    zones = {o for o, s in share.items() if s >= PLACE_SHARE}
    named = [
        p
        for p, n in sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))
        if set(located[p]) & zones
    ]
    if zones:
        more = f" and {len(named) - 3} more places" if len(named) > 3 else ""
        return frozenset(zones), f"claim to be in {', '.join(named[:3])}{more}"
    coded: dict[str, int] = {}
    for lang, n in languages.items():
        code = language_code(lang)
        if code:
            coded[lang] = coded.get(lang, 0) + n
    labelled = sum(languages.values())
    if coded and labelled:
        lang, n = max(coded.items(), key=lambda kv: (kv[1], kv[0]))
        if n >= LANGUAGE_SHARE * labelled:
            return frozenset(language_offsets(lang)), f"write in {lang}"
    return frozenset(), ""


def alignment(fit: ScheduleFit, zones: frozenset[int]) -> str:
    """``target``, ``operator`` or ``undetermined`` (see the module docstring).

    ``target``: every credible offset is a zone of the personas (or an hour east of one, for
    daylight saving). ``operator``: a credible range of at most :data:`OPERATOR_WIDTH`
    offsets with none of them there. Round-the-clock hours pin no zone: undetermined.
    """
    if fit.offset is None or not zones or fit.hypothesis == "round-the-clock":
        return "undetermined"
    credible = set(fit.credible)
    near = set(zones) | {z + 1 for z in zones}
    if credible <= near:
        return "target"
    if not credible & near and len(credible) <= OPERATOR_WIDTH:
        return "operator"
    return "undetermined"


def _zones_words(zones: frozenset[int]) -> str:
    low, high = min(zones), max(zones)
    return f"UTC{low:+d}" if low == high else f"UTC{low:+d} to UTC{high:+d}"


def alignment_words(fit: ScheduleFit, zones: frozenset[int], source: str, aligned: str) -> str:
    """The alignment in a sentence, saying when the operators' zone cannot be read."""
    if fit.offset is None:
        return ""
    if not zones:
        return (
            " Nothing says where the personas claim to be, so whether these are the "
            "operators' hours or their audience's cannot be told."
        )
    where = f"The personas {source} ({_zones_words(zones)}, standard time)"
    if aligned == "target":
        return (
            f" {where}: the hours follow that audience's day, so the operators' time zone "
            "cannot be read from timing."
        )
    if aligned == "operator":
        gap = min(abs(fit.offset - z) for z in zones)
        return f" {where}, at least {gap} hours away: the hours look like the operators' own day."
    return f" {where}; the hours neither fit nor contradict that place: undetermined."


def profile_row(
    unit: str, fit: ScheduleFit, places: Mapping[str, int], languages: Mapping[str, int]
) -> dict[str, Any]:
    """One output row (see :data:`COLUMNS`) for a fitted unit and its personas' cues."""
    zones, source = persona_zones(places, languages)
    aligned = alignment(fit, zones)
    return {
        "unit": unit,
        "posts": fit.posts,
        "hypothesis": fit.hypothesis,
        "offset": fit.offset,
        "offset_low": fit.offset_low,
        "offset_high": fit.offset_high,
        "probability": round(fit.probability, 4),
        "alignment": aligned,
        "weekend_share": fit.weekend_share,
        "finding": fit.sentence() + alignment_words(fit, zones, source, aligned),
    }


def read_groups(path: Path) -> dict[str, str]:
    """``account_id,group`` rows of a CSV (with that header) as account -> group.

    An account listed twice with different groups is refused: a unit must be one set.
    """
    groups: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"account_id", "group"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(f"missing column(s) {', '.join(sorted(missing))}", file=str(path))
        for row_no, row in enumerate(reader, start=1):
            account = (row.get("account_id") or "").strip()
            group = (row.get("group") or "").strip()
            if not account or not group:
                field = "account_id" if not account else "group"
                raise InputError("empty value", file=str(path), row=row_no, field=field)
            if groups.get(account, group) != group:
                raise InputError(
                    f"account {account!r} is in groups {groups[account]!r} and {group!r}",
                    file=str(path),
                    row=row_no,
                    field="group",
                )
            groups[account] = group
    if not groups:
        raise InputError("no rows", file=str(path))
    return groups


# The unit of each post, by the kind of unit asked for; ads are left out everywhere (their
# times are delivery dates chosen by the platform, not the operator's hours).
_UNITS: Final = {
    "account": "SELECT p.platform || ':' || p.account_id AS unit, p.* FROM posts p",
    "network": """
        SELECT m.network_id AS unit, p.* FROM network_members m
        JOIN (SELECT max(run_id) AS run_id FROM networks) latest USING (run_id)
        JOIN posts p ON p.platform || ':' || p.account_id = m.account""",
    # equi-joins (bare id, platform-qualified id, handle as the source wrote it: ingest may
    # case-fold handle ids) instead of one OR join, which DuckDB runs as a nested loop; a
    # post matched several ways in one group counts once
    "group": """
        SELECT DISTINCT ON (unit, platform, post_id) * FROM (
            SELECT g.grp AS unit, p.* FROM posts p
            JOIN _schedule_groups g ON g.account_id = p.account_id
            UNION ALL
            SELECT g.grp AS unit, p.* FROM posts p
            JOIN _schedule_groups g ON g.account_id = p.platform || ':' || p.account_id
            UNION ALL
            SELECT g.grp AS unit, p.* FROM posts p
            JOIN accounts a USING (platform, account_id)
            JOIN _schedule_groups g ON g.account_id = a.handle)""",
}


def schedules(
    workspace: Workspace,
    *,
    by: str = "account",
    min_posts: int = 1,
    groups: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per account, network of the latest assembly, or group with its schedule.

    ``groups`` (account id as it appears in the source, ``platform:id`` or the handle ->
    group name) makes the units those groups, whatever ``by`` says.
    """
    con = workspace.connection
    if groups is not None:
        by = "group"
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _schedule_groups (account_id VARCHAR, grp VARCHAR)"
        )
        con.executemany("INSERT INTO _schedule_groups VALUES (?, ?)", list(groups.items()))
    elif by not in ("account", "network"):
        raise ConfigError(f"by must be 'account' or 'network', got {by!r}")
    units = f"SELECT * FROM ({_UNITS[by]}) WHERE coalesce(kind, '') <> 'ad'"
    hists: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for unit, how, n in con.execute(
        f"""SELECT unit, CAST(((epoch(created_at)::BIGINT // 3600 + 72) % 168) AS INTEGER),
                   count(*) FROM ({units}) GROUP BY 1, 2"""
    ).fetchall():
        hists.setdefault(str(unit), np.zeros(168))[int(how)] = float(n)
    places: dict[str, dict[str, int]] = {}
    for unit, place, n in con.execute(
        f"""SELECT u.unit, a.claimed_location, count(DISTINCT u.platform || ':' || u.account_id)
            FROM ({units}) u JOIN accounts a USING (platform, account_id)
            WHERE a.claimed_location IS NOT NULL GROUP BY 1, 2"""
    ).fetchall():
        places.setdefault(str(unit), {})[str(place)] = int(n)
    languages: dict[str, dict[str, int]] = {}
    for unit, lang, n in con.execute(
        f"SELECT unit, language, count(*) FROM ({units}) WHERE language IS NOT NULL GROUP BY 1, 2"
    ).fetchall():
        languages.setdefault(str(unit), {})[str(lang)] = int(n)
    if groups is not None:
        con.execute("DROP TABLE IF EXISTS _schedule_groups")
    return [
        profile_row(unit, fit_week(hist), places.get(unit, {}), languages.get(unit, {}))
        for unit, hist in sorted(hists.items())
        if hist.sum() >= min_posts
    ]
