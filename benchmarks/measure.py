"""What the benchmarks read of their own process: resident memory and CPU seconds.

One copy for every script of this folder (each runs as ``python benchmarks/NAME.py``, which
puts this folder on ``sys.path``).
"""

from __future__ import annotations

import resource


def rss_gb() -> float:
    """This process's resident memory now, in GB (DuckDB, Arrow and Python together)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def cpu_seconds() -> float:
    """CPU seconds of this process so far, every thread, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
