"""Accuracy of the operator time-zone inference against the number of posts.

For every UTC offset from -12 to +14 and several seeds, an operator posts Monday-Friday
09:00-17:00 local time with a lunch dip (10% of the working rate at 12:00-13:00) and a little
noise at other hours (5% of posts). Prints, per number of posts, the share of runs whose best
offset is exact, the share whose 90% credible set holds the truth, and the mean probability
given; then the smallest number of posts at which the exact answer is right at least 95% of
the time.

    python benchmarks/schedule.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import numpy.typing as npt

from cibwatch.fingerprints.schedule import OFFSETS, infer_schedule

MONDAY = np.datetime64("2024-03-04T00:00:00", "s")
SIZES = (20, 30, 50, 100, 200, 500, 1000, 10000)


def operator_posts(offset: int, n: int, rng: np.random.Generator) -> npt.NDArray[np.datetime64]:
    """n post times (UTC) of an office-hours operator at UTC+offset."""
    out: list[npt.NDArray[np.int64]] = []
    have = 0
    while have < n:
        m = 4 * n
        day = rng.integers(0, 28, m)
        hour = rng.uniform(0, 24, m)
        weekday = (day % 7) < 5
        working = weekday & (hour >= 9) & (hour < 17)
        lunch = working & (hour >= 12) & (hour < 13)
        keep = np.where(lunch, rng.random(m) < 0.1, working) | (rng.random(m) < 0.05 / 4)
        secs = (day * 86400 + hour * 3600 - offset * 3600).astype(np.int64)[keep]
        out.append(secs)
        have += len(secs)
    secs = np.concatenate(out)[:n]
    return MONDAY + secs.astype("timedelta64[s]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="runs per offset and size")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'posts':>6} {'exact':>7} {'in 90% set':>11} {'mean prob.':>11} {'ms/fit':>7}")
    minimum = None
    for n in SIZES:
        exact = credible = 0
        probs = []
        started = time.perf_counter()
        runs = 0
        for offset in OFFSETS:
            for _ in range(args.seeds):
                fit = infer_schedule(operator_posts(offset, n, rng))
                runs += 1
                exact += fit.offset == offset
                credible += offset in fit.credible
                probs.append(fit.probability)
        ms = (time.perf_counter() - started) * 1000 / runs
        share = exact / runs
        print(f"{n:>6} {share:>7.1%} {credible / runs:>11.1%} {np.mean(probs):>11.2f} {ms:>7.1f}")
        if minimum is None and share >= 0.95:
            minimum = n
    print(f"minimum posts for >= 95% exact offsets: {minimum if minimum else f'> {SIZES[-1]}'}")


if __name__ == "__main__":
    main()
