"""Posting schedule and time zone: competing hypotheses that may answer "I don't know".

Public takedown reports describe operators who post Monday to Friday in office hours with a
lunch dip, and operations whose personas follow their audience's day instead. Organic crowds
follow an ordinary human day. The 168 hours of the week (posts per local hour, at every
whole-hour UTC offset from -12 to +14) are scored under three hypotheses, each a family of
shapes with one posting rate per group of hours (a multinomial maximum likelihood):

- **office shift**: working days' work hours, a lunch hour, weekday hours off and the
  weekend, with the shift's start, length, lunch hour and weekend days as shape parameters
  (with stated priors). Work hours are *constrained* to be the busiest: a fit whose "work"
  is quieter than its hours off is pooled to equal rates (an isotonic fit), so a shift can
  no longer sit on the quietest hours and win;
- **human day**: the day in six four-hour blocks, the first being the sleep trough of the
  early local morning (constrained to be the quietest; it starts at 01:00, 02:00 or 03:00:
  the quietest hour of posting is about 04:00 in most places), times a weekday/weekend
  factor: how people everywhere post, and how operations post that follow their target
  audience's day;
- **round-the-clock**: every hour alike, weekdays and weekends at their own rates. Its
  offset is left almost free: such hours do not pin a time zone.

Each hypothesis pays a complexity penalty (half the number of free rates times the log of
the effective number of posts, BIC-like) and the posterior averages over every shape, offset
and hypothesis (flat prior over offsets, one third per hypothesis).

Real posts are neither independent nor drawn from any of these shapes: accounts post in
bursts, and a model that fits badly still prefers one offset by a margin that grows with the
number of posts. So the likelihood is *tempered*: the posts count as ``n / dispersion``
independent ones (the dispersion is the Pearson chi-square per degree of freedom of the best
fit, at least 1) divided by :data:`POST_DEPENDENCE` (posts of one day hang together in ways
the hourly counts do not show), and never as more than :data:`MAX_EFFECTIVE_POSTS`. Ten
thousand posts that fit nothing well therefore weigh no more than a few hundred that fit
well, and a probability near 100% needs a schedule whose shape separates the offsets post by
post. Both numbers were set on the development half of the IRA data and the CooRTweet sets
(see docs/schedule.md for the reliability measured there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt

OFFSETS: Final = tuple(range(-12, 15))
HYPOTHESES: Final = ("office shift", "human day", "round-the-clock")
#: Prior of each hypothesis (before the data): none is favoured.
HYPOTHESIS_PRIOR: Final = {h: 1.0 / len(HYPOTHESES) for h in HYPOTHESES}
#: Prior weight of each shift start (local hour): most office days start at 8 or 9.
SHIFT_START_PRIOR: Final = {7: 0.1, 8: 0.25, 9: 0.5, 10: 0.15}
SHIFT_LENGTHS: Final = (8, 9, 10)
#: Prior weight of each lunch hour (local start hour) and of a shift without a lunch dip.
LUNCH_PRIOR: Final = {12: 0.35, 13: 0.15, None: 0.5}
#: Prior weight of each weekend (day indices, 0 = Monday): Saturday-Sunday in most of the
#: world, Friday-Saturday in much of the Middle East, Thursday-Friday in Iran.
WEEKEND_PRIOR: Final[dict[tuple[int, ...], float]] = {(5, 6): 0.85, (4, 5): 0.1, (3, 4): 0.05}
#: Length in hours of each block of a human day (the first is the sleep trough).
HUMAN_BLOCK: Final = 4
#: Prior weight of the start of the sleep trough of a human day (local hour): the quietest
#: hour of a day's posting is about 04:00 in most places.
TROUGH_PRIOR: Final = {1: 0.25, 2: 0.5, 3: 0.25}
#: The most independent posts a unit's posts count as, however many there are (see module doc).
MAX_EFFECTIVE_POSTS: Final = 600.0
#: How many posts count as one independent post beyond the measured dispersion. The Pearson
#: dispersion of 168 hourly counts misses the dependence between days (an account busy on
#: some days and silent on others); on the development data (IRA Russian-language and
#: English accounts, CooRTweet sets: per account) the 90% ranges held the truth 74-88% of
#: the time with 2, and 91-96% with 4.
POST_DEPENDENCE: Final = 4.0
#: Below this many posts no offset is reported (see benchmarks/schedule.py for the curve).
MIN_POSTS: Final = 20
#: A probability at least this high is stated as confident; below it, ranges are given.
CONFIDENT: Final = 0.9
_DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Shape:
    """One shape of a hypothesis: how its groups of hours split the week.

    ``factors`` holds one category index per local hour of the week (0 = Monday 00:00) for
    each factor; a shape with two factors (a human day's blocks times weekday/weekend) has a
    rate per block times a rate per kind of day. ``busiest`` (category of the first factor
    constrained above all others) or ``quietest`` (constrained below all) is the shape's
    constraint. ``free`` is the number of free rates (the complexity penalty's count).
    """

    hypothesis: str
    factors: tuple[tuple[int, ...], ...]
    free: int
    log_prior: float
    busiest: int | None = None
    quietest: int | None = None
    params: dict[str, object] = field(default_factory=dict, compare=False)


def _weekend_factor(weekend: tuple[int, ...] = (5, 6)) -> tuple[int, ...]:
    return tuple(int(h // 24 in weekend) for h in range(168))


def office_shape(start: int, end: int, lunch: int | None, weekend: tuple[int, ...]) -> Shape:
    """An office week: 0 work, 1 lunch hour, 2 weekday hours off, 3 weekend (work busiest).

    Without a lunch hour the shape has three rates (the lunch category stays empty).
    """
    cats = []
    for how in range(168):
        day, hour = divmod(how, 24)
        if day in weekend:
            cats.append(3)
        elif hour == lunch:
            cats.append(1)
        elif start <= hour < end:
            cats.append(0)
        else:
            cats.append(2)
    prior = (
        SHIFT_START_PRIOR[start] / len(SHIFT_LENGTHS) * LUNCH_PRIOR[lunch] * WEEKEND_PRIOR[weekend]
    )
    params: dict[str, object] = {"start": start, "end": end, "lunch": lunch, "weekend": weekend}
    free = 2 if lunch is None else 3
    return Shape(
        "office shift", (tuple(cats),), free, float(np.log(prior)), busiest=0, params=params
    )


def human_shape(trough: int) -> Shape:
    """A human day: blocks of :data:`HUMAN_BLOCK` hours from the sleep trough (the quietest),
    times weekday/weekend."""
    blocks = tuple(((h % 24 - trough) % 24) // HUMAN_BLOCK for h in range(168))
    return Shape(
        "human day",
        (blocks, _weekend_factor()),
        24 // HUMAN_BLOCK,
        float(np.log(TROUGH_PRIOR[trough])),
        quietest=0,
        params={"trough": trough},
    )


def round_the_clock_shape() -> Shape:
    """Every hour alike; weekdays and weekends at their own rates."""
    return Shape("round-the-clock", (_weekend_factor(),), 1, 0.0)


def default_shapes() -> list[Shape]:
    """Every shape of the three hypotheses, each with its prior within its hypothesis."""
    shapes = [
        office_shape(s, s + n, lunch, weekend)
        for s in SHIFT_START_PRIOR
        for n in SHIFT_LENGTHS
        for lunch in LUNCH_PRIOR
        for weekend in WEEKEND_PRIOR
    ]
    shapes += [human_shape(t) for t in TROUGH_PRIOR]
    shapes.append(round_the_clock_shape())
    return shapes


@dataclass(frozen=True)
class ScheduleFit:
    """The inferred schedule of a set of posts.

    ``posterior`` is the probability of each offset averaged over hypotheses and shapes;
    ``hypotheses`` the probability of each hypothesis; ``offset`` the most probable offset
    and ``probability`` its posterior; ``credible`` the fewest offsets holding 90%.
    """

    posts: int
    hypothesis: str  # one of HYPOTHESES, or "too few posts"
    offset: int | None
    probability: float
    posterior: dict[int, float]
    hypotheses: dict[str, float]
    weekend_share: float
    dispersion: float = 1.0
    effective_posts: float = 0.0
    shape: dict[str, object] = field(default_factory=dict)
    work_share: float = 0.0
    lunch_dip: float = 0.0

    @property
    def kind(self) -> str:
        """The hypothesis under its short name, as reports and old exports call it."""
        return {"office shift": "office"}.get(self.hypothesis, self.hypothesis)

    @property
    def credible(self) -> list[int]:
        """The fewest offsets that together hold 90% of the probability, in order."""
        chosen: list[int] = []
        mass = 0.0
        for offset, p in sorted(self.posterior.items(), key=lambda kv: (-kv[1], kv[0])):
            if mass >= 0.9:
                break
            chosen.append(offset)
            mass += p
        return sorted(chosen)

    @property
    def offset_low(self) -> int | None:
        """The lowest offset of the 90% credible set."""
        return min(self.credible) if self.credible else None

    @property
    def offset_high(self) -> int | None:
        """The highest offset of the 90% credible set."""
        return max(self.credible) if self.credible else None

    @property
    def working_days(self) -> str:
        """The fitted working week in words, e.g. "Monday-Friday" or "Sunday-Thursday"."""
        found = self.shape.get("weekend", (5, 6))
        weekend = tuple(found) if isinstance(found, tuple) else (5, 6)
        days = [d for d in range(7) if d not in weekend]
        first = next(d for d in days if (d - 1) % 7 in weekend)
        return f"{_DAY_NAMES[first]}-{_DAY_NAMES[(first + len(days) - 1) % 7]}"

    def zone_words(self) -> str:
        """The offset in words, as sure as the posterior allows."""
        if self.offset is None:
            return "unknown"
        if self.probability >= CONFIDENT or len(self.credible) <= 1:
            return f"UTC{self.offset:+d} ({self.probability:.0%} probability)"
        return (
            f"UTC{self.offset:+d} ({self.probability:.0%} probability; 90% credible "
            f"UTC{self.offset_low:+d} to UTC{self.offset_high:+d})"
        )

    def sentence(self) -> str:
        """The fitted schedule in words (alignment with the personas is added by callers)."""
        if self.offset is None:
            return f"{self.posts} posts: too few to infer a schedule (need {MIN_POSTS})."
        odds = ", ".join(f"{h} {p:.0%}" for h, p in self.hypotheses.items())
        if self.hypothesis == "round-the-clock":
            body = (
                f"posts spread round the clock, so the hours do not pin a time zone "
                f"(best offset {self.zone_words()})"
            )
        elif self.hypothesis == "office shift":
            start, end = self.shape.get("start"), self.shape.get("end")
            lunch = self.shape.get("lunch")
            body = (
                f"an office shift {self.working_days} {start:02d}:00-{end:02d}:00 at "
                f"{self.zone_words()}, {self.work_share:.0%} of posts in it"
            )
            if isinstance(lunch, int):
                body += f", {self.lunch_dip:.0%} fewer at {lunch:02d}:00-{lunch + 1:02d}:00"
        else:
            found = self.shape.get("trough", 2)
            trough = found if isinstance(found, int) else 2
            body = (
                f"an ordinary day with its night-time trough at {trough:02d}:00-"
                f"{trough + HUMAN_BLOCK:02d}:00 in {self.zone_words()}"
            )
        if len(self.credible) > 6:
            body += "; the time zone is undetermined"
        return (
            f"{self.posts} posts: {body}; {self.weekend_share:.0%} at weekends "
            f"(hypotheses: {odds})."
        )


def hour_of_week(
    times: Sequence[datetime] | npt.NDArray[np.datetime64], offset: int = 0
) -> npt.NDArray[np.int64]:
    """Local hour of the week (0 = Monday 00:00) of UTC ``times`` at a UTC ``offset``."""
    arr = np.asarray(times, dtype="datetime64[s]").astype(np.int64) + offset * 3600
    # 1970-01-01 was a Thursday: shift so that 0 is Monday 00:00.
    return ((arr // 3600 + 3 * 24) % 168).astype(np.int64)


def week_histogram(
    times: Sequence[datetime] | npt.NDArray[np.datetime64],
) -> npt.NDArray[np.float64]:
    """Posts per UTC hour of the week (168 counts): all the schedule model reads."""
    return np.bincount(hour_of_week(times), minlength=168).astype(np.float64)


def constrained_rates(
    counts: npt.NDArray[np.float64],
    slots: npt.NDArray[np.float64],
    anchor: int | None,
    above: bool,
) -> npt.NDArray[np.float64]:
    """Maximum-likelihood posts per hour of each category, with the anchor busiest (``above``)
    or quietest: categories that break the order are pooled with the anchor.

    ``counts`` and ``slots`` are (..., C). For a star-shaped order (one category above or
    below all others) the constrained fit pools the anchor with the categories, taken from
    the most offending, whose rate is at least (at most) the pooled rate so far.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(slots > 0, counts / np.where(slots > 0, slots, 1.0), 0.0)
    if anchor is None:
        return rates
    sign = 1.0 if above else -1.0
    others = [c for c in range(counts.shape[-1]) if c != anchor]
    order = np.argsort(-sign * rates[..., others], axis=-1, kind="stable")
    other_idx = np.asarray(others)[order]  # (..., C-1), most offending first
    pooled_n = counts[..., anchor].copy()
    pooled_s = slots[..., anchor].copy()
    member = np.zeros(counts.shape, dtype=bool)
    member[..., anchor] = True
    still = np.ones(counts.shape[:-1], dtype=bool)
    for j in range(len(others)):
        c = other_idx[..., j : j + 1]
        n_c = np.take_along_axis(counts, c, -1)[..., 0]
        s_c = np.take_along_axis(slots, c, -1)[..., 0]
        pooled_rate = pooled_n / np.maximum(pooled_s, 1e-12)
        r_c = np.take_along_axis(rates, c, -1)[..., 0]
        joins = still & (s_c > 0) & (sign * (r_c - pooled_rate) >= 0)
        pooled_n = np.where(joins, pooled_n + n_c, pooled_n)
        pooled_s = np.where(joins, pooled_s + s_c, pooled_s)
        np.put_along_axis(member, c, joins[..., None] | np.take_along_axis(member, c, -1), -1)
        still &= joins
    pooled = (pooled_n / np.maximum(pooled_s, 1e-12))[..., None]
    return np.where(member, pooled, rates)


@dataclass(frozen=True)
class _Group:
    """Shapes of one structure (factors and constraint), fitted together."""

    ks: tuple[int, ...]
    busiest: int | None
    quietest: int | None
    onehots: tuple[npt.NDArray[np.float64], ...]  # per factor: (shapes, categories, 168)


@lru_cache(maxsize=8)
def _groups(shapes: tuple[Shape, ...]) -> tuple[_Group, ...]:
    """The shapes grouped by structure, with their one-hot category matrices."""
    keys: dict[tuple[int, int | None, int | None], list[int]] = {}
    for k, shape in enumerate(shapes):
        keys.setdefault((len(shape.factors), shape.busiest, shape.quietest), []).append(k)
    groups = []
    for (n_factors, busiest, quietest), ks in keys.items():
        onehots = []
        for f in range(n_factors):
            n_cats = max(max(shapes[k].factors[f]) for k in ks) + 1
            onehot = np.zeros((len(ks), n_cats, 168))
            for row, k in enumerate(ks):
                onehot[row, np.asarray(shapes[k].factors[f]), np.arange(168)] = 1.0
            onehots.append(onehot)
        groups.append(_Group(tuple(ks), busiest, quietest, tuple(onehots)))
    return tuple(groups)


def _factor_fit(
    local: npt.NDArray[np.float64], shapes: tuple[Shape, ...], n: float
) -> tuple[npt.NDArray[np.float64], Callable[[int, int], npt.NDArray[np.float64]]]:
    """Log-likelihood (offsets, shapes), and the fitted posts per hour of one (offset, shape).

    A shape with several factors has the product fit (each factor's shares are its margins;
    the hours split evenly across factors, so that is the exact maximum likelihood), whose
    log-likelihood is the sum of the factors' plus ``n * log(168)`` per extra factor.
    """
    loglik = np.zeros((local.shape[0], len(shapes)))
    fitted: dict[int, tuple[_Group, int, list[npt.NDArray[np.float64]]]] = {}
    for group in _groups(shapes):
        per_factor = []
        total = np.full(
            (local.shape[0], len(group.ks)), n * np.log(168.0) * (len(group.onehots) - 1)
        )
        for f, onehot in enumerate(group.onehots):
            counts = np.einsum("kch,oh->okc", onehot, local)
            slots = np.broadcast_to(onehot.sum(axis=2), counts.shape)
            anchor = group.busiest if group.busiest is not None else group.quietest
            rates = constrained_rates(
                counts, slots, anchor if f == 0 else None, group.busiest is not None
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                total += np.where(counts > 0, counts * np.log(rates / n), 0.0).sum(axis=2)
            per_factor.append(rates)
        loglik[:, list(group.ks)] = total
        for row, k in enumerate(group.ks):
            fitted[k] = (group, row, per_factor)

    def expected(o: int, k: int) -> npt.NDArray[np.float64]:
        group, row, per_factor = fitted[k]
        prob = np.full(168, 168.0 ** (len(group.onehots) - 1))
        for onehot, rates in zip(group.onehots, per_factor, strict=True):
            prob *= rates[o, row] @ onehot[row] / n
        return n * prob

    return loglik, expected


def dispersion(
    observed: npt.NDArray[np.float64], expected: npt.NDArray[np.float64], free: int
) -> float:
    """Pearson chi-square per degree of freedom of a fit, at least 1 (168 hours, ``free`` rates).

    >>> dispersion(np.full(168, 2.0), np.full(168, 2.0), 1)
    1.0
    """
    keep = expected > 0
    chi2 = float((((observed - expected) ** 2)[keep] / expected[keep]).sum())
    return max(1.0, chi2 / max(1, int(keep.sum()) - free - 1))


def fit_week(
    hist: npt.NDArray[np.float64],
    shapes: Sequence[Shape] | None = None,
    *,
    max_effective: float = MAX_EFFECTIVE_POSTS,
    dependence: float = POST_DEPENDENCE,
    offsets: Sequence[int] = OFFSETS,
) -> ScheduleFit:
    """Fit every shape at every offset to UTC hour-of-week counts; average them.

    Score of shape ``s`` at offset ``o``: ``w * loglik - free/2 * log(n_eff) + log prior``,
    where ``n_eff = min(n / (dispersion * dependence), max_effective)`` and ``w = n_eff / n``
    (see the module docstring), the prior being the hypothesis's times the shape's within it
    (offsets flat).
    """
    hist = np.asarray(hist, dtype=np.float64)
    n = float(hist.sum())
    if n < MIN_POSTS:
        return ScheduleFit(int(n), "too few posts", None, 0.0, {}, {}, 0.0)
    shapes = tuple(shapes) if shapes is not None else _DEFAULT_SHAPES
    local = np.stack([np.roll(hist, o) for o in offsets])  # local hour h holds UTC h - o
    loglik, expected = _factor_fit(local, tuple(shapes), n)
    best = np.unravel_index(int(np.argmax(loglik)), loglik.shape)
    phi = dispersion(local[best[0]], expected(int(best[0]), int(best[1])), shapes[best[1]].free)
    n_eff = min(n / (phi * dependence), max_effective)
    free = np.array([s.free for s in shapes], dtype=np.float64)
    prior = np.array(
        [s.log_prior + np.log(HYPOTHESIS_PRIOR.get(s.hypothesis, 1.0)) for s in shapes]
    )
    scores = (n_eff / n) * loglik - 0.5 * free[None] * np.log(n_eff) + prior[None]
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    by_offset = weights.sum(axis=1)
    by_hypothesis: dict[str, float] = {}
    for k, s in enumerate(shapes):
        by_hypothesis[s.hypothesis] = by_hypothesis.get(s.hypothesis, 0.0) + float(
            weights[:, k].sum()
        )
    hypothesis = max(by_hypothesis, key=lambda h: by_hypothesis[h])
    i = int(np.argmax(by_offset))
    ks = [k for k, s in enumerate(shapes) if s.hypothesis == hypothesis]
    k = ks[int(np.argmax(weights[i, ks]))]
    shape = shapes[k]
    hours = local[i]
    weekend = np.asarray(_weekend_factor(), dtype=bool)
    work_share = dip = 0.0
    if shape.hypothesis == "office shift":
        cats = np.asarray(shape.factors[0])
        work_share = float(hours[cats <= 1].sum() / n)
        lunch = shape.params.get("lunch")
        if isinstance(lunch, int) and hours[cats == 0].sum() > 0:
            work_rate = hours[cats == 0].sum() / (cats == 0).sum()
            dip = max(0.0, 1.0 - float(hours[cats == 1].sum() / (cats == 1).sum() / work_rate))
    return ScheduleFit(
        posts=int(n),
        hypothesis=hypothesis,
        offset=int(offsets[i]),
        probability=float(by_offset[i]),
        posterior={int(o): float(p) for o, p in zip(offsets, by_offset, strict=True) if p >= 1e-4},
        hypotheses={h: round(p, 4) for h, p in by_hypothesis.items()},
        weekend_share=round(float(hours[weekend].sum() / n), 4),
        dispersion=round(phi, 3),
        effective_posts=round(n_eff, 1),
        shape=dict(shape.params),
        work_share=round(work_share, 4),
        lunch_dip=round(dip, 4),
    )


_DEFAULT_SHAPES: Final = tuple(default_shapes())


def infer_schedule(times: Sequence[datetime] | npt.NDArray[np.datetime64]) -> ScheduleFit:
    """The schedule of posts at UTC ``times`` (see :func:`fit_week`).

    >>> from datetime import datetime, timedelta
    >>> base = datetime(2024, 3, 4, 1, 0)  # Monday 09:00 at UTC+8
    >>> times = [base + timedelta(days=d + 7 * w, minutes=37 * k) for w in range(4)
    ...          for d in range(5) for k in range(12) if not 180 <= 37 * k < 240]
    >>> fit = infer_schedule(times)
    >>> fit.hypothesis, fit.offset, 8 in fit.credible
    ('office shift', 8, True)
    """
    return fit_week(week_histogram(times))
