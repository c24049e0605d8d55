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
from cibwatch.coaction.significance import (
    benjamini_hochberg,
    conditional_tail,
    effective_tests,
    poisson_tail,
)

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
    # Every pair of the operation is found.
    assert {p for p in pairs if p[0] in operation and p[1] in operation} == {
        (a, b) for a in operation for b in operation if a < b
    }
    # Innocent pairs are at most the stated share of the discoveries, and none of their
    # accounts has two significant edges, so no innocent cluster of three can form. (The
    # volunteers, who retweet the same posts minutes after them, are more co-active than
    # the null model's activity-only expectation: in about half of such worlds one pair of
    # them co-acts within 30 s on four posts and passes; docs/coordination.md.)
    innocent = [p for p in pairs if not (p[0] in operation and p[1] in operation)]
    assert len(innocent) <= 0.05 * len(pairs)
    degree: dict[str, int] = {}
    for a, b in innocent:
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    assert all(d == 1 for d in degree.values())
    assert all(a.startswith("x:vol") for a in degree)  # never the fans or the news burst
    # The innocent bursts did produce tested edges; they were just not judged significant.
    edges = result.edges.to_pylist()
    assert any(e["account_a"].startswith("x:vol") and e["n_objects"] >= 2 for e in edges)
    if min_participation == 1:
        assert any(e["account_a"].startswith("x:fan") for e in edges)
        assert any("url:breaking" in e["proof"] for e in edges)
    # The effective number of tests is the pairs that co-acted at least once, far fewer
    # than every pair of the population.
    assert len(edges) <= result.n_tests < result.n_accounts * (result.n_accounts - 1) // 2
    assert result.params["n_tests"] == result.n_tests


def _hand_world() -> pa.Table:
    # a and b share X within 10 s, then Y within 5 s an hour later: two co-actions on two
    # objects in two different hours. c and d share Z within 10 s once. e posts alone.
    # Posts N = 7 (one object each); pairs of posts co-acting within 30 s W = 3;
    # n_a = n_b = 2, so mu_ab = 2 * 2 * 2 * 3 / (7 * 6) = 4 / 7.
    return pa.table(
        {
            "account": ["a", "b", "a", "b", "c", "d", "e"],
            "object": ["X", "X", "Y", "Y", "Z", "Z", "Q"],
            "time": [0.0, 10.0, 4000.0, 4005.0, 9000.0, 9010.0, 20000.0],
            "post": ["a1", "b1", "a2", "b2", "c1", "d1", "e1"],
        }
    )


def test_expectation_p_value_and_tests_match_hand_computation() -> None:
    result = detect_coordination(
        _hand_world(),
        account_col="account",
        object_col="object",
        time_col="time",
        content_col="post",
        window=30,
        min_participation=1,
    )
    edges = {(e["account_a"], e["account_b"]): e for e in result.edges.to_pylist()}
    ab, cd = edges[("a", "b")], edges[("c", "d")]
    assert ab["expected"] == pytest.approx(4 / 7)
    assert cd["expected"] == pytest.approx(2 * 1 * 1 * 3 / (7 * 6))
    assert ab["n_events"] == 2 and cd["n_events"] == 1
    # Selected for having co-acted once: P(X >= 2 | X >= 1) for X ~ Poisson(4 / 7).
    mu = 4 / 7
    p_ab = (1 - np.exp(-mu) * (1 + mu)) / (1 - np.exp(-mu))
    assert ab["p_value"] == pytest.approx(p_ab)
    assert cd["p_value"] == 1.0  # one co-action says nothing once selected on it
    # Two pairs co-acted, so two tests; Yekutieli: q = p * m * (1 + 1/2) / rank.
    assert result.n_tests == 2
    assert ab["q_value"] == pytest.approx(min(1.0, p_ab * 2 * 1.5))


def test_co_actions_within_one_hour_count_as_one_event() -> None:
    # Three objects shared by both accounts within seconds, all in one burst: one occasion.
    shares = pa.table(
        {
            "account": ["a", "b"] * 3,
            "object": ["X", "X", "Y", "Y", "Z", "Z"],
            "time": [0.0, 5.0, 600.0, 605.0, 1200.0, 1205.0],
        }
    )
    edge = detect_coordination(
        shares, account_col="account", object_col="object", time_col="time", window=30
    ).edges.to_pylist()[0]
    assert edge["n_objects"] == 3 and edge["n_occasions"] == 1 and edge["n_events"] == 1
    assert not edge["significant"]


def test_null_expectation_matches_simulated_relabelling() -> None:
    # The null model relabels posts' accounts at random, keeping each account's number of
    # posts: simulate it and compare the mean co-acting post pairs of one pair with the
    # ``expected`` the steps compute.
    rng = np.random.default_rng(7)
    n_posts = 600
    accounts = np.array([f"acc{i}" for i in rng.integers(0, 40, n_posts)])
    accounts[:6] = ["a", "b", "a", "b", "a", "b"]
    objects = np.array([f"o{k}" for k in rng.integers(0, 60, n_posts)])
    objects[:6] = ["X", "X", "Y", "Y", "Z", "Z"]
    times = rng.uniform(0, 7 * DAY, n_posts)
    times[:6] = [0, 3, 5000, 5004, 20000, 20001]
    shares = pa.table(
        {
            "account": accounts.tolist(),
            "object": objects.tolist(),
            "time": times.tolist(),
            "post": [f"p{i}" for i in range(n_posts)],
        }
    )
    result = detect_coordination(
        shares,
        account_col="account",
        object_col="object",
        time_col="time",
        content_col="post",
        window=600,
        min_participation=1,
    )
    edge = next(
        e for e in result.edges.to_pylist() if (e["account_a"], e["account_b"]) == ("a", "b")
    )
    # Window pairs of posts (positions), fixed under relabelling.
    first, second = [], []
    for obj in np.unique(objects):
        idx = np.flatnonzero(objects == obj)
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                if abs(times[idx[x]] - times[idx[y]]) <= 600:
                    first.append(idx[x])
                    second.append(idx[y])
    i, j = np.array(first), np.array(second)
    counts = []
    for _ in range(4000):
        labels = rng.permutation(accounts)
        hit = ((labels[i] == "a") & (labels[j] == "b")) | ((labels[i] == "b") & (labels[j] == "a"))
        counts.append(int(hit.sum()))
    simulated = float(np.mean(counts))
    standard_error = float(np.std(counts)) / np.sqrt(len(counts))
    assert abs(simulated - edge["expected"]) < 4 * standard_error + 1e-3


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


def test_conditional_tail_divides_by_the_chance_of_meeting_once() -> None:
    mu = np.array([0.01, 2.0])
    p = conditional_tail(np.array([3, 3]), mu)
    expected = [
        float(poisson_tail(np.array([3]), mu[k : k + 1])[0] / (1 - np.exp(-mu[k])))
        for k in range(2)
    ]
    assert p.tolist() == pytest.approx(expected)
    # Tiny expectations do not underflow to 0/0.
    assert 0 < conditional_tail(np.array([2]), np.array([1e-12]))[0] < 1e-11


def test_effective_tests_never_fall_below_the_edges() -> None:
    assert effective_tests(10, 3) == 10
    assert effective_tests(0, 3) == 3
    assert effective_tests(0, 0) == 1


def test_our_poisson_tail_is_scipys_bit_for_bit() -> None:
    # cibwatch.coaction.poisson repeats Cephes' branch that co-action's p-values take; every
    # other argument goes to SciPy itself. Over k from -2 to 1,100 (Stirling's lgam from 13,
    # SciPy's asymptotic series for k near mu above 20) and mu from 1e-300 to 1,000, zero,
    # infinite and NaN, the values must be SciPy's exactly, not merely close.
    from scipy.special import pdtrc as scipy_pdtrc

    from cibwatch.coaction.poisson import SCIPY_BEYOND, pdtrc, series_pdtrc

    ks = np.arange(-2, 1100, dtype=np.float64)
    mus = np.concatenate(
        [
            np.geomspace(1e-300, 1e3, 700),
            np.linspace(0.0, 50.0, 401),
            [0.5, 0.6, 1.0, 1.1, 2.0, 1e-5, np.inf, np.nan],
        ]
    )
    k, mu = (grid.ravel() for grid in np.meshgrid(ks, mus))
    assert len(k) > SCIPY_BEYOND  # so pdtrc hands the whole grid to SciPy; ours is:
    ours, theirs = series_pdtrc(k, mu), scipy_pdtrc(k, mu)
    assert np.array_equal(pdtrc(k[:1000], mu[:1000]), ours[:1000], equal_nan=True)
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    assert same.all(), list(zip(k[~same][:5], mu[~same][:5], strict=True))
    # the grid is mostly the ported branch, not SciPy answering for itself
    assert np.count_nonzero(mu < 0.6 * (k + 1)) > len(k) // 2


def test_p_values_need_no_scipy_import() -> None:
    # Importing scipy.special cost 0.17 CPU s of each co-action command.
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from cibwatch.coaction.significance import conditional_tail, poisson_tail\n"
        "conditional_tail(np.array([0, 1, 2, 5, 40]), np.array([1e-4, 0.3, 0.2, 1.5, 3.0]))\n"
        "poisson_tail(np.array([0, 1, 2, 5]), np.array([1e-4, 0.3, 0.2, 1.5]))\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
