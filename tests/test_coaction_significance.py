"""Significance: innocent bursts stay insignificant, a planted operation does not.

A small seeded world, built here so the expected answer is known by construction:

* background: 400 accounts sharing 3,000 urls with Zipf-like popularity over two weeks;
* breaking news: one url shared by 250 background accounts within ten minutes, once;
* fans: 60 fans using one hashtag about a dozen times each over three weeks;
* volunteers: 50 volunteers retweeting each of 25 campaign posts minutes to hours after it;
* the operation: 40 accounts that share 25 objects (15 popular background urls and 10 of
  their own) each within 8 seconds of one another.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from cibwatch.coaction import detect_coordination
from cibwatch.coaction.significance import benjamini_hochberg, poisson_tail

DAY = 86_400.0
START = 1_700_000_000.0


def _world(seed: int) -> tuple[pa.Table, set[str]]:
    rng = np.random.default_rng(seed)
    accounts: list[str] = []
    types: list[str] = []
    objects: list[str] = []
    times: list[float] = []

    def add(account: str, kind: str, obj: str, t: float) -> None:
        accounts.append(account)
        types.append(kind)
        objects.append(obj)
        times.append(t)

    background = [f"x:bg{i}" for i in range(400)]
    ranks = np.arange(1, 3001)
    popularity = (1.0 / ranks) / (1.0 / ranks).sum()
    for _ in range(8000):
        add(
            background[rng.integers(400)],
            "url",
            f"u{rng.choice(3000, p=popularity)}",
            START + rng.uniform(0, 14 * DAY),
        )
    news_time = START + 3 * DAY
    for account in rng.choice(background, size=250, replace=False):
        add(str(account), "url", "breaking", news_time + rng.uniform(0, 600))
    for i in range(60):
        for _ in range(rng.integers(8, 16)):
            add(f"x:fan{i}", "hashtag", "fandom", START + rng.uniform(0, 21 * DAY))
    for post in range(25):
        posted = START + rng.uniform(0, 14 * DAY)
        for i in range(50):
            add(f"x:vol{i}", "shared_post", f"campaign{post}", posted + rng.exponential(1800))
    operation = {f"x:op{i}" for i in range(40)}
    targets = [f"u{k}" for k in rng.choice(np.arange(5, 200), size=15, replace=False)]
    targets += [f"own{k}" for k in range(10)]
    for obj in targets:
        burst = START + rng.uniform(0, 14 * DAY)
        for account in sorted(operation):
            add(account, "url", obj, burst + rng.uniform(0, 8))
    table = pa.table({"account": accounts, "type": types, "object": objects, "time": times})
    return table, operation


@pytest.mark.parametrize(("seed", "min_participation"), [(1, 2), (2, 2), (3, 1)])
def test_planted_operation_is_significant_and_innocent_bursts_are_not(
    seed: int, min_participation: int
) -> None:
    shares, operation = _world(seed)
    result = detect_coordination(
        shares,
        account_col="account",
        object_col="object",
        time_col="time",
        object_type_col="type",
        window=30,
        min_participation=min_participation,
    )
    significant = result.significant_edges()
    pairs = set(
        zip(
            significant["account_a"].to_pylist(),
            significant["account_b"].to_pylist(),
            strict=True,
        )
    )
    flagged = {account for pair in pairs for account in pair}
    # Every pair of the operation is found and nothing else is.
    assert len(pairs) == 40 * 39 // 2
    assert flagged == operation
    # The innocent bursts did produce tested edges; they were just not judged significant.
    edges = result.edges.to_pylist()
    assert any(e["account_a"].startswith("x:vol") and e["n_objects"] >= 2 for e in edges)
    if min_participation == 1:
        assert any(e["account_a"].startswith("x:fan") for e in edges)
        assert any("url:breaking" in e["proof"] for e in edges)


def test_poisson_tail_matches_definition() -> None:
    p = poisson_tail(np.array([2]), np.array([0.5]))
    assert p[0] == pytest.approx(1 - np.exp(-0.5) * (1 + 0.5))


def test_benjamini_hochberg_counts_untested_hypotheses() -> None:
    q_alone = benjamini_hochberg(np.array([0.001, 0.02]))
    q_many = benjamini_hochberg(np.array([0.001, 0.02]), n_tests=100)
    assert q_alone.tolist() == pytest.approx([0.002, 0.02])
    assert q_many.tolist() == pytest.approx([0.1, 1.0])


def test_yekutieli_is_stricter_by_the_harmonic_number() -> None:
    p = np.array([0.001, 0.002])
    bh = benjamini_hochberg(p, n_tests=10)
    by = benjamini_hochberg(p, n_tests=10, dependent=True)
    assert by.tolist() == pytest.approx((bh * sum(1 / i for i in range(1, 11))).tolist())
