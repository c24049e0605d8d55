"""Reading CSV exactly, for every CSV-based ingester.

Exact means four things, each a way real files lost rows before:

- **Quoting faults are found, not absorbed.** Python's C ``csv`` reader runs in strict
  mode over the file's physical lines: a quote left open makes the record fail (a closing
  quote not followed by a delimiter, the end of the file inside quotes, or a quoted field
  open for more than :data:`MAX_RECORD_LINES` lines), or changes its field count. Such a
  record's *first* line is rejected with its line number and the reason, and the lines
  after it are read again on their own: one stray ``"`` costs one row, not the rows it
  would have swallowed.
- **Physical line numbers.** ``source_row`` is the line on which a record starts, the
  header being line 1: what a text editor shows, and what a spreadsheet shows for files
  without line breaks inside cells. Blank lines hold no data and are skipped.
- **Every line end**: LF, CRLF and CR alone (old Mac exports).
- **Encodings by name**: UTF-8 by default; ``--encoding`` names another (``utf-8-sig``,
  ``utf-16``, ``latin-1``, any Python codec). A byte-order mark is the only thing detected
  (it is certain); Latin-1 is never guessed. A row with bytes invalid in the encoding is
  rejected, not altered.

Memory stays bounded: a line longer than :data:`BLOCK_BYTES` is refused before parsing.

>>> # for table, rejects in CsvRows(Path("posts.csv"), ["post_id", "text"]): ...
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

import pyarrow as pa

from cibwatch.errors import ConfigError, IngestError
from cibwatch.ingest.base import Reject

#: Longest line we accept (bounded memory); also the largest field.
BLOCK_BYTES = 16 << 20
#: A quoted field open for more physical lines than this is taken for an unclosed quote.
MAX_RECORD_LINES: Final = 1000
#: Rows per staged table.
TABLE_ROWS: Final = 65_536
#: Encodings a byte-order mark proves.
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Undecodable bytes survive decoding as lone surrogates (errors="surrogateescape").
_UNDECODED = re.compile("[\udc80-\udcff]")

csv.field_size_limit(BLOCK_BYTES)


class _RecordTooLong(Exception):
    """A quoted field stayed open for more than MAX_RECORD_LINES lines."""


def open_bytes(path: Path) -> pa.NativeFile:
    """Open a file, decompressing ``.gz``/``.bz2``/``.zst`` transparently."""
    return pa.input_stream(str(path), compression="detect")


def check_encoding(encoding: str | None) -> str | None:
    """``encoding`` if Python knows it (as its canonical name), else :class:`ConfigError`."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise ConfigError(
            f"--encoding {encoding!r} is not an encoding (e.g. utf-8, utf-8-sig, utf-16, latin-1)"
        ) from exc


def detect_encoding(head: bytes, encoding: str | None) -> str:
    """The encoding to read: the one named, else the one a byte-order mark proves, else UTF-8."""
    if encoding is not None:
        return encoding
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return "utf-8"


def _open_text(path: Path, encoding: str | None) -> IO[str]:
    stream = open_bytes(path)
    try:
        head = stream.read(4)
    finally:
        stream.close()
    chosen = detect_encoding(head, encoding)
    raw = open_bytes(path)
    # newline="": the csv reader sees every line end as written (LF, CRLF, CR).
    return io.TextIOWrapper(raw, encoding=chosen, errors="surrogateescape", newline="")


def read_header(path: Path, delimiter: str, encoding: str | None = None) -> list[str]:
    """Column names from the first record of ``path`` (its first line, at most a block)."""
    try:
        with open_bytes(path) as stream:
            head = stream.read(BLOCK_BYTES)
    except (OSError, pa.ArrowException) as exc:
        raise IngestError(f"cannot read the file ({exc})", file=str(path)) from exc
    if not re.search(rb"[\r\n]", head) and len(head) >= BLOCK_BYTES:
        raise IngestError(
            f"header line longer than {BLOCK_BYTES} bytes: not a CSV file", file=str(path), row=1
        )
    text = head.decode(detect_encoding(head, encoding), errors="surrogateescape")
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    try:
        names = next(csv.reader([first], delimiter=delimiter, strict=True), [])
    except csv.Error as exc:
        raise IngestError(f"cannot read the header: {exc}", file=str(path), row=1) from exc
    names = [name.strip().lstrip("\ufeff") for name in names]
    if not names or names == [""]:
        raise IngestError("empty file or no header row", file=str(path), row=1)
    if any(_UNDECODED.search(n) for n in names):
        raise IngestError(
            f"header has bytes invalid in {encoding or 'utf-8'}; pass --encoding",
            file=str(path),
            row=1,
        )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise IngestError(f"duplicate column names {duplicated}", file=str(path), row=1)
    return names


def header_columns(head: bytes) -> list[str]:
    """The column names on the first line of a CSV file's first bytes (for ``sniff``)."""
    if head.startswith(b"\x1f\x8b"):
        # A truncated gzip stream still decompresses up to where it was cut.
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 65536)
        except zlib.error:
            return []
    encoding = detect_encoding(head, None)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
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
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    what: str,
    encoding: str | None = None,
) -> Iterator[dict[str, Any] | Reject]:
    """Stream a CSV file's records (wanted columns only, plus ``source_row``) and rejects.

    A missing required column is an :class:`IngestError` naming the file and the column.
    """
    names = read_header(path, ",", encoding)
    missing = [c for c in required if c not in names]
    if missing:
        raise IngestError(
            f"not a {what} file: missing column(s) {', '.join(missing)}",
            file=str(path),
            field=missing[0],
        )
    wanted = set(required) | set(optional)
    for table, rejects in CsvRows(path, [n for n in names if n in wanted], encoding=encoding):
        yield from rejects
        yield from table.to_pylist()


class _Lines:
    """Physical lines of a text stream, numbered, with lines to read again pushed back."""

    def __init__(self, text: Iterator[str]) -> None:
        self.text = text
        self.number = 0  # lines handed out so far
        self.again: list[str] = []  # pushed back, last first
        self.taken: list[str] = []  # lines of the record being read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.again.pop() if self.again else next(self.text)
        self.number += 1
        self.taken.append(line)
        if len(self.taken) > MAX_RECORD_LINES:
            raise _RecordTooLong
        return line

    def start(self) -> int:
        """Begin a record; return the line it starts on."""
        self.taken = []
        return self.number + 1

    def reread_after_first(self, first: int) -> None:
        """Give back every line of the failed record but its first, to be read again."""
        self.again.extend(reversed(self.taken[1:]))
        self.number = first
        self.taken = []


class CsvRows:
    """Iterate ``(table, rejects)`` over a CSV file: string columns plus ``source_row``.

    Only ``columns`` are kept (as strings, empty cell = NULL); records with quoting faults,
    the wrong number of fields, or bytes invalid in the encoding become :class:`Reject` s.
    """

    def __init__(
        self,
        path: Path,
        columns: list[str],
        *,
        delimiter: str = ",",
        encoding: str | None = None,
    ) -> None:
        self.path = path
        self.columns = columns
        self.delimiter = delimiter
        self.encoding = encoding
        self.names = read_header(path, delimiter, encoding)
        self._index = [self.names.index(c) for c in columns]
        _scan(path)

    def __iter__(self) -> Iterator[tuple[pa.Table, list[Reject]]]:
        rows: list[list[str]] = []
        numbers: list[int] = []
        rejects: list[Reject] = []
        for item in self._records():
            if isinstance(item, Reject):
                rejects.append(item)
            else:
                numbers.append(item[0])
                rows.append(item[1])
            if len(rows) + len(rejects) >= TABLE_ROWS:
                yield self._table(rows, numbers), rejects
                rows, numbers, rejects = [], [], []
        if rows or rejects:
            yield self._table(rows, numbers), rejects

    def _records(self) -> Iterator[tuple[int, list[str]] | Reject]:
        expected = len(self.names)
        wanted = self._index
        where = self.encoding or "utf-8"
        with _open_text(self.path, self.encoding) as text:
            lines = _Lines(_guarded(text, self.path))
            reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
            lines.start()
            next(reader, None)  # the header, read by read_header
            while True:
                first = lines.start()
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except (csv.Error, _RecordTooLong) as exc:
                    reason = (
                        f"quoted field still open after {MAX_RECORD_LINES} lines "
                        "(an unclosed quote?)"
                        if isinstance(exc, _RecordTooLong)
                        else f"broken quoting ({exc}); the following lines are read on their own"
                    )
                    raw = lines.taken[0] if lines.taken else None
                    yield Reject(first, None, reason, _clip(raw))
                    lines.reread_after_first(first)
                    reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                    continue
                if not row:
                    continue  # a blank line holds no data
                if len(row) != expected:
                    raw = lines.taken[0]
                    yield Reject(
                        first, None, f"expected {expected} fields, found {len(row)}", _clip(raw)
                    )
                    if len(lines.taken) > 1:
                        # A quote opened in this record swallowed the lines after it.
                        lines.reread_after_first(first)
                        reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                    continue
                values = [row[i] for i in wanted]
                # One search of the record's lines; the fields only when it finds something.
                bad = None
                if any(_UNDECODED.search(line) for line in lines.taken):
                    bad = next((i for i, v in enumerate(values) if _UNDECODED.search(v)), None)
                if bad is not None:
                    yield Reject(
                        first,
                        self.columns[bad],
                        f"bytes invalid in {where} (pass --encoding if the file is not {where})",
                        _clip(values[bad].encode("utf-8", "surrogateescape").decode("latin-1")),
                    )
                    continue
                yield first, values

    def _table(self, rows: list[list[str]], numbers: list[int]) -> pa.Table:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in self.columns]
        arrays = [
            pa.array([v if v != "" else None for v in column], pa.string()) for column in columns
        ]
        arrays.append(pa.array(numbers, pa.int64()))
        return pa.table(arrays, names=[*self.columns, "source_row"])


def _guarded(text: IO[str], path: Path) -> Iterator[str]:
    """The lines of ``text``; a file cut short or unreadable is an :class:`IngestError`."""
    try:
        yield from text
    except (OSError, EOFError, zlib.error, pa.ArrowException) as exc:
        raise IngestError(f"cannot read the file to its end ({exc})", file=str(path)) from exc


def _clip(value: str | None) -> str | None:
    """A raw line for the rejects table: at most 1,000 characters, undecodable bytes shown
    as U+FFFD (the rejects table holds valid text only)."""
    if value is None:
        return None
    return value[:1000].encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _scan(path: Path) -> None:
    """Refuse a file with a line longer than a block, before parsing (bounded memory)."""
    lines = 0
    since_newline = 0
    with open_bytes(path) as stream:
        try:
            while chunk := stream.read(BLOCK_BYTES):
                last = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
                since_newline = since_newline + len(chunk) if last < 0 else len(chunk) - last - 1
                if since_newline > BLOCK_BYTES:
                    raise IngestError(
                        f"line {lines + 1} is longer than {BLOCK_BYTES} bytes (not a CSV file, "
                        "or broken quoting); split or fix it",
                        file=str(path),
                    )
                lines += chunk.count(b"\n") or chunk.count(b"\r")
        except OSError as exc:
            raise IngestError(f"cannot read the file ({exc})", file=str(path)) from exc
