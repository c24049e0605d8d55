"""CSV read exactly: quoting faults found, physical line numbers, every line end, encodings.

Line numbers count the header as line 1, as a text editor (and, without line breaks in
cells, a spreadsheet) shows them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch.cli.main import cli
from cibwatch.errors import ConfigError
from cibwatch.ingest import csvsource
from cibwatch.workspace import Workspace

HEADER = "platform,post_id,account_id,created_at,text"
T = "2021-03-01T12:00:00Z"


def _rows(ws: Workspace) -> list[tuple[str, int, str]]:
    got = ws.query("SELECT post_id, source_row, text FROM posts ORDER BY source_row")
    return [(r["post_id"], r["source_row"], r["text"]) for r in got]


def _rejects(ws: Workspace) -> list[tuple[int, str]]:
    got = ws.query("SELECT source_row, reason FROM rejects ORDER BY source_row")
    return [(r["source_row"], r["reason"]) for r in got]


def test_stray_quotes_cost_their_rows_not_the_rows_they_swallow(tmp_path: Path) -> None:
    # The issue's merge.csv: 4 data rows, rows on lines 2 and 4 carry an unmatched '"'.
    # It ingested as "read 2, stored 2": post 1's text swallowed post 2 and post 3's line.
    path = tmp_path / "merge.csv"
    lines = [
        HEADER,
        f'x,1,a,{T},"he said hi',
        f"x,2,b,{T},plain",
        f'x,3,c,{T},"she said "no" twice',
        f"x,4,d,{T},last",
    ]
    path.write_text("\n".join(lines) + "\n")
    with Workspace(":memory:") as ws:
        report = ws.ingest(path)
        assert (report.rows_read, report.rows_stored, report.rows_rejected) == (4, 2, 2)
        assert _rows(ws) == [("2", 3, "plain"), ("4", 5, "last")]
        assert [line for line, _ in _rejects(ws)] == [2, 4]
        assert all(reason.startswith("broken quoting") for _, reason in _rejects(ws))


def test_twenty_such_files_lose_no_row_without_a_word(tmp_path: Path) -> None:
    # The batch: every row is stored or rejected, none vanish.
    with Workspace(":memory:") as ws:
        for n in range(20):
            path = tmp_path / f"merge{n}.csv"
            texts = ['"open', "ok", '"open', "ok"]
            rows = [f"x,{n}-{i},a,{T},{text}" for i, text in enumerate(texts, 1)]
            path.write_text("\n".join([HEADER, *rows]) + "\n")
            report = ws.ingest(path)
            assert report.rows_read == 4
            assert report.rows_stored + report.rows_rejected == 4
        assert ws.count("posts") + ws.count("rejects") == 80


def test_a_changed_field_count_is_rejected_and_the_next_rows_read(tmp_path: Path) -> None:
    path = tmp_path / "fields.csv"
    path.write_text(f"{HEADER}\nx,1,a,{T},ok\nx,2,a,{T},too,many\nx,3,a,{T},ok\n")
    with Workspace(":memory:") as ws:
        ws.ingest(path)
        assert [p for p, _, _ in _rows(ws)] == ["1", "3"]
        assert _rejects(ws) == [(3, "expected 5 fields, found 6")]


def test_a_quote_open_past_the_line_bound_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvsource, "MAX_RECORD_LINES", 3)
    path = tmp_path / "long.csv"
    text = '"' + "\n".join(f"para {i}" for i in range(5)) + '"'  # 5 lines in one cell
    path.write_text(f"{HEADER}\nx,1,a,{T},{text}\nx,2,a,{T},ok\nx,3,a,{T},ok\n")
    with Workspace(":memory:") as ws:
        ws.ingest(path, max_reject_share=1)
        rejected = _rejects(ws)
        assert rejected[0][0] == 2 and "still open after 3 lines" in rejected[0][1]
        assert [p for p, _, _ in _rows(ws)] == ["2", "3"]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_end_gives_the_same_rows_and_lines(tmp_path: Path, end: str) -> None:
    path = tmp_path / "ends.csv"
    body = [HEADER, f'x,1,a,{T},"two{end}lines"', f"x,2,a,{T},one", "", f"x,3,a,{T},after blank"]
    path.write_bytes(end.join(body).encode() + end.encode())
    with Workspace(":memory:") as ws:
        ws.ingest(path)
        # Line 5 is blank: no row, but the numbering counts it.
        assert _rows(ws) == [("1", 2, f"two{end}lines"), ("2", 4, "one"), ("3", 6, "after blank")]


@pytest.mark.parametrize(
    ("encoding", "data", "option"),
    [
        ("utf-8-sig", "\ufeff" + HEADER + f"\nx,1,a,{T},café\n", None),  # BOM: detected
        ("utf-16", HEADER + f"\nx,1,a,{T},café\n", None),  # BOM written by the codec
        ("utf-16", HEADER + f"\nx,1,a,{T},café\n", "utf-16"),
        ("latin-1", HEADER + f"\nx,1,a,{T},café\n", "latin-1"),
    ],
    ids=["utf-8-sig detected", "utf-16 detected", "utf-16 named", "latin-1 named"],
)
def test_encodings(tmp_path: Path, encoding: str, data: str, option: str | None) -> None:
    path = tmp_path / "enc.csv"
    path.write_bytes(data.encode(encoding))
    with Workspace(":memory:") as ws:
        ws.ingest(path, encoding=option)
        assert _rows(ws) == [("1", 2, "café")]


def test_latin1_is_never_guessed(tmp_path: Path) -> None:
    # Without --encoding the Latin-1 byte is invalid UTF-8: that row is rejected, not altered.
    path = tmp_path / "latin.csv"
    path.write_bytes(f"{HEADER}\nx,1,a,{T},caf\xe9\nx,2,a,{T},ok\n".encode("latin-1"))
    with Workspace(":memory:") as ws:
        ws.ingest(path)
        assert _rows(ws) == [("2", 3, "ok")]
        assert "pass --encoding" in _rejects(ws)[0][1]


def test_unknown_encoding_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"{HEADER}\nx,1,a,{T},ok\n")
    with Workspace(":memory:") as ws, pytest.raises(ConfigError, match="not an encoding"):
        ws.ingest(path, encoding="klingon")


def test_cli_encoding_option(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(f"{HEADER}\nx,1,a,{T},caf\xe9\n".encode("latin-1"))
    workspace = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", workspace, str(path)]).exit_code == 1
    ok = runner.invoke(cli, ["ingest", "--encoding", "latin-1", workspace, str(path)])
    assert ok.exit_code == 0, ok.output
    with Workspace(workspace) as ws:
        assert ws.query("SELECT text FROM posts") == [{"text": "café"}]


def test_a_bad_byte_in_the_first_block_is_a_rejected_row(tmp_path: Path) -> None:
    # It ended in ArrowInvalid before.
    path = tmp_path / "bad.csv"
    path.write_bytes(f"{HEADER}\nx,1,a,{T},\xff\xfe\nx,2,a,{T},ok\n".encode("latin-1"))
    with Workspace(":memory:") as ws:
        report = ws.ingest(path)
        assert (report.rows_stored, report.rows_rejected) == (1, 1)


def test_cr_only_file_with_a_long_line_is_not_one_line(tmp_path: Path) -> None:
    # CR-only files used to end in _csv.Error; many short CR lines are many lines.
    path = tmp_path / "mac.csv"
    rows = "\r".join(f"x,{i},a,{T},ok" for i in range(1, 2001))
    path.write_bytes(f"{HEADER}\r{rows}\r".encode())
    with Workspace(":memory:") as ws:
        assert ws.ingest(path).rows_stored == 2000
