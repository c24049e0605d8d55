"""Co-actions per account pair over every slice, exact, without one aggregate over them all.

Why: the multiple-testing denominator is the number of account pairs that co-acted at least
once, and the candidate edges are the pairs that co-acted ``min_participation`` times, both
over all slices. Most account pairs co-act once by chance, so their number grows with the
data: the first 1,000 days of the 100 M span world gave one row per account pair per slice
that a single ``GROUP BY`` over all slices could not sum within a 20 GB spill cap. Here each
slice writes its co-actions as one sorted run: a Parquet file of one narrow column, the
pair packed in one ``BIGINT`` (``a * 2^32 + b`` with ``a < b`` the accounts' numbers), one
row per co-action, which compresses the sorted keys several times. Runs are not grouped per
slice: within a slice nearly every account pair co-acts once (at 10 M posts, a slice's 28.9
million co-actions fell on 28.5 million account pairs), so a grouping halved nothing and
cost more than the sort itself (10.2 against 3.9 CPU s per slice). The runs are then merged
one range of keys at a time, each range small enough to count in memory: Parquet's
row-group statistics let each range read only its own part of each run,
so no step holds or spills all pairs at once, and every count stays exact.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import duckdb
import pyarrow as pa

from cibwatch.sqltext import literal

#: Account numbers must fit the lower half of the packed key.
PAIR_SHIFT = 4294967296

#: Rows one range of the merge counts: a hash table of a few million pairs stays in the
#: processor's caches far more than one of tens of millions (at 10 M posts, 55 million
#: co-actions merged in 7.5 CPU s in ranges of 2 million, 11.6 in one range).
MERGE_RANGE_ROWS = 4_000_000

#: The packed key of a pair of numbered accounts ``acc1 <> acc2``, lower number first.
PACKED_PAIR = (
    f"CASE WHEN acc1 < acc2 THEN acc1 * {PAIR_SHIFT} + acc2 ELSE acc2 * {PAIR_SHIFT} + acc1 END"
)


@dataclass
class PairRuns:
    """Sorted runs of packed account pairs written to ``folder``, one per slice."""

    folder: Path
    files: list[Path] = field(default_factory=list)

    @classmethod
    def open(cls, con: duckdb.DuckDBPyConnection) -> PairRuns:
        """Runs in a fresh folder (:func:`scratch_folder`)."""
        return cls(scratch_folder(con, "cibwatch-pairs-"))

    def write(self, con: duckdb.DuckDBPyConnection, pairs: str) -> None:
        """Append the co-actions of ``pairs`` (columns ``acc1``, ``acc2``: account numbers;
        a row of one account is none) as one run sorted by packed pair."""
        path = self.folder / f"run{len(self.files)}.parquet"
        con.execute(
            f"COPY (SELECT {PACKED_PAIR} AS pair FROM {pairs} WHERE acc1 <> acc2 ORDER BY pair) "
            f"TO {literal(str(path))} (FORMAT parquet, COMPRESSION zstd)"
        ).fetchall()  # the count of rows written: fetched, so that the result is complete
        self.files.append(path)

    def bytes(self) -> int:
        """What the runs take on disk."""
        return sum(path.stat().st_size for path in self.files)

    def merge(
        self,
        con: duckdb.DuckDBPyConnection,
        at_least: int | None,
        into: str,
        range_rows: int,
    ) -> int:
        """The number of distinct account pairs over all runs; those with ``at_least``
        co-actions in all (None: none kept) are inserted into the table ``into`` (one
        ``BIGINT`` column ``pair``). Each range of keys counts about ``range_rows`` rows."""
        if not self.files:
            return 0
        files = "[" + ", ".join(literal(str(path)) for path in self.files) + "]"
        total = 0
        for low, high in self.ranges(con, files, range_rows):
            bounds = [f"pair >= {low}"] if low is not None else []
            bounds += [f"pair < {high}"] if high is not None else []
            where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
            # One pass per range: the count of its pairs and, as one list, the frequent
            # ones (few: most pairs co-act once), so the range's groups are never stored.
            kept = f"LIST(pair) FILTER (WHERE n >= {int(at_least)})" if at_least else "[]"
            found = con.sql(
                f"SELECT COUNT(*) AS pairs, {kept} AS kept FROM (SELECT pair, COUNT(*) AS n "
                f"FROM read_parquet({files}){where} GROUP BY pair) g"
            ).to_arrow_table()
            total += int(found.column("pairs")[0].as_py())
            frequent = found.column("kept").combine_chunks().flatten()
            if len(frequent):
                con.register("frequent_pairs", pa.table({"pair": frequent}))
                con.execute(f"INSERT INTO {into} SELECT pair FROM frequent_pairs")
                con.unregister("frequent_pairs")
        return total

    def ranges(
        self, con: duckdb.DuckDBPyConnection, files: str, range_rows: int
    ) -> list[tuple[int | None, int | None]]:
        """Key ranges ``[low, high)`` (None: unbounded) of about ``range_rows`` rows, cut at
        the runs' row groups (each run is sorted, so its row groups are ranges of keys)."""
        groups = con.execute(
            "SELECT CAST(stats_min_value AS BIGINT) AS low, SUM(row_group_num_rows) AS n "
            f"FROM parquet_metadata({files}) WHERE path_in_schema = 'pair' "
            "GROUP BY low ORDER BY low"
        ).fetchall()
        cuts: list[int] = []
        filled = 0
        for low, n in groups:
            # A row group starts a new range once the rows since the last cut fill one
            # (row groups of different runs overlap, so ranges are of about that size).
            if filled and filled + int(n) > range_rows and (not cuts or int(low) > cuts[-1]):
                cuts.append(int(low))
                filled = 0
            filled += int(n)
        edges: list[int | None] = [None, *cuts, None]
        return list(pairwise(edges))

    def close(self) -> None:
        """Delete the runs."""
        shutil.rmtree(self.folder, ignore_errors=True)


def scratch_folder(con: duckdb.DuckDBPyConnection, prefix: str) -> Path:
    """A fresh folder beside DuckDB's own spill (its ``temp_directory``) when that is a
    full path (a database file's), else in the system's temporary folder (an in-memory
    database's default, ``.tmp``, is relative to the working folder)."""
    found = con.execute("SELECT current_setting('temp_directory')").fetchall()[0]
    spill = Path(str(found[0])) if found and found[0] else None
    if spill is not None and spill.is_absolute():
        spill.mkdir(parents=True, exist_ok=True)
    else:
        spill = None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=spill))
