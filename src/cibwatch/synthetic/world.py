"""A synthetic world with planted operations and known ground truth.

:func:`generate_world` writes ``posts.parquet`` and ``accounts.parquet`` (columns exactly the
canonical fields of :mod:`cibwatch.schema`, so the generic Parquet ingester reads them
without a column map) and ``ground_truth.json`` (every planted operation and innocent group,
with its accounts, ad spend, operator time zone and domains; the state outlet's channel under
``sources``; and under ``narratives`` each claim it launched, with the operations that repeat
it and their delay in days). Detectors are scored against it.

The world is deterministic for a seed: the same seed gives byte-identical files. Organic data
is generated in fixed-size blocks and written as Parquet row groups, so memory stays bounded
from ten thousand to a hundred million posts and the content does not depend on how many
blocks go into one row group.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     manifest = generate_world(Path(folder) / "world", posts=10_000)
>>> manifest.groups[0]["label"]
'Spamouflage-like'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cibwatch.errors import ConfigError
from cibwatch.synthetic import innocent, operations, sources
from cibwatch.synthetic.organic import (
    OrganicPlan,
    celebrity_accounts,
    organic_accounts,
    organic_posts,
    pool_posts,
)
from cibwatch.synthetic.planted import PlantedRows
from cibwatch.synthetic.sampling import epoch_seconds
from cibwatch.synthetic.tables import ACCOUNTS_SCHEMA, POSTS_SCHEMA, rows_table

DEFAULT_START = date(2024, 3, 4)  # a Monday
#: Generation blocks per Parquet row group unless told otherwise (about 260 thousand rows).
DEFAULT_CHUNK_BLOCKS = 16
POSTS_FILE = "posts.parquet"
ACCOUNTS_FILE = "accounts.parquet"
TRUTH_FILE = "ground_truth.json"

#: Called with (rows written so far, rows in total) as the posts file grows.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WorldManifest:
    """Where a generated world lies, how big it is, and its ground truth."""

    out_dir: Path
    posts_path: Path
    accounts_path: Path
    ground_truth_path: Path
    seed: int
    start: datetime
    days: int
    posts: int  # rows in posts.parquet
    accounts: int  # rows in accounts.parquet
    organic_posts: int
    planted_posts: int
    groups: list[dict[str, Any]] = field(default_factory=list)
    #: Accounts in no group whose posts operations repeat (a state outlet's channel).
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: Planted claims: source, first appearance, each repeating operation and its delay.
    narratives: list[dict[str, Any]] = field(default_factory=list)

    def group(self, group_id: str) -> dict[str, Any]:
        """Return the ground truth of one planted group by id."""
        for group in self.groups:
            if group["id"] == group_id:
                return group
        raise ConfigError(f"no planted group {group_id!r} in this world")


def _start_datetime(start: date | datetime) -> datetime:
    """Midnight UTC of the start day: schedules are laid out in whole days from it."""
    if isinstance(start, datetime):
        start = (start.astimezone(UTC) if start.tzinfo else start).date()
    return datetime(start.year, start.month, start.day, tzinfo=UTC)


def _plant(
    seed: int, start: int, days: int, weekday0: int
) -> tuple[PlantedRows, sources.OutletPlant]:
    """Build every planted group, each from its own random stream, then the state outlet.

    The outlet comes last: the operations' repeats of its claims are posted by their members.
    """
    rows = PlantedRows(start, days, weekday0)
    builders = (
        operations.plant_spamouflage,
        operations.plant_doppelganger,
        innocent.plant_breaking_news,
        innocent.plant_fan_community,
        innocent.plant_campaign,
    )
    for number, build in enumerate(builders):
        rows.groups.append(build(rows, np.random.default_rng([seed, 10 + number])))
    by_id = {group.id: group for group in rows.groups}
    outlet = sources.plant_state_outlet(rows, np.random.default_rng([seed, 30]), by_id)
    return rows, outlet


def _grouped(blocks: Iterator[pa.Table], chunk_blocks: int) -> Iterator[pa.Table]:
    batch: list[pa.Table] = []
    for table in blocks:
        batch.append(table)
        if len(batch) == chunk_blocks:
            yield pa.concat_tables(batch)
            batch = []
    if batch:
        yield pa.concat_tables(batch)


def _write(
    path: Path, schema: pa.Schema, tables: Iterator[pa.Table], on_rows: Callable[[int], None]
) -> int:
    written = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for table in tables:
            if table.num_rows:
                writer.write_table(table, row_group_size=table.num_rows)
                written += table.num_rows
                on_rows(table.num_rows)
    return written


def generate_world(
    out_dir: Path,
    *,
    posts: int = 20_000,
    seed: int = 7,
    start: date | datetime = DEFAULT_START,
    days: int = 28,
    chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
    progress: Progress | None = None,
) -> WorldManifest:
    """Write a synthetic world into ``out_dir`` and return its manifest.

    The world starts at midnight UTC of ``start``'s day (a datetime is truncated) and lasts
    ``days`` days. ``posts`` is the organic volume (ordinary users' posts); the planted
    operations and innocent groups have a fixed size (a few thousand posts) whatever ``posts``
    is, and the celebrities' shareable posts add one percent. ``chunk_blocks`` sets how many
    generation blocks go into one Parquet row group; it changes memory use, never the content.
    """
    if posts < 0:
        raise ConfigError(f"posts must be >= 0, got {posts}")
    if days < 7:
        raise ConfigError(f"days must be >= 7 (operations keep a weekly schedule), got {days}")
    if chunk_blocks < 1:
        raise ConfigError(f"chunk_blocks must be >= 1, got {chunk_blocks}")
    begin = _start_datetime(start)
    plan = OrganicPlan(
        seed=seed, start=epoch_seconds(begin), days=days, weekday0=begin.weekday(), posts=posts
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    planted, outlet = _plant(seed, plan.start, days, plan.weekday0)

    total = len(planted.posts) + plan.pool_posts + posts
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if progress is not None:
            progress(done, total)

    def post_tables() -> Iterator[pa.Table]:
        yield rows_table(planted.posts, POSTS_SCHEMA)
        yield from _grouped(
            (pool_posts(plan, b) for b in range(plan.blocks(plan.pool_posts))), chunk_blocks
        )
        yield from _grouped(
            (organic_posts(plan, b) for b in range(plan.blocks(posts))), chunk_blocks
        )

    def account_tables() -> Iterator[pa.Table]:
        yield celebrity_accounts(plan)
        yield rows_table(planted.accounts, ACCOUNTS_SCHEMA)
        yield from _grouped(
            (organic_accounts(plan, b) for b in range(plan.blocks(plan.accounts))), chunk_blocks
        )

    posts_path = out_dir / POSTS_FILE
    accounts_path = out_dir / ACCOUNTS_FILE
    post_rows = _write(posts_path, POSTS_SCHEMA, post_tables(), advance)
    account_rows = _write(accounts_path, ACCOUNTS_SCHEMA, account_tables(), lambda _: None)

    groups = [group.as_json() for group in planted.groups]
    source_truth, narrative_truth = [outlet.outlet.as_json()], outlet.truth()
    truth = {
        "world": {
            "seed": seed,
            "start": begin.isoformat(),
            "days": days,
            "parameters": {
                "posts": posts,
                "organic_accounts": plan.accounts,
                "celebrities": celebrity_accounts(plan).num_rows,
                "pool_posts": plan.pool_posts,
            },
            "counts": {
                "posts": post_rows,
                "accounts": account_rows,
                "organic_posts": posts,
                "planted_posts": len(planted.posts),
                "planted_accounts": len(planted.accounts),
            },
            "files": {"posts": POSTS_FILE, "accounts": ACCOUNTS_FILE},
        },
        "groups": groups,
        "sources": source_truth,
        "narratives": narrative_truth,
    }
    truth_path = out_dir / TRUTH_FILE
    truth_path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return WorldManifest(
        out_dir=out_dir,
        posts_path=posts_path,
        accounts_path=accounts_path,
        ground_truth_path=truth_path,
        seed=seed,
        start=begin,
        days=days,
        posts=post_rows,
        accounts=account_rows,
        organic_posts=posts,
        planted_posts=len(planted.posts),
        groups=groups,
        sources=source_truth,
        narratives=narrative_truth,
    )
