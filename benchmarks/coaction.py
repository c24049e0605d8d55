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
    python benchmarks/coaction.py --sizes 1000000 --toolkit cnt/bin/compute_networks
    python benchmarks/coaction.py --sizes 100000000 --zipf 1.0 --scale span \
        --memory-limit 12GB --data-dir /tmp/coaction-data --profile

``--toolkit [PATH]`` also runs coordination-network-toolkit's co-retweet computation (its
``compute_networks`` script, installed in a venv of its own) on the same shares as its CSV,
with the same window and 2 processes, and prints the ratio of its time to ours in process;
``benchmarks/investigate.py --coaction-cli`` compares whole processes (CSV in, edges out).
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

from spark_shuffles import read_log, report

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


def tree_cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process and its descendants.

    Spark's JVM is a child that is not waited for before the figures are printed, so
    ``RUSAGE_CHILDREN`` would miss it; its /proc counters do not.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command name: state, ppid, ...; utime, stime, and the same of children
        # it has waited for (Spark's short-lived Python workers), fields 14 to 17
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = sum(int(f) for f in fields[11:15]) / ticks
    mine = {os.getpid()}
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in mine} - mine
        grew = bool(found)
        mine |= found
    return sum(used.get(pid, 0.0) for pid in mine)


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
    path: str,
    engine: str,
    memory_limit: str | None,
    profile: bool = False,
    spark_memory: str = "8g",
    event_log: str = "",
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
        config = {
            "spark.ui.enabled": "false",
            "spark.driver.memory": spark_memory,
            "spark.ui.showConsoleProgress": "false",
        }
        if event_log:  # what the run shuffled, for benchmarks/spark_shuffles.py
            Path(event_log).mkdir(parents=True, exist_ok=True)
            config["spark.eventLog.enabled"] = "true"
            config["spark.eventLog.dir"] = event_log
            config["spark.eventLog.compress"] = "false"
        options = {"config": config}
    runner: Engine = get_engine(engine, **options)
    sampler = MemorySampler(verbose=profile)
    runner.on_step = sampler
    started = time.perf_counter()
    cpu_before = tree_cpu_seconds()
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
        cpu = tree_cpu_seconds()  # with Spark's JVM, before close() ends it
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
        "cpu_seconds": round(cpu - cpu_before, 1),
        **_peaks(sampler),
        "edges": result.edges.num_rows,
        "window_pairs": result.n_window_pairs,
        "significant": len(pairs),
        "planted_pairs_found": planted,
        "planted_pairs_expected": GROUP * (GROUP - 1) // 2,
        "background_significant": len(pairs) - planted,
    }


def _event_logs(folder: str) -> set[Path]:
    """The Spark event logs in ``folder`` now (none when no folder is given)."""
    return set(Path(folder).iterdir()) if folder and Path(folder).is_dir() else set()


#: The toolkit's console script, as its package installs it.
TOOLKIT_SCRIPT = "compute_networks"


def find_toolkit(given: str | None) -> str | None:
    """Path of coordination-network-toolkit's ``compute_networks``, or None when absent.

    ``given`` (the ``--toolkit`` option) wins; otherwise the environment variable
    ``CNT_COMPUTE_NETWORKS``. Install it into a venv of its own (``python -m venv cnt &&
    cnt/bin/pip install coordination-network-toolkit``), never into cibwatch's.
    """
    path = given or os.environ.get("CNT_COMPUTE_NETWORKS")
    if not path:
        return None
    return path if Path(path).is_file() and os.access(path, os.X_OK) else None


def write_toolkit_csv(shares: Path, csv_path: Path) -> int:
    """Write the shares (Parquet) as the toolkit's CSV; return the number of rows.

    Its layout: message_id, user_id, username, repost_id, reply_id, message, timestamp,
    urls; the object goes into repost_id so that its co-retweet network is the same
    co-action. Both tools then read this one file.
    """
    table = pq.read_table(shares)
    n = table.num_rows
    empty = pa.array([""] * n)
    cnt = pa.table(
        {
            "message_id": table["post"],
            "user_id": table["account"],
            "username": table["account"],
            "repost_id": table["object"],
            "reply_id": empty,
            "message": empty,
            "timestamp": table["time"],
            "urls": empty,
        }
    )
    pacsv.write_csv(cnt, csv_path)
    return int(n)


def timed(command: list[str]) -> tuple[float, float]:
    """Run ``command`` to completion; its wall seconds and CPU seconds (user + system of
    the process and its children, so worker processes count)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def run_toolkit(tool: str, csv_path: Path, workdir: Path) -> dict[str, float]:
    """Time the toolkit's two processes on ``csv_path``: ``preprocess`` into a fresh SQLite
    database, then ``compute co_retweet`` (same window, 2 processes) writing its edges."""
    db = workdir / "cnt.db"
    db.unlink(missing_ok=True)
    load_wall, load_cpu = timed([tool, str(db), "preprocess", "--format", "csv", str(csv_path)])
    # GraphML, its default: its CSV writer fails in version 1.5.2 (an unexpected keyword)
    out = workdir / "cnt_edges.graphml"
    compute_wall, compute_cpu = timed(
        [
            tool,
            str(db),
            "compute",
            "co_retweet",
            "--time_window",
            str(int(WINDOW)),
            "--n_cpus",
            "2",
            "--output_file",
            str(out),
        ]
    )
    with out.open() as graph:
        n_edges = sum(line.count("<edge ") for line in graph)
    return {
        "load_seconds": load_wall,
        "compute_seconds": compute_wall,
        "seconds": load_wall + compute_wall,
        "cpu_seconds": load_cpu + compute_cpu,
        "edges": n_edges,
    }


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
    parser.add_argument(
        "--toolkit",
        nargs="?",
        const="",
        default=None,
        metavar="COMPUTE_NETWORKS",
        help="also run the QUT toolkit: path of its compute_networks script (or the "
        "environment variable CNT_COMPUTE_NETWORKS)",
    )
    parser.add_argument("--memory-limit", default="", help="DuckDB memory limit, e.g. 4GB")
    parser.add_argument("--profile", action="store_true", help="print each step's time and RSS")
    parser.add_argument("--spark-driver-memory", default="8g", help="Spark's driver heap")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the generated files here and reuse them"
    )
    parser.add_argument(
        "--spark-event-log",
        default="",
        metavar="DIR",
        help="Spark writes its event log here; what it shuffled is printed after the run",
    )
    parser.add_argument("--run-one", nargs=2, metavar=("FILE", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        path, engine = args.run_one
        figures = run_one(
            path,
            engine,
            args.memory_limit or None,
            args.profile,
            args.spark_driver_memory,
            args.spark_event_log,
        )
        print(json.dumps(figures))
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
                    command += ["--spark-driver-memory", args.spark_driver_memory]
                    command += ["--spark-event-log", args.spark_event_log]
                    logs = _event_logs(args.spark_event_log)
                    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
                    figures = json.loads(out.stdout.strip().splitlines()[-1])
                    print(f"  {engine}: {json.dumps(figures)}", flush=True)
                    for log in sorted(_event_logs(args.spark_event_log) - logs):
                        print(f"  {engine} shuffles: {report(read_log(log))}", flush=True)
                    if engine == "duckdb" and "seconds" in figures:
                        ours = float(figures["seconds"])
                if args.toolkit is not None:
                    tool = find_toolkit(args.toolkit)
                    if tool is None:
                        print(
                            "  coordination-network-toolkit: ABSENT (give --toolkit PATH or "
                            "CNT_COMPUTE_NETWORKS); not measured"
                        )
                        continue
                    csv_path = path.with_suffix(".cnt.csv")
                    if not csv_path.exists():
                        write_toolkit_csv(path, csv_path)
                    theirs = run_toolkit(tool, csv_path, workdir)
                    print(
                        f"  toolkit: load {theirs['load_seconds']:.1f} s, compute "
                        f"{theirs['compute_seconds']:.1f} s, {theirs['cpu_seconds']:.1f} CPU s, "
                        f"{theirs['edges']:,} edges"
                    )
                    if ours:
                        print(
                            f"  toolkit / ours (in process) time: {theirs['seconds'] / ours:.1f}x"
                        )


if __name__ == "__main__":
    main()
