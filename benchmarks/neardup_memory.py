"""Near-duplicate text detector alone on an ingested workspace: wall, CPU seconds, peak RSS.

Issue #14 asks every step's memory to be bounded by DuckDB's limit or by batches; this script
measures the detector by itself (RSS sampled every 0.1 s by a thread, so DuckDB, Arrow and
numpy together) and can write what the detector stored (its ``text_cluster`` actions and
evidence, without run ids) to Parquet, to compare two versions' results row for row.

Measured (2 cores shared with other jobs, so wall times are inflated; CPU seconds are user
plus system of the process):

- 10 M posts (benchmarks/investigate.py's synthetic world, 7.31 M read, 1.36 M distinct
  texts; DuckDB 4GB, 2 threads), back to back: before (every read post's text streamed to
  Python) 38.7 s wall, 20.8 CPU s, peak 2.77 GB, its clustering 12.9 s; after (each
  distinct text once, with its count) 31.8 s, 16.3 CPU s, peak 2.63 GB, clustering 4.8 s.
  At this size the peak is DuckDB's evidence query, not Python.
- 100 M posts (101.1 M; DuckDB 6GB, 2 threads, load average 4.4-7.5): after 335.8 s wall,
  194.6 CPU s, peak 6.86 GB (clustering 35 s, its phase at most 4.36 GB). The same step in
  the whole investigation before the change: 390.7 s, 235.9 CPU s, peak 13.23 GB.
- The stored actions and evidence are identical before and after at 1 M and 10 M, and in
  the demo; at 100 M the 53,378,868 ``text_cluster`` actions and 44,487 evidence rows equal
  those the investigation stored before the change.

Usage::

    python benchmarks/neardup_memory.py WORKSPACE.duckdb [--memory-limit 4GB] [--threads 2]
        [--chunk-size 100000] [--dump DIR]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

from cibwatch.detectors.neardup import NearDuplicateTextDetector
from cibwatch.workspace import Workspace
from measure import cpu_seconds, rss_gb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--dump", type=Path, help="write the stored results here (Parquet)")
    args = parser.parse_args()

    peak = [0.0]

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], rss_gb())
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    with Workspace(args.workspace, memory_limit=args.memory_limit, threads=args.threads) as ws:
        posts = ws.connection.execute("SELECT count(*) FROM posts").fetchone()
        before_rss, before_cpu, start = rss_gb(), cpu_seconds(), time.perf_counter()
        result = NearDuplicateTextDetector(chunk_size=args.chunk_size).run(ws)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - before_cpu
        peak[0] = max(peak[0], rss_gb())
        print(f"posts {posts[0] if posts else 0:,}  load {os.getloadavg()[0]:.2f}")
        print(
            f"near_duplicate_text  {wall:.1f} s wall  {cpu:.1f} CPU s  "
            f"peak {peak[0]:.2f} GB (RSS before {before_rss:.2f} GB)"
        )
        print(f"summary {result.summary}  input_rows {result.input_rows:,}")
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            con = ws.connection
            con.execute(
                "COPY (SELECT * FROM actions WHERE object_type = 'text_cluster' ORDER BY ALL) "
                f"TO '{args.dump / 'actions.parquet'}' (FORMAT parquet)"
            )
            con.execute(
                "COPY (SELECT * EXCLUDE (run_id) FROM evidence WHERE run_id = ? ORDER BY ALL) "
                f"TO '{args.dump / 'evidence.parquet'}' (FORMAT parquet)",
                [result.run_id],
            )


if __name__ == "__main__":
    main()
