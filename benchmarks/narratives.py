"""Benchmark narrative linking alone, phase by phase, on one workspace.

Narrative linking (:func:`cibwatch.narratives.link_narratives`) reads only what ingest,
``derive actions`` and the near-duplicate text detector wrote; this script runs it on such a
workspace and prints, for each phase, its wall seconds, its CPU seconds (all threads of the
process: less dependent on other work on the machine than wall time) and its peak resident
memory (DuckDB, Arrow and Python together, sampled every 0.1 s):

- ``units``: each post's unit (text or near-duplicate cluster, joined on shared posts);
- ``anchors``: the anchors of each unit's first texts, its own links and pictures;
- ``weights``: each anchor's rarity;
- ``links``: candidate pairs by prefix filtering, the window and the shared weight;
- ``store``: narratives joined along the links, written to the three tables.

``--hashes`` also prints one hash per stored table of the run (rows ordered, run id left
out), so two versions of the code can be checked to give the same output on the same
workspace, back to back.

A workspace is built first when ``--build SOURCE`` is given and the workspace does not exist
yet: the files of SOURCE are ingested as ``investigate`` ingests them, actions derived and
the near-duplicate text detector run (``investigate --only near_duplicate_text``). SOURCE is
a synthetic world (``cibwatch synth``, or ``benchmarks/investigate.py``'s worlds) or the IRA
troll tweets (by-author re-release, ../shared/data/ira in this project's layout)::

    python benchmarks/narratives.py --workspace /tmp/w1m.duckdb --build WORLD_DIR --hashes
    python benchmarks/narratives.py --workspace /tmp/ira.duckdb --build ../shared/data/ira
    nice -n 10 python benchmarks/narratives.py --workspace BIG.duckdb --memory-limit 6GB

Progress lines (one per phase, as it ends) go to stderr; the summary goes to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measure import cpu_seconds, rss_gb

REPO = Path(__file__).resolve().parent.parent

#: The phases of ``link_narratives``, as the module names them.
PHASES = (
    ("units", "_build_units"),
    ("anchors", "_build_anchors"),
    ("weights", "_weigh"),
    ("links", "_links"),
    ("store", "_store"),
)


class PhaseClock:
    """Wall, CPU and peak memory of each phase, the peak from a sampling thread."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._peak = 0.0
        self._lock = threading.Lock()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            value = rss_gb()
            with self._lock:
                self._peak = max(self._peak, value)
            time.sleep(0.1)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self._peak = rss_gb()
            t0, c0 = time.perf_counter(), cpu_seconds()
            result = fn(*args, **kwargs)
            with self._lock:
                peak = max(self._peak, rss_gb())
            row = {
                "phase": name,
                "seconds": time.perf_counter() - t0,
                "cpu": cpu_seconds() - c0,
                "peak_gb": peak,
            }
            self.rows.append(row)
            print(
                f"{name}: {row['seconds']:.1f} s wall, {row['cpu']:.1f} s CPU, "
                f"peak {peak:.2f} GB; load {os.getloadavg()[0]:.1f}",
                file=sys.stderr,
                flush=True,
            )
            return result

        return timed


def _build(workspace: Path, source: Path, memory_limit: str, threads: int) -> None:
    from cibwatch.pipeline import InvestigationOptions, investigate
    from cibwatch.workspace import Workspace

    started = time.perf_counter()
    with Workspace(workspace, memory_limit=memory_limit, threads=threads) as ws:
        options = InvestigationOptions(only=("near_duplicate_text",))
        out = workspace.with_suffix(".out")
        investigate([source], ws, out, options)
    print(f"built {workspace} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def table_hashes(con: Any, run_id: int) -> dict[str, str]:
    """One hash per stored table of ``run_id``: every column but the run id, rows ordered."""
    queries = {
        "narrative_posts": "SELECT platform, post_id, unit, narrative FROM narrative_posts "
        "WHERE run_id = ? ORDER BY ALL",
        "narrative_units": "SELECT unit, narrative, first_seen, last_seen, posts, "
        "languages::VARCHAR FROM narrative_units WHERE run_id = ? ORDER BY ALL",
        "narrative_links": "SELECT unit_a, unit_b, score, anchors::VARCHAR FROM narrative_links "
        "WHERE run_id = ? ORDER BY ALL",
    }
    hashes = {}
    for table, sql in queries.items():
        digest = hashlib.sha256()
        rows = 0
        cursor = con.execute(sql, [run_id])
        while batch := cursor.fetchmany(100_000):
            for row in batch:
                digest.update(repr(row).encode())
                rows += 1
        hashes[table] = f"{rows} rows {digest.hexdigest()[:16]}"
    return hashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--build", type=Path, help="Files to build the workspace from.")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--hashes", action="store_true", help="Hash the stored tables.")
    parser.add_argument(
        "--src",
        type=Path,
        default=REPO / "src",
        help="The sources to measure (another checkout's src: two versions back to back).",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(args.src))
    if not args.workspace.exists():
        if args.build is None:
            raise SystemExit(f"{args.workspace}: no workspace there (give --build SOURCE)")
        _build(args.workspace, args.build, args.memory_limit, args.threads)

    from cibwatch.narratives import linking as module
    from cibwatch.workspace import Workspace

    clock = PhaseClock()
    for name, attribute in PHASES:
        setattr(module, attribute, clock.wrap(name, getattr(module, attribute)))
    load = os.getloadavg()
    with Workspace(args.workspace, memory_limit=args.memory_limit, threads=args.threads) as ws:
        counts = ws.connection.execute(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM actions)"
        ).fetchone()
        t0, c0 = time.perf_counter(), cpu_seconds()
        result = module.link_narratives(ws)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        hashes = table_hashes(ws.connection, result.run_id or 0) if args.hashes else {}
    posts, actions = counts if counts else (0, 0)
    print(f"narrative linking on {args.workspace.name}: {posts:,} posts, {actions:,} actions")
    print(f"{'phase':<10}{'wall s':>10}{'CPU s':>10}{'peak GB':>10}")
    for row in clock.rows:
        print(
            f"{row['phase']:<10}{row['seconds']:>10.1f}{row['cpu']:>10.1f}{row['peak_gb']:>10.2f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"{'total':<10}{seconds:>10.1f}{cpu:>10.1f}{peak:>10.2f}")
    print(f"links: {len(result.links):,}")
    for table, value in hashes.items():
        print(f"{table}: {value}")
    after = os.getloadavg()
    print(
        f"load average before {load[0]:.1f} / {load[1]:.1f}, after {after[0]:.1f} / "
        f"{after[1]:.1f} (1/5 min) on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
