"""Stance on real data: do IRA RightTroll personas read conservative and LeftTroll progressive?

Data: the IRA troll tweets (FiveThirtyEight / Linvill & Warren, CC BY 4.0, by-author
re-release) in ``../shared/data/ira``, the development half of the authors. Their README:
RightTroll accounts posed as conservative Americans and LeftTroll accounts as progressive
ones. There is no per-issue truth, so the figure is: for every (account, issue) given a side,
is it the side of the account's camp (``partisan/sides.csv`` says which side of each issue
is the conservative and which the progressive one); and how many personas get a side on
any issue at all.

Nothing is fitted to the category: lexicons come from general knowledge of US political
language (docs/stance.md). Because the lexicons were revised while looking at figures of this
half, the authors are split by a hash of their id (``md5(author_id)`` even: *tune*, odd:
*check*) and the check half is reported on its own; the tune half is the one that was looked
at during development.

The tweets go through the product path: the half's RightTroll and LeftTroll rows are copied
unchanged into a by-author tweets file, ``Workspace.ingest`` reads it (retweets ``RT @handle:``
become shares, hashtags and links are read from the text), and the stance detector runs on
the workspace, as ``cibwatch detect stance`` does.

    python benchmarks/realdata_stance.py [--data ../shared/data] [--half check|tune|all]
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import duckdb

from cibwatch import Workspace
from cibwatch.detectors.stance import StanceDetector, side_rows
from cibwatch.fingerprints.stance import account_sides, load_lexicon

ROOT = Path(__file__).resolve().parents[1]
CAMPS = {"RightTroll": "conservative", "LeftTroll": "progressive"}
#: Personas with at least this many posts are counted apart (fewer say little on any issue).
ACTIVE = 20
HALVES = {"tune": "= 0", "check": "= 1", "all": "IS NOT NULL"}


def subset(data: Path, half: str, folder: Path) -> Path:
    """The half's RightTroll and LeftTroll tweets as a by-author tweets file, unchanged."""
    out = folder / "tweets.csv"
    con = duckdb.connect()
    con.execute("SET memory_limit = '4GB'")
    con.execute(
        f"""
        COPY (
            SELECT t.* FROM read_csv($tweets, all_varchar = true) t
            WHERE t.author_id IN (
                SELECT author_id FROM read_csv($authors, all_varchar = true)
                WHERE md5_number(author_id) % 2 {HALVES[half]}
                  AND account_category IN ('RightTroll', 'LeftTroll')
            )
        ) TO '{out}' (HEADER)
        """,
        {
            "tweets": str(data / "ira" / "tweets.csv.gz"),
            "authors": str(data / "ira" / "authors.csv"),
        },
    )
    con.close()
    return out


def categories(data: Path) -> dict[str, str]:
    """Account key (``x:`` and the handle in lower case, as ingest keys it) -> category."""
    with (data / "ira" / "authors.csv").open(encoding="utf-8", newline="") as f:
        return {
            f"x:{row['author_id'].lower()}": row["account_category"]
            for row in csv.DictReader(f)
            if row["account_category"] in CAMPS
        }


Tables = dict[str, dict[str, Counter[str]]]


def tabulate(
    sides: list[dict[str, Any]], categories: dict[str, str], active: set[str]
) -> tuple[Tables, dict[str, int]]:
    """Per issue and category, sides counted by their camp; personas given a side, by category.

    ``sides``: rows with account, issue and side (one per account and issue given a side);
    ``active``: personas with at least ``ACTIVE`` posts, counted apart.
    """
    leans = load_lexicon().leans
    tables: Tables = defaultdict(lambda: defaultdict(Counter))
    sided: dict[str, set[str]] = defaultdict(set)
    for row in sides:
        category = categories.get(row["account"])
        if category is None or row["side"] is None:
            continue
        tables[row["issue"]][category][leans.get((row["issue"], row["side"]), "?")] += 1
        sided[category].add(row["account"])
    counts: dict[str, int] = {}
    for category, n in Counter(categories.values()).items():
        counts[f"{category} personas"] = n
        counts[category] = len(sided[category])
        counts[f"{category} active"] = sum(
            1 for k, c in categories.items() if c == category and k in active
        )
        counts[f"{category} active given"] = len(sided[category] & active)
    return tables, counts


def report(title: str, tables: Tables, counts: dict[str, int]) -> float:
    """Print the confusion table and the figures; returns the side accuracy."""
    right = wrong = 0
    print(f"\n== {title}: sides given, by category and the camp of the side ==")
    print(f"{'issue':<12} {'category':<11} {'conservative':>12} {'progressive':>12} {'agree':>7}")
    for issue in sorted(tables):
        for category in CAMPS:
            found = tables[issue][category]
            ok, total = found[CAMPS[category]], sum(found.values())
            right, wrong = right + ok, wrong + total - ok
            share = f"{ok / total:.0%}" if total else "-"
            print(
                f"{issue:<12} {category:<11} {found['conservative']:>12} "
                f"{found['progressive']:>12} {share:>7}"
            )
    total = right + wrong
    accuracy = right / total if total else 0.0
    print(f"side accuracy: {right} of {total} account-issue sides = {accuracy:.1%}")
    for category in CAMPS:
        n, given = counts.get(f"{category} personas", 0), counts.get(category, 0)
        print(
            f"{category} personas given a side on some issue: {given} of {n}"
            + (f" ({given / n:.0%})" if n else "")
        )
        n, given = counts.get(f"{category} active", 0), counts.get(f"{category} active given", 0)
        print(
            f"  of those with at least {ACTIVE} posts: {given} of {n}"
            + (f" ({given / n:.0%})" if n else "")
        )
    return accuracy


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--half", choices=("check", "tune", "all"), nargs="+", default=["check", "tune"]
    )
    args = parser.parse_args(argv)
    if not (args.data / "ira" / "tweets.csv.gz").exists():
        print(f"IRA data not found under {args.data}", file=sys.stderr)
        return 1
    personas = categories(args.data)
    for half in args.half:
        with tempfile.TemporaryDirectory() as folder, Workspace() as ws:
            ws.connection.execute("SET memory_limit = '4GB'")
            source = subset(args.data, half, Path(folder))
            started = time.perf_counter()
            ingested = ws.ingest(source)
            loaded, cpu = time.perf_counter(), _cpu()
            result = ws.run_detector(StanceDetector())
            done, cpu = time.perf_counter(), _cpu() - cpu
            detected = side_rows(ws, result.run_id)
            sql = "SELECT 'x:' || account_id AS key, count(*) AS n FROM posts GROUP BY 1"
            posts = ws.query(sql)
            words_only = account_sides(ws, account_camp=False)
        present = {r["key"] for r in posts}
        active = {r["key"] for r in posts if r["n"] >= ACTIVE}
        categories_here = {k: c for k, c in personas.items() if k in present}
        print(f"\n{half} half: {ingested.summary()}")
        print(
            f"ingest {loaded - started:.1f} s, stance detector {done - loaded:.1f} s "
            f"({cpu:.1f} CPU s)"
        )
        report(f"{half} half, StanceDetector", *tabulate(detected, categories_here, active))
        report(
            f"{half} half, posts' own evidence only (no account camp)",
            *tabulate(words_only, categories_here, active),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
