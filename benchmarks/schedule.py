"""Accuracy and calibration of the schedule model on generated schedules with real-world noise.

Two tables. First, clean office shifts (Monday-Friday 09:00-17:00 local, lunch dip at 12:00)
at every UTC offset -12..+14, by number of posts: the share of runs whose best offset is
exact, whose 90% credible set holds the truth, and the mean probability given. Second, at
800 posts, schedules the model was not written from (:mod:`cibwatch.synthetic.shifts`):
shift drift, public holidays and days off, a posting tool releasing queued posts at any
hour, weekend work, two teams in different zones, bursts of posts, and ordinary human days;
per scenario the exact share, the credible set's coverage, how often the answer is stated
as confident (>= 90%) and how often such a confident answer is wrong. The time per fit is
printed too
(the fit alone, not the generation of the times).

    python benchmarks/schedule.py [--seeds 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from cibwatch.fingerprints.schedule import CONFIDENT, OFFSETS, infer_schedule
from cibwatch.synthetic.shifts import Noise, bursty, human_times, office_times

SIZES = (20, 50, 100, 200, 500, 2000, 10000)
Times = npt.NDArray[np.datetime64]
Scenario = Callable[[int, int, np.random.Generator], Times]


def _clean(offset: int, n: int, rng: np.random.Generator) -> Times:
    return office_times(offset, n, rng, start=9, end=17, lunch=12)


def _noisy(noise: Noise) -> Scenario:
    return lambda offset, n, rng: office_times(offset, n, rng, noise=noise)


def _two_teams(offset: int, n: int, rng: np.random.Generator) -> Times:
    # two thirds of the posts by a team at the true offset, a third by one 5 hours west
    main = office_times(offset, n - n // 3, rng)
    return np.concatenate([main, office_times(offset - 5, n // 3, rng)])


def _bursts(offset: int, n: int, rng: np.random.Generator) -> Times:
    return bursty(office_times(offset, n // 10, rng), rng, size=10)


SCENARIOS: dict[str, Scenario] = {
    "clean 09-18, lunch 13": _noisy(Noise()),
    "shift drift (sd 1 h)": _noisy(Noise(drift=1.0)),
    "holidays 10%, days off 20%": _noisy(Noise(holidays=0.1, days_off=0.2)),
    "posting tool 40%": _noisy(Noise(scheduler=0.4)),
    "weekend work 30%": _noisy(Noise(weekend=0.3)),
    "all of the above": _noisy(
        Noise(drift=1.0, holidays=0.1, days_off=0.2, scheduler=0.3, weekend=0.3)
    ),
    "two teams (1/3 five h west)": _two_teams,
    "bursts of 10": _bursts,
    "human day": human_times,
}


def accuracy_by_size(seeds: int, rng: np.random.Generator) -> None:
    print(f"{'posts':>6} {'exact':>7} {'in 90% set':>11} {'mean prob.':>11} {'ms/fit':>7}")
    for n in SIZES:
        exact = credible = 0
        probs = []
        spent = 0.0
        runs = 0
        for offset in OFFSETS:
            for _ in range(seeds):
                times = _clean(offset, n, rng)
                started = time.perf_counter()
                fit = infer_schedule(times)
                spent += time.perf_counter() - started
                runs += 1
                # UTC+14 Monday-Friday is UTC-10 Sunday-Thursday: the same hours a day apart
                exact += fit.offset in (offset, offset - 24)
                credible += offset in fit.credible or offset - 24 in fit.credible
                probs.append(fit.probability)
        ms = spent * 1000 / runs
        print(
            f"{n:>6} {exact / runs:>7.1%} {credible / runs:>11.1%} {np.mean(probs):>11.2f} "
            f"{ms:>7.1f}"
        )


def noise_table(seeds: int, rng: np.random.Generator, n: int = 800) -> None:
    print(f"\n{n} posts per run, offsets -11..+12, {seeds} seeds")
    header = f"{'scenario':<30} {'exact':>6} {'in 90%':>7} {'confident':>9} {'conf. wrong':>11}"
    print(header)
    for name, make in SCENARIOS.items():
        exact = credible = confident = wrong = runs = 0
        for offset in range(-11, 13):
            for _ in range(seeds):
                fit = infer_schedule(make(offset, n, rng))
                runs += 1
                exact += fit.offset == offset
                credible += offset in fit.credible
                if fit.probability >= CONFIDENT:
                    confident += 1
                    wrong += fit.offset != offset
        print(
            f"{name:<30} {exact / runs:>6.1%} {credible / runs:>7.1%} {confident / runs:>9.1%} "
            f"{wrong / max(1, confident):>11.1%}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="runs per offset and size")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    accuracy_by_size(args.seeds, rng)
    noise_table(args.seeds, rng)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
