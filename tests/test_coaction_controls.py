"""Shuffled-time controls: what they keep, what they destroy, and the false edges on real data.

Real data: CooRTweet's ``german_elections`` (MIT, Righetti & Balluff 2025; see
``../shared/data/README.md``), read in place; the test fails when ``CI`` is set and the data
are missing, and is skipped otherwise.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from cibwatch.coaction import detect_coordination
from cibwatch.coaction.controls import DAY, shuffle_times, shuffled_control
from cibwatch.errors import ConfigError
from realdata_rule import shared_data_path


def _pair_every_day(days: int) -> pa.Table:
    # a and b share the same url within 5 s once a day, at a different hour each day, and
    # each also shares a url of its own that day.
    rows = []
    for d in range(days):
        at = d * DAY + 3600 * (d % 20) + 100
        rows += [("a", f"u{d}", at), ("b", f"u{d}", at + 5)]
        rows += [("a", f"own-a{d}", at + 7200), ("b", f"own-b{d}", at - 7200)]
    account, obj, t = zip(*rows, strict=True)
    return pa.table({"account": list(account), "object": list(obj), "t": list(t)})


def test_rotation_keeps_each_account_day_and_its_spacing() -> None:
    shares = _pair_every_day(10)
    moved = shuffle_times(shares, account_col="account", time_col="t", seed=3)
    assert moved.schema == shares.schema
    before = np.array(shares["t"].to_pylist())
    after = np.array(moved["t"].to_pylist())
    accounts = np.array(shares["account"].to_pylist())
    np.testing.assert_array_equal(before // DAY, after // DAY)  # same UTC day
    # Within an account and day every share moved by the same offset, modulo the day.
    for name in ("a", "b"):
        for day in range(10):
            rows = (accounts == name) & (before // DAY == day)
            shift = np.mod(after[rows] - before[rows], DAY)
            assert np.allclose(shift, shift[0])
    assert not np.array_equal(before, after)


def test_permutation_keeps_each_account_days_times() -> None:
    shares = _pair_every_day(10)
    moved = shuffle_times(shares, account_col="account", time_col="t", seed=3, method="permute")
    days = [t // DAY for t in shares["t"].to_pylist()]
    key = list(zip(shares["account"].to_pylist(), days, strict=True))
    before: dict[tuple[str, int], list[float]] = {}
    after: dict[tuple[str, int], list[float]] = {}
    for k, old, new in zip(key, shares["t"].to_pylist(), moved["t"].to_pylist(), strict=True):
        before.setdefault(k, []).append(old)
        after.setdefault(k, []).append(new)
    assert {k: sorted(v) for k, v in before.items()} == {k: sorted(v) for k, v in after.items()}


def test_shuffling_destroys_planted_synchrony() -> None:
    shares = _pair_every_day(30)
    columns: dict[str, Any] = {"account_col": "account", "object_col": "object", "time_col": "t"}
    real = detect_coordination(shares, **columns, window=30)
    assert real.significant_edges().num_rows == 1
    control = shuffled_control(shares, **columns, window=30, seeds=(1, 2, 3))
    assert control.real_edges == 1 and control.false_edges == [0, 0, 0]
    assert control.params["shuffle"] == "rotate" and control.params["seeds"] == [1, 2, 3]


def test_shuffle_refuses_text_times_and_unknown_methods() -> None:
    shares = pa.table({"account": ["a"], "t": ["2024-01-01T00:00:00Z"]})
    with pytest.raises(ConfigError, match="UNIX seconds"):
        shuffle_times(shares, account_col="account", time_col="t", seed=1)
    numeric = pa.table({"account": ["a"], "t": [1.0]})
    with pytest.raises(ConfigError, match="unknown shuffle method"):
        shuffle_times(numeric, account_col="account", time_col="t", seed=1, method="x")


def test_german_campaign_false_edges_under_shuffling_stay_below_the_fdr() -> None:
    path = shared_data_path("coortweet", "german_elections.csv.gz")
    source = f"read_csv('{path}', all_varchar = true)"
    shares = (
        duckdb.connect()
        .sql(
            f"SELECT account_id, 'url' AS kind, url_id AS object, "
            f"CAST(timestamp AS BIGINT) AS t, post_id FROM {source} WHERE url_id <> '' "
            f"UNION ALL SELECT account_id, 'image_hash', phash_id, CAST(timestamp AS BIGINT), "
            f"post_id FROM {source} WHERE phash_id <> ''"
        )
        .to_arrow_table()
    )
    control = shuffled_control(
        shares,
        account_col="account_id",
        object_col="object",
        time_col="t",
        object_type_col="kind",
        content_col="post_id",
        window=30,
        min_participation=2,
        seeds=(1, 2),
    )
    # The campaign's accounts do share urls and images within 30 s, repeatedly (about 1,100
    # significant edges); with their times shuffled almost nothing is left.
    assert control.real_edges > 900
    assert control.false_edge_share <= 0.05
    assert control.n_tests < 5_000  # pairs that co-acted, not the 200 million possible


def test_rotation_does_not_depend_on_row_order() -> None:
    shares = _pair_every_day(10)
    # Reversed, the rows start with b's: codes in order of appearance would swap a and b.
    order = np.arange(shares.num_rows)[::-1]
    shuffled_rows = shares.take(pa.array(order))
    once = shuffle_times(shares, account_col="account", time_col="t", seed=4)
    again = shuffle_times(shuffled_rows, account_col="account", time_col="t", seed=4)
    assert once.take(pa.array(order)).to_pylist() == again.to_pylist()
