"""How commands print: every line and table cell passes :func:`cibwatch.textsafe.terminal_text`.

Commands print analysed data (notes, reasons, handles, display names, values quoted in
error messages), and a terminal obeys the escape sequences in it. Commands therefore print
with :func:`echo` (plain lines) and :func:`console` (a Rich console for tables and marked-up
lines) from here instead of ``click.echo`` and ``rich.console.Console``: both remove escape
sequences and control characters from the text before the terminal sees it, while the
colours Rich adds itself are kept. Rich's ``[link=...]`` markup, which would put a live
terminal hyperlink (OSC 8) around a handle such as ``[link=https://evil.example]me[/link]``,
is dropped too: cibwatch never prints links of its own.

:func:`cli_error` is the command line's one edge for errors: library errors and DuckDB
errors become one line on the terminal and exit status 1, never a traceback.

Rich is imported when a console is first made, not with this module, so that ``--help``
stays quick (``tests/test_cli_imports.py``).
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING, Any

import click

from cibwatch.errors import CibwatchError
from cibwatch.textsafe import terminal_text

if TYPE_CHECKING:
    from rich.console import Console


def cli_error(exc: Exception) -> click.ClickException | None:
    """The one-line CLI error for a library error, or for a DuckDB error the library let
    through (said in words by :func:`cibwatch.workspacefile.explain`); None for any other.

    DuckDB is looked up among the loaded modules: if no command loaded it, ``exc`` cannot be
    one of its errors (and ``--help`` never loads it).
    """
    if isinstance(exc, CibwatchError):
        return click.ClickException(terminal_text(exc))
    duckdb = sys.modules.get("duckdb")
    if duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    from cibwatch.workspacefile import explain

    return click.ClickException(terminal_text(explain(exc, None)))


def echo(message: object = "", *, err: bool = False) -> None:
    """``click.echo`` of ``message`` made safe for a terminal (see the module docstring)."""
    click.echo(terminal_text(message), err=err)


def console(**options: Any) -> Console:
    """A Rich console (``options`` as for ``rich.console.Console``) that renders text without
    escape sequences, control characters or links."""
    return _safe_console()(**options)


@cache
def _safe_console() -> type[Console]:
    from rich.console import Console
    from rich.text import Text

    class SafeConsole(Console):
        def render_str(self, text: str, **options: Any) -> Text:
            rendered = super().render_str(terminal_text(text), **options)
            rendered.spans = [
                s for s in rendered.spans if not self.get_style(s.style, default="").link
            ]
            return rendered

    return SafeConsole
