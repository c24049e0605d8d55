"""Near-duplicate clusters and texts joined into narratives across languages.

Two units are one narrative when the rare anchors they share (see
:mod:`cibwatch.narratives.anchors`) weigh enough; every link keeps its anchors as evidence.

**Scale.** Linking runs in the workspace, not in Python memory: units, anchors, weights and
candidate pairs are DuckDB tables (spilled to disk beyond its memory limit), texts are read
in batches, and only the links found (and the union of units they join) are held in Python.
Candidate pairs come from *prefix filtering*: order every unit's anchors by weight, rarest
first (one global order); a pair whose shared weight reaches ``threshold`` shares an anchor
within both units' prefixes, the shortest runs of top anchors whose remaining weight is below
``threshold``. So only pairs sharing a rare anchor are compared, never all pairs holding a
common one, and the links are exactly those of comparing every pair.

The result is stored (tables ``narrative_posts``, ``narrative_units``, ``narrative_links``,
keyed by the run id of the ``narratives`` step in the run log) and read back by reports,
the dashboard and the exports through :func:`stored_linking` instead of being computed again.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa

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
#: Texts read from the workspace at a time (bounds Python memory whatever the corpus).
TEXT_BATCH: Final = 20_000
#: Working tables of one linking, dropped at its end whatever happens.
_TEMP_TABLES: Final = (
    "_n_first",
    "_n_root",
    "_n_text",
    "_n_anchor",
    "_n_ua",
    "_n_w",
    "_n_post_unit",
    "_n_uid",
    "_n_facts",
    "_n_posted",
    "_n_group",
    "_n_named",
)
#: The step's name in the run log.
STEP: Final = "narratives"

_DDL: Final = """
CREATE {temp} TABLE IF NOT EXISTS narrative_posts (
    run_id INTEGER NOT NULL, platform VARCHAR NOT NULL, post_id VARCHAR NOT NULL,
    unit VARCHAR NOT NULL, narrative VARCHAR NOT NULL
);
CREATE {temp} TABLE IF NOT EXISTS narrative_units (
    run_id INTEGER NOT NULL, unit VARCHAR NOT NULL, narrative VARCHAR NOT NULL,
    first_seen TIMESTAMP, last_seen TIMESTAMP, posts BIGINT, languages VARCHAR[]
);
CREATE {temp} TABLE IF NOT EXISTS narrative_links (
    run_id INTEGER NOT NULL, unit_a VARCHAR NOT NULL, unit_b VARCHAR NOT NULL,
    score DOUBLE NOT NULL, anchors JSON
);
"""


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


class _Lookup(Mapping[str, Any]):
    """A read-only mapping answered by SQL over one run's stored narratives (never loaded)."""

    def __init__(self, ws: Workspace | None, run_id: int | None, relation: str) -> None:
        self._ws, self._run, self._relation = ws, run_id, relation

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        if self._ws is None or self._run is None:
            return []
        return self._ws.connection.execute(
            f"SELECT {sql} FROM ({self._relation}) WHERE run_id = ?"
            + (" AND k = ?" if len(params) > 0 else ""),
            [self._run, *params],
        ).fetchall()

    def __getitem__(self, key: str) -> Any:
        rows = self._rows("v", [key])
        if not rows:
            raise KeyError(key)
        return rows[0][0]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(str(r[0]) for r in self._rows("k", [])))

    def __len__(self) -> int:
        return len(self._rows("k", []))


_POST_NARRATIVE: Final = (
    "SELECT run_id, platform || ':' || post_id AS k, narrative AS v FROM narrative_posts"
)
_POST_UNIT: Final = "SELECT run_id, platform || ':' || post_id AS k, unit AS v FROM narrative_posts"
_UNITS: Final = (
    "SELECT run_id, narrative AS k, list(unit ORDER BY first_seen NULLS LAST, unit) AS v "
    "FROM narrative_units GROUP BY run_id, narrative"
)
_LANGUAGES: Final = (
    "SELECT run_id, narrative AS k, "
    "list_sort(list_distinct(flatten(list(languages)))) AS v "
    "FROM narrative_units GROUP BY run_id, narrative"
)


@dataclass
class NarrativeLinking:
    """Units (near-duplicate clusters and texts) joined into cross-language narratives.

    A handle on one stored run of :func:`link_narratives` (``run_id``): ``post_narrative``
    maps a post key to its narrative id (the id of the narrative's earliest unit) and
    ``post_unit`` to its unit; ``units`` lists each narrative's units; ``languages`` the
    languages of each narrative's posts. These mappings are answered by the workspace, so
    a linking of millions of posts costs no memory. ``links`` holds the evidence of every
    link made and ``parameters`` the settings used. ``NarrativeLinking()`` links nothing
    (the step was skipped).
    """

    workspace: Workspace | None = None
    run_id: int | None = None
    links: list[NarrativeLink] = field(default_factory=list)
    parameters: dict[str, float] = field(default_factory=dict)
    _by_unit: dict[str, list[NarrativeLink]] | None = field(default=None, repr=False, compare=False)

    @property
    def post_narrative(self) -> Mapping[str, str]:
        return _Lookup(self.workspace, self.run_id, _POST_NARRATIVE)

    @property
    def post_unit(self) -> Mapping[str, str]:
        return _Lookup(self.workspace, self.run_id, _POST_UNIT)

    @property
    def units(self) -> Mapping[str, list[str]]:
        return _Lookup(self.workspace, self.run_id, _UNITS)

    @property
    def languages(self) -> Mapping[str, list[str]]:
        return _Lookup(self.workspace, self.run_id, _LANGUAGES)

    def posts_of(self, narrative: str) -> list[str]:
        """The keys ``platform:post_id`` of ``narrative``'s posts, sorted, in one query.

        Filtering ``post_narrative.items()`` would ask the workspace once per post of every
        narrative.
        """
        if self.workspace is None or self.run_id is None:
            return []
        rows = self.workspace.connection.execute(
            "SELECT platform || ':' || post_id AS k FROM narrative_posts "
            "WHERE run_id = ? AND narrative = ? ORDER BY k",
            [self.run_id, narrative],
        ).fetchall()
        return [str(r[0]) for r in rows]

    def bound(self, workspace: Workspace) -> NarrativeLinking:
        """The same linking read through another handle (another thread's cursor)."""
        if self.workspace is None:
            return self
        # the links' index goes along: built once per linking, not once per handle (a report
        # binds the linking once per network, over every link of the IRA tweets)
        self._index()
        return NarrativeLinking(
            workspace, self.run_id, self.links, self.parameters, _by_unit=self._by_unit
        )

    def evidence(self, narrative: str, posts: Sequence[str] = ()) -> list[dict[str, Any]]:
        """The links that joined ``narrative``'s units, strongest first.

        Links touching the units of ``posts`` (say a leader's and a follower's post) come
        first, those joining two of them before all others.
        """
        return self.facts([narrative], posts).evidence(narrative, posts)

    def facts(self, narratives: Iterable[str], posts: Iterable[str] = ()) -> LinkFacts:
        """Units and languages of ``narratives`` and the units of ``posts``, in three queries.

        A report asks for hundreds of narratives: one query each over a million stored posts
        took minutes on the IRA tweets; batched, it is three scans.
        """
        wanted = sorted(set(narratives))
        keys = sorted(set(posts))
        facts = LinkFacts(self)
        if self.workspace is None or self.run_id is None:
            return facts
        con = self.workspace.connection
        for narrative, units, languages in con.execute(
            "SELECT narrative, list(unit ORDER BY first_seen NULLS LAST, unit), "
            "list_sort(list_distinct(flatten(list(languages)))) FROM narrative_units "
            "WHERE run_id = $run AND narrative IN (SELECT unnest($wanted)) GROUP BY narrative",
            {"run": self.run_id, "wanted": wanted},
        ).fetchall():
            facts.units[str(narrative)] = [str(u) for u in units]
            facts.languages[str(narrative)] = [str(x) for x in languages]
        pairs = [k.split(":", 1) for k in keys if ":" in k]
        for platform, post_id, unit in con.execute(
            "SELECT n.platform, n.post_id, n.unit FROM narrative_posts n "
            "JOIN (SELECT unnest($platforms) AS platform, unnest($ids) AS post_id) w "
            "USING (platform, post_id) WHERE n.run_id = $run",
            {"run": self.run_id, "platforms": [p for p, _ in pairs], "ids": [i for _, i in pairs]},
        ).fetchall():
            facts.post_unit[f"{platform}:{post_id}"] = str(unit)
        return facts

    def links_from(self, unit: str) -> list[NarrativeLink]:
        """Links whose first unit is ``unit`` (indexed once per linking)."""
        return self._index().get(unit, [])

    def _index(self) -> dict[str, list[NarrativeLink]]:
        if self._by_unit is None:
            self._by_unit = defaultdict(list)
            for link in self.links:
                self._by_unit[link.unit_a].append(link)
        return self._by_unit


@dataclass
class LinkFacts:
    """Units and languages of some narratives, fetched at once (``NarrativeLinking.facts``)."""

    linking: NarrativeLinking
    units: dict[str, list[str]] = field(default_factory=dict)
    languages: dict[str, list[str]] = field(default_factory=dict)
    post_unit: dict[str, str] = field(default_factory=dict)

    def evidence(self, narrative: str, posts: Sequence[str] = ()) -> list[dict[str, Any]]:
        """As :meth:`NarrativeLinking.evidence`, from the facts fetched."""
        near = {self.post_unit[p] for p in posts if p in self.post_unit}
        found = [
            link for unit in self.units.get(narrative, ()) for link in self.linking.links_from(unit)
        ]
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


def _build_units(con: Any) -> None:
    """``_n_post_unit``: each post's unit (and its integer id), texts and clusters holding
    one post joined; ``_n_uid``: each unit's integer id, in the order of the unit ids.

    One aggregation over the actions gives each post its smallest and largest unit and its
    number of (text, cluster) actions: a post with two of them links those two, and only
    posts with more are read again. Those pairs go through Python's union-find: their number
    is bounded by clustered posts, not by all posts. A unit is named after its smallest
    member id (the root of the union-find), so a post's unit is the root of its smallest.
    Later phases join on the integer ids: hashing and comparing them is cheaper than the
    ids' strings.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _n_first AS
        SELECT platform, post_id, min(u) AS first, max(u) AS last, count(*) AS n FROM (
            SELECT platform, post_id, object_type || ':' || object_id AS u FROM actions
            WHERE object_type IN ('text_cluster', 'text')
        ) GROUP BY platform, post_id
        """
    )
    # distinct (unit, unit) pairs met on a post: a cluster's thousand posts with one text
    # are one pair, not a thousand
    edges = con.execute(
        """
        SELECT DISTINCT first, other FROM (
            SELECT first, last AS other FROM _n_first WHERE n = 2
            UNION ALL
            SELECT f.first, a.object_type || ':' || a.object_id AS other
            FROM _n_first f JOIN actions a USING (platform, post_id)
            WHERE f.n > 2 AND a.object_type IN ('text_cluster', 'text')
        ) WHERE other <> first
        """
    ).fetchall()
    sets = _Units()
    for first, other in edges:
        sets.union(str(first), str(other))
    roots = {u: sets.find(u) for u in sets.parent}
    con.execute("CREATE OR REPLACE TEMP TABLE _n_root (u VARCHAR, root VARCHAR)")
    if roots:
        table = pa.table({"u": list(roots), "root": list(roots.values())})
        con.register("_n_root_arrow", table)
        con.execute("INSERT INTO _n_root SELECT * FROM _n_root_arrow")
        con.unregister("_n_root_arrow")
    # a post's units are all in one set, whose root is its smallest member
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _n_first AS "
        "SELECT f.platform, f.post_id, coalesce(x.root, f.first) AS unit "
        "FROM _n_first f LEFT JOIN _n_root x ON x.u = f.first"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _n_uid AS "
        "SELECT unit, row_number() OVER (ORDER BY unit)::INTEGER AS id "
        "FROM (SELECT DISTINCT unit FROM _n_first)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _n_post_unit AS "
        "SELECT f.platform, f.post_id, f.unit, i.id FROM _n_first f JOIN _n_uid i USING (unit)"
    )
    con.execute("DROP TABLE _n_first")
    con.execute("DROP TABLE _n_root")


def _build_anchors(con: Any) -> None:
    """``_n_ua(id, anchor, broad)``: anchors of each unit's first texts, read in
    batches, and the links and pictures carried by at least half a unit's posts."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _n_anchor (id INTEGER, anchor VARCHAR, broad BOOLEAN)"
    )
    _facts(con)
    # temporary tables belong to this connection: batches are read by row number from one
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _n_text AS
        SELECT row_number() OVER (ORDER BY id, text) AS rn, id, text FROM (
            SELECT DISTINCT id, text FROM _n_posted WHERE text IS NOT NULL AND text <> ''
        ) QUALIFY row_number() OVER (PARTITION BY id ORDER BY text) <= {TEXTS_PER_UNIT}
        """
    )
    start = 1
    while batch := con.execute(
        "SELECT id, text FROM _n_text WHERE rn >= ? AND rn < ? ORDER BY rn",
        [start, start + TEXT_BATCH],
    ).fetchall():
        start += TEXT_BATCH
        units: list[int] = []
        anchors: list[str] = []
        broad: list[bool] = []
        for unit, text in batch:
            for anchor, is_broad in text_anchors(str(text)).items():
                units.append(unit)
                anchors.append(anchor)
                broad.append(is_broad)
        if units:
            arrow = pa.table({"id": pa.array(units, pa.int32()), "anchor": anchors, "broad": broad})
            con.register("_n_batch", arrow)
            con.execute("INSERT INTO _n_anchor SELECT * FROM _n_batch")
            con.unregister("_n_batch")
    con.execute("DROP TABLE _n_text")
    con.execute("DROP TABLE _n_posted")
    # a unit's own link or picture, carried by at least half its posts: a generic text
    # posted by many people with their own links says nothing about those links
    con.execute(
        """
        INSERT INTO _n_anchor
        WITH sizes AS (SELECT id, count(*) AS n FROM _n_post_unit GROUP BY id),
        carried AS (
            SELECT u.id, x.object_type || ':' || x.object_id AS anchor,
                   x.object_type AS kind, x.object_id AS obj, count(DISTINCT x.post_id) AS c
            FROM actions x JOIN _n_post_unit u USING (platform, post_id)
            WHERE x.object_type IN ('url', 'image') GROUP BY ALL
        ),
        own AS (
            SELECT c.id, c.anchor, c.kind, c.obj FROM carried c JOIN sizes s USING (id)
            WHERE 2 * c.c >= s.n
        )
        SELECT id, anchor, false FROM own
        UNION ALL
        SELECT id, 'path:' || path, false FROM (
            SELECT id, substring(obj, strpos(obj, '/') + 1) AS path FROM own
            WHERE kind = 'url' AND strpos(obj, '/') > 0
        ) WHERE strpos(path, '/') > 0 AND length(path) >= 12
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _n_ua AS "
        "SELECT id, anchor, bool_or(broad) AS broad FROM _n_anchor GROUP BY id, anchor"
    )
    con.execute("DROP TABLE _n_anchor")


def _weigh(con: Any, n_units: int) -> None:
    """``_n_w(id, anchor, w)``: each anchor's weight, inverse document frequency over
    units scaled to 0..1 (``ln(N/df) / ln N``); 0 above ``max_df`` units; broad names capped
    at ``BROAD_CAP``; exact anchors doubled. Anchors weighing 0 are dropped."""
    max_df = max(MIN_MAX_DF, math.ceil(MAX_DF_SHARE * n_units))
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _n_w AS
        WITH df AS (
            SELECT anchor, count(*) AS df, bool_or(broad) AS broad FROM _n_ua GROUP BY anchor
        ),
        w AS (
            SELECT anchor,
                   round(
                       CASE WHEN df > $max_df THEN 0.0
                            WHEN broad THEN least(ln($n / df) / ln($n), $cap)
                            ELSE ln($n / df) / ln($n) END
                       * CASE WHEN split_part(anchor, ':', 1) IN ('url', 'path', 'image')
                              THEN 2 ELSE 1 END,
                       4) AS w
            FROM df
        )
        SELECT u.id, u.anchor, w.w FROM _n_ua u JOIN w USING (anchor) WHERE w.w > 0
        """,
        {"max_df": max_df, "n": float(max(n_units, 3)), "cap": BROAD_CAP},
    )
    con.execute("DROP TABLE _n_ua")


def _facts(con: Any) -> None:
    """What the phases read from the units' posts, from one join with them:
    ``_n_posted(id, text, language, lo, hi, n)``, each unit's distinct texts (its posts mostly
    repeat a few) and ``_n_facts(id, first_seen, last_seen, posts, languages)``: each unit's
    time span (for the window) and what is stored about it."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _n_posted AS "
        "SELECT u.id, p.text, p.language, min(p.created_at) AS lo, max(p.created_at) AS hi, "
        "count(*) AS n FROM _n_post_unit u JOIN posts p USING (platform, post_id) GROUP BY ALL"
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _n_facts AS
        WITH by_language AS (  -- a few rows per unit: the ordered list below is cheap
            SELECT id, language, min(lo) AS lo, max(hi) AS hi, sum(n) AS n
            FROM _n_posted GROUP BY ALL
        )
        SELECT id, min(lo) AS first_seen, max(hi) AS last_seen, sum(n)::BIGINT AS posts,
               list(language ORDER BY language)
                   FILTER (WHERE language IS NOT NULL AND language <> '') AS languages
        FROM by_language GROUP BY id
        """
    )


def _links(con: Any, threshold: float, min_anchors: int, window_days: float) -> list[NarrativeLink]:
    """Pairs of units sharing enough anchor weight within the window, by prefix filtering.

    The window is tested on the pairs of the prefix join, before they are made distinct:
    most pairs a common rare anchor makes lie months apart. A pair's anchors are listed
    only once it is linked (one pair in ten on the IRA tweets).
    """
    rows = con.execute(
        """
        WITH spans AS (
            SELECT id, epoch(first_seen) AS lo, epoch(last_seen) AS hi FROM _n_facts
        ),
        ordered AS (
            SELECT id, anchor, w,
                   sum(w) OVER (PARTITION BY id ORDER BY w DESC, anchor
                                ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest
            FROM _n_w
        ),
        prefix AS (
            SELECT o.id, o.anchor, s.lo, s.hi FROM ordered o JOIN spans s USING (id)
            WHERE o.rest >= $t AND o.w > $cap
        ),
        near AS (
            SELECT DISTINCT x.id AS a, y.id AS b
            FROM prefix x JOIN prefix y ON x.anchor = y.anchor AND x.id < y.id
            WHERE NOT (y.lo - x.hi > $window OR x.lo - y.hi > $window)
        ),
        -- materialized: left free, the optimizer may join every unit's anchors with every
        -- other's on the anchor alone first (433 million rows on the IRA tweets, 30 s)
        held AS MATERIALIZED (
            SELECT n.a, n.b, x.anchor, x.w FROM near n JOIN _n_w x ON x.id = n.a
        ),
        shared AS (
            SELECT h.a, h.b, h.anchor, h.w
            FROM held h JOIN _n_w y ON y.id = h.b AND y.anchor = h.anchor
        ),
        counted AS (  -- the same url holds the same path: count the article once
            SELECT s.* FROM shared s ANTI JOIN (
                SELECT a, b, 'path:' || substring(anchor, strpos(anchor, '/') + 1) AS anchor
                FROM shared WHERE anchor LIKE 'url:%' AND strpos(anchor, '/') > 0
            ) u USING (a, b, anchor)
        ),
        scored AS (
            SELECT a, b, round(sum(w), 4) AS score FROM counted GROUP BY a, b
            HAVING round(sum(w), 4) >= $t
               AND (count(*) >= $min_anchors
                    OR bool_or(split_part(anchor, ':', 1) IN ('url', 'path', 'image')))
        ),
        linked AS (  -- ordered lists cost most: only for the pairs linked
            SELECT c.a, c.b, any_value(s.score) AS score,
                   list(c.anchor ORDER BY c.w DESC, c.anchor) AS anchors,
                   list(c.w ORDER BY c.w DESC, c.anchor) AS weights
            FROM counted c JOIN scored s USING (a, b) GROUP BY c.a, c.b
        )
        SELECT ua.unit, ub.unit, l.score, l.anchors, l.weights
        FROM linked l JOIN _n_uid ua ON ua.id = l.a JOIN _n_uid ub ON ub.id = l.b
        ORDER BY ua.unit, ub.unit
        """,
        {
            "t": threshold,
            "cap": BROAD_CAP,
            "window": window_days * 86400.0,
            "min_anchors": min_anchors,
        },
    ).fetchall()
    return [
        NarrativeLink(str(a), str(b), float(score), tuple(zip(anchors, weights, strict=True)))
        for a, b, score, anchors, weights in rows
    ]


def link_narratives(
    workspace: Workspace,
    *,
    threshold: float = LINK_THRESHOLD,
    min_anchors: int = MIN_ANCHORS,
    window_days: float = LINK_WINDOW_DAYS,
) -> NarrativeLinking:
    """Join near-duplicate clusters and exact texts into narratives across languages; store.

    Two units are linked when the anchors they share (numbers and figures, gazetteer names,
    other names by spelling key, the same url, article path or picture) weigh at least
    ``threshold`` in all, they share ``min_anchors`` anchors or an exact one, and their
    time spans lie within ``window_days`` of each other. An anchor's weight is its inverse
    document frequency over units, scaled to 0..1 (``ln(N/df) / ln N``), capped at
    ``BROAD_CAP`` for countries and blocs and doubled for exact anchors. Linked units are
    joined transitively. Nothing is learned or downloaded: every link names its anchors.

    The result is stored under a run of the run log (temporary tables for a read-only
    workspace) and returned as a handle on it; :func:`stored_linking` finds it again.
    """
    if threshold <= 0 or min_anchors < 1 or window_days < 0:
        raise ConfigError(
            "threshold must be > 0, min_anchors >= 1 and window_days >= 0, got "
            f"{threshold}, {min_anchors}, {window_days}"
        )
    parameters = {
        "threshold": threshold,
        "min_anchors": float(min_anchors),
        "window_days": window_days,
        "broad_cap": BROAD_CAP,
    }
    con = workspace.connection
    run_id = _run_id(workspace, parameters)
    try:
        _build_units(con)
        row = con.execute("SELECT count(*) FROM _n_uid").fetchone()
        n_units = int(row[0]) if row else 0
        _build_anchors(con)
        _weigh(con, n_units)
        links = _links(con, threshold, min_anchors, window_days)
        _store(workspace, run_id, links)
    except BaseException as exc:
        if not workspace.read_only:
            workspace.finish_run(run_id, status="failed", message=str(exc)[:1000])
        raise
    finally:
        for table in _TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    if not workspace.read_only:
        row = con.execute(
            "SELECT count(*) FROM narrative_posts WHERE run_id = ?", [run_id]
        ).fetchone()
        workspace.finish_run(run_id, input_rows=n_units, output_rows=int(row[0]) if row else 0)
    return NarrativeLinking(workspace, run_id, links, parameters)


def _run_id(workspace: Workspace, parameters: dict[str, float]) -> int:
    """A run-log id for this linking; a read-only workspace numbers its temporary runs."""
    if not workspace.read_only:
        return workspace.start_run(STEP, "link", parameters)
    workspace.connection.execute(_DDL.format(temp="TEMP"))
    row = workspace.connection.execute(
        "SELECT coalesce(max(run_id), 0) + 1 FROM narrative_units"
    ).fetchone()
    return -int(row[0]) if row else -1


def _store(workspace: Workspace, run_id: int, links: list[NarrativeLink]) -> None:
    """Write posts, units and links of ``run_id``: units joined along the links."""
    con = workspace.connection
    con.execute(_DDL.format(temp="TEMP" if workspace.read_only else ""))
    sets = _Units()
    for link in links:
        sets.union(link.unit_a, link.unit_b)
    # each narrative is named after its earliest unit (first post, then id)
    con.execute("CREATE OR REPLACE TEMP TABLE _n_group (unit VARCHAR, grp VARCHAR)")
    if sets.parent:
        table = pa.table({"unit": list(sets.parent), "grp": [sets.find(u) for u in sets.parent]})
        con.register("_n_group_arrow", table)
        con.execute("INSERT INTO _n_group SELECT * FROM _n_group_arrow")
        con.unregister("_n_group_arrow")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _n_named AS
        WITH facts AS (SELECT i.unit, f.* FROM _n_facts f JOIN _n_uid i USING (id)),
        named AS (  -- a unit linked to none is a narrative of its own, named after itself
            SELECT g.grp, first(f.unit ORDER BY f.first_seen NULLS LAST, f.unit) AS narrative
            FROM facts f JOIN _n_group g USING (unit) GROUP BY g.grp
        )
        SELECT f.id, f.unit, coalesce(n.narrative, f.unit) AS narrative,
               f.first_seen, f.last_seen, f.posts, coalesce(f.languages, []) AS languages
        FROM facts f LEFT JOIN _n_group g USING (unit) LEFT JOIN named n USING (grp)
        """
    )
    con.execute(
        "INSERT INTO narrative_units SELECT $run, unit, narrative, first_seen, last_seen, "
        "posts, languages FROM _n_named",
        {"run": run_id},
    )
    # each post's narrative through the unit's integer id, not its string
    con.execute(
        "INSERT INTO narrative_posts SELECT $run, u.platform, u.post_id, u.unit, n.narrative "
        "FROM _n_post_unit u JOIN _n_named n USING (id)",
        {"run": run_id},
    )
    if links:  # one Arrow table, not executemany (an INSERT per row)
        table = pa.table(
            {
                "unit_a": [x.unit_a for x in links],
                "unit_b": [x.unit_b for x in links],
                "score": [x.score for x in links],
                "anchors": [json.dumps(x.as_dict()["anchors"]) for x in links],
            }
        )
        con.register("_n_links_arrow", table)
        con.execute(
            "INSERT INTO narrative_links SELECT $run, unit_a, unit_b, score, anchors::JSON "
            "FROM _n_links_arrow",
            {"run": run_id},
        )
        con.unregister("_n_links_arrow")
    con.execute("DROP TABLE IF EXISTS _n_group")
    con.execute("DROP TABLE IF EXISTS _n_named")


def stored_linking(workspace: Workspace) -> NarrativeLinking | None:
    """The latest stored linking still current (no actions or text clusters rebuilt since),
    or None: the caller computes one (:func:`link_narratives`) or shows none."""
    con = workspace.connection
    row = con.execute(
        """
        SELECT run_id, params FROM runs
        WHERE step = $step AND status = 'ok'
          AND run_id > coalesce((SELECT max(run_id) FROM runs WHERE status = 'ok' AND (
                  (step = 'derive' AND name = 'actions')
                  OR (step = 'detect' AND name = 'near_duplicate_text'))), 0)
        ORDER BY run_id DESC LIMIT 1
        """,
        {"step": STEP},
    ).fetchone()
    if row is None:
        temp = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'narrative_units' "
            "AND temporary"
        ).fetchone()
        if not temp or not temp[0]:
            return None
        run = con.execute("SELECT min(run_id) FROM narrative_units").fetchone()
        if not run or run[0] is None:
            return None
        run_id, parameters = int(run[0]), {}
    else:
        run_id, parameters = int(row[0]), json.loads(row[1])
    links = [
        NarrativeLink(
            str(a),
            str(b),
            float(score),
            tuple((str(x["anchor"]), float(x["weight"])) for x in json.loads(anchors)),
        )
        for a, b, score, anchors in con.execute(
            "SELECT unit_a, unit_b, score, anchors FROM narrative_links WHERE run_id = ? "
            "ORDER BY unit_a, unit_b",
            [run_id],
        ).fetchall()
    ]
    return NarrativeLinking(workspace, run_id, links, parameters)


def current_linking(workspace: Workspace) -> NarrativeLinking:
    """The stored linking if current, else a new one (computed and stored once)."""
    return stored_linking(workspace) or link_narratives(workspace)
