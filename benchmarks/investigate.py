"""Benchmark the whole investigation, step by step, against the ingest of the same files.

For each size, a synthetic world (``cibwatch synth``'s generator, seed 5) is written once
into ``--workdir`` and reused; then two child processes, one after the other, each with a
fresh on-disk workspace (DuckDB ``--memory-limit``, ``--threads``):

1. **ingest only**: every file of the world, as ``investigate`` ingests them;
2. **investigate**: the whole investigation (ingest, actions, every detector, networks,
   narratives, the check against the ground truth, report, indicators), timing each step
   and sampling the process's resident memory (DuckDB, Arrow and Python together) every
   0.1 s, so each step gets its own peak.

Printed per run: each step's wall seconds and peak memory, the total, the process's CPU
seconds (all threads: less dependent on other work on the machine than wall time), the
ingest time and the ratio of the two, and the machine's load average before and after.
Other engineers share the cores: quote figures with the load printed beside them.

``--ira DIR`` runs the same on the IRA troll tweets (by-author re-release: ``tweets.csv.gz``
and ``authors.csv``; ../shared/data/ira in this project's layout). ``--help-only`` times
``cibwatch --help`` and every subcommand's ``--help`` against a bare interpreter start.
``--coaction-cli`` times ``cibwatch coordination`` against coordination-network-toolkit
(``--toolkit PATH``), whole processes on the same 1 M-share CSV. ``--spark`` runs co-action
and near-duplicate text on Spark local[2] at each size beside the default path.

Targets (2 cores): 1 M posts at most 4x the ingest time and under 4 GB; 10 M under
10 minutes and 8 GB; the IRA dev half under 5 minutes and 8 GB; ``--help`` under 0.3 s.

    python benchmarks/investigate.py --sizes 1000000
    python benchmarks/investigate.py --sizes 10000000 --memory-limit 6GB
    python benchmarks/investigate.py --sizes 100000000 --scale span --no-baseline  # not in CI

Each child's progress lines go to ``WORKDIR/ingest.log`` and ``WORKDIR/investigate.log``
while it runs (``tail -f`` them on long runs). ``--scale span`` worlds start on 2016-01-04 so
that 2,800 days of them end in the past: the ingest refuses times after the ingest.
    python benchmarks/investigate.py --sizes 0 --ira ../shared/data/ira
    python benchmarks/investigate.py --help-only
    python benchmarks/investigate.py --coaction-cli --toolkit cnt-venv/bin/compute_networks
    python benchmarks/investigate.py --sizes 10000000 --spark --spark-only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: First day of ``--scale span`` worlds (a Monday): 2,800 days from it end in 2023.
SPAN_START = date(2016, 1, 4)

CHILD = """
import json, resource, sys, threading, time
from pathlib import Path

mode, sources, workdir, memory_limit, threads, skip = sys.argv[1:7]
sources = [Path(s) for s in json.loads(sources)]
workdir = Path(workdir)

def rss_gb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

steps, current = [], {"name": "start", "t0": time.perf_counter(), "c0": cpu(), "peak": 0.0}
lock = threading.Lock()

def sample():
    while True:
        value = rss_gb()
        with lock:
            current["peak"] = max(current["peak"], value)
        time.sleep(0.1)

threading.Thread(target=sample, daemon=True).start()

def report(update):
    if update.status == "running" and update.rows is None:
        with lock:
            current.update(name=update.name, t0=time.perf_counter(), c0=cpu(), peak=rss_gb())
    elif update.status != "running":
        with lock:
            steps.append({"step": update.name, "status": update.status,
                          "seconds": round(time.perf_counter() - current["t0"], 2),
                          "cpu": round(cpu() - current["c0"], 2),
                          "peak_gb": round(max(current["peak"], rss_gb()), 2)})
        print(update.line(), file=sys.stderr, flush=True)

from cibwatch.workspace import Workspace
ws_path = workdir / f"{mode}.duckdb"
for stale in (ws_path, ws_path.with_suffix(".duckdb.wal")):
    stale.unlink(missing_ok=True)
started = time.perf_counter()
with Workspace(ws_path, memory_limit=memory_limit, threads=int(threads)) as ws:
    if mode == "ingest":
        from cibwatch.pipeline import expand_sources
        files, _ = expand_sources(sources)
        rows = 0
        for path in files:
            t0, c0 = time.perf_counter(), cpu()
            r = ws.ingest(path)
            rows += r.rows_stored
            steps.append({"step": f"ingest {path.name}", "status": "ok",
                          "seconds": round(time.perf_counter() - t0, 2),
                          "cpu": round(cpu() - c0, 2),
                          "peak_gb": round(rss_gb(), 2)})
        extra = {"rows": rows}
    else:
        from cibwatch.pipeline import InvestigationOptions, investigate
        options = InvestigationOptions(skip=tuple(s for s in skip.split(",") if s))
        result = investigate(sources, ws, workdir / "out", options, progress=report)
        extra = {
            "networks": len(result.networks),
            "rows": sum(r.rows_stored for r in result.ingests),
            "not_run": result.not_run,
            "planted_found": sum(1 for e in result.evaluation
                                 if not e["innocent"] and e["verdict"] == "found"),
            "innocent_flagged": sum(1 for e in result.evaluation
                                    if e["innocent"] and e["verdict"] != "not flagged (correct)"),
        }
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "mode": mode, "seconds": round(time.perf_counter() - started, 1),
    "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
    "peak_gb": round(usage.ru_maxrss / 1024 / 1024, 2), "steps": steps, **extra,
}))
"""


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    cores = os.cpu_count()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on {cores} cores"


def _child(mode: str, sources: list[Path], workdir: Path, args: argparse.Namespace) -> Any:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    log = workdir / f"{mode}.log"  # the child's progress lines, readable while it runs
    with log.open("w") as progress:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                mode,
                json.dumps([str(s) for s in sources]),
                str(workdir),
                args.memory_limit,
                str(args.threads),
                args.skip,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=progress,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        print(log.read_text()[-4000:], file=sys.stderr)
        raise SystemExit(f"{mode} run failed with exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _world(size: int, scale: str, workdir: Path) -> Path:
    """The world of ``size`` posts, generated once (``span``: 28 days per million posts)."""
    folder = workdir / f"world-{size}-{scale}"
    if not (folder / "ground_truth.json").exists():
        sys.path.insert(0, str(REPO / "src"))
        from cibwatch.synthetic.world import DEFAULT_START, generate_world

        days = 28 * max(1, round(size / 1_000_000)) if scale == "span" else 28
        # a span of 100 M posts lasts 2,800 days: from the generator's default start it would
        # run into the future, and the ingest rightly refuses times after the ingest
        start = SPAN_START if scale == "span" else DEFAULT_START
        started = time.perf_counter()
        generate_world(folder, posts=size, seed=5, days=days, start=start)
        print(f"world of {size:,} posts generated in {time.perf_counter() - started:.0f} s")
    return folder


def _ingest_steps(run: dict[str, Any]) -> dict[str, Any]:
    """The investigation's own ingest steps as the ingest baseline (``--no-baseline``)."""
    steps = [s for s in run["steps"] if s["step"].startswith("ingest ")]
    return {
        "seconds": sum(s["seconds"] for s in steps),
        "cpu_seconds": sum(s["cpu"] for s in steps),
        "peak_gb": max((s["peak_gb"] for s in steps), default=0.0),
        "rows": run.get("rows", 0),
        "label": "ingest steps of the same run",
    }


def _print(label: str, ingest: dict[str, Any], run: dict[str, Any]) -> None:
    print(f"\n== {label}")
    print(f"{'step':<40} {'seconds':>9} {'CPU s':>8} {'peak GB':>8}")
    for step in run["steps"]:
        flag = "" if step["status"] == "ok" else f"  ({step['status']})"
        print(
            f"{step['step']:<40} {step['seconds']:>9.1f} {step['cpu']:>8.1f} "
            f"{step['peak_gb']:>8.2f}{flag}"
        )
    # what no step holds: the interpreter's start and the imports (CPU only: the wall clock
    # starts after them), the workspace's opening and its last checkpoint at closing
    rest_wall = run["seconds"] - sum(step["seconds"] for step in run["steps"])
    rest_cpu = run["cpu_seconds"] - sum(step["cpu"] for step in run["steps"])
    print(f"{'start-up, imports, closing (the rest)':<40} {rest_wall:>9.1f} {rest_cpu:>8.1f}")
    print(
        f"{'investigation':<40} {run['seconds']:>9.1f} {run['cpu_seconds']:>8.1f} "
        f"{run['peak_gb']:>8.2f}"
    )
    print(
        f"{ingest.get('label', 'ingest alone, same files'):<40} {ingest['seconds']:>9.1f} "
        f"{ingest['cpu_seconds']:>8.1f} {ingest['peak_gb']:>8.2f}  ({ingest['rows']:,} rows)"
    )
    print(
        f"ratio investigation / ingest: {run['seconds'] / ingest['seconds']:.1f}x wall, "
        f"{run['cpu_seconds'] / max(ingest['cpu_seconds'], 0.1):.1f}x CPU"
    )
    extra = {k: run[k] for k in ("networks", "planted_found", "innocent_flagged", "not_run")}
    print(f"result: {json.dumps(extra)}")


def _time(command: list[str], repeats: int = 3) -> tuple[float, float]:
    """Fastest of ``repeats`` wall times and CPU times (the rest is other processes' noise).

    CPU time (user + system of the child) is what the command costs whatever the load; wall
    time on shared cores adds the wait for a core.
    """
    import resource

    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            command,
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        )
        best_wall = min(best_wall, time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        best_cpu = min(best_cpu, cpu)
    return best_wall, best_cpu


_COMMAND_PATHS = """
import json, click
from cibwatch.cli.main import cli

def paths(group, prefix):
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        yield [*prefix, name]
        if isinstance(command, click.Group):
            yield from paths(command, [*prefix, name])

print(json.dumps(list(paths(cli, []))))
"""


def help_times(repeats: int = 3) -> None:
    """Time ``cibwatch --help`` and every subcommand's ``--help`` as a user starts them
    (the installed script, a fresh process each), fastest of ``repeats``, wall and CPU."""
    exe = shutil.which("cibwatch", path=str(Path(sys.executable).parent)) or "cibwatch"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    listed = subprocess.run(
        [sys.executable, "-c", _COMMAND_PATHS], env=env, capture_output=True, text=True, check=True
    )
    commands: list[list[str]] = [[], *json.loads(listed.stdout)]
    print(f"--help timings, fastest of {repeats} runs (wall, CPU); {_load()}")
    wall, cpu = _time([sys.executable, "-c", "pass"], repeats)
    print(f"{'bare python start':<40} {wall:.3f} s  {cpu:.3f} CPU s")
    walls, cpus = [], []
    for path in commands:
        wall, cpu = _time([exe, *path, "--help"], repeats)
        walls.append(wall)
        cpus.append(cpu)
        print(f"{'cibwatch ' + ' '.join([*path, '--help']):<40} {wall:.3f} s  {cpu:.3f} CPU s")
    print(
        f"{len(commands)} commands: slowest {max(walls):.3f} s wall, {max(cpus):.3f} CPU s; "
        f"median {sorted(walls)[len(walls) // 2]:.3f} s wall (target: under 0.3 s on an idle "
        f"machine); {_load()}"
    )


def _benchmark(name: str) -> Any:
    """Another benchmark script of this folder, imported as a module (reused, not copied)."""
    import importlib

    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module(name)


def _count_lines(path: Path) -> int:
    with path.open("rb") as rows:
        return max(sum(1 for _ in rows) - 1, 0)


def coaction_cli(args: argparse.Namespace) -> None:
    """Whole process against whole process on one CSV of 1 M shares, back to back.

    ``cibwatch coordination`` (one process: start-up, CSV in, co-action, edges CSV out) and
    coordination-network-toolkit (``preprocess`` into SQLite, then ``compute co_retweet``
    with 2 processes, edges CSV out), on the toolkit's CSV layout of benchmarks/coaction.py's
    1 M recipe, window 30 s, each with its default least evidence for an edge (cibwatch: 2
    distinct objects; the toolkit: edge weight 2); the edge counts are printed beside.
    """
    coaction = _benchmark("coaction")
    folder = args.workdir / "coaction-cli-1000000"
    folder.mkdir(parents=True, exist_ok=True)
    shares, csv_path = folder / "shares.parquet", folder / "shares.cnt.csv"
    if not csv_path.exists():
        partial = folder / "shares.partial"
        coaction.write_shares(
            partial, 1_000_000, 1.0, accounts=coaction.ACCOUNTS, days=coaction.DAYS
        )
        partial.rename(shares)
        coaction.write_toolkit_csv(shares, csv_path)
    size_mb = csv_path.stat().st_size / 1e6
    print(f"co-action whole process, 1,000,000 shares in one CSV ({size_mb:.0f} MB), window 30 s")
    print(f"machine before: {_load()}")
    exe = shutil.which("cibwatch", path=str(Path(sys.executable).parent)) or "cibwatch"
    ours_out = folder / "cibwatch_edges.csv"
    wall, cpu = coaction.timed(
        [
            exe,
            "coordination",
            str(csv_path),
            "--account-col",
            "user_id",
            "--object-col",
            "repost_id",
            "--time-col",
            "timestamp",
            "--content-col",
            "message_id",
            "--window",
            str(int(coaction.WINDOW)),
            "--out",
            str(ours_out),
        ]
    )
    print(
        f"{'cibwatch coordination':<36} {wall:7.2f} s  {cpu:7.2f} CPU s  "
        f"{_count_lines(ours_out):,} edges"
    )
    tool = coaction.find_toolkit(args.toolkit)
    if tool is None:
        print(
            "coordination-network-toolkit: ABSENT, not measured (install it in a venv of its "
            "own and give --toolkit PATH/TO/compute_networks, or set CNT_COMPUTE_NETWORKS)"
        )
        return
    theirs = coaction.run_toolkit(tool, csv_path, folder)
    print(
        f"{'toolkit preprocess + compute':<36} {theirs['seconds']:7.2f} s  "
        f"{theirs['cpu_seconds']:7.2f} CPU s  {theirs['edges']:,} edges  "
        f"(preprocess {theirs['load_seconds']:.2f} s, compute {theirs['compute_seconds']:.2f} s)"
    )
    print(
        f"toolkit / cibwatch: {theirs['seconds'] / wall:.1f}x wall, "
        f"{theirs['cpu_seconds'] / max(cpu, 0.01):.1f}x CPU (target: at least 10x)"
    )
    print(f"machine after: {_load()}")


def _neardup_one(engine: str, texts: str, labels_out: str, driver_memory: str) -> None:
    """Child: near-duplicate clusters of ``texts`` (Parquet: row, text) on one engine;
    prints time, CPU and peak memory of this process with its children (Spark's JVM and
    Python workers) as JSON and saves the labels for the parent to compare."""
    import numpy as np

    coaction = _benchmark("coaction")
    sampler = coaction.MemorySampler(verbose=False)
    if engine == "spark":
        from cibwatch.engines.base import ParquetInput
        from cibwatch.engines.spark_engine import SparkEngine
        from cibwatch.engines.spark_neardup import spark_cluster_texts

        runner = SparkEngine(
            master="local[2]",
            config={
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
                "spark.driver.memory": driver_memory,
            },
        )
        started, cpu_before = time.perf_counter(), coaction.tree_cpu_seconds()

        def stepped(name: str) -> None:
            print(
                f"  {time.perf_counter() - started:8.1f} s "
                f"{coaction.tree_cpu_seconds() - cpu_before:8.1f} CPU s  {name:<20} "
                f"peak so far {sampler.overall:.2f} GB",
                file=sys.stderr,
                flush=True,
            )

        runner.on_step = stepped
        labels = spark_cluster_texts(ParquetInput(texts), engine=runner)
        cpu = coaction.tree_cpu_seconds() - cpu_before  # before close() ends the JVM
        seconds = time.perf_counter() - started
        runner.close()
    else:
        import pyarrow.parquet as pq

        from cibwatch.fingerprints.neardup import cluster_texts

        started, cpu_before = time.perf_counter(), coaction.tree_cpu_seconds()
        table = pq.read_table(texts).sort_by("row")
        labels = cluster_texts(table.column("text"))
        cpu = coaction.tree_cpu_seconds() - cpu_before
        seconds = time.perf_counter() - started
    np.save(labels_out, labels)
    print(
        json.dumps(
            {
                "engine": engine,
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_tree_gb": round(sampler.overall, 2),
                "texts": int(labels.size),
                "clustered": int((labels >= 0).sum()),
                "clusters": int(labels.max() + 1),
            }
        )
    )


def spark_heavy_steps(size: int, args: argparse.Namespace) -> None:
    """Spark local[2] on the two heavy steps at ``size`` posts, beside the default path.

    Co-action: benchmarks/coaction.py's recipe at ``size`` shares, DuckDB then Spark, each
    in a fresh process (its figures include Spark's JVM). Near-duplicate text: the texts of
    the synthetic world's posts that are not shares (what the detector reads), clustered
    by the embedded path (``cluster_texts``) and by ``spark_cluster_texts``, each in a fresh
    process; the two label arrays are compared.
    """
    print(f"\n== Spark local[2] on the heavy steps, {size:,} posts; {_load()}")
    if "neardup" in args.spark_steps.split(","):
        _spark_neardup(size, args)
    if "coaction" in args.spark_steps.split(","):
        _spark_coaction(size, args)


def _spark_coaction(size: int, args: argparse.Namespace) -> None:
    command = [sys.executable, str(Path(__file__).parent / "coaction.py")]
    command += ["--sizes", str(size), "--zipf", "1.0", "--engines", "duckdb", "spark"]
    command += ["--data-dir", str(args.workdir / "coaction-data")]
    command += ["--memory-limit", args.memory_limit]
    command += ["--spark-driver-memory", args.spark_driver_memory]
    command += ["--spark-event-log", args.spark_event_log]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    print("co-action (benchmarks/coaction.py recipe, window 30 s):", flush=True)
    subprocess.run(command, env=env, check=True)
    print(f"machine after: {_load()}")


def _spark_neardup(size: int, args: argparse.Namespace) -> None:
    import duckdb
    import numpy as np

    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    world = _world(size, args.scale, args.workdir)
    texts = args.workdir / f"neardup-texts-{size}.parquet"
    if not texts.exists():
        con = duckdb.connect()
        con.execute(f"SET memory_limit='{args.memory_limit}'")
        con.execute(
            f"COPY (SELECT row_number() OVER () - 1 AS row, text "
            f"FROM read_parquet('{world / 'posts.parquet'}') "
            f"WHERE text IS NOT NULL AND coalesce(kind, 'original') <> 'share') "
            f"TO '{texts}' (FORMAT parquet)"
        )
        con.close()
    print(f"near-duplicate text ({texts.name}):", flush=True)
    found: dict[str, Any] = {}
    for engine in ("embedded", "spark"):
        labels = args.workdir / f"neardup-labels-{size}-{engine}.npy"
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--neardup-one",
                engine,
                str(texts),
                str(labels),
                "--spark-driver-memory",
                args.spark_driver_memory,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"near-duplicate text on {engine} failed")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {engine}: {json.dumps(figures)}", flush=True)
        found[engine] = np.load(labels)
    same = bool(np.array_equal(found["embedded"], found["spark"]))
    print(f"  same labels on both: {same}; machine after: {_load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000", help="Comma-separated post counts (0: none).")
    parser.add_argument("--scale", choices=("fixed", "span"), default="fixed")
    parser.add_argument("--ira", type=Path, help="Folder of the IRA by-author tweets/authors.")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cibwatch-bench-investigate"))
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--help-only", action="store_true", help="Time --help and stop.")
    parser.add_argument(
        "--coaction-cli",
        action="store_true",
        help="Time `cibwatch coordination` against coordination-network-toolkit, whole "
        "processes on the same 1 M-share CSV, and stop.",
    )
    parser.add_argument(
        "--spark",
        action="store_true",
        help="Also run co-action and near-duplicate text on Spark local[2] at each size, "
        "beside the default path (slow: minutes at 10 M).",
    )
    parser.add_argument("--spark-driver-memory", default="4g", help="Spark's driver heap.")
    parser.add_argument("--spark-only", action="store_true", help="With --spark: only that.")
    parser.add_argument(
        "--spark-event-log",
        default="",
        metavar="DIR",
        help="With --spark: Spark's event log of co-action goes here and what it shuffled "
        "is printed (benchmarks/spark_shuffles.py).",
    )
    parser.add_argument(
        "--spark-steps", default="neardup,coaction", help="With --spark: which heavy steps."
    )
    parser.add_argument("--neardup-one", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument(
        "--toolkit",
        help="coordination-network-toolkit's compute_networks script (default: the "
        "environment variable CNT_COMPUTE_NETWORKS); said ABSENT when missing.",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="Comma-separated steps the investigation skips (named in the output).",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="Skip the separate ingest-only process (hours at 100 M): the ratio is then taken "
        "against the investigation's own ingest steps, and says so.",
    )
    args = parser.parse_args()
    if args.help_only:
        help_times()
        return
    if args.neardup_one:
        engine, texts, labels = args.neardup_one
        _neardup_one(engine, texts, labels, args.spark_driver_memory)
        return
    if args.coaction_cli:
        args.workdir.mkdir(parents=True, exist_ok=True)
        coaction_cli(args)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[str, list[Path]]] = []
    for size in (int(s) for s in args.sizes.split(",") if int(s) > 0):
        runs.append(
            (f"{size:,} synthetic posts ({args.scale})", [_world(size, args.scale, args.workdir)])
        )
    if args.ira is not None:
        runs.append(("IRA troll tweets (by-author re-release)", [args.ira]))
    if args.spark:
        for size in (int(s) for s in args.sizes.split(",") if int(s) > 0):
            spark_heavy_steps(size, args)
        if args.spark_only:
            return
    for label, sources in runs:
        before = _load()
        run = _child("investigate", sources, args.workdir, args) if args.no_baseline else None
        ingest = _child("ingest", sources, args.workdir, args) if run is None else None
        run = run or _child("investigate", sources, args.workdir, args)
        ingest = ingest or _ingest_steps(run)
        _print(label, ingest, run)
        print(f"machine: before {before}; after {_load()}")


if __name__ == "__main__":
    main()
