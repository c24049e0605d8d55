"""Is an edge more than chance? Poisson tails under an activity-preserving null, then FDR.

Null model: keep every post where it is, with its objects (so each object keeps its
popularity and time spread, and the number ``W`` of pairs of posts that co-act on some
object within the window is fixed) and relabel the posts' accounts at random, keeping each
account's number of posts ``n_a``. A given pair of posts then belongs to ``a`` and ``b``
with probability ``2 n_a n_b / (N (N - 1))``, so the expected number of co-acting post pairs
of ``a`` and ``b`` is ``mu = 2 n_a n_b W / (N (N - 1))`` (the ``expected`` step). The test
statistic is the number of co-action *events* (``n_events``): the distinct objects the pair
co-acted on, but never more than the distinct pairs of posts behind them nor the distinct
hours in which they co-acted. It never exceeds the number of co-acting post pairs, so the
Poisson tail is conservative; one viral object (a breaking-news burst, a hashtag used for
weeks) counts once however many pairs it produced, one pair of posts counts once however
many objects (url, domain, text, hashtags) each post carries, and one burst counts once
however many objects it touched (co-actions inside one burst are not independent events:
two accounts whose shares keep the same spacing meet on all of them once they meet on one).

Multiple testing, over the pairs that could have been judged: only a pair of accounts that
co-acted at least once has an edge, so the hypotheses tested are selected by the data. The
test is made *conditional on that selection*: a pair is looked at because ``X >= 1``, so its
p-value is ``P(X >= k | X >= 1) = P(X >= k) / P(X >= 1)``, which is (super-)uniform under
the null among the selected pairs. The pairs selected are the *effective number of tests*
(``n_tests``): every pair of accounts that shared one object within the window at least once
(a run reports it in its parameters), the untested ones (fewer than ``min_objects``
co-actions) counting as p = 1. Benjamini-Yekutieli (BH with ``m`` multiplied by
``sum 1/i``) then bounds the false discovery rate at ``fdr`` under any dependence between
the tests (edge tests share accounts and objects).

Why not every possible pair, as before: the unconditional p-value of a pair that never
co-acted is 1 and adds nothing but ``m``, so the bar rose with the square of the population
(9,509 accounts in ``russian_coord_tweets``: 45 million pairs, a bar near 6e-11 that no
pair reached) while the pairs that could have co-acted there number a few thousand. The
conditional test asks instead "given that these two met once, is meeting k times more than
chance?", which is what an analyst asks, and its denominator grows with the co-activity of
the data, not with its population. Its error rate is measured on real activity by
:func:`cibwatch.coaction.controls.shuffle_times` (docs/coordination.md).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# pdtrc(k, mu) is P(X > k) for X ~ Poisson(mu), what scipy.stats' poisson.sf computes with:
# SciPy's own values, without the 0.17 CPU s that importing scipy.special costs every
# co-action command (or the 0.8 s of scipy.stats).
from cibwatch.coaction.poisson import pdtrc
from cibwatch.errors import ConfigError


def poisson_tail(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``P(X >= observed)`` for ``X ~ Poisson(expected)``; 1 where nothing was observed.

    >>> [round(float(p), 4) for p in poisson_tail(np.array([0, 1, 3]), np.array([1.0] * 3))]
    [1.0, 0.6321, 0.0803]
    """
    obs = np.asarray(observed, dtype=np.float64)
    mu = np.maximum(np.asarray(expected, dtype=np.float64), 1e-300)
    return np.where(obs <= 0, 1.0, np.clip(_tail(obs, mu, obs <= 0), 0.0, 1.0))


def _tail(obs: np.ndarray, mu: np.ndarray, unused: np.ndarray) -> np.ndarray:
    """``P(X >= obs)`` where ``unused`` is false (1 where it is true: the callers replace
    those), so that no value outside the tail's domain (``obs - 1 < 0``) is evaluated."""
    p = np.ones(np.broadcast(obs, mu).shape, np.float64)
    wanted = ~np.broadcast_to(unused, p.shape)
    obs, mu = np.broadcast_arrays(obs, mu)
    p[wanted] = pdtrc(np.floor(obs[wanted] - 1.0), mu[wanted])
    return p


def harmonic(n: int) -> float:
    """``sum_{i=1..n} 1/i`` (exact below a million, asymptotic above)."""
    if n <= 1_000_000:
        return float(np.sum(1.0 / np.arange(1, n + 1)))
    return float(np.log(n) + 0.5772156649015329 + 1.0 / (2 * n))


def benjamini_hochberg(
    p_values: np.ndarray, n_tests: int | None = None, *, dependent: bool = False
) -> np.ndarray:
    """BH q-values (BY when ``dependent``); ``n_tests`` counts unlisted hypotheses (p = 1).

    >>> [round(float(q), 3) for q in benjamini_hochberg(np.array([0.01, 0.04, 0.03]))]
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = len(p) if n_tests is None else n_tests
    if m < len(p):
        raise ConfigError(f"n_tests ({m}) is smaller than the number of p-values ({len(p)})")
    if len(p) == 0:
        return p
    order = np.argsort(p, kind="stable")
    scale = m * harmonic(m) if dependent else m
    ranked = p[order] * scale / np.arange(1, len(p) + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty_like(p)
    q[order] = np.clip(ranked, 0.0, 1.0)
    return q


def conditional_tail(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``P(X >= observed | X >= 1)`` for ``X ~ Poisson(expected)``; 1 below 2.

    The p-value of a pair selected for having co-acted at least once.

    >>> [round(float(p), 4) for p in conditional_tail(np.array([1, 2]), np.array([0.5, 0.5]))]
    [1.0, 0.2293]
    """
    obs = np.asarray(observed, dtype=np.float64)
    mu = np.maximum(np.asarray(expected, dtype=np.float64), 1e-300)
    # -expm1(-mu) is P(X >= 1) without cancellation when mu is tiny.
    p = _tail(obs, mu, obs <= 1) / -np.expm1(-mu)
    return np.where(obs <= 1, 1.0, np.clip(p, 0.0, 1.0))


def effective_tests(n_coacting_pairs: int, n_edges: int) -> int:
    """The multiple-testing denominator: pairs that co-acted at least once.

    >>> effective_tests(120, 30)
    120
    """
    return max(int(n_coacting_pairs), int(n_edges), 1)


def add_significance(
    edges: pa.Table, *, n_coacting_pairs: int, fdr: float, min_objects: int
) -> pa.Table:
    """Append ``p_value``, ``q_value`` and ``significant`` to an edge table.

    ``n_coacting_pairs`` is the number of account pairs that co-acted at least once (the
    effective number of tests; never fewer than the edges). Edges with fewer than
    ``min_objects`` co-action events are not tested (p = 1).
    """
    if not 0 < fdr < 1:
        raise ConfigError(f"fdr must lie strictly between 0 and 1, got {fdr}")
    n_events = edges.column("n_events").to_numpy(zero_copy_only=False).astype(np.float64)
    expected = edges.column("expected").to_numpy(zero_copy_only=False).astype(np.float64)
    tested = n_events >= min_objects
    p = np.where(tested, conditional_tail(n_events, expected), 1.0)
    q = benjamini_hochberg(p, effective_tests(n_coacting_pairs, len(p)), dependent=True)
    significant = tested & (q <= fdr)
    return (
        edges.append_column("p_value", pa.array(p, pa.float64()))
        .append_column("q_value", pa.array(q, pa.float64()))
        .append_column("significant", pa.array(significant, pa.bool_()))
    )
