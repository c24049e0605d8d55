"""Near-duplicate clusters and texts joined into narratives across languages.

Two units are one narrative when the rare anchors they share (see
:mod:`cibwatch.narratives.anchors`) weigh enough; every link keeps its anchors as evidence.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from cibwatch.errors import ConfigError
from cibwatch.narratives.anchors import text_anchors

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: A link needs this score: the sum of its shared anchors' weights (see ``anchor_weight``).
LINK_THRESHOLD: Final = 1.6
#: ... and at least this many shared anchors, unless an exact anchor (url, image) is one.
MIN_ANCHORS: Final = 2
#: Units further apart in time than this are never linked (their first/last posts).
LINK_WINDOW_DAYS: Final = 21.0
#: Countries, capitals and blocs are named in most political posts whatever one corpus
#: says: their weight is capped, so sharing only "Ukraine" and "Europe" never links.
BROAD_CAP: Final = 0.2
#: Exact anchors (the same url, article path or picture) are the same object, not a word
#: in common: their weight counts double.
EXACT_KINDS: Final = ("url", "path", "image")
#: Anchors held by more than this share of units (and more than ``MIN_MAX_DF`` units) weigh
#: nothing: they cannot be evidence.
MAX_DF_SHARE: Final = 0.02
MIN_MAX_DF: Final = 10
#: Texts read per unit (a near-duplicate cluster's variants say the same thing).
TEXTS_PER_UNIT: Final = 5


@dataclass(frozen=True)
class NarrativeLink:
    """Why two units are one narrative: the anchors they share and the summed weight."""

    unit_a: str
    unit_b: str
    score: float
    anchors: tuple[tuple[str, float], ...]  # (anchor, weight), heaviest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_a": self.unit_a,
            "unit_b": self.unit_b,
            "score": self.score,
            "anchors": [{"anchor": a, "weight": w} for a, w in self.anchors],
        }


@dataclass
class NarrativeLinking:
    """Units (near-duplicate clusters and texts) joined into cross-language narratives.

    ``post_narrative`` maps a post key to its narrative id (the id of the narrative's earliest
    unit) and ``post_unit`` to its unit; ``units`` lists each narrative's units; ``links``
    holds the evidence of every link made; ``languages`` the languages of each narrative's
    posts; ``parameters`` the settings used.
    """

    post_narrative: dict[str, str] = field(default_factory=dict)
    post_unit: dict[str, str] = field(default_factory=dict)
    units: dict[str, list[str]] = field(default_factory=dict)
    links: list[NarrativeLink] = field(default_factory=list)
    languages: dict[str, list[str]] = field(default_factory=dict)
    parameters: dict[str, float] = field(default_factory=dict)

    def evidence(self, narrative: str, posts: Sequence[str] = ()) -> list[dict[str, Any]]:
        """The links that joined ``narrative``'s units, strongest first.

        Links touching the units of ``posts`` (say a leader's and a follower's post) come
        first, those joining two of them before all others.
        """
        mine = set(self.units.get(narrative, ()))
        near = {self.post_unit[p] for p in posts if p in self.post_unit}
        found = [link for link in self.links if link.unit_a in mine]
        found.sort(key=lambda x: (-len(near & {x.unit_a, x.unit_b}), -x.score, x.unit_a))
        return [link.as_dict() for link in found]


class _Units:
    """Union-find over unit ids (same post -> same unit; anchors -> same narrative)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _unit_posts(workspace: Workspace) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Base units: text clusters and exact texts, joined when they hold the same post."""
    rows = workspace.connection.execute(
        "SELECT platform || ':' || post_id, object_type || ':' || object_id FROM actions "
        "WHERE object_type IN ('text_cluster', 'text') ORDER BY 1, 2"
    ).fetchall()
    sets = _Units()
    post_unit: dict[str, str] = {}
    for post, unit in rows:
        post_unit.setdefault(str(post), str(unit))
        sets.union(post_unit[str(post)], str(unit))
    members: dict[str, list[str]] = defaultdict(list)
    for post, unit in post_unit.items():
        members[sets.find(unit)].append(post)
    return dict(members), {p: sets.find(u) for p, u in post_unit.items()}


def _unit_facts(
    workspace: Workspace, post_unit: dict[str, str], sizes: dict[str, int]
) -> tuple[dict[str, dict[str, bool]], dict[str, tuple[Any, Any]], dict[str, set[str]]]:
    """Anchors, time span and languages of each unit, read in two queries."""
    anchors: dict[str, dict[str, bool]] = defaultdict(dict)
    span: dict[str, tuple[Any, Any]] = {}
    langs: dict[str, set[str]] = defaultdict(set)
    texts: dict[str, set[str]] = defaultdict(set)
    con = workspace.connection
    rows = con.execute(
        "SELECT p.platform || ':' || p.post_id AS k, p.text, p.language, p.created_at "
        "FROM posts p SEMI JOIN (SELECT DISTINCT platform, post_id FROM actions "
        "WHERE object_type IN ('text_cluster', 'text')) USING (platform, post_id)"
    ).fetchall()
    for key, text, lang, t in rows:
        unit = post_unit.get(str(key))
        if unit is None:
            continue
        lo, hi = span.get(unit, (t, t))
        span[unit] = (min(lo, t), max(hi, t))
        if lang:
            langs[unit].add(str(lang))
        if text and len(texts[unit]) < TEXTS_PER_UNIT and text not in texts[unit]:
            texts[unit].add(str(text))
            anchors[unit].update(text_anchors(str(text)))
    objects = con.execute(
        "SELECT DISTINCT x.platform || ':' || x.post_id, x.object_type, x.object_id "
        "FROM actions x SEMI JOIN (SELECT DISTINCT platform, post_id FROM actions "
        "WHERE object_type IN ('text_cluster', 'text')) USING (platform, post_id) "
        "WHERE x.object_type IN ('url', 'image')"
    ).fetchall()
    carried: dict[tuple[str, str], int] = defaultdict(int)
    for key, kind, obj in objects:
        unit = post_unit.get(str(key))
        if unit is not None:
            carried[(unit, f"{kind}:{obj}")] += 1
    for (unit, anchor), count in carried.items():
        # a unit's own link or picture, carried by at least half its posts: a generic text
        # posted by many people with their own links says nothing about those links
        if 2 * count < sizes[unit]:
            continue
        anchors[unit][anchor] = False
        kind, _, obj = anchor.partition(":")
        path = obj.partition("/")[2]
        if kind == "url" and path.count("/") >= 1 and len(path) >= 12:  # an article, not a home
            anchors[unit][f"path:{path}"] = False
    return dict(anchors), span, langs


def _weights(anchors: dict[str, dict[str, bool]], n_units: int, max_df: int) -> dict[str, float]:
    """Anchor weight: inverse document frequency over units, normalised to 0..1.

    Anchors held by more than ``max_df`` units weigh nothing: they cannot be evidence.
    """
    df: dict[str, int] = defaultdict(int)
    broad: dict[str, bool] = {}
    for found in anchors.values():
        for anchor, is_broad in found.items():
            df[anchor] += 1
            broad[anchor] = is_broad
    scale = math.log(max(n_units, 3))
    out: dict[str, float] = {}
    for anchor, count in df.items():
        weight = math.log(max(n_units, 3) / count) / scale if count <= max_df else 0.0
        if broad[anchor]:
            weight = min(weight, BROAD_CAP)
        if anchor.split(":", 1)[0] in EXACT_KINDS:
            weight *= 2
        out[anchor] = round(weight, 4)
    return out


def link_narratives(
    workspace: Workspace,
    *,
    threshold: float = LINK_THRESHOLD,
    min_anchors: int = MIN_ANCHORS,
    window_days: float = LINK_WINDOW_DAYS,
) -> NarrativeLinking:
    """Join near-duplicate clusters and exact texts into narratives across languages.

    Two units are linked when the anchors they share (numbers and figures, gazetteer names,
    other names by spelling key, the same url, article path or picture) weigh at least
    ``threshold`` in all, they share ``min_anchors`` anchors or an exact one, and their
    time spans lie within ``window_days`` of each other. An anchor's weight is its inverse
    document frequency over units, scaled to 0..1 (``ln(N/df) / ln N``), capped at
    ``BROAD_CAP`` for countries and blocs and doubled for exact anchors. Linked units are
    joined transitively. Nothing is learned or downloaded: every link names its anchors.
    """
    if threshold <= 0 or min_anchors < 1 or window_days < 0:
        raise ConfigError(
            "threshold must be > 0, min_anchors >= 1 and window_days >= 0, got "
            f"{threshold}, {min_anchors}, {window_days}"
        )
    members, post_unit = _unit_posts(workspace)
    anchors, span, langs = _unit_facts(
        workspace, post_unit, {unit: len(posts) for unit, posts in members.items()}
    )
    weight = _weights(
        anchors, len(members), max(MIN_MAX_DF, math.ceil(MAX_DF_SHARE * len(members)))
    )
    holders: dict[str, list[str]] = defaultdict(list)
    for unit, found in anchors.items():
        for anchor in found:
            if weight[anchor] > BROAD_CAP:  # broad names only add to links found otherwise
                holders[anchor].append(unit)
    pairs: set[tuple[str, str]] = set()
    for units in holders.values():
        units.sort()
        pairs.update((a, b) for i, a in enumerate(units) for b in units[i + 1 :])
    window = timedelta(days=window_days)
    sets = _Units()
    links: list[NarrativeLink] = []
    for a, b in sorted(pairs):
        (a_lo, a_hi), (b_lo, b_hi) = span[a], span[b]
        if b_lo - a_hi > window or a_lo - b_hi > window:
            continue
        common = anchors[a].keys() & anchors[b].keys()
        # the same url holds the same path: count the article once
        common -= {f"path:{x[4:].partition('/')[2]}" for x in common if x.startswith("url:")}
        shared = sorted(
            ((x, weight[x]) for x in common if weight[x] > 0), key=lambda xw: (-xw[1], xw[0])
        )
        score = round(sum(w for _, w in shared), 4)
        exact = any(x.split(":", 1)[0] in EXACT_KINDS for x, _ in shared)
        if score >= threshold and (len(shared) >= min_anchors or exact):
            links.append(NarrativeLink(a, b, score, tuple(shared)))
            sets.union(a, b)
    first = {unit: span[unit][0] for unit in members if unit in span}
    narratives: dict[str, list[str]] = defaultdict(list)
    for unit in members:
        narratives[sets.find(unit)].append(unit)
    linking = NarrativeLinking(
        parameters={
            "threshold": threshold,
            "min_anchors": float(min_anchors),
            "window_days": window_days,
            "broad_cap": BROAD_CAP,
        }
    )
    rename: dict[str, str] = {}
    for root, units in narratives.items():
        units.sort(key=lambda u: (first.get(u, datetime.max), u))
        name = units[0]
        rename[root] = name
        linking.units[name] = units
        linking.languages[name] = sorted({lang for u in units for lang in langs.get(u, ())})
    for unit, posts in members.items():
        name = rename[sets.find(unit)]
        for post in posts:
            linking.post_narrative[post] = name
    linking.links = links
    linking.post_unit = post_unit
    return linking
