"""Shuffled-time controls: the false edges co-action finds on real activity with no timing.

The significance test of :mod:`cibwatch.coaction.significance` rests on a null model; this
measures its error on the data itself. Each account's shares of one UTC day are moved
together by one random offset, wrapping around the day (``rotate``, the default): every
account keeps its objects, its volume per day and the spacing of its own shares (its
bursts), and every object keeps its popularity per day, but when in the day an account acted
is random, so two accounts meet within seconds only by chance. Any edge judged significant
on shuffled data is a false edge; the false edges per edge found on the real data estimate
the false discovery rate, and the share of shuffled runs with any is the family-wise error.

Why not permute each account's times within its day (``permute``, kept for comparison): on
real exports half of the shares are an account's only share of its day (50 % in
``german_elections``, 52 % in ``russian_coord_tweets``), which a permutation leaves where
it was, so most real coordination survives the "shuffle" and is counted as false. Rotation
moves those too. What rotation loses is the objects' own bursts (the minutes after a post in
which its shares crowd), so shuffled data has fewer window pairs than real data (the control
reports both); chance co-action is somewhat rarer there than in the real data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cibwatch.coaction.detection import detect_coordination
from cibwatch.errors import ConfigError

DAY = 86_400


METHODS = ("rotate", "permute")


def shuffle_times(
    shares: pa.Table, *, account_col: str, time_col: str, seed: int, method: str = "rotate"
) -> pa.Table:
    """``shares`` with each account's times shuffled within each UTC day (same schema).

    ``time_col`` holds UNIX seconds (any numeric type) or timestamps. ``rotate`` moves an
    account's shares of a day by one random offset (wrapping within the day); ``permute``
    permutes their times.

    >>> t = pa.table({"a": ["x", "x", "y"], "t": [10, 20, 30]})
    >>> moved = shuffle_times(t, account_col="a", time_col="t", seed=1)["t"].to_pylist()
    >>> moved[1] - moved[0], all(0 <= v < DAY for v in moved)  # x keeps its spacing and day
    (10, True)
    """
    if method not in METHODS:
        raise ConfigError(f"unknown shuffle method {method!r}; choose one of {METHODS}")
    column = shares.column(time_col)
    if pa.types.is_timestamp(column.type):
        seconds = pc.cast(column, pa.timestamp("s")).cast(pa.int64())
    elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        seconds = column
    else:
        raise ConfigError(
            f"shuffle_times needs {time_col!r} as UNIX seconds or timestamps, got {column.type}"
        )
    t = np.asarray(seconds.to_numpy(zero_copy_only=False), dtype=np.float64)
    if np.isnan(t).any():
        raise ConfigError(f"column {time_col!r} has empty times; drop those shares first")
    # Codes in sorted account order (not first appearance), so that one seed gives every
    # account-day the same offset whatever the order of the rows.
    encoded = pc.dictionary_encode(shares.column(account_col)).combine_chunks()
    rank = np.asarray(pc.rank(encoded.dictionary, sort_keys="ascending"), dtype=np.int64)
    accounts = rank[np.asarray(encoded.indices)]
    days = np.floor(t / DAY).astype(np.int64)
    _, group = np.unique(np.stack([accounts, days]), axis=1, return_inverse=True)
    group = group.reshape(-1)
    rng = np.random.default_rng(seed)
    if method == "rotate":
        offsets = rng.uniform(0, DAY, int(group.max()) + 1 if len(group) else 0)
        moved = days * DAY + np.mod(t - days * DAY + offsets[group], DAY)
        values = moved.astype(np.int64) if not pa.types.is_floating(seconds.type) else moved
        array = pa.array(values)
        if pa.types.is_timestamp(column.type):
            array = array.cast(pa.timestamp("s")).cast(column.type)
        else:
            array = array.cast(column.type)
    else:
        grouped = np.argsort(group, kind="stable")  # rows by group, original order within
        shuffled = np.lexsort((rng.random(len(t)), group))  # by group, random order within
        original = np.asarray(column.to_numpy(zero_copy_only=False))
        permuted = np.empty_like(original)
        permuted[grouped] = original[shuffled]
        array = pa.array(permuted, column.type)
    index = shares.schema.get_field_index(time_col)
    return shares.set_column(index, shares.schema.field(index), array)


@dataclass(frozen=True)
class ControlResult:
    """Significant edges on the real shares and on each time-shuffled copy.

    ``false_edge_share`` is the false edges of an average shuffled run per edge found on
    the real data (an estimate of the false discovery rate); ``runs_with_false_edges`` the
    share of shuffled runs with any (the family-wise error, bounded by the FDR when the data
    hold no coordination at all).
    """

    real_edges: int
    real_accounts: int
    n_tests: int
    real_window_pairs: int
    false_edges: list[int]
    shuffled_tests: list[int]
    shuffled_window_pairs: list[int]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def false_edge_share(self) -> float:
        mean = float(np.mean(self.false_edges)) if self.false_edges else 0.0
        return mean / self.real_edges if self.real_edges else (0.0 if mean == 0 else 1.0)

    @property
    def runs_with_false_edges(self) -> float:
        if not self.false_edges:
            return 0.0
        return sum(1 for n in self.false_edges if n) / len(self.false_edges)


def _significant(table: pa.Table) -> tuple[int, int]:
    sig = table.filter(table.column("significant"))
    accounts = set(sig.column("account_a").to_pylist()) | set(sig.column("account_b").to_pylist())
    return sig.num_rows, len(accounts)


def shuffled_control(
    shares: pa.Table,
    *,
    account_col: str,
    object_col: str,
    time_col: str,
    seeds: Sequence[int] = (1, 2, 3),
    method: str = "rotate",
    **options: Any,
) -> ControlResult:
    """Run co-action on ``shares`` and on one time-shuffled copy per seed.

    ``options`` go to :func:`~cibwatch.coaction.detect_coordination` unchanged (window,
    min_participation, object_type_col, content_col, fdr, ...).
    """
    if not seeds:
        raise ConfigError("shuffled_control needs at least one seed")
    columns: dict[str, Any] = {
        "account_col": account_col,
        "object_col": object_col,
        "time_col": time_col,
    }
    real = detect_coordination(shares, **columns, **options)
    real_edges, real_accounts = _significant(real.edges)
    false_edges, tests, window_pairs = [], [], []
    for seed in seeds:
        copy = shuffle_times(
            shares, account_col=account_col, time_col=time_col, seed=seed, method=method
        )
        result = detect_coordination(copy, **columns, **options)
        false_edges.append(_significant(result.edges)[0])
        tests.append(result.n_tests)
        window_pairs.append(result.n_window_pairs)
    return ControlResult(
        real_edges=real_edges,
        real_accounts=real_accounts,
        n_tests=real.n_tests,
        real_window_pairs=real.n_window_pairs,
        false_edges=false_edges,
        shuffled_tests=tests,
        shuffled_window_pairs=window_pairs,
        params={**real.params, "seeds": list(seeds), "shuffle": method},
    )
