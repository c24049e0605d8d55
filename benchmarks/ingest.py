"""Benchmark ``cibwatch ingest`` on synthetic posts, as Parquet and as CSV.

Generates ``--rows`` posts (default 10,000,000) with a vectorised numpy/pyarrow generator,
writes them to a temporary directory, and ingests each file into a fresh on-disk workspace
in a subprocess, so that the peak memory measured is the ingest's own. Prints rows/second
and peak resident memory per format, and each loader phase's wall and CPU seconds per
million rows (CPU time, summed over threads, depends far less on the machine's other load).

The workspace gets ``--memory-limit`` (DuckDB's ``memory_limit``, default 1GB) and
``--threads``; the peak reported is the whole process's resident memory (DuckDB, Arrow and
Python together), which is what the < 2 GB target is about.

Targets (2 cores): >= 1,000,000 rows/s for Parquet, >= 300,000 rows/s for CSV, peak < 2 GB.

    python benchmarks/ingest.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CHUNK = 1_000_000
WORDS = np.array(
    [
        *("the", "a", "vote", "election", "fraud", "news", "media", "people", "truth"),
        *("freedom", "war", "peace", "money", "tax", "government", "leader", "party"),
        *("city", "country", "world", "health", "vaccine", "border", "crime", "economy"),
    ]
)
TAGS = np.array(["#Vote", "#News", "#Truth", "#Freedom", "#Peace", "#Tax", "#Health"])
SITES = np.array(["https://www.example.com/", "http://news.example.org/a/", "https://t.co/"])

# The child times the loader's phases by wrapping its methods (a benchmark may look inside;
# the library itself carries no timers). CPU seconds (all threads) are reported beside wall
# seconds because the machine's cores are shared: wall time varies with others' load, CPU
# time much less.
CHILD = """
import functools, json, resource, sys, time
from cibwatch.ingest import loader
from cibwatch.workspace import Workspace

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

phases = {}
def timed(name, label):
    method = getattr(loader._BatchLoader, name)
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        wall, used = time.perf_counter(), cpu()
        try:
            return method(*args, **kwargs)
        finally:
            total = phases.setdefault(label, [0.0, 0.0])
            total[0] += time.perf_counter() - wall
            total[1] += cpu() - used
    setattr(loader._BatchLoader, name, wrapper)

timed("load_relation", "read, normalise, validate, store")
timed("dedupe_posts", "duplicate check")
timed("finish", "implied accounts")
start, start_cpu = time.perf_counter(), cpu()
with Workspace(sys.argv[1], memory_limit=sys.argv[4], threads=int(sys.argv[5])) as ws:
    report = ws.ingest(sys.argv[2], format=sys.argv[3])
elapsed = time.perf_counter() - start
total = [elapsed, cpu() - start_cpu]
phases["rest (parse in Python, set-up)"] = [
    total[i] - sum(p[i] for p in phases.values()) for i in (0, 1)
]
phases["all"] = total
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"elapsed": elapsed, "peak_kib": peak_kib, "stored": report.rows_stored,
                  "read": report.rows_read, "phases": phases}))
"""


def _words(rng: np.random.Generator, n: int, count: int) -> pa.Array:
    parts = [pa.array(WORDS[rng.integers(0, len(WORDS), n)]) for _ in range(count)]
    joined: pa.Array = pc.binary_join_element_wise(*parts, " ")
    return joined


def generate_chunk(rng: np.random.Generator, start: int, n: int) -> pa.Table:
    """``n`` synthetic posts with ids from ``start``: one vectorised pass, no Python rows."""
    ids = np.arange(start, start + n, dtype=np.int64)
    accounts = rng.integers(0, 200_000, n)
    seconds = 1_600_000_000 + rng.integers(0, 30 * 86400, n)
    has_url = rng.random(n) < 0.3
    url_values = pc.binary_join_element_wise(
        pa.array(SITES[rng.integers(0, len(SITES), n)]), pa.array(ids.astype(str)), ""
    )
    if isinstance(url_values, pa.ChunkedArray):
        url_values = url_values.combine_chunks()
    offsets = np.concatenate([[0], np.cumsum(has_url)]).astype(np.int32)
    urls = pa.ListArray.from_arrays(pa.array(offsets), url_values.filter(pa.array(has_url)))
    tag_offsets = np.arange(0, n + 1, dtype=np.int32)
    hashtags = pa.ListArray.from_arrays(
        pa.array(tag_offsets), pa.array(TAGS[rng.integers(0, len(TAGS), n)])
    )
    return pa.table(
        {
            "platform": pa.array(np.full(n, "x")),
            "post_id": pa.array(ids.astype(str)),
            "account_id": pa.array(np.char.add("acc", accounts.astype(str))),
            "created_at": pa.array(seconds * 1_000_000, pa.timestamp("us", tz="UTC")),
            "text": _words(rng, n, 8),
            "urls": urls,
            "hashtags": hashtags,
            "likes": pa.array(rng.integers(0, 1000, n)),
        }
    )


def _as_csv(table: pa.Table) -> pa.Table:
    """Lists become space-separated cells; times ISO 8601 with a zone, as exports have."""
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_list(column.type):
            column = pc.binary_join(column, " ")
        elif pa.types.is_timestamp(column.type):
            column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ")
        columns[name] = column
    return pa.table(columns)


def write_files(rows: int, folder: Path, seed: int = 1) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    parquet_path = folder / "posts.parquet"
    csv_path = folder / "posts.csv"
    first = generate_chunk(rng, 0, min(CHUNK, rows))
    with (
        pq.ParquetWriter(parquet_path, first.schema) as pwriter,
        pacsv.CSVWriter(csv_path, _as_csv(first).schema) as cwriter,
    ):
        chunk = first
        done = 0
        while True:
            pwriter.write_table(chunk, row_group_size=CHUNK)
            cwriter.write_table(_as_csv(chunk))
            done += chunk.num_rows
            if done >= rows:
                break
            chunk = generate_chunk(rng, done, min(CHUNK, rows - done))
    return parquet_path, csv_path


def run_child(
    workspace: Path, path: Path, format_name: str, memory_limit: str, threads: int
) -> dict[str, Any]:
    argv = [str(workspace), str(path), format_name, memory_limit, str(threads)]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *argv], check=False, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"ingest of {path} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def print_phases(phases: dict[str, list[float]], rows: int) -> None:
    """Wall and CPU seconds per million rows read, for each phase of the loader."""
    millions = max(rows, 1) / 1e6
    for label, (wall, used) in phases.items():
        print(
            f"    {label:34s} {wall / millions:6.2f} s wall, "
            f"{used / millions:6.2f} s cpu per million rows"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: temp)")
    parser.add_argument(
        "--memory-limit", default="1GB", help="DuckDB memory limit of the workspace"
    )
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        parquet_path, csv_path = write_files(args.rows, folder)
        print(
            f"generated {args.rows:,} posts in {time.perf_counter() - start:.1f} s "
            f"(parquet {parquet_path.stat().st_size / 1e6:.0f} MB, "
            f"csv {csv_path.stat().st_size / 1e6:.0f} MB)"
        )
        for format_name, path in (("parquet", parquet_path), ("csv", csv_path)):
            load = os.getloadavg()[0]
            result = run_child(
                folder / f"{format_name}.duckdb", path, format_name, args.memory_limit, args.threads
            )
            rate = result["stored"] / result["elapsed"]
            cpu_rate = result["stored"] / result["phases"]["all"][1]
            print(
                f"{format_name:8s} {int(result['stored']):,} rows stored in "
                f"{result['elapsed']:.1f} s = {rate:,.0f} rows/s "
                f"({cpu_rate:,.0f} rows per CPU second), "
                f"peak memory {result['peak_kib'] / 1024:,.0f} MiB "
                f"(threads {args.threads}, memory limit {args.memory_limit}, "
                f"machine load before {load:.1f}, after {os.getloadavg()[0]:.1f})"
            )
            print_phases(result["phases"], int(result["read"]))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak memory of any ingest subprocess: {children / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
