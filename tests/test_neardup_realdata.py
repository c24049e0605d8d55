"""Near-duplicate clusters on real tweets: the IRA troll tweets (by-author re-release,
``../shared/data/ira``), where retweet waves and pasted slogans make exact and edited
copies common, which is what the clustering deduplicates before hashing.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import numpy as np
import pyarrow as pa

from cibwatch.fingerprints.neardup import cluster_texts, normalize_texts
from realdata_rule import SharedData


def _tweets(shared_data: SharedData, n: int) -> pa.ChunkedArray:
    path = shared_data("ira", "tweets.csv.gz")
    query = "SELECT content FROM read_csv(?) LIMIT ?"
    relation = duckdb.sql(query, params=[str(path), n])
    assert relation is not None  # a SELECT always gives a relation
    return relation.to_arrow_table().column(0)


def test_real_tweets_cluster_alike_in_one_chunk_or_many(shared_data: SharedData) -> None:
    # chunks of 997 tweets on two threads see most copies in other chunks than their first
    # copy; the labels must still be those of one chunk on one thread
    texts = _tweets(shared_data, 30_000)
    one = cluster_texts(texts, chunk_size=len(texts), workers=1)
    assert int((one >= 0).sum()) > 1_000  # real copies are there to be found
    assert np.array_equal(cluster_texts(texts, chunk_size=997, workers=2), one)


def test_real_copies_share_one_label(shared_data: SharedData) -> None:
    # posts whose normalised texts are equal are one text to the clustering: one label
    texts = _tweets(shared_data, 30_000)
    labels = cluster_texts(texts, chunk_size=1_000)
    by_text: dict[str, list[int]] = defaultdict(list)
    for text, label in zip(normalize_texts(texts).to_pylist(), labels.tolist(), strict=True):
        if text is not None and len(text) >= 25:
            by_text[text].append(label)
    copied = [found for found in by_text.values() if len(found) >= 2]
    assert len(copied) > 100  # real copies are there to be checked
    assert all(len(set(found)) == 1 for found in copied)
