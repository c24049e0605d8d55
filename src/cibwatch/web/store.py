"""The workspace behind the web service: concurrent reads, serialised writes, cached views.

DuckDB opens a database file once per process and a connection must not be shared between
threads. And while the service holds the file open, no other process can write to it (DuckDB
locks the file), so every change to the workspace passes through :meth:`Store.write`. Hence:

* **reads** use one handle per server thread (:meth:`Workspace.cursor`), so requests read in
  parallel and each sees the data committed before it started;
* **writes** (case changes, enforcement) go through the workspace's own connection behind a
  lock, one at a time, which keeps the audit log's hash chain a single line; each write
  moves the store's *generation* on;
* **views** (an encoded answer: the case list, the audit log...) are kept until a write
  changes a table they read: each write names the tables it changes and each view the tables
  it reads (:data:`cibwatch.web.views.CHANGES` and ``READS``), so a note does not throw away
  the network list;
* **views of an assembly** (the network list, dossiers, network page contents) are kept per
  assembly run by :meth:`Store.assembled`: an assembly is never changed after it is written,
  so case changes do not throw them away.

Concurrent requests for the same missing entry wait for one computation instead of each
running it (a dossier of a large network takes a second).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

from fastapi.concurrency import run_in_threadpool

from cibwatch.cases.names import ensure_names_table
from cibwatch.cases.store import ensure_tables
from cibwatch.errors import WorkspaceError
from cibwatch.workspace import Workspace

T = TypeVar("T")
Stamp = tuple[int, ...]

#: What the service's writes can change, by table: the case tables, and ``networks`` for the
#: assembly (which only another ``cibwatch investigate`` replaces, never the service).
TABLES: Final = (
    "cases",
    "case_notes",
    "case_decisions",
    "case_audit",
    "enforcement_actions",
    "network_names",
    "networks",
)
#: Keys kept per memo at most.
MAX_KEPT: Final = 4096


class _Memo:
    """Values kept per key with the *stamp* they were computed at; one computation per key.

    A stamp is a tuple of table versions, which only grow: a value is served while its stamp
    is current, and a request holding an older stamp (it began before a write) is answered
    without replacing a newer value. At most :data:`MAX_KEPT` keys are kept (keys carry query
    values, so crafted requests must not grow memory without bound).
    """

    def __init__(self, guard: threading.Lock) -> None:
        self._guard = guard
        self._values: dict[Hashable, tuple[Stamp, Any]] = {}
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, stamp: Stamp, key: Hashable) -> tuple[bool, Any]:
        with self._guard:
            kept = self._values.get(key)
        return (True, kept[1]) if kept is not None and kept[0] == stamp else (False, None)

    def compute(self, stamp: Stamp, key: Hashable, compute: Callable[[], T]) -> T:
        found, value = self.get(stamp, key)
        if found:
            return value  # type: ignore[no-any-return]
        with self._guard:
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            found, value = self.get(stamp, key)
            if found:
                return value  # type: ignore[no-any-return]
            result = compute()
            with self._guard:
                kept = self._values.get(key)
                if kept is None or all(n >= o for n, o in zip(stamp, kept[0], strict=True)):
                    if len(self._values) >= MAX_KEPT:
                        self._values, self._computing = {}, {key: lock}
                    self._values[key] = (stamp, result)
            return result


class Store:
    """One open workspace shared by the service's threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.workspace = Workspace(path)
        ensure_tables(self.workspace)  # here, so that readers never create tables
        ensure_names_table(self.workspace)
        self._write = threading.Lock()
        self._local = threading.local()
        self._handles: list[Workspace] = []
        self._guard = threading.Lock()  # guards the handle list and the memos
        self._views = _Memo(self._guard)
        self._assemblies = _Memo(self._guard)
        self._generation = 0
        self._versions = dict.fromkeys(TABLES, 0)
        self._closed = False

    @property
    def generation(self) -> int:
        """How many writes the store has made: whole answers kept before the last are stale."""
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
    def write(self, changes: Iterable[str] = TABLES) -> Iterator[Workspace]:
        """The workspace's writing connection, held by one request at a time.

        ``changes`` names the tables the write may change (all of them by default); views
        reading them are recomputed afterwards. ``tests/test_web_store.py`` checks every
        declaration of the service against what its write really changes.
        """
        changed = list(changes)
        if unknown := sorted(set(changed) - set(TABLES)):
            raise WorkspaceError(f"not tables the service writes: {', '.join(unknown)}")
        with self._write:
            try:
                yield self.workspace
            finally:  # a failed write may have changed nothing, but assume it did
                for table in changed:
                    self._versions[table] += 1
                self._generation += 1

    def stamp(self, reads: Iterable[str]) -> Stamp:
        """The versions of the tables ``reads``: a view computed at them is current."""
        return tuple(self._versions[t] for t in reads)

    async def view(
        self, key: Hashable, compute: Callable[[Workspace], T], reads: Iterable[str] = TABLES
    ) -> T:
        """``compute`` on a read handle, kept until a write changes a table it ``reads``."""
        stamp = self.stamp(reads)  # read before the data: a later write makes it stale
        found, value = self._views.get(stamp, key)
        if found:
            return value  # type: ignore[no-any-return]

        def run() -> T:
            with self.read() as ws:
                return self._views.compute(stamp, key, lambda: compute(ws))

        return await run_in_threadpool(run)

    def assembled(self, ws: Workspace, key: Hashable, compute: Callable[[Workspace], T]) -> T:
        """``compute(ws)`` for the latest assembly run, computed once and then kept."""
        stamp = self.stamp(("networks",))
        run = self._views.compute(stamp, ("latest run",), lambda: _latest_run(ws))
        return self._assemblies.compute((run or 0,), key, lambda: compute(ws))

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
