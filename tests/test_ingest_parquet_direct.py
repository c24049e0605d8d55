"""Parquet read by DuckDB itself (:mod:`cibwatch.ingest.parquet_sql`) against the general path.

Each test ingests one Parquet file twice, into two fresh workspaces: once through the
general path (pyarrow batches through Python, forced by making :func:`parquet_sql.plan`
answer None) and once through the direct path, and requires the stored posts, accounts,
rejects and reports to be the same row for row. The direct path must also have been taken,
so a silent fall-back cannot make a test pass.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibwatch.errors import IngestError
from cibwatch.ingest import loader, parquet_sql
from cibwatch.ingest.base import IngestOptions, StagedBatch, Target
from cibwatch.ingest.generic import ParquetIngester
from cibwatch.workspace import Workspace

#: Report fields both paths must agree on (ids and times of day differ by nature).
REPORT_FIELDS = (
    "rows_read",
    "rows_stored",
    "rows_rejected",
    "rows_duplicate",
    "accounts_stored",
    "reject_reasons",
)
T0 = 1_614_600_000 * 10**6  # 2021-03-01 12:00 UTC in microseconds


def _messy_posts() -> pa.Table:
    """Twelve rows: good ones, one of each rejection, and duplicates of rows 1 and 2."""
    return pa.table(
        {
            "platform": ["x", "x", "x", "x", "", "x", "x", "x", "x", "x", "y", "x"],
            "post_id": ["1", "2", "3", "4", "5", "6", "7", "1", "8", "2", "1", "9"],
            "account_id": ["a", "b", "a", None, "c", "", "d", "e", "f", "g", "a", "h"],
            "created_at": pa.array(
                [T0, T0 + 1, T0 + 2, T0, T0, T0, T0, T0, None, T0, T0, T0],
                pa.timestamp("us", tz="Europe/Berlin"),
            ),
            "text": ["hi", "", None, "x", "y", "z", "k", "dup", "t", "dup2", "other", "n"],
            "kind": [
                None,
                "Reply",
                "share ",
                None,
                None,
                None,
                "retweet",
                None,
                None,
                None,
                None,
                "",
            ],
            "urls": [
                ["https://WWW.Example.com/a", " http://u@news.example.org:80/b "],
                [],
                None,
                ["ftp://files.example/x", "not a url", ""],
                None,
                None,
                None,
                None,
                None,
                ["https://t.co/1"],
                None,
                ["https://www.example.com/"],
            ],
            "hashtags": [["#Vote", " #News"], None, ["##x", "#"], *[None] * 7, ["#A"], None],
            "likes": pa.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], pa.int64()),
            "views": ["12", " 7 ", "many", "", None, "1", "2", "3", "4", "5", "6", "1e3"],
            "ad_spend_min": pa.array([0.5, None, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], pa.float32()),
        }
    )


def _snapshot(ws: Workspace) -> dict[str, list[dict[str, Any]]]:
    """Every row the ingest wrote, except the ingest's own clock times."""
    return {
        "posts": ws.query("SELECT * FROM posts ORDER BY ingest_id, source_row"),
        "accounts": ws.query("SELECT * FROM accounts ORDER BY ALL"),
        "rejects": ws.query("SELECT * FROM rejects ORDER BY ALL"),
        "ingests": ws.query(
            "SELECT * EXCLUDE (started_at, finished_at) FROM ingests ORDER BY ingest_id"
        ),
    }


def _report(report: loader.IngestReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in REPORT_FIELDS}


@pytest.fixture
def direct_taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Records, per ingest, whether the direct path was planned (True) or not (False)."""
    taken: list[bool] = []
    real = parquet_sql.plan

    def spy(*args: Any) -> parquet_sql.ParquetSource | None:
        found = real(*args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(parquet_sql, "plan", spy)
    yield taken


def _both(
    monkeypatch: pytest.MonkeyPatch,
    files: list[Path],
    before: list[Path] | None = None,
    **kwargs: Any,
) -> tuple[Any, Any]:
    """Ingest ``files`` (after ``before``, through the general path) by both paths.

    Returns (general, direct), each a list of reports (or the error raised) and a snapshot.
    """
    results = []
    for direct in (False, True):
        with Workspace(":memory:") as ws:
            with monkeypatch.context() as patch:
                patch.setattr(parquet_sql, "plan", _no_plan)
                for path in before or []:
                    ws.ingest(path)
            reports: list[Any] = []
            with monkeypatch.context() as patch:
                if not direct:
                    patch.setattr(parquet_sql, "plan", _no_plan)
                for path in files:
                    try:
                        reports.append(_report(ws.ingest(path, **kwargs)))
                    except IngestError as exc:
                        reports.append((type(exc), exc.file, exc.row, exc.field, exc.message))
            results.append((reports, _snapshot(ws)))
    return results[0], results[1]


def _no_plan(*args: Any) -> None:
    return None


def _small_batches(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """Make every ingest read ``rows`` rows per batch (both paths honour ``batch_rows``)."""
    monkeypatch.setattr(loader, "IngestOptions", functools.partial(IngestOptions, batch_rows=rows))


@pytest.mark.parametrize("batch_rows", [1_000_000, 5])
def test_messy_file_gives_the_same_rows_rejects_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_taken: list[bool], batch_rows: int
) -> None:
    _small_batches(monkeypatch, batch_rows)
    path = tmp_path / "messy.parquet"
    pq.write_table(_messy_posts(), path, row_group_size=5)  # rows span row groups
    general, direct = _both(monkeypatch, [path])
    assert direct_taken == [True]
    assert direct == general
    (report,), snapshot = direct
    # The expected answer, so that "the same" cannot mean "both empty":
    # rejected: 4 (no account), 5 (empty platform), 6 (empty account), 7 (kind retweet),
    # 9 (no time), 3 (views 'many'); duplicates: 8 (post x:1), 10 (post x:2).
    assert (report["rows_read"], report["rows_stored"]) == (12, 4)
    assert (report["rows_rejected"], report["rows_duplicate"]) == (6, 2)
    rejects = {(r["source_row"], r["field"], r["reason"]) for r in snapshot["rejects"]}
    assert (3, "views", "not a number") in rejects
    assert (10, "post_id", "duplicate post") in rejects
    first = snapshot["posts"][0]
    assert first["domains"] == ["example.com", "news.example.org"]
    assert first["hashtags"] == ["vote", "news"]
    assert first["created_at"] == datetime(2021, 3, 1, 12, 0)
    assert [p["source_row"] for p in snapshot["posts"]] == [1, 2, 11, 12]


def test_duplicates_of_an_earlier_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_taken: list[bool]
) -> None:
    earlier = tmp_path / "earlier.parquet"
    pq.write_table(_messy_posts().slice(0, 3), earlier)
    path = tmp_path / "later.parquet"
    pq.write_table(_messy_posts(), path)
    general, direct = _both(monkeypatch, [path], before=[earlier])
    assert direct_taken == [True]
    assert direct == general
    (report,), _ = direct
    # The earlier ingest stored rows 1 and 2 (its row 3 has views 'many'); here rows 1
    # and 2 repeat them, and so do rows 8 and 10.
    assert report["rows_duplicate"] == 4


def test_column_map_and_naive_times_with_assume_tz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_taken: list[bool]
) -> None:
    path = tmp_path / "mapped.parquet"
    pq.write_table(
        pa.table(
            {
                "id": ["1", "2", "3"],
                "author": ["a", "b", "a"],
                "when": pa.array([T0 // 1000, T0 // 1000, None], pa.timestamp("ms")),
                "Message": ["hello", "x", "y"],
                "links": [["https://b.example/"], None, []],
            }
        ),
        path,
    )
    cmap = {
        "platform": "facebook",
        "columns": {
            "post_id": "id",
            "account_id": "author",
            "created_at": "when",
            "text": "Message",
            "urls": "links",
        },
    }
    general, direct = _both(monkeypatch, [path], column_map=cmap, assume_tz="America/New_York")
    assert direct_taken == [True]
    assert direct == general
    (report,), snapshot = direct
    assert (report["rows_stored"], report["rows_rejected"]) == (2, 1)
    # 12:00 naive read as New York (UTC-5 in March) is 17:00 UTC.
    assert snapshot["posts"][0]["created_at"] == datetime(2021, 3, 1, 17, 0)
    assert snapshot["posts"][0]["platform"] == "facebook"


def test_naive_times_without_assume_tz_fail_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_taken: list[bool]
) -> None:
    path = tmp_path / "naive.parquet"
    times = pa.array([None, T0, T0], pa.timestamp("us"))
    pq.write_table(
        pa.table(
            {"platform": ["x"] * 3, "post_id": ["1", "2", "3"], "account_id": ["a"] * 3}
        ).append_column("created_at", times),
        path,
    )
    general, direct = _both(monkeypatch, [path])
    assert direct_taken == [True]
    assert direct == general
    (error,), snapshot = direct
    assert error[:4] == (IngestError, str(path), 2, "created_at")
    assert snapshot["ingests"] == [] and snapshot["posts"] == []


def test_accounts_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_taken: list[bool]
) -> None:
    # Two rows a batch: account a is inserted by the first batch and completed (handle)
    # by the second, which counts it again, as the general path always has.
    _small_batches(monkeypatch, 2)
    path = tmp_path / "accounts.parquet"
    pq.write_table(
        pa.table(
            {
                "platform": ["x", "x", "x", "x"],
                "account_id": ["a", "b", "a", None],
                "kind": ["Page", "robot", None, "account"],
                "handle": [None, "b", "@a", "c"],
                "followers": pa.array([10, 20, None, 1], pa.int32()),
                "created_at": pa.array([T0 // 10**6] * 4, pa.timestamp("s", tz="UTC")),
            }
        ),
        path,
    )
    general, direct = _both(monkeypatch, [path])
    assert direct_taken == [True]
    assert direct == general
    (report,), snapshot = direct
    assert (report["rows_stored"], report["rows_rejected"]) == (2, 2)
    assert report["accounts_stored"] == 2
    assert [(a["account_id"], a["kind"], a["handle"]) for a in snapshot["accounts"]] == [
        ("a", "page", "@a")
    ]


def test_failure_after_the_insert_leaves_the_workspace_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_taken: list[bool]
) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(_messy_posts(), path)
    with Workspace(":memory:") as ws:
        ws.ingest(path)
        before = _snapshot(ws)

        def broken(self: Any) -> None:
            raise IngestError("disk on fire", file="test")

        monkeypatch.setattr(loader._BatchLoader, "dedupe_posts", broken)
        with pytest.raises(IngestError, match="disk on fire"):
            ws.ingest(path)
        assert _snapshot(ws) == before
    assert direct_taken == [True, True]


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        # List fields held as strings are split by pyarrow's rules: general path only.
        ("strings.parquet", {"urls": pa.array(["https://a.example/ https://b.example/"])}),
        # Binary (not UTF-8 annotated) text is not in the table of types read alike.
        ("binary.parquet", {"text": pa.array([b"hi"], pa.binary())}),
        # A file name DuckDB would take as a glob pattern.
        ("posts[1].parquet", {"text": pa.array(["hi"])}),
    ],
)
def test_files_the_direct_path_leaves_to_the_general_one(
    tmp_path: Path, name: str, columns: dict[str, pa.Array]
) -> None:
    path = tmp_path / name
    base = {"platform": ["x"], "post_id": ["1"], "account_id": ["a"], "created_at": ["1614600000"]}
    pq.write_table(pa.table({**base, **columns}), path)
    with Workspace(":memory:") as ws:
        assert parquet_sql.plan(ws.connection, path, IngestOptions()) is None
        assert ws.ingest(path).rows_stored == 1


def test_missing_required_column_is_refused_as_before(tmp_path: Path) -> None:
    path = tmp_path / "nocreated.parquet"
    pq.write_table(pa.table({"platform": ["x"], "post_id": ["1"], "account_id": ["a"]}), path)
    with Workspace(":memory:") as ws, pytest.raises(IngestError) as info:
        ws.ingest(path)
    assert (info.value.file, info.value.field) == (str(path), "created_at")


def test_general_path_still_reads_in_batches(tmp_path: Path) -> None:
    # The Parquet ingester itself is unchanged: it is what the general path runs.
    path = tmp_path / "p.parquet"
    pq.write_table(_messy_posts(), path)
    items = list(ParquetIngester().read(path, IngestOptions(batch_rows=5)))
    assert [item.batch.num_rows for item in items if isinstance(item, StagedBatch)] == [5, 5, 2]


_TEXT = st.one_of(st.none(), st.sampled_from(["", " ", "a", "B", "#t", "@m", "1", "x y"]))
_URL = st.sampled_from(["https://WWW.A.example/p", "http://b.example:8080", "junk", "", " "])


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["x", "y", ""]),
            st.sampled_from(["1", "2", "3", "", " "]),
            _TEXT,
            st.one_of(st.none(), st.integers(-(2**40), 2**40)),
            _TEXT,
            st.one_of(st.none(), st.lists(_URL, max_size=3)),
            st.one_of(st.none(), st.sampled_from(["share", "QUOTE", "bogus", ""])),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_property_both_paths_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[tuple[Any, ...]]
) -> None:
    platform, post_id, account_id, seconds, text, urls, kind = (
        list(c) for c in zip(*rows, strict=True)
    )
    path = tmp_path / "random.parquet"
    pq.write_table(
        pa.table(
            {
                "platform": platform,
                "post_id": post_id,
                "account_id": account_id,
                "created_at": pa.array(seconds, pa.int64()),
                "text": pa.array(text, pa.string()),
                "urls": pa.array(urls, pa.list_(pa.string())),
                "kind": pa.array(kind, pa.string()),
            }
        ),
        path,
    )
    general, direct = _both(monkeypatch, [path])
    assert direct == general


def test_progress_is_reported_per_batch_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Row groups of 5 rows and one DuckDB thread: the direct path's batches are the row
    # groups, which here fall where the general path's 5-row batches do.
    _small_batches(monkeypatch, 5)
    path = tmp_path / "p.parquet"
    pq.write_table(_messy_posts(), path, row_group_size=5)
    seen: list[list[int]] = []
    for direct in (False, True):
        calls: list[int] = []
        with monkeypatch.context() as patch, Workspace(":memory:", threads=1) as ws:
            if not direct:
                patch.setattr(parquet_sql, "plan", _no_plan)
            ws.ingest(path, progress=calls.append)
        seen.append(calls)
    assert seen == [[5, 10, 12], [5, 10, 12]]


def _source(target: Target, row_groups: tuple[int, ...]) -> parquet_sql.ParquetSource:
    return parquet_sql.ParquetSource(
        Path("p.parquet"), target, {}, pa.schema([]), sum(row_groups), row_groups
    )


def test_batches_of_posts_span_a_row_group_per_thread() -> None:
    ten = _source("posts", (1_000_000,) * 10)
    assert list(ten.batches(1_000_000, threads=2)) == [
        (i * 2_000_000, (i + 1) * 2_000_000) for i in range(5)
    ]
    assert len(list(ten.batches(1_000_000, threads=1))) == 10
    # Small row groups gather until a batch holds batch_rows rows; the rest ends the file.
    small = _source("posts", (300, 300, 300, 300, 50))
    assert list(small.batches(500, threads=2)) == [(0, 600), (600, 1200), (1200, 1250)]
    # One huge row group is one batch: DuckDB cannot split it anyway.
    assert list(_source("posts", (7_000_000,)).batches(1_000_000, threads=2)) == [(0, 7_000_000)]


def test_batches_of_accounts_fall_where_the_general_paths_do() -> None:
    accounts = _source("accounts", (7, 7))
    assert list(accounts.batches(5, threads=2)) == [(0, 5), (5, 10), (10, 14)]
