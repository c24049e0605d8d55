"""Blocks of a UTF-8 CSV file proven clean, parsed by Arrow's vectorised CSV reader.

The exact reader of :mod:`cibwatch.ingest.csvsource` (Python's ``csv`` module in strict
mode, line by line, with recovery from quoting faults) is the reference, and slow. Most
blocks of most files give it nothing to recover from; for those, Arrow's reader gives the
same cells at many times the speed. This module decides, with a few vectorised passes over
a block's bytes, whether the block is such a block, and if so reads it with Arrow and
numbers its records with their physical start lines, as the exact reader would.

A block is *clean* when every one of these holds (each is a way the two readers could
differ, or the exact reader would reject or re-read something):

- it is a whole number of records: it starts at a record start and ends just after a line
  end outside quotes (or at the end of the file, not inside quotes);
- no NUL byte; lines end in LF or CRLF only, or (a block without any LF) in CR only: the
  exact reader ends a line at each of these, so a block mixing a lone CR with LFs would
  have its lines counted wrongly;
- valid UTF-8 (Python's own decoder decides: the exact reader decodes with it);
- every quote opens a field (after a delimiter, a line end or the block start), closes one
  (before a delimiter, a line end or the end of the file), or is half of a doubled quote
  inside a quoted field. Quotes then alternate open/close, so the parity of the quotes
  before a line feed says whether it ends a record: no stray quote, no text after a
  closing quote, no quote inside an unquoted field;
- no record spans more than ``max_lines`` physical lines;
- every non-blank record has the header's number of fields (Arrow refuses the block
  otherwise), and Arrow's count of records is the count found here.

Anything else makes the block unclean, and the caller reads it with the exact reader.

>>> names = ["post_id", "text"]
>>> block = clean_block(b'1,"a\\nb"\\n\\n2,c\\n', True, 2, ArrowCsv(names, names, ","), 1000)
>>> block.table.to_pylist()
[{'post_id': '1', 'text': 'a\\nb', 'source_row': 2}, {'post_id': '2', 'text': 'c', 'source_row': 5}]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

_LF, _CR, _QUOTE = 0x0A, 0x0D, 0x22
_NO_POSITIONS = np.zeros(0, np.int64)


@dataclass(frozen=True)
class Block:
    """What :func:`clean_block` found at the start of the bytes it was given.

    ``table`` is ``None`` when the block is not provably clean; the exact reader must then
    read on from the block's first line to at least :attr:`last_line`.
    """

    table: pa.Table | None
    size: int  # bytes of the block: a whole number of records
    first_line: int
    data: bytes = field(repr=False)  # the bytes looked at
    lines: int | None = None  # the physical lines of the block, when counted

    @property
    def last_line(self) -> int:
        """The block's last physical line (counted only when needed: counting CRs costs)."""
        if self.lines is not None:
            return self.first_line + self.lines - 1
        return _last_line(self.first_line, self.data)


class ArrowCsv:
    """Arrow's CSV reader set up to give the exact reader's cells: strings, empty = NULL."""

    def __init__(self, names: list[str], columns: list[str], delimiter: str) -> None:
        self.names = names
        self.columns = columns
        self.delimiter = delimiter
        self._parse = pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=True,
        )
        self._convert = pacsv.ConvertOptions(
            include_columns=columns,
            column_types={name: pa.string() for name in columns},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            check_utf8=False,  # proved before parsing, by Python's decoder
        )

    def read(self, data: bytes, longest: int) -> pa.Table:
        """The kept columns of ``data`` (whole records, none longer than ``longest`` bytes)."""
        options = pacsv.ReadOptions(
            column_names=self.names, block_size=max(1 << 20, 2 * longest + 2)
        )
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=options,
            parse_options=self._parse,
            convert_options=self._convert,
        )


def separator_byte(delimiter: str) -> int | None:
    """The delimiter as the one byte Arrow needs, or ``None`` if blocks cannot be used."""
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n\0':
        return None
    return ord(delimiter)


def line_ends(data: bytes) -> int:
    """Physical line ends in ``data`` as the exact reader counts them (LF, CRLF, CR)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def clean_block(
    data: bytes, at_end: bool, first_line: int, arrow: ArrowCsv, max_lines: int
) -> Block:
    """The longest run of whole records at the start of ``data``, read if provably clean.

    ``data`` starts at a record start on physical line ``first_line``; ``at_end`` says
    whether it runs to the end of the file.
    """
    view = np.frombuffer(data, np.uint8)
    # Lines end in LF (or CRLF); in a block without any LF, in CR alone (old Mac files).
    end = _LF if b"\n" in data or b"\r" not in data else _CR
    newlines = np.flatnonzero(view == end)
    quoted = b'"' in data
    quotes = np.flatnonzero(view == _QUOTE) if quoted else _NO_POSITIONS
    if quoted:
        # A line feed ends a record when an even number of quotes precede it.
        ends = np.flatnonzero((np.searchsorted(quotes, newlines) & 1) == 0)
    else:
        ends = np.arange(len(newlines))
    if end == _CR and not at_end:
        # A CR at the very end may be the first half of a CRLF cut by the window.
        ends = ends[newlines[ends] < len(data) - 1]
    if at_end:
        size = len(data)
    elif len(ends):
        size = int(newlines[ends[-1]]) + 1
    else:
        # Not one whole record here: let the exact reader take the lines it holds.
        return Block(None, 0, first_line, data)
    block = data[:size]
    unclean = Block(None, size, first_line, block)
    # (``in`` is a memchr; counting is slower, so only a block with a CR counts.)
    if b"\0" in block:
        return unclean
    if end == _LF and b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
        return unclean  # a lone CR among LFs
    if not block.isascii():
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            return unclean
    if quoted and not _quotes_bound_fields(view, quotes, size, arrow.delimiter):
        return unclean
    starts, stops, spans = _records(newlines, ends, size)
    if len(spans) and int(spans.max()) > max_lines:
        return unclean
    # Blank lines hold no record for either reader: nothing, or a CR, before the line feed.
    first_bytes = view[np.minimum(starts, size - 1)] if size else _NO_POSITIONS
    blank = (stops == starts) | ((stops == starts + 1) & (first_bytes == _CR))
    # A record starts on the line after the line feeds before it.
    numbers = (first_line + np.searchsorted(newlines, starts))[~blank]
    if not len(numbers):
        table = pa.table(
            [pa.array([], pa.string()) for _ in arrow.columns] + [pa.array([], pa.int64())],
            names=[*arrow.columns, "source_row"],
        )
    else:
        longest = int((stops - starts).max())
        try:
            table = arrow.read(block, longest)
        except pa.ArrowException:
            return unclean  # a wrong field count, most likely: the exact reader says where
        if table.num_rows != len(numbers):
            return unclean
        table = table.append_column("source_row", pa.array(numbers, pa.int64()))
    # No lone CR among LFs (nor LF among CRs): ``newlines`` are the line ends.
    lines = int(np.searchsorted(newlines, size)) + (
        not block.endswith(b"\r" if end == _CR else b"\n")
    )
    return Block(table, size, first_line, block, lines)


def _last_line(first_line: int, block: bytes) -> int:
    """The physical line on which ``block``, starting on ``first_line``, ends."""
    ended = block.endswith((b"\n", b"\r"))
    return first_line + line_ends(block) - (1 if ended or not block else 0)


def _quotes_bound_fields(view: np.ndarray, quotes: np.ndarray, size: int, delimiter: str) -> bool:
    """Whether every quote before ``size`` opens a field, closes one, or is doubled inside one."""
    quotes = quotes[: np.searchsorted(quotes, size)]
    if len(quotes) % 2:
        return False  # the end of the file inside quotes
    separator = ord(delimiter)
    may_open_after = np.zeros(256, np.bool_)
    may_open_after[[separator, _LF, _CR, _QUOTE]] = True  # CR: in files ending lines in CR
    may_close_before = np.zeros(256, np.bool_)
    may_close_before[[separator, _LF, _CR, _QUOTE]] = True
    opening, closing = quotes[0::2], quotes[1::2]
    # A quote after a quote is the second half of a doubled quote (its predecessor closes).
    after = opening[opening > 0] - 1
    if not may_open_after[view[after]].all():
        return False
    before = closing + 1
    before = before[before < size]  # a closing quote may end the file
    return bool(may_close_before[view[before]].all())


def _records(
    newlines: np.ndarray, ends: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and stop byte of each record of the block ``[0, size)``, and the lines it spans.

    ``ends`` indexes the line feeds that end records (all before ``size``). A stop is the
    record's line feed (its CR, if any, is still inside); a final record without a line end
    stops at ``size``.
    """
    stops = newlines[ends]
    # The line feed that ended the previous record (-1: none), as an index into newlines.
    previous = np.concatenate(([-1], ends))
    starts = np.concatenate(([0], stops + 1))
    inside = int(np.searchsorted(newlines, size))
    if starts[-1] < size:
        # A final record without a line end (at the end of the file); its quoted line feeds
        # are the ones after the last record end.
        stops = np.concatenate((stops, [size]))
        ends = np.concatenate((ends, [inside]))
    else:
        starts, previous = starts[:-1], previous[:-1]
    return starts, stops, ends - previous
