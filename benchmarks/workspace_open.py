"""What the workspace file checks cost when a workspace is opened (issue 13, item 8).

Opening a workspace for writing reads every storage block against its checksum
(:func:`cibwatch.workspacefile.suspect_blocks`), so that a damaged file is refused before a
write; a read-only open only reads the headers and the free list. This builds a workspace of
``--rows`` posts (or takes ``--workspace``) and prints its size, the time of each check and
of each kind of open (best of ``--repeat``, the file in the page cache), and the checksum
scan's throughput.

    python benchmarks/workspace_open.py --rows 8000000
    python benchmarks/workspace_open.py --workspace demo-output/workspace.duckdb
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cibwatch.workspace import Workspace
from cibwatch.workspacefile import check_file, suspect_blocks


def _build(path: Path, rows: int) -> None:
    with Workspace(path, memory_limit="2GB") as ws:
        ws.connection.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text) "
            "SELECT 'x', i::VARCHAR, (i % 1000)::VARCHAR, TIMESTAMP '2024-01-01' + i * "
            "INTERVAL 1 SECOND, md5(i::VARCHAR) || md5((i * 7)::VARCHAR) FROM range(?) t(i)",
            [rows],
        )


def _best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.workspace
        if path is None:
            path = Path(folder) / "bench.duckdb"
            _build(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"workspace: {size_mb:,.1f} MB")
        check = _best(args.repeat, lambda: check_file(path))
        scan = _best(args.repeat, lambda: suspect_blocks(path))
        read = _best(args.repeat, lambda: Workspace(path, read_only=True).close())
        write = _best(args.repeat, lambda: Workspace(path).close())
        print(f"check_file (headers, free list): {check * 1000:8.1f} ms")
        print(
            f"checksum scan of every block:    {scan * 1000:8.1f} ms ({size_mb / scan:,.0f} MB/s)"
        )
        print(f"open read-only:                  {read * 1000:8.1f} ms")
        print(f"open for writing (with scan):    {write * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
