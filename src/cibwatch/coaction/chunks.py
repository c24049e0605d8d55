"""Duplicate removal and near shares one stretch of time at a time.

Why: the window join reads only the *near* shares (another share of the same object within
the window), once each (identical rows are one share). Both are found by one sort of the
shares by object and time (:func:`~cibwatch.coaction.steps.pair_steps`), which over all the
shares of the 100 M span world (240 million) stopped at a 20 GB spill cap before any time
slice ran. Both questions are local in time: copies of a share carry its time, and a
share's neighbours within the window lie in its own time bucket (``floor(t / window)``) or
the two beside it. So the shares are cut into chunks of consecutive buckets, and each chunk
is sorted with the buckets either side of it: the flags of its own shares are then those
the sort of all the shares gives, and what no chunk keeps (a neighbour read for its flag)
is another chunk's own. The per-account counts the statistics need are summed over the
chunks, since every share lies in exactly one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np

from cibwatch.coaction.steps import CoActionSpec
from cibwatch.engines.base import Step
from cibwatch.sqltext import literal

Bounds = tuple[int | None, int | None]


def plan_chunks(buckets: np.ndarray, shares: np.ndarray, target: int) -> tuple[Bounds, ...]:
    """Consecutive ``buckets`` (sorted) grouped into chunks of at most ``target`` shares (a
    bucket holding more is a chunk of its own), as ``(first, end)`` bounds, None unbounded.

    >>> plan_chunks(np.array([0, 1, 5, 6]), np.array([2, 2, 3, 1]), 4)
    ((None, 5), (5, None))
    """
    cumulative = np.cumsum(shares.astype(np.int64))
    starts: list[int] = []
    start = 0
    while start < len(cumulative):
        before = int(cumulative[start - 1]) if start else 0
        end = int(np.searchsorted(cumulative, before + target, side="right"))
        starts.append(start)
        start = max(end, start + 1)
    edges: list[int | None] = [None, *(int(buckets[i]) for i in starts[1:]), None]
    return tuple(pairwise(edges))


def chunk_shares(spec: CoActionSpec) -> int:
    """Shares one chunk is planned to hold: half a slice's pairs (a share's row, with its
    text ids, costs about twice a pair's), so that a chunk's sort needs about what a
    slice's join does."""
    return max(1, spec.planned_slice_pairs() // 2)


class RunningCounts:
    """Counts per key (``keys``, SQL columns) summed over chunks into the table ``name``,
    in space bounded by the number of keys, not by chunks times keys.

    Why: appended per chunk and summed at the end, the counts per account held one row per
    account per chunk and spilled 14 GB at 240 million shares; folded into the totals at
    every chunk, the totals were re-aggregated once per chunk. Here each chunk's counts are
    appended to ``{name}_parts``, folded into the totals only once the parts outnumber them:
    the parts never hold more than the totals and one chunk's counts, and each fold sums
    at most twice the rows appended since the last.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        keys: str,
        made: list[tuple[str, str]],
        like: str,
    ) -> None:
        # ``like``: a table with the key columns, whose types the totals take.
        self.con, self.name, self.keys = con, name, keys
        self.totals = 0
        self.parts = 0
        for table in (name, f"{name}_parts"):
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {keys}, CAST(0 AS BIGINT) AS n "
                f"FROM {like} WHERE FALSE"
            )
            made.append(("TABLE", table))

    def add(self, rows: str) -> None:
        """Count the rows of ``rows`` (a ``SELECT`` of the key columns) per key."""
        # The first chunk's counts, one row per key, are the totals so far as they are.
        into = self.name if not self.totals and not self.parts else f"{self.name}_parts"
        found = self.con.execute(
            f"INSERT INTO {into} SELECT {self.keys}, COUNT(*) AS n "
            f"FROM ({rows}) r GROUP BY {self.keys}"
        ).fetchone()
        if into == self.name:
            self.totals = int(found[0]) if found else 0
            return
        self.parts += int(found[0]) if found else 0
        if self.parts > self.totals:
            self._fold()

    def finish(self) -> None:
        """Fold what remains; the totals are then complete in the table ``name``."""
        self._fold()
        self.con.execute(f"DROP TABLE {self.name}_parts")

    def _fold(self) -> None:
        if not self.parts:
            return
        name, keys = self.name, self.keys
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {keys}, CAST(SUM(n) AS BIGINT) "
            f"AS n FROM (SELECT {keys}, n FROM {name} UNION ALL SELECT {keys}, n "
            f"FROM {name}_parts) u GROUP BY {keys}"
        )
        found = self.con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()
        self.totals = int(found[0]) if found else 0
        self.con.execute(f"DELETE FROM {name}_parts")
        self.parts = 0


def counted(one_time_per_post: bool) -> list[tuple[str, str, str]]:
    """What each chunk counts from its ``unique_shares``: ``(total, keys, rows)``, shares
    per account and type and, when every post lies in one chunk, posts per account."""
    rows = [
        ("activity_sum", "account, object_type", "SELECT account, object_type FROM unique_shares")
    ]
    if one_time_per_post:
        rows.append(
            ("post_sum", "account", "SELECT account FROM unique_shares GROUP BY account, share_id")
        )
    return rows


def _bucket(window: float) -> str:
    # The bucket exactly as ``pair_steps`` computes it, so that filters and flags agree.
    return f"CAST(FLOOR(t / {float(window)!r}) AS BIGINT)"


def deduplicate_in_chunks(
    con: duckdb.DuckDBPyConnection,
    spec: CoActionSpec,
    flagged: Step,
    *,
    checks: Sequence[Step] = (),
    one_time_per_post: bool,
    stepped: Callable[[str], None],
    made: list[tuple[str, str]],
    folder: Path,
) -> int:
    """From the view ``shares``, make ``near_shares``, ``activity``, ``post_activity`` and
    ``accounts`` one chunk at a time; returns the number of chunks.

    ``flagged`` is the step that flags duplicates and near shares over ``shares``; each
    chunk runs it over its own buckets and one bucket either side. ``checks`` run on each
    chunk's ``unique_shares``. With ``one_time_per_post`` every post lies in one chunk and
    posts per account are summed over the chunks; otherwise they are counted over all the
    shares (a grouping, no sort). Per-account counts are folded into running totals chunk
    by chunk, so they hold one row per account (and type) whatever the number of chunks.
    The near shares are written to ``folder``, one
    compressed Parquet file per chunk, and ``near_shares`` is a view over them: at 240
    million shares, kept as a table with their text ids, they filled 8.4 GB of spill
    beside DuckDB's memory limit. Tables and views made are appended to ``made`` (the
    caller drops them and the folder).
    """
    if not flagged.sql.endswith(" FROM shares"):
        raise ValueError("the flagging step must read the view shares")
    bucket = _bucket(spec.window)
    counts = con.execute(
        f"SELECT {bucket} AS bucket, COUNT(*) AS n FROM shares GROUP BY bucket ORDER BY bucket"
    ).fetchnumpy()
    bounds = plan_chunks(counts["bucket"], counts["n"], chunk_shares(spec))
    files: list[Path] = []
    sums: dict[str, RunningCounts] = {}
    for k, (first, end) in enumerate(bounds):
        read: list[str] = []
        own: list[str] = []
        if first is not None:
            read.append(f"{bucket} >= {first - 1}")
            own.append(f"bucket >= {first}")
        if end is not None:
            read.append(f"{bucket} <= {end}")
            own.append(f"bucket < {end}")
        source = f"(SELECT * FROM shares WHERE {' AND '.join(read)}) shares" if read else "shares"
        sql = flagged.sql[: -len("shares")] + source
        kept = " AND ".join(["duplicate = 0", *own])
        con.execute(
            "CREATE OR REPLACE TEMP TABLE unique_shares AS SELECT account, object_type, "
            f"object_id, t, share_id, rid, bucket, near FROM ({sql}) f WHERE {kept}"
        )
        for check in checks:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {check.name} AS {check.sql}")
            if check.check is not None:
                check.check(con.sql(f"SELECT * FROM {check.name}").to_arrow_table())
            con.execute(f"DROP TABLE {check.name}")
        near = folder / f"near{k}.parquet"
        con.execute(
            "COPY (SELECT account, object_type, object_id, t, share_id, rid, bucket "
            f"FROM unique_shares WHERE near = 1) TO {literal(str(near))} "
            "(FORMAT parquet, COMPRESSION zstd)"
        ).fetchall()  # the count of rows written: fetched, so that the result is complete
        files.append(near)
        for total, keys, rows in counted(one_time_per_post):
            if total not in sums:
                sums[total] = RunningCounts(con, total, keys, made, like="unique_shares")
            sums[total].add(rows)
        con.execute("DROP TABLE unique_shares")
        stepped(f"chunk{k}")
    if not one_time_per_post:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE post_sum AS SELECT account, COUNT(*) AS n FROM "
            "(SELECT account, share_id FROM shares GROUP BY account, share_id) p GROUP BY account"
        )
        made.append(("TABLE", "post_sum"))
    listed = ", ".join(literal(str(path)) for path in files)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW near_shares AS SELECT * FROM read_parquet([{listed}])"
    )
    made.append(("VIEW", "near_shares"))
    for running in sums.values():
        running.finish()
    for name, total in (("activity", "activity_sum"), ("post_activity", "post_sum")):
        con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(f"ALTER TABLE {total} RENAME TO {name}")
        made.append(("TABLE", name))
        stepped(name)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE accounts AS SELECT COUNT(*) AS n_accounts FROM post_activity"
    )
    made.append(("TABLE", "accounts"))
    stepped("accounts")
    return len(bounds)
