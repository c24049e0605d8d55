"""``P(X > k)`` for ``X ~ Poisson(mu)``: SciPy's ``pdtrc``, bit for bit, without SciPy.

Why: importing ``scipy.special`` costs about 0.17 CPU s, a tenth of a whole
``cibwatch coordination`` run on 1 M shares, for one function evaluated a few thousand
times. :func:`pdtrc` repeats, operation by operation in the same order, the branch of
Cephes' regularised incomplete gamma function ``igam(k + 1, mu)`` (as SciPy's ``xsf``
library writes it) that co-action's p-values take: the power series (DLMF 8.11.4), with the
prefactor ``exp(a log(mu) - mu - lgam(a))`` and Cephes' ``lgam`` for whole ``a``. It uses
the same C library ``log`` and ``exp`` (through :mod:`math`), so its results equal SciPy's
exactly, which tests/test_coaction_significance.py checks over a grid. Any argument outside
that branch (``mu`` near or above ``k``, a fractional ``k``, non-finite values) is handed to
SciPy itself, imported only then.
"""

from __future__ import annotations

import math

import numpy as np

#: Cephes' constants, as SciPy's ``xsf`` defines them.
_MACHEP = 1.11022302462515654042e-16
_MAXLOG = 7.09782712893383996843e2
_MAXITER = 2000
_LS2PI = 0.91893853320467274178
#: Stirling's series of ``lgam`` for 13 <= a < 1000 (Cephes ``A``).
_STIRLING = (
    8.11614167470508450300e-4,
    -5.95061904284301438324e-4,
    7.93650340457716943945e-4,
    -2.77777777730099687205e-3,
    8.33333333333331927722e-2,
)


def _lgam(a: float) -> float:
    """Cephes ``lgam`` for a whole ``a`` in [1, 1000): ``log((a - 1)!)`` below 13 (a
    product of whole numbers, exact in doubles), Stirling's series above."""
    if a < 13.0:
        z, p, u = 1.0, 0.0, a
        while u >= 3.0:
            p -= 1.0
            u = a + p
            z *= u
        return math.log(z)
    q = (a - 0.5) * math.log(a) - a + _LS2PI
    p = 1.0 / (a * a)
    poly = _STIRLING[0]
    for coefficient in _STIRLING[1:]:
        poly = poly * p + coefficient
    return q + poly / a


def _series(a: float, x: float) -> float:
    """Cephes ``igam_series(a, x)`` with the logarithmic prefactor."""
    ax = a * math.log(x) - x - _lgam(a)
    if ax < -_MAXLOG:
        return 0.0
    fac = math.exp(ax)
    if fac == 0.0:
        return 0.0
    r, c, ans = a, 1.0, 1.0
    for _ in range(_MAXITER):
        r += 1.0
        c *= x / r
        ans += c
        if c <= _MACHEP * ans:
            break
    return ans * fac / a


def _in_series_branch(a: float, x: float) -> bool:
    """Whether Cephes computes ``igam(a, x)`` by :func:`_series` (and :func:`_lgam` covers
    ``a``): ``a`` whole in [1, 1000), ``x`` positive and finite, away from ``a`` (no
    asymptotic series, no complement) and far enough below it for the logarithmic
    prefactor. The conditions are Cephes' own, in its own arithmetic."""
    if not (math.isfinite(a) and math.isfinite(x)) or x <= 0.0:
        return False
    if a != math.floor(a) or not 1.0 <= a < 1000.0:
        return False
    ratio = abs(x - a) / a
    if 20.0 < a < 200.0 and ratio < 0.3:
        return False
    if a > 200.0 and ratio < 4.5 / math.sqrt(a):
        return False
    if x > 1.0 and x > a:
        return False
    return abs(a - x) > 0.4 * abs(a)


#: Beyond this many values SciPy computes them: a value costs about 1.3 us here, so from
#: about 100 thousand values on, importing ``scipy.special`` is the cheaper way.
SCIPY_BEYOND = 100_000


def pdtrc(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``P(X > k)`` for ``X ~ Poisson(mu)``, elementwise: SciPy's ``scipy.special.pdtrc``.

    >>> [round(float(p), 6) for p in pdtrc(np.array([0.0, 1.0, 2.0]), np.array([1.0] * 3))]
    [0.632121, 0.264241, 0.080301]
    """
    ks, mus = np.broadcast_arrays(np.asarray(k, np.float64), np.asarray(mu, np.float64))
    if ks.size > SCIPY_BEYOND:
        from scipy.special import pdtrc as scipy_pdtrc

        return np.asarray(scipy_pdtrc(ks, mus), np.float64)
    return series_pdtrc(ks, mus)


def series_pdtrc(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """:func:`pdtrc` computed here wherever Cephes takes the series branch (SciPy for the
    other arguments), whatever the number of values."""
    ks, mus = np.broadcast_arrays(np.asarray(k, np.float64), np.asarray(mu, np.float64))
    out = np.empty(ks.shape, np.float64)
    others: list[int] = []
    flat_k, flat_mu, flat_out = ks.ravel(), mus.ravel(), out.reshape(-1)
    for i, (kk, m) in enumerate(zip(flat_k.tolist(), flat_mu.tolist(), strict=True)):
        a = math.floor(kk) + 1.0 if math.isfinite(kk) and kk >= 0.0 else math.nan
        if _in_series_branch(a, m):
            flat_out[i] = _series(a, m)
        else:
            others.append(i)
    if others:
        from scipy.special import pdtrc as scipy_pdtrc

        at = np.array(others)
        flat_out[at] = scipy_pdtrc(flat_k[at], flat_mu[at])
    return out
