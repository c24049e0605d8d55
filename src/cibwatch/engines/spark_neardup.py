"""Near-duplicate text clusters on Spark: the same signatures, banding in Spark.

:func:`~cibwatch.fingerprints.neardup.cluster_texts` holds every signature in one process.
Beyond one machine the texts live in Parquet files that Spark reads, so the work is split:

1. **Signatures on the executors**: ``mapInArrow`` (:func:`map_in_arrow`) hands each
   Arrow batch of texts to the embedded path's own chunk function (same normalisation,
   shingles, seed and densification; each distinct text of the batch normalised and signed
   once, :func:`comparable_signatures`), and keeps each signature as its 16
   band keys (64 bins of 16 bits are 16 keys of 64 bits: all that comparing needs).
2. **Distinct signatures**: copies are common (a retweet wave, a pasted slogan), so texts
   of identical signature are grouped first (one shuffle of the signatures, 18 numbers a
   text) and only the first of each, its *representative*, goes on, as the embedded
   path's ``distinct_signatures`` does (on the synthetic world at 1 M posts, 197 k of 738 k
   texts). The copies are linked to it as banding each copy on its own would link them
   (``cluster_signature_counts``): to each other when the signature leads a bucket in some
   band; otherwise only through the bucket leaders the signature links to.
3. **Band grouping in Spark**: one row per (band, key, representative). A first
   aggregation by band key finds each bucket of two or more members and its *leader*, the
   member with the smallest ``signature_hashes`` value (the rule of
   :func:`~cibwatch.fingerprints.neardup.candidate_pairs`, so the candidate pairs are the
   same pairs and the partition is the same partition: a test compares both); the rows
   are joined back to that table of leaders, which pairs each leader with every other
   member. Aggregating is a hash aggregation, without the sort of each bucket a window
   over (band, key) needs, and only buckets of two or more are joined back (a table Spark's
   adaptive execution may broadcast when it is small; not checked here).
4. **Estimated Jaccard on the executors**: each candidate pair is joined to its two
   signatures and :func:`~cibwatch.fingerprints.neardup.estimated_jaccard` decides the link.
5. **Connected components on the driver**, over the linked pairs only. Done there rather
   than iteratively in Spark because the result, a label per text, is a driver-side array
   anyway (the contract of ``cluster_texts``), the linked pairs are at most a few per
   clustered text, and one linear pass with scipy beats the tens of shuffles of an
   iterative label propagation (one per step of a chain's length) on any size whose labels
   fit on the driver.

Starting Spark needs Java, so the example is not a doctest (tests/test_spark_neardup.py runs
the same in local mode)::

    from cibwatch.engines.spark_engine import SparkEngine
    spark_cluster_texts(["Vote NO on the new tax, it will ruin our families!",
                         "RT @bob: vote no on the new tax - it will ruin our families",
                         "The weather in Berlin was lovely today by the river."],
                        engine=SparkEngine()).tolist()   # [0, 0, -1]
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from cibwatch.engines.base import ParquetInput
from cibwatch.errors import ConfigError
from cibwatch.fingerprints.neardup import (
    NUM_BANDS,
    NUM_BINS,
    NearDupParams,
    estimated_jaccard,
    label_components,
    sign_chunk,
    signature_hashes,
)

if TYPE_CHECKING:
    from cibwatch.engines.spark_engine import SparkEngine

_BANDS: Final = [f"b{b}" for b in range(NUM_BANDS)]
#: What the signature step writes per comparable text: its row, the whole-signature hash
#: (in signed order) and the 16 band keys.
SIGNATURE_SCHEMA: Final = "row BIGINT, whole BIGINT, " + ", ".join(f"{b} BIGINT" for b in _BANDS)
_SIGN_BIT: Final = np.uint64(1 << 63)

# One row per distinct signature: its first text (the representative) and the others.
_DISTINCT_SQL: Final = f"""
SELECT min(row) AS row, min(whole) AS whole, {", ".join(_BANDS)}, collect_list(row) AS rows
FROM neardup_signatures GROUP BY {", ".join(_BANDS)}
"""

# Every (band, key) bucket of two or more representatives pairs its leader (smallest whole
# hash; ties, which only colliding hashes have, by row) with each other member: the buckets
# and their leaders by aggregation, then the members joined back to them. One row per
# (member, band) it does not lead.
_MEMBERS_SQL: Final = f"""
WITH keyed AS (
    SELECT row, whole, posexplode(array({", ".join(_BANDS)})) AS (band, key)
    FROM neardup_distinct
),
leaders AS (
    SELECT band, key, min(named_struct('whole', whole, 'row', row)).row AS lead
    FROM keyed GROUP BY band, key HAVING count(*) >= 2
)
SELECT k.row, l.lead
FROM keyed k JOIN leaders l ON k.band = l.band AND k.key = l.key
WHERE k.row <> l.lead
"""

_PAIRS_SQL: Final = """
SELECT DISTINCT least(row, lead) AS a, greatest(row, lead) AS b FROM neardup_members
"""

# Each text of a repeated signature with its representative, and whether that signature
# leads a bucket in one of its bands (led by others in all NUM_BANDS: it never does).
_TWINS_SQL: Final = f"""
SELECT a, b, leads FROM (
    SELECT d.row AS a, explode(d.rows) AS b, n.row IS NULL AS leads
    FROM neardup_distinct d
    LEFT JOIN (SELECT row FROM neardup_members GROUP BY row HAVING count(*) = {NUM_BANDS}) n
    ON d.row = n.row
    WHERE size(d.rows) > 1
) WHERE a <> b
"""

_JOINED_SQL: Final = f"""
SELECT p.a, p.b, {", ".join(f"l.{b} AS l_{b}" for b in _BANDS)},
       {", ".join(f"r.{b} AS r_{b}" for b in _BANDS)}
FROM neardup_pairs p
JOIN neardup_distinct l ON l.row = p.a
JOIN neardup_distinct r ON r.row = p.b
"""


def comparable_signatures(
    texts: pa.Array, params: NearDupParams
) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.int64]]:
    """Signatures of the texts long enough to compare, and their positions in ``texts``:
    normalised, filtered and signed by the embedded path's own :func:`sign_chunk`.

    Why that function: it normalises each distinct text of the batch once and signs each
    distinct normalised text once (copies are common: 7.31 M texts at 10 M posts, 1.36 M
    distinct), where signing every row cost the executors' Python most of this step.
    """
    part = sign_chunk(texts, params)
    if part.rows.size == 0:
        return np.zeros((0, NUM_BINS), dtype=np.uint16), part.rows.astype(np.int64)
    return part.sig[part.text_of_row], part.rows.astype(np.int64)


def _signature_batches(
    params: NearDupParams, text_col: str, row_col: str
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The ``mapInArrow`` function of step 1 (a closure: Spark pickles it to the executors)."""

    def work(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            texts = batch.column(text_col)
            if texts.type != pa.string():  # Spark may send large_string
                texts = texts.cast(pa.string())
            sig, kept = comparable_signatures(texts, params)
            if kept.size == 0:
                continue
            bands = np.ascontiguousarray(sig).view(np.uint64)
            rows = batch.column(row_col).to_numpy(zero_copy_only=False)[kept]
            # unsigned order as signed order: Spark has no unsigned 64-bit type
            whole = (signature_hashes(sig) ^ _SIGN_BIT).view(np.int64)
            columns = [pa.array(rows.astype(np.int64)), pa.array(whole)]
            columns += [
                pa.array(np.ascontiguousarray(bands[:, b]).view(np.int64)) for b in range(NUM_BANDS)
            ]
            yield pa.RecordBatch.from_arrays(columns, names=["row", "whole", *_BANDS])

    return work


def _as_signatures(batch: pa.RecordBatch, side: str) -> npt.NDArray[np.uint16]:
    """The n x 64 signature matrix back from a side's 16 band-key columns."""
    keys = np.stack(
        [batch.column(f"{side}_{b}").to_numpy(zero_copy_only=False) for b in _BANDS], axis=1
    )
    return np.ascontiguousarray(keys, dtype=np.int64).view(np.uint16)


def _linked_batches(
    threshold: float,
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The ``mapInArrow`` function of step 3: the pairs whose estimate reaches ``threshold``."""

    def work(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            k = batch.num_rows
            if k == 0:
                continue
            sig = np.concatenate([_as_signatures(batch, "l"), _as_signatures(batch, "r")])
            pairs = np.stack([np.arange(k), np.arange(k, 2 * k)], axis=1).astype(np.int64)
            keep = pa.array(estimated_jaccard(sig, pairs) >= threshold)
            yield pa.RecordBatch.from_arrays(
                [batch.column("a").filter(keep), batch.column("b").filter(keep)], names=["a", "b"]
            )

    return work


def map_in_arrow(
    frame: Any,
    func: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]],
    schema: str,
) -> Any:
    """``frame.mapInArrow(func, schema)`` without PySpark's demand for pandas.

    PySpark's ``mapInArrow`` builds its function through ``pandas_udf``, which refuses to
    run without pandas although nothing of pandas is used on either side. Installing
    pandas only for that check would cost every cibwatch command its import (pyarrow loads
    pandas whenever it is installed and a chunked column becomes a numpy array: 0.3 s and
    more at start-up). So the function is built as ``pandas_udf`` builds it, minus that
    check, and handed to the JVM's ``mapInArrow`` as PySpark's own ``mapInArrow`` does.
    """
    from pyspark.sql import DataFrame
    from pyspark.sql.pandas.functions import vectorized_udf  # type: ignore[attr-defined]
    from pyspark.util import PythonEvalType

    udf = vectorized_udf(func, schema, PythonEvalType.SQL_MAP_ARROW_ITER_UDF, "pandas")
    column = udf(*[frame[name] for name in frame.columns])
    return DataFrame(frame._jdf.mapInArrow(column._jc, False, None), frame.sparkSession)


def _row_count(frame: Any, row_col: str) -> int:
    """Number of texts in a Parquet input, whose ``row_col`` must number them 0..n-1."""
    from pyspark.sql import functions as F

    found = frame.agg(F.count(F.lit(1)), F.min(row_col), F.max(row_col)).collect()[0]
    count, low, high = int(found[0]), found[1], found[2]
    if count == 0:
        return 0
    if low != 0 or high != count - 1:
        raise ConfigError(
            f"column {row_col!r} must number the texts 0..{count - 1}, found {low}..{high}"
        )
    return count


def spark_cluster_texts(
    texts: Sequence[str | None] | pa.Array | pa.ChunkedArray | ParquetInput,
    *,
    engine: SparkEngine | None = None,
    threshold: float = 0.7,
    shingle: int = 5,
    min_chars: int = 25,
    seed: int = 0,
    text_col: str = "text",
    row_col: str = "row",
) -> npt.NDArray[np.int64]:
    """Near-duplicate cluster label of each text, as
    :func:`~cibwatch.fingerprints.neardup.cluster_texts` gives it, computed on Spark.

    ``texts`` is a sequence or Arrow array (written to Parquet under the engine's
    ``stage_dir`` for Spark to read), or a :class:`ParquetInput` whose ``row_col`` numbers
    the texts 0..n-1 (the position each label takes) beside ``text_col``. ``engine`` is the
    :class:`~cibwatch.engines.spark_engine.SparkEngine` to run on; without one a local
    engine is started and stopped. Returns an int64 array of n labels.
    """
    params = replace(
        NearDupParams(threshold, shingle, min_chars, seed),
        workers=1,  # one Python worker per Spark core already
    )
    params.check()
    own = engine is None
    if engine is None:
        from cibwatch.engines.spark_engine import SparkEngine

        engine = SparkEngine()
    try:
        if isinstance(texts, ParquetInput):
            return _cluster(engine, texts, params, text_col, row_col)
        column = (
            texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, pa.string())
        )
        with tempfile.TemporaryDirectory(prefix="cibwatch-texts-", dir=engine.stage_dir) as tmp:
            path = Path(tmp) / "texts.parquet"
            table = pa.table({"row": pa.array(np.arange(len(column))), "text": column})
            pq.write_table(table, path)
            return _cluster(engine, ParquetInput(str(path)), params, "text", "row")
    finally:
        if own:
            engine.close()


def _signed(
    engine: SparkEngine, source: ParquetInput, params: NearDupParams, text_col: str, row_col: str
) -> tuple[int, Any]:
    """Number of texts and the checkpointed distinct signatures, registered as
    ``neardup_distinct``."""
    spark = engine.session
    frame = spark.read.option("recursiveFileLookup", "true").parquet(source.path)
    frame = frame.select(row_col, text_col)
    n = _row_count(frame, row_col)
    signed = map_in_arrow(frame, _signature_batches(params, text_col, row_col), SIGNATURE_SCHEMA)
    signed.createOrReplaceTempView("neardup_signatures")
    try:
        # read three times (twins, bands, the pairs' joins): computed once, its lineage cut
        distinct = spark.sql(_DISTINCT_SQL).localCheckpoint(eager=True)
    finally:
        spark.catalog.dropTempView("neardup_signatures")
    distinct.createOrReplaceTempView("neardup_distinct")
    engine._stepped("neardup_distinct")
    return n, distinct


def _pairs_array(table: pa.Table) -> npt.NDArray[np.int64]:
    if table.num_rows == 0:
        return np.zeros((0, 2), dtype=np.int64)
    columns = [table.column("a").to_numpy(), table.column("b").to_numpy()]
    return np.stack(columns, axis=1).astype(np.int64)


def spark_candidate_pairs(
    engine: SparkEngine,
    source: ParquetInput,
    params: NearDupParams,
    *,
    text_col: str = "text",
    row_col: str = "row",
) -> npt.NDArray[np.int64]:
    """The candidate pairs of step 3 as rows (k x 2, a < b), for inspection and tests: the
    pairs :func:`~cibwatch.fingerprints.neardup.candidate_pairs` gives, in text rows, among
    the first texts of each distinct signature."""
    spark = engine.session
    _, distinct = _signed(engine, source, params, text_col, row_col)
    try:
        spark.sql(_MEMBERS_SQL).createOrReplaceTempView("neardup_members")
        return _pairs_array(spark.sql(_PAIRS_SQL).toArrow())
    finally:
        spark.catalog.dropTempView("neardup_members")
        spark.catalog.dropTempView("neardup_distinct")
        distinct.unpersist()


def _cluster(
    engine: SparkEngine, source: ParquetInput, params: NearDupParams, text_col: str, row_col: str
) -> npt.NDArray[np.int64]:
    spark = engine.session
    n, distinct = _signed(engine, source, params, text_col, row_col)
    members = pairs = None
    try:
        # read twice (pairs, then which signatures never lead): computed once
        members = spark.sql(_MEMBERS_SQL).localCheckpoint(eager=True)
        members.createOrReplaceTempView("neardup_members")
        pairs = spark.sql(_PAIRS_SQL).localCheckpoint(eager=True)
        pairs.createOrReplaceTempView("neardup_pairs")
        engine._stepped("neardup_pairs")
        twins = spark.sql(_TWINS_SQL).toArrow()
        linked = map_in_arrow(
            spark.sql(_JOINED_SQL), _linked_batches(params.threshold), "a BIGINT, b BIGINT"
        )
        found = _pairs_array(linked.toArrow())
        engine._stepped("neardup_linked")
    finally:
        for view in ("neardup_distinct", "neardup_members", "neardup_pairs"):
            spark.catalog.dropTempView(view)
        for frame in (distinct, members, pairs):
            if frame is not None:
                frame.unpersist()
    return label_components(n, np.concatenate([_twin_links(twins, found), found]))


def _twin_links(twins: pa.Table, linked: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The links of each copy to the first text of its signature, as banding every copy
    on its own gives them (``cluster_signature_counts``): copies pair with each other only
    when their signature leads a bucket; a signature that never does pairs with the leaders
    of its buckets only, so its copies join a cluster exactly when it links to one."""
    if twins.num_rows == 0:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = _pairs_array(twins)
    leads: npt.NDArray[np.bool_] = twins.column("leads").to_numpy(zero_copy_only=False)
    keep = leads.astype(bool) | np.isin(pairs[:, 0], np.unique(linked))
    kept: npt.NDArray[np.int64] = pairs[keep]
    return kept
