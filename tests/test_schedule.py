"""Schedule and time zone: competing hypotheses, constrained shifts, tempered probabilities."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from cibwatch.fingerprints.schedule import (
    MIN_POSTS,
    Shape,
    constrained_rates,
    dispersion,
    fit_week,
    hour_of_week,
    infer_schedule,
    week_histogram,
)
from cibwatch.synthetic.shifts import Noise, bursty, human_times, office_times

MONDAY = datetime(2024, 3, 4)  # a Monday


def test_hour_of_week_starts_on_monday_midnight() -> None:
    assert hour_of_week([MONDAY])[0] == 0
    assert hour_of_week([MONDAY + timedelta(days=6, hours=23)])[0] == 167
    # Monday 01:00 UTC is Monday 09:00 at UTC+8
    assert hour_of_week([MONDAY + timedelta(hours=1)], offset=8)[0] == 9


# -- hand-built cases whose answers are worked out here ------------------------------------

# 84 hours with 3 posts each, then 84 with 2: n = 420 posts.
HALVES = np.array([3.0] * 84 + [2.0] * 84)
SPLIT = Shape("office shift", (tuple([0] * 84 + [1] * 84),), 1, 0.0)
FLAT = Shape("round-the-clock", (tuple([0] * 168),), 0, 0.0)


def test_complexity_penalty_and_tempering_give_the_worked_out_probability() -> None:
    # SPLIT fits exactly (dispersion 1): loglik = 252 log(3/420) + 168 log(2/420);
    # FLAT: 420 log(1/168). Difference: 252 log(1.2) + 168 log(0.8) = 8.4569.
    gain = 252 * math.log(1.2) + 168 * math.log(0.8)
    assert gain == pytest.approx(8.4569, abs=1e-4)
    # untempered (cap above n): SPLIT pays 1/2 log(420) for its one free rate
    fit = fit_week(HALVES, [SPLIT, FLAT], offsets=(0,), max_effective=1000, dependence=1.0)
    assert fit.dispersion == 1.0 and fit.effective_posts == 420
    expected = 1 / (1 + math.exp(-(gain - 0.5 * math.log(420))))
    assert fit.hypotheses["office shift"] == pytest.approx(expected, abs=1e-4)  # 0.9957
    # capped at 42 effective posts: the gain counts a tenth, the penalty is 1/2 log(42)
    fit = fit_week(HALVES, [SPLIT, FLAT], offsets=(0,), max_effective=42, dependence=1.0)
    assert fit.effective_posts == 42
    expected = 1 / (1 + math.exp(-(0.1 * gain - 0.5 * math.log(42))))
    assert fit.hypotheses["office shift"] == pytest.approx(expected, abs=1e-4)  # 0.2644
    assert fit.hypotheses["office shift"] == pytest.approx(0.2644, abs=1e-4)


def test_dependence_divides_the_effective_posts() -> None:
    # 420 posts at dependence 4 count as 105: gain 105/420 of 8.4569, penalty 1/2 log(105)
    fit = fit_week(HALVES, [SPLIT, FLAT], offsets=(0,), max_effective=1000, dependence=4.0)
    assert fit.effective_posts == 105
    gain = 0.25 * (252 * math.log(1.2) + 168 * math.log(0.8))
    expected = 1 / (1 + math.exp(-(gain - 0.5 * math.log(105))))
    assert fit.hypotheses["office shift"] == pytest.approx(expected, abs=1e-4)  # 0.4470


def test_model_averaging_sums_the_shapes_of_a_hypothesis_with_their_priors() -> None:
    # MIXED puts half of each half in each category: both rates equal, so its loglik is
    # FLAT's; it pays one free rate. Office = SPLIT (prior 3/4) + MIXED (prior 1/4).
    mixed = tuple(([0] * 42 + [1] * 42) * 2)
    shapes = [
        Shape("office shift", SPLIT.factors, 1, math.log(0.75)),
        Shape("office shift", (mixed,), 1, math.log(0.25)),
        FLAT,
    ]
    fit = fit_week(HALVES, shapes, offsets=(0,), max_effective=42, dependence=1.0)
    gain, pen = 0.1 * (252 * math.log(1.2) + 168 * math.log(0.8)), 0.5 * math.log(42)
    office = 0.75 * math.exp(gain - pen) + 0.25 * math.exp(-pen)
    assert fit.hypotheses["office shift"] == pytest.approx(office / (office + 1), abs=1e-4)
    assert fit.hypotheses["office shift"] == pytest.approx(0.2356, abs=1e-4)


def test_the_offset_posterior_averages_over_offsets_and_shapes() -> None:
    # one post in each of hours 0..83 UTC: at offset 0, SPLIT fits exactly; at offset 1 its
    # first category holds 83 posts in 84 hours and the second 1 post in 84 hours
    hist = np.array([1.0] * 84 + [0.0] * 84)
    fit = fit_week(hist, [SPLIT], offsets=(0, 1), max_effective=1000, dependence=1.0)
    ll0 = 84 * math.log(1 / 84)
    ll1 = 83 * math.log(83 / 84 / 84) + math.log(1 / 84 / 84)
    assert fit.dispersion == 1.0
    assert fit.posterior[0] == pytest.approx(1 / (1 + math.exp(ll1 - ll0)), abs=1e-6)
    assert fit.offset == 0 and fit.credible == [0]


def test_work_hours_that_are_quieter_than_the_hours_off_are_pooled() -> None:
    # work 10 posts in 8 h (1.25/h), lunch 1 in 1 h, off 30 in 15 h (2/h), weekend 0 in 48 h:
    # off breaks the order, so work and off share (10 + 30) / (8 + 15) per hour; lunch
    # (1/h) stays below; the weekend keeps its own rate
    rates = constrained_rates(
        np.array([10.0, 1.0, 30.0, 0.0]), np.array([8.0, 1.0, 15.0, 48.0]), 0, True
    )
    assert rates == pytest.approx([40 / 23, 1.0, 40 / 23, 0.0])
    # the same with a quietest anchor: a trough of 5 posts in 4 h above a 1/h block pools
    rates = constrained_rates(np.array([5.0, 4.0, 40.0]), np.array([4.0, 4.0, 4.0]), 0, False)
    assert rates == pytest.approx([9 / 8, 9 / 8, 10.0])


def test_dispersion_is_pearson_chi_square_per_degree_of_freedom() -> None:
    observed = np.array([4.0, 0.0] * 84)
    expected = np.full(168, 2.0)
    # every hour is 2 away from 2: chi-square 168 * 4 / 2 = 336 over 168 - 1 - 1 degrees
    assert dispersion(observed, expected, 1) == pytest.approx(336 / 166)


# -- behaviour on generated schedules ------------------------------------------------------


@pytest.mark.parametrize("offset", [-8, -5, 0, 3, 8, 14])
def test_office_shift_is_placed_at_its_offset(offset: int) -> None:
    rng = np.random.default_rng(offset + 100)
    fit = infer_schedule(office_times(offset, 400, rng, start=9, end=17, lunch=12))
    assert fit.hypothesis == "office shift"
    # (UTC+14 Monday-Friday is also UTC-10 Sunday-Thursday: a day apart, the same hours)
    assert offset in fit.credible or offset - 24 in fit.credible
    assert fit.weekend_share == 0.0
    assert f"UTC{fit.offset:+d}" in fit.sentence()


def test_a_13h_lunch_and_a_12h_lunch_one_hour_west_are_not_told_apart() -> None:
    # 09:00-18:00 at UTC+3 with lunch at 13:00 is 08:00-17:00 at UTC+2 with lunch at 12:00
    fit = infer_schedule(office_times(3, 1500, np.random.default_rng(11)))
    assert {2, 3} <= set(fit.credible) and fit.probability < 0.9


def test_a_saturday_to_wednesday_week_is_recognised() -> None:
    rng = np.random.default_rng(12)
    times = office_times(4, 2000, rng, start=8, end=16, lunch=12)
    # move Thursday and Friday's posts to Saturday and Sunday: a Thursday-Friday weekend
    local = times + np.timedelta64(4, "h")
    day = (local.astype("datetime64[D]").astype(np.int64) + 3) % 7
    times = np.where((day == 3) | (day == 4), times + np.timedelta64(2, "D"), times)
    fit = infer_schedule(times)
    assert fit.hypothesis == "office shift" and fit.shape["weekend"] == (3, 4)
    assert 4 in fit.credible and "Saturday-Wednesday" in fit.sentence()


def test_an_ordinary_day_is_a_human_day_with_its_offset_in_range() -> None:
    for offset in (-5, 2, 9):
        fit = infer_schedule(human_times(offset, 3000, np.random.default_rng(offset + 7)))
        assert fit.hypothesis == "human day"
        assert offset in fit.credible


def test_ten_thousand_posts_that_fit_nothing_never_give_certainty() -> None:
    rng = np.random.default_rng(3)
    # two teams thirteen hours apart: no one place works both shifts
    mixed = np.concatenate([office_times(8, 5000, rng), office_times(-5, 5000, rng)])
    assert infer_schedule(mixed).probability < 0.9
    uniform = np.datetime64("2024-03-04T00:00:00", "s") + rng.integers(
        0, 56 * 86400, 10_000
    ).astype("timedelta64[s]")
    fit = infer_schedule(uniform)
    assert fit.hypothesis == "round-the-clock" and fit.probability < 0.2
    assert "undetermined" in fit.sentence()


def test_more_posts_alone_do_not_raise_the_probability() -> None:
    # the same office schedule at 600 and 20,000 posts: the cap on effective posts keeps
    # the answer as sure as its shape allows, not as its size would
    rng = np.random.default_rng(5)
    small = infer_schedule(office_times(8, 600, rng))
    large = infer_schedule(office_times(8, 20_000, rng))
    assert large.effective_posts <= 600 and large.probability < 0.9
    assert abs(large.probability - small.probability) < 0.15


@pytest.mark.parametrize(
    "noise",
    [
        Noise(drift=1.0),
        Noise(holidays=0.1, days_off=0.2),
        Noise(scheduler=0.4),
        Noise(weekend=0.2, drift=0.5, scheduler=0.2),
    ],
    ids=["drift", "holidays-days-off", "scheduling-tool", "everything"],
)
def test_realistic_noise_keeps_the_truth_in_range_and_never_confidently_wrong(
    noise: Noise,
) -> None:
    for offset in (-6, 3, 8):
        rng = np.random.default_rng(offset + 50)
        fit = infer_schedule(office_times(offset, 800, rng, noise=noise))
        assert offset in fit.credible, (offset, fit.credible)
        assert fit.probability < 0.9 or fit.offset == offset


def test_bursts_are_tempered_by_the_dispersion() -> None:
    rng = np.random.default_rng(9)
    base = office_times(8, 100, rng)
    fit = infer_schedule(bursty(base, rng, size=10))
    assert fit.dispersion > 5  # ten posts at a time are not ten independent posts
    assert fit.effective_posts < 1000 / 5
    assert 8 in fit.credible


def test_too_few_posts_give_no_offset() -> None:
    fit = infer_schedule(office_times(8, MIN_POSTS - 1, np.random.default_rng(4)))
    assert fit.offset is None and fit.hypothesis == "too few posts"
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
    assert fit.hypothesis == "office shift"
    assert {-5, -4} & set(fit.credible) and set(fit.credible) <= {-7, -6, -5, -4, -3}


def test_week_histogram_counts_utc_hours() -> None:
    hist = week_histogram([MONDAY, MONDAY, MONDAY + timedelta(hours=25)])
    assert hist[0] == 2 and hist[25] == 1 and hist.sum() == 3


def test_the_docstring_examples_of_the_schedule_modules_run() -> None:
    import doctest

    from cibwatch import attribution
    from cibwatch.fingerprints import places, schedule, schedules

    for module in (schedule, schedules, places, attribution):
        result = doctest.testmod(module, raise_on_error=False)
        assert result.failed == 0, module.__name__
    assert doctest.testmod(schedule).attempted >= 4
