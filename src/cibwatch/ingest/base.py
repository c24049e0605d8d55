"""The ingester contract and the staging format every ingester produces.

An ingester turns one source file into *staged* Arrow record batches whose columns are
canonical field names (see :mod:`cibwatch.schema`), plus ``source_row`` (1-based data row in
the file; for JSON formats the 1-based record number). It does not validate types or
deduplicate: the loader does that once, for every format, in DuckDB, and writes rejects with
file, row, field and reason. Rows an ingester cannot even parse become :class:`Reject` s.

Staged columns may be missing (they are then NULL); extra columns are an error. Times may be
strings (ISO 8601, with or without a zone), integers (UNIX seconds) or Arrow timestamps.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import pyarrow as pa

Target = Literal["posts", "accounts"]


@dataclass(frozen=True)
class Reject:
    """A row that could not be stored, and why."""

    source_row: int | None
    field: str | None
    reason: str
    raw: str | None = None


@dataclass(frozen=True)
class Notice:
    """Something about the file as a whole the analyst must hear (e.g. ids that collide).

    Notices do not change any count; the loader keeps them in the ingest's report and in
    the ``ingests`` table (``params.notices``) so they are not lost after the run.
    """

    message: str


@dataclass(frozen=True)
class StagedBatch:
    """Rows for one canonical table (``posts`` or ``accounts``), not yet validated."""

    target: Target
    batch: pa.RecordBatch | pa.Table


@dataclass
class IngestOptions:
    """Options every ingester receives (the CLI flags of ``cibwatch ingest``)."""

    assume_tz: str | None = None
    platform: str | None = None
    column_map: dict[str, Any] | None = None
    batch_rows: int = 1_000_000
    #: Text encoding of the file (``--encoding``); ``None``: UTF-8 unless a BOM says otherwise.
    encoding: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Ingester(ABC):
    """One source format. Register new ones in :mod:`cibwatch.ingest.registry`."""

    #: Short name used by ``--format`` and stored in the ``ingests`` table.
    name: ClassVar[str]
    #: One line for ``cibwatch ingest --help``.
    description: ClassVar[str]

    @classmethod
    @abstractmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        """Whether ``path`` (its first bytes in ``head``) looks like this format."""

    @abstractmethod
    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject | Notice]:
        """Yield staged batches and rejects (and notices), in file order, streaming."""
