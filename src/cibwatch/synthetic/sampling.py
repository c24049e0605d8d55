"""Vectorised random draws shared by the generators: hashes, Zipf ranks, daily rhythms.

Attributes of organic accounts are *hashes of the account index* rather than draws stored in
memory, so any block of posts can look up its authors' time zone or platform without a table
of every account: memory stays bounded at 100 million posts, and the result does not depend
on how the work is split into chunks.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)

#: Organic posting intensity per local hour: low at night, a lunch bump, an evening peak.
WEEKDAY_HOURS: tuple[float, ...] = (
    1.2,
    0.6,
    0.3,
    0.2,
    0.2,
    0.4,
    1.2,
    2.6,
    3.4,
    3.0,
    2.8,
    3.0,
    3.8,
    3.4,
    3.0,
    3.0,
    3.3,
    4.0,
    5.0,
    6.0,
    6.6,
    6.4,
    4.8,
    2.6,
)
WEEKEND_HOURS: tuple[float, ...] = (
    2.0,
    1.4,
    0.8,
    0.4,
    0.3,
    0.3,
    0.5,
    1.0,
    2.0,
    3.2,
    4.0,
    4.4,
    4.6,
    4.6,
    4.4,
    4.4,
    4.4,
    4.8,
    5.4,
    6.0,
    6.4,
    6.2,
    5.0,
    3.2,
)


def mix(values: npt.NDArray[np.integer], salt: int) -> U64:
    """Return a well-mixed 64-bit hash of each value (splitmix64 finaliser).

    The same (value, salt) always gives the same hash; different salts give independent
    looking streams, so one account index yields several unrelated attributes.
    """
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + np.uint64(salt & 0xFFFFFFFFFFFFFFFF) * _GOLDEN
        z = z + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        mixed: U64 = z ^ (z >> np.uint64(31))
        return mixed


def unit(values: npt.NDArray[np.integer], salt: int) -> F64:
    """Return a uniform number in [0, 1) per value, from :func:`mix`."""
    return (mix(values, salt) >> np.uint64(11)).astype(np.float64) * (2.0**-53)


def pick(weights: tuple[float, ...] | F64, u: F64) -> I64:
    """Return the index chosen by each uniform ``u`` under the (unnormalised) ``weights``."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1).astype(np.int64)


def zipf_cdf(n: int, exponent: float = 1.0) -> F64:
    """Return the cumulative distribution of ranks 0..n-1 with weight 1/(rank+1)**exponent."""
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]  # type: ignore[no-any-return]


def zipf_ranks(rng: np.random.Generator, cdf: F64, size: int) -> I64:
    """Draw ``size`` ranks from a distribution given by :func:`zipf_cdf`."""
    ranks = np.searchsorted(cdf, rng.random(size), side="right")
    return np.minimum(ranks, len(cdf) - 1).astype(np.int64)


def local_rhythm_seconds(
    rng: np.random.Generator, days: I64, weekday_of_day0: int, tz_hours: I64
) -> I64:
    """Return seconds after the world start (UTC) for posts on ``days`` at local rhythm.

    Each post gets an hour from the weekday or weekend curve of its author's local time, then
    a uniform second within it; the local time is shifted to UTC by the author's offset.
    """
    weekday = (days + weekday_of_day0) % 7
    weekend = weekday >= 5
    hours = np.where(
        weekend,
        pick(WEEKEND_HOURS, rng.random(len(days))),
        pick(WEEKDAY_HOURS, rng.random(len(days))),
    )
    seconds = rng.integers(0, 3600, size=len(days))
    moments: I64 = days * 86_400 + hours * 3600 + seconds - tz_hours * 3600
    return moments


def epoch_seconds(moment: datetime) -> int:
    """Return whole seconds since 1970 for a UTC (or naive = UTC) datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def hex_hashes(values: U64) -> list[str]:
    """Format 64-bit values as 16-hex-digit strings (the perceptual-hash format)."""
    return [f"{int(v):016x}" for v in values]
