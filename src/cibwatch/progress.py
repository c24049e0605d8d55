"""Progress of a long run, as values a client renders: step k of n, rows, elapsed, remaining.

The library only reports (:class:`StepUpdate`); the command line draws a live line on a
terminal and prints plain lines otherwise (a log file, a CI job), so the library never knows
where its progress goes.

>>> u = StepUpdate(index=3, steps=14, name="detect persona", elapsed=65.0, step_elapsed=4.0,
...                rows=250_000, total_rows=1_000_000)
>>> u.line()
'[3/14] detect persona: 250,000 of 1,000,000 rows, 4 s in step, 12 s left; elapsed 1:05'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

#: Plain (non-terminal) output repeats a running step's line at most this often (seconds).
PLAIN_EVERY: Final = 10.0


@dataclass(frozen=True)
class StepUpdate:
    """Where a run is: step ``index`` of ``steps`` and, when known, rows done of the total.

    ``status`` is ``running`` while a step works and ``ok``, ``skipped`` or ``failed`` once
    it ends (``message`` then says why a step was skipped or how it failed).
    """

    index: int
    steps: int
    name: str
    elapsed: float
    step_elapsed: float = 0.0
    rows: int | None = None
    total_rows: int | None = None
    status: str = "running"
    message: str = ""

    def remaining(self) -> float | None:
        """Seconds left in this step, from its rate so far; None when rows are not known."""
        if not self.rows or not self.total_rows or self.step_elapsed <= 0:
            return None
        return max(0.0, self.step_elapsed * (self.total_rows - self.rows) / self.rows)

    def line(self) -> str:
        """The update as one line of plain text."""
        parts = [f"[{self.index}/{self.steps}] {self.name}"]
        detail = []
        if self.rows is not None:
            detail.append(
                f"{self.rows:,} of {self.total_rows:,} rows"
                if self.total_rows
                else f"{self.rows:,} rows"
            )
        if self.status == "running" and self.rows is None and self.step_elapsed == 0:
            detail.append("started")
        elif self.status == "running":
            detail.append(f"{self.step_elapsed:.0f} s in step")
            left = self.remaining()
            if left is not None:
                detail.append(f"{left:.0f} s left")
        else:
            detail.append(f"{self.status} in {self.step_elapsed:.1f} s")
            if self.message:
                detail.append(self.message)
        return f"{parts[0]}: {', '.join(detail)}; elapsed {_clock(self.elapsed)}"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


Report = Callable[[StepUpdate], None]


class StepClock:
    """Counts steps and times them, and hands each change to ``report``.

    >>> seen = []
    >>> clock = StepClock(2, seen.append)
    >>> clock.start("ingest a.csv")
    >>> clock.finish()
    >>> [(u.index, u.name, u.status) for u in seen]
    [(1, 'ingest a.csv', 'running'), (1, 'ingest a.csv', 'ok')]
    """

    def __init__(self, steps: int, report: Report | None = None) -> None:
        self.steps = steps
        self.report = report
        self.index = 0
        self._t0 = time.perf_counter()
        self._step_t0 = self._t0
        self._current: StepUpdate | None = None

    def start(self, name: str, total_rows: int | None = None) -> None:
        self.index += 1
        self._step_t0 = time.perf_counter()
        self._current = StepUpdate(
            index=self.index,
            steps=max(self.steps, self.index),
            name=name,
            elapsed=self._step_t0 - self._t0,
            total_rows=total_rows,
        )
        self._send(self._current)

    def rows(self, done: int) -> None:
        """Rows done so far in the current step (a callback for ingest and other batches)."""
        if self._current is not None:
            self._current = replace(self._current, rows=done)
            self._send(self._now(self._current))

    def finish(self, status: str = "ok", message: str = "") -> None:
        if self._current is not None:
            self._send(self._now(replace(self._current, status=status, message=message)))
            self._current = None

    def _now(self, update: StepUpdate) -> StepUpdate:
        now = time.perf_counter()
        return replace(update, elapsed=now - self._t0, step_elapsed=now - self._step_t0)

    def _send(self, update: StepUpdate) -> None:
        if self.report is not None:
            self.report(update)
