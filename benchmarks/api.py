"""Benchmark the web service under concurrent analysts (issue 8, item 5; not a timed test).

Builds a workspace from a synthetic world of ``--posts`` posts (default 1,000,000: the world,
a full investigation and a case per network, timed and printed), or reuses ``--workspace``.
Then it starts the real app (``create_app`` under uvicorn) in a child process on 127.0.0.1
and a free port, so that the server does not share an interpreter lock with the clients, and
drives ``--clients`` concurrent clients (aiohttp, bearer tokens, loopback only) until
``--requests`` requests are done or ``--duration`` seconds have passed.

The mix is mostly reads, as analysts browse: the network list, a network's dossier, the case
list, the takedown list and the audit log; a small share are writes (a note on a case, by an
analyst token). Prints requests/s, p50/p95/p99 latency per kind and overall, and errors
(non-2xx answers and exceptions). Target: p95 under 300 ms with no errors.

    python benchmarks/api.py --posts 1000000 --clients 100 --requests 5000
    python benchmarks/api.py --workspace demo-output/workspace.duckdb --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np

TARGET_P95_MS = 300.0
VIEWER = "bench-viewer-token"
ANALYST = "bench-analyst-token"
#: Request kinds and their shares of the load: analysts mostly read; 2% are writes (notes).
#: ``--writes`` changes the write share (the reads keep their proportions).
MIX: dict[str, float] = {
    "network_list": 0.25,
    "network_dossier": 0.30,
    "case_list": 0.20,
    "takedown": 0.115,
    "audit": 0.115,
    "note_write": 0.02,
}

SERVER = """
import sys
import uvicorn
from cibwatch.web.app import create_app
tokens = {sys.argv[3]: ("viewer", "viewer"), sys.argv[4]: ("analyst", "analyst")}
app = create_app(sys.argv[1], tokens)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


@dataclass
class Results:
    """Latencies (seconds) and errors per request kind."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def build_workspace(posts: int, root: Path) -> Path:
    """A world of ``posts`` posts, investigated, with a case opened for every network."""
    from cibwatch.cases import open_cases
    from cibwatch.pipeline import investigate
    from cibwatch.synthetic import generate_world
    from cibwatch.workspace import Workspace

    started = time.perf_counter()
    manifest = generate_world(root / "world", posts=posts)
    world_s = time.perf_counter() - started
    print(f"world: {manifest.posts:,} posts, {manifest.accounts:,} accounts in {world_s:.1f} s")
    path = root / "workspace.duckdb"
    with Workspace(path) as ws:
        began = time.perf_counter()
        result = investigate([root / "world"], ws, root / "report")
        investigate_s = time.perf_counter() - began
        cases = open_cases(ws, "benchmark")
    print(
        f"investigate: {len(result.networks)} networks in {investigate_s:.1f} s; "
        f"{len(cases)} cases opened; build total {time.perf_counter() - started:.1f} s"
    )
    return path


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(workspace: Path, port: int) -> subprocess.Popen[bytes]:
    """The app under uvicorn in a child process; returns once it answers."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(workspace), str(port), VIEWER, ANALYST]
    )
    deadline = time.monotonic() + 120
    url = f"http://127.0.0.1:{port}/api/cases"
    headers = {"Authorization": f"Bearer {VIEWER}"}
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5):
                return server  # urlopen raises on anything but a success
        except OSError:  # URLError and refused connections: not listening yet
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer within 120 s")


async def drive(
    base: str,
    clients: int,
    requests: int,
    duration: float,
    think: float,
    seed: int,
    mix: dict[str, float] = MIX,
) -> tuple[Results, float, int]:
    """Run the mix; return results, elapsed seconds and the number of requests made.

    The clients use aiohttp: httpx's pool, tried first, spent more CPU than the server with
    100 connections and capped the measurement at the client (about 70 requests/s).
    """
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60.0)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as http:
        viewer = {"Authorization": f"Bearer {VIEWER}"}
        analyst = {"Authorization": f"Bearer {ANALYST}"}
        async with http.get("/api/networks", headers=viewer) as answer:
            networks = [n["network_id"] for n in await answer.json()]
        async with http.get("/api/cases", headers=viewer) as answer:
            cased = [c["network_id"] for c in await answer.json()]
        if not networks or not cased:
            raise SystemExit("the workspace has no networks or no cases to browse")
        began = time.perf_counter()
        for network_id in networks:  # warm-up, not measured: the dossiers once each
            async with http.get(f"/api/networks/{network_id}", headers=viewer) as answer:
                await answer.read()
        print(
            f"browsing {len(networks)} networks, {len(cased)} cases "
            f"(warm-up: every dossier once, {time.perf_counter() - began:.1f} s)"
        )
        kinds = list(mix)
        weights = list(mix.values())
        results = Results()
        issued = 0
        started = time.perf_counter()
        stop_at = started + duration

        async def one(rng: random.Random) -> None:
            kind = rng.choices(kinds, weights)[0]
            method, path, body, headers = "GET", "", None, viewer
            if kind == "network_list":
                path = "/api/networks"
            elif kind == "network_dossier":
                path = f"/api/networks/{rng.choice(networks)}"
            elif kind == "case_list":
                path = "/api/cases"
            elif kind == "takedown":
                path = "/api/takedown"
            elif kind == "audit":
                path = "/api/audit"
            else:
                method, headers = "POST", analyst
                path = f"/api/cases/{rng.choice(cased)}/notes"
                body = {"text": f"benchmark note {rng.randrange(1_000_000)}"}
            began = time.perf_counter()
            try:
                async with http.request(method, path, json=body, headers=headers) as answer:
                    text = await answer.read()
                    status = answer.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                results.errors[kind].append(f"{type(exc).__name__}: {exc}")
                return
            results.latency[kind].append(time.perf_counter() - began)
            if not 200 <= status < 300:
                results.errors[kind].append(f"HTTP {status}: {text[:120]!r}")

        async def client(number: int) -> None:
            nonlocal issued
            rng = random.Random(seed * 100_003 + number)
            while issued < requests and time.perf_counter() < stop_at:
                issued += 1  # one event loop: no race between the check and the count
                await one(rng)
                if think > 0:
                    await asyncio.sleep(rng.expovariate(1.0 / think))

        await asyncio.gather(*(client(i) for i in range(clients)))
        return results, time.perf_counter() - started, issued


def report(results: Results, elapsed: float, issued: int) -> None:
    """Print throughput, latency percentiles per kind and overall, and errors."""
    print(f"\n{issued:,} requests in {elapsed:.1f} s: {issued / elapsed:,.1f} requests/s")
    print(f"{'kind':<16}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}")
    every: list[float] = []
    for kind in [*MIX, *sorted(set(results.errors) - set(MIX))]:
        times = results.latency.get(kind, [])
        every.extend(times)
        count = len(times) + sum(
            1 for e in results.errors.get(kind, []) if not e.startswith("HTTP")
        )
        _row(kind, count, times, len(results.errors.get(kind, [])))
    errors = sum(len(v) for v in results.errors.values())
    _row("overall", issued, every, errors)
    for kind, messages in results.errors.items():
        for message in sorted(set(messages))[:3]:
            print(f"  {kind} error: {message}")
    p95 = float(np.percentile(every, 95)) * 1000 if every else float("inf")
    met = p95 < TARGET_P95_MS and errors == 0
    print(
        f"\ntarget p95 < {TARGET_P95_MS:.0f} ms with no errors: "
        f"{'MET' if met else 'NOT MET'} (p95 {p95:.1f} ms, {errors} errors)"
    )


def _row(kind: str, count: int, times: list[float], errors: int) -> None:
    if times:
        p50, p95, p99 = (float(v) * 1000 for v in np.percentile(times, [50, 95, 99]))
        print(f"{kind:<16}{count:>8}{p50:>10.1f}{p95:>10.1f}{p99:>10.1f}{errors:>8}")
    else:
        print(f"{kind:<16}{count:>8}{'-':>10}{'-':>10}{'-':>10}{errors:>8}")


def with_writes(share: float) -> dict[str, float]:
    """:data:`MIX` with ``share`` of writes, the reads scaled to fill the rest."""
    if not 0.0 <= share < 1.0:
        raise SystemExit("--writes must be at least 0 and below 1")
    reads = {k: v for k, v in MIX.items() if k != "note_write"}
    total = sum(reads.values())
    return {**{k: v * (1.0 - share) / total for k, v in reads.items()}, "note_write": share}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts in the world")
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=5_000, help="total requests at most")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds at most")
    parser.add_argument(
        "--workspace", type=Path, default=None, help="reuse this workspace (no build)"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause of a client between requests, seconds (0: back to back, the default)",
    )
    parser.add_argument(
        "--writes",
        type=float,
        default=MIX["note_write"],
        help=f"share of requests that write a note (default {MIX['note_write']})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the request mix")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cibwatch-api-") as tmp:
        workspace = args.workspace or build_workspace(args.posts, Path(tmp))
        port = free_port()
        server = start_server(workspace, port)
        try:
            print(
                f"server on 127.0.0.1:{port}; {args.clients} clients, at most "
                f"{args.requests:,} requests or {args.duration:.0f} s, think time "
                f"{args.think:g} s, writes {args.writes:.0%}"
            )
            results, elapsed, issued = asyncio.run(
                drive(
                    f"http://127.0.0.1:{port}",
                    args.clients,
                    args.requests,
                    args.duration,
                    args.think,
                    args.seed,
                    with_writes(args.writes),
                )
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        report(results, elapsed, issued)


if __name__ == "__main__":
    main()
