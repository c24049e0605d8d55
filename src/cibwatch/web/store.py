"""The workspace behind the web service: concurrent reads, serialised writes, cached views.

DuckDB opens a database file once per process and a connection must not be shared between
threads. And while the service holds the file open, no other process can write to it (DuckDB
locks the file), so every change to the workspace passes through :meth:`Store.write`. Hence:

* **reads** use one handle per server thread (:meth:`Workspace.cursor`), so requests read in
  parallel and each sees the data committed before it started;
* **writes** (case changes, enforcement) go through the workspace's own connection behind a
  lock, one at a time, which keeps the audit log's hash chain a single line; each write
  moves the store's *generation* on;
* **views** (an encoded answer: the case list, the audit log...) are kept until the next
  write: :meth:`Store.view` answers from memory while the generation is unchanged;
* **views of an assembly** (the network list, dossiers, network page contents) are kept per
  assembly run by :meth:`Store.assembled`: an assembly is never changed after it is written,
  so case changes do not throw them away.

Concurrent requests for the same missing entry wait for one computation instead of each
running it (a dossier of a large network takes a second).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from fastapi.concurrency import run_in_threadpool

from cibwatch.cases.store import ensure_tables
from cibwatch.errors import WorkspaceError
from cibwatch.workspace import Workspace

T = TypeVar("T")


class _Memo:
    """Values computed once per ``stamp`` (a generation or a run id), one computation each.

    Stamps only grow: a newer stamp drops every value kept, and a request still holding an
    older stamp is answered without disturbing what is kept.
    """

    def __init__(self, guard: threading.Lock) -> None:
        self._guard = guard
        self._stamp = -1
        self._values: dict[Hashable, Any] = {}
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, stamp: int, key: Hashable) -> tuple[bool, Any]:
        with self._guard:
            if stamp != self._stamp:
                return False, None
            return (True, self._values[key]) if key in self._values else (False, None)

    def compute(self, stamp: int, key: Hashable, compute: Callable[[], T]) -> T:
        with self._guard:
            if stamp > self._stamp:
                self._stamp, self._values, self._computing = stamp, {}, {}
            current = stamp == self._stamp
            if current and key in self._values:
                return self._values[key]  # type: ignore[no-any-return]
            lock = self._computing.setdefault(key, threading.Lock()) if current else None
        if lock is None:  # a request that began before the latest change: answer, keep nothing
            return compute()
        with lock:
            found, value = self.get(stamp, key)
            if found:
                return value  # type: ignore[no-any-return]
            result = compute()
            with self._guard:
                if stamp == self._stamp:
                    self._values[key] = result
            return result


class Store:
    """One open workspace shared by the service's threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.workspace = Workspace(path)
        ensure_tables(self.workspace)  # here, so that readers never create tables
        self._write = threading.Lock()
        self._local = threading.local()
        self._handles: list[Workspace] = []
        self._guard = threading.Lock()  # guards the handle list and the memos
        self._views = _Memo(self._guard)
        self._assemblies = _Memo(self._guard)
        self._generation = 0
        self._closed = False

    @property
    def generation(self) -> int:
        """How many writes the store has made: views computed before the last are stale."""
        return self._generation

    @contextmanager
    def read(self) -> Iterator[Workspace]:
        """This thread's read handle on the workspace."""
        handle: Workspace | None = getattr(self._local, "handle", None)
        if handle is None:
            with self._guard:
                if self._closed:
                    raise WorkspaceError(f"{self.path}: the service has closed the workspace")
                handle = self.workspace.cursor()
                self._handles.append(handle)
            self._local.handle = handle
        yield handle

    @contextmanager
    def write(self) -> Iterator[Workspace]:
        """The workspace's writing connection, held by one request at a time."""
        with self._write:
            try:
                yield self.workspace
            finally:  # a failed write may have changed nothing, but assume it did
                self._generation += 1

    async def view(self, key: Hashable, compute: Callable[[Workspace], T]) -> T:
        """``compute`` on a read handle, kept until the next write (off the event loop)."""
        generation = self._generation  # read before the data: a later write makes it stale
        found, value = self._views.get(generation, key)
        if found:
            return value  # type: ignore[no-any-return]

        def run() -> T:
            with self.read() as ws:
                return self._views.compute(generation, key, lambda: compute(ws))

        return await run_in_threadpool(run)

    def assembled(self, ws: Workspace, key: Hashable, compute: Callable[[Workspace], T]) -> T:
        """``compute(ws)`` for the latest assembly run, computed once and then kept."""
        run = self._views.compute(self._generation, ("latest run",), lambda: _latest_run(ws))
        return self._assemblies.compute(-1 if run is None else run, key, lambda: compute(ws))

    def close(self) -> None:
        """Close every handle and the workspace, after any write in flight."""
        with self._write, self._guard:
            self._closed = True
            for handle in self._handles:
                handle.close()
            self._handles.clear()
            self.workspace.close()


def _latest_run(ws: Workspace) -> int | None:
    row = ws.connection.execute("SELECT max(run_id) FROM networks").fetchone()
    return None if row is None or row[0] is None else int(row[0])
