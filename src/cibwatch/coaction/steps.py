"""The co-action relational steps, written once as SQL both engines execute.

Input: a relation ``shares(account, object_type, object_id, t, share_id, rid)`` where ``t``
is the time in UNIX seconds (DOUBLE), ``share_id`` the content id (the post that carried the
object) and ``rid`` a unique row number used only to order shares with equal times.

Why buckets: the naive co-action join (CooRTweet, coordination-network-toolkit) pairs every
share of an object with every other share and filters by time afterwards, which is quadratic
in the object's popularity (an object shared 80 thousand times yields 3.2 billion pairs).
Here each share gets ``bucket = floor(t / window)`` and is joined only with shares of the
same object in the same bucket or the next one. Two shares in the same bucket are always
within the window; two in adjacent buckets are checked. The join therefore costs at most
about twice the number of share pairs that really fall within the window. Each unordered
pair of shares appears exactly once: the earlier share (ties broken by ``rid``) is ``s1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from cibwatch.engines.base import Dialect, Step
from cibwatch.errors import ConfigError

SEMANTICS = ("cibwatch", "coortweet")

#: Pairs of shares the window join may examine before a run is refused (``max_pairs``).
#: Each pair the join keeps costs about 110 bytes of memory or spill disk: the default
#: bounds that near 50 GB. The benchmark's 30 million posts (50,000 accounts, 30 days)
#: examine at most 157 million; 100 million posts by the same accounts in the same 30 days
#: 1.74 billion, where every pair of accounts co-acts by chance and the answer means nothing.
DEFAULT_MAX_PAIRS = 500_000_000

#: Pairs of shares one time slice is planned to hold when ``slice_pairs`` is not given
#: (DuckDB computes co-action one slice at a time: :mod:`cibwatch.coaction.slices`). At
#: about 110 bytes a pair, 40 million pairs are 4.4 GB, near DuckDB's usual memory limit,
#: so what spills is bounded by one slice. The 1 million post world examines 1.3 million
#: and stays one slice (the unsliced steps); the 10 million post world at ten times its
#: density examines 95 million: three slices, the same edges in 14 % less CPU time.
DEFAULT_SLICE_PAIRS = 40_000_000


class TooManyPairsError(ConfigError):
    """The window join would examine more pairs of shares than ``max_pairs`` allows."""


@dataclass(frozen=True)
class CoActionSpec:
    """Parameters of one co-action computation (validated by :meth:`check`).

    ``max_pairs`` bounds the pairs of shares one piece of the window join may examine (None:
    no bound): one time slice on DuckDB, the whole join on engines that do not slice.
    ``slice_pairs`` is the pairs of shares a time slice is planned to hold (None: chosen
    from :data:`DEFAULT_SLICE_PAIRS` and ``max_pairs``; see :mod:`cibwatch.coaction.slices`).
    """

    window: float
    min_participation: int = 2
    semantics: str = "cibwatch"
    max_pairs: int | None = DEFAULT_MAX_PAIRS
    slice_pairs: int | None = None

    def check(self) -> None:
        """Raise :class:`~cibwatch.errors.ConfigError` for parameters that make no sense."""
        if not self.window > 0:
            raise ConfigError(f"window must be a positive number of seconds, got {self.window}")
        if self.min_participation < 1:
            raise ConfigError(f"min_participation must be >= 1, got {self.min_participation}")
        if self.semantics not in SEMANTICS:
            raise ConfigError(
                f"unknown semantics {self.semantics!r}; choose one of {', '.join(SEMANTICS)}"
            )
        if self.max_pairs is not None and self.max_pairs < 1:
            raise ConfigError(f"max_pairs must be >= 1 (None: no bound), got {self.max_pairs}")
        if self.slice_pairs is not None and self.slice_pairs < 1:
            raise ConfigError(f"slice_pairs must be >= 1 (None: automatic), got {self.slice_pairs}")
        if (
            self.slice_pairs is not None
            and self.max_pairs is not None
            and self.slice_pairs > self.max_pairs
        ):
            raise ConfigError(
                f"slice_pairs ({self.slice_pairs:,}) must not exceed max_pairs "
                f"({self.max_pairs:,}), the most one slice may hold"
            )

    def planned_slice_pairs(self) -> int:
        """The pairs of shares a slice is planned to hold: ``slice_pairs`` when given, else
        :data:`DEFAULT_SLICE_PAIRS`, never more than ``max_pairs``."""
        if self.slice_pairs is not None:
            return self.slice_pairs
        if self.max_pairs is None:
            return DEFAULT_SLICE_PAIRS
        return min(DEFAULT_SLICE_PAIRS, self.max_pairs)


def bucket_work_sql(one_object_type: bool = False) -> str:
    """Pairs of shares the window join examines per bucket of the earlier share.

    Within each object, every two shares of one bucket and every share of a bucket with
    every share of the next: exactly the join's work, counted from the shares per bucket
    (one aggregate, no pair built). Per bucket so that slices can be cut by it
    (:mod:`cibwatch.coaction.slices`); summed, it is the guard's ``join_size``.
    """
    w = "object_id" if one_object_type else "object_type, object_id"
    return (
        "SELECT bucket, CAST(SUM(n * (n - 1) / 2 + n * next_n) AS BIGINT) AS examined "
        f"FROM (SELECT bucket, n, CASE WHEN LEAD(bucket) OVER (PARTITION BY {w} ORDER BY "
        f"bucket) = bucket + 1 THEN LEAD(n) OVER (PARTITION BY {w} ORDER BY bucket) ELSE 0 "
        f"END AS next_n FROM (SELECT {w}, bucket, COUNT(*) AS n FROM near_shares "
        f"GROUP BY {w}, bucket) counts) sizes GROUP BY bucket "
        "HAVING SUM(n * (n - 1) / 2 + n * next_n) > 0 ORDER BY bucket"
    )


def _pair_budget(spec: CoActionSpec) -> Step:
    """``join_size``: how many pairs of shares the window join will examine, checked.

    The sum of :func:`bucket_work_sql` (2.3 s at 100 million shares), so data too dense to
    finish (every pair of accounts co-acting by chance) is refused as soon as the shares
    are sorted, rather than after the join has filled the disk.
    """
    limit = spec.max_pairs

    def check(result: pa.Table) -> None:
        examined = int(result.column("examined")[0].as_py() or 0)
        if limit is not None and examined > limit:
            raise TooManyPairsError(
                f"the {spec.window:g} s window join would examine {examined:,} pairs of "
                f"shares, more than max_pairs ({limit:,}), and this engine computes the join "
                "in one piece. That is volume, not density: the duckdb engine computes it "
                "one time slice at a time within max_pairs. Otherwise shorten the window, "
                "restrict the object types, or raise max_pairs (--max-pairs) if the machine "
                "has about 110 bytes of memory or disk for each pair"
            )

    return Step(
        "join_size",
        "SELECT CAST(COALESCE(SUM(examined), 0) AS BIGINT) AS examined "
        f"FROM ({bucket_work_sql()}) work",
        check=check,
    )


def _window_literal(window: float) -> str:
    return repr(float(window))


def pair_steps(spec: CoActionSpec, *, one_object_type: bool = False) -> list[Step]:
    """Steps up to ``pairs``: every unordered pair of shares of one object within the window.

    Pairs of shares by the same account are kept here because the null model counts them
    (under a random relabelling of accounts any two shares may fall to one account).
    ``one_object_type`` says every share has the same object type (a file without a type
    column): the sort then partitions by the object id alone, which saves a comparison of
    the type per row (0.12 of 0.75 CPU s of the sort at 1 M shares) and changes nothing else.
    """
    w = _window_literal(spec.window)
    # One sort of the shares by object and time does two jobs. Identical rows (same account,
    # object, time and content) are one share: exports often repeat a post once per other
    # attribute, and CooRTweet de-duplicates them too; sorted, a copy follows its original
    # (the least ``rid``). And only shares whose nearest share of the same object lies
    # within the window can be in a pair (a pair within the window makes each of its shares
    # the other's neighbour within the window): on the 1 million recipe, the density of most
    # real data, that leaves 14 % of the shares for the join, 32 % at 10 million posts. A
    # copy makes its original look near (a harmless extra share in the join, never a lost
    # pair). The time bucket is computed in the same pass.
    partition = "object_id" if one_object_type else "object_type, object_id"
    order = f"PARTITION BY {partition} ORDER BY t, account, share_id, rid"
    flagged = Step(
        "flagged_shares",
        "SELECT account, object_type, object_id, t, share_id, rid, "
        f"CAST(FLOOR(t / {w}) AS BIGINT) AS bucket, "
        f"CASE WHEN LAG(t) OVER ({order}) = t AND LAG(account) OVER ({order}) = account "
        f"AND LAG(share_id) OVER ({order}) = share_id THEN 1 ELSE 0 END AS duplicate, "
        f"CASE WHEN t - LAG(t) OVER ({order}) <= {w} OR LEAD(t) OVER ({order}) - t <= {w} "
        "THEN 1 ELSE 0 END AS near FROM shares",
        materialize=False,
    )
    unique = Step(
        "unique_shares",
        "SELECT account, object_type, object_id, t, share_id, rid, bucket, near "
        "FROM flagged_shares WHERE duplicate = 0",
    )
    near = Step(
        "near_shares",
        "SELECT account, object_type, object_id, t, share_id, rid, bucket FROM unique_shares "
        "WHERE near = 1",
    )
    pairs = Step("pairs", pairs_sql(spec.window))
    return [flagged, unique, near, _pair_budget(spec), pairs]


def near_share_steps(spec: CoActionSpec, *, one_object_type: bool = False) -> list[Step]:
    """DuckDB's steps from a stored ``shares`` to ``near_rows`` and ``near_shares``: the
    same near shares as :func:`pair_steps`, with far less work per share.

    ``shares`` must be read twice with the same ``rid`` per row (a stored column, or a
    table's ``rowid``). Three observations make the sort of every share cheap:

    - whether a share is near depends on its object and time alone, so the sort needs only
      ``rid``, ``t`` and one number per object, not the shares' text ids (at 1 M shares,
      0.27 against 0.69 CPU s, 2.4 M actions 0.5 against 2.1). The number is a 64-bit hash
      of the object: two objects that collide share a partition, which can only give a share
      a nearer neighbour, never take its own away, so no near share is lost; a share made
      near by a collision pairs with nothing (the join matches the object itself);
    - a duplicate (the same account, object, time and content) lies 0 s from its original,
      so both are near: duplicates are found among the near shares alone (14 % of the
      shares at 1 M), by a grouping that keeps the least ``rid`` as the sort kept the first;
    - ``copies`` (rows merged into each near share) lets :func:`share_stats_sql` count
      every share from ``shares`` itself, so the unique shares are never stored.

    Keys that are NULL never make duplicates (``rid`` joins the grouping), as in the sort's
    comparison of each row with the one before.
    """
    w = _window_literal(spec.window)
    key = "hash(object_id)" if one_object_type else "hash(object_type, object_id)"
    order = "PARTITION BY object_key ORDER BY t"
    rows = Step(
        "near_rows",
        f"SELECT rid FROM (SELECT rid, t - LAG(t) OVER ({order}) <= {w} "
        f"OR LEAD(t) OVER ({order}) - t <= {w} AS near "
        f"FROM (SELECT rid, t, {key} AS object_key FROM shares) keyed) flagged WHERE near",
    )
    near = Step(
        "near_shares",
        "SELECT account, object_type, object_id, t, share_id, MIN(rid) AS rid, "
        f"CAST(FLOOR(t / {w}) AS BIGINT) AS bucket, COUNT(*) AS copies "
        "FROM shares WHERE rid IN (SELECT rid FROM near_rows) "
        "GROUP BY account, object_type, object_id, t, share_id, "
        "CASE WHEN t IS NULL OR account IS NULL OR share_id IS NULL THEN rid END",
    )
    return [rows, near]


def unique_shares_sql(spec: CoActionSpec) -> str:
    """The unique shares after :func:`near_share_steps`, as ``unique_shares`` of
    :func:`pair_steps` (columns and rows): every share that is not near (none has a copy)
    and the near shares. For checks that read them; the steps themselves never do."""
    w = _window_literal(spec.window)
    return (
        "SELECT account, object_type, object_id, t, share_id, rid, "
        f"CAST(FLOOR(t / {w}) AS BIGINT) AS bucket, 0 AS near FROM shares "
        "WHERE rid NOT IN (SELECT rid FROM near_rows) UNION ALL "
        "SELECT account, object_type, object_id, t, share_id, rid, bucket, 1 AS near "
        "FROM near_shares"
    )


def _share_stats(source: str, n: str = "COUNT(*)") -> str:
    """``share_stats`` (see :func:`totals_steps`): ``n`` per account and type and per
    account and post, over the rows of ``source``."""
    return (
        f"SELECT account, object_type, share_id, {n} AS n, "
        f"GROUPING(object_type) AS per_post FROM {source} "
        "GROUP BY GROUPING SETS ((account, object_type), (account, share_id))"
    )


#: ``share_stats`` over the unique shares ``unique_shares``.
_SHARE_STATS = _share_stats("unique_shares")


def share_stats_sql(copies: bool = True) -> str:
    """``share_stats`` after :func:`near_share_steps`, from ``shares`` and ``near_shares``:
    each share counts 1 and each near share ``1 - copies``, which takes its copies back
    out. The same groups and counts as over the unique shares (a copy has its original's
    account, type and post), without storing them. ``copies=False`` says that no near
    share merged a copy (most data has none): the shares are then counted as they are,
    without the union (a third of this step's CPU time at 1 M shares)."""
    if not copies:
        return _share_stats("shares")
    return _share_stats(
        "(SELECT account, object_type, share_id, 1 AS w FROM shares UNION ALL "
        "SELECT account, object_type, share_id, 1 - copies AS w FROM near_shares "
        "WHERE copies > 1) counted",
        "CAST(SUM(w) AS BIGINT)",
    )


#: What :func:`pairs_sql` returns of each pair, and how it tells one object.
PAIR_COLUMNS = (
    "s1.object_type AS object_type, s1.object_id AS object_id, "
    "s1.account AS acc1, s2.account AS acc2, s1.share_id AS share1, "
    "s2.share_id AS share2, s1.t AS t1, s2.t AS t2"
)
SAME_OBJECT = "s1.object_type = s2.object_type AND s1.object_id = s2.object_id"


def pairs_sql(
    window: float,
    source: str = "near_shares",
    buckets: tuple[int | None, int | None] = (None, None),
    *,
    columns: str = PAIR_COLUMNS,
    same_object: str = SAME_OBJECT,
) -> str:
    """``SELECT`` of the pairs of shares of one object within ``window`` from ``source``.

    ``buckets = (first, end)`` keeps only the pairs whose earlier share lies in a bucket from
    ``first`` up to, not including, ``end`` (None: unbounded): one time slice. Each pair has
    exactly one earlier share, so slices that tile the buckets give every pair exactly once.
    ``columns`` and ``same_object`` serve a ``source`` with other columns.
    """
    w = _window_literal(window)
    first, end = buckets
    one, two = source, source
    if first is not None or end is not None:
        # The later share lies in the earlier one's bucket or the next: filtering both
        # sides lets the join build its table from the slice's shares alone.
        bounds1 = [f"bucket >= {int(first)}"] if first is not None else []
        bounds2 = list(bounds1)
        if end is not None:
            bounds1.append(f"bucket < {int(end)}")
            bounds2.append(f"bucket <= {int(end)}")
        one = f"(SELECT * FROM {source} WHERE {' AND '.join(bounds1)})"
        two = f"(SELECT * FROM {source} WHERE {' AND '.join(bounds2)})"
    return (
        f"SELECT {columns} FROM {one} s1 JOIN {two} s2 "
        f"ON {same_object} AND s2.bucket = s1.bucket "
        f"WHERE s2.t > s1.t OR (s2.t = s1.t AND s2.rid > s1.rid) "
        f"UNION ALL "
        f"SELECT {columns} FROM {one} s1 JOIN {two} s2 "
        f"ON {same_object} AND s2.bucket = s1.bucket + 1 "
        f"WHERE s2.t - s1.t <= {w}"
    )


#: Co-actions of a pair within one hour (by the earlier share) are one occasion.
OCCASION = 3600.0


def coacts_sql(source: str, where: str) -> str:
    """Pairs of two different accounts, oriented so that ``account_a < account_b``."""
    return (
        "SELECT object_type, object_id, acc1, acc2, share1, share2, "
        "CASE WHEN acc1 < acc2 THEN acc1 ELSE acc2 END AS account_a, "
        "CASE WHEN acc1 < acc2 THEN acc2 ELSE acc1 END AS account_b, "
        "t2 - t1 AS dt, CASE WHEN t2 > t1 THEN acc1 END AS leader, "
        f"CAST(FLOOR(t1 / {OCCASION}) AS BIGINT) AS occasion "
        f"FROM {source} WHERE acc1 <> acc2{where}"
    )


def coact_steps(spec: CoActionSpec) -> list[Step]:
    """Steps up to ``coacts``: the co-action pairs that the chosen semantics keeps."""
    if spec.semantics == "cibwatch":
        # A view: a filter over ``pairs`` is cheaper to repeat than to store again.
        return [Step("coacts", coacts_sql("pairs", ""), materialize=False)]
    # CooRTweet, applied per object type (its published figures stack one run per type):
    # (1) drop accounts with fewer than m shares before pairing (filtering the pairs is
    # equivalent: a pair needs both of its accounts); (2) a share is never paired with
    # itself; (3) keep accounts with at least m distinct shares in pairs, and a pair when
    # either of its accounts is kept.
    return [
        active_step(spec),
        Step("raw_coacts", raw_coacts_sql("pairs")),
        Step("kept", kept_sql(coacting_shares_sql("raw_coacts"), spec)),
        Step("coacts", kept_coacts_sql("raw_coacts")),
    ]


def active_step(spec: CoActionSpec) -> Step:
    """CooRTweet's accounts with at least ``min_participation`` shares of one object type."""
    return Step(
        "active",
        f"SELECT account, object_type FROM activity WHERE n >= {int(spec.min_participation)}",
    )


def _joined(table: str, alias: str, column: str, kind: str = "JOIN") -> str:
    return (
        f" {kind} {table} {alias} ON {alias}.account = p.{column} "
        f"AND {alias}.object_type = p.object_type"
    )


def raw_coacts_sql(pairs: str) -> str:
    """CooRTweet's co-action pairs of ``pairs`` before step (3): both accounts ``active``."""
    return coacts_sql(
        f"(SELECT p.* FROM {pairs} p"
        + _joined("active", "a1", "acc1")
        + _joined("active", "a2", "acc2")
        + ") active_pairs",
        " AND share1 <> share2",
    )


def coacting_shares_sql(raw: str) -> str:
    """Each share of the CooRTweet pairs ``raw`` with its account (as many times as paired)."""
    return (
        f"SELECT acc1 AS account, object_type, share1 AS share FROM {raw} "
        f"UNION ALL SELECT acc2 AS account, object_type, share2 AS share FROM {raw}"
    )


def kept_sql(shares: str, spec: CoActionSpec) -> str:
    """CooRTweet's step (3): accounts with ``min_participation`` distinct shares in pairs."""
    m = int(spec.min_participation)
    return (
        f"SELECT account, object_type FROM ({shares}) x GROUP BY account, object_type "
        f"HAVING COUNT(DISTINCT share) >= {m}"
    )


def kept_coacts_sql(raw: str) -> str:
    """The CooRTweet pairs ``raw`` of which either account is ``kept``."""
    return (
        f"SELECT p.* FROM {raw} p"
        + _joined("kept", "k1", "acc1", "LEFT JOIN")
        + _joined("kept", "k2", "acc2", "LEFT JOIN")
        + " WHERE k1.account IS NOT NULL OR k2.account IS NOT NULL"
    )


def _edge_stats(dialect: Dialect) -> str:
    return (
        "COUNT(DISTINCT object_id) AS n_objects, COUNT(*) AS n_pairs, "
        f"{dialect.median('dt')} AS median_dt, MIN(dt) AS min_dt, "
        "COUNT(CASE WHEN leader = account_a THEN 1 END) AS a_leads, "
        "COUNT(CASE WHEN leader = account_b THEN 1 END) AS b_leads"
    )


# Distinct pairs of posts behind an edge: one post carries several objects (its url, the
# url's domain, its text), and one pair of posts must not count as three co-actions.
_SHARE_PAIRS = (
    "COUNT(DISTINCT CASE WHEN acc1 < acc2 "
    "THEN acc1 || ' ' || share1 || ' ' || acc2 || ' ' || share2 "
    "ELSE acc2 || ' ' || share2 || ' ' || acc1 || ' ' || share1 END)"
)


# Which post of a pair comes first, so that a pair met on two objects counts once: by
# account, and by post within one account (the earlier share is not a stable choice there,
# since equal times are ordered by row number).
_FIRST = "(acc1 < acc2 OR (acc1 = acc2 AND share1 < share2))"


# Every figure of the pairs grouped by pair of accounts, in one pass: the distinct pairs of
# posts (the null model's ``n_window_post_pairs``), the pairs of accounts that co-acted
# (``n_coacting_pairs``) and each pair of accounts' co-actions (``candidate_coacts``).
# Three groupings of the pairs before, each a shuffle of every pair on Spark (11.9 million
# at 10 million posts; 83 of 217 task CPU s, 26 now). The groupings nest: pairs of posts,
# then their pairs of accounts, then the pairs of accounts that co-acted more than once,
# kept by name, while those that co-acted once, most of them, fold into one row of sums
# (NULL accounts: account ids are never NULL). The Spark hint, a comment to DuckDB,
# distributes the pairs by pair of accounts once, which the two groupings above it keep;
# without it Spark shuffles for each. Pairs of posts are grouped by columns (oriented by
# ``_FIRST``), not by concatenated text: no string is built per pair, and ids that contain
# spaces cannot collide.
_PAIR_COUNTS = (
    "SELECT CASE WHEN repeated THEN first_account END AS account_a, "
    "CASE WHEN repeated THEN second_account END AS account_b, "
    "CAST(SUM(n_coacts) AS BIGINT) AS n_coacts, "
    "CAST(SUM(CASE WHEN first_account <> second_account THEN 1 ELSE 0 END) AS BIGINT) "
    "AS n_account_pairs, CAST(SUM(n_post_pairs) AS BIGINT) AS n_post_pairs "
    "FROM (SELECT first_account, second_account, SUM(n) AS n_coacts, "
    "COUNT(*) AS n_post_pairs, first_account <> second_account AND SUM(n) > 1 AS repeated "
    "FROM (SELECT first_account, second_account, first_share, second_share, COUNT(*) AS n "
    "FROM (SELECT /*+ REPARTITION(first_account, second_account) */ "
    f"CASE WHEN {_FIRST} THEN acc1 ELSE acc2 END AS first_account, "
    f"CASE WHEN {_FIRST} THEN share1 ELSE share2 END AS first_share, "
    f"CASE WHEN {_FIRST} THEN acc2 ELSE acc1 END AS second_account, "
    f"CASE WHEN {_FIRST} THEN share2 ELSE share1 END AS second_share "
    "FROM pairs WHERE acc1 <> acc2 OR share1 <> share2) oriented "
    "GROUP BY first_account, second_account, first_share, second_share) post_pairs "
    "GROUP BY first_account, second_account) account_pairs "
    "GROUP BY CASE WHEN repeated THEN first_account END, "
    "CASE WHEN repeated THEN second_account END"
)


def totals_steps(share_stats: str = _SHARE_STATS) -> list[Step]:
    """Steps over all shares and window pairs: activity per account, totals per type.

    They run right after ``pairs`` so that ``unique_shares`` and ``pairs``, the largest
    intermediates, can be dropped before the co-action and edge steps run. ``share_stats``
    is the first step's SQL (:func:`share_stats_sql` after :func:`near_share_steps`).
    """
    return [
        Step(
            # One pass over the shares for every per-account figure: shares per account and
            # object type, and one row per post (account, share_id), since a post carries
            # several objects and posts per account are not a sum of shares. ``activity``,
            # ``post_activity``, ``type_totals`` and co-action's ``active`` read this table
            # instead of scanning the shares again, which on Spark is a shuffle of every
            # share each. Posts are counted as groups, not by ``COUNT(DISTINCT share_id)``:
            # a distinct aggregate in a grouping set keeps a hash set per group and cost
            # twice the CPU time of the whole pass (2.0 against 0.9 s at 2.4 million shares).
            "share_stats",
            share_stats,
        ),
        Step(
            "activity",
            "SELECT account, object_type, n FROM share_stats WHERE per_post = 0",
        ),
        Step(
            "type_totals",
            "SELECT k.object_type, k.n_shares, COALESCE(w.n_window_pairs, 0) AS n_window_pairs "
            "FROM (SELECT object_type, CAST(SUM(n) AS BIGINT) AS n_shares FROM activity "
            "GROUP BY object_type) k "
            "LEFT JOIN (SELECT object_type, COUNT(*) AS n_window_pairs FROM pairs "
            "GROUP BY object_type) w ON k.object_type = w.object_type",
        ),
        Step(
            "post_activity",
            "SELECT account, COUNT(*) AS n FROM share_stats WHERE per_post = 1 GROUP BY account",
        ),
        Step("pair_counts", _PAIR_COUNTS),
        Step(
            "post_totals",
            # Posts are distinct (account, share_id): the sum of ``post_activity``, which
            # saves a second distinct pass over every share.
            "SELECT p.n_posts, w.n_window_post_pairs FROM "
            "(SELECT CAST(SUM(n) AS BIGINT) AS n_posts FROM post_activity) p CROSS JOIN "
            "(SELECT CAST(COALESCE(SUM(n_post_pairs), 0) AS BIGINT) AS n_window_post_pairs "
            "FROM pair_counts) w",
        ),
        Step(
            "coacting_pairs",
            # The pairs of accounts that could be judged coordinated: those that co-acted at
            # least once (the multiple-testing denominator of :mod:`significance`).
            "SELECT CAST(COALESCE(SUM(n_account_pairs), 0) AS BIGINT) AS n_coacting_pairs "
            "FROM pair_counts",
        ),
        Step("accounts", "SELECT COUNT(*) AS n_accounts FROM post_activity"),
    ]


def edge_steps(spec: CoActionSpec, dialect: Dialect) -> list[Step]:
    """Steps ``raw_edges``, ``layers`` (one row per pair and object type), ``edges``, ``nodes``.

    ``edges.weight`` is the number of distinct objects (cibwatch) or of co-action pairs
    (CooRTweet). ``edges.expected`` is the expected number of co-acting *pairs of posts*
    under the null model of :mod:`cibwatch.coaction.significance`: with ``N`` posts and
    ``W`` pairs of posts that co-act on some object within the window, a random pair of
    posts is by ``a`` and ``b`` with probability ``2 n_a n_b / (N (N - 1))``, ``n`` counting
    posts.
    """
    m = int(spec.min_participation)
    having = f" HAVING COUNT(DISTINCT object_type || ':' || object_id) >= {m}"
    weight = "n_objects" if spec.semantics == "cibwatch" else "n_pairs"
    if spec.semantics == "coortweet":
        having = ""
    # Distinct objects across types: the id alone could repeat across types.
    fused_stats = _edge_stats(dialect).replace(
        "COUNT(DISTINCT object_id)", "COUNT(DISTINCT object_type || ':' || object_id)"
    )
    proof = dialect.sorted_distinct_list("object_type || ':' || object_id")
    # Most account pairs co-act once by chance (at 10 million posts, 11.9 million co-action
    # pairs fall on 11.8 million account pairs, of which 35 thousand pass ``min_participation``).
    # Computing medians, distinct counts and proof lists for all of them cost most of the time
    # and gigabytes of aggregate state that DuckDB's memory limit does not cover; a cheap count
    # first keeps only the pairs that can pass (a pair's co-actions bound its distinct objects).
    prefilter = spec.semantics == "cibwatch" and m > 1
    source = "candidate_coacts" if prefilter else "coacts"
    candidates = [
        Step(
            # ``pair_counts`` names every pair of accounts that co-acted more than once
            # (small: it is broadcast to this join on Spark, no pair is shuffled).
            "candidate_coacts",
            "SELECT c.* FROM coacts c JOIN pair_counts k "
            "ON c.account_a = k.account_a AND c.account_b = k.account_b "
            f"WHERE k.n_coacts >= {m}",
        ),
    ]
    return [
        *(candidates if prefilter else []),
        Step(
            "raw_edges",
            f"SELECT account_a, account_b, {fused_stats}, {_SHARE_PAIRS} AS n_share_pairs, "
            "COUNT(DISTINCT occasion) AS n_occasions, "
            f"{proof} AS proof "
            f"FROM {source} GROUP BY account_a, account_b{having}",
        ),
        Step(
            "layers",
            f"SELECT account_a, account_b, object_type, {_edge_stats(dialect)} FROM ("
            "SELECT c.account_a, c.account_b, c.object_type, c.object_id, c.dt, c.leader "
            f"FROM {source} c JOIN raw_edges e "
            "ON c.account_a = e.account_a AND c.account_b = e.account_b"
            ") kept_coacts GROUP BY account_a, account_b, object_type",
        ),
        Step(
            "expected",
            # Explicit DOUBLE casts: Spark reads a literal like 2.0 as DECIMAL.
            "SELECT e.account_a, e.account_b, CASE WHEN t.n_posts > 1 THEN "
            "2 * CAST(aa.n AS DOUBLE) * ab.n * t.n_window_post_pairs "
            "/ (CAST(t.n_posts AS DOUBLE) * (t.n_posts - 1)) "
            "ELSE CAST(0 AS DOUBLE) END AS expected "
            "FROM raw_edges e JOIN post_activity aa ON aa.account = e.account_a "
            "JOIN post_activity ab ON ab.account = e.account_b CROSS JOIN post_totals t",
        ),
        Step(
            "edges",
            f"SELECT e.account_a, e.account_b, e.{weight} AS weight, e.n_objects, e.n_pairs, "
            "LEAST(e.n_share_pairs, e.n_objects, e.n_occasions) AS n_events, "
            "e.n_share_pairs, e.n_occasions, "
            "e.median_dt, e.min_dt, e.a_leads, e.b_leads, "
            "COALESCE(x.expected, CAST(0 AS DOUBLE)) AS expected, "
            "e.proof FROM raw_edges e LEFT JOIN expected x "
            "ON e.account_a = x.account_a AND e.account_b = x.account_b",
        ),
        Step(
            "nodes",
            "SELECT a.account, a.n_actions, COALESCE(d.degree, 0) AS degree, "
            "COALESCE(d.strength, 0) AS strength FROM "
            "(SELECT account, CAST(SUM(n) AS BIGINT) AS n_actions FROM activity "
            "GROUP BY account) a "
            "JOIN (SELECT account, COUNT(*) AS degree, CAST(SUM(weight) AS BIGINT) AS strength "
            "FROM ("
            "SELECT account_a AS account, weight FROM edges "
            "UNION ALL SELECT account_b AS account, weight FROM edges) u GROUP BY account) d "
            "ON a.account = d.account",
        ),
    ]


def all_steps(spec: CoActionSpec, dialect: Dialect, *, one_object_type: bool = False) -> list[Step]:
    """Every step from ``shares`` to ``edges``, ``layers``, ``nodes`` and ``accounts``
    (``one_object_type``: see :func:`pair_steps`)."""
    spec.check()
    return (
        pair_steps(spec, one_object_type=one_object_type)
        + totals_steps()
        + coact_steps(spec)
        + edge_steps(spec, dialect)
    )


#: The steps whose results a co-action run returns.
OUTPUTS = ("edges", "layers", "nodes", "type_totals", "accounts", "coacting_pairs")
