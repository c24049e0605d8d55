"""``cibwatch detect``: every fingerprint has its own command that records its run."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.detect import command


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        ws.connection.executemany(
            "INSERT INTO accounts (platform, account_id, kind, handle, display_name, "
            "profile_image_hash, photo_gender) VALUES ('x', ?, 'account', ?, ?, ?, ?)",
            [
                ["a", "mary12345", "=Mary Jones", "ff00ff00ff00ff00", "male"],
                ["b", "anna55555", "Anna Smith", "ff00ff00ff00ff00", None],
            ],
        )
    return path


def test_persona_subcommand_prints_findings_and_logs_the_run(workspace: Path) -> None:
    result = CliRunner().invoke(command, ["persona", str(workspace)])
    assert result.exit_code == 0, result.output
    assert "persona:" in result.output and "reused_photo" in result.output
    with Workspace(workspace, read_only=True) as ws:
        assert [r["name"] for r in ws.runs()] == ["persona"]


def test_findings_can_be_written_as_csv(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(command, ["persona", str(workspace), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["signal"] for r in rows} == {"reused_photo", "patterned_handle"}
    # one shared photo, two name+digits handles
    assert sorted(r["signal"] for r in rows) == [
        "patterned_handle",
        "patterned_handle",
        "reused_photo",
    ]


def test_creation_and_stance_subcommands_run(workspace: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(command, ["creation-bursts", str(workspace)]).exit_code == 0
    assert runner.invoke(command, ["stance", str(workspace)]).exit_code == 0
    assert runner.invoke(command, ["near-duplicates", str(workspace)]).exit_code == 0
    recidivism = runner.invoke(command, ["recidivism", str(workspace), "--since", "2024-01-01"])
    assert recidivism.exit_code == 0 and "recidivism: 0 findings" in recidivism.output
    bad = runner.invoke(command, ["creation-bursts", str(workspace), "--bucket", "year"])
    assert bad.exit_code != 0


def test_stance_writes_one_row_per_account_and_issue_with_its_evidence(tmp_path: Path) -> None:
    path = tmp_path / "stance.duckdb"
    with Workspace(path) as ws:
        ws.connection.executemany(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, kind) "
            "VALUES ('x', ?, ?, TIMESTAMP '2024-05-01', ?, 'original')",
            [
                # r1: #2a (gun-rights 3) and the mocked "gun control" (1): gun-rights
                ["1", "r1", "#2A! Dems shill gun control"],
                # l1: "I am not pro-life" turns pro-life (2) to pro-choice
                ["2", "l1", "I am not pro-life"],
            ],
        )
    out = tmp_path / "sides.csv"
    result = CliRunner().invoke(command, ["stance", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows == [
        {
            "account": "x:l1",
            "issue": "abortion",
            "side": "pro-choice",
            "posts": "1",
            "evidence": '"pro life" negated x1',
        },
        {
            "account": "x:r1",
            "issue": "guns",
            "side": "gun-rights",
            "posts": "1",
            "evidence": '"gun control" mocked x1; #2a x1; conservative markers (dems) x1',
        },
    ]
