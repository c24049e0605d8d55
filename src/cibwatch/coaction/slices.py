"""Co-action one time slice at a time: the plan of the slices and the steps of each.

Why: the window join's pairs of shares grow with the volume of the data, not only with its
density. 100 million posts at the density of most real data examine 3.8 billion pairs, far
more than memory or spill disk holds, although any one day of them is small. A pair of
shares exists only within the window, so the join can run over one stretch of time after
another: the pairs whose *earlier* share lies in a slice's time buckets (``floor(t /
window)``) are that slice's, every pair falls in exactly one slice, and the slice reads its
shares plus the one bucket after it. What must see all the data stays whole-data: the
per-account and per-post statistics are counted from every share (beyond one chunk of
shares, chunk by chunk: :mod:`cibwatch.coaction.chunks`), and what the pairs feed across
slices is summed (pairs per object type, post pairs) or, for the co-actions per account
pair (hence the candidate pairs and the number of tests), written per slice as sorted runs
and merged one key range at a time (:mod:`cibwatch.coaction.pair_counts`). A second pass
over the slices then keeps the co-actions of the candidate pairs only, so the edge
statistics (medians, proofs) are computed by the same steps as in one piece, from the same
rows: sliced and whole runs give identical edges, layers and nodes.

Slices are planned from the exact work of the join per bucket (the same count the pair
guard makes): consecutive buckets are grouped while their pairs stay within the slice size,
so data whose whole join fits is one slice and runs the unsliced steps unchanged. A single
bucket holding more than ``max_pairs`` is density, which no slicing splits: it is refused,
naming the instant and its most shared objects.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from cibwatch.coaction.chunks import chunk_shares, deduplicate_in_chunks
from cibwatch.coaction.pair_counts import (
    MERGE_RANGE_ROWS,
    PACKED_PAIR,
    PAIR_SHIFT,
    PairRuns,
    scratch_folder,
)
from cibwatch.coaction.steps import (
    OUTPUTS,
    SAME_OBJECT,
    CoActionSpec,
    TooManyPairsError,
    active_step,
    bucket_work_sql,
    coact_steps,
    coacting_shares_sql,
    coacts_sql,
    edge_steps,
    kept_coacts_sql,
    kept_sql,
    near_share_steps,
    pair_steps,
    pairs_sql,
    raw_coacts_sql,
    share_stats_sql,
    totals_steps,
    unique_shares_sql,
)
from cibwatch.engines.base import Dialect, Input, ParquetInput, Step
from cibwatch.engines.duckdb_engine import DuckDBEngine, parquet_select

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlicePlan:
    """Slices as bucket bounds ``(first, end)`` (None: unbounded) and their planned pairs.

    ``examined`` is the pairs of shares the whole join examines; ``largest`` the most any one
    slice examines.
    """

    bounds: tuple[tuple[int | None, int | None], ...]
    examined: int
    largest: int

    @property
    def sliced(self) -> bool:
        """Whether the join runs in more than one slice."""
        return len(self.bounds) > 1


def plan_slices(
    buckets: np.ndarray, examined: np.ndarray, spec: CoActionSpec
) -> tuple[SlicePlan, int | None]:
    """Group consecutive ``buckets`` (sorted, with the pairs each ``examined``) into slices.

    Returns the plan and, when one bucket alone holds more than ``spec.max_pairs``, that
    bucket (the plan is then meaningless: the caller refuses the run). A slice holds at most
    :meth:`~cibwatch.coaction.steps.CoActionSpec.planned_slice_pairs`, or one bucket that
    alone holds more (slicing cannot split a bucket).

    >>> spec = CoActionSpec(window=10, slice_pairs=5, max_pairs=9)
    >>> plan, dense = plan_slices(np.array([0, 1, 4]), np.array([3, 2, 7]), spec)
    >>> plan.bounds, plan.largest, dense
    (((None, 4), (4, None)), 7, None)
    """
    work = examined.astype(np.int64)
    total = int(work.sum())
    limit = spec.max_pairs
    if limit is not None and len(work) and int(work.max()) > limit:
        return SlicePlan(((None, None),), total, total), int(buckets[int(work.argmax())])
    target = spec.planned_slice_pairs()
    if total <= target:
        return SlicePlan(((None, None),), total, total), None
    cumulative = np.cumsum(work)
    starts: list[int] = []
    sizes: list[int] = []
    start = 0
    while start < len(work):
        before = int(cumulative[start - 1]) if start else 0
        end = int(np.searchsorted(cumulative, before + target, side="right"))
        end = max(end, start + 1)  # a bucket above the target is a slice of its own
        starts.append(start)
        sizes.append(int(cumulative[end - 1]) - before)
        start = end
    cuts = [int(buckets[i]) for i in starts[1:]]
    edges: list[int | None] = [None, *cuts, None]
    bounds = tuple(pairwise(edges))
    return SlicePlan(bounds, total, max(sizes)), None


def refuse_dense(
    con: duckdb.DuckDBPyConnection, spec: CoActionSpec, bucket: int, examined: int
) -> TooManyPairsError:
    """The refusal of one window too dense to compute, naming when and what was shared."""
    top = con.execute(
        "SELECT object_type, object_id, COUNT(*) AS n FROM near_shares "
        "WHERE bucket = ? OR bucket = ? GROUP BY object_type, object_id "
        "ORDER BY n DESC, object_type, object_id LIMIT 3",
        [bucket, bucket + 1],
    ).fetchall()
    objects = ", ".join(f"{kind} {ident!r} ({n:,} shares)" for kind, ident, n in top)
    try:
        start = datetime.fromtimestamp(bucket * spec.window, UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):  # a time beyond the calendar
        start = f"{bucket * spec.window:g} s"
    return TooManyPairsError(
        f"one {spec.window:g} s window (from {start}) would examine {examined:,} pairs of "
        f"shares, more than max_pairs ({spec.max_pairs:,}). That is density, which "
        "computing one time slice at a time cannot split: many accounts sharing a few "
        f"objects in one instant ({objects}), where most pairs co-act by chance. Shorten "
        "the window, restrict the object types, or raise max_pairs (--max-pairs) if the "
        "machine has about 110 bytes of memory or disk for each pair"
    )


def whole_steps(
    spec: CoActionSpec,
    dialect: Dialect,
    releases: tuple[str, ...] = (),
    *,
    copies: bool = True,
    one_object_type: bool = False,
) -> list[Step]:
    """The unsliced steps after :func:`~cibwatch.coaction.steps.near_share_steps`: one
    slice.

    The stored shares, and the tables named in ``releases`` (what staged ``shares``), are
    dropped with ``share_stats``, soon after their last reader. ``copies``: whether a near
    share merged copies (see :func:`~cibwatch.coaction.steps.share_stats_sql`).
    ``one_object_type``: every share has one type, so the join matches objects by id alone
    (a fifth less CPU time in the join at 1 M shares).
    """
    totals = totals_steps(share_stats_sql(copies))
    totals[0] = replace(totals[0], releases=("near_rows", "near_shares", *releases))
    same = "s1.object_id = s2.object_id" if one_object_type else SAME_OBJECT
    return [
        Step("pairs", pairs_sql(spec.window, same_object=same)),
        *totals,
        *coact_steps(spec),
        *edge_steps(spec, dialect),
    ]


#: The whole-data statistics a sliced run makes before its slices.
WHOLE_DATA = ("share_stats", "activity", "post_activity", "accounts")

#: What the second pass is the last to read (dropped with its last step).
_SHARES_TABLES = ("near_shares", "drifting_posts")


def keys_sql() -> list[tuple[str, str]]:
    """``(name, SELECT)`` of the tables that give the near shares numbers for names, the
    last (``near_keys``) the near shares so numbered.

    The first pass over the slices only counts (pairs per type, pairs of posts, co-actions
    per account pair): numbered accounts, posts and objects make its join, its distinct
    pairs of posts and its per-account-pair runs several times cheaper than the text ids.
    Accounts are numbered in the order of their ids, so that ``LEAST`` and ``GREATEST``
    orient pairs as the text would (a sort of the distinct accounts only). Posts and
    objects need only be told apart: each distinct one gets the next number as the
    grouping meets it, with no sort of the near shares (two such sorts cost 37 of 246 CPU s
    at 10 M posts). Object types are numbered too (``kind``): a slice's pairs carried
    their type as text, a fifth of the CPU of its join. ``lone`` marks a post with one
    near share: see :func:`count_first_pass`.
    """
    return [
        (
            "account_keys",
            "SELECT account, row_number() OVER (ORDER BY account) AS key "
            "FROM (SELECT DISTINCT account FROM near_shares) a",
        ),
        (
            "post_keys",
            "SELECT account, share_id, lone, row_number() OVER () AS post FROM (SELECT "
            "account, share_id, COUNT(*) = 1 AS lone FROM near_shares GROUP BY account, "
            "share_id) p",
        ),
        (
            "type_keys",
            "SELECT object_type, CAST(row_number() OVER () AS INTEGER) AS kind "
            "FROM (SELECT DISTINCT object_type FROM near_shares) k",
        ),
        (
            "object_keys",
            "SELECT o.object_type, o.object_id, k.kind, row_number() OVER () AS object "
            "FROM (SELECT DISTINCT object_type, object_id FROM near_shares) o "
            "JOIN type_keys k ON k.object_type = o.object_type",
        ),
        (
            "near_keys",
            "SELECT o.kind, n.bucket, n.t, n.rid, a.key AS account, p.post, p.lone, "
            "o.object "
            "FROM near_shares n JOIN account_keys a ON a.account = n.account "
            "JOIN post_keys p ON p.account = n.account AND p.share_id = n.share_id "
            "JOIN object_keys o ON o.object_type = n.object_type "
            "AND o.object_id = n.object_id",
        ),
    ]


def keyed_pairs_sql(window: float, buckets: tuple[int | None, int | None]) -> str:
    """:func:`~cibwatch.coaction.steps.pairs_sql` over ``near_keys``: the same pairs, with
    the type, the accounts and the posts as numbers."""
    return pairs_sql(
        window,
        "near_keys",
        buckets,
        columns="s1.kind AS kind, s1.account AS acc1, s2.account AS acc2, "
        "s1.post AS post1, s2.post AS post2, s1.lone OR s2.lone AS lone",
        same_object="s1.object = s2.object",
    )


def _union(names: Sequence[str]) -> str:
    return " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)


def _post_pairs_sql(pairs: str) -> str:
    """Distinct pairs of posts among ``pairs``, the earlier-sorting post first."""
    first = "(acc1 < acc2 OR (acc1 = acc2 AND share1 < share2))"
    return (
        "SELECT DISTINCT "
        f"CASE WHEN {first} THEN acc1 ELSE acc2 END AS first_account, "
        f"CASE WHEN {first} THEN share1 ELSE share2 END AS first_share, "
        f"CASE WHEN {first} THEN acc2 ELSE acc1 END AS second_account, "
        f"CASE WHEN {first} THEN share2 ELSE share1 END AS second_share "
        f"FROM {pairs} WHERE acc1 <> acc2 OR share1 <> share2"
    )


def sliced_steps(
    spec: CoActionSpec,
    dialect: Dialect,
    plan: SlicePlan,
    *,
    drifting: bool,
    releases: tuple[str, ...] = _SHARES_TABLES,
) -> list[Step]:
    """CooRTweet's steps after ``near_shares`` computing the join one slice at a time
    (cibwatch's: :func:`count_first_pass`, then :func:`second_pass_steps`).

    Its first pass needs the pairs' accounts and shares as they are (its per-type activity
    filter). ``drifting`` says that some post has shares at different times
    (``drifting_posts``, a table of ``(account, share_id)``, lists them). Its pairs of
    posts may then fall in two slices, so they are gathered and counted once at the end;
    every other pair of posts has all its pairs of shares at the same earlier time, hence
    in one slice, and is counted there.
    """
    # ``activity``, ``post_activity`` and ``accounts`` are made before (:func:`run_on_duckdb`).
    steps: list[Step] = [active_step(spec)]
    types: list[str] = []
    counted: list[str] = []
    loose: list[str] = []
    account_pairs: list[str] = []
    coacting: list[str] = []
    for k, buckets in enumerate(plan.bounds):
        pairs = f"slice{k}_pairs"
        steps.append(Step(pairs, pairs_sql(spec.window, buckets=buckets)))
        posts = _post_pairs_sql(pairs)
        steps.append(
            Step(
                f"slice{k}_types",
                f"SELECT object_type, COUNT(*) AS n FROM {pairs} GROUP BY object_type",
            )
        )
        if drifting:
            steps.append(
                Step(
                    f"slice{k}_post_pairs",
                    "SELECT x.*, d1.drifts IS NOT NULL OR d2.drifts IS NOT NULL AS drifts "
                    f"FROM ({posts}) x LEFT JOIN drifting_posts d1 ON "
                    "d1.account = x.first_account AND d1.share_id = x.first_share "
                    "LEFT JOIN drifting_posts d2 ON "
                    "d2.account = x.second_account AND d2.share_id = x.second_share",
                )
            )
            steps.append(
                Step(
                    f"slice{k}_loose",
                    "SELECT first_account, first_share, second_account, second_share "
                    f"FROM slice{k}_post_pairs WHERE drifts",
                )
            )
            loose.append(f"slice{k}_loose")
            posts = f"SELECT * FROM slice{k}_post_pairs WHERE NOT drifts"
        steps.append(Step(f"slice{k}_post_count", f"SELECT COUNT(*) AS n FROM ({posts}) d"))
        steps.append(
            Step(
                f"slice{k}_account_pairs",
                f"SELECT account_a, account_b, COUNT(*) AS n FROM ({coacts_sql(pairs, '')}) c "
                "GROUP BY account_a, account_b",
            )
        )
        steps.append(Step(f"slice{k}_raw", raw_coacts_sql(pairs)))
        steps.append(
            Step(
                f"slice{k}_coacting",
                "SELECT DISTINCT account, object_type, share FROM ("
                + coacting_shares_sql(f"slice{k}_raw")
                + ") x",
            )
        )
        coacting.append(f"slice{k}_coacting")
        types.append(f"slice{k}_types")
        counted.append(f"slice{k}_post_count")
        account_pairs.append(f"slice{k}_account_pairs")
    loose_count = (
        f"(SELECT COUNT(*) AS n FROM (SELECT DISTINCT * FROM ({_union(loose)}) u) d)"
        if loose
        else "(SELECT 0 AS n)"
    )
    steps += [
        Step(
            "type_totals",
            "SELECT k.object_type, k.n_shares, COALESCE(w.n_window_pairs, 0) AS n_window_pairs "
            "FROM (SELECT object_type, CAST(SUM(n) AS BIGINT) AS n_shares FROM activity "
            "GROUP BY object_type) k "
            "LEFT JOIN (SELECT object_type, CAST(SUM(n) AS BIGINT) AS n_window_pairs "
            f"FROM ({_union(types)}) u GROUP BY object_type) w "
            "ON k.object_type = w.object_type",
        ),
        Step(
            "post_totals",
            "SELECT p.n_posts, w.n_window_post_pairs FROM "
            "(SELECT CAST(SUM(n) AS BIGINT) AS n_posts FROM post_activity) p CROSS JOIN "
            "(SELECT CAST(SUM(n) AS BIGINT) AS n_window_post_pairs FROM ("
            f"{_union(counted)} UNION ALL SELECT * FROM {loose_count}) u) w",
        ),
        Step(
            "coacting_pairs",
            "SELECT COUNT(*) AS n_coacting_pairs FROM (SELECT account_a, account_b "
            f"FROM ({_union(account_pairs)}) u GROUP BY account_a, account_b) d",
        ),
        Step("kept", kept_sql(_union(coacting), spec)),
    ]
    found = []
    for k, buckets in enumerate(plan.bounds):
        pairs = pairs_sql(spec.window, "near_shares", buckets)
        last = k == len(plan.bounds) - 1
        steps.append(
            Step(
                f"slice{k}_found",
                kept_coacts_sql(f"({raw_coacts_sql(f'({pairs})')})"),
                releases=releases if last else (),
            )
        )
        found.append(f"slice{k}_found")
    steps.append(Step("coacts", _union(found)))
    return steps + edge_steps(spec, dialect)


def count_first_pass(
    con: duckdb.DuckDBPyConnection,
    spec: CoActionSpec,
    plan: SlicePlan,
    runs: PairRuns,
    *,
    drifting: bool,
    stepped: Callable[[str], None],
    made: list[tuple[str, str]],
) -> None:
    """The first pass over the slices (numbered shares, ``near_keys``): makes
    ``type_totals``, ``post_totals``, ``coacting_pairs`` and, when ``min_participation``
    exceeds 1, ``candidate_keys`` (packed pairs of account numbers that co-acted that
    often) and ``candidate_near`` (the numbered near shares of their accounts).

    Each slice's pairs of shares are counted per object type and as distinct pairs of
    posts (summed: every pair of posts of a post with one time lies in one slice; those of
    ``drifting`` posts are gathered and counted once at the end), and its co-actions per
    account pair go to ``runs``, merged at the end (:mod:`cibwatch.coaction.pair_counts`).
    """
    m = int(spec.min_participation)
    tables = {
        "pair_types": "SELECT kind, CAST(0 AS BIGINT) AS n FROM near_keys WHERE FALSE",
        "loose_posts": "SELECT post AS first_post, post AS second_post FROM near_keys WHERE FALSE",
        "candidate_keys": "SELECT CAST(0 AS BIGINT) AS pair WHERE FALSE",
    }
    for name, sql in tables.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        made.append(("TABLE", name))
    post_pairs = 0
    for k, buckets in enumerate(plan.bounds):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE slice_pairs AS " + keyed_pairs_sql(spec.window, buckets)
        )
        con.execute("INSERT INTO pair_types SELECT kind, COUNT(*) FROM slice_pairs GROUP BY kind")
        repeatable = "post1 <> post2"
        if not drifting:
            # Every post has one time, so two pairs of shares of the same two posts are
            # two objects both posts share: a pair with a lone post (one near share) is
            # the only one of its pair of posts, and is counted without a grouping (at
            # 10 M posts, 25.3 of a slice's 28.9 million pairs).
            found = con.execute("SELECT COUNT(*) FROM slice_pairs WHERE lone").fetchone()
            post_pairs += int(found[0]) if found else 0
            repeatable += " AND NOT lone"
        posts = (
            "SELECT DISTINCT LEAST(post1, post2) AS first_post, "
            f"GREATEST(post1, post2) AS second_post FROM slice_pairs WHERE {repeatable}"
        )
        if drifting:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE slice_post_pairs AS SELECT x.*, "
                "d1.drifts IS NOT NULL OR d2.drifts IS NOT NULL AS drifts "
                f"FROM ({posts}) x "
                "LEFT JOIN drifting_posts d1 ON d1.post = x.first_post "
                "LEFT JOIN drifting_posts d2 ON d2.post = x.second_post"
            )
            con.execute(
                "INSERT INTO loose_posts SELECT first_post, second_post "
                "FROM slice_post_pairs WHERE drifts"
            )
            posts = "SELECT * FROM slice_post_pairs WHERE NOT drifts"
        found = con.execute(f"SELECT COUNT(*) FROM ({posts}) d").fetchone()
        post_pairs += int(found[0]) if found else 0
        runs.write(con, "slice_pairs")
        con.execute("DROP TABLE IF EXISTS slice_post_pairs")
        con.execute("DROP TABLE slice_pairs")
        stepped(f"slice{k}_counted")
    found = con.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT first_post, second_post FROM loose_posts) d"
    ).fetchone()
    post_pairs += int(found[0]) if found else 0
    n_coacting = runs.merge(
        con,
        m if m > 1 else None,
        "candidate_keys",
        min(spec.planned_slice_pairs(), MERGE_RANGE_ROWS),
    )
    stepped("account_pairs")
    whole = {
        "type_totals": "SELECT k.object_type, k.n_shares, "
        "COALESCE(w.n_window_pairs, 0) AS n_window_pairs "
        "FROM (SELECT object_type, CAST(SUM(n) AS BIGINT) AS n_shares FROM activity "
        "GROUP BY object_type) k "
        "LEFT JOIN (SELECT t.object_type, CAST(SUM(p.n) AS BIGINT) AS n_window_pairs "
        "FROM pair_types p JOIN type_keys t ON t.kind = p.kind GROUP BY t.object_type) w "
        "ON k.object_type = w.object_type",
        "post_totals": "SELECT CAST(SUM(n) AS BIGINT) AS n_posts, "
        f"CAST({post_pairs} AS BIGINT) AS n_window_post_pairs FROM post_activity",
        "coacting_pairs": f"SELECT CAST({n_coacting} AS BIGINT) AS n_coacting_pairs",
    }
    for name, sql in whole.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        made.append(("TABLE", name))
        stepped(name)
    for name in ("pair_types", "loose_posts", "account_keys", "type_keys"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    if m > 1:
        # The second pass joins the numbered near shares of accounts in a candidate pair
        # only: nothing else of ``near_keys`` is read again.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE candidate_near AS SELECT * FROM near_keys "
            f"WHERE account IN (SELECT pair // {PAIR_SHIFT} FROM candidate_keys "
            f"UNION SELECT pair % {PAIR_SHIFT} FROM candidate_keys)"
        )
        made.append(("TABLE", "candidate_near"))
        stepped("candidate_near")
    for name in ("near_keys",) if m > 1 else ("near_keys", "candidate_keys"):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def second_pass_steps(
    spec: CoActionSpec,
    dialect: Dialect,
    plan: SlicePlan,
    releases: tuple[str, ...] = _SHARES_TABLES,
) -> list[Step]:
    """After :func:`count_first_pass`: the co-actions of the candidate pairs (every
    co-action when ``min_participation`` is 1), slice by slice, then the edge steps.
    ``releases``: the stored shares' tables, dropped after their last reader.

    With candidates, each slice joins the numbered near shares of candidate accounts
    (``candidate_near``) and keeps the pairs of shares (their ``rid``) of a candidate pair
    (``candidate_keys``, packed numbers): integers throughout, where the same join over
    text ids, filtered by a join with text pairs, cost twice the CPU. Only the shares of
    the pairs found are read back with their ids, for the same rows as in one piece.
    """
    found: list[Step] = []
    if spec.min_participation <= 1:
        for k, buckets in enumerate(plan.bounds):
            pairs = pairs_sql(spec.window, "near_shares", buckets)
            last = k == len(plan.bounds) - 1
            sql = coacts_sql(f"({pairs}) p", "")
            found.append(Step(f"slice{k}_found", sql, releases=releases if last else ()))
        coacts = Step("coacts", _union([step.name for step in found]))
        return [*found, coacts, *edge_steps(spec, dialect)]
    keyed = "s1.rid AS rid1, s2.rid AS rid2, s1.account AS acc1, s2.account AS acc2"
    for k, buckets in enumerate(plan.bounds):
        pairs = pairs_sql(
            spec.window,
            "candidate_near",
            buckets,
            columns=keyed,
            same_object="s1.object = s2.object",
        )
        last = k == len(plan.bounds) - 1
        found.append(
            Step(
                f"slice{k}_found",
                f"SELECT rid1, rid2 FROM ({pairs}) p WHERE acc1 <> acc2 "
                f"AND {PACKED_PAIR} IN (SELECT pair FROM candidate_keys)",
                releases=("candidate_near", "candidate_keys") if last else (),
            )
        )
    shares = (
        "SELECT s1.object_type AS object_type, s1.object_id AS object_id, "
        "s1.account AS acc1, s2.account AS acc2, s1.share_id AS share1, "
        "s2.share_id AS share2, s1.t AS t1, s2.t AS t2 FROM found_pairs f "
        "JOIN found_shares s1 ON s1.rid = f.rid1 JOIN found_shares s2 ON s2.rid = f.rid2"
    )
    steps = [
        *found,
        Step("found_pairs", _union([f.name for f in found])),
        Step(
            "found_shares",
            "SELECT * FROM near_shares WHERE rid IN "
            "(SELECT rid1 FROM found_pairs UNION SELECT rid2 FROM found_pairs)",
            releases=releases,
        ),
        Step("candidate_coacts", coacts_sql(f"({shares}) p", "")),
    ]
    edges = edge_steps(spec, dialect)
    return steps + [step for step in edges if step.name != "candidate_coacts"]


def _plain_view(con: duckdb.DuckDBPyConnection, shares: Input, name: str) -> str:
    """``SELECT`` over an input handed to DuckDB (registered as ``name`` when Arrow)."""
    if isinstance(shares, ParquetInput):
        return parquet_select(shares)
    con.register(name, shares)
    return f"SELECT * FROM {name}"


def run_on_duckdb(
    engine: DuckDBEngine,
    shares: Input | Step,
    spec: CoActionSpec,
    *,
    checks: Sequence[Step] = (),
    one_object_type: bool = False,
    one_time_per_post: bool = False,
    outputs: Sequence[str] = OUTPUTS,
) -> tuple[dict[str, pa.Table], SlicePlan]:
    """Every co-action step on DuckDB, one time slice at a time when the join is large.

    The shares are sorted by object and time to drop copies and keep the near ones
    (``near_shares``, kept on the connection across the slices): in one piece up to
    :func:`~cibwatch.coaction.chunks.chunk_shares` shares (by
    :func:`~cibwatch.coaction.steps.near_share_steps`), else chunk by chunk of time
    buckets (``checks`` then run on each chunk's ``unique_shares``). The join's work per
    bucket plans the slices, and the steps of that plan run on ``engine``.
    ``one_time_per_post`` promises that all shares of a post carry its one time (a
    workspace's actions), which spares looking for posts that do not and lets posts per
    account be summed over the chunks. Raises
    :class:`~cibwatch.coaction.steps.TooManyPairsError` for a window too dense to compute.
    """
    con = engine.connection
    registered = "coaction_input"
    if isinstance(shares, Step):
        first = Step("shares", shares.sql, materialize=False, releases=shares.releases)
    else:
        first = Step("shares", _plain_view(con, shares, registered), materialize=False)
    flagged = pair_steps(spec, one_object_type=one_object_type)[0]
    made: list[tuple[str, str]] = []
    runs: PairRuns | None = None
    folder: Path | None = None
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW shares AS {first.sql}")
        made.append(("VIEW", "shares"))
        counted = con.execute("SELECT COUNT(*) FROM shares").fetchone()
        # Beyond one chunk of shares, duplicates and near shares are found chunk by chunk
        # (no sort of all the shares at once), and the whole-data statistics with them.
        chunked = int(counted[0] if counted else 0) > chunk_shares(spec)
        if chunked:
            folder = scratch_folder(con, "cibwatch-near-")
            deduplicate_in_chunks(
                con,
                spec,
                flagged,
                checks=checks,
                one_time_per_post=one_time_per_post,
                stepped=engine._stepped,
                made=made,
                folder=folder,
            )
            for table in first.releases:
                con.execute(f"DROP TABLE IF EXISTS {table}")
        else:
            # Near shares without storing the unique ones (see near_share_steps); ``shares``
            # is read again for the whole-data statistics, so it must number its rows the
            # same way each time: a stored row number, or a table's ``rowid``.
            early = near_share_steps(spec, one_object_type=one_object_type)
            if checks:
                early.append(Step("unique_shares", unique_shares_sql(spec), materialize=False))
            for step in (*early, *checks):
                kind = "TABLE" if step.materialize else "VIEW"
                con.execute(f"CREATE OR REPLACE TEMP {kind} {step.name} AS {step.sql}")
                made.append((kind, step.name))
                if step.check is not None:
                    step.check(con.sql(f"SELECT * FROM {step.name}").to_arrow_table())
                engine._stepped(step.name)
        work = con.sql(bucket_work_sql(one_object_type)).to_arrow_table()
        plan, dense = plan_slices(
            work.column("bucket").to_numpy(), work.column("examined").to_numpy(), spec
        )
        if dense is not None:
            at = work.column("bucket").to_pylist().index(dense)
            raise refuse_dense(con, spec, dense, int(work.column("examined")[at].as_py()))
        _log.info(
            "co-action: the %g s window join examines %s pairs of shares: %d slice(s), "
            "the largest %s pairs",
            spec.window,
            f"{plan.examined:,}",
            len(plan.bounds),
            f"{plan.largest:,}",
        )
        if not plan.sliced and not chunked:
            merged = con.execute("SELECT bool_or(copies > 1) FROM near_shares").fetchone()
            copies = bool(merged and merged[0])
            steps = whole_steps(
                spec,
                engine.dialect,
                first.releases,
                copies=copies,
                one_object_type=one_object_type,
            )
        else:
            if not chunked:
                # The whole-data statistics first, so that every stored share but the
                # near ones is gone before the slices (at 85 million shares they spilled
                # 9 GB more).
                whole = {step.name: step for step in totals_steps(share_stats_sql())}
                for name in WHOLE_DATA:
                    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {whole[name].sql}")
                    made.append(("TABLE", name))
                    engine._stepped(name)
                for name in ("share_stats", "near_rows", *first.releases):
                    con.execute(f"DROP TABLE IF EXISTS {name}")
            # Chunked, the near shares are files read through a view, dropped at the end.
            releases = ("drifting_posts",) if chunked else _SHARES_TABLES
            # Posts whose shares carry different times (possible in files): their pairs
            # of posts may fall in two slices and are counted apart.
            drifting = False
            keyed = spec.semantics != "coortweet"
            if keyed:
                for name, sql in keys_sql():
                    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
                    made.append(("TABLE", name))
                    engine._stepped(name)
                for name in ("post_keys", "object_keys"):  # read by near_keys alone
                    con.execute(f"DROP TABLE {name}")
            if not one_time_per_post:
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE drifting_posts AS "
                    + (
                        "SELECT post, TRUE AS drifts FROM near_keys GROUP BY post "
                        if keyed
                        else "SELECT account, share_id, TRUE AS drifts FROM near_shares "
                        "GROUP BY account, share_id "
                    )
                    + "HAVING MIN(t) < MAX(t)"
                )
                made.append(("TABLE", "drifting_posts"))
                found = con.execute("SELECT COUNT(*) FROM drifting_posts").fetchone()
                drifting = bool(found and found[0])
            if keyed:
                runs = PairRuns.open(con)
                count_first_pass(
                    con,
                    spec,
                    plan,
                    runs,
                    drifting=drifting,
                    stepped=engine._stepped,
                    made=made,
                )
                _log.info(
                    "co-action: co-actions per account pair took %.2f GB in sorted runs",
                    runs.bytes() / 1024**3,
                )
                runs.close()
                steps = second_pass_steps(spec, engine.dialect, plan, releases)
            else:
                steps = sliced_steps(
                    spec, engine.dialect, plan, drifting=drifting, releases=releases
                )
        return engine.run(steps, {}, outputs), plan
    finally:
        if runs is not None:
            runs.close()
        for kind, name in reversed(made):
            con.execute(f"DROP {kind} IF EXISTS {name}")
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        for table in first.releases:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        if not isinstance(shares, Step) and not isinstance(shares, ParquetInput):
            con.unregister(registered)
