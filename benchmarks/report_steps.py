"""The investigation's last steps on a stored workspace: ground-truth check, report, indicators.

A hundred-million-post investigation takes about an hour to reach these steps; when one of
them fails there (the report ran out of its memory limit), this runs them again, as
``investigate`` does and with the same inputs (the stored networks and narrative linking),
in a process of their own, and prints each step's wall and CPU seconds and peak RSS.

    python benchmarks/report_steps.py WORKSPACE --truth WORLD/ground_truth.json --out DIR
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from measure import cpu_seconds, rss_gb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--truth", type=Path, help="The world's ground_truth.json.")
    parser.add_argument("--out", type=Path, default=Path("/tmp/cibwatch-bench-report"))
    parser.add_argument("--memory-limit", default="8GB")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from cibwatch.dossier import Dossier
    from cibwatch.evaluation import evaluate, groups_from_json
    from cibwatch.indicators.platform_files import export_indicators_csv
    from cibwatch.indicators.stix_export import export_stix
    from cibwatch.narratives.linking import current_linking
    from cibwatch.networks import stored_networks
    from cibwatch.report.html import render_html
    from cibwatch.workspace import Workspace

    peak = [0.0]

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], rss_gb())
            time.sleep(0.2)

    threading.Thread(target=sample, daemon=True).start()
    args.out.mkdir(parents=True, exist_ok=True)
    with Workspace(args.workspace, memory_limit=args.memory_limit, threads=args.threads) as ws:
        networks = stored_networks(ws)
        linking = current_linking(ws)
        dossiers: dict[str, Dossier] = {}
        evaluation = None

        def step(name: str, work: Callable[[], object]) -> None:
            peak[0] = rss_gb()
            t0, c0 = time.perf_counter(), cpu_seconds()
            work()
            print(
                json.dumps(
                    {
                        "step": name,
                        "seconds": round(time.perf_counter() - t0, 1),
                        "cpu_seconds": round(cpu_seconds() - c0, 1),
                        "peak_gb": round(max(peak[0], rss_gb()), 2),
                        "load": round(os.getloadavg()[0], 1),
                    }
                ),
                flush=True,
            )

        def check() -> None:
            nonlocal evaluation
            truth = groups_from_json(json.loads(args.truth.read_text(encoding="utf-8")))
            evaluation = evaluate(networks, truth, workspace=ws, linking=linking, dossiers=dossiers)

        if args.truth is not None:
            step("check against the ground truth", check)
        step(
            "write report",
            lambda: render_html(
                ws,
                args.out / "report.html",
                evaluation=evaluation,
                linking=linking,
                dossiers=dossiers,
            ),
        )

        def indicators() -> None:
            export_stix(ws, args.out / "indicators.stix.json", include="all")
            export_indicators_csv(ws, args.out / "indicators.csv", include="all")

        step("write indicators", indicators)
        print(f"{len(networks)} networks; report and indicators in {args.out}")


if __name__ == "__main__":
    main()
