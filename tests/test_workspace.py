"""The workspace file: schema version checks, foreign files, read-only opening."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cibwatch.errors import SchemaVersionError, WorkspaceError
from cibwatch.schema import SCHEMA_VERSION
from cibwatch.workspace import Workspace


def _set_version(path: Path, version: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
    con.close()


def test_new_workspace_records_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        assert {"posts", "accounts", "rejects", "ingests", "meta"} <= set(ws.tables())
    with Workspace(path) as ws:  # reopening a current workspace works
        got = ws.query("SELECT value FROM meta WHERE key = 'schema_version'")
        assert got == [{"value": str(SCHEMA_VERSION)}]


@pytest.mark.parametrize(
    ("version", "advice"),
    [(SCHEMA_VERSION + 1, "upgrade cibwatch"), (SCHEMA_VERSION - 1, "new workspace")],
)
def test_other_schema_versions_are_refused(tmp_path: Path, version: int, advice: str) -> None:
    path = tmp_path / "w.duckdb"
    Workspace(path).close()
    _set_version(path, version)
    with pytest.raises(SchemaVersionError, match=f"schema version {version}.*{advice}"):
        Workspace(path)
    with pytest.raises(SchemaVersionError):
        Workspace(path, read_only=True)


def test_foreign_duckdb_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sales (id INTEGER)")
    con.close()
    with pytest.raises(SchemaVersionError, match="not a cibwatch workspace"):
        Workspace(path)
    con = duckdb.connect(str(path))
    tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    con.close()
    assert tables == [("sales",)]


def test_read_only_open(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    csv = tmp_path / "p.csv"
    csv.write_text("platform,post_id,account_id,created_at\nx,1,a,0\n")
    with Workspace(path) as ws:
        ws.ingest(csv)
    with Workspace(path, read_only=True) as ws:
        assert ws.count("posts") == 1
        with pytest.raises(duckdb.Error):
            ws.connection.execute("DELETE FROM posts")
    with pytest.raises(WorkspaceError, match="no workspace"):
        Workspace(tmp_path / "missing.duckdb", read_only=True)


def test_count_unknown_table(tmp_path: Path) -> None:
    with Workspace(":memory:") as ws, pytest.raises(WorkspaceError, match="nope"):
        ws.count("nope")


def test_cursor_is_a_separate_connection_that_sees_committed_data(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        handle = ws.cursor()
        assert handle.connection is not ws.connection
        ws.connection.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at) "
            "VALUES ('x', 'p1', 'a1', TIMESTAMP '2024-01-01 10:00:00')"
        )
        assert handle.count("posts") == 1
        zone = handle.connection.execute("SELECT current_setting('TimeZone')").fetchone()
        assert zone == ("UTC",)
        handle.close()
        assert ws.count("posts") == 1  # closing a handle leaves the workspace open
