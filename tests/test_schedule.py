"""Operator schedule and time zone: office shifts found at the right offset, honestly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from cibwatch.fingerprints.schedule import MIN_POSTS, hour_of_week, infer_schedule

MONDAY = datetime(2024, 3, 4)  # a Monday


def office_posts(offset: int, n: int, seed: int, lunch: bool = True) -> list[datetime]:
    """n posts Monday-Friday 09:00-17:00 local at UTC+offset, none at 12-13 if lunch."""
    rng = np.random.default_rng(seed)
    out: list[datetime] = []
    while len(out) < n:
        day = int(rng.integers(0, 28))
        hour = float(rng.uniform(9, 17))
        local = MONDAY + timedelta(days=day, hours=hour)
        if local.weekday() >= 5 or (lunch and 12 <= hour < 13):
            continue
        out.append(local - timedelta(hours=offset))
    return out


def evening_posts(offset: int, n: int, seed: int) -> list[datetime]:
    """An organic user: every day of the week, mostly 18:00-24:00 local."""
    rng = np.random.default_rng(seed)
    hours = np.concatenate([rng.uniform(18, 24, n - n // 4), rng.uniform(7, 18, n // 4)])
    days = rng.integers(0, 28, n)
    return [
        MONDAY + timedelta(days=int(d), hours=float(h) - offset)
        for d, h in zip(days, hours, strict=True)
    ]


def test_hour_of_week_starts_on_monday_midnight() -> None:
    assert hour_of_week([MONDAY])[0] == 0
    assert hour_of_week([MONDAY + timedelta(days=6, hours=23)])[0] == 167
    # Monday 01:00 UTC is Monday 09:00 at UTC+8
    assert hour_of_week([MONDAY + timedelta(hours=1)], offset=8)[0] == 9


@pytest.mark.parametrize("offset", [-8, -5, 0, 3, 8, 14])
def test_office_shift_with_lunch_dip_is_placed_at_its_offset(offset: int) -> None:
    fit = infer_schedule(office_posts(offset, 400, seed=offset + 100))
    assert fit.kind == "office"
    assert fit.offset == offset
    # a 12:00 lunch at this offset fits as well as a 13:00 lunch one hour east starting at
    # 10:00; only the stated priors (9:00 starts and 12:00 lunches are commoner) decide
    assert fit.probability > 0.8
    # (UTC+14 Monday-Friday is also UTC-10 Sunday-Thursday: a day apart, the same hours)
    assert {(o - offset) % 24 for o in fit.credible} <= {0, 1}
    assert fit.lunch_dip > 0.9 and fit.lunch_start == 12
    assert fit.weekend_share == 0.0
    assert f"UTC{offset:+d}" in fit.sentence()


def test_a_later_lunch_hour_is_not_mistaken_for_an_offset_one_hour_west() -> None:
    # office 09:00-18:00 at UTC+3 with lunch at 13:00: a fixed 12:00 lunch would say UTC+2
    rng = np.random.default_rng(11)
    times: list[datetime] = []
    while len(times) < 1500:
        day, hour = int(rng.integers(0, 28)), float(rng.uniform(9, 18))
        local = MONDAY + timedelta(days=day, hours=hour)
        if local.weekday() < 5 and not (13 <= hour < 14 and rng.random() < 0.8):
            times.append(local - timedelta(hours=3))
    fit = infer_schedule(times)
    assert 3 in fit.credible and 2 in fit.credible  # honest: the data cannot tell them apart
    assert fit.posterior[3] > 0.3


def test_a_saturday_to_wednesday_week_is_recognised() -> None:
    # an office week with a Thursday-Friday weekend (as in Iran), at UTC+4
    rng = np.random.default_rng(12)
    times: list[datetime] = []
    while len(times) < 800:
        day, hour = int(rng.integers(0, 28)), float(rng.uniform(8, 16))
        local = MONDAY + timedelta(days=day, hours=hour)
        if local.weekday() not in (3, 4) and not 12 <= hour < 13:
            times.append(local - timedelta(hours=4))
    fit = infer_schedule(times)
    assert fit.kind == "office" and fit.weekend == (3, 4) and fit.offset == 4
    assert "Saturday-Wednesday" in fit.sentence()


def test_sentence_compares_with_the_claimed_location() -> None:
    fit = infer_schedule(office_posts(8, 300, seed=1))
    text = fit.sentence(claimed="Texas", claimed_offset=-6)
    assert "Monday-Friday" in text and "UTC+8" in text and "Texas (UTC-6)" in text
    assert "14 hours away from the claimed place" in text and "operators' own" in text


def test_a_shift_that_fits_the_claimed_place_is_called_audience_aligned() -> None:
    fit = infer_schedule(office_posts(-6, 300, seed=9))
    text = fit.sentence(claimed="Dallas, TX", claimed_offset=-6)
    assert "aligned with the audience" in text and "does not reveal" in text


def test_without_a_lunch_dip_neighbouring_offsets_share_the_probability() -> None:
    # a 9-17 shift without lunch is indistinguishable from 10-18 one hour west: the
    # posterior must say so instead of claiming certainty
    fit = infer_schedule(office_posts(3, 400, seed=5, lunch=False))
    assert fit.kind == "office"
    assert fit.probability < 0.9
    assert sum(p for o, p in fit.posterior.items() if abs(o - 3) <= 2) > 0.95
    assert 3 in fit.credible and len(fit.credible) >= 2


def test_evening_and_weekend_posting_is_not_an_office_shift() -> None:
    fit = infer_schedule(evening_posts(-5, 500, seed=2))
    assert fit.kind != "office"


def test_round_the_clock_shift_is_recognised() -> None:
    rng = np.random.default_rng(3)
    times = [MONDAY + timedelta(seconds=int(s)) for s in rng.integers(0, 28 * 86400, 2000)]
    assert infer_schedule(times).kind == "round-the-clock"


def test_too_few_posts_give_no_offset() -> None:
    fit = infer_schedule(office_posts(8, MIN_POSTS - 1, seed=4))
    assert fit.offset is None and fit.kind == "too few posts"
    assert "too few" in fit.sentence()


def test_daylight_saving_change_keeps_the_answer_within_an_hour() -> None:
    # New York office hours across the March 2024 change (UTC-5 -> UTC-4 on 10 March)
    ny = ZoneInfo("America/New_York")
    rng = np.random.default_rng(6)
    times = []
    for day in range(28):
        local_day = datetime(2024, 2, 26, tzinfo=ny) + timedelta(days=day)
        if local_day.weekday() >= 5:
            continue
        for _ in range(15):
            hour = float(rng.uniform(9, 17))
            if 12 <= hour < 13:
                continue
            local = local_day.replace(hour=int(hour), minute=int(hour % 1 * 60))
            times.append(local.astimezone(UTC).replace(tzinfo=None))
    fit = infer_schedule(times)
    assert fit.kind == "office"
    assert fit.offset in (-5, -4)
    # half the days were at -5, half at -4: both keep real probability, and the credible
    # range says the answer is not sharper than the data
    assert min(fit.posterior.get(-5, 0), fit.posterior.get(-4, 0)) > 0.2
    assert {-5, -4} <= set(fit.credible) <= {-6, -5, -4, -3}
    assert "90% credible" in fit.sentence()


def test_accounts_in_several_time_zones_blur_the_schedule() -> None:
    mixed = office_posts(8, 200, seed=7) + office_posts(-5, 200, seed=8)
    fit = infer_schedule(mixed)
    # two shifts 13 hours apart cannot both be office hours of one place
    assert fit.kind != "office" or fit.work_share < 0.8
