"""Both sides: the side posts take on divisive issues, and which side each persona poses as.

Influence operations have run fake personas on *both* sides of a wedge issue (abortion, guns,
immigration, elections) to widen the split. This module reads each post's side from the
evidence it carries (:mod:`cibwatch.fingerprints.polarity`, with the editable lexicons of
:mod:`cibwatch.fingerprints.lexicons`) and rolls it up to accounts and networks:

- **post**: per issue, the side with the higher summed weight of its hits: issue terms with
  their polarity (negated, mocked or quoted terms handled), and the partisan lean of its
  markers, links and shared source when the post is on the issue's topic. A share weighs
  ``SHARE_WEIGHT`` times the post's own words; a bare share without words of its own takes
  the stance of the post it shares. Ties and no evidence give no stance;
- **account**: per issue, the side holding the majority of its stance posts, each post
  counted once and a share ``SHARE_WEIGHT`` times (ties: none), with the evidence behind it
  (the most frequent hits on that side, e.g. ``#2a x12; "gun control" mocked x2``);
- **network**: per issue, the accounts on each side and a both-sides score,
  ``2 * min(a, b) / (a + b)`` over the accounts that take a side: 0 when all are on one side,
  1 when evenly split; and a posting balance, the same formula with each account split
  between the sides by its own stance posts (steadier when personas post on both sides).

Reading a post looks at each term's neighbours (negation, mockery, quotes), which one
regular expression cannot, so it stays in Python; but only for the posts that can carry
evidence, which DuckDB finds with the patterns of :mod:`cibwatch.fingerprints.triggers`, and
once for each distinct post (retweets and templated posts repeat), in batches. What the
readings give goes back to temp tables, and the rest (posts to their readings, account
camps, inherited shares, roll-ups) is SQL; tests/stance_reference.py is the plain per-post
loop it must equal row for row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa

from cibwatch.errors import ConfigError
from cibwatch.fingerprints.lexicons import (
    COLUMNS,
    KINDS,
    MAX_WEIGHT,
    Lexicon,
    LexiconEntry,
    LexiconError,
    bundled_lexicon_files,
    load_lexicon,
    normalize_phrase,
)
from cibwatch.fingerprints.polarity import SHARE_WEIGHT, Reader, Reading, read, tokens
from cibwatch.fingerprints.triggers import candidate_sql, trigger_patterns

if TYPE_CHECKING:
    import duckdb

    from cibwatch.workspace import Workspace

__all__ = [
    "COLUMNS",
    "KINDS",
    "MAX_WEIGHT",
    "Lexicon",
    "LexiconEntry",
    "LexiconError",
    "account_sides",
    "both_sides_score",
    "bundled_lexicon_files",
    "load_lexicon",
    "network_sides",
    "networks_sides",
    "normalize_phrase",
    "post_stances",
    "tokens",
]

#: The least summed evidence weight on a side for an account to take it: one strong term
#: (a side's slogan, weight 3; framing, 2) or two weak ones, not one leaning word.
MIN_EVIDENCE: Final = 2.0
#: An account's camp (from its posts' partisan markers) is clear with at least this summed
#: marker weight, this share of it for one camp; its topic posts without a side of their own
#: then weigh ``CAMP_SCORE`` each for its camp's side (a leaning word's weight).
CAMP_MIN_WEIGHT: Final = 6.0
CAMP_MIN_SHARE: Final = 0.75
CAMP_SCORE: Final = 1.0
#: Evidence labels kept per account and side, most frequent first.
EVIDENCE_ITEMS: Final = 5
#: Distinct posts read per round trip to Python (bounds the Python objects alive at once).
_BATCH: Final = 20_000
_COLUMNS: Final = (
    "platform, post_id, account_id, created_at, text, kind, shared_post_id, "
    "shared_account_id, hashtags, domains"
)

# The posts in which the reader can find anything ({candidate}: triggers.candidate_sql), with
# what it reads: the handle of the account a post shares (the handle if the account is in
# the data, else the shared account id as given: ingesters of retweets put the handle).
# NULL and empty read the same, so both are made empty, and equal posts join on equality.
_CANDIDATES: Final = """
    CREATE OR REPLACE TEMP TABLE _stance_candidates AS
    SELECT platform, post_id, account_id, created_at, coalesce(text, '') AS text,
           coalesce(kind = 'share', false) AS share, coalesce(shared_handle, '') AS shared_handle,
           coalesce(hashtags, []) AS hashtags, coalesce(domains, []) AS domains
    FROM (
        SELECT s.*, coalesce(h.handle, s.shared_account_id) AS shared_handle
        FROM _stance_src s
        LEFT JOIN (
            SELECT platform, account_id, any_value(handle) AS handle FROM accounts
            WHERE handle IS NOT NULL GROUP BY ALL
        ) h ON h.platform = s.platform AND h.account_id = s.shared_account_id
    )
    WHERE {candidate}
"""
# Each distinct thing to read once (templated posts and retweets repeat), numbered.
_DISTINCT: Final = """
    CREATE OR REPLACE TEMP TABLE _stance_reads AS
    SELECT row_number() OVER () AS read_id, *
    FROM (SELECT DISTINCT text, share, shared_handle, hashtags, domains FROM _stance_candidates)
"""
_POSTS: Final = """
    CREATE OR REPLACE TEMP TABLE _stance_read_posts AS
    SELECT c.platform, c.post_id, c.platform || ':' || c.account_id AS account, c.created_at,
           r.read_id
    FROM _stance_candidates c
    JOIN _stance_reads r USING (text, share, shared_handle, hashtags, domains)
"""
# What each reading gives: sides decided, the camp its markers show, topics without a side.
_RESULTS: Final = {
    "_stance_decided": pa.schema(
        [
            ("read_id", pa.int64()),
            ("issue", pa.string()),
            ("side", pa.string()),
            ("score", pa.float64()),
            ("opposing_score", pa.float64()),
            ("shared", pa.bool_()),
            ("evidence", pa.list_(pa.string())),
        ]
    ),
    "_stance_camp": pa.schema(
        [
            ("read_id", pa.int64()),
            ("camp", pa.string()),
            ("margin", pa.float64()),
            ("names", pa.list_(pa.string())),
        ]
    ),
    "_stance_topic": pa.schema(
        [("read_id", pa.int64()), ("issue", pa.string()), ("shared", pa.bool_())]
    ),
}
# Posts with a side of their own; with the account camp, topic posts given their account's
# camp's side (see _CAMPS).
_OWN: Final = """
    CREATE OR REPLACE TEMP TABLE _stance_own AS
    SELECT p.platform, p.post_id, p.account, p.created_at, d.issue, d.side, d.score,
           d.opposing_score, d.shared, d.evidence, false AS from_account
    FROM _stance_read_posts p JOIN _stance_decided d USING (read_id)
"""
# An account's camp: the camp of the larger summed margin over its posts (a tie: the later
# name), when the sum over camps is at least $min_weight and the camp holds $min_share of
# it; its label names the camp's three markers found in most posts (then by name). (Sums of
# marker weights are exact whatever their order for the shipped weights, whole numbers.)
_CAMPS: Final = """
    INSERT INTO _stance_own
    WITH weights AS (
        SELECT p.account, c.camp, sum(c.margin) AS weight
        FROM _stance_read_posts p JOIN _stance_camp c USING (read_id)
        GROUP BY ALL
    ),
    ranked AS (
        SELECT account, camp, weight, sum(weight) OVER (PARTITION BY account) AS total,
               row_number() OVER (PARTITION BY account ORDER BY weight DESC, camp DESC) AS n
        FROM weights
    ),
    camps AS (
        SELECT account, camp FROM ranked
        WHERE n = 1 AND total >= $min_weight AND weight >= $min_share * total
          AND account IN (
              SELECT p.account FROM _stance_read_posts p SEMI JOIN _stance_topic USING (read_id)
          )
    ),
    names AS (
        SELECT p.account, name, count(*) AS posts
        FROM _stance_read_posts p
        JOIN _stance_camp c USING (read_id)
        JOIN camps k ON k.account = p.account AND k.camp = c.camp,
        unnest(c.names) AS u(name)
        GROUP BY ALL
    ),
    labels AS (
        SELECT k.account, k.camp,
               'on topic; the account''s camp is ' || k.camp || ' ('
               || string_agg(n.name, ', ' ORDER BY n.posts DESC, n.name) || ')' AS label
        FROM camps k
        JOIN (
            SELECT *, row_number() OVER (PARTITION BY account ORDER BY posts DESC, name) AS r
            FROM names
        ) n ON n.account = k.account AND n.r <= 3
        GROUP BY k.account, k.camp
    ),
    sides AS (
        SELECT unnest($issues) AS issue, unnest($leans) AS camp, unnest($sides) AS side
    )
    SELECT p.platform, p.post_id, p.account, p.created_at, t.issue, s.side, $score, 0.0,
           t.shared, [l.label], true
    FROM _stance_read_posts p
    JOIN _stance_topic t USING (read_id)
    JOIN labels l ON l.account = p.account
    JOIN sides s ON s.issue = t.issue AND s.camp = l.camp
"""

# A bare share (no stance of its own) takes the stance of the post it shares (same platform).
_INHERIT: Final = """
    CREATE OR REPLACE TEMP TABLE _stance_posts AS
    SELECT platform, post_id, account, created_at, issue, side, score, opposing_score,
           false AS inherited, shared, evidence, from_account
    FROM _stance_own
    UNION ALL
    SELECT s.platform, s.post_id, s.platform || ':' || s.account_id, s.created_at, o.issue,
           o.side, o.score, o.opposing_score, true, true, o.evidence, false
    FROM _stance_src s
    JOIN _stance_own o ON o.platform = s.platform AND o.post_id = s.shared_post_id
         AND NOT o.from_account
    WHERE s.shared_post_id IS NOT NULL AND coalesce(s.kind, 'share') = 'share'
      AND NOT EXISTS (
          SELECT 1 FROM _stance_own x WHERE x.platform = s.platform AND x.post_id = s.post_id
      )
"""
_TEMPORARY: Final = (
    "_stance_candidates",
    "_stance_reads",
    "_stance_read_posts",
    *_RESULTS,
    "_stance_own",
)


def _source(workspace: Workspace, members: Sequence[str] | None) -> None:
    """The temp view ``_stance_src``: all posts, or members' posts and the posts they share."""
    con = workspace.connection
    if members is None:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _stance_src AS SELECT {_COLUMNS} FROM posts")
        return
    # members split into platform and account id: posts are matched on their own columns,
    # not on ``platform:account_id`` built for every post of the workspace
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stance_members "
        "(account VARCHAR, platform VARCHAR, account_id VARCHAR)"
    )
    if keys := sorted(set(members)):
        con.executemany(
            "INSERT INTO _stance_members VALUES (?, ?, ?)",
            [[m, *(m.split(":", 1) if ":" in m else (None, m))] for m in keys],
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _stance_member_posts AS
        WITH mp AS (
            SELECT {_COLUMNS} FROM posts SEMI JOIN _stance_members USING (platform, account_id)
        )
        SELECT * FROM mp
        UNION ALL
        SELECT {_COLUMNS} FROM posts p
        SEMI JOIN (SELECT platform, shared_post_id FROM mp WHERE shared_post_id IS NOT NULL) s
          ON s.platform = p.platform AND s.shared_post_id = p.post_id
        ANTI JOIN _stance_members m ON m.platform = p.platform AND m.account_id = p.account_id
        """
    )
    con.execute("CREATE OR REPLACE TEMP VIEW _stance_src AS SELECT * FROM _stance_member_posts")


def _decide(
    read_id: int, reading: Reading, shared: bool, out: dict[str, dict[str, list[Any]]]
) -> set[str]:
    """Append the stance a reading takes on each issue its hits touch (a tie takes none).

    The side is the one with the higher summed weight of its hits; the evidence, the labels
    of its hits in the order found. Returns the issues on which the reading took a side.
    """
    decided: set[str] = set()
    by_issue: dict[str, dict[str, float]] = {}
    labels: dict[tuple[str, str], list[str]] = {}
    for hit in reading.hits:
        sides = by_issue.setdefault(hit.issue, {})
        sides[hit.side] = sides.get(hit.side, 0.0) + hit.weight
        found = labels.setdefault((hit.issue, hit.side), [])
        if hit.label not in found:
            found.append(hit.label)
    for issue, sides in by_issue.items():
        ranked = sorted(sides.items(), key=lambda kv: -kv[1])
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            continue
        side, score = ranked[0]
        opposing = sum(sides.values()) - score
        _add(
            out,
            "_stance_decided",
            read_id,
            issue,
            side,
            score,
            opposing,
            shared,
            labels[issue, side],
        )
        decided.add(issue)
    return decided


def _add(out: dict[str, dict[str, list[Any]]], table: str, *values: Any) -> None:
    for name, value in zip(_RESULTS[table].names, values, strict=True):
        out[table][name].append(value)


def _read_all(workspace: Workspace, lexicon: Lexicon, reader: Reader, account_camp: bool) -> None:
    """Read each distinct candidate post once, into the tables of ``_RESULTS``.

    A share is a post of kind ``share`` or a text starting ``RT ``: its stance weighs
    ``SHARE_WEIGHT`` times in its account's side. A topic post (on an issue's topic, no side
    of its own) is kept for the account camp on issues that split by camp (``by_lean``).
    """
    con = workspace.connection
    for table, schema in _RESULTS.items():
        con.register("_stance_batch", schema.empty_table())
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _stance_batch")
        finally:
            con.unregister("_stance_batch")
    row = con.execute("SELECT count(*) FROM _stance_reads").fetchone()
    total = int(row[0]) if row else 0
    for first in range(0, total, _BATCH):
        batch = con.execute(
            "SELECT read_id, text, share, shared_handle, hashtags, domains FROM _stance_reads "
            "WHERE read_id > ? AND read_id <= ?",
            [first, first + _BATCH],
        ).fetchall()
        out: dict[str, dict[str, list[Any]]] = {
            table: {name: [] for name in schema.names} for table, schema in _RESULTS.items()
        }
        for read_id, text, share, handle, hashtags, domains in batch:
            shared = share or text.startswith("RT ")
            reading = read(reader, text, hashtags, domains, handle, share)
            decided = _decide(read_id, reading, shared, out) if reading.hits else set()
            if not account_camp:
                continue
            if reading.camp is not None:
                names = list(reading.names)
                _add(out, "_stance_camp", read_id, reading.camp, reading.margin, names)
            for issue in sorted(reading.topics - decided):
                if issue in lexicon.by_lean:
                    _add(out, "_stance_topic", read_id, issue, shared)
        for table, schema in _RESULTS.items():
            if out[table]["read_id"]:
                con.register("_stance_batch", pa.table(out[table], schema=schema))
                try:
                    con.execute(f"INSERT INTO {table} SELECT * FROM _stance_batch")
                finally:
                    con.unregister("_stance_batch")


def _build(
    workspace: Workspace,
    lexicon: Lexicon,
    members: Sequence[str] | None,
    account_camp: bool = True,
) -> None:
    """Fill the temp table ``_stance_posts`` for all posts, or for members' posts only.

    Only posts in which the reader can find anything are read, each distinct one once
    (:mod:`cibwatch.fingerprints.triggers`); the rest is SQL. ``account_camp``: topic posts
    without a side of their own take their account's camp's side (see ``_CAMPS``).
    """
    con = workspace.connection
    _source(workspace, members)
    reader = lexicon.reader()
    condition, params = candidate_sql(trigger_patterns(reader))
    con.execute(_CANDIDATES.format(candidate=condition), params)
    con.execute(_DISTINCT)
    con.execute(_POSTS)
    _read_all(workspace, lexicon, reader, account_camp)
    con.execute(_OWN)
    if account_camp:
        sides = [(i, lean, s) for (i, lean), s in _camp_sides(lexicon).items()]
        con.execute(
            _CAMPS,
            {
                "min_weight": CAMP_MIN_WEIGHT,
                "min_share": CAMP_MIN_SHARE,
                "score": CAMP_SCORE,
                "issues": [i for i, _l, _s in sides],
                "leans": [lean for _i, lean, _s in sides],
                "sides": [s for _i, _l, s in sides],
            },
        )
    con.execute(_INHERIT)
    for table in _TEMPORARY:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _camp_sides(lexicon: Lexicon) -> dict[tuple[str, str], str]:
    """(issue, camp) -> the issue's side of that camp."""
    return {(issue, lean): side for (issue, side), lean in lexicon.leans.items()}


def post_stances(
    workspace: Workspace, lexicon: Lexicon | None = None, *, account_camp: bool = True
) -> duckdb.DuckDBPyRelation:
    """Stance of every post that takes one, as a relation over the temp table ``_stance_posts``.

    Columns: platform, post_id, account (``platform:account_id``), created_at, issue, side,
    score (the winning side's summed weights), opposing_score, inherited (a bare share that
    took the stance of the post it shares), shared (a share: its hits weigh
    ``SHARE_WEIGHT`` times) and evidence (the labels of the hits on its side, e.g.
    ``['#2a', '"gun control" mocked']``) and from_account (a post on the issue's topic with
    no side of its own, given its account's camp's side when ``account_camp``: see
    :class:`_Camps`). A post may take a stance on several issues.
    """
    _build(workspace, lexicon or load_lexicon(), None, account_camp)
    return workspace.connection.sql("SELECT * FROM _stance_posts")


_ACCOUNT_SIDES: Final = """
    SELECT p.account, p.issue, i.side_a, i.side_b,
           count(*) FILTER (WHERE p.side = i.side_a) AS posts_a,
           count(*) FILTER (WHERE p.side = i.side_b) AS posts_b,
           coalesce(sum(CASE WHEN p.shared THEN $share ELSE 1 END)
                    FILTER (WHERE p.side = i.side_a), 0) AS weight_a,
           coalesce(sum(CASE WHEN p.shared THEN $share ELSE 1 END)
                    FILTER (WHERE p.side = i.side_b), 0) AS weight_b,
           coalesce(sum(p.score) FILTER (WHERE p.side = i.side_a), 0) AS score_a,
           coalesce(sum(p.score) FILTER (WHERE p.side = i.side_b), 0) AS score_b,
           list_slice(list(p.platform || ':' || p.post_id ORDER BY p.created_at, p.post_id)
                      FILTER (WHERE p.side = i.side_a), 1, $proof) AS proof_a,
           list_slice(list(p.platform || ':' || p.post_id ORDER BY p.created_at, p.post_id)
                      FILTER (WHERE p.side = i.side_b), 1, $proof) AS proof_b,
           flatten(list(p.evidence) FILTER (WHERE p.side = i.side_a)) AS evidence_a,
           flatten(list(p.evidence) FILTER (WHERE p.side = i.side_b)) AS evidence_b
    FROM _stance_posts p
    JOIN (SELECT unnest($issues) AS issue, unnest($sides_a) AS side_a,
                 unnest($sides_b) AS side_b) i USING (issue)
    {where}
    GROUP BY p.account, p.issue, i.side_a, i.side_b
    HAVING count(*) >= $min_posts
    ORDER BY p.account, p.issue
"""


def _check(*, min_posts: int, proof: int) -> None:
    if min_posts < 1:
        raise ConfigError(f"min_posts must be at least 1, got {min_posts}")
    if proof < 0:
        raise ConfigError(f"the number of proof posts or examples must be >= 0, got {proof}")


def evidence_text(labels: Sequence[str], against: Sequence[str] = ()) -> str:
    """The evidence of a side in words: its most frequent hits, and what points the other way.

    >>> evidence_text(["#2a", '"gun control" mocked', "#2a"], ['"gun violence"'])
    '#2a x2; "gun control" mocked x1 | against: "gun violence" x1'
    """

    def top(found: Sequence[str]) -> str:
        counts = Counter(found).most_common()
        counts.sort(key=lambda kv: (-kv[1], kv[0]))
        return "; ".join(f"{label} x{n}" for label, n in counts[:EVIDENCE_ITEMS])

    text = top(labels)
    return f"{text} | against: {top(against)}" if against else text


def _account_rows(
    workspace: Workspace, lexicon: Lexicon, *, min_posts: int, proof: int, members: bool
) -> list[dict[str, Any]]:
    """Rows of :func:`account_sides` from ``_stance_posts`` (members only when ``members``)."""
    where = "WHERE p.account IN (SELECT account FROM _stance_members)" if members else ""
    params = {
        "share": SHARE_WEIGHT,
        "proof": int(proof),
        "min_posts": int(min_posts),
        "issues": list(lexicon.issues),
        "sides_a": [a for a, _b in lexicon.issues.values()],
        "sides_b": [b for _a, b in lexicon.issues.values()],
    }
    out = []
    for (
        account,
        issue,
        side_a,
        side_b,
        posts_a,
        posts_b,
        weight_a,
        weight_b,
        score_a,
        score_b,
        proof_a,
        proof_b,
        evidence_a,
        evidence_b,
    ) in workspace.connection.execute(_ACCOUNT_SIDES.format(where=where), params).fetchall():
        total = float(weight_a) + float(weight_b)
        side = side_a if weight_a > weight_b else side_b if weight_b > weight_a else None
        if side is not None and float(score_a if side == side_a else score_b) < MIN_EVIDENCE:
            side = None  # one weak word (a leaning term said once) is not a side
        on_side = max(float(weight_a), float(weight_b))
        won, lost = (evidence_a, evidence_b) if side == side_a else (evidence_b, evidence_a)
        out.append(
            {
                "account": str(account),
                "issue": str(issue),
                "side": side,
                "side_a": str(side_a),
                "side_b": str(side_b),
                "posts_a": int(posts_a),
                "posts_b": int(posts_b),
                "stance_posts": int(posts_a) + int(posts_b),
                "posts_on_side": (int(posts_a) if side == side_a else int(posts_b)) if side else 0,
                "share": on_side / total if side else 0.5,
                "proof": list(proof_a or [])
                if side == side_a
                else list(proof_b or [])
                if side
                else [],
                "evidence": evidence_text(won or [], lost or [])
                if side
                else evidence_text(evidence_a or [], evidence_b or []),
            }
        )
    return out


def account_sides(
    workspace: Workspace,
    lexicon: Lexicon | None = None,
    *,
    min_posts: int = 1,
    proof: int = 10,
    account_camp: bool = True,
) -> list[dict[str, Any]]:
    """Per account and issue with at least ``min_posts`` stance posts: the side it poses as.

    Each row: account, issue, side (None when its stance posts weigh the same on both
    sides; a share weighs ``SHARE_WEIGHT``, a post of its own 1), side_a, side_b, posts_a,
    posts_b, stance_posts, posts_on_side, share (the side's part of the weight), proof (up to
    ``proof`` post keys ``platform:post_id`` on its side, oldest first) and evidence (its
    most frequent hits on the side, then ``| against:`` those on the other side).
    """
    _check(min_posts=min_posts, proof=proof)
    lex = lexicon or load_lexicon()
    _build(workspace, lex, None, account_camp)
    return _account_rows(workspace, lex, min_posts=min_posts, proof=proof, members=False)


def both_sides_score(accounts_a: float, accounts_b: float) -> float:
    """``2 * min(a, b) / (a + b)``: 0 when one side only (or none), 1 when evenly split.

    >>> both_sides_score(5, 5), both_sides_score(9, 0), both_sides_score(3, 1)
    (1.0, 0.0, 0.5)
    """
    total = accounts_a + accounts_b
    return 2 * min(accounts_a, accounts_b) / total if total else 0.0


def network_sides(
    workspace: Workspace,
    members: Sequence[str],
    lexicon: Lexicon | None = None,
    *,
    min_posts: int = 1,
    examples: int = 5,
    account_camp: bool = True,
) -> list[dict[str, Any]]:
    """Per issue on which any member takes a stance: which members pose as which side.

    Each row: issue, side_a, side_b, accounts_a, accounts_b (members whose majority is on that
    side), accounts_tied (even split), accounts_mixed (members with posts on both sides),
    share_a, share_b (of the members taking a side), both_sides_score (from accounts_a and
    accounts_b), posting_balance (the same formula with every member that has stance posts
    split between the sides by its own posts: a member with 3 posts on side a and 1 on side b
    adds 0.75 to a and 0.25 to b; equal to both_sides_score when every member posts on one side
    only, near 1 when the members each post on both sides), posts_a, posts_b,
    members_a, members_b (all account keys, most posts first) and examples_a, examples_b (the
    first ``examples`` of them as dicts: account, posts, stance_posts, proof).

    >>> from cibwatch import Workspace
    >>> with Workspace() as ws:
    ...     network_sides(ws, ["x:1"])
    []
    """
    return networks_sides(
        workspace,
        {"": members},
        lexicon,
        min_posts=min_posts,
        examples=examples,
        account_camp=account_camp,
    )[""]


def networks_sides(
    workspace: Workspace,
    networks: Mapping[str, Sequence[str]],
    lexicon: Lexicon | None = None,
    *,
    min_posts: int = 1,
    examples: int = 5,
    account_camp: bool = True,
) -> dict[str, list[dict[str, Any]]]:
    """:func:`network_sides` of several networks (id -> members) from one reading of posts.

    An account's stances depend on its own posts and the posts it shares only, never on
    which other accounts are read with it, so the members of every network are read at
    once and their rows split by network: the same rows as one call per network, without
    reading the workspace's posts once per network (a report of twenty networks did).

    >>> from cibwatch import Workspace
    >>> with Workspace() as ws:
    ...     networks_sides(ws, {"n1": ["x:1"], "n2": ["x:2"]})
    {'n1': [], 'n2': []}
    """
    _check(min_posts=min_posts, proof=examples)
    if not networks:
        return {}
    lex = lexicon or load_lexicon()
    everyone = sorted({m for members in networks.values() for m in members})
    _build(workspace, lex, everyone, account_camp)
    rows = _account_rows(workspace, lex, min_posts=min_posts, proof=10, members=True)
    out = {}
    for network, members in networks.items():
        keys = set(members)
        out[network] = _sides(lex, [r for r in rows if r["account"] in keys], examples)
    return out


def _sides(lex: Lexicon, rows: list[dict[str, Any]], examples: int) -> list[dict[str, Any]]:
    """One network's rows of :func:`network_sides` from its members' account rows."""
    out = []
    for issue, (side_a, side_b) in lex.issues.items():
        found = [r for r in rows if r["issue"] == issue]
        if not found:
            continue
        on = {
            side: sorted(
                (r for r in found if r["side"] == side),
                key=lambda r: (-r["posts_on_side"], r["account"]),
            )
            for side in (side_a, side_b)
        }
        a, b = len(on[side_a]), len(on[side_b])
        taking = a + b
        out.append(
            {
                "issue": issue,
                "side_a": side_a,
                "side_b": side_b,
                "accounts_a": a,
                "accounts_b": b,
                "accounts_tied": sum(1 for r in found if r["side"] is None),
                "accounts_mixed": sum(1 for r in found if r["posts_a"] and r["posts_b"]),
                "share_a": a / taking if taking else 0.0,
                "share_b": b / taking if taking else 0.0,
                "both_sides_score": both_sides_score(a, b),
                "posting_balance": both_sides_score(
                    sum(r["posts_a"] / r["stance_posts"] for r in found),
                    sum(r["posts_b"] / r["stance_posts"] for r in found),
                ),
                "posts_a": sum(r["posts_a"] for r in found),
                "posts_b": sum(r["posts_b"] for r in found),
                "members_a": [r["account"] for r in on[side_a]],
                "members_b": [r["account"] for r in on[side_b]],
                "examples_a": [_example(r) for r in on[side_a][:examples]],
                "examples_b": [_example(r) for r in on[side_b][:examples]],
            }
        )
    return out


def _example(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "account": row["account"],
        "posts": row["posts_on_side"],
        "stance_posts": row["stance_posts"],
        "proof": row["proof"],
    }
