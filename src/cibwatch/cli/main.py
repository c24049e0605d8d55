"""The ``cibwatch`` command: a thin client of the library.

Each command parses options, calls the library, renders the result. Library errors
(:class:`~cibwatch.errors.CibwatchError`) become clean CLI errors here, at the edge, and
nowhere else. Commands live in modules of this package and are registered in
:data:`COMMANDS`.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from cibwatch import __version__
from cibwatch.cli.output import cli_error

#: ``module:attribute`` of every subcommand, registered in one place.
COMMANDS: tuple[str, ...] = (
    "ingest:command",
    "investigate:investigate_command",
    "investigate:demo_command",
    "report:command",
    "schedule:command",
    "synth:command",
    "domains:command",
    "coordination:command",
    "export_graph:command",
    "detect:command",
    "indicators:export_command",
    "indicators:import_command",
    "cases:command",
    "serve:command",
)


class _Group(click.Group):
    """Turns library errors, and DuckDB errors the library let through, into one-line CLI
    errors instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            error = cli_error(exc)
            if error is None:
                raise
            raise error from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cibwatch")
def cli() -> None:
    """Find, explain and report coordinated inauthentic behavior (CIB)."""


def _register() -> None:
    for spec in COMMANDS:
        module_name, attr = spec.split(":")
        module = importlib.import_module(f"cibwatch.cli.{module_name}")
        command = getattr(module, attr)
        assert isinstance(command, click.Command)
        cli.add_command(command)


_register()
