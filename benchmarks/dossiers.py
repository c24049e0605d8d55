"""Benchmark the steps after assembly on an investigated workspace: narratives, dossiers, report.

Works on a copy of ``WORKSPACE`` (an investigated workspace, e.g. the one
``benchmarks/investigate.py`` leaves in its workdir) so the original is never written. Times,
one after the other in one process: linking narratives across languages (stored again),
every network's dossier, and the HTML and Markdown reports built from those dossiers, with
two parts of a dossier timed on their own (both sides of issues, top narratives). Prints wall
and CPU seconds per step and the load average; ``--out DIR`` also writes every output
(dossiers as JSON, the stored narrative tables, both reports) so that two versions of the
code can be compared byte for byte:

    python benchmarks/dossiers.py WORKSPACE --out /tmp/before
    python benchmarks/dossiers.py WORKSPACE --out /tmp/after && diff -r /tmp/before /tmp/after
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cibwatch.dossier import build_dossiers
from cibwatch.evaluation import evaluate, groups_from_json
from cibwatch.fingerprints.stance import networks_sides
from cibwatch.narratives import link_narratives, network_narratives
from cibwatch.networks import stored_networks
from cibwatch.report.html import render_html
from cibwatch.report.markdown import render_markdown
from cibwatch.workspace import Workspace


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Clock:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def time(self, name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), _cpu()
        out = func(*args, **kwargs)
        self.rows.append((name, time.perf_counter() - t0, _cpu() - c0))
        return out


def _tables(ws: Workspace, out: Path) -> None:
    for table in ("narrative_units", "narrative_posts", "narrative_links"):
        rows = ws.connection.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        with (out / f"{table}.txt").open("w", encoding="utf-8") as f:
            f.writelines(f"{row!r}\n" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--truth", type=Path, help="ground_truth.json of a synthetic world")
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workspace.parent) as tmp:
        path = Path(tmp) / "copy.duckdb"
        shutil.copyfile(args.workspace, path)
        clock = _Clock()
        with Workspace(path, memory_limit=args.memory_limit, threads=args.threads) as ws:
            networks = stored_networks(ws)
            linking = clock.time("link narratives", link_narratives, ws)
            dossiers = clock.time(
                f"dossiers ({len(networks)} networks)",
                build_dossiers,
                ws,
                networks,
                linking=linking,
            )
            clock.time(
                "  of which sides, alone",
                networks_sides,
                ws,
                {n.network_id: n.members for n in networks},
            )
            clock.time(
                "  of which narratives, alone",
                lambda: [
                    network_narratives(ws, n.members, unit="narrative", top=5, linking=linking)
                    for n in networks
                ],
            )
            out = args.out or Path(tmp) / "out"
            out.mkdir(parents=True, exist_ok=True)
            evaluation = None
            if args.truth:  # the check against the truth, reusing the dossiers
                truth = groups_from_json(json.loads(args.truth.read_text(encoding="utf-8")))
                evaluation = evaluate(networks, truth, workspace=ws, dossiers=dossiers)
                (out / "evaluation.json").write_text(
                    json.dumps(evaluation, default=str, indent=1), encoding="utf-8"
                )
            clock.time(
                "report (HTML, dossiers reused)",
                render_html,
                ws,
                out / "report.html",
                evaluation=evaluation,
                linking=linking,
                dossiers=dossiers,
            )
            clock.time(
                "report (Markdown)", render_markdown, ws, out / "report.md", evaluation=evaluation
            )
            if args.out:
                _tables(ws, out)
                (out / "dossiers.json").write_text(
                    json.dumps({k: asdict(v) for k, v in dossiers.items()}, default=str, indent=1),
                    encoding="utf-8",
                )
    posts = sum(len(n.members) for n in networks)
    print(f"{args.workspace.name}: {len(networks)} networks, {posts} member accounts")
    print(f"{'step':40s} {'seconds':>8s} {'CPU s':>8s}")
    for name, wall, cpu in clock.rows:
        print(f"{name:40s} {wall:8.1f} {cpu:8.1f}")
    print("load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
