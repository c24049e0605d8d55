"""Hostile and broken input: every format's fixtures, mutated with a fixed seed.

Each generated case is one fixture with one mutation (truncation, byte flips, bad
encodings, quote faults, huge rows, JSON nested 3,000 deep, values of the wrong type,
1e23 counts, millisecond times, duplicated lines). For every case the ingest must end in
one of two ways, and nothing else:

- a clean :class:`~cibwatch.errors.CibwatchError` (naming the file), after which the
  workspace is exactly as before; or
- exact accounting: read = stored + rejected + duplicate, the ingest's rejects rows are
  its rejected and duplicate rows, and its posts are among the rows it says it stored.

Any other exception (a traceback) fails the case. The suite generates :data:`CASES`
cases (at least 1,000, in CI too). Every case's reader is drained (where the tracebacks
came from), and every case is then loaded, end to end, into one reused workspace, so a
later case also meets the posts of the earlier ones as duplicates.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cibwatch.errors import CibwatchError
from cibwatch.ingest import csvsource
from cibwatch.ingest.base import IngestOptions, Reject, StagedBatch
from cibwatch.ingest.generic import MAP_SOURCE, load_column_map
from cibwatch.ingest.loader import read_source
from cibwatch.ingest.registry import detect_format, get_ingester
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES

SEED = 20261205
#: Cases generated per fixture and mutation, so that the total is at least 1,000.
PER_PAIR = 3
#: Fixtures, each with the options it is ingested with (format None: detected).
SOURCES: list[tuple[str, dict[str, Any]]] = [
    ("twarc/search.jsonl", {}),
    ("twarc/flattened.jsonl", {}),
    ("io_archive/tweets.csv", {}),
    ("io_archive/users.csv", {}),
    ("troll_tweets/IRAhandle_tweets_1.csv", {"assume_tz": "UTC"}),
    ("troll_tweets/by_author_tweets.csv", {}),
    ("troll_tweets/by_author_authors.csv", {}),
    ("crowdtangle/pages.csv", {}),
    ("crowdtangle/groups.csv", {}),
    ("crowdtangle/content_library.csv", {}),
    ("telegram/result.json", {}),
    ("assets/assets.csv", {}),
    ("assets/ads_api.csv", {}),
    ("assets/ads_ranges.csv", {}),
    ("generic/posts.csv", {}),
    ("generic/posts.jsonl", {}),
    ("generic/accounts.csv", {}),
    ("generic/mapped.csv", {"column_map": str(FIXTURES / "generic" / "column_map.json")}),
]

Mutation = Callable[[bytes, random.Random], bytes]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def bad_encoding(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:  # a stray Latin-1 / invalid UTF-8 byte sequence
        at = rng.randrange(len(data))
        return data[:at] + rng.choice([b"\xe9", b"\xff\xfe", b"\xc3(", b"\x80"]) + data[at:]
    if choice == 1:  # the whole file in UTF-16 (with BOM)
        return data.decode("utf-8").encode("utf-16")
    return data.decode("utf-8").encode("utf-16-le")  # UTF-16 without BOM


def quote_fault(data: bytes, rng: random.Random) -> bytes:
    out = data
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(out))
        out = out[:at] + b'"' + out[at:]
    return out


def huge_row(data: bytes, rng: random.Random) -> bytes:
    # Longer than the (patched, 4 KiB) block: with or without a line end after it.
    lines = data.split(b"\n")
    at = rng.randrange(1, max(2, len(lines)))
    filler = b"x" * rng.choice([5_000, 20_000])
    lines.insert(at, filler if rng.random() < 0.5 else b'"' + filler)
    return b"\n".join(lines)


def line_ends(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r", b"\r\n", b"\n\n"]))


def duplicate_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(1, max(2, len(lines)))
        lines.insert(i, lines[min(i, len(lines) - 1)])
    return b"\n".join(lines)


def _json_values(data: bytes, rng: random.Random, make: Callable[[Any], Any]) -> bytes:
    """Replace a random JSON value (or CSV cell) with ``make(old)``."""
    text = data.decode("utf-8")
    try:
        document = json.loads(text)
        lines = None
    except json.JSONDecodeError:
        document = None
        lines = text.split("\n")
    if document is not None:
        _replace_random(document, rng, make)
        return json.dumps(document).encode()
    if lines and lines[0].lstrip().startswith("{"):
        i = rng.randrange(len(lines))
        try:
            record = json.loads(lines[i])
        except json.JSONDecodeError:
            return data
        _replace_random(record, rng, make)
        lines[i] = json.dumps(record)
        return "\n".join(lines).encode()
    # CSV: replace a cell of a data row with the value written as text.
    rows = text.split("\n")
    i = rng.randrange(1, max(2, len(rows)))
    if i >= len(rows):
        return data
    cells = rows[i].split(",")
    j = rng.randrange(len(cells))
    value = make(cells[j])
    cells[j] = '"' + json.dumps(value).replace('"', '""') + '"'
    rows[i] = ",".join(cells)
    return "\n".join(rows).encode()


def _replace_random(node: Any, rng: random.Random, make: Callable[[Any], Any]) -> None:
    paths: list[tuple[Any, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                paths.append((value, key))
                walk(child)
        elif isinstance(value, list):
            for index, child in enumerate(value):
                paths.append((value, index))
                walk(child)

    walk(node)
    if paths:
        parent, key = rng.choice(paths)
        parent[key] = make(parent[key])


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    text = "[" * 3_000 + '"x"' + "]" * 3_000  # built as text: json.dumps would recurse
    if data.lstrip().startswith(b"{"):
        return _json_values(data, rng, lambda _old: "\x00DEEP\x00").replace(
            b'"\\u0000DEEP\\u0000"', text.encode()
        )
    return data.rstrip(b"\n") + b"\n" + text.encode() + b"\n"


def wrong_types(data: bytes, rng: random.Random) -> bytes:
    kinds: list[Callable[[Any], Any]] = [
        lambda old: [old, old],
        lambda old: {"v": old},
        lambda _old: 12345,
        lambda _old: None,
        lambda _old: True,
    ]
    return _json_values(data, rng, rng.choice(kinds))


def extreme_numbers(data: bytes, rng: random.Random) -> bytes:
    return _json_values(data, rng, lambda _old: rng.choice([1e23, 10**23, -(10**19), 1e308]))


def ms_times(data: bytes, rng: random.Random) -> bytes:
    return _json_values(data, rng, lambda _old: rng.choice([1614600000000, "1614600000000"]))


MUTATIONS: list[Mutation] = [
    truncate,
    flip_bytes,
    bad_encoding,
    quote_fault,
    huge_row,
    line_ends,
    duplicate_lines,
    deep_nesting,
    wrong_types,
    extreme_numbers,
    ms_times,
]
CASES = len(SOURCES) * len(MUTATIONS) * PER_PAIR * 2  # x2: detected and named format


def fuzz_cases() -> Iterator[tuple[str, dict[str, Any], Mutation, int, bytes]]:
    """Every case of the suite, byte for byte: (fixture, options, mutation, number, data).

    One fixed seed and one order, so other tests (the CSV block reader's) see the same bytes.
    """
    rng = random.Random(SEED)
    for name, options in SOURCES:
        original = (FIXTURES / name).read_bytes()
        for mutation in MUTATIONS:
            for n in range(PER_PAIR * 2):
                try:
                    data = mutation(original, rng)
                except (UnicodeError, ValueError):
                    # Not applicable to this fixture (e.g. not text): flip bytes instead.
                    data = flip_bytes(original, rng)
                yield name, options, mutation, n, data


@dataclass
class Tally:
    """How the cases ended (printed at the end, quoted in the issue)."""

    refused: int = 0
    accounted: int = 0
    loaded: int = 0
    tracebacks: int = 0  # from reading; a load's traceback is listed in the failures


def _state(ws: Workspace) -> tuple[int, ...]:
    return tuple(ws.count(t) for t in ("posts", "accounts", "ingests", "rejects"))


def _formats() -> dict[str, str]:
    """Each fixture's own format, to ingest half the cases with ``--format`` named."""
    return {name: detect_format(FIXTURES / name).name for name, _ in SOURCES}


def _read(path: Path, fmt: str | None, options: dict[str, Any]) -> tuple[int, int]:
    """Drain the reader the loader would use, through the loader's edge: (staged, rejected)."""
    ingester = get_ingester(fmt) if fmt else detect_format(path)
    column_map = options.get("column_map")
    opts = IngestOptions(assume_tz=options.get("assume_tz"))
    if column_map is not None:
        opts.column_map, opts.extra[MAP_SOURCE] = load_column_map(column_map)
    staged = rejected = 0
    for item in read_source(ingester, path, opts):
        if isinstance(item, Reject):
            rejected += 1
        elif isinstance(item, StagedBatch):
            staged += item.batch.num_rows
    return staged, rejected


def _load(
    ws: Workspace, path: Path, fmt: str | None, options: dict[str, Any], case: str
) -> list[str]:
    """Ingest one case; return what is wrong with how it ended (nothing: it ended cleanly)."""
    before = _state(ws)
    try:
        report = ws.ingest(path, format=fmt, **options)
    except CibwatchError as exc:
        problems = []
        if _state(ws) != before:
            problems.append(f"{case}: workspace changed on error")
        if str(path) not in str(exc) and "--" not in str(exc):
            problems.append(f"{case}: error does not name the file: {exc}")
        return problems
    problems = []
    counted = report.rows_stored + report.rows_rejected + report.rows_duplicate
    if report.rows_read != counted:
        problems.append(f"{case}: read {report.rows_read} != {counted}")
    rejects = ws.query("SELECT count(*) AS n FROM rejects WHERE ingest_id = ?", [report.ingest_id])[
        0
    ]["n"]
    if rejects != report.rows_rejected + report.rows_duplicate:
        problems.append(f"{case}: {rejects} rejects rows")
    posts = ws.query("SELECT count(*) AS n FROM posts WHERE ingest_id = ?", [report.ingest_id])[0][
        "n"
    ]
    if posts > report.rows_stored:
        problems.append(f"{case}: {posts} posts > {report.rows_stored} stored")
    return problems


def test_fuzzed_inputs_end_cleanly_or_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CASES >= 1_000
    monkeypatch.setattr(csvsource, "BLOCK_BYTES", 4096)
    tally = Tally()
    failures: list[str] = []
    own_format = _formats()
    with Workspace(":memory:") as ws:
        for name, options, mutation, n, data in fuzz_cases():
            path = tmp_path / f"{n}-{Path(name).name}"
            path.write_bytes(data)
            fmt = own_format[name] if n % 2 else None
            case = f"{name} {mutation.__name__} #{n} format={fmt}"
            try:
                _read(path, fmt, options)
                tally.accounted += 1
            except CibwatchError:
                tally.refused += 1
            except Exception as exc:  # noqa: BLE001 - the point of the suite
                tally.tracebacks += 1
                failures.append(f"{case}: {type(exc).__name__}: {exc}"[:300])
                continue
            tally.loaded += 1
            try:
                failures.extend(_load(ws, path, fmt, options, case))
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{case} (load): {type(exc).__name__}: {exc}"[:300])
    total = tally.refused + tally.accounted + tally.tracebacks
    print(
        f"fuzz: {total} cases ({tally.loaded} also loaded), {tally.accounted} read, "
        f"{tally.refused} refused cleanly, {tally.tracebacks} tracebacks"
    )
    assert total == CASES
    assert not failures, "\n".join(failures[:40])
