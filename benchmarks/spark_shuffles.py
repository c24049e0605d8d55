"""What a Spark run shuffled, read from its event log (not a timed test).

Why the event log: the number of shuffles is what the co-action steps' SQL decides (every
re-read of the shares or the pairs grouped or joined on other keys is one more), and it
does not depend on the other work on a shared machine as wall times do. Spark writes the
log itself when ``spark.eventLog.enabled`` is set, so the same count applies to any version
of the steps, before and after a change, with no probe in the library.

Printed: jobs, stages run (skipped stages, whose shuffle output was reused, are not),
shuffle map stages (stages that wrote shuffle output: one per exchange executed), the
records and bytes they wrote, the tasks' CPU seconds (the executors' work only: not the
driver's planning, code generation or garbage collection), and the same per SQL query, in
order, each named by the first words of its description.

    python benchmarks/coaction.py --sizes 1000000 --zipf 1.0 --engines spark \
        --spark-event-log /tmp/events
    python benchmarks/spark_shuffles.py /tmp/events/eventlog_v2_local-1234567890
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_WRITTEN_RECORDS = "internal.metrics.shuffle.write.recordsWritten"
_WRITTEN_BYTES = "internal.metrics.shuffle.write.bytesWritten"
_CPU_NANOS = "internal.metrics.executorCpuTime"


@dataclass
class Query:
    """One SQL execution: its text's first words and what its stages shuffled."""

    name: str
    stages: int = 0
    shuffle_stages: int = 0
    records: int = 0
    bytes: int = 0
    cpu: float = 0.0


@dataclass
class Summary:
    """What one application's event log says it ran and shuffled."""

    jobs: int = 0
    stages: int = 0
    shuffle_stages: int = 0
    records: int = 0
    bytes: int = 0
    cpu: float = 0.0
    queries: dict[int, Query] = field(default_factory=dict)


def _value(accumulables: Iterable[dict[str, object]], name: str) -> int:
    for item in accumulables:
        if item.get("Name") == name:
            return int(str(item.get("Value") or 0))
    return 0


def summarise(lines: Iterable[str]) -> Summary:
    """Add up the completed stages of an event log, per SQL execution and in all."""
    summary = Summary()
    query_of_stage: dict[int, int] = {}
    for line in lines:
        event = json.loads(line)
        kind = event.get("Event", "")
        if kind.endswith("SparkListenerSQLExecutionStart"):
            text = " ".join(str(event.get("description") or "").split())
            summary.queries[int(event["executionId"])] = Query(text[:70])
        elif kind == "SparkListenerJobStart":
            summary.jobs += 1
            execution = (event.get("Properties") or {}).get("spark.sql.execution.id")
            if execution is not None:
                for stage in event.get("Stage IDs", []):
                    query_of_stage[int(stage)] = int(execution)
        elif kind == "SparkListenerStageCompleted":
            info = event["Stage Info"]
            if "Submission Time" not in info:  # skipped: its output was reused
                continue
            records = _value(info.get("Accumulables", []), _WRITTEN_RECORDS)
            written = _value(info.get("Accumulables", []), _WRITTEN_BYTES)
            shuffled = 1 if records or written else 0
            cpu = _value(info.get("Accumulables", []), _CPU_NANOS) / 1e9
            summary.cpu += cpu
            summary.stages += 1
            summary.shuffle_stages += shuffled
            summary.records += records
            summary.bytes += written
            query = summary.queries.get(query_of_stage.get(int(info["Stage ID"]), -1))
            if query is not None:
                query.stages += 1
                query.shuffle_stages += shuffled
                query.records += records
                query.bytes += written
                query.cpu += cpu
    return summary


def read_log(path: Path) -> Summary:
    """Summarise one application's event log: a file, or (Spark 4's rolling logs) a folder
    of ``events_N_...`` files read in the order of N. Uncompressed only: the benchmarks
    set ``spark.eventLog.compress`` off (``zstd -d`` opens a compressed one)."""
    parts = [path]
    if path.is_dir():
        parts = sorted(path.glob("events_*"), key=lambda part: int(part.name.split("_")[1]))

    def read() -> Iterator[str]:
        for part in parts:
            with part.open() as each:
                yield from each

    return summarise(read())


def report(summary: Summary) -> str:
    """The summary as lines a person reads: totals first, then each query that ran stages."""
    lines = [
        f"jobs {summary.jobs}, stages run {summary.stages}, shuffle map stages "
        f"{summary.shuffle_stages}, shuffle written {summary.records:,} records, "
        f"{summary.bytes / 1e6:,.0f} MB; tasks' CPU {summary.cpu:,.1f} s"
    ]
    for number, query in sorted(summary.queries.items()):
        if query.stages:
            lines.append(
                f"  #{number:<3} {query.shuffle_stages} shuffles / {query.stages} stages, "
                f"{query.records:>12,} records {query.bytes / 1e6:>8,.0f} MB "
                f"{query.cpu:>7,.1f} CPU s  {query.name}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "logs", nargs="+", type=Path, help="event logs: an application's file or folder"
    )
    args = parser.parse_args()
    for path in args.logs:
        print(f"{path.name}: {report(read_log(path))}")


if __name__ == "__main__":
    main()
