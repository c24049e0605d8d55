"""Streaming CSV reading with exact row numbers, for every CSV-based ingester.

pyarrow's streaming reader is fast but skips malformed rows without saying where they sat
among the good ones. We learn each skipped row's record number from the invalid-row handler
(pyarrow counts records, so a quoted field spanning lines is still one row) and give the good
rows of each batch the next record numbers that were not skipped. That keeps ``source_row``
the exact 1-based data row of the file, however many rows were rejected before it.

Memory stays bounded by the block size: a single row longer than a block (e.g. a 2 GB file
without newlines) is refused with a clear :class:`~cibwatch.errors.IngestError`.

>>> # rows = CsvRows(Path("posts.csv")); for batch, rejects in rows: ...
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cibwatch.errors import IngestError
from cibwatch.ingest.base import Reject

#: Largest row we accept; also the parse block size (bounded memory).
BLOCK_BYTES = 16 << 20


def open_bytes(path: Path) -> pa.NativeFile:
    """Open a file, decompressing ``.gz``/``.bz2``/``.zst`` transparently."""
    return pa.input_stream(str(path), compression="detect")


def read_header(path: Path, delimiter: str) -> list[str]:
    """Column names from the first record of ``path`` (names must be valid UTF-8)."""
    with open_bytes(path) as stream:
        head = stream.read(BLOCK_BYTES)
    if not head.strip():
        raise IngestError("empty file", file=str(path))
    end = head.find(b"\n")
    if end < 0 and len(head) >= BLOCK_BYTES:
        raise IngestError(
            f"header line longer than {BLOCK_BYTES} bytes: not a CSV file", file=str(path), row=0
        )
    line = head if end < 0 else head[:end]
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"header is not valid UTF-8 ({exc.reason})", file=str(path), row=0
        ) from exc
    names = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    names = [name.strip() for name in names]
    if not names or names == [""]:
        raise IngestError("no header row", file=str(path), row=0)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise IngestError(f"duplicate column names {duplicated}", file=str(path), row=0)
    return names


def header_columns(head: bytes) -> list[str]:
    """The column names on the first line of a CSV file's first bytes (gzip is opened)."""
    if head.startswith(b"\x1f\x8b"):
        # A truncated gzip stream still decompresses up to where it was cut.
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 65536)
        except zlib.error:
            return []
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.splitlines()[0] if text else ""
    try:
        return [c.strip() for c in next(csv.reader(io.StringIO(first)), [])]
    except csv.Error:
        return []


def nonblank(value: str | None) -> str | None:
    """A cell's text without surrounding whitespace; ``None`` for a missing or blank cell."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def csv_records(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...], what: str
) -> Iterator[dict[str, Any] | Reject]:
    """Stream a CSV file's records (wanted columns only, plus ``source_row``) and rejects.

    A missing required column is an :class:`IngestError` naming the file and the column.
    """
    names = read_header(path, ",")
    missing = [c for c in required if c not in names]
    if missing:
        raise IngestError(
            f"not a {what} file: missing column(s) {', '.join(missing)}",
            file=str(path),
            field=missing[0],
        )
    wanted = set(required) | set(optional)
    for table, rejects in CsvRows(path, [n for n in names if n in wanted]):
        yield from rejects
        yield from table.to_pylist()


class CsvRows:
    """Iterate ``(table, rejects)`` over a CSV file: string columns plus ``source_row``.

    Only ``columns`` are converted (all as UTF-8 strings, empty cell = NULL); rows with the
    wrong number of fields or invalid UTF-8 in a wanted column become :class:`Reject` s.
    """

    def __init__(self, path: Path, columns: list[str], *, delimiter: str = ",") -> None:
        self.path = path
        self.columns = columns
        self.delimiter = delimiter
        self.names = read_header(path, delimiter)
        self._skipped: set[int] = set()
        self._skipped_rows: list[Reject] = []

    def _on_invalid(self, row: pacsv.InvalidRow) -> str:
        # pyarrow numbers records from 1 including the header, so data row = number - 1.
        number = None if row.number is None else int(row.number) - 1
        if number is None:
            raise IngestError(
                "malformed row at an unknown position", file=str(self.path), field=None
            )
        self._skipped.add(number)
        self._skipped_rows.append(
            Reject(
                number,
                None,
                f"expected {row.expected_columns} fields, found {row.actual_columns}",
                row.text[:1000],
            )
        )
        return "skip"

    def __iter__(self) -> Iterator[tuple[pa.Table, list[Reject]]]:
        reader = pacsv.open_csv(
            open_bytes(self.path),
            read_options=pacsv.ReadOptions(
                use_threads=False,
                block_size=BLOCK_BYTES,
                column_names=self.names,
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.delimiter,
                newlines_in_values=True,
                invalid_row_handler=self._on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.binary() for name in self.columns},
                include_columns=self.columns,
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
        odd_quotes = _scan(self.path)
        held: tuple[pa.Table, list[Reject]] | None = None
        next_row = 1
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise IngestError(
                    f"cannot parse CSV after data row {next_row - 1}: {_arrow_reason(exc)}",
                    file=str(self.path),
                ) from exc
            rows = self._numbers(next_row, batch.num_rows)
            if len(rows):
                next_row = int(rows[-1]) + 1
            table, bad = self._decode(pa.Table.from_batches([batch]), rows)
            rejects, self._skipped_rows = self._skipped_rows, []
            # Hold one batch back: the last one is checked for a never-closed quote.
            if held is not None:
                yield held
            held = (table, rejects + bad)
        if held is not None:
            if odd_quotes:
                self._check_unclosed(held[0])
            yield held
        if self._skipped_rows:
            yield pa.table({"source_row": pa.array([], pa.int64())}), self._skipped_rows

    def _check_unclosed(self, table: pa.Table) -> None:
        """Refuse a file whose last quoted field is never closed (it swallowed the rest)."""
        if table.num_rows == 0:
            return
        last = table.slice(table.num_rows - 1)
        for name in self.columns:
            value = last.column(name)[0].as_py()
            if isinstance(value, str) and "\n" in value:
                raise IngestError(
                    "broken quoting: a quoted field opened here is never closed and runs to "
                    "the end of the file",
                    file=str(self.path),
                    row=int(last.column("source_row")[0].as_py()),
                    field=name,
                )

    def _numbers(self, start: int, count: int) -> np.ndarray:
        """The first ``count`` data-row numbers from ``start`` that were not skipped."""
        rows = np.arange(start, start + count, dtype=np.int64)
        for skipped in sorted(r for r in self._skipped if r >= start):
            if count == 0 or skipped > rows[-1]:
                break
            rows[rows >= skipped] += 1
        self._skipped = {r for r in self._skipped if r >= start}
        return rows

    def _decode(self, table: pa.Table, rows: np.ndarray) -> tuple[pa.Table, list[Reject]]:
        """Cast binary columns to UTF-8; rows with invalid UTF-8 are rejected, not lost."""
        keep = np.ones(table.num_rows, dtype=bool)
        rejects: list[Reject] = []
        for name in self.columns:
            column = table.column(name)
            try:
                pc.cast(column, pa.string())
                continue
            except pa.ArrowInvalid:
                pass
            for index, value in enumerate(column.to_pylist()):
                if value is None or not keep[index]:
                    continue
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError:
                    keep[index] = False
                    rejects.append(
                        Reject(int(rows[index]), name, "invalid UTF-8", value.decode("latin-1"))
                    )
        if not keep.all():
            mask = pa.array(keep)
            table = table.filter(mask)
            rows = rows[keep]
        arrays = [pc.cast(table.column(name), pa.string()) for name in self.columns]
        arrays.append(pa.chunked_array([pa.array(rows, pa.int64())]))
        return pa.table(arrays, names=[*self.columns, "source_row"]), rejects


def _scan(path: Path) -> bool:
    """One fast pass over the raw bytes, before parsing.

    Refuses a line longer than a parse block (pyarrow would otherwise hold all of a
    newline-free file in memory) and returns whether the file holds an odd number of quote
    characters (a quoted field left open).
    """
    quotes = 0
    lines = 0
    since_newline = 0
    with open_bytes(path) as stream:
        while chunk := stream.read(BLOCK_BYTES):
            quotes += chunk.count(b'"')
            last = chunk.rfind(b"\n")
            since_newline = since_newline + len(chunk) if last < 0 else len(chunk) - last - 1
            if since_newline > BLOCK_BYTES:
                raise IngestError(
                    f"line {lines + 1} of the file is longer than {BLOCK_BYTES} bytes "
                    "(not a CSV file, or broken quoting); split or fix it",
                    file=str(path),
                )
            lines += chunk.count(b"\n")
    return quotes % 2 == 1


def _arrow_reason(exc: pa.ArrowInvalid) -> str:
    text = str(exc)
    if "straddling" in text or "straddles" in text:
        return (
            f"a row longer than {BLOCK_BYTES} bytes (broken quoting or not a CSV file); "
            "fix the quoting or split the file"
        )
    return text.splitlines()[0] if text else type(exc).__name__
