"""The workspace file: schema version checks, foreign, cut-short, damaged, locked and read-only
files refused at open in words, and runs a killed process left ``running``."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from cibwatch.cli.main import cli
from cibwatch.errors import (
    ForeignFileError,
    SchemaVersionError,
    WorkspaceCorruptError,
    WorkspaceError,
    WorkspaceLockedError,
    WorkspaceReadOnlyError,
)
from cibwatch.schema import SCHEMA_VERSION
from cibwatch.workspace import Workspace
from cibwatch.workspacefile import explain, suspect_blocks


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
    csv.write_text("platform,post_id,account_id,created_at\nx,1,a,2024-01-01T00:00:00Z\n")
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


# -- a workspace file that cannot be used: refused at open, in words, untouched ---------------


def _workspace_with_data(path: Path) -> None:
    """A workspace big enough to span several storage blocks (so that cutting it loses some)."""
    with Workspace(path) as ws:
        ws.connection.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text) "
            "SELECT 'x', i::VARCHAR, (i % 97)::VARCHAR, TIMESTAMP '2024-01-01' + i * "
            "INTERVAL 1 SECOND, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) FROM range(200000) t(i)"
        )


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("built") / "w.duckdb"
    _workspace_with_data(path)
    return path


def test_a_half_truncated_workspace_is_refused_before_any_write(
    built: Path, tmp_path: Path
) -> None:
    """It used to open and accept an ingest with exit 0: DuckDB reads only what it needs."""
    path = tmp_path / "cut.duckdb"
    shutil.copy(built, path)
    os.truncate(path, path.stat().st_size // 2)
    before = path.read_bytes()
    with pytest.raises(WorkspaceCorruptError, match=r"cut short .* restore it from a copy"):
        Workspace(path)
    with pytest.raises(WorkspaceCorruptError):
        Workspace(path, read_only=True)
    posts = tmp_path / "p.csv"
    posts.write_text("platform,post_id,account_id,created_at\nx,1,a,2024-01-01T00:00:00Z\n")
    code, output = _cli("ingest", str(path), str(posts))
    assert code == 1 and "cut short" in output and "Traceback" not in output
    assert path.read_bytes() == before, "nothing was written"
    assert not Path(f"{path}.wal").exists()


@pytest.mark.parametrize("cut", [0, 100, 5000, 4096 * 3 - 1])
def test_a_file_cut_inside_its_headers_is_refused(built: Path, tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cut.duckdb"
    shutil.copy(built, path)
    os.truncate(path, cut)
    with pytest.raises((WorkspaceCorruptError, ForeignFileError)):
        Workspace(path)
    assert path.stat().st_size == cut


def test_a_damaged_header_is_refused_as_damaged(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "damaged.duckdb"
    shutil.copy(built, path)
    with path.open("r+b") as handle:  # flip bytes inside both database headers
        for offset in (4096 + 40, 8192 + 40):
            handle.seek(offset)
            handle.write(b"\xff\xfe\xfd\xfc")
    before = path.read_bytes()
    with pytest.raises(WorkspaceCorruptError, match="damaged"):
        Workspace(path)
    code, output = _cli("cases", "list", str(path))
    assert code == 1 and "Traceback" not in output and "restore it" in output
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "an empty file"),
        (b"platform,post_id\nx,1\n", "a text file"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "a SQLite database"),
        (b"PAR1" + b"\x00" * 100, "a Parquet file"),
        (b"\x00\x01\x02\xff" * 50, "not a DuckDB database"),
    ],
)
def test_foreign_files_are_named_and_untouched(tmp_path: Path, content: bytes, said: str) -> None:
    path = tmp_path / "w.duckdb"
    path.write_bytes(content)
    for read_only in (False, True):
        with pytest.raises(ForeignFileError, match=said):
            Workspace(path, read_only=read_only)
    code, output = _cli("cases", "list", str(path))
    assert code == 1 and said in output
    assert path.read_bytes() == content
    assert not Path(f"{path}.wal").exists()
    with pytest.raises(ForeignFileError, match="a folder"):
        Workspace(tmp_path)
    with pytest.raises(WorkspaceError, match=r"the folder .* does not exist"):
        Workspace(tmp_path / "nowhere" / "w.duckdb")


#: A process that opens the workspace as ``cibwatch serve`` does and keeps it open.
HOLDER = """
import sys, time
from pathlib import Path
from cibwatch.web.store import Store
store = Store(Path(sys.argv[1]))
print("holding", flush=True)
time.sleep(120)
"""


def test_a_locked_workspace_names_the_process_that_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    Workspace(path).close()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        for read_only in (False, True):
            with pytest.raises(WorkspaceLockedError, match="in use by process") as refused:
                Workspace(path, read_only=read_only)
            assert refused.value.pid == holder.pid
        code, output = _cli("cases", "open", str(path), "--actor", "ana")
        assert code == 1 and "Traceback" not in output
        assert f"process {holder.pid}" in output and "Wait for that process" in output
        if sys.platform == "linux":
            assert str(path) in output.split("in use by", 1)[1], "its command line is shown"
    finally:
        holder.kill()
        holder.wait()
    with Workspace(path) as ws:  # once the holder is gone, the workspace opens again
        assert ws.count("posts") == 0


def test_a_read_only_file_is_refused_for_changes_and_read_as_before() -> None:
    """As root every file is writable, so the refusal is checked as an unprivileged user
    (in a folder of its own under the system's temporary folder, which that user can reach)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: no user to whom the file is read-only")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    program = (
        "import sys; sys.path[:0] = sys.argv[1].split(':'); from cibwatch.cli.main import cli; "
        "cli(sys.argv[2:])"
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, sys.executable, "-c", program, ":".join(sys.path), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o777)
        path = Path(folder) / "w.duckdb"
        Workspace(path).close()
        path.chmod(0o444)
        before = path.read_bytes()
        changed = run("cases", "open", str(path), "--actor", "ana")
        assert changed.returncode == 1, changed.stderr
        assert "read-only for you" in changed.stderr and "Traceback" not in changed.stderr
        listed = run("cases", "list", str(path))
        assert listed.returncode == 0 and "0 cases" in listed.stdout, listed.stderr
        assert path.read_bytes() == before


#: A process that starts a step and is killed before it ends, as ``kill -9`` would.
KILLED = """
import os, signal, sys
from cibwatch.workspace import Workspace
ws = Workspace(sys.argv[1])
ws.start_run("detect", "coaction", {"window": 30})
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_runs_left_running_by_a_killed_process_are_marked_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        done = ws.start_run("derive", "actions", {})
        ws.finish_run(done)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    killed = subprocess.run([sys.executable, "-c", KILLED, str(path)], env=env, check=False)
    assert killed.returncode == -signal.SIGKILL
    with Workspace(path, read_only=True) as ws:  # cannot write, but says so all the same
        assert [r["status"] for r in ws.runs()] == ["ok", "interrupted"]
    with Workspace(path) as ws:
        runs = ws.runs()
        assert [r["status"] for r in runs] == ["ok", "interrupted"]
        assert runs[1]["finished_at"] is not None and "ended before" in runs[1]["message"]
        mine = ws.start_run("detect", "coaction", {})
        with Workspace(path) as again:  # a second handle of this process: its run is live
            assert again.runs()[-1]["status"] == "running"
        ws.finish_run(mine)
    with duckdb.connect(str(path), read_only=True) as con:
        stored = con.execute("SELECT status FROM runs ORDER BY run_id").fetchall()
    assert stored == [("ok",), ("interrupted",), ("ok",)], "written, not only shown"


#: ``cibwatch investigate`` killed in the middle of a detector (as ``kill -9`` would).
KILLED_INVESTIGATION = """
import os, signal, sys
from pathlib import Path
from cibwatch.cli.main import cli
from cibwatch.detectors.crossplatform import CrossPlatformDetector
from cibwatch.synthetic import generate_world

def killed(self, workspace, run_id):
    os.kill(os.getpid(), signal.SIGKILL)

root = Path(sys.argv[1])
generate_world(root / "world", posts=600, seed=3)
CrossPlatformDetector._run = killed
cli(["investigate", str(root / "world"), "-w", str(root / "w.duckdb"), "-o", str(root / "out")])
"""


def test_a_killed_investigation_leaves_its_step_interrupted_not_running(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = [sys.executable, "-c", KILLED_INVESTIGATION, str(tmp_path)]
    killed = subprocess.run(run, env=env, capture_output=True, check=False, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    code, output = _cli("cases", "list", str(tmp_path / "w.duckdb"))  # opens it read-only
    assert code == 0, output
    with Workspace(tmp_path / "w.duckdb") as ws:
        runs = {r["name"]: r for r in ws.runs()}
    assert runs["cross_platform"]["status"] == "interrupted"
    assert "ended before it finished" in runs["cross_platform"]["message"]
    assert all(r["status"] != "running" for r in runs.values())
    assert any(r["status"] == "ok" for r in runs.values()), "the steps before it are kept"


def test_a_duckdb_error_inside_a_command_is_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the library lets through (a damaged data block found mid-query, a full disk)."""
    path = tmp_path / "w.duckdb"
    Workspace(path).close()

    def failing(*_args: object, **_kwargs: object) -> None:
        raise duckdb.IOException("IO Error: Could not write file: No space left on device")

    monkeypatch.setattr("cibwatch.cases.list_cases", failing)
    code, output = _cli("cases", "list", str(path))
    assert code == 1 and "the disk is full" in output and "Traceback" not in output
    monkeypatch.setattr(
        "cibwatch.cases.list_cases",
        lambda *_a, **_k: (_ for _ in ()).throw(duckdb.IOException("Corrupt database file")),
    )
    code, output = _cli("cases", "list", str(path))
    assert code == 1 and "damaged" in output


@pytest.mark.parametrize(
    ("message", "error", "said"),
    [
        (
            'IO Error: Cannot open file "w.duckdb": Permission denied',
            WorkspaceReadOnlyError,
            "chmod",
        ),
        ("IO Error: Cannot open file: Read-only file system", WorkspaceReadOnlyError, "read-only"),
        (
            'IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held in '
            "/usr/bin/python3 (PID 999999999). See also https://duckdb.org/docs",
            WorkspaceLockedError,
            "process 999999999 \\(/usr/bin/python3\\)",
        ),
        ("Corrupt database file: computed checksum 1 does not match", WorkspaceCorruptError, ""),
        ("IO Error: The file exists, but it is not a valid DuckDB database", ForeignFileError, ""),
        ("Out of Memory Error: failed to allocate", WorkspaceError, "lower memory limit"),
        ("IO Error: Disk I/O error", WorkspaceError, "DuckDB failed: Disk I/O error"),
    ],
)
def test_duckdb_errors_are_explained(message: str, error: type[Exception], said: str) -> None:
    explained = explain(duckdb.IOException(message), "w.duckdb")
    assert type(explained) is error
    assert str(explained).startswith("w.duckdb: ")
    assert re.search(said, str(explained))


def _flip(path: Path, block: int, block_size: int = 262_144) -> None:
    """Change one 8-byte word inside storage block ``block`` (its checksum then fails)."""
    with path.open("r+b") as handle:
        handle.seek(3 * 4096 + block * block_size + 4096)
        word = handle.read(8)
        handle.seek(-8, os.SEEK_CUR)
        handle.write(bytes(b ^ 0x5A for b in word))


def test_a_damaged_data_block_is_refused_before_a_write_and_a_free_one_is_not(
    tmp_path: Path,
) -> None:
    """DuckDB checks a block only when a query reads it: an ingest into a workspace with a
    damaged posts block went through. Opening for writing now reads every block first."""
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        con = ws.connection
        con.execute("CREATE TABLE scratch AS SELECT md5(i::VARCHAR) AS a FROM range(300000) t(i)")
        con.execute("CHECKPOINT")
        con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text) SELECT 'x', "
            "i::VARCHAR, 'a', TIMESTAMP '2024-01-01', md5(i::VARCHAR) FROM range(100000) t(i)"
        )
        con.execute("CHECKPOINT")
        blocks = "SELECT DISTINCT block_id FROM pragma_storage_info(?) WHERE block_id >= 0"
        scratch = {r[0] for r in con.execute(blocks, ["scratch"]).fetchall()}
        posts = sorted(r[0] for r in con.execute(blocks, ["posts"]).fetchall())
        con.execute("DROP TABLE scratch")
        con.execute("CHECKPOINT")  # scratch's blocks are free now, still in the file
    free = sorted(scratch - set(posts))[len(scratch) // 2]
    assert posts and free not in posts

    freed = tmp_path / "free.duckdb"
    shutil.copy(path, freed)
    _flip(freed, free)
    assert suspect_blocks(freed) == [], "a free block may hold anything"
    with Workspace(freed) as ws:
        assert ws.count("posts") == 100_000

    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(path, damaged)
    _flip(damaged, posts[len(posts) // 2])
    before = damaged.read_bytes()
    with pytest.raises(WorkspaceCorruptError, match=r"damaged \(table posts; storage blocks"):
        Workspace(damaged)
    csv = tmp_path / "p.csv"
    csv.write_text("platform,post_id,account_id,created_at\nx,1,a,2024-01-01T00:00:00Z\n")
    code, output = _cli("ingest", str(damaged), str(csv))
    assert code == 1 and "damaged" in output and "Traceback" not in output
    assert damaged.read_bytes() == before, "nothing was written"
    # reading is not refused until it meets the damage (checked at read by DuckDB)
    with Workspace(damaged, read_only=True) as ws, pytest.raises(duckdb.Error):
        ws.connection.execute("SELECT * FROM posts").fetchall()


def test_free_blocks_cut_off_the_end_by_duckdb_are_not_a_truncation(tmp_path: Path) -> None:
    """DuckDB drops free blocks from the end of the file but keeps counting them in its
    header: the file is then shorter than the block count says, and still sound."""
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        con = ws.connection
        con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at) SELECT 'x', "
            "i::VARCHAR, 'a', TIMESTAMP '2024-01-01' FROM range(1000) t(i)"
        )
        con.execute("CHECKPOINT")
        con.execute("CREATE TABLE scratch AS SELECT md5(i::VARCHAR) AS a FROM range(300000) t(i)")
        con.execute("CHECKPOINT")
        con.execute("DROP TABLE scratch")  # its blocks, the last ones, become free
    with duckdb.connect(str(path), read_only=True) as con:
        total = con.execute("SELECT total_blocks FROM pragma_database_size()").fetchone()
    assert total is not None
    counted = 3 * 4096 + total[0] * 262_144
    assert path.stat().st_size < counted, "the situation this test is about"
    with Workspace(path) as ws:
        assert ws.count("posts") == 1000
    cut = tmp_path / "cut.duckdb"
    shutil.copy(path, cut)
    os.truncate(cut, 3 * 4096 + 262_144 // 2)  # inside the first block, which is in use
    with pytest.raises(WorkspaceCorruptError, match="cut short"):
        Workspace(cut)
