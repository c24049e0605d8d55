"""Reading a source of shares: every row read is a share or is set aside with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cibwatch.coaction import CoActionResult, detect_coordination
from cibwatch.coaction.shares import (
    ShareColumns,
    SharesRead,
    SharesShortfallError,
    check_read,
    stage_shares,
    unstage_shares,
    write_shares,
)
from cibwatch.errors import ConfigError, InputError


def _detect(source: Path | pa.Table, **options: Any) -> CoActionResult:
    return detect_coordination(
        source, account_col="user", object_col="url", time_col="when", **options
    )


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "shares.csv"
    path.write_text("user,url,when\n" + body)
    return path


def test_every_row_is_a_share_or_has_a_reason(tmp_path: Path) -> None:
    # Row 1 and 6 are shares; row 2 has an unreadable time; row 3 no account; row 4 no
    # object (a post that shared nothing: no defect); row 5 no time; row 7 both no account
    # and an unreadable time (named once, by its unreadable time, the more telling defect).
    path = _csv(tmp_path, "a,u,0\nb,u,yesterday\n,u,3\nd,,4\ne,w,\nb,u,2\n,v,later\n")
    read = _detect(path, window=5, max_reject_share=1).read
    assert read is not None
    assert (read.file, read.rows_read, read.shares) == (str(path), 7, 2)
    assert read.reasons == {"unreadable time": 2, "no account": 1, "no object": 1, "no time": 1}
    assert read.examples == {
        "unreadable time": "row 2, field when: 'yesterday'",
        "no account": "row 3, field user",
        "no object": "row 4, field url",
        "no time": "row 5, field when",
    }
    # Rejected: the defective would-be shares, 4 of the 6 rows that name an object.
    assert read.rows_rejected == 4
    assert read.reject_share == pytest.approx(4 / 6)


def test_a_bad_time_is_rejected_and_named_unless_too_many_are(tmp_path: Path) -> None:
    # One of two rows rejected: 50 %, not more than the default 50 %: the run goes on.
    path = _csv(tmp_path, "a,u,0\nb,u,yesterday\n")
    result = _detect(path)
    assert result.n_shares == 1 and result.read is not None
    assert result.read.examples["unreadable time"] == "row 2, field when: 'yesterday'"
    # Allowed nothing, the same file is refused, naming the file, the row and the text.
    with pytest.raises(SharesShortfallError) as info:
        _detect(path, max_reject_share=0)
    assert isinstance(info.value, InputError) and info.value.file == str(path)
    assert "1 of 2 rows that name an object rejected (50%" in str(info.value)
    assert "row 2, field when: 'yesterday'" in str(info.value)
    assert info.value.read.rows_read == 2


@pytest.mark.parametrize("bad", ["1_000", "inf", "nan", "0x10", "1 2"])
def test_numbers_a_time_column_should_not_hold_are_unreadable(tmp_path: Path, bad: str) -> None:
    # The cast that reads UNIX seconds would take "1_000" as 1000 and "inf" as a number;
    # in a time column they are typing mistakes, rejected like any unreadable time.
    read = _detect(_csv(tmp_path, f"a,u,0\nb,u,{bad}\n")).read
    assert read is not None and read.reasons == {"unreadable time": 1}
    assert read.examples["unreadable time"] == f"row 2, field when: {bad!r}"


def test_posts_that_shared_nothing_are_no_loss(tmp_path: Path) -> None:
    # Eight posts without a shared object (originals in a tweets export) and two shares:
    # nothing is rejected, so even a strict limit passes.
    path = _csv(tmp_path, "".join(f"x{i},,{i}\n" for i in range(8)) + "a,u,0\nb,u,1\n")
    read = _detect(path, max_reject_share=0).read
    assert read is not None
    assert (read.rows_read, read.shares, read.rows_rejected) == (10, 2, 0)
    assert read.reasons == {"no object": 8}


def test_object_types_not_asked_for_are_counted_apart() -> None:
    # Three rows of url, hashtag and an empty type; only urls are asked for. The hashtag
    # and the untyped row are no shares of this run, and no defect either.
    table = pa.table(
        {
            "user": ["a", "b", "c"],
            "url": ["u", "#h", "x"],
            "kind": ["url", "hashtag", None],
            "when": [0, 1, 2],
        }
    )
    result = _detect(table, object_type_col="kind", object_types=["url"], max_reject_share=0)
    assert result.read is not None
    assert (result.read.file, result.read.shares) == (None, 1)
    assert result.read.reasons == {"other object type": 2}
    assert result.read.examples["other object type"] == "row 2, field kind"


def test_staged_shares_and_the_counts_come_from_one_staging(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,u,0\n,u,1\nb,u,2\n")
    con = duckdb.connect()
    try:
        sql, read = stage_shares(con, path, ShareColumns("user", "url", "when"))
        rows = con.execute(f"SELECT account, object_id, t, share_id, rid FROM ({sql}) s").fetchall()
        assert sorted(rows) == [("a", "u", 0.0, "1", 1), ("b", "u", 2.0, "3", 3)]
        assert (read.rows_read, read.shares, read.reasons) == (3, 2, {"no account": 1})
    finally:
        unstage_shares(con)
        con.close()


def test_write_shares_writes_the_shares_and_says_what_it_read(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,u,0\nb,,1\nc,u,soon\nd,u,3\n")
    out = tmp_path / "shares.parquet"
    read = write_shares(path, out, ShareColumns("user", "url", "when"))
    written = pq.read_table(out)
    assert written.column("account").to_pylist() == ["a", "d"]
    assert read.shares == written.num_rows == 2
    assert read.reasons == {"no object": 1, "unreadable time": 1}


def test_the_column_spec_is_frozen_and_keeps_its_own_copy_of_the_types() -> None:
    types = ["url"]
    columns = ShareColumns("user", "url", "when", object_types=types)
    types.append("hashtag")
    assert columns.object_types == ("url",)
    with pytest.raises(AttributeError):
        columns.account_col = "other"  # type: ignore[misc]


def test_check_read_refuses_a_bad_limit_and_passes_a_clean_read() -> None:
    clean = SharesRead("a.csv", rows_read=3, shares=3)
    check_read(clean, 0)
    check_read(clean, None)
    with pytest.raises(ConfigError, match="between 0 and 1"):
        check_read(clean, 1.5)


def test_a_hostile_time_is_quoted_escaped_and_cut(tmp_path: Path) -> None:
    # Terminal control characters and a right-to-left override are shown escaped, and a
    # long value is cut to 80 characters: the report is read on a terminal.
    hostile = "\x1b[2J\u202e=cmd()" + "x" * 200
    table = pa.table({"user": ["a", "b"], "url": ["u", "u"], "when": ["0", hostile]})
    read = _detect(table).read
    assert read is not None
    example = read.examples["unreadable time"]
    assert example == f"row 2, field when: {hostile[:80]!r}"
    assert "\x1b" not in example and "\u202e" not in example
    assert "\\x1b" in example and "\\u202e" in example
