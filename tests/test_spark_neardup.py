"""Near-duplicate text on Spark gives the partition of the embedded path, text for text."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cibwatch.engines.base import ParquetInput
from cibwatch.engines.spark_neardup import (
    comparable_signatures,
    spark_candidate_pairs,
    spark_cluster_texts,
)
from cibwatch.errors import ConfigError
from cibwatch.fingerprints.neardup import (
    NearDupParams,
    candidate_pairs,
    cluster_texts,
    label_components,
    signature_hashes,
)

pyspark = pytest.importorskip("pyspark", reason="PySpark is not installed")


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java on the PATH")
    from cibwatch.engines.spark_engine import SparkEngine

    # the executors' Python must be this one (with numpy and pyarrow)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    runner = SparkEngine(
        master="local[1]",
        config={
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.driver.memory": "1g",
            # small batches: the signatures of one text must not depend on its batch
            "spark.sql.execution.arrow.maxRecordsPerBatch": "97",
        },
    )
    yield runner
    runner.close()


def _texts(seed: int, n: int = 1500) -> list[str | None]:
    """Copy-paste families with one or two words changed per copy (some pairs fall below
    the threshold, so a family is found as a chain through its closer copies), unrelated
    texts from the same vocabulary, Cyrillic ones, and texts too short or missing."""
    rng = np.random.default_rng(seed)
    latin = [f"w{i}x" for i in range(400)]
    cyrillic = [f"сл{i}во" for i in range(400)]
    bases = [" ".join(rng.choice(latin if f % 3 else cyrillic, 14)) for f in range(60)]
    out: list[str | None] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.55:
            words = bases[rng.integers(0, len(bases))].split()
            for _ in range(rng.integers(0, 3)):
                words[rng.integers(0, len(words))] = str(rng.choice(latin))
            out.append(("RT @someone: " if rng.random() < 0.3 else "") + " ".join(words))
        elif roll < 0.95:
            out.append(" ".join(rng.choice(latin, 14)))
        elif roll < 0.98:
            out.append("too short")
        else:
            out.append(None)
    return out


@pytest.mark.spark
def test_same_labels_as_the_embedded_path(engine: Any) -> None:
    texts = _texts(1)
    expected = cluster_texts(texts)
    assert (expected >= 0).sum() > 500  # the families are found at all
    got = spark_cluster_texts(texts, engine=engine)
    # same numbering (by first text), hence the same partition
    assert got.tolist() == expected.tolist()


def _up_to_twins(pairs: np.ndarray, sig: np.ndarray, rows: np.ndarray) -> set[tuple[int, int]]:
    """Pairs with each text replaced by the first text of identical signature, self-pairs
    dropped: which of identical twins leads a bucket is arbitrary (the embedded path takes
    whichever its sort puts first), and cannot change the partition (twins link each
    other at estimated Jaccard 1)."""
    first: dict[bytes, int] = {}
    twin = {int(r): first.setdefault(s.tobytes(), int(r)) for s, r in zip(sig, rows, strict=True)}
    out = {tuple(sorted((twin[a], twin[b]))) for a, b in pairs.tolist()}
    return {(a, b) for a, b in out if a != b}


def test_each_distinct_text_of_a_batch_is_signed_as_alone() -> None:
    # copies, nulls and short texts in one batch: every comparable row gets the signature
    # its text gets on its own, at its own position
    texts = ["Vote NO on the new tax, it will ruin our families!", None, "too short"] * 3
    texts += ["The weather in Berlin was lovely today by the river."]
    params = NearDupParams()
    sig, rows = comparable_signatures(pa.array(texts, pa.string()), params)
    assert rows.tolist() == [0, 3, 6, 9]
    for got, row in zip(sig, rows.tolist(), strict=True):
        alone, _ = comparable_signatures(pa.array([texts[row]], pa.string()), params)
        assert got.tolist() == alone[0].tolist()


@pytest.mark.spark
def test_same_candidate_pairs_as_the_embedded_banding(engine: Any, tmp_path: Path) -> None:
    # The leader of each bucket must be the same text on both paths: a different leader
    # tests different pairs, and near the threshold that changes the partition.
    texts = _texts(2, n=800)
    params = NearDupParams()
    sig, rows = comparable_signatures(pa.array(texts, pa.string()), params)
    embedded = rows[candidate_pairs(sig, signature_hashes(sig))[0]]
    path = tmp_path / "texts.parquet"
    pq.write_table(pa.table({"row": np.arange(len(texts)), "text": texts}), path)
    got = spark_candidate_pairs(engine, ParquetInput(str(path)), params)
    assert len(embedded) > 100
    assert _up_to_twins(got, sig, rows) == _up_to_twins(embedded, sig, rows)


@pytest.mark.spark
def test_parquet_folder_in_any_order_labels_by_row(engine: Any, tmp_path: Path) -> None:
    # Two files, rows shuffled, other column names: labels follow the row column.
    texts = _texts(3, n=600)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    table = pa.table(
        {
            "n": pa.array(order, pa.int64()),
            "body": [texts[i] for i in order],
            "other": ["x"] * len(texts),
        }
    )
    (tmp_path / "part").mkdir()
    pq.write_table(table.slice(0, 250), tmp_path / "part" / "a.parquet")
    pq.write_table(table.slice(250), tmp_path / "part" / "b.parquet")
    got = spark_cluster_texts(
        ParquetInput(str(tmp_path / "part")),
        engine=engine,
        text_col="body",
        row_col="n",
        threshold=0.6,
    )
    assert got.tolist() == cluster_texts(texts, threshold=0.6).tolist()


@pytest.mark.spark
def test_row_column_must_number_the_texts(engine: Any, tmp_path: Path) -> None:
    path = tmp_path / "gap.parquet"
    # rows 0, 1, 3: row 2 is missing, so label positions would be wrong
    pq.write_table(pa.table({"row": [0, 1, 3], "text": ["a" * 30, "b" * 30, "c" * 30]}), path)
    with pytest.raises(ConfigError, match=r"0\.\.2, found 0\.\.3"):
        spark_cluster_texts(ParquetInput(str(path)), engine=engine)


def test_parameters_are_checked_before_spark_starts() -> None:
    with pytest.raises(ConfigError, match="threshold"):
        spark_cluster_texts(["x" * 30], threshold=1.5)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic world: its planted operations post edited copies of messages."""
    from cibwatch.synthetic.world import generate_world

    out = tmp_path_factory.mktemp("world")
    generate_world(out, posts=3000, seed=7)
    return out


def _detector_output(world: Path, engine: Any) -> tuple[list[Any], list[Any], dict[str, Any]]:
    from cibwatch.detectors.neardup import NearDuplicateTextDetector
    from cibwatch.workspace import Workspace

    with Workspace(":memory:") as ws:
        for path in sorted(world.glob("*.parquet")):
            ws.ingest(path)
        result = ws.run_detector(NearDuplicateTextDetector(engine=engine))
        actions = ws.query(
            "SELECT * FROM actions WHERE object_type = 'text_cluster' ORDER BY platform, post_id"
        )
        evidence = ws.query(
            "SELECT * EXCLUDE (run_id) FROM evidence ORDER BY subject_a, explanation"
        )
        recorded = ws.query("SELECT engine FROM runs WHERE run_id = ?", [result.run_id])
        return actions, evidence, {**result.summary, "engine": recorded[0]["engine"]}


@pytest.mark.spark
def test_detector_on_spark_writes_the_actions_and_evidence_of_the_embedded_engine(
    engine: Any, world: Path
) -> None:
    actions, evidence, summary = _detector_output(world, "duckdb")
    on_spark = _detector_output(world, engine)
    assert summary["multi_account_clusters"] > 0 and len(actions) > 100  # copies are found
    assert on_spark[0] == actions
    assert on_spark[1] == evidence
    assert on_spark[2] == {**summary, "engine": "spark"}


@pytest.mark.spark
def test_detector_on_spark_with_no_text_to_read(engine: Any) -> None:
    from cibwatch.detectors.neardup import NearDuplicateTextDetector
    from cibwatch.workspace import Workspace

    with Workspace(":memory:") as ws:
        result = ws.run_detector(NearDuplicateTextDetector(engine=engine))
        assert result.input_rows == 0 and result.summary["clusters"] == 0


def test_detector_refuses_an_unknown_engine() -> None:
    from cibwatch.detectors.neardup import NearDuplicateTextDetector
    from cibwatch.workspace import Workspace

    with Workspace(":memory:") as ws, pytest.raises(ConfigError, match="unknown engine"):
        ws.run_detector(NearDuplicateTextDetector(engine="flink"))


def test_copies_link_to_their_first_text_only_where_banding_each_copy_would() -> None:
    from cibwatch.engines.spark_neardup import _twin_links

    # signature of text 0 leads a bucket: its copies 3 and 4 link to it (and so to each
    # other); signature of text 1 never leads and links to nothing: copy 5 stays apart;
    # signature of text 2 never leads but links to text 9's signature: copy 6 joins it
    twins = pa.table(
        {
            "a": pa.array([0, 0, 1, 2], pa.int64()),
            "b": pa.array([3, 4, 5, 6], pa.int64()),
            "leads": [True, True, False, False],
        }
    )
    linked = np.array([[2, 9]], dtype=np.int64)
    assert _twin_links(twins, linked).tolist() == [[0, 3], [0, 4], [2, 6]]
    labels = label_components(10, np.concatenate([_twin_links(twins, linked), linked]))
    assert labels.tolist() == [0, -1, 1, 0, 0, -1, 1, -1, -1, 1]
