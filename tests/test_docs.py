"""The README documents every command, and the two set-up commands come first."""

from __future__ import annotations

from pathlib import Path

from cibwatch.cli.main import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented_in_the_readme() -> None:
    missing = [name for name in cli.commands if f"cibwatch {name}" not in README]
    assert missing == []


def test_readme_opens_with_the_two_set_up_commands() -> None:
    setup = README.index("## Set-up")
    assert README.index("make demo", setup) < README.index("make test", setup)
    assert "FORMATS_TABLE" not in README and "BENCHMARK_FIGURES" not in README


def test_every_command_has_help() -> None:
    for name, command in cli.commands.items():
        assert command.help, f"cibwatch {name} has no help text"
