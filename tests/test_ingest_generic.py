"""Generic CSV / JSONL / Parquet ingesters, the registry and ``cibwatch ingest``.

Fixtures live in tests/fixtures/generic; the expected answer of each is explained where it
is used.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibwatch.cli.ingest import command
from cibwatch.errors import ConfigError, IngestError
from cibwatch.ingest import csvsource, registry
from cibwatch.ingest.base import IngestOptions, StagedBatch
from cibwatch.ingest.generic import CsvIngester, JsonlIngester, ParquetIngester
from cibwatch.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "generic"
#: 2021-03-01 12:00:00 UTC as UNIX seconds.
T = 1614600000
HEADER = "platform,post_id,account_id,created_at,text\n"


@pytest.fixture
def ws() -> Workspace:
    return Workspace(":memory:")


def _rejects(ws: Workspace) -> list[tuple[int, str | None, str]]:
    rows = ws.query("SELECT source_row, field, reason FROM rejects ORDER BY source_row")
    return [(r["source_row"], r["field"], r["reason"]) for r in rows]


def test_csv_fixture_rows_counts_and_normalisation(ws: Workspace) -> None:
    # posts.csv has 8 data rows; row 1 holds a quoted text spanning two lines, so physical
    # line numbers (the header is line 1) are data row + 2 from row 2 on. Expected:
    #   1 stored (hashtags lowercased without '#', mention without '@', domain derived)
    #   2 stored (14:00+02:00 -> 12:00 UTC)       3 rejected: 10 fields instead of 9
    #   4 duplicate of post 1                     5 rejected: 'yesterday' is not a time
    #   6 rejected: no account_id                 7 rejected: kind 'retweet' unknown
    #   8 stored (UNIX seconds 1614600000 = 2021-03-01 12:00 UTC)
    report = ws.ingest(FIXTURES / "posts.csv")
    assert report.format == "csv"
    assert (report.rows_read, report.rows_stored) == (8, 3)
    assert (report.rows_rejected, report.rows_duplicate) == (4, 1)
    assert report.rows_read == report.rows_stored + report.rows_rejected + report.rows_duplicate
    assert _rejects(ws) == [
        (5, None, "expected 9 fields, found 10"),
        (6, "post_id", "duplicate post"),
        (7, "created_at", "not a timestamp"),
        (8, "account_id", "missing account_id"),
        (9, "kind", "kind must be one of original, share, reply, quote, comment, ad"),
    ]
    posts = {r["post_id"]: r for r in ws.query("SELECT * FROM posts")}
    assert {p: r["source_row"] for p, r in posts.items()} == {"1": 2, "2": 4, "7": 10}
    first = posts["1"]
    assert first["text"] == "first line\nsecond line"
    assert first["hashtags"] == ["vote", "news"]
    assert first["mentions"] == ["bob"]
    assert first["domains"] == ["example.com"]
    assert posts["2"]["kind"] == "share" and posts["7"]["kind"] == "original"
    noon = datetime(2021, 3, 1, 12, 0)
    assert {r["created_at"] for r in posts.values()} == {noon}
    assert ws.query("SELECT format, rows_read FROM ingests") == [{"format": "csv", "rows_read": 8}]


def test_column_map_with_separator_and_tz_from_map(ws: Workspace) -> None:
    # The map names platform facebook, '|' as list separator and Europe/Berlin as the zone
    # of the file's zoneless times: 12:00 in March is 11:00 UTC, in July (summer) 10:00.
    report = ws.ingest(FIXTURES / "mapped.csv", column_map=FIXTURES / "column_map.json")
    assert report.rows_stored == 2
    rows = ws.query("SELECT * FROM posts ORDER BY post_id")
    assert rows[0]["platform"] == "facebook"
    assert rows[0]["created_at"] == datetime(2021, 3, 1, 11, 0)
    assert rows[1]["created_at"] == datetime(2021, 7, 1, 10, 0)
    assert rows[0]["urls"] == ["https://a.example/x", "https://www.B.example/y"]
    assert rows[0]["domains"] == ["a.example", "b.example"]
    assert rows[0]["text"] == "hello"


def test_column_map_errors_name_map_and_key(ws: Workspace, tmp_path: Path) -> None:
    bad_key = tmp_path / "bad.json"
    bad_key.write_text(json.dumps({"columns": {"post_idd": "id"}}))
    with pytest.raises(ConfigError, match=r"bad\.json.*columns\.post_idd"):
        ws.ingest(FIXTURES / "mapped.csv", column_map=bad_key)
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({"platform": "fb", "columns": {"post_id": "nope"}}))
    with pytest.raises(IngestError, match=r"missing\.json key 'columns\.post_id'"):
        ws.ingest(FIXTURES / "mapped.csv", column_map=missing)
    not_json = tmp_path / "broken.json"
    not_json.write_text("{")
    with pytest.raises(ConfigError, match=r"broken\.json"):
        ws.ingest(FIXTURES / "mapped.csv", column_map=not_json)
    assert ws.count("ingests") == 0


def test_missing_required_column_names_file_and_field(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "nocreated.csv"
    path.write_text("platform,post_id,account_id,text\nx,1,a,hi\n")
    with pytest.raises(IngestError, match=r"nocreated\.csv, field created_at"):
        ws.ingest(path)
    no_platform = tmp_path / "noplatform.csv"
    no_platform.write_text("post_id,account_id,created_at\n1,a,1614600000\n")
    with pytest.raises(IngestError, match="--platform"):
        ws.ingest(no_platform)
    # With --platform the same file loads and every row gets that platform.
    assert ws.ingest(no_platform, platform="x").rows_stored == 1
    assert ws.query("SELECT platform FROM posts") == [{"platform": "x"}]


def test_invalid_utf8_is_rejected_with_row_and_field(ws: Workspace, tmp_path: Path) -> None:
    # Line 3's text has bytes that are not UTF-8: only that row is rejected.
    path = tmp_path / "latin.csv"
    path.write_bytes(
        HEADER.encode() + b"x,1,a,1614600000,ok\nx,2,a,1614600000,caf\xe9\nx,3,a,1614600000,z\n"
    )
    report = ws.ingest(path)
    assert (report.rows_read, report.rows_stored, report.rows_rejected) == (3, 2, 1)
    reason = "bytes invalid in utf-8 (pass --encoding if the file is not utf-8)"
    assert _rejects(ws) == [(3, "text", reason)]


def test_unclosed_quote_costs_its_row_only(ws: Workspace, tmp_path: Path) -> None:
    # The quote opened on line 3 is never closed: it would swallow line 4 silently. Line 3
    # is rejected with its number, line 4 is read on its own.
    path = tmp_path / "quote.csv"
    path.write_text(HEADER + 'x,1,a,1614600000,ok\nx,2,a,1614600000,"open\nx,3,a,1614600000,z\n')
    report = ws.ingest(path)
    assert (report.rows_read, report.rows_stored, report.rows_rejected) == (3, 2, 1)
    assert [r["post_id"] for r in ws.query("SELECT post_id FROM posts ORDER BY 1")] == ["1", "3"]
    reject = ws.query("SELECT source_row, reason, raw FROM rejects")[0]
    assert reject["source_row"] == 3 and reject["reason"].startswith("broken quoting")
    assert reject["raw"] == 'x,2,a,1614600000,"open\n'


def test_huge_single_line_is_refused_not_read(ws: Workspace, tmp_path: Path) -> None:
    # 17 MB without a newline after the header: larger than one parse block.
    path = tmp_path / "huge.csv"
    with path.open("w") as handle:
        handle.write(HEADER + "x,1,a,1614600000,")
        handle.write("y" * (17 << 20))
    with pytest.raises(IngestError, match=r"huge\.csv.*longer than"):
        ws.ingest(path)


def test_empty_and_header_only_files(ws: Workspace, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(IngestError, match="empty file"):
        ws.ingest(empty)
    header = tmp_path / "header.csv"
    header.write_text(HEADER)
    with pytest.raises(IngestError, match="empty file"):
        ws.ingest(header)
    assert ws.count("ingests") == 0


def test_jsonl_lists_strings_and_bad_lines(ws: Workspace) -> None:
    # Line 1: hashtags as a JSON list; line 2 is not JSON (rejected with its line number);
    # line 3: post_id as a number, created_at as UNIX seconds, urls as one string.
    report = ws.ingest(FIXTURES / "posts.jsonl")
    assert report.format == "jsonl"
    assert (report.rows_read, report.rows_stored, report.rows_rejected) == (3, 2, 1)
    assert [(row, field) for row, field, _ in _rejects(ws)] == [(2, None)]
    rows = {r["post_id"]: r for r in ws.query("SELECT * FROM posts")}
    assert rows["1"]["hashtags"] == ["a", "b"]
    assert rows["2"]["urls"] == ["https://x.example/1", "https://y.example/2"]
    assert rows["2"]["domains"] == ["x.example", "y.example"]
    assert rows["2"]["source_row"] == 3


def test_parquet_batches_keep_exact_rows_and_tz(tmp_path: Path) -> None:
    # Five rows read two at a time: source rows must run 1..5 across batches.
    path = tmp_path / "p.parquet"
    times = pa.array([1614600000 * 10**6] * 5, pa.timestamp("us", tz="Europe/Berlin"))
    pq.write_table(
        pa.table(
            {
                "platform": ["x"] * 5,
                "post_id": [str(i) for i in range(5)],
                "account_id": ["a"] * 5,
                "created_at": times,
                "urls": [["https://e.example/"], [], None, ["a"], ["b"]],
            }
        ),
        path,
    )
    items = list(ParquetIngester().read(path, IngestOptions(batch_rows=2)))
    staged = [item for item in items if isinstance(item, StagedBatch)]
    assert [b.batch.num_rows for b in staged] == [2, 2, 1]
    rows = [r for b in staged for r in b.batch.column("source_row").to_pylist()]
    assert rows == [1, 2, 3, 4, 5]
    with Workspace(":memory:") as ws:
        assert ws.ingest(path).format == "parquet"
        got = ws.query("SELECT DISTINCT created_at FROM posts")
        assert got == [{"created_at": datetime(2021, 3, 1, 12, 0)}]


def test_registry_detects_and_lists_formats(tmp_path: Path) -> None:
    names = registry.formats()
    assert {"csv", "jsonl", "parquet"} <= set(names)
    assert names[-3:] == ["csv", "jsonl", "parquet"]  # generic readers are asked last
    assert registry.get_ingester("csv") is CsvIngester
    with pytest.raises(ConfigError, match=r"unknown format 'nope'.*csv"):
        registry.get_ingester("nope")
    assert registry.detect_format(FIXTURES / "posts.jsonl") is JsonlIngester
    assert registry.detect_format(FIXTURES / "posts.csv") is CsvIngester
    odd = tmp_path / "data.bin"
    odd.write_bytes(b"\x00\x01\x02 not a known format")
    with pytest.raises(IngestError, match=r"data\.bin.*--format"):
        registry.detect_format(odd)


def test_cli_ingest_prints_counts_and_reasons(tmp_path: Path) -> None:
    workspace = tmp_path / "case.duckdb"
    runner = CliRunner(env={"COLUMNS": "250"})
    result = runner.invoke(command, [str(workspace), str(FIXTURES / "posts.csv")])
    assert result.exit_code == 0, result.output
    assert "posts.csv" in result.output
    assert "duplicate post" in result.output and "not a timestamp" in result.output
    with Workspace(workspace, read_only=True) as ws:
        assert ws.count("posts") == 3
    help_text = CliRunner().invoke(command, ["--help"]).output
    assert "--assume-tz" in help_text and "--column-map" in help_text


def test_cli_reports_library_errors_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "naive.csv"
    path.write_text(HEADER + "x,1,a,2021-03-01 12:00,hi\n")
    result = CliRunner().invoke(command, [str(tmp_path / "w.duckdb"), str(path)])
    # Refused files are listed after the others are loaded: exit 1, no traceback.
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "row 2, field created_at" in result.output and "--assume-tz" in result.output


def _csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prop.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["platform", "post_id", "account_id", "created_at", "text"])
        writer.writerow(["x", "1", "a", "1614600000", text])
    return path


# Any text, including quotes, commas, newlines and non-Latin scripts, must come back
# unchanged (an empty CSV cell is NULL, so CSV texts are non-empty). Surrogates cannot be
# written as UTF-8 at all and are excluded.
TEXTS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS)
def test_property_text_stored_unchanged(tmp_path: Path, text: str) -> None:
    jsonl = tmp_path / "prop.jsonl"
    record = {
        "platform": "x",
        "post_id": "1",
        "account_id": "a",
        "created_at": 1614600000,
        "text": text,
    }
    jsonl.write_text(json.dumps(record) + "\n", encoding="utf-8")
    for path in (_csv_file(tmp_path, text), jsonl):
        with Workspace(":memory:") as ws:
            ws.ingest(path)
            assert ws.query("SELECT text FROM posts") == [{"text": text}]


def test_row_numbers_exact_across_many_parse_blocks(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small staged tables force ~40 batches. Every 7th row has a missing field and is
    # rejected; every 10th row has a two-line quoted text. Post i starts on physical line
    # i + 1 + (number of two-line texts before it), and so do the rejects.
    monkeypatch.setattr(csvsource, "TABLE_ROWS", 8)
    lines = []
    for i in range(1, 301):
        text = '"two\nlines"' if i % 10 == 0 else "t"
        lines.append(f"x,{i},a,1614600000" if i % 7 == 0 else f"x,{i},a,1614600000,{text}")
    path = tmp_path / "blocks.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n")
    report = ws.ingest(path)
    assert (report.rows_read, report.rows_rejected) == (300, 42)

    def line(i: int) -> int:
        # Rows 70, 140, ... have no text, so no second line.
        return i + 1 + sum(1 for j in range(10, i, 10) if j % 7)

    rows = ws.query("SELECT post_id, source_row FROM posts")
    assert rows and all(line(int(r["post_id"])) == r["source_row"] for r in rows)
    rejected = [r["source_row"] for r in ws.query("SELECT source_row FROM rejects ORDER BY 1")]
    assert rejected == [line(i) for i in range(7, 301, 7)]


def test_jsonl_accounts_through_a_column_map(ws: Workspace, tmp_path: Path) -> None:
    # Two records for channel c1 (the second adds a follower count), one for c2 without a
    # kind (becomes 'account'). Platform comes from the map.
    path = tmp_path / "channels.jsonl"
    records = [
        {"id": "c1", "type": "channel", "name": "One"},
        {"id": "c1", "subscribers": 50},
        {"id": "c2", "name": "Two"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    cmap = {
        "target": "accounts",
        "platform": "telegram",
        "columns": {
            "account_id": "id",
            "kind": "type",
            "display_name": "name",
            "followers": "subscribers",
        },
    }
    report = ws.ingest(path, column_map=cmap)
    assert (report.rows_read, report.rows_stored, report.accounts_stored) == (3, 3, 2)
    rows = ws.query("SELECT account_id, kind, display_name, followers FROM accounts ORDER BY 1")
    assert rows == [
        {"account_id": "c1", "kind": "channel", "display_name": "One", "followers": 50},
        {"account_id": "c2", "kind": "account", "display_name": "Two", "followers": None},
    ]


def test_text_only_csv_gets_entities_and_retweets_from_the_text(
    ws: Workspace, tmp_path: Path
) -> None:
    # A CSV export with text and no entity columns: hashtags, mentions, links (t.co as
    # written, no t.co domain) and "RT @handle:" shares come from the text; two accounts
    # retweeting the same tweet act on one shared post.
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER
        + f"x,1,a,{T},Vote #Now @Bob https://t.co/Ab1 and https://site.example/p\n"
        + f"x,2,b,{T},RT @Carol: Same words\n"
        + f"x,3,c,{T},RT @carol:  same words\n"
    )
    ws.ingest(path)
    rows = ws.query("SELECT * FROM posts ORDER BY post_id")
    first, second, third = rows
    assert (first["hashtags"], first["mentions"]) == (["now"], ["bob"])
    assert first["urls"] == ["https://t.co/Ab1", "https://site.example/p"]
    assert first["domains"] == ["site.example"]
    assert (first["kind"], second["kind"]) == ("original", "share")
    assert second["shared_account_id"] == "carol"
    assert second["shared_post_id"] == third["shared_post_id"]


def test_mapped_entity_columns_are_not_replaced(ws: Workspace) -> None:
    # posts.csv gives hashtags and mentions columns: nothing is read from its text.
    ws.ingest(FIXTURES / "posts.csv")
    row = ws.query("SELECT hashtags, mentions FROM posts WHERE post_id = '2'")[0]
    assert (row["hashtags"], row["mentions"]) == (None, None)
