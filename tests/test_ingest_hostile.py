"""The issue's inputs that ended in a Python traceback: each now a clean error or the right rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch.cli.main import cli
from cibwatch.errors import IngestError
from cibwatch.ingest import csvsource
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES

TWARC = FIXTURES / "twarc" / "flattened.jsonl"
TELEGRAM = FIXTURES / "telegram" / "result.json"
HEADER = "platform,post_id,account_id,created_at,text,likes"


def test_non_utf8_byte_in_twarc_json_rejects_that_line(tmp_path: Path) -> None:
    lines = TWARC.read_bytes().splitlines()
    lines[0] = lines[0].replace(b'"text": "', b'"text": "\xff', 1)
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with Workspace(":memory:") as ws:
        report = ws.ingest(path, format="twarc", max_reject_share=1)
        reasons = [r["reason"] for r in ws.query("SELECT reason FROM rejects")]
    assert report.rows_rejected >= 1
    assert any(reason.startswith("not UTF-8") for reason in reasons)


def test_non_utf8_byte_in_telegram_json_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(TELEGRAM.read_bytes().replace(b'"text"', b'"te\xffxt"', 1))
    with Workspace(":memory:") as ws, pytest.raises(IngestError, match="not UTF-8"):
        ws.ingest(path, format="telegram")


def test_json_nested_3000_deep(tmp_path: Path) -> None:
    deep = "[" * 3000 + "1" + "]" * 3000
    jsonl = tmp_path / "posts.jsonl"
    good = {"platform": "x", "post_id": "1", "account_id": "a", "created_at": 1614600000}
    jsonl.write_text(json.dumps(good) + "\n" + '{"post_id": ' + deep + "}\n")
    with Workspace(":memory:") as ws:
        ws.ingest(jsonl)
        assert ws.query("SELECT source_row, reason FROM rejects") == [
            {"source_row": 2, "reason": "JSON nested too deep"}
        ]
    telegram = tmp_path / "result.json"
    telegram.write_text('{"name": "c", "type": "public_channel", "messages": ' + deep + "}")
    with Workspace(":memory:") as ws, pytest.raises(IngestError, match="nested too deep"):
        ws.ingest(telegram, format="telegram")


def test_huge_row_in_the_first_block_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 200 MB row, scaled down with the block: it ended in ArrowInvalid ("straddling").
    monkeypatch.setattr(csvsource, "BLOCK_BYTES", 1024)
    path = tmp_path / "huge.csv"
    path.write_text(f"{HEADER}\nx,1,a,1614600000,{'y' * 5000},1\nx,2,a,1614600000,ok,1\n")
    with Workspace(":memory:") as ws, pytest.raises(IngestError, match="line 2 is longer"):
        ws.ingest(path)


def test_list_where_a_string_belongs_rejects_the_record(tmp_path: Path) -> None:
    lines = TWARC.read_text().splitlines()
    record = json.loads(lines[0])
    record["author"] = ["not", "an", "object"]
    record["created_at"] = ["2021"]
    path = tmp_path / "tweets.jsonl"
    path.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    with Workspace(":memory:") as ws:
        report = ws.ingest(path, max_reject_share=1)
        # The record is rejected on its line; the others are stored.
        assert (report.rows_read, report.rows_stored, report.rows_rejected) == (3, 2, 1)
        assert ws.query("SELECT source_row, field FROM rejects") == [
            {"source_row": 1, "field": "created_at"}
        ]
    result = CliRunner().invoke(
        cli, ["ingest", "--max-reject-share", "1", str(tmp_path / "w.duckdb"), str(path)]
    )
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_1e23_in_a_count_is_a_rejected_row(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(f"{HEADER}\nx,1,a,1614600000,big,1e23\nx,2,a,1614600000,ok,3\n")
    with Workspace(":memory:") as ws:
        ws.ingest(path)
        assert ws.query("SELECT source_row, field, reason FROM rejects") == [
            {"source_row": 2, "field": "likes", "reason": "not a number"}
        ]
        assert ws.query("SELECT likes FROM posts") == [{"likes": 3}]
    jsonl = tmp_path / "posts.jsonl"
    rows = [
        {
            "platform": "x",
            "post_id": "1",
            "account_id": "a",
            "created_at": 1614600000,
            "likes": 10**23,
        },
        {"platform": "x", "post_id": "2", "account_id": "a", "created_at": 1614600000, "likes": 3},
    ]
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with Workspace(":memory:") as ws:
        ws.ingest(jsonl)
        assert ws.query("SELECT source_row, field, reason, raw FROM rejects") == [
            {"source_row": 1, "field": "likes", "reason": "not a number", "raw": "1" + "0" * 23}
        ]
