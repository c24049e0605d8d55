"""Scaffolding shared by the format ingesters' tests (tests/test_ingest_*.py).

Each of those tests drains an ingester into plain rows, shows ``sniff`` the head of a file,
and checks that an ingester refuses every other format's fixtures; the helpers here do
that once so each test file keeps only its own assertions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch

FIXTURES = Path(__file__).parent / "fixtures"
#: Formats with a fixture folder each: an ingester must not claim the others' files.
FORMATS = ("twarc", "io_archive", "troll_tweets", "crowdtangle", "telegram", "assets")
#: How much of a file the tests show ``sniff``.
HEAD_BYTES = 65536

#: Staged posts, staged accounts (as row dicts) and rejects, in the order read.
Staged = tuple[list[dict[str, Any]], list[dict[str, Any]], list[Reject]]


def read_all(ingester: Ingester, path: Path, options: IngestOptions | None = None) -> Staged:
    """Everything ``ingester`` reads from ``path``: posts, accounts and rejects."""
    posts: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for item in ingester.read(path, options or IngestOptions()):
        if isinstance(item, StagedBatch):
            (posts if item.target == "posts" else accounts).extend(item.batch.to_pylist())
        elif isinstance(item, Reject):
            rejects.append(item)
    return posts, accounts, rejects


def head(path: Path) -> bytes:
    """The first :data:`HEAD_BYTES` of a file, as ``sniff`` is shown them."""
    return path.read_bytes()[:HEAD_BYTES]


def other_fixtures(own: str) -> list[Path]:
    """Every fixture file of the :data:`FORMATS` other than ``own``."""
    return [p for f in FORMATS if f != own for p in sorted((FIXTURES / f).glob("*.*"))]


def fixture_id(path: Path) -> str:
    """A test id naming a fixture by its format folder and file name."""
    return f"{path.parent.name}/{path.name}"
