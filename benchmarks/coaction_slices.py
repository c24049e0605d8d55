"""Co-action over a workspace's ``actions``, in one piece against one time slice at a time.

Each configuration runs in a fresh process (so that its peak memory is its own) over the
same workspace, with the same DuckDB memory limit and threads, back to back; the script
prints per configuration the wall and CPU seconds, the peak RSS, the load average, the
slices, the pairs of shares the join examines and the edges, then checks that every
configuration gave the same edges, layers and nodes.

    python benchmarks/coaction_slices.py WORKSPACE --slice-pairs auto,2000000 --out /tmp/x

``--slice-pairs`` lists configurations: ``auto`` (the library's choice: one slice when the
join fits), or a number of pairs per slice (forces slicing when the join examines more).
``--progress`` prints each step as it ends (elapsed, CPU, RSS), for long runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from measure import cpu_seconds, rss_gb


def one(args: argparse.Namespace) -> None:
    """Run one configuration in this process and print its figures as one JSON line."""
    import pyarrow.parquet as pq

    from cibwatch.coaction import coaction_edges
    from cibwatch.engines.duckdb_engine import DuckDBEngine
    from cibwatch.workspace import Workspace

    peak = [0.0]
    spill = [0.0]
    ws = Workspace(args.workspace, memory_limit=args.memory_limit, threads=args.threads)
    found = ws.connection.execute("SELECT current_setting('temp_directory')").fetchone()
    spill_dir = Path(str(found[0])) if found and found[0] else None

    def spilled_gb() -> float:
        # This process's files only: DuckDB names them after the process id.
        if spill_dir is None or not spill_dir.is_dir():
            return 0.0
        mine = [*spill_dir.glob(f"duckdb_temp_{os.getpid()}_*")]
        # With them the near shares' files (chunks.py) and the sorted runs of co-actions
        # per account pair (pair_counts.py).
        mine += [*spill_dir.glob("cibwatch-near-*/*.parquet")]
        mine += [*spill_dir.glob("cibwatch-pairs-*/*.parquet")]
        return sum(path.stat().st_size for path in mine if path.is_file()) / 1024**3

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], rss_gb())
            with contextlib.suppress(OSError):  # a file removed while it was listed
                spill[0] = max(spill[0], spilled_gb())
            time.sleep(0.5)

    threading.Thread(target=sample, daemon=True).start()
    ws.connection.execute(f"SET max_temp_directory_size = '{args.max_spill}'")
    engine = DuckDBEngine(ws.connection)
    t0, c0 = time.perf_counter(), cpu_seconds()
    if args.progress:
        import logging

        logging.basicConfig(level=logging.INFO, format="  %(message)s", stream=sys.stderr)

        def stepped(name: str) -> None:
            print(
                f"  {name}: {time.perf_counter() - t0:,.1f} s, {cpu_seconds() - c0:,.1f} CPU s, "
                f"RSS {rss_gb():.2f} GB, peak {peak[0]:.2f} GB, spill {spill[0]:.1f} GB, "
                f"load {os.getloadavg()[0]:.1f}",
                file=sys.stderr,
                flush=True,
            )

        engine.on_step = stepped
    # "auto" passes no slice size, so the same script also times a version without slices.
    options: dict[str, Any] = {} if args.one == "auto" else {"slice_pairs": int(args.one)}
    if args.days is None:
        result = coaction_edges(
            ws, window=args.window, min_participation=2, engine=engine, **options
        )
    else:
        # The first DAYS days of the actions only: a measurable part of a world too large
        # to run whole here, at its own density.
        from cibwatch.coaction.detection import run_coaction
        from cibwatch.coaction.shares import workspace_shares_sql
        from cibwatch.coaction.steps import CoActionSpec
        from cibwatch.engines.base import Step

        first = ws.connection.execute("SELECT epoch(MIN(created_at)) FROM actions").fetchone()
        cut = float(first[0] if first else 0) + args.days * 86400
        sql = f"SELECT * FROM ({workspace_shares_sql()}) s WHERE t < {cut!r}"
        spec = CoActionSpec(window=args.window, min_participation=2, **options)
        result = run_coaction(Step("shares", sql), spec, engine, one_time_per_post=True)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    out = Path(args.out) / (args.label or args.one)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("edges", "layers", "nodes"):
        pq.write_table(getattr(result, name), out / f"{name}.parquet")
    ws.close()
    print(
        json.dumps(
            {
                "config": args.one,
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "peak_rss_gb": round(peak[0], 2),
                "peak_spill_gb": round(spill[0], 2),
                "load": round(os.getloadavg()[0], 1),
                "slices": result.params.get("slices"),
                "slice_pairs": result.params.get("slice_pairs"),
                "examined_pairs": result.params.get("examined_pairs"),
                "window_pairs": result.n_window_pairs,
                "shares": result.n_shares,
                "edges": result.edges.num_rows,
                "significant": int(sum(result.edges.column("significant").to_pylist())),
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace")
    parser.add_argument("--slice-pairs", default="auto", help="Comma-separated configurations.")
    parser.add_argument("--out", type=Path, default=Path("/tmp/cibwatch-bench-slices"))
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--window", type=float, default=30)
    parser.add_argument("--max-spill", default="20GB", help="DuckDB max_temp_directory_size.")
    parser.add_argument("--days", type=float, help="Only the first DAYS days of actions.")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--label", help="With --one: the output folder's name.")
    args = parser.parse_args()
    if args.one:
        one(args)
        return
    figures: list[dict[str, Any]] = []
    for config in args.slice_pairs.split(","):
        command = [sys.executable, __file__, args.workspace, "--one", config]
        command += ["--out", str(args.out), "--memory-limit", args.memory_limit]
        command += ["--threads", str(args.threads), "--window", str(args.window)]
        command += ["--max-spill", args.max_spill]
        command += ["--days", str(args.days)] if args.days is not None else []
        command += ["--progress"] if args.progress else []
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        figures.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(figures[-1]), flush=True)
    if len(figures) > 1:
        import pyarrow.parquet as pq

        first = figures[0]["config"]
        for figure in figures[1:]:
            for name in ("edges", "layers", "nodes"):
                a = pq.read_table(args.out / first / f"{name}.parquet")
                b = pq.read_table(args.out / figure["config"] / f"{name}.parquet")
                same = a.equals(b) and a.schema == b.schema
                print(f"{name}: {first} vs {figure['config']}: {'identical' if same else 'DIFFER'}")
        base = figures[0]
        for figure in figures[1:]:
            ratio = figure["wall_s"] / base["wall_s"]
            print(
                f"{figure['config']} / {base['config']}: wall {ratio:.2f}x, "
                f"CPU {figure['cpu_s'] / base['cpu_s']:.2f}x, "
                f"peak RSS {figure['peak_rss_gb'] / base['peak_rss_gb']:.2f}x"
            )


if __name__ == "__main__":
    main()
