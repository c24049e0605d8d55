"""Schedule and time zone on real data whose time zone is known independently.

Reads ``../shared/data`` (see its README): the development half of the IRA troll tweets
(FiveThirtyEight / Linvill & Warren, by-author re-release) and two CooRTweet sets (Righetti &
Balluff). What is known, from the sources and the public record, never from this model:

- IRA Russian-language accounts worked a Moscow day (UTC+3 since October 2014; UTC+4 from
  2011 to then); its English-language personas were run to match the US audience's day
  (US Eastern, UTC-5/-4, or elsewhere in the US: UTC-8..-4);
- ``german_elections``: German parties' and candidates' accounts, September 2021 (UTC+2);
- ``russian_coord_tweets``: Russian-language accounts in 2021 (UTC+3).

Prints the fits by group (IRA categories), then per account: a reliability table (stated
probability of the offset against how often it is right) and the rate of confident (>= 90%)
wrong answers, for every set whose truth is one offset; and the Done-when figure of the
issue: confident answers outside +1..+5 among IRA NonEnglish accounts with >= 200 tweets.

Rows are read with DuckDB straight into UTC hour-of-week counts, the only input the schedule
model takes (``cibwatch schedule`` reads the same counts from a workspace).

    python benchmarks/realdata_schedule.py [--data ../shared/data] [--min-posts 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt

from cibwatch.fingerprints.schedule import CONFIDENT, ScheduleFit, fit_week
from cibwatch.fingerprints.schedules import profile_row

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ENGLISH = ("RightTroll", "LeftTroll", "NewsFeed", "HashtagGamer", "Fearmonger")
US_OFFSETS = frozenset(range(-8, -3))
BINS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.99), (0.99, 1.01))
# UTC hour of the week (0 = Monday 00:00) from UNIX seconds: 1970-01-01 was a Thursday.
HOW = "CAST(((({secs}) // 3600 + 72) % 168) AS INTEGER)"


@dataclass
class Unit:
    """One account or group: its UTC hour-of-week counts and what its personas show."""

    unit: str
    hist: npt.NDArray[np.float64]
    group: str = ""
    language: str | None = None
    place: str | None = None


def _histograms(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, npt.NDArray[np.float64]]:
    """``sql`` yields (unit, how, posts): one 168-count histogram per unit."""
    out: dict[str, npt.NDArray[np.float64]] = {}
    for unit, how, posts in con.execute(sql).fetchall():
        out.setdefault(str(unit), np.zeros(168))[int(how)] = float(posts)
    return out


def ira_units(con: duckdb.DuckDBPyConnection, data: Path) -> list[Unit]:
    """Per IRA author: counts, category, main language and main region (claimed place)."""
    tweets = f"read_csv('{data / 'ira' / 'tweets.csv.gz'}', all_varchar = true)"
    authors = f"read_csv('{data / 'ira' / 'authors.csv'}', all_varchar = true)"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ira AS
        SELECT t.author_id, a.account_category AS category, a.account_type,
               nullif(t.language, 'LANGUAGE UNDEFINED') AS language,
               nullif(nullif(t.region, 'Unknown'), '') AS region,
               epoch(strptime(t.publish_date, '%Y-%m-%d %H:%M:%S'))::BIGINT AS secs
        FROM {tweets} t JOIN {authors} a USING (author_id)
        WHERE t.publish_date IS NOT NULL"""
    )
    hists = _histograms(
        con, f"SELECT author_id, {HOW.format(secs='secs')}, count(*) FROM ira GROUP BY 1, 2"
    )
    meta = con.execute(
        """SELECT author_id, any_value(category), any_value(account_type), mode(language),
                  mode(region) FROM ira GROUP BY 1"""
    ).fetchall()
    return [
        Unit(str(a), hists[str(a)], f"{cat}/{kind}", lang, region)
        for a, cat, kind, lang, region in meta
    ]


def coortweet_units(con: duckdb.DuckDBPyConnection, data: Path, name: str) -> list[Unit]:
    """Per CooRTweet account: counts only (no text, no places)."""
    time_col = "timestamp_share" if name == "russian_coord_tweets" else "timestamp"
    path = data / "coortweet" / f"{name}.csv.gz"
    hists = _histograms(
        con,
        f"SELECT account_id, {HOW.format(secs=time_col)}, count(*) "
        f"FROM read_csv('{path}') GROUP BY 1, 2",
    )
    return [Unit(a, h, name) for a, h in hists.items()]


def _pooled(units: Iterable[Unit], name: str) -> Unit:
    units = list(units)
    langs = [u.language for u in units if u.language]
    places = [u.place for u in units if u.place]
    top_lang = max(set(langs), key=langs.count) if langs else None
    top_place = max(set(places), key=places.count) if places else None
    return Unit(name, np.sum([u.hist for u in units], axis=0), name, top_lang, top_place)


def _row(u: Unit) -> dict[str, object]:
    places = {u.place: 1} if u.place else {}
    languages = {u.language: int(u.hist.sum())} if u.language else {}
    return profile_row(u.unit, fit_week(u.hist), places, languages)


def print_groups(units: list[Unit]) -> None:
    """The fits of the IRA groups the README describes, with the reference figures."""
    print("IRA development half, by group (truth: NonEnglish UTC+3; English US-aligned)")
    groups = [("NonEnglish", [u for u in units if u.group.startswith("NonEnglish/")])]
    groups.append(
        ("five English categories", [u for u in units if u.group.split("/")[0] in ENGLISH])
    )
    groups += [(c, [u for u in units if u.group.startswith(f"{c}/")]) for c in ENGLISH]
    for name, members in groups:
        r = _row(_pooled(members, name))
        print(
            f"  {name:<24} {r['posts']:>8} posts  {r['hypothesis']:<15} UTC{r['offset']:+d} "
            f"[{r['offset_low']:+d}..{r['offset_high']:+d}] p={r['probability']:.2f} "
            f"{r['alignment']:<12} weekend {r['weekend_share']:.1%}"
        )


def reliability(
    name: str, fits: list[ScheduleFit], truth: frozenset[int], min_posts: int
) -> tuple[int, int]:
    """Print stated probability against how often it is right; return (confident, wrong)."""
    right = [f.offset in truth for f in fits]
    print(f"\n{name}: {len(fits)} accounts with >= {min_posts} posts")
    print(f"  {'stated':>11} {'accounts':>8} {'mean stated':>11} {'right':>7}")
    for lo, hi in BINS:
        idx = [i for i, f in enumerate(fits) if lo <= f.probability < hi]
        if not idx:
            continue
        stated = np.mean([fits[i].probability for i in idx])
        share = np.mean([right[i] for i in idx])
        print(f"  {lo:>4.2f}-{min(hi, 1.0):<4.2f} {len(idx):>10} {stated:>11.2f} {share:>7.1%}")
    confident = [i for i, f in enumerate(fits) if f.probability >= CONFIDENT]
    wrong = sum(not right[i] for i in confident)
    hits = np.mean(right) if right else float("nan")
    held = np.mean([bool(set(f.credible) & truth) for f in fits]) if fits else float("nan")
    width = np.mean([len(f.credible) for f in fits]) if fits else float("nan")
    print(f"  90% range held the truth: {held:.1%} (mean width {width:.1f} offsets)")
    print(
        f"  best offset right: {hits:.1%}; confident (>= {CONFIDENT:.0%}): {len(confident)} "
        f"({len(confident) / max(1, len(fits)):.1%}), of which wrong {wrong} "
        f"({wrong / max(1, len(confident)):.1%}); confident wrong among all: "
        f"{wrong / max(1, len(fits)):.1%}"
    )
    return len(confident), wrong


def per_account(units: list[Unit], name: str, truth: frozenset[int], min_posts: int) -> None:
    """Reliability of per-account fits in one set with a known offset (or set of offsets)."""
    kept = [u for u in units if u.hist.sum() >= min_posts]
    fits = [fit_week(u.hist) for u in kept]
    reliability(name, fits, truth, min_posts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--min-posts", type=int, default=50, help="per-account minimum")
    args = parser.parse_args(argv)
    if not (args.data / "ira" / "tweets.csv.gz").exists():
        print(f"no data at {args.data} (see benchmarks/realdata_schedule.py)", file=sys.stderr)
        return 1
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET memory_limit = '4GB'")
    ira = ira_units(con, args.data)
    print(f"read IRA dev half: {len(ira)} authors in {time.perf_counter() - started:.1f} s\n")
    print_groups(ira)
    russian = [u for u in ira if u.group == "NonEnglish/Russian"]
    per_account(
        russian, "IRA Russian-language accounts (truth UTC+3)", frozenset({3}), args.min_posts
    )
    english = [u for u in ira if u.group.split("/")[0] in ENGLISH]
    per_account(english, "IRA English accounts (truth: US, UTC-8..-4)", US_OFFSETS, args.min_posts)
    nonenglish = [u for u in ira if u.group.startswith("NonEnglish/") and u.hist.sum() >= 200]
    fits = [fit_week(u.hist) for u in nonenglish]
    outside = sum(f.probability >= CONFIDENT and not 1 <= (f.offset or 0) <= 5 for f in fits)
    print(
        f"\nIRA NonEnglish accounts with >= 200 tweets: {len(fits)}; confident answers outside "
        f"UTC+1..+5: {outside} ({outside / max(1, len(fits)):.1%}; target < 10%)"
    )
    for name, truth in (("german_elections", 2), ("russian_coord_tweets", 3)):
        units = coortweet_units(con, args.data, name)
        per_account(
            units, f"CooRTweet {name} (truth UTC{truth:+d})", frozenset({truth}), args.min_posts
        )
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
