"""Time the stance step alone on a synthetic world, ingested once into a workspace file.

The world (``cibwatch synth``'s generator, written by ``benchmarks/investigate.py`` into its
``--workdir``) is ingested once into ``WORKDIR/stance-<size>.duckdb`` and reused; each run then
opens that workspace and runs the stance detector once, printing wall and CPU seconds (all
threads), the peak resident memory of the process, the posts read and the evidence rows
written, and the machine's load average (other work shares the cores: quote it).

``--save FILE`` writes the run's evidence rows (account, score, text, proof, details),
sorted, one JSON object a line, so that two implementations can be compared row for row on
the same world (``cmp`` the two files).

    python benchmarks/stance.py --world /tmp/bench/world-1000000-fixed --workdir /tmp/bench
    python benchmarks/stance.py --world ... --workdir ... --save /tmp/stance-1m.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

from cibwatch.detectors.stance import StanceDetector
from cibwatch.workspace import Workspace


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def _ingest(world: Path, path: Path, memory_limit: str) -> None:
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started, cpu = time.perf_counter(), _cpu()
    with Workspace(partial, memory_limit=memory_limit) as ws:
        for name in ("accounts.parquet", "posts.parquet"):
            result = ws.ingest(world / name)
            print(f"ingest {name}: {result.rows_stored:,} rows stored")
    partial.rename(path)
    print(f"ingest: {time.perf_counter() - started:.1f} s wall, {_cpu() - cpu:.1f} CPU s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, required=True, help="folder of a synthetic world")
    parser.add_argument("--workdir", type=Path, required=True, help="where the workspace lives")
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--save", type=Path, help="write the evidence rows here (JSON lines)")
    args = parser.parse_args(argv)
    path = args.workdir / f"stance-{args.world.name}.duckdb"
    if not path.exists():
        _ingest(args.world, path, args.memory_limit)
    print(f"before: {_load()}")
    with Workspace(path, memory_limit=args.memory_limit) as ws:
        posts = ws.count("posts")
        started, cpu = time.perf_counter(), _cpu()
        result = ws.run_detector(StanceDetector())
        wall, used = time.perf_counter() - started, _cpu() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(
            f"stance: {posts:,} posts, {result.evidence_rows:,} evidence rows, "
            f"{wall:.2f} s wall, {used:.2f} CPU s, peak {peak:.2f} GB (whole process)"
        )
        if args.save:
            rows = ws.connection.execute(
                "SELECT subject_a, strength, explanation, proof, details FROM evidence "
                "WHERE run_id = ? ORDER BY subject_a, details",
                [result.run_id],
            ).fetchall()
            with args.save.open("w", encoding="utf-8") as out:
                for subject, score, text, proof, details in rows:
                    record = [subject, score, text, proof, json.loads(details)]
                    out.write(json.dumps(record, sort_keys=True) + "\n")
            print(f"saved {len(rows):,} evidence rows to {args.save}")
        ws.connection.execute("DELETE FROM evidence WHERE run_id = ?", [result.run_id])
    print(f"after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
