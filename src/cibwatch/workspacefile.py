"""What can be wrong with a workspace file, found before DuckDB writes to it and said in words.

DuckDB reports a locked, foreign, cut-short or damaged file as an ``IOException`` naming its
own internals, and it does not notice at all that a file was cut short when what is left
holds the catalog: it opened a half-truncated workspace and stored an ingest into it. So:

* :func:`check_file` looks at a file before DuckDB opens it: a directory, an empty file, a
  file of another kind (SQLite, Parquet, text...), and a DuckDB file that ends before the
  last block its header and free list say is in use, which is refused before any write.
* :func:`suspect_blocks` checks every storage block against its checksum before a write
  opens the file, and :func:`confirm_damage` has DuckDB read the tables when one fails, so a
  damaged workspace is refused before anything is written to it.
* :func:`explain` turns a DuckDB error into the matching :class:`~cibwatch.errors.WorkspaceError`
  with what to do: which process holds a locked file (DuckDB names the program and its PID;
  on Linux the command line is read from ``/proc``), a read-only file, a damaged one.

The layout read here (three 4 KiB headers: the main one with ``DUCK`` at byte 8, then two
database headers whose fields after an 8-byte checksum are the iteration, the meta block,
the free list, the block count and the block size; the free list as metadata) is DuckDB's
storage format since 1.0; a file this module cannot read so is left to DuckDB's own checks.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

import duckdb
import numpy as np
import numpy.typing as npt

from cibwatch.errors import (
    ForeignFileError,
    WorkspaceCorruptError,
    WorkspaceError,
    WorkspaceLockedError,
    WorkspaceReadOnlyError,
)

HEADER_SIZE: Final = 4096
#: DuckDB's default block size, for headers written before the size was stored in them.
DEFAULT_BLOCK_SIZE: Final = 262_144
#: Starts of files a workspace path is often confused with, and what they are.
KNOWN_KINDS: Final = (
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"%PDF", "a PDF document"),
)
#: DuckDB's checksum multiplier, and how many blocks are checked per read.
_MIX: Final = np.uint64(0xBF58476D1CE4E5B9)
_BATCH: Final = 4
#: DuckDB's metadata sub-block size, and its "no block" pointer.
_META_SIZE: Final = 4088
_INVALID: Final = (1 << 64) - 1
_LOCK: Final = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
_CORRUPT: Final = (
    "corrupt",
    "checksum",
    "could not read enough bytes",
    "invalid block",
    "failed to load",
)
_RESTORE: Final = (
    "restore it from a copy, or run the investigation again into a new workspace; "
    "cibwatch will not write to it"
)


def check_file(path: Path) -> None:
    """Refuse ``path`` if it cannot be a sound workspace; a missing file is fine (created)
    when its folder exists.

    Raises :class:`ForeignFileError` for a directory, an empty file or a file of another
    kind, and :class:`WorkspaceCorruptError` for a DuckDB file shorter than its header says.
    """
    if not path.exists():
        if not path.parent.is_dir():
            raise WorkspaceError(
                f"{path}: the folder {path.parent} does not exist; create it or name "
                "another place for the workspace"
            )
        return
    if path.is_dir():
        raise ForeignFileError(f"{path}: a folder, not a workspace file; name a .duckdb file")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(3 * HEADER_SIZE)
            known = head[8:12] == b"DUCK" and _headers_check_out(head)
            layout = _layout(head, handle) if known else None
    except _CutShort:
        raise WorkspaceCorruptError(
            f"{path}: the workspace file is cut short ({size:,} bytes, its list of free "
            f"blocks lies beyond the end): an interrupted copy or a full disk; {_RESTORE}"
        ) from None
    except PermissionError:
        raise WorkspaceReadOnlyError(
            f"{path}: cibwatch may not read this file (permissions); "
            "ask its owner for read access or work on a copy"
        ) from None
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    if size == 0:
        raise ForeignFileError(
            f"{path}: an empty file, not a cibwatch workspace; "
            "delete it or name a new file, and cibwatch creates the workspace"
        )
    if head[8:12] != b"DUCK":
        kind = next((what for magic, what in KNOWN_KINDS if head.startswith(magic)), None)
        if kind is None:
            kind = "a text file" if _looks_like_text(head) else "not a DuckDB database"
        raise ForeignFileError(
            f"{path}: {kind}, not a cibwatch workspace; to load data into a workspace, "
            "run `cibwatch ingest WORKSPACE.duckdb FILE`"
        )
    expected = 3 * HEADER_SIZE + (layout.used_end * layout.block_size if layout else 0)
    if size < expected:
        wanted = f"at least {expected:,}"
        raise WorkspaceCorruptError(
            f"{path}: the workspace file is cut short ({size:,} bytes, its header needs "
            f"{wanted}): an interrupted copy or a full disk; {_RESTORE}"
        )


def _looks_like_text(head: bytes) -> bool:
    try:
        head[:512].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _CutShort(Exception):
    """The file ends inside the metadata its header points to."""


@dataclass(frozen=True)
class Layout:
    """What the newest database header says: the block count and size, and the free blocks.

    DuckDB cuts free blocks off the end of the file without lowering the block count, so
    the file must reach the end of the last block in use (:attr:`used_end`), not of the
    last block counted.
    """

    blocks: int
    block_size: int
    free: frozenset[int]

    @property
    def used_end(self) -> int:
        """One past the highest block in use (0 when none is)."""
        return next((b + 1 for b in range(self.blocks - 1, -1, -1) if b not in self.free), 0)


def _layout(head: bytes, handle: BinaryIO) -> Layout | None:
    """The :class:`Layout` of the newest database header, or None where it cannot be read."""
    best: tuple[int, int, int, int] | None = None  # (iteration, blocks, block size, free list)
    for offset in (HEADER_SIZE, 2 * HEADER_SIZE):
        if len(head) < offset + 48:
            return None
        iteration, _meta, free, blocks, block_size = struct.unpack_from("<5Q", head, offset + 8)
        block_size = block_size or DEFAULT_BLOCK_SIZE
        if block_size % HEADER_SIZE or block_size > 1 << 30 or blocks > 1 << 40:
            continue  # not a header this module can read: DuckDB will judge it
        if best is None or iteration > best[0]:
            best = (iteration, blocks, block_size, free)
    if best is None:
        return None
    _, blocks, block_size, free_list = best
    free = _free_list(handle, free_list, blocks, block_size)
    return None if free is None else Layout(blocks, block_size, free)


def _free_list(
    handle: BinaryIO, pointer: int, blocks: int, block_size: int
) -> frozenset[int] | None:
    """The free block ids the metadata at ``pointer`` lists, or None if it cannot be read.

    DuckDB writes the free list as metadata: a count, then the ids (64-bit each), in
    4088-byte metadata sub-blocks (64 per storage block after its 8-byte checksum), each
    starting with the pointer to the next (block id in the low 56 bits, sub-block index in
    the high 8). Anything implausible (an id beyond the block count, a loop) gives None.
    """
    if pointer == _INVALID:
        return frozenset()
    payload = bytearray()
    seen: set[int] = set()
    wanted: int | None = None
    while pointer != _INVALID and pointer not in seen and len(seen) < 1 << 16:
        seen.add(pointer)
        block, index = pointer & ((1 << 56) - 1), pointer >> 56
        if block >= blocks or index >= 64:
            return None
        handle.seek(3 * HEADER_SIZE + block * block_size + 8 + index * _META_SIZE)
        sub_block = handle.read(_META_SIZE)
        if len(sub_block) < _META_SIZE:
            raise _CutShort  # the free list itself is past the end of the file
        pointer = int.from_bytes(sub_block[:8], "little")
        payload += sub_block[8:]
        if wanted is None:
            wanted = int.from_bytes(payload[:8], "little")
            if wanted > blocks:
                return None
        if len(payload) >= 8 * (wanted + 1):
            break
    if wanted is None or len(payload) < 8 * (wanted + 1):
        return None
    ids = struct.unpack_from(f"<{wanted}Q", payload, 8)
    if any(i >= blocks for i in ids):
        return None
    return frozenset(ids)


def _checksum(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """DuckDB's block checksum of each row of ``words`` (little-endian 64-bit words): the
    exclusive or of every word times a constant, with 5381 (``duckdb/common/checksum.cpp``)."""
    with np.errstate(over="ignore"):
        mixed = words * _MIX
    sums: npt.NDArray[np.uint64] = np.bitwise_xor.reduce(mixed, axis=1) ^ np.uint64(5381)
    return sums


def _headers_check_out(head: bytes) -> bool:
    """Whether the three file headers carry the checksums this module computes: the sign
    that the file's layout is the one read here (else only DuckDB judges the file)."""
    if len(head) < 3 * HEADER_SIZE:
        return False
    headers = np.frombuffer(head, dtype="<u8").reshape(3, HEADER_SIZE // 8)
    return bool((_checksum(headers[:, 1:]) == headers[:, 0]).all())


def suspect_blocks(path: Path) -> list[int]:
    """The blocks of the workspace file at ``path`` whose stored checksum does not match.

    Reading every block (about 2 GB/s from the page cache) finds damage that DuckDB would
    only meet when a query reads that block, possibly after a write. A block on the free
    list may hold anything, so a mismatch is a suspicion that the caller confirms by
    reading the tables through DuckDB. Returns [] when the file's layout is not one this
    module reads (its own headers' checksums tell): DuckDB judges that file alone.
    """
    with path.open("rb") as handle:
        head = handle.read(3 * HEADER_SIZE)
        try:
            layout = _layout(head, handle)
        except _CutShort:
            return []  # check_file says so
        if layout is None or len(head) < 3 * HEADER_SIZE:
            return []
        if not _headers_check_out(head):
            return []  # another checksum or layout than the one known here
        size = layout.block_size
        in_file = min(layout.used_end, (path.stat().st_size - 3 * HEADER_SIZE) // size)
        suspects: list[int] = []
        handle.seek(3 * HEADER_SIZE)
        for first in range(0, in_file, _BATCH):
            data = handle.read(size * min(_BATCH, in_file - first))
            words = np.frombuffer(data, dtype="<u8").reshape(-1, size // 8)
            bad = np.flatnonzero(_checksum(words[:, 1:]) != words[:, 0])
            suspects.extend(b for b in (first + int(i) for i in bad) if b not in layout.free)
    return suspects


def confirm_damage(con: duckdb.DuckDBPyConnection, path: str, suspects: list[int]) -> None:
    """Read every row of every table; raise :class:`WorkspaceCorruptError` if DuckDB finds
    the damage :func:`suspect_blocks` suspected (otherwise those blocks were free ones)."""
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal"
    ).fetchall()
    for schema, table in tables:
        quoted = '"' + str(schema).replace('"', '""') + '"."' + str(table).replace('"', '""') + '"'
        try:  # hashing each whole row makes DuckDB read every column of every row
            con.execute(f"SELECT bit_xor(hash(r)) FROM {quoted} AS r").fetchall()
        except duckdb.Error as exc:
            if not isinstance(explained := explain(exc, path), WorkspaceCorruptError):
                raise explained from exc  # not damage (out of memory...): said as it is
            listed = ", ".join(map(str, suspects[:5])) + (" ..." if len(suspects) > 5 else "")
            raise WorkspaceCorruptError(
                f"{path}: the workspace file is damaged (table {table}; storage blocks "
                f"{listed} fail their checksums); {_RESTORE}"
            ) from exc


def explain(exc: duckdb.Error, path: str | None) -> WorkspaceError:
    """The :class:`WorkspaceError` that says in words what DuckDB's ``exc`` means for ``path``.

    ``path`` is None where the caller does not know the file (the CLI's last resort).

    >>> str(explain(duckdb.IOException("IO Error: Disk I/O error"), "w.duckdb"))
    'w.duckdb: DuckDB failed: Disk I/O error'
    """
    message = str(exc)
    lowered = message.lower()
    if "could not set lock" in lowered:
        return _locked(path, message)
    if "permission denied" in lowered or "read-only file system" in lowered:
        return read_only_error(path)
    where = f"{path}: " if path else ""
    if "not a valid duckdb database" in lowered:
        return ForeignFileError(f"{where}not a DuckDB database, so not a cibwatch workspace")
    if "different configuration" in lowered:
        return WorkspaceError(
            f"{where}already open in this program in another mode (read-only or not); "
            "close the other handle first"
        )
    if "version number" in lowered or "storage version" in lowered:
        return WorkspaceError(
            f"{where}written by another DuckDB storage version than this cibwatch reads; "
            "open it with the cibwatch that wrote it, or run the investigation again"
        )
    if any(sign in lowered for sign in _CORRUPT):
        return WorkspaceCorruptError(f"{where}the workspace file is damaged; {_RESTORE}")
    if "no space left" in lowered or "disk full" in lowered:
        return WorkspaceError(
            f"{where}the disk is full; nothing of this step was kept. Free some space "
            "(DuckDB also spills to the .tmp folder beside the workspace) and run it again"
        )
    if "out of memory" in lowered:
        return WorkspaceError(
            f"{where}DuckDB ran out of memory; nothing of this step was kept. Run it again "
            "with a lower memory limit (DuckDB then spills to disk) or on a larger machine"
        )
    return WorkspaceError(f"{where}DuckDB failed: {_plain(message)}")


def read_only_error(path: str | None) -> WorkspaceReadOnlyError:
    """The error of a command that would change a workspace this user may not write."""
    where = f"{path}: " if path else ""
    return WorkspaceReadOnlyError(
        f"{where}the workspace file (or its folder) is read-only for you, and this command "
        "changes it; make it writable (chmod u+w) or work on a copy. Commands that only "
        "read it (report, export, cases list/show) still work"
    )


def _plain(message: str) -> str:
    """DuckDB's message without its error-class prefix (``IO Error: ``...)."""
    return re.sub(r"^[A-Za-z ]+ Error: ", "", message, count=1)


def _locked(path: str | None, message: str) -> WorkspaceLockedError:
    found = _LOCK.search(message)
    pid = int(found.group("pid")) if found else None
    program = found.group("program") if found else None
    holder = "another process"
    if pid is not None:
        command = _command_line(pid) or program
        holder = f"process {pid}" + (f" ({command})" if command else "")
    error = WorkspaceLockedError(
        f"{path or 'the workspace'}: in use by {holder}, and DuckDB lets one process at a "
        "time open it. Wait for that process to end or stop it, then run this again; "
        "while `cibwatch serve` holds the workspace, review cases through its dashboard "
        "or API"
    )
    error.pid, error.program = pid, program
    return error


def _command_line(pid: int) -> str | None:
    """The command line of process ``pid`` (Linux), or None where it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\x00") if w]
    if words and os.path.basename(words[0]).startswith("python") and len(words) > 1:
        words = words[1:]  # "python -m cibwatch ..." or a script: the script says more
    return " ".join(os.path.basename(w) if i == 0 else w for i, w in enumerate(words)) or None
