"""Benchmark: load + detect co-action on the issue's data recipe (not a timed test).

Recipe: N posts by 50 thousand accounts over 30 days, object popularity Zipf over 200
thousand objects (s = 1.0: the top object gets about 78 thousand of 1 million shares;
s = 0.8), plus a planted group of 50 accounts that co-share 30 objects each within 30 s;
window 30 s. ``--scale span`` instead gives every million posts its own 50 thousand accounts
and 30 days (the 1 M recipe's density at any size: within-window pairs grow linearly, not
with the square of the size as they do at a fixed 50 thousand accounts and 30 days).

The data are generated in chunks straight into a Parquet file (``--data-dir`` keeps and
reuses it), and each (size, s, engine) runs in a fresh process reading that file, so its
figures are load + detect only. Two memory figures: ``peak_rss_mb`` (``ru_maxrss`` of that
process, exact) and ``peak_tree_rss_mb`` (sampled every 0.2 s over the process and its
children: with Spark the engine is a child JVM, which only this figure includes).
``--profile`` prints each engine step's end time and memory.

    python benchmarks/coaction.py --sizes 1000000 --zipf 1.0 0.8 --engines duckdb spark
    python benchmarks/coaction.py --sizes 1000000 --toolkit   # also the QUT toolkit
    python benchmarks/coaction.py --sizes 100000000 --zipf 1.0 --scale span \
        --memory-limit 12GB --data-dir /tmp/coaction-data --profile

``--toolkit`` creates a throw-away venv, installs coordination-network-toolkit into it (from
the package registry) and runs its co-retweet computation on the same file with the same
window and 2 processes, then prints the ratio of its time to ours.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
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


CHUNK = 5_000_000


def _labels(prefix: str, numbers: np.ndarray) -> pa.Array:
    """``prefix`` followed by each number, built in Arrow (no Python string per row)."""
    return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")


def write_shares(
    path: Path, n_posts: int, zipf_s: float, *, accounts: int, days: int, seed: int = 0
) -> int:
    """Write the recipe's shares (account, object, time, post) to Parquet; return top count.

    Generated and written in chunks of ``CHUNK`` rows so that 100 million posts need a few
    hundred MB here, and this process's memory is never counted in the detection's (which
    runs in a fresh process reading the file). The planted group comes last.
    """
    rng = np.random.default_rng(seed)
    n_background = n_posts - GROUP * GROUP_OBJECTS
    ranks = np.arange(1, OBJECTS + 1, dtype=np.float64)
    cumulative = np.cumsum(ranks**-zipf_s)
    cumulative /= cumulative[-1]
    counts = np.zeros(OBJECTS, dtype=np.int64)
    schema = pa.schema(
        [
            ("post", pa.string()),
            ("account", pa.string()),
            ("object", pa.string()),
            ("time", pa.int64()),
        ]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for first in range(0, n_background, CHUNK):
            n = min(CHUNK, n_background - first)
            # Inverse-CDF draw: what rng.choice(p=...) does, without its per-call set-up.
            objects = np.minimum(np.searchsorted(cumulative, rng.random(n)), OBJECTS - 1)
            counts += np.bincount(objects, minlength=OBJECTS)
            authors = rng.integers(0, accounts, size=n)
            times = START + rng.integers(0, days * 86_400, size=n)
            posts = np.arange(first, first + n)
            writer.write_table(
                pa.table(
                    [
                        _labels("p", posts),
                        _labels("a", authors),
                        _labels("o", objects),
                        pa.array(times, pa.int64()),
                    ],
                    schema=schema,
                )
            )
        group_times = START + rng.integers(0, days * 86_400, size=GROUP_OBJECTS)
        g_accounts = np.tile(np.arange(GROUP), GROUP_OBJECTS)
        g_objects = np.repeat(np.arange(GROUP_OBJECTS), GROUP)
        g_times = np.repeat(group_times, GROUP) + rng.integers(
            0, int(WINDOW) + 1, GROUP * GROUP_OBJECTS
        )
        writer.write_table(
            pa.table(
                [
                    _labels("p", np.arange(n_background, n_posts)),
                    _labels("op", g_accounts),
                    _labels("planted", g_objects),
                    pa.array(g_times, pa.int64()),
                ],
                schema=schema,
            )
        )
    return int(counts.max())


def _tree_rss_gb() -> float:
    """Resident memory of this process and all its descendants now (Linux), in GB.

    Descendants count because Spark's local mode runs the engine in a child JVM, which
    ``ru_maxrss`` of this process does not see.
    """
    parents: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        # After the command name: state, ppid, ..., rss in pages is field 24 (index 21 here).
        parents[int(entry.name)] = int(fields[1])
        sizes[int(entry.name)] = int(fields[21]) * resource.getpagesize()
    mine = {os.getpid()}
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in mine} - mine
        grew = bool(found)
        mine |= found
    return sum(sizes.get(pid, 0) for pid in mine) / 1024**3


class MemorySampler:
    """Samples the process tree's RSS every 0.2 s in a thread: overall and per-step peaks.

    With ``verbose``, each engine step (``on_step``) prints its end time and the peak since
    the previous step. A peak shorter than the sampling interval can be missed; the
    process's own ``ru_maxrss`` is reported beside it and is exact.
    """

    def __init__(self, *, verbose: bool) -> None:
        self.verbose = verbose
        self.started = time.perf_counter()
        self.overall = self.since_step = _tree_rss_gb()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            now = _tree_rss_gb()
            self.overall = max(self.overall, now)
            self.since_step = max(self.since_step, now)
            time.sleep(0.2)

    def __call__(self, name: str) -> None:
        now = _tree_rss_gb()
        if self.verbose:
            elapsed = time.perf_counter() - self.started
            print(
                f"  {elapsed:8.1f} s  {name:<18} rss {now:6.2f} GB  "
                f"peak since {max(self.since_step, now):6.2f} GB",
                file=sys.stderr,
                flush=True,
            )
        self.since_step = now


def _peaks(sampler: MemorySampler) -> dict[str, float]:
    """Peak memory of this process (exact) and, sampled, of it with its children (Spark's
    JVM): the second is the figure to compare across engines."""
    return {
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_tree_rss_mb": round(sampler.overall * 1024, 1),
    }


def run_one(
    path: str, engine: str, memory_limit: str | None, profile: bool = False
) -> dict[str, object]:
    """Load + detect in this process; return time, peak memory and recovery figures."""
    from cibwatch.coaction import TooManyPairsError, detect_coordination
    from cibwatch.engines.base import Engine
    from cibwatch.engines.registry import get_engine

    options: dict[str, object] = {}
    spill = tempfile.TemporaryDirectory(prefix="cibwatch-spill-")
    if engine == "duckdb" and memory_limit:
        options = {"memory_limit": memory_limit, "temp_directory": spill.name}
    if engine == "spark":
        # Local mode on this machine's cores; the driver JVM holds the data in local mode.
        options = {
            "config": {
                "spark.ui.enabled": "false",
                "spark.driver.memory": "8g",
                "spark.ui.showConsoleProgress": "false",
            }
        }
    runner: Engine = get_engine(engine, **options)
    sampler = MemorySampler(verbose=profile)
    runner.on_step = sampler
    started = time.perf_counter()
    try:
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
    except TooManyPairsError as refused:
        # Data too dense for the window: the figure is how soon the run says so.
        return {
            "engine": engine,
            "refused_after_seconds": round(time.perf_counter() - started, 2),
            **_peaks(sampler),
            "refused": str(refused),
        }
    finally:
        runner.close()
        spill.cleanup()
    seconds = time.perf_counter() - started
    sig = result.significant_edges()
    pairs = list(zip(sig["account_a"].to_pylist(), sig["account_b"].to_pylist(), strict=True))
    planted = sum(1 for a, b in pairs if a.startswith("op") and b.startswith("op"))
    return {
        "engine": engine,
        "seconds": round(seconds, 2),
        **_peaks(sampler),
        "edges": result.edges.num_rows,
        "window_pairs": result.n_window_pairs,
        "significant": len(pairs),
        "planted_pairs_found": planted,
        "planted_pairs_expected": GROUP * (GROUP - 1) // 2,
        "background_significant": len(pairs) - planted,
    }


def run_toolkit(path: Path, workdir: Path) -> float | None:
    """Time coordination-network-toolkit (co-retweet, 2 processes) in its own venv."""
    table = pq.read_table(path)
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
    parser.add_argument(
        "--scale",
        choices=["density", "span"],
        default="density",
        help="density: 50,000 accounts over 30 days whatever the size (the issue's recipe; "
        "within-window pairs grow with the square of the size); span: 50,000 accounts and "
        "30 days per million posts (the 1 M recipe's density kept; pairs grow linearly)",
    )
    parser.add_argument("--toolkit", action="store_true", help="also run the QUT toolkit")
    parser.add_argument("--memory-limit", default="", help="DuckDB memory limit, e.g. 4GB")
    parser.add_argument("--profile", action="store_true", help="print each step's time and RSS")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the generated files here and reuse them"
    )
    parser.add_argument("--run-one", nargs=2, metavar=("FILE", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        path, engine = args.run_one
        print(json.dumps(run_one(path, engine, args.memory_limit or None, args.profile)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.data_dir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            factor = max(1, round(size / 1_000_000)) if args.scale == "span" else 1
            accounts, days = ACCOUNTS * factor, DAYS * factor
            for s in args.zipf:
                path = workdir / f"shares_{size}_{s}_{accounts}_{days}.parquet"
                started = time.perf_counter()
                facts = path.with_suffix(".json")
                if path.exists() and facts.exists():
                    top = int(json.loads(facts.read_text())["top_object"])
                    made = "reused"
                else:
                    partial = path.with_suffix(".partial")
                    top = write_shares(partial, size, s, accounts=accounts, days=days)
                    partial.rename(path)
                    facts.write_text(json.dumps({"top_object": top}))
                    made = f"generated in {time.perf_counter() - started:.0f} s"
                print(
                    f"== {size:,} posts, {accounts:,} accounts, {days} days, Zipf s={s} "
                    f"(top object {top:,} shares; file {made})",
                    flush=True,
                )
                ours: float | None = None
                for engine in args.engines:
                    command = [sys.executable, __file__, "--run-one", str(path), engine]
                    command += ["--memory-limit", args.memory_limit]
                    command += ["--profile"] if args.profile else []
                    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
                    figures = json.loads(out.stdout.strip().splitlines()[-1])
                    print(f"  {engine}: {json.dumps(figures)}", flush=True)
                    if engine == "duckdb" and "seconds" in figures:
                        ours = float(figures["seconds"])
                if args.toolkit:
                    theirs = run_toolkit(path, workdir)
                    if theirs is not None and ours:
                        print(f"  toolkit/ours time ratio: {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
