"""Account creation bursts against each platform's own baseline, at the data's precision."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from cibwatch import Workspace
from cibwatch.detectors.creation import (
    CreationBurstDetector,
    burst_sentence,
    creation_bursts,
    poisson_upper_tail,
    time_precision,
)
from cibwatch.errors import ConfigError


def _insert(ws: Workspace, rows: list[list[object]]) -> None:
    ws.connection.executemany(
        "INSERT INTO accounts (platform, account_id, kind, created_at) VALUES (?, ?, 'account', ?)",
        rows,
    )


def _flagged(ws: Workspace) -> set[str]:
    rows = ws.query("SELECT subject_a FROM evidence WHERE signal = 'creation_burst'")
    return {str(r["subject_a"]) for r in rows}


def test_a_batch_created_in_one_hour_is_a_burst_and_steady_creation_is_not() -> None:
    start = datetime(2020, 1, 1)
    rows: list[list[object]] = [
        ["x", f"steady{i}", start + timedelta(hours=7 * i, seconds=i % 59)] for i in range(300)
    ]
    burst_hour = datetime(2020, 6, 3, 14)
    rows += [["x", f"op{i}", burst_hour + timedelta(minutes=3 * i, seconds=i)] for i in range(12)]
    # the same burst size on a platform whose baseline is that busy is not unusual
    rows += [["fb", f"b{i}", start + timedelta(minutes=5 * i, seconds=i % 7)] for i in range(3000)]
    with Workspace() as ws:
        _insert(ws, rows)
        result = ws.run_detector(CreationBurstDetector())
        assert _flagged(ws) == {f"x:op{i}" for i in range(12)}
        (burst,) = creation_bursts(ws)
    assert result.summary == {
        "bursts": 1,
        "accounts_in_bursts": 12,
        "buckets": {"fb": "hour", "x": "hour"},
    }
    assert burst["burst"] == "x:2020-06-03T14:00/hour" and burst["accounts"] == 12


def _date_only(day0: datetime, per_day: list[int], prefix: str) -> list[list[object]]:
    """Accounts known by their creation date only: every one at the same time of day."""
    return [
        ["x", f"{prefix}{d}-{i}", day0 + timedelta(days=d)]
        for d, count in enumerate(per_day)
        for i in range(count)
    ]


@pytest.mark.parametrize("time_of_day", [timedelta(0), timedelta(hours=5)])
def test_dates_only_are_counted_per_day_never_per_hour(time_of_day: timedelta) -> None:
    # 20 accounts a day for 100 days, all at one time of day (midnight, or 05:00 after a
    # zone shift): hourly buckets would see 20 in one hour against 0.84 an hour and report
    # 100 "bursts"; per day it is the platform's ordinary rate.
    rows = _date_only(datetime(2020, 1, 1) + time_of_day, [20] * 100, "d")
    with Workspace() as ws:
        _insert(ws, rows)
        assert time_precision(ws) == {"x": "day"}
        result = ws.run_detector(CreationBurstDetector())
        assert _flagged(ws) == set()
        # asking for minutes does not make dates finer
        again = ws.run_detector(CreationBurstDetector(bucket="minute"))
    assert result.summary["buckets"] == {"x": "day"} and result.summary["bursts"] == 0
    assert again.summary["buckets"] == {"x": "day"} and again.summary["bursts"] == 0


def test_time_precision_is_read_from_the_times() -> None:
    t0 = datetime(2021, 3, 1)
    with Workspace() as ws:
        _insert(ws, [["h", f"h{i}", t0 + timedelta(hours=i)] for i in range(50)])
        _insert(ws, [["m", f"m{i}", t0 + timedelta(minutes=7 * i)] for i in range(50)])
        _insert(ws, [["s", f"s{i}", t0 + timedelta(seconds=61 * i + i % 13)] for i in range(50)])
        assert time_precision(ws) == {"h": "hour", "m": "minute", "s": "second"}


def _tail(k: int, mean: float) -> float:
    """P(X >= k), X ~ Poisson(mean), summed term by term (independent of scipy)."""
    return sum(math.exp(-mean) * mean**i / math.factorial(i) for i in range(k, k + 80))


def test_p_value_and_bonferroni_correction_by_hand() -> None:
    # Dates only, 10 days: one account on each of days 0..8, eleven on day 9.
    # n = 20 accounts over 10 day-buckets: baseline 2.0 a day.
    # p = P(X >= 11 | Poisson 2.0) = 8.3e-6; Bonferroni over the 10 buckets: q = 10 p.
    rows = _date_only(datetime(2022, 5, 1), [1] * 9 + [11], "a")
    p = _tail(11, 2.0)
    assert 8.0e-6 < p < 8.6e-6  # the hand figure: e^-2 (2^11/11! + 2^12/12! + ...)
    with Workspace() as ws:
        _insert(ws, rows)
        ws.run_detector(CreationBurstDetector(alpha=0.001))
        found = ws.query("SELECT DISTINCT strength, p_value, q_value, details FROM evidence")
        assert len(found) == 1 and found[0]["strength"] == 11
        assert found[0]["p_value"] == pytest.approx(p, rel=1e-9)
        assert found[0]["q_value"] == pytest.approx(10 * p, rel=1e-9)
        assert len(_flagged(ws)) == 11
        (burst,) = creation_bursts(ws)
        assert burst["baseline"] == 2.0 and burst["times_baseline"] == 5.5
        assert burst["burst"] == "x:2022-05-10T00:00/day"
    # alpha between p and 10 p: significant uncorrected, not after the correction
    with Workspace() as ws:
        _insert(ws, rows)
        result = ws.run_detector(CreationBurstDetector(alpha=5 * p))
        assert _flagged(ws) == set() and result.summary["bursts"] == 0


def test_a_burst_is_reported_once_with_its_share_of_a_network() -> None:
    # 40 days at 3 accounts a day, and 30 more accounts on day 20 (10 of them in a network
    # of 25 accounts): one burst of 33, 10 of whose accounts are the network's (40%).
    per_day = [3] * 40
    per_day[20] += 30
    rows = _date_only(datetime(2023, 1, 1), per_day, "u")
    with Workspace() as ws:
        _insert(ws, rows)
        ws.run_detector(CreationBurstDetector())
        in_burst = sorted(_flagged(ws))
        members = in_burst[:10] + [f"x:other{i}" for i in range(15)]
        (burst,) = creation_bursts(ws, members=members)
    assert len(in_burst) == 33
    assert burst["accounts"] == 33 and burst["members_in_burst"] == 10
    assert burst["share_of_network"] == 0.4
    assert burst["baseline"] == pytest.approx(150 / 40)
    assert burst_sentence(burst) == (
        "33 x accounts created on 2023-01-21 (platform baseline 3.75 per day, 8.8x); "
        "10 of them in this network, 40% of its accounts"
    )


def test_bad_bucket_is_refused_when_run() -> None:
    with Workspace() as ws, pytest.raises(ConfigError, match="bucket"):
        ws.run_detector(CreationBurstDetector(bucket="fortnight"))


def test_the_dossier_reads_one_line_a_burst_with_the_network_share() -> None:
    from cibwatch.dossier import build_dossier
    from cibwatch.networks import Network

    per_day = [3] * 40
    per_day[20] += 30
    with Workspace() as ws:
        _insert(ws, _date_only(datetime(2023, 1, 1), per_day, "u"))
        run = ws.run_detector(CreationBurstDetector()).run_id
        in_burst = sorted(_flagged(ws))
        members = [*in_burst[:10], "x:u0-0", "x:u1-0"]  # two members created on quiet days
        network = Network("N-test", run, members, 1.0, {}, {"evidence_runs": [run]})
        dossier = build_dossier(ws, network)
    (finding,) = [f for f in dossier.account_findings if f["signal"] == "creation_burst"]
    assert finding["accounts"] == 10
    assert finding["examples"] == [
        "33 x accounts created on 2023-01-21 (platform baseline 3.75 per day, 8.8x); "
        "10 of them in this network, 83% of its accounts"
    ]


def test_poisson_upper_tail_is_scipy_stats_poisson_sf() -> None:
    # The tail is computed from scipy.special alone (scipy.stats costs most of the step's
    # time to import); it must give what scipy.stats gives, bit for bit, including the
    # edges of the support: k <= 0 (certain), a mean of 0, tiny and huge means.
    from scipy.stats import poisson

    for k in (-3, 0, 1, 2, 3, 5, 17, 120, 10_000):
        for mean in (0.0, 1e-300, 1e-9, 0.01, 0.5, 1.0, 3.7, 42.0, 119.5, 5e4):
            assert poisson_upper_tail(k, mean) == float(poisson.sf(k - 1, mean)), (k, mean)
    assert math.isnan(poisson_upper_tail(3, -1.0))
    assert math.isnan(float(poisson.sf(2, -1.0)))
