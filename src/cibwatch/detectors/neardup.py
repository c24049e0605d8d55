"""NearDuplicateTextDetector: copy-paste clusters of post texts, fed to ``actions``.

The detector's main product is *objects*, not verdicts: every post in a near-duplicate
cluster (see :mod:`cibwatch.fingerprints.neardup`) becomes one ``actions`` row of object type
``text_cluster``, so the co-action detector, run afterwards, tests whether accounts post
members of the same cluster within seconds of each other, and how often, against chance.
Run this detector **before** the co-action detector; ``derive_actions`` keeps its rows.

Its evidence rows are descriptive (``significant = false``, no p-value): for every cluster
spanning two or more accounts, one ``account`` row per account saying what it posted, with
how many other accounts, and proof post keys; ``strength`` is the number of other accounts.
Bounds: at most ``max_accounts_per_cluster`` rows per cluster (the accounts with the most
posts in it, ties by key; ``details.accounts_without_row`` counts the others) and at most
20 proof keys per row.

Posts read: every post with a text except shares (a share repeats its original, which the
``shared_post`` object already covers). A cluster's object id is ``tc-`` and the first 12
hex digits of the MD5 of its smallest post key (``platform:post_id``): stable across runs as
long as that post stays in the cluster.

Memory: DuckDB counts the read posts of each distinct text (a temporary table), and the
distinct texts are streamed from it ``chunk_size`` at a time with their counts; Python holds
per distinct text its number, count and one 128-byte signature, never anything per post (at
100 million posts each per-post int64 array would be 800 MB). The labels of the clustered
texts go back to DuckDB, which joins them to the posts; everything else (the clustered
posts, actions, evidence) is SQL within DuckDB's memory limit. ``chunk_size`` and
``workers`` change speed and memory, never the result.

Engines: ``engine="spark"`` (or a :class:`~cibwatch.engines.spark_engine.SparkEngine`)
clusters on Spark instead (:func:`~cibwatch.engines.spark_neardup.spark_cluster_texts`):
DuckDB writes the posts' texts, numbered 0..n-1, to one Parquet file under the engine's
``stage_dir``, Spark reads it itself, and only the labels come back (8 bytes a post).
The partition is the embedded path's, so actions and evidence are the same; ``workers``
and ``chunk_size`` are not used there (Spark has its own cores and batches).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.engines.base import Engine, ParquetInput
from cibwatch.engines.registry import ENGINE_NAMES
from cibwatch.errors import ConfigError
from cibwatch.fingerprints.neardup import NearDupParams, cluster_counted_texts

if TYPE_CHECKING:
    from cibwatch.engines.spark_engine import SparkEngine
    from cibwatch.workspace import Workspace

#: Most proof post keys per evidence row; the account's own posts come first.
MAX_PROOF: Final = 20
#: Characters of the example text quoted in an explanation.
EXAMPLE_CHARS: Final = 80

_READ_WHERE: Final = (
    "text IS NOT NULL AND created_at IS NOT NULL AND coalesce(kind, 'original') <> 'share'"
)

# each distinct text once, with how many read posts carry it: copies are common (1.36 M
# distinct among 7.31 M texts at 10 M posts), and nothing per post then reaches Python
_TEXTS_SQL: Final = f"""
CREATE TEMP TABLE neardup_texts AS
SELECT text, count(*) AS n_posts FROM posts WHERE {_READ_WHERE} GROUP BY text
"""

# streamed in batches, no ORDER BY: the partition does not depend on the order of the
# texts; ``rowid`` numbers the texts (the labels come back on it)
_STREAM_TEXTS_SQL: Final = "SELECT rowid, text, n_posts FROM neardup_texts"

# the clustered posts, found by their text within this run's transaction; no text kept
# (only each cluster's example is quoted, read by row id below)
_CLUSTERED_TEXTS_SQL: Final = f"""
CREATE TEMP TABLE neardup_clustered AS
SELECT c.label, p.rowid AS post_row, p.platform, p.account_id, p.post_id, p.created_at
FROM posts p
JOIN (SELECT t.text AS clustered_text, l.label
      FROM neardup_texts t JOIN neardup_labels l ON t.rowid = l.text_row) c
  ON p.text = c.clustered_text
WHERE {_READ_WHERE}
"""

# the same posts for Spark: numbered 0..n-1 (the position of each label), with the row id
# the labels are joined back on; Spark reads only ``row`` and ``text``
_STAGE_SQL: Final = """
COPY (SELECT row_number() OVER () - 1 AS row, post_row, text
      FROM (SELECT rowid AS post_row, text FROM posts
            WHERE text IS NOT NULL AND created_at IS NOT NULL
              AND coalesce(kind, 'original') <> 'share'))
TO '{path}' (FORMAT parquet)
"""

# Spark's clustered posts, looked up by row id within this run's transaction
_CLUSTERED_SQL: Final = """
CREATE TEMP TABLE neardup_clustered AS
SELECT l.label, l.post_row, p.platform, p.account_id, p.post_id, p.created_at
FROM posts p JOIN neardup_labels l ON p.rowid = l.post_row
"""

# a cluster's object id: 'tc-' and 12 hex digits of the MD5 of its smallest post key;
# that post's text is the cluster's example
_CLUSTER_IDS_SQL: Final = """
CREATE TEMP TABLE neardup_cluster_ids AS
SELECT label, 'tc-' || substr(md5(min(key)), 1, 12) AS cluster, arg_min(post_row, key) AS first_row
FROM (SELECT label, post_row, platform || ':' || post_id AS key FROM neardup_clustered)
GROUP BY label
"""

_ACTIONS_SQL: Final = """
INSERT INTO actions
SELECT platform || ':' || account_id, 'text_cluster', cluster, created_at, platform, post_id
FROM neardup_clustered JOIN neardup_cluster_ids USING (label)
"""

# One row per (cluster, account) for clusters spanning >= 2 accounts, capped per cluster.
# Counting comes first, on the columns as stored; keys are spelled out and proof keys
# gathered (top-20 aggregates, no sorted lists) only for the clusters and accounts that
# get a row. Platform names hold no ':', so (platform, account_id) is the account.
_EVIDENCE_SQL: Final = f"""
INSERT INTO evidence
WITH counts AS (
    SELECT label, platform, account_id, count(*) AS own_posts
    FROM neardup_clustered GROUP BY label, platform, account_id
),
clusters AS (
    SELECT label, count(*) AS n_accounts, sum(own_posts) AS n_posts,
           count(DISTINCT platform) AS n_platforms
    FROM counts GROUP BY label HAVING count(*) >= 2
),
members AS (  -- the accounts with the most posts in each cluster, ties by name
    SELECT label, m.platform, m.account_id, m.platform || ':' || m.account_id AS account,
           m.own_posts, rank
    FROM (
        SELECT label,
               arg_min(struct_pack(platform := platform, account_id := account_id,
                                   own_posts := own_posts),
                       (-own_posts, platform || ':' || account_id), $max_accounts) AS top
        FROM counts SEMI JOIN clusters USING (label) GROUP BY label
    ), unnest(top) WITH ORDINALITY AS u(m, rank)
),
keyed AS (
    SELECT label, platform, account_id, created_at, platform || ':' || post_id AS key
    FROM neardup_clustered SEMI JOIN clusters USING (label)
),
cluster_posts AS (
    SELECT label, min(created_at) AS first_at, max(created_at) AS last_at,
           arg_min(key, (created_at, key), {MAX_PROOF}) AS first_keys
    FROM keyed GROUP BY label
),
member_posts AS (
    SELECT label, platform, account_id, arg_min(key, (created_at, key), {MAX_PROOF}) AS own_keys
    FROM keyed SEMI JOIN members USING (label, platform, account_id)
    GROUP BY label, platform, account_id
),
examples AS (
    SELECT i.label, i.cluster, p.text AS example
    FROM posts p JOIN neardup_cluster_ids i ON p.rowid = i.first_row
)
SELECT $run_id, $detector, $signal, 'account', m.account, NULL,
       CAST(c.n_accounts - 1 AS DOUBLE), NULL, NULL, false,
       m.account || ' posted text near-identical (estimated Jaccard >= ' || $threshold_text
       || ') to posts of ' || (c.n_accounts - 1) || ' other account'
       || CASE WHEN c.n_accounts > 2 THEN 's' ELSE '' END
       || ' (cluster ' || e.cluster || ', ' || c.n_posts || ' posts'
       || CASE WHEN c.n_platforms > 1 THEN ' on ' || c.n_platforms || ' platforms' ELSE '' END
       || ', ' || m.own_posts || ' of them by this account), e.g. “'
       || CASE WHEN length(e.example) > {EXAMPLE_CHARS}
               THEN rtrim(left(e.example, {EXAMPLE_CHARS})) || '…' ELSE e.example END || '”',
       list_concat(
           o.own_keys, list_filter(p.first_keys, lambda k: NOT list_contains(o.own_keys, k))
       )[1:{MAX_PROOF}],
       CAST(json_object('cluster', e.cluster, 'n_posts', c.n_posts, 'n_accounts', c.n_accounts,
                        'n_platforms', c.n_platforms, 'account_posts', m.own_posts,
                        'first_at', p.first_at, 'last_at', p.last_at, 'threshold', $threshold,
                        'accounts_without_row', greatest(c.n_accounts - $max_accounts, 0))
            AS JSON)
FROM members m JOIN clusters c USING (label) JOIN cluster_posts p USING (label)
JOIN member_posts o USING (label, platform, account_id) JOIN examples e USING (label)
ORDER BY e.cluster, m.rank
"""


class NearDuplicateTextDetector(Detector):
    """Cluster near-identical post texts; write ``text_cluster`` actions and account evidence.

    >>> NearDuplicateTextDetector(threshold=0.8).get_params()["threshold"]
    0.8
    """

    name: ClassVar[str] = "near_duplicate_text"
    signal: ClassVar[str] = "near_duplicate_text"

    def __init__(
        self,
        *,
        threshold: float = 0.7,
        shingle: int = 5,
        min_chars: int = 25,
        seed: int = 0,
        max_accounts_per_cluster: int = 50,
        workers: int = 2,
        chunk_size: int = 100_000,
        engine: str | Engine = "duckdb",
    ) -> None:
        self.threshold = threshold
        self.shingle = shingle
        self.min_chars = min_chars
        self.seed = seed
        self.max_accounts_per_cluster = max_accounts_per_cluster
        self.workers = workers
        self.chunk_size = chunk_size
        self.engine = engine

    def engine_name(self) -> str:
        return self.engine.name if isinstance(self.engine, Engine) else str(self.engine)

    def _params(self) -> NearDupParams:
        return NearDupParams(
            self.threshold,
            self.shingle,
            self.min_chars,
            self.seed,
            chunk_size=self.chunk_size,
            workers=self.workers,
        )

    def _validate(self) -> None:
        self._params().check()
        if self.max_accounts_per_cluster < 1:
            raise ConfigError(
                f"max_accounts_per_cluster must be at least 1, got {self.max_accounts_per_cluster}"
            )
        name = self.engine_name()
        if name not in ENGINE_NAMES:
            raise ConfigError(f"unknown engine {name!r}; choose one of {ENGINE_NAMES}")

    def _cluster(self, workspace: Workspace) -> int:
        """Create the temporary table ``neardup_clustered`` (each clustered post's label,
        row id and keys) on the chosen engine; return how many posts were read."""
        con = workspace.connection
        if self.engine_name() == "spark":
            from cibwatch.engines.spark_engine import SparkEngine

            if isinstance(self.engine, SparkEngine):
                post_rows, labels = self._spark_labels(workspace, self.engine)
            else:
                engine = SparkEngine()  # CIBWATCH_SPARK_MASTER, or local[2]
                try:
                    post_rows, labels = self._spark_labels(workspace, engine)
                finally:
                    engine.close()
            rows = np.flatnonzero(labels >= 0)
            self._store(con, _CLUSTERED_SQL, {"post_row": post_rows[rows], "label": labels[rows]})
            return int(labels.size)
        return self._cluster_embedded(con)

    def _cluster_embedded(self, con: duckdb.DuckDBPyConnection) -> int:
        """Cluster each distinct text once, weighted by its posts, streamed from DuckDB.

        What Python holds is per distinct text (its number, count and signature), never per
        post: DuckDB counts the texts and joins the labels back to the posts, within its
        memory limit.
        """
        params = self._params()
        con.execute(_TEXTS_SQL)
        text_rows: list[npt.NDArray[np.int64]] = []

        def texts(reader: pa.RecordBatchReader) -> Iterator[tuple[pa.Array, npt.NDArray[np.int64]]]:
            # keeps each batch's text numbers and hands its texts and counts on
            for batch in reader:
                text_rows.append(batch.column(0).to_numpy().astype(np.int64))
                yield batch.column(1), batch.column(2).to_numpy().astype(np.int64)

        # streamed: the reader is read to its end before the connection runs anything else
        with con.sql(_STREAM_TEXTS_SQL).to_arrow_reader(batch_size=params.chunk_size) as reader:
            labels = cluster_counted_texts(texts(reader), params)
        rows = np.flatnonzero(labels >= 0)
        numbers = np.concatenate(text_rows) if text_rows else np.zeros(0, dtype=np.int64)
        text_rows.clear()
        self._store(con, _CLUSTERED_TEXTS_SQL, {"text_row": numbers[rows], "label": labels[rows]})
        read = con.execute("SELECT coalesce(sum(n_posts), 0) FROM neardup_texts").fetchall()
        con.execute("DROP TABLE neardup_texts")
        return int(read[0][0])

    @staticmethod
    def _store(
        con: duckdb.DuckDBPyConnection, sql: str, labels: dict[str, npt.NDArray[np.int64]]
    ) -> None:
        """Run ``sql`` (which creates ``neardup_clustered``) with ``labels`` registered as
        the view ``neardup_labels``."""
        con.register("neardup_labels", pa.table(labels))
        try:
            con.execute(sql)
        finally:
            con.unregister("neardup_labels")

    def _spark_labels(
        self, workspace: Workspace, engine: SparkEngine
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Labels from Spark, which reads the texts from a Parquet file DuckDB writes (no
        text passes through Python); the file is deleted afterwards."""
        from cibwatch.engines.spark_neardup import spark_cluster_texts

        con = workspace.connection
        with tempfile.TemporaryDirectory(prefix="cibwatch-texts-", dir=engine.stage_dir) as tmp:
            path = str(Path(tmp) / "texts.parquet")
            con.execute(_STAGE_SQL.format(path=path.replace("'", "''")))
            found = con.execute(
                "SELECT post_row FROM read_parquet(?) ORDER BY row", [path]
            ).fetchnumpy()
            post_rows = np.asarray(found["post_row"], dtype=np.int64)
            if post_rows.size == 0:  # Spark cannot read a Parquet file without row groups
                return post_rows, np.zeros(0, dtype=np.int64)
            labels = spark_cluster_texts(
                ParquetInput(path),
                engine=engine,
                threshold=self.threshold,
                shingle=self.shingle,
                min_chars=self.min_chars,
                seed=self.seed,
            )
        return post_rows, labels

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        con = workspace.connection
        con.execute("DELETE FROM actions WHERE object_type = 'text_cluster'")
        input_rows = self._cluster(workspace)
        # on failure the run's transaction is rolled back, and these temporary tables with it
        con.execute(_CLUSTER_IDS_SQL)
        con.execute(_ACTIONS_SQL)
        con.execute(
            _EVIDENCE_SQL,
            {
                "run_id": run_id,
                "detector": self.name,
                "signal": self.signal,
                "threshold_text": f"{self.threshold:g}",
                "threshold": self.threshold,
                "max_accounts": self.max_accounts_per_cluster,
            },
        )
        clustered = con.execute(
            "SELECT count(*), count(DISTINCT label) FROM neardup_clustered"
        ).fetchall()
        clustered_posts, n_clusters = (int(value) for value in clustered[0])
        con.execute("DROP TABLE neardup_cluster_ids")
        con.execute("DROP TABLE neardup_clustered")
        # every cluster spanning two or more accounts has at least one evidence row
        written = con.execute(
            "SELECT count(*), count(DISTINCT details->>'cluster') FROM evidence WHERE run_id = ?",
            [run_id],
        ).fetchall()
        n_evidence, multi_account = (int(value) for value in written[0])
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=input_rows,
            evidence_rows=n_evidence,
            significant_rows=0,
            summary={
                "clusters": n_clusters,
                "clustered_posts": clustered_posts,
                "multi_account_clusters": multi_account,
                "text_cluster_actions": clustered_posts,
            },
        )
