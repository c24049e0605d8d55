"""Honest exits: a file that stores nothing or loses most rows is refused, loudly.

Each case is one of the ways a new user lost data without a word: every time rejected
and exit status 0, the wrong ``--format`` rejecting 100%, a users file without its tweets
analysed into "no networks".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch.cli.main import cli
from cibwatch.errors import ConfigError, IngestError
from cibwatch.ingest.shortfall import IngestShortfallError
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES

HEADER = "platform,post_id,account_id,created_at,text\n"


def _posts(path: Path, times: list[str]) -> Path:
    rows = [f"x,{i},acc{i},{t},hello {i}\n" for i, t in enumerate(times, 1)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _tables(ws: Workspace) -> tuple[int, int, int, int]:
    return (ws.count("posts"), ws.count("accounts"), ws.count("ingests"), ws.count("rejects"))


def test_file_storing_nothing_is_refused_with_reason_and_example(tmp_path: Path) -> None:
    path = _posts(tmp_path / "t.csv", ["yesterday", "noon"])
    with Workspace(":memory:") as ws:
        with pytest.raises(IngestShortfallError) as info:
            ws.ingest(path)
        # Rolled back: not even the ingests row or the rejects remain.
        assert _tables(ws) == (0, 0, 0, 0)
    message = str(info.value)
    assert "nothing stored: all 2 rows were rejected" in message
    assert "2 x not a timestamp (e.g. row 2, field created_at: 'yesterday')" in message
    assert info.value.reasons[0][:2] == ("not a timestamp", 2)


def test_reject_share_above_the_bound_is_refused_unless_raised(tmp_path: Path) -> None:
    # 2 of 3 rows (67%) have no time a reader can use.
    path = _posts(tmp_path / "t.csv", ["2021-03-01T12:00:00Z", "soon", "later"])
    with Workspace(":memory:") as ws:
        with pytest.raises(IngestShortfallError, match=r"2 of 3 rows rejected \(67%"):
            ws.ingest(path)
        assert _tables(ws) == (0, 0, 0, 0)
        report = ws.ingest(path, max_reject_share=1.0)
        assert (report.rows_stored, report.rows_rejected) == (1, 2)
        assert ws.count("posts") == 1


def test_half_rejected_is_still_within_the_default(tmp_path: Path) -> None:
    path = _posts(tmp_path / "t.csv", ["2021-03-01T12:00:00Z", "soon"])
    with Workspace(":memory:") as ws:
        assert ws.ingest(path).rows_rejected == 1


def test_a_share_outside_zero_to_one_is_a_config_error(tmp_path: Path) -> None:
    path = _posts(tmp_path / "t.csv", ["2021-03-01T12:00:00Z"])
    with Workspace(":memory:") as ws, pytest.raises(ConfigError):
        ws.ingest(path, max_reject_share=1.5)


def test_rereading_a_file_is_not_a_loss(tmp_path: Path) -> None:
    path = _posts(tmp_path / "t.csv", ["2021-03-01T12:00:00Z"])
    with Workspace(":memory:") as ws:
        ws.ingest(path)
        again = ws.ingest(path)
        assert (again.rows_read, again.rows_duplicate) == (1, 1)


def test_cli_loads_the_good_files_and_exits_1_listing_the_refused(tmp_path: Path) -> None:
    bad = _posts(tmp_path / "bad.csv", ["2015-02-24 11:35:52 PST-ish", "never"])
    good = _posts(tmp_path / "good.csv", ["2021-03-01T12:00:00Z"])
    workspace = tmp_path / "w.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(workspace), str(bad), str(good)])
    assert result.exit_code == 1
    assert "1 of 2 file(s) refused" in result.output
    assert "not a timestamp" in result.output and "row 2, field created_at" in result.output
    with Workspace(workspace) as ws:
        assert ws.query("SELECT source_file FROM ingests") == [{"source_file": str(good)}]


def test_cli_max_reject_share_option(tmp_path: Path) -> None:
    path = _posts(tmp_path / "t.csv", ["2021-03-01T12:00:00Z", "soon", "later"])
    workspace = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", workspace, str(path)]).exit_code == 1
    ok = runner.invoke(cli, ["ingest", "--max-reject-share", "1", workspace, str(path)])
    assert ok.exit_code == 0, ok.output
    assert (
        runner.invoke(cli, ["ingest", "--max-reject-share", "2", workspace, str(path)]).exit_code
        == 2
    )


def test_wrong_format_is_refused_not_stored_as_nothing(tmp_path: Path) -> None:
    # The case: --format twarc on a CSV rejected 100% and exited 0.
    workspace = str(tmp_path / "w.duckdb")
    csv = FIXTURES / "generic" / "posts.csv"
    result = CliRunner().invoke(cli, ["ingest", "--format", "twarc", workspace, str(csv)])
    assert result.exit_code == 1
    assert "nothing stored" in result.output and "invalid JSON" in result.output


def test_users_file_alone_is_noted_and_cannot_be_investigated(tmp_path: Path) -> None:
    users = FIXTURES / "io_archive" / "users.csv"
    workspace = tmp_path / "w.duckdb"
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(workspace), str(users)])
    assert result.exit_code == 0
    assert "no posts: nothing can be analysed" in result.output.replace("\n", " ")
    out = tmp_path / "report"
    investigated = runner.invoke(
        cli,
        ["investigate", "--workspace", str(tmp_path / "i.duckdb"), "--out", str(out), str(users)],
    )
    assert investigated.exit_code == 1
    assert "nothing to analyse: it holds 2 accounts but no posts" in investigated.output
    assert not (out / "report.html").exists()


def test_investigation_of_an_unreadable_source_stops_before_any_report(tmp_path: Path) -> None:
    bad = _posts(tmp_path / "bad.csv", ["soon", "later"])
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli, ["investigate", "--workspace", str(tmp_path / "w.duckdb"), "--out", str(out), str(bad)]
    )
    assert result.exit_code == 1
    assert "nothing stored" in result.output
    assert not (out / "report.html").exists()


def test_require_posts_names_what_is_missing() -> None:
    from cibwatch.ingest.shortfall import require_posts

    with Workspace(":memory:") as ws, pytest.raises(IngestError, match="holds no posts"):
        require_posts(ws)
