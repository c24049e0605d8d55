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

Speed: a UTF-8 file is read in blocks; a block that :mod:`cibwatch.ingest.csvblocks`
proves clean (nothing the exact reader would reject, re-read or number differently) is
parsed by Arrow, the others by the exact reader, which hands back to the blocks as soon as
it is at a record start past the unclean block. The result is the exact reader's, row for
row and reject for reject (``tests/test_ingest_csv_blocks.py`` checks this on every fuzzed
and hostile case).

>>> # for table, rejects in CsvRows(Path("posts.csv"), ["post_id", "text"]): ...
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import re
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from cibwatch.errors import ConfigError, IngestError
from cibwatch.ingest import csvblocks
from cibwatch.ingest.base import Reject

#: Longest line we accept (bounded memory); also the largest field.
BLOCK_BYTES = 16 << 20
#: A quoted field open for more physical lines than this is taken for an unclosed quote.
MAX_RECORD_LINES: Final = 1000
#: Rows per staged table.
TABLE_ROWS: Final = 65_536
#: Bytes of a UTF-8 file tried at once as a clean block (read by Arrow, see csvblocks).
FAST_BYTES = 4 << 20
#: After an unclean block, smaller blocks are tried, down to this size, before the exact
#: reader takes the block: a fault costs the exact reader's time on this much, not more.
SMALL_BYTES = 64 << 10
#: Bytes read from the file at a time (and the first piece split into lines).
_READ_BYTES: Final = 8 << 20
_LINE_PIECE = 64 << 10
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
    :meth:`exactly` gives the same with the exact reader alone: the reference that the
    faster paths are tested against.
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
        if self._by_blocks():
            yield from self._blocks()
            return
        resume = 0
        for item in self._clean():
            if isinstance(item, int):
                resume = item
                break
            yield item
        else:
            return
        yield from self._exact(resume)

    def _clean(self) -> Iterator[tuple[pa.Table, list[Reject]] | int]:
        """The fast path: tables while the file is clean, then the line to resume from.

        The same strict reader as :meth:`_records`, over the same lines, but without the
        line-by-line bookkeeping that recovering from a fault needs: a record starts on the
        line after the one where the previous record ended (``line_num``), so its number is
        exact even when a quoted cell holds line breaks. At the first sign of anything
        :meth:`_records` would reject or read again (a quoting fault, a wrong field count, a
        record longer than :data:`MAX_RECORD_LINES` lines, undecodable bytes in a kept
        cell), the table being built is dropped and the first line of it is yielded: the
        exact path reads the file again from the start and keeps what begins on that line
        or later. Up to there both readers saw the same records, so nothing differs.
        """
        expected = len(self.names)
        # A tuple of the kept cells, picked in C (itemgetter of one index gives the cell).
        pick = operator.itemgetter(*self._index, 0)
        with _open_text(self.path, self.encoding) as text:
            # The text itself, not through _guarded (a generator costs a call per line): its
            # read errors are converted below, as _guarded converts them.
            reader = csv.reader(text, delimiter=self.delimiter, strict=True)
            last = 0
            since = last + 1  # the first line of the table being built
            rows: list[tuple[str, ...]] = []
            numbers: list[int] = []
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error:
                    yield since
                    return
                except (OSError, EOFError, zlib.error, pa.ArrowException) as exc:
                    raise IngestError(
                        f"cannot read the file to its end ({exc})", file=str(self.path)
                    ) from exc
                first, last = last + 1, reader.line_num
                if first == 1:
                    since = last + 1
                    continue  # the header, read by read_header
                if not row:
                    continue  # a blank line holds no data
                if len(row) != expected or last - first >= MAX_RECORD_LINES:
                    yield since
                    return
                rows.append(pick(row))
                numbers.append(first)
                if len(rows) >= TABLE_ROWS:
                    table = self._clean_table(rows, numbers)
                    if table is None:
                        yield since
                        return
                    yield table, []
                    rows, numbers, since = [], [], last + 1
            if rows:
                table = self._clean_table(rows, numbers)
                if table is None:
                    yield since
                    return
                yield table, []

    def _clean_table(self, rows: list[tuple[str, ...]], numbers: list[int]) -> pa.Table | None:
        """:meth:`_table`, vectorised; ``None`` when a cell holds undecodable bytes."""
        arrays = []
        try:
            # The last cell of each row is the padding that keeps ``pick`` giving tuples.
            for column in list(zip(*rows, strict=True))[: len(self.columns)]:
                # Undecodable bytes are lone surrogates, which Arrow refuses to encode.
                values = pa.array(column, pa.string())
                arrays.append(
                    pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
                )
        except UnicodeEncodeError:
            return None
        arrays.append(pa.array(numbers, pa.int64()))
        return pa.table(arrays, names=[*self.columns, "source_row"])

    def exactly(self) -> Iterator[tuple[pa.Table, list[Reject]]]:
        """What iterating gives, read by the exact reader alone (slow; the reference)."""
        return self._exact(0)

    def _by_blocks(self) -> bool:
        """Whether the file can be read in blocks: UTF-8 and a one-byte delimiter."""
        if not self.columns or csvblocks.separator_byte(self.delimiter) is None:
            return False
        with open_bytes(self.path) as stream:
            head = stream.read(4)
        return detect_encoding(head, self.encoding) in ("utf-8", "utf-8-sig")

    def _blocks(self) -> Iterator[tuple[pa.Table, list[Reject]]]:
        """Clean blocks read by Arrow, the others by the exact reader, in file order.

        Each switch happens at a record start where the exact reader holds no line to read
        again: its state there is only the position, so the blocks after it are read as the
        exact reader would read them. After an unclean block, smaller blocks are tried first
        (down to :data:`SMALL_BYTES`), so that a fault sends little to the exact reader.
        """
        arrow = csvblocks.ArrowCsv(self.names, self.columns, self.delimiter)
        with open_bytes(self.path) as stream:
            source = _ByteSource(stream, self.path)
            header = source.lines()
            next(header, None)  # line 1, read by read_header
            header.close()
            line, size = 2, FAST_BYTES
            while not source.done():
                data, at_end = source.window(size)
                block = csvblocks.clean_block(data, at_end, line, arrow, MAX_RECORD_LINES)
                if block.table is not None:
                    source.skip(block.size)
                    line, size = block.last_line + 1, min(2 * size, FAST_BYTES)
                    yield block.table, []
                    continue
                if size > SMALL_BYTES:
                    size = max(size // 8, SMALL_BYTES)
                    continue
                lines = _Lines(source.lines())
                lines.number = line - 1
                yield from self._chunks(self._read_exactly(lines, block.last_line))
                line = lines.number + 1

    def _exact(self, resume: int) -> Iterator[tuple[pa.Table, list[Reject]]]:
        """Tables and rejects of the records that start on line ``resume`` or later."""
        items = self._records()
        if resume > 1:
            items = (
                item
                for item in items
                if (item.source_row or 0 if isinstance(item, Reject) else item[0]) >= resume
            )
        return self._chunks(items)

    def _chunks(
        self, items: Iterator[tuple[int, list[str]] | Reject]
    ) -> Iterator[tuple[pa.Table, list[Reject]]]:
        """The exact reader's records and rejects as ``(table, rejects)`` of bounded size."""
        rows: list[list[str]] = []
        numbers: list[int] = []
        rejects: list[Reject] = []
        for item in items:
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
        """The exact reader over the whole file."""
        with _open_text(self.path, self.encoding) as text:
            lines = _Lines(_guarded(text, self.path))
            reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
            lines.start()
            next(reader, None)  # the header, read by read_header
            yield from self._read_exactly(lines, None)

    def _read_exactly(
        self, lines: _Lines, stop: int | None
    ) -> Iterator[tuple[int, list[str]] | Reject]:
        """Records and rejects from a record start on; at the first record start at or
        after line ``stop`` with no line to read again, hand back (``None``: read to the end).
        """
        expected = len(self.names)
        wanted = self._index
        where = self.encoding or "utf-8"
        reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
        while True:
            if stop is not None and lines.number >= stop and not lines.again:
                return
            first = lines.start()
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, _RecordTooLong) as exc:
                reason = (
                    f"quoted field still open after {MAX_RECORD_LINES} lines (an unclosed quote?)"
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


class _ByteSource:
    """A file's bytes from a position on: windows for clean blocks, lines for the exact reader.

    ``pos`` is exact at every moment: the lines handed out end there, so the exact reader
    can hand back to the blocks in the middle of a window.
    """

    def __init__(self, stream: pa.NativeFile, path: Path) -> None:
        self.stream = stream
        self.path = path
        self.buffer = b""
        self.pos = 0
        self.eof = False

    def _fill(self, size: int) -> None:
        """Hold at least ``size`` bytes after ``pos`` (fewer only at the end of the file)."""
        have = len(self.buffer) - self.pos
        if have >= size or self.eof:
            return
        parts = [self.buffer[self.pos :]]
        while have < size:
            try:
                chunk = self.stream.read(max(size - have, _READ_BYTES))
            except (OSError, EOFError, zlib.error, pa.ArrowException) as exc:
                raise IngestError(
                    f"cannot read the file to its end ({exc})", file=str(self.path)
                ) from exc
            if not chunk:
                self.eof = True
                break
            parts.append(chunk)
            have += len(chunk)
        self.buffer = b"".join(parts)
        self.pos = 0

    def done(self) -> bool:
        self._fill(1)
        return self.pos >= len(self.buffer)

    def window(self, size: int) -> tuple[bytes, bool]:
        """Up to ``size`` bytes from ``pos``, and whether they run to the end of the file."""
        self._fill(size)
        data = self.buffer[self.pos : self.pos + size]
        return data, self.eof and self.pos + len(data) == len(self.buffer)

    def skip(self, size: int) -> None:
        self.pos += size

    def lines(self) -> Generator[str, None, None]:
        """Physical lines from ``pos`` on, split as ``newline=""`` text splits them (LF, CRLF,
        CR, ends kept) and decoded from UTF-8 as the text reader decodes them (a line end
        is never inside a UTF-8 sequence, so line by line decodes the same)."""
        size = _LINE_PIECE
        while True:
            self._fill(size)
            piece = self.buffer[self.pos : self.pos + size]
            if not piece:
                return
            parts = piece.splitlines(keepends=True)
            if not (self.eof and self.pos + len(piece) == len(self.buffer)):
                parts.pop()  # it may go on (or be a CR before a LF) past the piece
                if not parts:
                    size *= 2
                    continue
            for part in parts:
                self.pos += len(part)
                yield part.decode("utf-8", "surrogateescape")
            size = _LINE_PIECE


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
