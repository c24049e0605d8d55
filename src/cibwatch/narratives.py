# ruff: noqa: RUF001, RUF002  (Cyrillic letters in the gazetteer are on purpose)
"""Narratives across operations: where a narrative first appears and who repeats it later.

A *narrative unit* is chosen by ``unit``:

- ``"text_cluster"``: a near-duplicate text cluster (written by the near-duplicate detector;
  the same message with words changed, in one language);
- ``"text"``: an exact text (normalised, see :mod:`cibwatch.actions`);
- ``"url"``: a shared url;
- ``"narrative"``: clusters and texts joined across languages by :func:`link_narratives`,
  through anchors no translation changes: figures ("47%", "2.4 billion" = "2,4 Milliarden" =
  "2,4 млрд"), names (a small gazetteer of countries, leaders and organisations in English,
  German and Russian; other capitalised names by a spelling key that agrees across Latin and
  Cyrillic), the same url, article path or picture. Each anchor weighs its rarity (inverse
  document frequency over units, scaled to 0..1; countries capped, so "Ukraine" and "Europe"
  alone never link); a link needs a summed weight of ``LINK_THRESHOLD`` from two anchors (or
  one exact one) within ``LINK_WINDOW_DAYS``, and keeps its anchors as evidence.

An *actor* is a network (its id) or a *source*: an account outside every given network that
posted a narrative first overall (a state outlet's channel, say). For every narrative, each
actor's first post is its appearance; when a network's first appearance comes after another
actor's, the network repeats that actor's narrative with a lag. :func:`narrative_overlaps`
aggregates lags per (leader, follower) pair; :func:`network_narratives` lists one network's
top narratives with their first appearance overall.

>>> linking = link_narratives(workspace)  # doctest: +SKIP
>>> lags = narrative_overlaps(workspace, unit="narrative", linking=linking)  # doctest: +SKIP
>>> lags[0]["sentence"]  # doctest: +SKIP
"network N-b repeats source telegram:7's narratives 4.06 days later (...)"
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from cibwatch.errors import ConfigError
from cibwatch.networks import Network, stored_networks

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

UNITS: Final = ("text_cluster", "text", "url", "narrative")
#: Examples kept per overlap, earliest narratives first.
EXAMPLES: Final = 3
SNIPPET_CHARS: Final = 160
_DAY: Final = 86400.0
#: Members as a relation: lists passed as parameters, so nothing is created or registered.
_VIEW: Final = "(SELECT unnest($accounts) AS account, unnest($networks) AS network)"

Networks = Iterable[Network] | Mapping[str, Sequence[str]]


# ---------------------------------------------------------------------------------------
# Cross-language narratives: linking units through language-independent anchors


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

#: Names in several languages and scripts, one concept each. ``True`` marks broad names
#: (countries, capitals, blocs). Russian entries are stems: case endings are cut first.
GAZETTEER: Final[dict[str, tuple[bool, tuple[str, ...]]]] = {
    "ukraine": (True, ("ukraine", "ukrainian", "ukrainisch", "украин")),
    "russia": (True, ("russia", "russian", "russland", "russisch", "росси", "русск")),
    "germany": (True, ("germany", "german", "germans", "deutschland", "deutsch", "германи")),
    "europe": (True, ("europe", "european", "europa", "europäisch", "европ")),
    "eu": (True, ("eu", "ес", "евросоюз")),
    "usa": (True, ("us", "usa", "america", "american", "amerika", "сша", "америк")),
    "nato": (True, ("nato", "нато")),
    "west": (True, ("west", "western", "westen", "westlich", "запад")),
    "china": (True, ("china", "chinese", "chinesisch", "кита")),
    "poland": (True, ("poland", "polish", "polen", "polnisch", "польш")),
    "france": (True, ("france", "french", "frankreich", "франци")),
    "uk": (True, ("uk", "britain", "british", "großbritannien", "британи")),
    "kyiv": (True, ("kyiv", "kiev", "kiew", "киев")),
    "moscow": (True, ("moscow", "moskau", "москв")),
    "berlin": (True, ("berlin", "берлин")),
    "brussels": (True, ("brussels", "brüssel", "брюссел")),
    "washington": (True, ("washington", "вашингтон")),
    "zelensky": (False, ("zelensky", "zelenskyy", "selenskyj", "зеленск")),
    "scholz": (False, ("scholz", "шольц")),
    "baerbock": (False, ("baerbock", "бербок")),
    "macron": (False, ("macron", "макрон")),
    "biden": (False, ("biden", "байден")),
    "pentagon": (False, ("pentagon", "пентагон")),
    "bundeswehr": (False, ("bundeswehr", "бундесвер")),
    "bundestag": (False, ("bundestag", "бундестаг")),
    "rheinmetall": (False, ("rheinmetall", "рейнметалл")),
    "imf": (False, ("imf", "iwf", "мвф")),
}
_GAZ_INDEX: Final = {v: (k, broad) for k, (broad, vs) in GAZETTEER.items() for v in vs}
#: Cyrillic entries match as prefixes too (adjectives and compounds: "украинский").
_GAZ_STEMS: Final = tuple(
    (v, hit) for v, hit in _GAZ_INDEX.items() if len(v) >= 4 and not v.isascii()
)
#: Russian case endings, longest first, cut before a gazetteer look-up or a name key.
# fmt: off
_RU_ENDINGS: Final = (
    "ами", "ями", "ого", "его", "ому", "ему", "ой", "ей", "ом", "ем", "ов", "ев", "ам", "ям",
    "ах", "ях", "ию", "ия", "ии", "ие", "а", "я", "ы", "и", "у", "ю", "е", "ь",
)  # longest first
_TRANSLIT: Final = str.maketrans(
    "абвгдеёзийклмнопрстуфхыэäöüéèáóíłńśżźčšž", "abvgdeeziiklmnoprstufhyeaoueeaoilnszzcsz",
    "ъь",
) | str.maketrans({"ж": "zh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ю": "yu",
                   "я": "ya", "ß": "ss"})
#: Spellings that differ between transliteration schemes, folded to one.
_FOLDS: Final = (
    ("kh", "h"), ("ph", "f"), ("ck", "k"), ("q", "k"), ("w", "v"), ("y", "i"), ("j", "i"),
)
#: Words written with a capital inside English/German sentences that are no names.
_NOT_NAMES: Final = frozenset((
    "the", "this", "that", "these", "those", "there", "their", "they", "what", "when",
    "where", "which", "who", "why", "how", "and", "but", "for", "not", "you", "your", "our",
    "his", "her", "its", "new", "breaking", "read", "here", "sign", "share", "please",
    "watch", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem",
    "einer", "und", "oder", "aber", "nicht", "sie", "wir", "ihr", "es", "er", "man", "wer",
    "wie", "was", "wo", "warum",
))
# fmt: on
_URL_RE: Final = re.compile(r"https?://\S+|www\.\S+")
_TOKEN_RE: Final = re.compile(r"[#@]?[^\W\d_][^\W\d_'’]*|[.!?:;]")
_NUMBER_RE: Final = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,  ]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])\s*(%|[^\W\d_]+\.?)?"
)
_MULTIPLIERS: Final = (
    (("billion", "bn", "milliard", "mrd", "млрд", "миллиард"), 1e9),
    (("million", "mio", "mln", "млн", "миллион"), 1e6),
    (("thousand", "tausend", "тыс", "тысяч"), 1e3),
)
_PERCENT: Final = ("%", "percent", "prozent", "процент")
#: Words that belong to a figure ("Milliarden", "Prozent"), never names.
_FIGURE_WORDS: Final = tuple(p for prefixes, _ in _MULTIPLIERS for p in prefixes) + _PERCENT[1:]


def _ru_stem(word: str) -> str:
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=65_536)
def _gazetteer(word: str) -> tuple[str, bool] | None:
    """The concept a word names, if the gazetteer knows it (cached: words repeat a lot)."""
    low = word.lower()
    for candidate in (low, _ru_stem(low), low.removesuffix("s"), low.removesuffix("n")):
        hit = _GAZ_INDEX.get(candidate)
        # short variants ("US", "EU") only as capitals: "us" is a pronoun
        if hit is not None and (len(candidate) > 3 or word.isupper()):
            return hit
    if not low.isascii():
        for stem, hit in _GAZ_STEMS:
            if low.startswith(stem):
                return hit
    return None


@lru_cache(maxsize=65_536)
def name_key(word: str) -> str:
    """A spelling key for a name across scripts: ``Харлан Восс`` and ``Harlan Voss`` agree.

    >>> name_key("Восса"), name_key("Voss"), name_key("Kolesnyk"), name_key("Колесника")
    ('vos', 'vos', 'kolesnik', 'kolesnik')
    >>> name_key("Sowa"), name_key("Сова"), name_key("Lindqvist"), name_key("Линдквист")
    ('sov', 'sov', 'lindkvist', 'lindkvist')
    """
    low = word.lower()
    if not low.isascii():
        low = _ru_stem(low)
    key = low.translate(_TRANSLIT)
    for a, b in _FOLDS:
        key = key.replace(a, b)
    key = re.sub(r"(.)\1+", r"\1", re.sub(r"[^a-z]", "", key))
    # a final vowel is often a case ending ("Сова", "Sowa"; "Мальте", "Malte"): drop it
    return key[:-1] if len(key) >= 4 and key[-1] in "aeiou" else key


def _number(whole: str, frac: str | None, unit: str | None) -> str | None:
    digits = re.sub(r"[.,  ]", "", whole)
    value = float(f"{digits}.{frac}" if frac else digits)
    word = (unit or "").lower().rstrip(".")
    if any(word.startswith(p) for p in _PERCENT):
        return f"num:{value:g}%"
    for prefixes, factor in _MULTIPLIERS:
        if any(word.startswith(p) for p in prefixes):
            return f"num:{value * factor:g}"
    if value < 10 and not frac:  # small counts ("3 men") are in every other post
        return None
    return f"num:{value:g}"


def text_anchors(text: str) -> dict[str, bool]:
    """Language-independent anchors of one text, each with whether it is broad.

    Numbers (``num:47%``, ``num:2.4e+09`` from "2.4 billion", "2,4 Milliarden" or
    "2,4 млрд"), gazetteer concepts (``ent:ukraine``) and other capitalised names by their
    spelling key (``name:vos``; names opening a sentence are skipped, as every sentence
    opens with a capital).

    >>> sorted(text_anchors("Inspector Harlan Voss: 47% of arms for Ukraine vanished"))
    ['ent:ukraine', 'name:harlan', 'name:vos', 'num:47%']
    """
    clean = _URL_RE.sub(" ", text)
    found: dict[str, bool] = {}
    for match in _NUMBER_RE.finditer(clean):
        anchor = _number(match.group(1), match.group(2), match.group(3))
        if anchor is not None:
            found[anchor] = False
    opening = True
    for token in _TOKEN_RE.findall(clean):
        if token in ".!?:;":
            opening = True
            continue
        if token[0] in "#@":
            opening = False
            continue
        hit = _gazetteer(token)
        if hit is not None:
            found[f"ent:{hit[0]}"] = hit[1]
        elif (
            token[0].isupper()
            and not opening
            and len(token) >= 4
            and token.lower() not in _NOT_NAMES
            and not token.lower().startswith(_FIGURE_WORDS)
        ):
            key = name_key(token)
            if len(key) >= 3:
                found.setdefault(f"name:{key}", False)
        opening = False
    return found


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


def _membership(workspace: Workspace, networks: Networks | None) -> dict[str, list[str]]:
    if networks is None:
        networks = stored_networks(workspace)
    if isinstance(networks, Mapping):
        return {str(k): [str(m) for m in v] for k, v in networks.items()}
    return {n.network_id: list(n.members) for n in networks}


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise ConfigError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")


def _source_sql(unit: str) -> str:
    """The unit's rows as (object_id, account, platform, post_id, created_at)."""
    if unit != "narrative":
        return "(SELECT * FROM actions WHERE object_type = $unit)"
    # each text or cluster row of a post, renamed to the post's narrative (lists passed as
    # parameters, as for the members)
    return """(
        SELECT DISTINCT n.narrative AS object_id, x.account, x.platform, x.post_id, x.created_at
        FROM actions x
        JOIN (SELECT unnest($n_posts) AS post, unnest($n_ids) AS narrative) n
          ON x.platform || ':' || x.post_id = n.post
        WHERE x.object_type IN ('text_cluster', 'text')
    )"""


def _unit_params(
    workspace: Workspace, unit: str, linking: NarrativeLinking | None
) -> tuple[dict[str, Any], NarrativeLinking | None]:
    """Query parameters of a unit; for ``narrative``, the linking (computed if not given)."""
    if unit != "narrative":
        return {"unit": unit}, None
    if linking is None:
        linking = link_narratives(workspace)
    posts = sorted(linking.post_narrative)
    return {"n_posts": posts, "n_ids": [linking.post_narrative[p] for p in posts]}, linking


def _first_posts_sql(unit: str) -> str:
    """Per narrative: the first post overall and each network's first post (one query)."""
    return f"""
    WITH u AS (
        SELECT a.object_id AS narrative, a.account, a.platform, a.post_id, a.created_at,
               m.network
        FROM {_source_sql(unit)} a LEFT JOIN {_VIEW} m ON a.account = m.account
    ),
    overall AS (
        SELECT narrative,
               first(account ORDER BY created_at, account, post_id) AS account,
               first(platform || ':' || post_id ORDER BY created_at, account, post_id) AS post,
               min(created_at) AS t,
               first(network ORDER BY created_at, account, post_id) AS network
        FROM u GROUP BY narrative
    ),
    per_network AS (
        SELECT narrative, network AS actor, 'network' AS kind,
               first(account ORDER BY created_at, account, post_id) AS account,
               first(platform || ':' || post_id ORDER BY created_at, account, post_id) AS post,
               min(created_at) AS t
        FROM u WHERE network IS NOT NULL GROUP BY narrative, network
    ),
    sources AS (
        SELECT narrative, account AS actor, 'source' AS kind, account, post, t
        FROM overall WHERE network IS NULL
    )
    SELECT * FROM per_network UNION ALL SELECT * FROM sources
    """


def _member_params(membership: dict[str, list[str]]) -> dict[str, list[str]]:
    """Members as two parallel list parameters, unnested in SQL (no temporary table)."""
    pairs = sorted({(m, n) for n, members in membership.items() for m in members})
    return {"accounts": [m for m, _ in pairs], "networks": [n for _, n in pairs]}


def _snippets(workspace: Workspace, posts: set[str]) -> dict[str, str]:
    if not posts:
        return {}
    rows = workspace.connection.execute(
        "SELECT platform || ':' || post_id, text FROM posts "
        "WHERE list_contains($keys, platform || ':' || post_id)",
        {"keys": sorted(posts)},
    ).fetchall()
    return {str(k): (str(t or ""))[:SNIPPET_CHARS] for k, t in rows}


def _link_facts(linking: NarrativeLinking | None, item: Mapping[str, Any]) -> dict[str, Any]:
    """For the ``narrative`` unit: the narrative's languages and the links that joined it."""
    if linking is None:
        return {}
    narrative = str(item["narrative"])
    posts = [str(item[k]) for k in ("leader_post", "follower_post") if k in item]
    return {
        "languages": linking.languages.get(narrative, []),
        "links": linking.evidence(narrative, posts)[:EXAMPLES],
    }


def narrative_overlaps(
    workspace: Workspace,
    networks: Networks | None = None,
    *,
    unit: str = "text_cluster",
    min_shared: int = 2,
    linking: NarrativeLinking | None = None,
) -> list[dict[str, Any]]:
    """Lagged overlaps: network B repeats network A's (or source X's) narratives later.

    ``networks`` are :class:`~cibwatch.networks.Network` objects or a mapping of network id
    to member account keys (the latest stored networks by default). Returns one dict per
    ordered (leader, follower) pair whose follower is a network and who share at least
    ``min_shared`` narratives that the leader posted strictly first: ``leader``,
    ``leader_kind`` (``network``/``source``), ``follower``, ``shared``, ``lag_days_median``,
    ``lag_days_min``, ``lag_days_max``, ``lags_days`` (sorted), ``reverse`` (narratives both
    share where the follower came first), ``sentence`` and ``examples`` (narrative, leader's
    and follower's first post keys and times, lag, leader's text snippet). Sorted by
    ``shared`` descending, then by shortest median lag.
    """
    _check_unit(unit)
    if min_shared < 1:
        raise ConfigError(f"min_shared must be at least 1, got {min_shared}")
    membership = _membership(workspace, networks)
    params, linking = _unit_params(workspace, unit, linking)
    rows = workspace.connection.execute(
        _first_posts_sql(unit), {**params, **_member_params(membership)}
    ).fetchall()
    by_narrative: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for narrative, actor, kind, account, post, t in rows:
        by_narrative[str(narrative)].append((str(actor), str(kind), str(account), str(post), t))
    found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for narrative, actors in by_narrative.items():
        for lead, lead_kind, lead_acc, lead_post, lead_t in actors:
            kinds[lead] = lead_kind
            for fol, fol_kind, _fol_acc, fol_post, fol_t in actors:
                if fol_kind != "network" or fol == lead or not fol_t > lead_t:
                    continue
                found[(lead, fol)].append(
                    {
                        "narrative": narrative,
                        "leader_account": lead_acc,
                        "leader_post": lead_post,
                        "leader_time": lead_t,
                        "follower_post": fol_post,
                        "follower_time": fol_t,
                        "lag_days": round((fol_t - lead_t).total_seconds() / _DAY, 3),
                    }
                )
    kept = {k: v for k, v in found.items() if len(v) >= min_shared}
    examples = {
        k: sorted(v, key=lambda e: (e["leader_time"], e["narrative"]))[:EXAMPLES]
        for k, v in kept.items()
    }
    texts = _snippets(workspace, {e["leader_post"] for ex in examples.values() for e in ex})
    out: list[dict[str, Any]] = []
    for (lead, fol), hits in kept.items():
        lags = sorted(float(h["lag_days"]) for h in hits)
        median = round(statistics.median(lags), 3)
        who = f"source {lead}" if kinds[lead] == "source" else f"network {lead}"
        out.append(
            {
                "leader": lead,
                "leader_kind": kinds[lead],
                "follower": fol,
                "unit": unit,
                "shared": len(hits),
                "lag_days_median": median,
                "lag_days_min": lags[0],
                "lag_days_max": lags[-1],
                "lags_days": lags,
                "reverse": len(found.get((fol, lead), [])),
                "sentence": f"network {fol} repeats {who}'s narratives {median:g} days later "
                f"(median of {len(hits)} shared {unit.replace('_', ' ')}s, "
                f"shortest {lags[0]:g} days)",
                "examples": [
                    {**e, "text": texts.get(e["leader_post"], ""), **_link_facts(linking, e)}
                    for e in examples[(lead, fol)]
                ],
            }
        )
    out.sort(
        key=lambda o: (-int(o["shared"]), float(o["lag_days_median"]), o["leader"], o["follower"])
    )
    return out


def network_narratives(
    workspace: Workspace,
    members: Sequence[str],
    *,
    unit: str = "text_cluster",
    top: int = 5,
    linking: NarrativeLinking | None = None,
) -> list[dict[str, Any]]:
    """The ``top`` narratives of one network (most member posts first).

    Each dict: ``narrative``, ``posts`` and ``accounts`` (by members), ``platforms``,
    ``first_seen`` (members' first post time, post key and account), ``first_overall`` (the
    first post of anyone: time, account, post key, ``by_member``) and ``text`` (snippet of the
    members' first post).
    """
    _check_unit(unit)
    if top < 1:
        raise ConfigError(f"top must be at least 1, got {top}")
    params, linking = _unit_params(workspace, unit, linking)
    rows = workspace.connection.execute(
        f"""
        WITH u AS (
            SELECT a.*, a.platform || ':' || a.post_id AS post, m.network IS NOT NULL AS mem
            FROM {_source_sql(unit)} a LEFT JOIN {_VIEW} m ON a.account = m.account
        ),
        mine AS (
            SELECT object_id, count(DISTINCT post) AS posts,
                   count(DISTINCT account) AS accounts,
                   list(DISTINCT platform ORDER BY platform) AS platforms,
                   min(created_at) AS first_seen,
                   first(post ORDER BY created_at, account, post) AS first_post,
                   first(account ORDER BY created_at, account, post) AS first_account
            FROM u WHERE mem GROUP BY object_id
            ORDER BY posts DESC, first_seen, object_id LIMIT $top
        ),
        overall AS (
            SELECT object_id, min(created_at) AS t,
                   first(account ORDER BY created_at, account, post) AS account,
                   first(post ORDER BY created_at, account, post) AS post,
                   first(mem ORDER BY created_at, account, post) AS mem
            FROM u SEMI JOIN mine USING (object_id) GROUP BY object_id
        )
        SELECT mine.*, o.t, o.account, o.post, o.mem
        FROM mine JOIN overall o USING (object_id)
        ORDER BY posts DESC, first_seen, object_id
        """,
        {**params, "top": top, **_member_params({"network": list(members)})},
    ).fetchall()
    texts = _snippets(workspace, {str(r[5]) for r in rows})
    out: list[dict[str, Any]] = []
    for row in rows:
        obj, posts, accounts, platforms, first_seen, post, account = row[:7]
        t, o_account, o_post, o_mem = row[7:]
        out.append(
            {
                "narrative": str(obj),
                "posts": int(posts),
                "accounts": int(accounts),
                "platforms": [str(p) for p in platforms],
                "first_seen": {"time": first_seen, "post": str(post), "account": str(account)},
                "first_overall": {
                    "time": t,
                    "account": str(o_account),
                    "post": str(o_post),
                    "by_member": bool(o_mem),
                },
                "text": texts.get(str(post), ""),
                **_link_facts(linking, {"narrative": str(obj)}),
            }
        )
    return out
