"""The workspace behind the web service: concurrent reads, serialised writes, cached views.

DuckDB opens a database file once per process and a connection must not be shared between
threads. So:

* **reads** use one handle per server thread (:meth:`Workspace.cursor`), so requests read in
  parallel and each sees the data committed before it started;
* **writes** (case changes, enforcement) go through the workspace's own connection behind a
  lock, one at a time, which keeps the audit log's hash chain a single line;
* **views of an assembly** (the network list, dossiers, the network pages' contents) are
  computed once per network per assembly run and kept: an assembly is never changed after it
  is written, and only another ``cibwatch investigate`` makes a new one. The cache is keyed by
  the latest run id, read on every use, so a new assembly is picked up at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cibwatch.cases.store import ensure_tables
from cibwatch.errors import WorkspaceError
from cibwatch.workspace import Workspace

T = TypeVar("T")


class Store:
    """One open workspace shared by the service's threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.workspace = Workspace(path)
        ensure_tables(self.workspace)  # here, so that readers never create tables
        self._write = threading.Lock()
        self._local = threading.local()
        self._handles: list[Workspace] = []
        self._guard = threading.Lock()  # guards the handle list and the cache maps
        self._cache_run: int | None = None
        self._cache: dict[Hashable, Any] = {}
        self._computing: dict[Hashable, threading.Lock] = {}
        self._closed = False

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
            yield self.workspace

    def assembled(self, ws: Workspace, key: Hashable, compute: Callable[[Workspace], T]) -> T:
        """``compute(ws)`` for the latest assembly run, computed once and then kept.

        Concurrent requests for the same missing key wait for one computation instead of each
        running it (a dossier of a large network takes a while).
        """
        row = ws.connection.execute("SELECT max(run_id) FROM networks").fetchone()
        run = None if row is None or row[0] is None else int(row[0])
        with self._guard:
            if run != self._cache_run:
                self._cache_run, self._cache, self._computing = run, {}, {}
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if self._cache_run == run and key in self._cache:
                    return self._cache[key]  # type: ignore[no-any-return]
            value = compute(ws)
            with self._guard:
                if self._cache_run == run:
                    self._cache[key] = value
            return value

    def close(self) -> None:
        """Close every handle and the workspace, after any write in flight."""
        with self._write, self._guard:
            self._closed = True
            for handle in self._handles:
                handle.close()
            self._handles.clear()
            self.workspace.close()
