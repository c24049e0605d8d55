"""Posting schedule and operator time zone.

Operators of influence operations work shifts: public takedown reports describe accounts
posing as Americans that posted Monday to Friday during office hours in China, with a dip at
lunch. Here a set of post times (UTC) is tested against an *office-shift model* at every
whole-hour UTC offset from -12 to +14.

The model, at offset ``o`` and shift ``start..end`` (local hours), sorts the 168 local hours
of the week into four categories (work, a lunch hour, weekday off-hours, weekend) and fits one
posting rate per category (a multinomial maximum likelihood). Two things pin the offset: the
lunch dip and the weekend (local Saturday and Sunday). The lunch hour differs between working
cultures (12:00 in China or the US, often 13:00 in Russia), so it is a model parameter with a
stated prior (:data:`LUNCH_PRIOR`), and a model without lunch competes too (BIC penalty);
shift starts have a prior too (:data:`SHIFT_START_PRIOR`). The posterior of an offset sums
over shifts, lunch hours and models with a flat prior over offsets. A 13:00 lunch at UTC+3
looks exactly like a 12:00 lunch at UTC+2, so such a schedule keeps its probability split
between the two, and the reported confidence says so: it is the posterior mass of the best
offset, with a 90% credible range, not a fixed label.

A schedule is called ``office`` only when the best fit puts most posts in working hours on
weekdays; ``round-the-clock`` when posts spread evenly over the day; otherwise ``irregular``
(organic users post in the evening and at weekends).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt

OFFSETS: Final = tuple(range(-12, 15))
#: Prior weight of each shift start (local hour): most office days start at 8 or 9.
SHIFT_START_PRIOR: Final = {7: 0.1, 8: 0.25, 9: 0.5, 10: 0.15}
SHIFT_STARTS: Final = tuple(SHIFT_START_PRIOR)
SHIFT_LENGTHS: Final = (8, 9, 10)
#: Prior weight of each lunch hour (local start hour) and of a shift without a lunch dip.
LUNCH_PRIOR: Final = {12: 0.35, 13: 0.15}
NO_LUNCH_PRIOR: Final = 0.5
#: Prior weight of each weekend (day indices, 0 = Monday): Saturday-Sunday in most of the
#: world, Friday-Saturday in much of the Middle East, Thursday-Friday in Iran.
WEEKEND_PRIOR: Final = {(5, 6): 0.85, (4, 5): 0.1, (3, 4): 0.05}
_DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Below this many posts no offset is reported (see benchmarks/schedule.py for the curve).
MIN_POSTS: Final = 20
_CATEGORIES: Final = ("work", "lunch", "off", "weekend")


@dataclass(frozen=True)
class ScheduleFit:
    """The inferred schedule of a set of posts."""

    posts: int
    kind: str  # "office", "round-the-clock", "irregular" or "too few posts"
    offset: int | None
    probability: float
    posterior: dict[int, float]
    shift_start: int | None
    shift_end: int | None
    work_share: float
    lunch_dip: float
    weekend_share: float
    lunch_start: int = 12
    weekend: tuple[int, ...] = (5, 6)

    @property
    def working_days(self) -> str:
        """The fitted working week in words, e.g. "Monday-Friday" or "Sunday-Thursday"."""
        days = [d for d in range(7) if d not in self.weekend]
        first = next(d for d in days if (d - 1) % 7 in self.weekend)
        return f"{_DAY_NAMES[first]}-{_DAY_NAMES[(first + len(days) - 1) % 7]}"

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

    def zone_words(self) -> str:
        """The offset in words, as sure as the posterior allows."""
        if self.offset is None:
            return "unknown"
        if self.probability >= 0.9 or len(self.credible) <= 1:
            return f"UTC{self.offset:+d} ({self.probability:.0%} probability)"
        low, high = self.credible[0], self.credible[-1]
        return (
            f"UTC{self.offset:+d} ({self.probability:.0%} probability; 90% credible "
            f"UTC{low:+d} to UTC{high:+d})"
        )

    def sentence(self, claimed: str | None = None, claimed_offset: int | None = None) -> str:
        """The finding in words, e.g. for a report."""
        if self.offset is None:
            return f"{self.posts} posts: too few to infer a schedule (need {MIN_POSTS})."
        zone = f"UTC{self.offset:+d}"
        if self.kind != "office":
            text = (
                f"{self.posts} posts with an {self.kind} schedule; no office shift "
                f"(best fit {zone}, {self.probability:.0%})."
            )
        else:
            text = (
                f"{self.work_share:.0%} of posts {self.working_days} {self.shift_start:02d}:00-"
                f"{self.shift_end:02d}:00 at {self.zone_words()}, "
                f"{self.lunch_dip:.0%} fewer at {self.lunch_start:02d}:00-"
                f"{self.lunch_start + 1:02d}:00, {self.weekend_share:.0%} at "
                f"weekends; {self.posts} posts."
            )
        if claimed and claimed_offset is not None:
            text += f" Claims to be in {claimed} (UTC{claimed_offset:+d})"
            if self.kind != "office":
                text += "."
            elif fits_claimed(self.credible, claimed_offset):
                text += (
                    ": the shift fits the claimed place, so it looks aligned with the "
                    "audience and does not reveal where the operators are."
                )
            else:
                text += (
                    f": office hours {abs(self.offset - claimed_offset)} hours away from "
                    "the claimed place look like the operators' own working day."
                )
        return text


def fits_claimed(credible: Sequence[int], claimed_offset: int) -> bool:
    """Whether every credible offset fits a claimed place's standard or daylight-saving time.

    >>> fits_claimed([-6, -5], -6), fits_claimed([2, 3], 1)
    (True, False)
    """
    return bool(credible) and all(o in (claimed_offset, claimed_offset + 1) for o in credible)


def hour_of_week(
    times: Sequence[datetime] | npt.NDArray[np.datetime64], offset: int = 0
) -> npt.NDArray[np.int64]:
    """Local hour of the week (0 = Monday 00:00) of UTC ``times`` at a UTC ``offset``."""
    arr = np.asarray(times, dtype="datetime64[s]").astype(np.int64) + offset * 3600
    # 1970-01-01 was a Thursday: shift so that 0 is Monday 00:00.
    return ((arr // 3600 + 3 * 24) % 168).astype(np.int64)


def _category_masks(
    start: int, end: int, lunch: int | None, weekend: tuple[int, ...] = (5, 6)
) -> npt.NDArray[np.int64]:
    """Category index (see _CATEGORIES) of each of the 168 local hours of the week.

    ``lunch`` None merges the lunch hour into work (the model without a lunch dip).
    """
    cats = np.empty(168, dtype=np.int64)
    for how in range(168):
        day, hour = divmod(how, 24)
        if day in weekend:
            cats[how] = 3
        elif hour == lunch:
            cats[how] = 1
        elif start <= hour < end or (lunch is None and hour == min(LUNCH_PRIOR)):
            cats[how] = 0
        else:
            cats[how] = 2
    return cats


@dataclass(frozen=True)
class _Model:
    start: int
    end: int
    lunch: int | None
    weekend: tuple[int, ...]
    log_prior: float
    rates: int  # free rates, for the BIC penalty


def _models() -> tuple[list[_Model], npt.NDArray[np.float64]]:
    """Every (shift, lunch, weekend) model and its one-hot category matrix (K, 4, 168)."""
    models = []
    per_length = 1.0 / len(SHIFT_LENGTHS)
    for s in SHIFT_STARTS:
        for n in SHIFT_LENGTHS:
            for weekend, w_prior in WEEKEND_PRIOR.items():
                base = SHIFT_START_PRIOR[s] * per_length * w_prior
                for lunch, l_prior in [*LUNCH_PRIOR.items(), (None, NO_LUNCH_PRIOR)]:
                    rates = 3 if lunch is None else 4
                    models.append(_Model(s, s + n, lunch, weekend, np.log(base * l_prior), rates))
    onehot = np.zeros((len(models), 4, 168))
    for k, m in enumerate(models):
        cats = _category_masks(m.start, m.end, m.lunch, m.weekend)
        onehot[k, cats, np.arange(168)] = 1.0
    return models, onehot


_MODELS, _ONEHOT = _models()
_SLOTS = _ONEHOT.sum(axis=2)  # (K, 4) hours per category


def infer_schedule(times: Sequence[datetime] | npt.NDArray[np.datetime64]) -> ScheduleFit:
    """Fit the office-shift model at every offset and return the best with its posterior.

    >>> from datetime import datetime, timedelta
    >>> base = datetime(2024, 3, 4, 1, 0)  # Monday 09:00 at UTC+8
    >>> times = [base + timedelta(days=d, minutes=37 * k) for d in range(5) for k in range(12)
    ...          if not 180 <= 37 * k < 240]
    >>> fit = infer_schedule(times)
    >>> fit.offset, fit.kind
    (8, 'office')
    """
    utc_how = hour_of_week(times)
    n = len(utc_how)
    base_hist = np.bincount(utc_how, minlength=168).astype(np.float64)
    if n < MIN_POSTS:
        return ScheduleFit(n, "too few posts", None, 0.0, {}, None, None, 0.0, 0.0, 0.0)
    # Every model (shift, lunch hour or none, weekend days) at every offset, vectorised:
    # multinomial log-likelihood with one maximum-likelihood rate per category, a BIC
    # penalty for the number of rates, and the model's prior. Summing over models keeps
    # the probability spread when several explain the data equally well.
    local = np.stack([np.roll(base_hist, o) for o in OFFSETS])  # (offsets, 168)
    counts = np.einsum("kch,oh->okc", _ONEHOT, local)  # (offsets, models, 4)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(counts / (n * _SLOTS[None])), 0.0)
    rates = np.array([m.rates for m in _MODELS])
    priors = np.array([m.log_prior for m in _MODELS])
    scores = terms.sum(axis=2) - 0.5 * np.log(n) * rates[None] + priors[None]
    top = scores.max()
    post = np.exp(scores - top).sum(axis=1)
    post /= post.sum()
    i = int(np.argmax(post))
    offset = OFFSETS[i]
    model = _MODELS[int(np.argmax(scores[i]))]
    start, end, weekend = model.start, model.end, model.weekend
    lunch_start = model.lunch if model.lunch is not None else min(LUNCH_PRIOR)
    hist = local[i]
    cats = _category_masks(start, end, lunch_start, weekend)
    shares = {c: float(hist[cats == k].sum() / n) for k, c in enumerate(_CATEGORIES)}
    work_rate = shares["work"] / max(1, int((cats == 0).sum()))
    lunch_rate = shares["lunch"] / max(1, int((cats == 1).sum()))
    dip = max(0.0, 1.0 - lunch_rate / work_rate) if work_rate > 0 else 0.0
    hourly = np.bincount(np.arange(168) % 24, weights=hist, minlength=24)
    evenness = float(hourly.min() / hourly.max()) if hourly.max() > 0 else 0.0
    weekday_work = shares["work"] + shares["lunch"]
    if weekday_work >= 0.7 and shares["weekend"] <= 0.1:
        kind = "office"
    elif evenness >= 0.5:
        kind = "round-the-clock"
    else:
        kind = "irregular"
    return ScheduleFit(
        posts=n,
        kind=kind,
        offset=offset,
        probability=float(post[i]),
        posterior={o: float(p) for o, p in zip(OFFSETS, post, strict=True) if p >= 0.001},
        shift_start=start,
        shift_end=end,
        work_share=round(weekday_work, 4),
        lunch_dip=round(dip, 4),
        weekend_share=round(shares["weekend"], 4),
        lunch_start=lunch_start,
        weekend=weekend,
    )
