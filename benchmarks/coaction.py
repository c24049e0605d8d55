"""Benchmark: load + detect co-action on the issue's data recipe (not a timed test).

Recipe: N posts by 50 thousand accounts over 30 days, object popularity Zipf (s = 1.0: the
top object gets about 78 thousand of 1 million shares; s = 0.8), plus a planted group of 50
accounts that co-share 30 objects each within 30 s; window 30 s. Each (size, s, engine) runs
in a fresh process so that its peak memory (max RSS) is its own; Spark's JVM is not in that
figure (it is a separate process), which is said in the output.

    python benchmarks/coaction.py --sizes 1000000 --zipf 1.0 0.8 --engines duckdb
    python benchmarks/coaction.py --sizes 1000000 --toolkit   # also the QUT toolkit

``--toolkit`` creates a throw-away venv, installs coordination-network-toolkit into it (from
the package registry) and runs its co-retweet computation on the same file with the same
window and 2 processes, then prints the ratio of its time to ours.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ACCOUNTS = 50_000
OBJECTS = 200_000
DAYS = 30
GROUP = 50
GROUP_OBJECTS = 30
WINDOW = 30.0
START = 1_700_000_000


def generate(n_posts: int, zipf_s: float, seed: int = 0) -> pa.Table:
    """The recipe's shares as a table (account, object, time, post)."""
    rng = np.random.default_rng(seed)
    n_background = n_posts - GROUP * GROUP_OBJECTS
    ranks = np.arange(1, OBJECTS + 1, dtype=np.float64)
    weights = ranks**-zipf_s
    objects = rng.choice(OBJECTS, size=n_background, p=weights / weights.sum())
    accounts = rng.integers(0, ACCOUNTS, size=n_background)
    times = START + rng.integers(0, DAYS * 86_400, size=n_background)
    group_times = START + rng.integers(0, DAYS * 86_400, size=GROUP_OBJECTS)
    g_accounts = np.tile(np.arange(GROUP), GROUP_OBJECTS)
    g_objects = np.repeat(np.arange(GROUP_OBJECTS), GROUP)
    g_times = np.repeat(group_times, GROUP) + rng.integers(
        0, int(WINDOW) + 1, GROUP * GROUP_OBJECTS
    )
    account = np.concatenate(
        [np.char.add("a", accounts.astype(str)), np.char.add("op", g_accounts.astype(str))]
    )
    obj = np.concatenate(
        [np.char.add("o", objects.astype(str)), np.char.add("planted", g_objects.astype(str))]
    )
    return pa.table(
        {
            "post": [f"p{i}" for i in range(n_posts)],
            "account": account.tolist(),
            "object": obj.tolist(),
            "time": np.concatenate([times, g_times]).astype(np.int64),
        }
    )


def run_one(path: str, engine: str, memory_limit: str | None) -> dict[str, object]:
    """Load + detect in this process; return time, peak memory and recovery figures."""
    from cibwatch.coaction import detect_coordination
    from cibwatch.engines.base import Engine
    from cibwatch.engines.duckdb_engine import DuckDBEngine

    runner: str | Engine = engine
    if engine == "duckdb" and memory_limit:
        spill = tempfile.mkdtemp(prefix="cibwatch-spill-")
        runner = DuckDBEngine(memory_limit=memory_limit, temp_directory=spill)
    started = time.perf_counter()
    result = detect_coordination(
        path,
        account_col="account",
        object_col="object",
        time_col="time",
        content_col="post",
        window=WINDOW,
        min_participation=2,
        engine=runner,
    )
    seconds = time.perf_counter() - started
    sig = result.significant_edges()
    pairs = list(zip(sig["account_a"].to_pylist(), sig["account_b"].to_pylist(), strict=True))
    planted = sum(1 for a, b in pairs if a.startswith("op") and b.startswith("op"))
    return {
        "engine": engine,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "edges": result.edges.num_rows,
        "window_pairs": result.n_window_pairs,
        "significant": len(pairs),
        "planted_pairs_found": planted,
        "planted_pairs_expected": GROUP * (GROUP - 1) // 2,
        "background_significant": len(pairs) - planted,
    }


def run_toolkit(table: pa.Table, workdir: Path) -> float | None:
    """Time coordination-network-toolkit (co-retweet, 2 processes) in its own venv."""
    venv = workdir / "cnt-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "coordination-network-toolkit"], check=False
    )
    if pip.returncode != 0:
        print("coordination-network-toolkit could not be installed; skipping it")
        return None
    csv_path = workdir / "cnt.csv"
    n = table.num_rows
    # Its CSV layout: message_id, user_id, username, repost_id, reply_id, message, timestamp,
    # urls; the object goes into repost_id so that co_retweet is the same co-action.
    cnt = pa.table(
        {
            "message_id": table["post"],
            "user_id": table["account"],
            "username": table["account"],
            "repost_id": table["object"],
            "reply_id": pa.array([""] * n),
            "message": pa.array([""] * n),
            "timestamp": table["time"],
            "urls": pa.array([""] * n),
        }
    )
    pacsv.write_csv(cnt, csv_path)
    tool = str(venv / "bin" / "compute_networks")
    db = str(workdir / "cnt.db")
    started = time.perf_counter()
    subprocess.run([tool, db, "preprocess", "--format", "csv", str(csv_path)], check=True)
    loaded = time.perf_counter()
    subprocess.run(
        [
            tool,
            db,
            "compute",
            "co_retweet",
            "--time_window",
            str(int(WINDOW)),
            "--n_cpus",
            "2",
            "--output_file",
            str(workdir / "cnt_edges.csv"),
        ],
        check=True,
    )
    done = time.perf_counter()
    print(f"toolkit: load {loaded - started:.1f} s, compute {done - loaded:.1f} s")
    return done - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--zipf", type=float, nargs="+", default=[1.0, 0.8])
    parser.add_argument("--engines", nargs="+", default=["duckdb"], choices=["duckdb", "spark"])
    parser.add_argument("--toolkit", action="store_true", help="also run the QUT toolkit")
    parser.add_argument("--memory-limit", default="", help="DuckDB memory limit, e.g. 4GB")
    parser.add_argument("--run-one", nargs=2, metavar=("FILE", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        path, engine = args.run_one
        print(json.dumps(run_one(path, engine, args.memory_limit or None)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for size in args.sizes:
            for s in args.zipf:
                table = generate(size, s)
                path = workdir / f"shares_{size}_{s}.parquet"
                pq.write_table(table, path)
                top = int(pc.max(pc.value_counts(table["object"]).field(1)).as_py())
                print(f"== {size:,} posts, Zipf s={s} (top object {top:,} shares)")
                ours: float | None = None
                for engine in args.engines:
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--run-one",
                            str(path),
                            engine,
                            "--memory-limit",
                            args.memory_limit,
                        ],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    figures = json.loads(out.stdout.strip().splitlines()[-1])
                    note = " (driver only; JVM not counted)" if engine == "spark" else ""
                    print(f"  {engine}: {json.dumps(figures)}{note}")
                    if engine == "duckdb":
                        ours = float(figures["seconds"])
                if args.toolkit:
                    theirs = run_toolkit(table, workdir)
                    if theirs is not None and ours:
                        print(f"  toolkit/ours time ratio: {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
