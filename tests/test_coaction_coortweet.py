"""CooRTweet semantics reproduce the figures published with CooRTweet 2.1.2.

Data: ``shared/data/coortweet`` (MIT, Righetti & Balluff; see its README for the calls).
"""

from __future__ import annotations

import duckdb

from cibwatch.coaction import CoActionResult, detect_coordination
from realdata_rule import SharedData


def _size(result: CoActionResult) -> tuple[int, int]:
    edges = result.edges
    accounts = set(edges["account_a"].to_pylist()) | set(edges["account_b"].to_pylist())
    return len(accounts), edges.num_rows


def test_russian_coord_tweets_2110_accounts_3721_edges(shared_data: SharedData) -> None:
    path = shared_data("coortweet", "russian_coord_tweets.csv.gz")
    result = detect_coordination(
        path,
        account_col="account_id",
        object_col="object_id",
        time_col="timestamp_share",
        content_col="content_id",
        window=60,
        min_participation=2,
        semantics="coortweet",
    )
    assert _size(result) == (2110, 3721)


def test_german_elections_urls_and_images_671_accounts_1732_edges(shared_data: SharedData) -> None:
    path = shared_data("coortweet", "german_elections.csv.gz")
    source = f"read_csv('{path}', all_varchar = true)"
    # One row per (post, object): urls and image hashes stacked with their type.
    shares = (
        duckdb.connect()
        .sql(
            f"SELECT account_id, 'url' AS kind, url_id AS object, timestamp, post_id "
            f"FROM {source} WHERE url_id <> '' UNION ALL "
            f"SELECT account_id, 'image', phash_id, timestamp, post_id "
            f"FROM {source} WHERE phash_id <> ''"
        )
        .to_arrow_table()
    )
    result = detect_coordination(
        shares,
        account_col="account_id",
        object_col="object",
        object_type_col="kind",
        time_col="timestamp",
        content_col="post_id",
        window=30,
        min_participation=2,
        semantics="coortweet",
    )
    assert _size(result) == (671, 1732)
