"""CSV read in blocks gives exactly what the exact reader gives, on hostile input too.

:class:`~cibwatch.ingest.csvsource.CsvRows` reads blocks that
:mod:`~cibwatch.ingest.csvblocks` proves clean with Arrow, and the others with the exact
reader (Python's csv module, strict, with recovery). The promise is identity: the same
rows, cell for cell, with the same line numbers, and the same rejects with the same
reasons, in the same order, or the same error. Each case below is read both ways, with
the default block sizes and with blocks of a few dozen bytes (so that a small file crosses
many block boundaries and switches between the two readers many times).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibwatch.errors import CibwatchError
from cibwatch.ingest import csvblocks, csvsource
from cibwatch.ingest.base import Reject
from cibwatch.ingest.csvsource import CsvRows
from cibwatch.workspace import Workspace
from realdata_rule import SharedData
from test_ingest_fuzz import CASES, fuzz_cases

#: (FAST_BYTES, SMALL_BYTES, line piece): the defaults, then blocks and pieces of a few bytes.
SIZES = [(4 << 20, 64 << 10, 64 << 10), (256, 64, 64), (48, 16, 7)]
HEADER = b"platform,post_id,account_id,created_at,text\n"

Outcome = tuple[list[dict[str, Any]], list[Reject]] | str


def _drain(tables: Iterator[Any]) -> Outcome:
    rows: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    try:
        for table, found in tables:
            rows.extend(table.to_pylist())
            rejects.extend(found)
    except CibwatchError as exc:
        return f"{type(exc).__name__}: {exc}"
    return rows, rejects


def _both(path: Path, columns: list[str] | None = None, **kwargs: Any) -> tuple[Outcome, Outcome]:
    """(blocks, exact) for ``path``; ``columns`` None: every column of the header."""
    try:
        names = csvsource.read_header(path, kwargs.get("delimiter", ","), kwargs.get("encoding"))
        reader = CsvRows(path, names if columns is None else columns, **kwargs)
    except CibwatchError as exc:
        refused = f"{type(exc).__name__}: {exc}"
        return refused, refused  # before either path: the same for both
    return _drain(iter(reader)), _drain(reader.exactly())


def _assert_same(path: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> Outcome:
    """Read ``path`` both ways at every block size; the outcomes must be equal."""
    outcome: Outcome = ""
    for fast, small, piece in SIZES:
        monkeypatch.setattr(csvsource, "FAST_BYTES", fast)
        monkeypatch.setattr(csvsource, "SMALL_BYTES", small)
        monkeypatch.setattr(csvsource, "_LINE_PIECE", piece)
        blocks, exact = _both(path, **kwargs)
        assert blocks == exact, f"{path.name} with blocks of {fast} bytes"
        outcome = exact
    return outcome


def test_the_fuzz_corpus_reads_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fuzz suite's block: its huge rows are refused before parsing, by both paths.
    monkeypatch.setattr(csvsource, "BLOCK_BYTES", 4096)
    cases = read = rejected = 0
    for *_case, data in fuzz_cases():
        path = tmp_path / "case.csv"
        path.write_bytes(data)
        outcome = _assert_same(path, monkeypatch)
        # Every second column as well: Arrow then skips columns, the exact reader picks.
        try:
            names = csvsource.read_header(path, ",")
        except CibwatchError:
            names = []
        if len(names) > 1:
            _assert_same(path, monkeypatch, columns=names[::2])
        cases += 1
        if not isinstance(outcome, str):
            read += 1
            rejected += bool(outcome[1])
    # The corpus is the fuzz suite's (1,188 cases), and it exercises both readers.
    assert cases == CASES
    assert read > 500 and rejected > 50, (read, rejected)


T = "2021-03-01T12:00:00Z"
HOSTILE: dict[str, bytes] = {
    "clean": HEADER + f"x,1,a,{T},hello\nx,2,b,{T},world\n".encode(),
    "no final line end": HEADER + f"x,1,a,{T},hello\nx,2,b,{T},world".encode(),
    "quoted cells, doubled quotes, empty quoted": HEADER
    + f'"x","1","a","{T}","say ""hi"", then go"\nx,2,b,{T},""\n'.encode(),
    "line breaks in quoted cells": HEADER
    + f'x,1,a,{T},"one\ntwo\r\nthree"\nx,2,b,{T},after\n'.encode(),
    "stray quote swallowing lines": HEADER
    + f'x,1,a,{T},"he said hi\nx,2,b,{T},plain\n'.encode()
    + f'x,3,c,{T},"she said "no" twice\nx,4,d,{T},last\n'.encode(),
    "text after a closing quote": HEADER + f'x,1,a,{T},"a"b\nx,2,b,{T},ok\n'.encode(),
    "space after a closing quote": HEADER + f'x,1,a,{T},"a" \nx,2,"b" ,{T},ok\n'.encode(),
    "quote inside an unquoted cell": HEADER + f'x,1,a,{T},5" tall\nx,2,b,{T},ok\n'.encode(),
    "quote after a space": HEADER + f'x,1,a,{T}, "spaced"\nx,2,b,{T},ok\n'.encode(),
    "end of file inside quotes": HEADER + f'x,1,a,{T},ok\nx,2,b,{T},"open\nmore\n'.encode(),
    "quote at the very end": HEADER + f'x,1,a,{T},ok\nx,2,b,{T},"closed"'.encode(),
    "CRLF": HEADER.replace(b"\n", b"\r\n") + f"x,1,a,{T},a\r\n\r\nx,2,b,{T},b\r\n".encode(),
    "CR only": HEADER.replace(b"\n", b"\r") + f"x,1,a,{T},a\rx,2,b,{T},b\r".encode(),
    # Many short lines: windows of a few dozen bytes end between a CR and its LF.
    "CRLF, many lines": HEADER.replace(b"\n", b"\r\n")
    + b"".join(f'x,{i},a,{T},"t\r\n{i}"\r\n'.encode() for i in range(40)),
    # Records as long as a window and its CR: the window ends between the CR and the LF.
    "CRLF, records a window long": HEADER.replace(b"\n", b"\r\n")
    + b"".join(
        f"x,{i:02d},a,{T},{'y' * (length - 29)}\r\n".encode()
        for length in (48, 256)
        for i in range(10)
    ),
    "CR only, many lines": HEADER.replace(b"\n", b"\r")
    + b"".join(f'x,{i},a,{T},"t\r{i}"\r'.encode() for i in range(40)),
    "mixed line ends": HEADER + f"x,1,a,{T},a\rx,2,b,{T},b\r\nx,3,c,{T},c\n".encode(),
    "lone CR in a quoted cell": HEADER + f'x,1,a,{T},"a\rb"\nx,2,b,{T},ok\n'.encode(),
    "CR before a closing quote and LF": HEADER + f'x,1,a,{T},"a\r"\nx,2,b,{T},ok\n'.encode(),
    "blank and whitespace lines": HEADER + f"\n\nx,1,a,{T},a\n \n\t\nx,2,b,{T},b\n\n".encode(),
    "NUL byte": HEADER + f"x,1,a,{T},a\0b\nx,2,b,{T},ok\n".encode(),
    "invalid UTF-8 in a cell": HEADER + f"x,1,a,{T},caf".encode() + b"\xe9\nx,2,b,ok,x\n",
    "invalid UTF-8 across a line end": HEADER + f"x,1,a,{T},\xe2".encode("latin-1") + b"\n",
    "encoded surrogate": HEADER + f"x,1,a,{T},".encode() + b"\xed\xa0\x80\n",
    "UTF-8 text": HEADER + f'x,1,a,{T},café ☕ 東京\nx,2,b,{T},"«quoted» é"\n'.encode(),
    "byte-order mark": b"\xef\xbb\xbf" + HEADER + f"x,1,a,{T},a\n".encode(),
    "too few and too many fields": HEADER + f"x,1,a\nx,2,b,{T},b,extra\nx,3,c,{T},c\n".encode(),
    "only a header": HEADER,
    "header without line end": HEADER.rstrip(b"\n"),
    "header and blank lines": HEADER + b"\n\n\r\n",
    "one empty quoted field per line": b'text\n""\n\n""\n',
    "quoted line end at a block edge": HEADER
    + (f'x,1,a,{T},"' + "y" * 40 + "\n" + "z" * 40 + '"\n').encode() * 5,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_read_the_same_both_ways(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hostile.csv"
    path.write_bytes(HOSTILE[name])
    _assert_same(path, monkeypatch)
    _assert_same(
        path, monkeypatch, columns=["post_id", "text"] if b"post_id" in HOSTILE[name] else None
    )


def test_a_record_longer_than_the_line_bound_reads_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvsource, "MAX_RECORD_LINES", 3)
    path = tmp_path / "long.csv"
    long_cell = '"' + "\n".join(f"para {i}" for i in range(5)) + '"'
    three = '"a\nb\nc"'  # three lines: still within the bound
    path.write_text(f"{HEADER.decode()}x,1,a,{T},{long_cell}\nx,2,a,{T},{three}\nx,3,a,{T},ok\n")
    outcome = _assert_same(path, monkeypatch)
    assert not isinstance(outcome, str), outcome
    rows, rejects = outcome
    assert [r["post_id"] for r in rows] == ["2", "3"]
    assert rejects[0].source_row == 2


@pytest.mark.parametrize(
    ("encoding", "delimiter", "data"),
    [
        ("latin-1", ",", b"a,b\n1,caf\xe9\n"),
        ("utf-16", ",", "a,b\n1,café\n".encode("utf-16")),
        (None, "\t", b'a\tb\n1\t"x\ty"\n2\t3\n'),
        (None, "\u00a7", 'a\u00a7b\n1\u00a7"2\u00a73"\n'.encode()),
    ],
    ids=["latin-1", "utf-16", "tab", "non-ASCII delimiter"],
)
def test_other_encodings_and_delimiters_read_the_same_both_ways(
    encoding: str | None,
    delimiter: str,
    data: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "other.csv"
    path.write_bytes(data)
    _assert_same(path, monkeypatch, encoding=encoding, delimiter=delimiter)


# Bytes a CSV file's structure is made of, and the ones that break it.
PIECES = [
    b"a",
    b"bc",
    b",",
    b",",
    b'"',
    b'""',
    b"\n",
    b"\n",
    b"\r\n",
    b"\r",
    b" ",
    b"\0",
    b"\xc3\xa9",
    b"\xe9",
    b"\xff",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=60))
def test_any_bytes_read_the_same_both_ways(
    pieces: list[bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("any") / "any.csv"
    path.write_bytes(b"p,q,r\n" + b"".join(pieces))
    with pytest.MonkeyPatch.context() as monkeypatch:
        _assert_same(path, monkeypatch)


def test_an_ingest_stores_and_rejects_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # End to end: the same posts, rejects and counts whichever reader read the file. Of the
    # 7 data lines, the second header is rejected (its created_at is no time), so are the
    # two stray quotes' lines, and post 2 comes twice.
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(HOSTILE[n] for n in ("clean", "stray quote swallowing lines")))
    monkeypatch.setattr(csvsource, "FAST_BYTES", 64)
    monkeypatch.setattr(csvsource, "SMALL_BYTES", 16)
    results = []
    for blocks in (True, False):
        if not blocks:
            monkeypatch.setattr(CsvRows, "_by_blocks", lambda _self: False)
        with Workspace(":memory:") as ws:
            report = ws.ingest(path, max_reject_share=1)
            results.append(
                (
                    (report.rows_read, report.rows_stored, report.rows_rejected),
                    report.rows_duplicate,
                    ws.query("SELECT post_id, source_row, text FROM posts ORDER BY source_row"),
                    ws.query(
                        "SELECT source_row, field, reason, raw FROM rejects ORDER BY source_row"
                    ),
                )
            )
    assert results[0] == results[1]
    assert results[0][:2] == ((7, 3, 3), 1)


def test_a_clean_block_needs_every_proof() -> None:
    # Each line below breaks one condition of a clean block; alone, the block is clean.
    arrow = csvblocks.ArrowCsv(["a", "b"], ["a", "b"], ",")
    good = b'1,"x"\n2,y\n'
    assert csvblocks.clean_block(good, True, 2, arrow, 1000).table is not None
    for bad in [
        b'1,"x"y\n',
        b'1,x"y\n',
        b'1, "x"\n',
        b"1,x\ry\n",
        b"1,\0\n",
        b"1,\xe9\n",
        b"1\n",
        b'1,"x\n',
    ]:
        block = csvblocks.clean_block(good + bad, True, 2, arrow, 1000)
        assert block.table is None, bad
    long = b'1,"a\nb\nc"\n'
    assert csvblocks.clean_block(long, True, 2, arrow, 3).table is not None
    assert csvblocks.clean_block(long, True, 2, arrow, 2).table is None


def test_a_compressed_file_reads_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks come from the decompressed stream; a cut stream is refused before either path.
    path = tmp_path / "posts.csv.gz"
    data = gzip.compress(
        HOSTILE["stray quote swallowing lines"] + HOSTILE["CRLF"][len(HEADER) + 1 :]
    )
    path.write_bytes(data)
    outcome = _assert_same(path, monkeypatch)
    assert not isinstance(outcome, str) and len(outcome[0]) == 4, outcome
    path.write_bytes(data[: len(data) // 2])
    assert "cannot read" in str(_assert_same(path, monkeypatch))


@pytest.mark.parametrize("name", ["russian_coord_tweets.csv.gz", "german_elections.csv.gz"])
def test_real_exports_read_the_same_both_ways(name: str, shared_data: SharedData) -> None:
    # The CooRTweet sets (Righetti & Balluff, MIT): every block is clean, and the Arrow
    # tables equal the exact reader's, row for row.
    path = shared_data("coortweet", name)
    names = csvsource.read_header(path, ",")
    reader = CsvRows(path, names)
    read = [list(reader), list(reader.exactly())]
    blocks, exact = (pa.concat_tables([t for t, _ in r]).combine_chunks() for r in read)
    assert blocks.num_rows > 30_000
    assert blocks.equals(exact)
    assert [r for _, found in read[0] for r in found] == [r for _, found in read[1] for r in found]
