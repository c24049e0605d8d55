"""The schedule model on real data whose time zones are known independently.

Group-level counts ship in ``tests/fixtures/realdata_week_hours.json`` (hour-of-week tweet
counts of the IRA development half, FiveThirtyEight / Linvill & Warren, CC BY 4.0, and of
CooRTweet's ``german_elections``, MIT, Righetti & Balluff). Per-account tests read
``../shared/data`` (see its README): they fail when ``CI`` is set and it is missing, and are
skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt
import pytest

from cibwatch.fingerprints.schedule import CONFIDENT, fit_week
from cibwatch.fingerprints.schedules import profile_row

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
GROUPS = json.loads((ROOT / "tests" / "fixtures" / "realdata_week_hours.json").read_text())[
    "groups"
]
US = range(-8, -3)


def _hist(name: str) -> npt.NDArray[np.float64]:
    return np.asarray(GROUPS[name], dtype=np.float64)


def _need_data() -> Path:
    if not (DATA / "ira" / "tweets.csv.gz").exists():
        message = f"real data not found at {DATA} (place shared/ beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return DATA


def test_the_counts_reproduce_the_readme_reference_figures() -> None:
    # the data README: NonEnglish 384,545 tweets, 24.9% at weekends (UTC), 38.8% in weekday
    # 09-18 Moscow, busiest 15:00 and quietest 04:00 Moscow; English 787,458, 22.3%, 27.7%
    for name, total, weekend, office, busiest in (
        ("IRA NonEnglish", 384_545, 0.249, 0.388, 15),
        ("IRA five English categories", 787_458, 0.223, 0.277, 17),
    ):
        hist = _hist(name)
        assert hist.sum() == total
        assert hist[120:].sum() / total == pytest.approx(weekend, abs=0.0005)
        moscow = np.roll(hist, 3).reshape(7, 24)
        assert moscow[:5, 9:18].sum() / total == pytest.approx(office, abs=0.0005)
        assert int(np.argmax(moscow.sum(axis=0))) == busiest
    assert int(np.argmin(np.roll(_hist("IRA NonEnglish"), 3).reshape(7, 24).sum(axis=0))) == 4


def test_the_russian_language_group_reads_as_moscow_time() -> None:
    fit = fit_week(_hist("IRA NonEnglish"))
    assert 3 in fit.credible
    assert fit.offset == 3
    row = profile_row("NonEnglish", fit, {}, {"Russian": 278_881, "English": 40_000})
    # Russian-language personas on a Moscow day cannot show the operators' own zone apart
    # from their audience's (the IRA was in Moscow time as well): never "operator"
    assert row["alignment"] in ("target", "undetermined")
    assert "operators' own day" not in row["finding"]


@pytest.mark.parametrize(
    "name",
    [
        "IRA five English categories",
        "IRA RightTroll",
        "IRA LeftTroll",
        "IRA NewsFeed",
        "IRA HashtagGamer",
        "IRA Fearmonger",
    ],
)
def test_english_groups_are_us_aligned_or_undetermined_never_confidently_elsewhere(
    name: str,
) -> None:
    fit = fit_week(_hist(name))
    assert fit.probability < CONFIDENT or fit.offset in US
    row = profile_row(name, fit, {"United States": 10}, {"English": 100})
    assert row["alignment"] in ("target", "undetermined")


def test_german_campaign_accounts_pooled_hold_central_european_summer_time() -> None:
    fit = fit_week(_hist("CooRTweet german_elections"))
    assert 2 in fit.credible and fit.probability < CONFIDENT


def _realdata_module() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import realdata_schedule
    finally:
        sys.path.pop(0)
    return realdata_schedule


def test_per_account_confident_answers_outside_utc1_to_5_are_rare_for_nonenglish() -> None:
    import duckdb

    data = _need_data()
    bench = _realdata_module()
    with duckdb.connect() as con:
        units = bench.ira_units(con, data)
    nonenglish = [u for u in units if u.group.startswith("NonEnglish/") and u.hist.sum() >= 200]
    assert len(nonenglish) > 300
    fits = [fit_week(u.hist) for u in nonenglish]
    outside = sum(f.probability >= CONFIDENT and not 1 <= (f.offset or 0) <= 5 for f in fits)
    assert outside / len(fits) < 0.10


def test_per_account_russian_coord_tweets_are_rarely_confidently_wrong() -> None:
    import duckdb

    data = _need_data()
    bench = _realdata_module()
    with duckdb.connect() as con:
        units = bench.coortweet_units(con, data, "russian_coord_tweets")
    fits = [fit_week(u.hist) for u in units if u.hist.sum() >= 50]
    assert len(fits) == 41
    wrong = sum(f.probability >= CONFIDENT and f.offset != 3 for f in fits)
    assert wrong / len(fits) < 0.10
    assert np.mean([3 in f.credible for f in fits]) > 0.5


def test_the_command_profiles_a_real_set_by_groups(tmp_path: Path) -> None:
    # the product path: ingest russian_coord_tweets with a column map, then
    # `cibwatch schedule WS --groups FILE` with every account in one group
    import csv

    from click.testing import CliRunner

    from cibwatch import Workspace
    from cibwatch.cli.schedule import command

    data = _need_data()
    column_map = tmp_path / "map.json"
    column_map.write_text(
        json.dumps(
            {
                "target": "posts",
                "platform": "x",
                "columns": {
                    "post_id": "content_id",
                    "account_id": "account_id",
                    "created_at": "timestamp_share",
                },
            }
        ),
        encoding="utf-8",
    )
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        ws.ingest(data / "coortweet" / "russian_coord_tweets.csv.gz", column_map=column_map)
        accounts = [r["account_id"] for r in ws.query("SELECT DISTINCT account_id FROM posts")]
    groups = tmp_path / "groups.csv"
    groups.write_text(
        "account_id,group\n" + "".join(f"{a},russian 2021\n" for a in accounts), encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(command, [str(path), "--groups", str(groups), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(out.open(encoding="utf-8")))
    assert int(row["posts"]) > 35_000
    assert int(row["offset_low"]) <= 3 <= int(row["offset_high"])
    assert float(row["probability"]) < CONFIDENT
