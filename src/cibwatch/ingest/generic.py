"""Generic CSV, JSONL and Parquet sources, with an optional column map.

A file whose column names are canonical field names (:data:`cibwatch.schema.POST_FIELDS`,
or :data:`~cibwatch.schema.ACCOUNT_FIELDS` for accounts) needs no map; other columns are
ignored. Anything else is described by a column-map JSON file::

    {"target": "posts", "platform": "facebook",
     "columns": {"post_id": "id", "account_id": "author", "created_at": "time",
                 "text": "message", "urls": "links"},
     "list_separator": " ", "assume_tz": null}

List fields (urls, hashtags, ...) given as strings are split on ``list_separator``
(whitespace by default). Every row keeps its exact 1-based data row (JSONL: line number;
Parquet: row number) so rejects can be found in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cibwatch.errors import ConfigError, IngestError
from cibwatch.ingest import entities
from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch, Target
from cibwatch.ingest.csvsource import BLOCK_BYTES, CsvRows, open_bytes, read_header
from cibwatch.schema import ACCOUNT_FIELDS, POST_FIELDS

LIST_FIELDS = frozenset(name for name, sql in POST_FIELDS if sql.endswith("[]"))
MAP_KEYS = frozenset({"target", "platform", "columns", "list_separator", "assume_tz", "delimiter"})
#: JSONL records are Python objects until staged: keep that many at most (bounded memory).
JSONL_BATCH_ROWS = 100_000
#: Key of :attr:`IngestOptions.extra` naming where the column map came from (for errors).
MAP_SOURCE = "column_map_source"


def field_names(target: Target) -> list[str]:
    """Canonical field names of a target table."""
    return [name for name, _ in (POST_FIELDS if target == "posts" else ACCOUNT_FIELDS)]


def load_column_map(spec: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """Read and check a column map; return it with a name for error messages.

    Unknown keys or canonical names raise :class:`ConfigError` naming the map and the key.
    """
    if isinstance(spec, Mapping):
        raw: Any = dict(spec)
        source = "column map"
    else:
        source = str(spec)
        try:
            raw = json.loads(Path(spec).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read column map ({exc.strerror})") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{source}: column map is not valid JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a column map must be a JSON object")
    for key in raw:
        if key not in MAP_KEYS:
            raise ConfigError(f"{source}: unknown key {key!r} (known: {sorted(MAP_KEYS)})")
    target = raw.get("target", "posts")
    if target not in ("posts", "accounts"):
        raise ConfigError(f"{source}: key 'target' must be 'posts' or 'accounts', not {target!r}")
    columns = raw.get("columns", {})
    if not isinstance(columns, dict):
        raise ConfigError(f"{source}: key 'columns' must map canonical names to source columns")
    known = field_names(target)
    for name, column in columns.items():
        if name not in known:
            raise ConfigError(
                f"{source}: key 'columns.{name}' is not a canonical {target} field "
                f"(known: {', '.join(known)})"
            )
        if not isinstance(column, str) or not column:
            raise ConfigError(f"{source}: key 'columns.{name}' must name a source column")
    return raw, source


REQUIRED: dict[str, tuple[str, ...]] = {
    "posts": ("platform", "post_id", "account_id", "created_at"),
    "accounts": ("platform", "account_id"),
}


def plan_columns(
    path: Path, names: list[str], options: IngestOptions
) -> tuple[Target, dict[str, str]]:
    """The target table and canonical -> source column pairs, with required columns present."""
    target, pairs = _pairs(path, names, options)
    for name in REQUIRED[target]:
        if name not in pairs and not (name == "platform" and options.platform):
            hint = " or pass --platform" if name == "platform" else ""
            raise IngestError(
                f"required column missing; name it in a --column-map{hint} "
                f"(columns found: {', '.join(names)})",
                file=str(path),
                field=name,
            )
    return target, pairs


def _pairs(path: Path, names: list[str], options: IngestOptions) -> tuple[Target, dict[str, str]]:
    cmap = options.column_map
    if cmap is not None:
        target: Target = cmap.get("target", "posts")
        pairs = dict(cmap.get("columns", {}))
        source = options.extra.get(MAP_SOURCE, "column map")
        for name, column in pairs.items():
            if column not in names:
                raise IngestError(
                    f"column {column!r} named by {source} key 'columns.{name}' is not in the "
                    f"file (columns: {', '.join(names)})",
                    file=str(path),
                    field=name,
                )
        # Canonical columns the map does not rename are taken as they are.
        for name in field_names(target):
            if name not in pairs and name in names and name not in pairs.values():
                pairs[name] = name
        return target, pairs
    target = "posts" if "post_id" in names or "account_id" not in names else "accounts"
    return target, {name: name for name in field_names(target) if name in names}


def _separator(options: IngestOptions) -> str | None:
    cmap = options.column_map or {}
    separator = cmap.get("list_separator")
    return separator if isinstance(separator, str) and separator else None


def stage(
    table: pa.Table, target: Target, pairs: dict[str, str], options: IngestOptions
) -> StagedBatch:
    """Rename source columns to canonical names and split string list fields."""
    arrays: list[pa.ChunkedArray] = []
    names: list[str] = []
    separator = _separator(options)
    for name, column in pairs.items():
        values = table.column(column)
        if name in LIST_FIELDS and (
            pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
        ):
            if separator is None:
                values = pc.split_pattern_regex(pc.utf8_trim_whitespace(values), r"\s+")
            else:
                values = pc.split_pattern(values, separator)
        arrays.append(values)
        names.append(name)
    if target == "posts" and "text" in pairs:
        for name, values in _text_entities(table.column(pairs["text"]), set(pairs)).items():
            arrays.append(values)
            names.append(name)
    arrays.append(table.column("source_row"))
    names.append("source_row")
    return StagedBatch(target, pa.table(arrays, names=names))


def _text_entities(text: pa.ChunkedArray, given: set[str]) -> dict[str, pa.Array]:
    """Entities read from the text for every entity field the source does not give.

    A file with only a text column (CSV exports) thus gets hashtags, mentions, links and
    ``RT @handle:`` shares like any other source; a field the file maps is never touched.
    The rules are Python's (:mod:`cibwatch.ingest.entities`), run only on the texts that
    hold the character every match needs (``#``, ``@``, ``://``, ``RT``/``MT``), which
    Arrow finds without a Python loop: the other texts hold no such entity.
    """
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        return {}
    rows = len(text)
    found: dict[str, pa.Array] = {}
    as_list = pa.list_(pa.string())
    if "urls" not in given:
        where, texts = _holding(text, ("://",))
        links = [entities.urls(t) for t in texts]
        found["urls"] = pa.array(_spread(rows, where, [v or None for v in links]), as_list)
        if "domains" not in given:
            hosts = [entities.domains(v) if v else None for v in links]
            found["domains"] = pa.array(_spread(rows, where, hosts), as_list)
    if "hashtags" not in given:
        where, texts = _holding(text, ("#", "\uff03"))
        tags = [entities.hashtags(t) or None for t in texts]
        found["hashtags"] = pa.array(_spread(rows, where, tags), as_list)
    if "mentions" not in given:
        where, texts = _holding(text, ("@", "\uff20"))
        names = [entities.mentions(t) or None for t in texts]
        found["mentions"] = pa.array(_spread(rows, where, names), as_list)
    if not given & {"kind", "shared_post_id", "shared_account_id"}:
        where, texts = _holding(text, ("RT", "MT"))
        shares = [entities.retweet_of(t) for t in texts]
        found["kind"] = pa.array(
            _spread(rows, where, ["share" if s else None for s in shares]), pa.string()
        )
        found["shared_account_id"] = pa.array(
            _spread(rows, where, [s[0].lower() if s else None for s in shares]), pa.string()
        )
        found["shared_post_id"] = pa.array(
            _spread(rows, where, [entities.shared_post_id(*s) if s else None for s in shares]),
            pa.string(),
        )
    return found


def _holding(text: pa.ChunkedArray, needles: tuple[str, ...]) -> tuple[Any, list[str]]:
    """Positions of the texts that contain any of ``needles``, and those texts."""
    if len(needles) == 1:
        mask = pc.match_substring(text, needles[0])
    else:
        # One pass of a regular expression of the needles: two substring passes cost 1.6x.
        mask = pc.match_substring_regex(text, "|".join(re.escape(n) for n in needles))
    where = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    texts: list[str] = text.take(pa.array(where, pa.int64())).to_pylist() if len(where) else []
    return where, texts


def _spread(rows: int, where: Any, values: list[Any]) -> list[Any]:
    """``values`` at positions ``where`` of a list of ``rows`` NULLs."""
    out: list[Any] = [None] * rows
    for position, value in zip(where.tolist(), values, strict=True):
        out[position] = value
    return out


class CsvIngester(Ingester):
    """Comma- (or tab-) separated text with a header row; ``.gz`` is decompressed."""

    name: ClassVar[str] = "csv"
    description: ClassVar[str] = "CSV/TSV with canonical column names or a --column-map"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        suffixes = [s.lower() for s in path.suffixes]
        return bool({".csv", ".tsv"} & set(suffixes))

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        default = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ","
        delimiter = str((options.column_map or {}).get("delimiter") or default)
        target, pairs = plan_columns(path, read_header(path, delimiter, options.encoding), options)
        rows = CsvRows(
            path, sorted(set(pairs.values())), delimiter=delimiter, encoding=options.encoding
        )
        # Parse blocks are small; the loader is fastest on batches of ~batch_rows rows.
        pending: list[pa.Table] = []
        count = 0
        for table, rejects in rows:
            yield from rejects
            if table.num_rows:
                pending.append(table)
                count += table.num_rows
            if count >= options.batch_rows:
                yield stage(pa.concat_tables(pending), target, pairs, options)
                pending, count = [], 0
        if count:
            yield stage(pa.concat_tables(pending), target, pairs, options)


class JsonlIngester(Ingester):
    """One JSON object per line; values may be strings, numbers or lists."""

    name: ClassVar[str] = "jsonl"
    description: ClassVar[str] = "JSON Lines with canonical field names or a --column-map"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        suffixes = [s.lower() for s in path.suffixes]
        if {".jsonl", ".ndjson"} & set(suffixes):
            return True
        return head.lstrip().startswith(b"{") and b"\n" in head.strip()

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        plan: tuple[Target, dict[str, str]] | None = None
        pending: list[tuple[int, dict[str, Any]]] = []
        with open_bytes(path) as stream:
            for number, line in enumerate(_lines(path, stream), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    yield Reject(number, None, f"invalid JSON: {exc}", _raw(line))
                    continue
                except RecursionError:
                    yield Reject(number, None, "JSON nested too deep", _raw(line))
                    continue
                if not isinstance(record, dict):
                    yield Reject(number, None, "not a JSON object", _raw(line))
                    continue
                if plan is None:
                    plan = plan_columns(path, _jsonl_keys(record, options), options)
                pending.append((number, record))
                if len(pending) >= min(options.batch_rows, JSONL_BATCH_ROWS):
                    yield _jsonl_batch(pending, plan, options)
                    pending = []
        if pending and plan is not None:
            yield _jsonl_batch(pending, plan, options)


def _jsonl_keys(record: dict[str, Any], options: IngestOptions) -> list[str]:
    """Column names for a JSONL file, from its first record.

    Records differ in which keys they hold, so a key absent from the first record is not an
    error: every mapped (or, without a map, every canonical) name is taken, and a record
    that lacks a required value is rejected on its own line.
    """
    keys = list(record)
    if options.column_map is not None:
        wanted = list(options.column_map.get("columns", {}).values())
    else:
        target: Target = "posts" if "post_id" in keys or "account_id" not in keys else "accounts"
        wanted = field_names(target)
    return keys + [name for name in wanted if name not in keys]


def _lines(path: Path, stream: pa.NativeFile) -> Iterator[bytes]:
    """Lines of a stream, refusing one longer than the block size (bounded memory)."""
    buffer = b""
    number = 0
    while True:
        chunk = stream.read(BLOCK_BYTES)
        if not chunk:
            break
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            number += 1
            yield line
        if len(buffer) > BLOCK_BYTES:
            raise IngestError(
                f"a line longer than {BLOCK_BYTES} bytes: not JSON Lines",
                file=str(path),
                row=number + 1,
            )
    if buffer:
        yield buffer


def _raw(line: bytes) -> str:
    return line[:1000].decode("utf-8", errors="replace")


def _jsonl_value(value: Any, is_list: bool) -> Any:
    if value is None:
        return None
    if is_list:
        if isinstance(value, list):
            return [v if isinstance(v, str) else json.dumps(v) for v in value]
        return value if isinstance(value, str) else json.dumps(value)
    return value if isinstance(value, str) else json.dumps(value)


def _jsonl_batch(
    pending: list[tuple[int, dict[str, Any]]],
    plan: tuple[Target, dict[str, str]],
    options: IngestOptions,
) -> StagedBatch:
    target, pairs = plan
    columns: dict[str, pa.Array] = {}
    for column in sorted(set(pairs.values())):
        is_list = any(n in LIST_FIELDS for n, c in pairs.items() if c == column)
        values = [_jsonl_value(record.get(column), is_list) for _, record in pending]
        # Strings are split like CSV cells; lists are kept.
        if is_list and any(isinstance(v, list) for v in values):
            values = [v.split() if isinstance(v, str) else v for v in values]
            columns[column] = pa.array(values, pa.list_(pa.string()))
            continue
        columns[column] = pa.array(values, pa.string())
    columns["source_row"] = pa.array([n for n, _ in pending], pa.int64())
    return stage(pa.table(columns), target, pairs, options)


class ParquetIngester(Ingester):
    """Apache Parquet, read in record batches (bounded memory)."""

    name: ClassVar[str] = "parquet"
    description: ClassVar[str] = "Parquet with canonical column names or a --column-map"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        return head.startswith(b"PAR1")

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise IngestError(f"not a readable Parquet file ({exc})", file=str(path)) from exc
        target, pairs = plan_columns(path, parquet.schema_arrow.names, options)
        offset = 0
        for batch in parquet.iter_batches(
            batch_size=options.batch_rows, columns=sorted(set(pairs.values()))
        ):
            rows = pa.array(np.arange(offset + 1, offset + batch.num_rows + 1, dtype=np.int64))
            offset += batch.num_rows
            table = pa.Table.from_batches([batch]).append_column("source_row", rows)
            yield stage(table, target, pairs, options)


INGESTERS: list[type[Ingester]] = [CsvIngester, JsonlIngester, ParquetIngester]
