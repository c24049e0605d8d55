"""Step control of an investigation: --skip/--only, per-step parameters, failed steps, progress.

A hand-made source of eight posts: the steps' findings do not matter here, only which steps
ran, with which parameters, and what the report and the exit status say about the others.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.choices import STEP_NAMES
from cibwatch.cli.investigate import step_params
from cibwatch.cli.main import cli
from cibwatch.detectors.persona import PersonaDetector
from cibwatch.errors import ConfigError
from cibwatch.pipeline import OPTIONAL_STEPS, InvestigationOptions, investigate
from cibwatch.progress import StepUpdate


@pytest.fixture
def source(tmp_path: Path) -> Path:
    posts = tmp_path / "posts.csv"
    rows = [
        f"x,{i},acc{i % 4},2024-01-0{1 + i % 3}T10:00:0{i}Z,A message about the harbour {i % 2}"
        for i in range(8)
    ]
    posts.write_text("platform,post_id,account_id,created_at,text\n" + "\n".join(rows) + "\n")
    return posts


def _runs(path: Path) -> list[dict[str, object]]:
    with Workspace(path) as ws:
        return ws.runs()


def test_only_runs_the_named_steps_and_the_report_names_the_others(
    source: Path, tmp_path: Path
) -> None:
    ws_path, out = tmp_path / "w.duckdb", tmp_path / "out"
    args = ["investigate", str(source), "-w", str(ws_path), "-o", str(out)]
    result = CliRunner().invoke(cli, [*args, "--only", "persona", "--only", "narratives"])
    assert result.exit_code == 0, result.output
    runs = _runs(ws_path)
    status = {str(r["name"]): r["status"] for r in runs if r["step"] in ("detect", "export")}
    assert status["persona"] == "ok"
    assert {n for n, s in status.items() if s == "skipped"} == set(OPTIONAL_STEPS) - {
        "persona",
        "narratives",
    }
    investigation = next(r for r in runs if r["step"] == "investigate")
    assert json.loads(str(investigation["params"]))["only"] == ["persona", "narratives"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Not run in this investigation" in html
    assert "coaction (skipped" in html and "persona (skipped" not in html
    # With co-action skipped no network can be found: the report must not read as a clean bill.
    assert "No network met the significance threshold." not in html
    assert "No network met the significance threshold in the steps that ran; not run:" in html
    assert not (out / "indicators.stix.json").exists()  # the indicators step was skipped


def test_step_parameters_reach_the_detector_and_the_run_log(source: Path, tmp_path: Path) -> None:
    ws_path = tmp_path / "w.duckdb"
    args = ["investigate", str(source), "-w", str(ws_path), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(
        cli, [*args, "--skip", "coaction", "--param", "persona.max_distance=3"]
    )
    assert result.exit_code == 0, result.output
    persona = next(r for r in _runs(ws_path) if r["name"] == "persona")
    assert json.loads(str(persona["params"]))["max_distance"] == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (InvestigationOptions(skip=("persnoa",)), "no step named persnoa"),
        (InvestigationOptions(step_params={"persona": {"distance": 2}}), "no parameter distance"),
        (InvestigationOptions(step_params={"narratives": {"cap": 1}}), "no parameter cap"),
    ],
)
def test_unknown_steps_and_parameters_are_refused_before_anything_runs(
    source: Path, tmp_path: Path, options: InvestigationOptions, message: str
) -> None:
    with Workspace(tmp_path / "w.duckdb") as ws:
        with pytest.raises(ConfigError, match=message):
            investigate([source], ws, tmp_path / "out", options)
        assert ws.count("posts") == 0 and ws.runs() == []


def test_a_failed_step_is_logged_named_in_the_report_and_the_exit_is_not_zero(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: PersonaDetector, workspace: Workspace, run_id: int) -> object:
        raise RuntimeError("photo table unreadable")

    monkeypatch.setattr(PersonaDetector, "_run", broken)
    ws_path, out = tmp_path / "w.duckdb", tmp_path / "out"
    args = ["investigate", str(source), "-w", str(ws_path), "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert "step failed: persona" in result.output and "Traceback" not in result.output
    runs = {str(r["name"]): r for r in _runs(ws_path)}
    assert runs["persona"]["status"] == "failed"
    assert runs["stance"]["status"] == "ok"  # the steps after it still ran
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "persona (failed: photo table unreadable)" in html


def test_progress_is_plain_lines_with_step_counts_when_not_a_terminal(
    source: Path, tmp_path: Path
) -> None:
    args = ["investigate", str(source), "-w", str(tmp_path / "w.duckdb"), "-o", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--only", "persona"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[")]
    assert lines[0].startswith("[1/16] ingest posts.csv: ")
    assert any(line.startswith("[7/16] detect persona: ok in ") for line in lines)
    assert any("detect coaction: skipped" in line for line in lines)
    assert all("; elapsed " in line for line in lines)


def test_remaining_time_comes_from_the_rate_so_far() -> None:
    update = StepUpdate(1, 3, "ingest", elapsed=10.0, step_elapsed=10.0, rows=100, total_rows=400)
    assert update.remaining() == 30.0
    assert StepUpdate(1, 3, "detect", elapsed=1.0, step_elapsed=1.0).remaining() is None


def test_the_command_line_knows_every_step_without_importing_the_pipeline() -> None:
    assert STEP_NAMES == OPTIONAL_STEPS
    assert step_params(("narratives.threshold=2.5", 'stance.lexicons=["a"]')) == {
        "narratives": {"threshold": 2.5},
        "stance": {"lexicons": ["a"]},
    }
