"""The loader: validation, time zones, duplicates, accounts, counts and atomicity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cibwatch.errors import ConfigError, IngestError
from cibwatch.ingest import registry
from cibwatch.ingest.base import Ingester, IngestOptions, Reject, StagedBatch
from cibwatch.ingest.loader import IngestReport
from cibwatch.ingest.times import TOO_LARGE_REASON
from cibwatch.workspace import Workspace
from realdata_rule import SharedData

FIXTURES = Path(__file__).parent / "fixtures" / "generic"
#: 2021-03-01 12:00:00 UTC as UNIX seconds.
T = 1614600000
HEADER = "platform,post_id,account_id,created_at,text\n"


@pytest.fixture
def ws() -> Workspace:
    return Workspace(":memory:")


def _csv(tmp_path: Path, body: str, name: str = "posts.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _snapshot(ws: Workspace) -> dict[str, Any]:
    return {
        table: ws.query(f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("posts", "accounts", "rejects", "ingests")
    }


def test_zoneless_time_requires_assume_tz(ws: Workspace, tmp_path: Path) -> None:
    # Line 2 has a zone, line 3 has none: the loader must refuse to guess and name line 3.
    path = _csv(tmp_path, "x,1,a,2021-03-01T12:00:00Z,a\nx,2,a,2021-03-01 12:00:00,b\n")
    with pytest.raises(IngestError) as info:
        ws.ingest(path)
    assert (info.value.file, info.value.row, info.value.field) == (str(path), 3, "created_at")
    assert "--assume-tz" in str(info.value)
    assert ws.count("posts") == 0 and ws.count("ingests") == 0


def test_assume_tz_is_applied_and_zoned_times_kept(ws: Workspace, tmp_path: Path) -> None:
    # New York is UTC-5 in January: 12:00 local = 17:00 UTC. Row 1 carries its own zone
    # (+01:00), which wins over --assume-tz: 12:00+01:00 = 11:00 UTC.
    path = _csv(tmp_path, "x,1,a,2021-01-05T12:00:00+01:00,a\nx,2,a,2021-01-05 12:00,b\n")
    ws.ingest(path, assume_tz="America/New_York")
    got = ws.query("SELECT post_id, created_at FROM posts ORDER BY post_id")
    assert got == [
        {"post_id": "1", "created_at": datetime(2021, 1, 5, 11, 0)},
        {"post_id": "2", "created_at": datetime(2021, 1, 5, 17, 0)},
    ]
    with pytest.raises(ConfigError, match="Mars/Base"):
        ws.ingest(path, assume_tz="Mars/Base")


def test_naive_arrow_timestamps_need_assume_tz(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "naive.parquet"
    table = pa.table(
        {
            "platform": ["x"],
            "post_id": ["1"],
            "account_id": ["a"],
            "created_at": pa.array([datetime(2021, 3, 1, 12)], pa.timestamp("s")),
        }
    )
    pq.write_table(table, path)
    with pytest.raises(IngestError, match="row 1, field created_at"):
        ws.ingest(path)
    ws.ingest(path, assume_tz="Asia/Tokyo")  # UTC+9
    assert ws.query("SELECT created_at FROM posts") == [{"created_at": datetime(2021, 3, 1, 3)}]


def test_duplicates_within_file_and_across_ingests(ws: Workspace, tmp_path: Path) -> None:
    # First file: post 1 twice (row 2 is a duplicate of row 1). Second file: post 1 again
    # (already stored) and a new post 9. Same id on another platform is not a duplicate.
    first = _csv(tmp_path, f"x,1,a,{T},a\nx,1,a,{T},again\ny,1,a,{T},other platform\n", "one.csv")
    second = _csv(tmp_path, f"x,1,b,{T},later\nx,9,b,{T},new\n", "two.csv")
    one = ws.ingest(first)
    assert (one.rows_read, one.rows_stored, one.rows_duplicate) == (3, 2, 1)
    two = ws.ingest(second)
    assert (two.rows_read, two.rows_stored, two.rows_duplicate) == (2, 1, 1)
    dups = ws.query("SELECT source_file, source_row, reason, raw FROM rejects ORDER BY source_file")
    assert dups == [
        {"source_file": str(first), "source_row": 3, "reason": "duplicate post", "raw": "1"},
        {"source_file": str(second), "source_row": 2, "reason": "duplicate post", "raw": "1"},
    ]
    # The stored post 1 is the first one seen, unchanged.
    assert ws.query("SELECT text FROM posts WHERE platform = 'x' AND post_id = '1'") == [
        {"text": "a"}
    ]
    report = ws.query("SELECT rows_read, rows_stored, rows_duplicate FROM ingests ORDER BY 1")
    assert report == [
        {"rows_read": 2, "rows_stored": 1, "rows_duplicate": 1},
        {"rows_read": 3, "rows_stored": 2, "rows_duplicate": 1},
    ]


def test_counts_add_up_and_reasons_are_reported(ws: Workspace) -> None:
    report = ws.ingest(FIXTURES / "posts.csv")
    assert report.rows_read == report.rows_stored + report.rows_rejected + report.rows_duplicate
    assert sum(report.reject_reasons.values()) == report.rows_rejected + report.rows_duplicate
    assert ws.count("rejects") == report.rows_rejected + report.rows_duplicate
    assert report.summary().startswith(f"{FIXTURES / 'posts.csv'} (csv): 8 rows read, 3 stored")


def test_numbers_and_kinds(ws: Workspace, tmp_path: Path) -> None:
    # likes '12' stored as 12; 'many' rejected as not a number; kind 'Reply' accepted
    # (case-insensitive), missing kind becomes 'original'.
    path = tmp_path / "n.csv"
    path.write_text(
        "platform,post_id,account_id,created_at,likes,kind\n"
        f"x,1,a,{T},12,Reply\nx,2,a,{T},many,\nx,3,a,{T},,\n"
    )
    report = ws.ingest(path)
    assert (report.rows_stored, report.rows_rejected) == (2, 1)
    rows = ws.query("SELECT post_id, likes, kind FROM posts ORDER BY post_id")
    assert rows == [
        {"post_id": "1", "likes": 12, "kind": "reply"},
        {"post_id": "3", "likes": None, "kind": "original"},
    ]
    assert ws.query("SELECT source_row, field, raw FROM rejects") == [
        {"source_row": 3, "field": "likes", "raw": "many"}
    ]


def test_accounts_upsert_fills_null_fields(ws: Workspace) -> None:
    # accounts.csv: alice twice (handle from row 1, followers from row 2), bob a page.
    report = ws.ingest(FIXTURES / "accounts.csv")
    assert (report.rows_read, report.rows_stored, report.accounts_stored) == (3, 3, 2)
    rows = ws.query("SELECT account_id, kind, handle, followers FROM accounts ORDER BY 1")
    assert rows == [
        {"account_id": "alice", "kind": "account", "handle": "alice_h", "followers": 10},
        {"account_id": "bob", "kind": "page", "handle": None, "followers": None},
    ]
    # Posts by a known account add no account; an unknown author gets a bare account row,
    # which a later accounts file completes.
    ws.ingest(FIXTURES / "posts.csv")
    keys = ws.query("SELECT account_id, kind FROM accounts ORDER BY 1")
    assert [k["account_id"] for k in keys] == ["alice", "bob", "frank"]
    assert keys[2]["kind"] is None


class _FailingIngester(Ingester):
    """Stages one good batch, then fails: the first batch must not survive."""

    name: ClassVar[str] = "failing"
    description: ClassVar[str] = "test only"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        return False

    def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
        good = pa.table(
            {
                "platform": ["x"],
                "post_id": ["100"],
                "account_id": ["z"],
                "created_at": [0],
                "source_row": [1],
            }
        )
        yield StagedBatch("posts", good)
        yield Reject(2, None, "bad row")
        raise IngestError("disk on fire", file=str(path), row=3)


def test_failure_midway_leaves_workspace_unchanged(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.ingest(FIXTURES / "posts.csv")
    before = _snapshot(ws)
    monkeypatch.setattr(registry, "get_ingester", lambda name: _FailingIngester)
    with pytest.raises(IngestError, match="disk on fire"):
        ws.ingest(FIXTURES / "posts.csv", format="failing")
    assert _snapshot(ws) == before
    # The workspace is still usable afterwards.
    monkeypatch.undo()
    assert ws.ingest(FIXTURES / "posts.jsonl").rows_stored == 2


def test_unknown_staged_column_is_an_ingester_bug(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Extra(_FailingIngester):
        def read(self, path: Path, options: IngestOptions) -> Iterator[StagedBatch | Reject]:
            yield StagedBatch("posts", pa.table({"post_id": ["1"], "oops": [1]}))

    monkeypatch.setattr(registry, "get_ingester", lambda name: Extra)
    with pytest.raises(IngestError, match="oops"):
        ws.ingest(FIXTURES / "posts.csv", format="x")
    assert ws.count("ingests") == 0


def test_report_summary_line() -> None:
    report = IngestReport(4, "f.csv", "csv", 10, 7, 2, 1, 3)
    assert (
        report.summary()
        == "f.csv (csv): 10 rows read, 7 stored, 2 rejected, 1 duplicate; 3 accounts"
    )


def test_real_data_with_column_map(ws: Workspace, shared_data: SharedData) -> None:
    source = shared_data("coortweet", "russian_coord_tweets.csv.gz")
    # 35,125 retweets; content_id is the retweet's own id, timestamp_share UNIX seconds.
    cmap = {
        "platform": "twitter",
        "columns": {
            "post_id": "content_id",
            "account_id": "account_id",
            "created_at": "timestamp_share",
            "shared_post_id": "object_id",
        },
    }
    report = ws.ingest(source, format="csv", column_map=cmap)
    assert report.rows_read == 35_125
    assert report.rows_read == report.rows_stored + report.rows_rejected + report.rows_duplicate
    assert ws.count("posts") == report.rows_stored


@pytest.mark.parametrize(
    "value",
    [
        "2021-03-01T12:00:00Z",
        "2021-03-01T12:00:00+0000",
        "2021-03-01 12:00:00 UTC",
        "2021-03-01T13:00+01",
        "2021-03-01T07:00:00-05:00",
        " 2021-03-01T12:00:00Z ",
        "1614600000",
        "1614600000.0",
    ],
)
def test_time_forms_with_zone_become_utc(ws: Workspace, tmp_path: Path, value: str) -> None:
    # Every value names 2021-03-01 12:00 UTC, in ISO 8601 with a zone or UNIX seconds.
    ws.ingest(_csv(tmp_path, f'x,1,a,"{value}",t\n'))
    assert ws.query("SELECT created_at FROM posts") == [{"created_at": datetime(2021, 3, 1, 12)}]


def test_out_of_range_unix_time_is_rejected(ws: Workspace, tmp_path: Path) -> None:
    # 10**14 and more is neither seconds nor milliseconds; 0 is 1970, before any post.
    path = _csv(tmp_path, f"x,1,a,100000000000000,t\nx,2,a,0,t\nx,3,a,{T},t\n")
    report = ws.ingest(path, max_reject_share=1)
    assert (report.rows_stored, report.rows_rejected) == (1, 2)
    reasons = ws.query("SELECT reason FROM rejects ORDER BY source_row")
    assert [r["reason"] for r in reasons] == [TOO_LARGE_REASON, "before 1990: not a real time"]
