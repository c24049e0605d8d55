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

The tweets go through the product path: ``Workspace.ingest`` (format ``russian_troll_tweets``
when it can read the by-author CSV) or, until then, a direct DuckDB load that turns
``RT @handle:`` into shares and takes hashtags from the text. Then the stance detector runs on
the workspace, as ``cibwatch detect stance`` does.

    python benchmarks/realdata_stance.py [--data ../shared/data] [--half check|tune|all]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from cibwatch import Workspace
from cibwatch.detectors.stance import StanceDetector
from cibwatch.fingerprints.stance import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
CAMPS = {"RightTroll": "conservative", "LeftTroll": "progressive"}
HALVES = {"tune": "= 0", "check": "= 1", "all": "IS NOT NULL"}

# The direct load: one post per tweet (there is no tweet id in this re-release, so the row
# number is the id); a retweet (post_type R, or text 'RT @handle:') is a share of that handle.
_LOAD = """
    INSERT INTO posts (platform, post_id, account_id, created_at, text, kind,
                       shared_account_id, hashtags, mentions, source_file, source_row)
    SELECT 'x', CAST(row AS VARCHAR), author_id, CAST(publish_date AS TIMESTAMP), content,
           CASE WHEN post_type = 'R' OR content LIKE 'RT %' THEN 'share'
                WHEN post_type = 'Q' THEN 'quote' ELSE 'original' END,
           nullif(regexp_extract(content, '^RT @?([A-Za-z0-9_]+):', 1), ''),
           regexp_extract_all(lower(content), '#(\\w+)', 1),
           regexp_extract_all(lower(content), '@(\\w+)', 1),
           'ira/tweets.csv.gz', row
    FROM (
        SELECT row_number() OVER () AS row, t.*
        FROM read_csv($tweets, all_varchar = true) t
    ) t
    WHERE author_id IN (SELECT author_id FROM _authors)
"""


def load(ws: Workspace, data: Path, half: str) -> int:
    """Load the English personas' tweets of one half; returns the number of posts."""
    con = ws.connection
    con.execute(
        "CREATE TEMP TABLE _authors AS SELECT author_id, account_category AS category "
        f"FROM read_csv($authors, all_varchar = true) WHERE md5_number(author_id) % 2 "
        f"{HALVES[half]} AND account_category IN ('RightTroll', 'LeftTroll')",
        {"authors": str(data / "ira" / "authors.csv")},
    )
    con.execute(_LOAD, {"tweets": str(data / "ira" / "tweets.csv.gz")})
    con.execute(
        "INSERT INTO accounts (platform, account_id, kind, handle, source_file, source_row) "
        "SELECT DISTINCT 'x', account_id, 'account', account_id, 'ira/authors.csv', 0 "
        "FROM posts"
    )
    return ws.count("posts")


def measure(ws: Workspace) -> tuple[dict[str, dict[str, Counter[str]]], dict[str, int]]:
    """Per issue and category, a count of sides by camp; and personas per category."""
    lexicon = load_lexicon()
    categories = {f"x:{r['author_id']}": r["category"] for r in ws.query("SELECT * FROM _authors")}
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
    for half in args.half:
        with Workspace() as ws:
            ws.connection.execute("SET memory_limit = '4GB'")
            started = time.perf_counter()
            posts = load(ws, args.data, half)
            loaded = time.perf_counter()
            tables, counts = measure(ws)
            done = time.perf_counter()
        print(
            f"\n{half} half: {posts:,} posts loaded in {loaded - started:.1f} s, "
            f"stance in {done - loaded:.1f} s"
        )
        report(half, tables, counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
