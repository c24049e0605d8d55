"""How commands print: every line and table cell passes :func:`cibwatch.textsafe.terminal_text`.

Commands print analysed data (notes, reasons, handles, display names, values quoted in
error messages), and a terminal obeys the escape sequences in it. Commands therefore print
with :func:`echo` (plain lines) and :class:`Console` (Rich tables and marked-up lines)
from here instead of ``click.echo`` and ``rich.console.Console``: both remove escape
sequences and control characters from the text before the terminal sees it, while the
colours Rich adds itself are kept. Rich's ``[link=...]`` markup, which would put a live
terminal hyperlink (OSC 8) around a handle such as ``[link=https://evil.example]me[/link]``,
is dropped too: cibwatch never prints links of its own.
"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console as RichConsole
from rich.text import Text

from cibwatch.textsafe import terminal_text


def echo(message: object = "", *, err: bool = False) -> None:
    """``click.echo`` of ``message`` made safe for a terminal (see the module docstring)."""
    click.echo(terminal_text(message), err=err)


class Console(RichConsole):
    """A Rich console that renders text without escape sequences, controls or links."""

    def render_str(self, text: str, **options: Any) -> Text:
        rendered = super().render_str(terminal_text(text), **options)
        rendered.spans = [s for s in rendered.spans if not _links(self, s.style)]
        return rendered


def _links(console: RichConsole, style: Any) -> bool:
    return bool(console.get_style(style, default="").link)
