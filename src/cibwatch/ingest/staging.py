"""Turning an ingester's buffered rows into staged batches.

Most ingesters gather posts in a list and accounts in a dict keyed by account id (one row
per account per batch, since a source repeats the author on every post), and hand both to
the loader whenever the posts reach ``batch_rows`` and once at the end. :func:`flush` does
that hand-over for all of them, posts first, so the order of staged batches is the same
whichever ingester wrote the rows.

>>> posts = [{"post_id": "1", "account_id": "a"}]
>>> accounts = {"a": {"account_id": "a"}}
>>> [staged.target for staged in flush(posts, accounts)], posts, accounts
(['posts', 'accounts'], [], {})
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from cibwatch.ingest.base import StagedBatch, Target

#: Builds one staged batch from row dicts (see :func:`rows_batch`).
Stage = Callable[[Target, list[dict[str, Any]]], StagedBatch]


def rows_batch(target: Target, rows: list[dict[str, Any]]) -> StagedBatch:
    """Row dicts as one staged batch, column types inferred by Arrow."""
    return StagedBatch(target, pa.RecordBatch.from_pylist(rows))


def flush(
    posts: list[dict[str, Any]],
    accounts: dict[Any, dict[str, Any]],
    stage: Stage = rows_batch,
) -> Iterator[StagedBatch]:
    """Stage the buffered posts, then the buffered accounts, and empty both buffers.

    An empty buffer yields nothing. ``stage`` builds each batch; an ingester whose values
    can mix types passes its own.
    """
    if posts:
        yield stage("posts", posts)
        posts.clear()
    if accounts:
        yield stage("accounts", list(accounts.values()))
        accounts.clear()
