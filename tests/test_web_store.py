"""The web service's workspace store: parallel reads, one writer, a per-assembly cache."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cibwatch.cases import (
    add_note,
    approve_action,
    assign,
    case_notes,
    decide,
    name_network,
    open_cases,
    reject_action,
    run_rules,
    set_status,
)
from cibwatch.cases.enforcement import RecidivismRule
from cibwatch.errors import WorkspaceError
from cibwatch.web.store import TABLES, Store
from cibwatch.web.views import CHANGES, linking, networks_by_id
from cibwatch.workspace import Workspace


def _assembly(ws: Workspace, run_id: int, network_id: str, members: list[str]) -> None:
    ws.connection.execute(
        "INSERT INTO networks VALUES (?, ?, NULL, ?, 0.9, '{}', '{}')",
        [run_id, network_id, len(members)],
    )
    for member in members:
        ws.connection.execute(
            "INSERT INTO network_members VALUES (?, ?, ?, 1, 1.0)", [run_id, network_id, member]
        )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        _assembly(ws, 1, "N-one", ["x:a", "x:b"])
    return Store(path)


def test_each_thread_reads_on_its_own_handle(store: Store) -> None:
    seen: dict[str, int] = {}

    def read() -> None:
        with store.read() as ws:
            seen[threading.current_thread().name] = id(ws.connection)
            with store.read() as again:  # the same thread gets the same handle back
                assert again is ws

    threads = [threading.Thread(target=read, name=f"t{i}") for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen.values())) == 3
    assert id(store.workspace.connection) not in seen.values()
    store.close()


def test_the_kept_narrative_linking_answers_through_each_threads_own_handle(
    store: Store,
) -> None:
    """Kept once, but read through the asking thread's handle: DuckDB refuses a connection
    busy in another thread (the narrative page failed with 503 when it reused the handle of
    the thread that had computed the linking)."""
    answered: dict[str, tuple[int, int | None, list[str]]] = {}

    def read(name: str) -> None:
        with store.read() as ws:
            joined = linking(store, ws)
            assert joined.workspace is ws
            answered[name] = (id(joined.links), joined.run_id, joined.posts_of("text:none"))

    for name in ("first", "second"):
        thread = threading.Thread(target=read, args=(name,))
        thread.start()
        thread.join()
    assert answered["first"] == answered["second"], "computed once, the same run and links"
    store.close()


def test_writes_serialise_and_readers_see_them_while_reading_in_parallel(store: Store) -> None:
    with store.write() as ws:
        open_cases(ws, "ana")

    def write(i: int) -> None:
        with store.write() as ws:
            add_note(ws, "N-one", f"note {i}", "ana")

    def read(_i: int) -> int:
        with store.read() as ws:
            return len(networks_by_id(store, ws))

    with ThreadPoolExecutor(8) as pool:
        writes = [pool.submit(write, i) for i in range(20)]
        reads = [pool.submit(read, i) for i in range(40)]
        assert all(r.result() == 1 for r in reads)
        for w in writes:
            w.result()  # re-raises any error of a write
    with store.read() as ws:
        texts = sorted(n.text for n in case_notes(ws, "N-one"))
    assert texts == sorted(f"note {i}" for i in range(20))
    store.close()


def test_the_cache_follows_the_latest_assembly(store: Store) -> None:
    calls: list[int] = []

    def count(ws: Workspace) -> int:
        calls.append(1)
        return ws.count("network_members")

    with store.read() as ws:
        assert store.assembled(ws, "members", count) == 2
        assert store.assembled(ws, "members", count) == 2
        assert len(calls) == 1  # kept for the same assembly
        assert list(networks_by_id(store, ws)) == ["N-one"]
    with store.write() as ws:
        _assembly(ws, 2, "N-two", ["x:c", "x:d", "x:e"])
    with store.read() as ws:
        assert store.assembled(ws, "members", count) == 5  # a new run: computed again
        assert len(calls) == 2
        assert list(networks_by_id(store, ws)) == ["N-two"]
    store.close()


def test_concurrent_misses_compute_once(store: Store) -> None:
    calls: list[int] = []
    gate = threading.Event()

    def slow(_ws: Workspace) -> str:
        calls.append(1)
        gate.wait(5)
        return "dossier"

    def ask(_i: int) -> str:
        with store.read() as ws:
            return store.assembled(ws, "slow", slow)

    with ThreadPoolExecutor(6) as pool:
        answers = [pool.submit(ask, i) for i in range(6)]
        time.sleep(0.2)  # let the others arrive while the first computes
        gate.set()
        assert [a.result() for a in answers] == ["dossier"] * 6
    assert len(calls) == 1
    store.close()


def test_a_closed_store_refuses_new_readers(store: Store) -> None:
    store.close()
    box: list[BaseException] = []

    def read() -> None:
        try:
            with store.read():
                pass
        except WorkspaceError as exc:
            box.append(exc)

    t = threading.Thread(target=read)
    t.start()
    t.join()
    assert box and "closed" in str(box[0])


def _tables(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    return {
        t: sorted(ws.connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
        for t in TABLES
    }


def test_every_declared_change_covers_what_the_library_writes(store: Store) -> None:
    """A write that changed a table it did not declare would leave stale views behind."""
    ws = store.workspace
    with ws.transaction() as con:  # two pending actions, as a rule run would queue
        for action_id in (1, 2):
            con.execute(
                "INSERT INTO enforcement_actions VALUES "
                "(?, 'recidivism', 'N-one', 'x', 'account', 'x:z', 'returning', NULL, "
                "'pending', TIMESTAMP '2024-06-03 08:00:00', NULL, NULL, NULL)",
                [action_id],
            )
    run = ws.start_run("detect", "recidivism", {})  # a returning asset for the rule to act on
    ws.connection.execute(
        "INSERT INTO evidence VALUES (?, 'recidivism', 'recidivism', 'account', 'x:y', NULL, "
        "1.0, NULL, NULL, true, 'x:y matches anna1987', [], ?)",
        [run, json.dumps({"asset": "x:y", "indicator": "anna1987", "network": "N-one"})],
    )
    ws.finish_run(run)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("open", lambda: open_cases(ws, "ana")),
        ("status", lambda: set_status(ws, "N-one", "in_review", "ana")),
        ("note", lambda: add_note(ws, "N-one", "odd hours", "ana")),
        ("assign", lambda: assign(ws, "N-one", "ana", "ana")),
        ("name", lambda: name_network(ws, "N-one", "Office hours", "ana")),
        ("status", lambda: decide(ws, "N-one", "confirm", "same office hours", "ana")),
        ("rules", lambda: run_rules(ws, [RecidivismRule()], dry_run=False, actor="adam")),
        ("action", lambda: approve_action(ws, 1, "adam")),
        ("action", lambda: reject_action(ws, 2, "adam", reason="a journalist")),
    ]
    for kind, step in steps:
        before = _tables(ws)
        with store.write(CHANGES[kind]):
            step()
        after = _tables(ws)
        changed = {t for t in TABLES if before[t] != after[t]}
        assert changed, f"{kind} changed nothing: the step does not test its declaration"
        assert changed <= set(CHANGES[kind]), (kind, changed - set(CHANGES[kind]))
    store.close()


def test_a_write_recomputes_only_the_views_reading_what_it_changed(store: Store) -> None:
    calls: list[str] = []

    def counted(name: str) -> Callable[[Workspace], int]:
        def compute(ws: Workspace) -> int:
            calls.append(name)
            return ws.count("cases")

        return compute

    async def both() -> None:
        await store.view("cases", counted("cases"), ("cases",))
        await store.view("notes", counted("notes"), ("case_notes",))

    asyncio.run(both())
    with store.write(CHANGES["open"]) as ws:
        open_cases(ws, "ana")
    asyncio.run(both())
    assert calls == ["cases", "notes", "cases"]  # the notes view was kept
    with pytest.raises(WorkspaceError, match="not tables"), store.write(("posts",)):
        pass
    store.close()
