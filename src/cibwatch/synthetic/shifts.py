"""Post times of operators and people with the noise real schedules have.

The synthetic world's operations post exactly the office hours the schedule model assumes,
so they cannot tell whether the model survives real work: shifts that start late on some
days (drift), public holidays, each operator's days off, several operator teams in one
network, and posting tools that release queued posts at any hour. These generators add each
of those, so that tests and ``benchmarks/schedule.py`` judge the model on data it was not
written from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MONDAY: np.datetime64 = np.datetime64("2024-03-04T00:00:00", "s")
#: Relative posting rate per local hour of an ordinary person (quietest about 04:00).
HUMAN_DAY = np.array(
    [3, 2, 1, 0.6, 0.5, 0.7, 1.5, 3, 4, 4, 4, 4.5, 5, 4.5, 4, 4, 4.5, 5, 6, 7, 7.5, 7, 6, 4.5]
)


@dataclass(frozen=True)
class Noise:
    """How far a schedule strays from a clean office week.

    ``drift``: standard deviation (hours) of each day's start and end; ``holidays``: share of
    working days nobody works; ``days_off``: share of working days each operator takes off;
    ``scheduler``: share of posts a posting tool releases uniformly over the week;
    ``weekend``: rate of weekend work relative to a weekday.
    """

    drift: float = 0.0
    holidays: float = 0.0
    days_off: float = 0.0
    scheduler: float = 0.0
    weekend: float = 0.0


def office_times(
    offset: int,
    n: int,
    rng: np.random.Generator,
    *,
    start: float = 9.0,
    end: float = 18.0,
    lunch: int | None = 13,
    weeks: int = 8,
    operators: int = 5,
    noise: Noise = Noise(),
) -> npt.NDArray[np.datetime64]:
    """``n`` UTC post times of ``operators`` people working an office week at UTC+``offset``."""
    days = weeks * 7
    holiday = rng.random(days) < noise.holidays
    secs: list[float] = []
    while len(secs) < n:
        day = int(rng.integers(0, days))
        weekday = day % 7 < 5
        if rng.random() < noise.scheduler:
            secs.append(day * 86400 + rng.uniform(0, 86400) - offset * 3600)
            continue
        if holiday[day] or rng.random() < noise.days_off:
            continue
        if not weekday and rng.random() >= noise.weekend:
            continue
        s = start + rng.normal(0, noise.drift) if noise.drift else start
        e = end + rng.normal(0, noise.drift) if noise.drift else end
        hour = rng.uniform(s, max(s + 1, e))
        if lunch is not None and lunch <= hour < lunch + 1 and rng.random() < 0.8:
            continue
        secs.append(day * 86400 + hour * 3600 - offset * 3600)
    return MONDAY + np.asarray(secs[:n], dtype=np.int64).astype("timedelta64[s]")


def human_times(
    offset: int, n: int, rng: np.random.Generator, *, weeks: int = 8
) -> npt.NDArray[np.datetime64]:
    """``n`` UTC post times of people living an ordinary day at UTC+``offset``."""
    hours = rng.choice(24, size=n, p=HUMAN_DAY / HUMAN_DAY.sum())
    days = rng.integers(0, weeks * 7, n)
    secs = days * 86400 + (hours + rng.random(n)) * 3600 - offset * 3600
    return MONDAY + secs.astype(np.int64).astype("timedelta64[s]")


def bursty(
    times: npt.NDArray[np.datetime64], rng: np.random.Generator, size: int = 10
) -> npt.NDArray[np.datetime64]:
    """Every post becomes a burst of ``size`` posts within a few minutes (how accounts post)."""
    repeated: npt.NDArray[np.datetime64] = np.repeat(times, size)
    jitter = rng.integers(0, 300, repeated.size).astype("timedelta64[s]")
    return np.asarray(repeated + jitter, dtype="datetime64[s]")
