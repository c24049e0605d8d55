"""The one place source formats are registered.

Each format module exposes ``INGESTERS: list[type[Ingester]]``; adding a format means adding
its module to :data:`MODULES`. Detection asks the specific formats first and the generic
CSV/JSONL/Parquet readers last, so a Twitter archive CSV is not read as a plain CSV.

>>> "csv" in formats()
True
"""

from __future__ import annotations

from pathlib import Path

from cibwatch.errors import ConfigError, IngestError
from cibwatch.ingest import (
    assets,
    crowdtangle,
    generic,
    io_archive,
    telegram,
    troll_tweets,
    twarc,
)
from cibwatch.ingest.base import Ingester
from cibwatch.ingest.csvsource import detect_encoding

#: Specific formats first (asked first when detecting), generic readers last.
MODULES = (twarc, io_archive, troll_tweets, crowdtangle, telegram, assets, generic)

#: How much of a file ``sniff`` sees.
HEAD_BYTES = 64 * 1024


def _ingesters() -> list[type[Ingester]]:
    found: list[type[Ingester]] = []
    for module in MODULES:
        found.extend(module.INGESTERS)
    return found


def formats() -> list[str]:
    """Names accepted by ``--format``, in detection order."""
    return [ingester.name for ingester in _ingesters()]


def get_ingester(name: str) -> type[Ingester]:
    """The ingester registered under ``name``; unknown names list the known ones."""
    for ingester in _ingesters():
        if ingester.name == name:
            return ingester
    raise ConfigError(f"unknown format {name!r}; known formats: {', '.join(formats())}")


def detect_format(path: Path, encoding: str | None = None) -> type[Ingester]:
    """The first ingester whose ``sniff`` accepts the file's first 64 KiB.

    A file in another encoding than UTF-8 (named by ``encoding`` or proved by a byte-order
    mark) is shown to ``sniff`` as UTF-8, so that detection reads its header.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise IngestError(f"cannot read file ({exc.strerror})", file=str(path)) from exc
    chosen = detect_encoding(head, encoding)
    if chosen not in ("utf-8", "utf-8-sig") and not head.startswith(b"\x1f\x8b"):
        head = head.decode(chosen, errors="replace").encode("utf-8")
    for ingester in _ingesters():
        if ingester.sniff(path, head):
            return ingester
    raise IngestError(
        f"cannot tell the format; pass --format (one of: {', '.join(formats())})",
        file=str(path),
    )
