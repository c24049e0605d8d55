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
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import duckdb

from cibwatch import Workspace
from cibwatch.detectors.stance import StanceDetector
from cibwatch.fingerprints.stance import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
CAMPS = {"RightTroll": "conservative", "LeftTroll": "progressive"}
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


def measure(
    ws: Workspace, personas: dict[str, str]
) -> tuple[dict[str, dict[str, Counter[str]]], dict[str, int]]:
    """Per issue and category, a count of sides by camp; and personas per category."""
    lexicon = load_lexicon()
    present = {r["key"] for r in ws.query("SELECT DISTINCT 'x:' || account_id AS key FROM posts")}
    categories = {key: c for key, c in personas.items() if key in present}
    result = ws.run_detector(StanceDetector())
    rows = ws.query("SELECT subject_a, details FROM evidence WHERE run_id = ?", [result.run_id])
    tables: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    sided: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        details = json.loads(row["details"])
        category = categories.get(row["subject_a"])
        if category is None:
            continue
        camp = lexicon.leans.get((details["issue"], details["side"]), "?")
        tables[details["issue"]][category][camp] += 1
        sided[category].add(row["subject_a"])
    personas = Counter(categories.values())
    given = {c: len(sided[c]) for c in personas}
    return tables, {**{f"{c} personas": n for c, n in personas.items()}, **given}


def report(half: str, tables: dict[str, dict[str, Counter[str]]], counts: dict[str, int]) -> None:
    right = wrong = 0
    print(f"\n== {half} half: sides given, by category and the camp of the side ==")
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
    print(f"side accuracy ({half}): {right} of {total} account-issue sides = {accuracy:.1%}")
    for category in CAMPS:
        n, given = counts.get(f"{category} personas", 0), counts.get(category, 0)
        print(
            f"{category} personas given a side on some issue: {given} of {n}"
            + (f" ({given / n:.0%})" if n else "")
        )


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
            loaded = time.perf_counter()
            tables, counts = measure(ws, personas)
            done = time.perf_counter()
        print(f"\n{half} half: {ingested.summary()}")
        print(f"ingest {loaded - started:.1f} s, stance detector {done - loaded:.1f} s")
        report(half, tables, counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
