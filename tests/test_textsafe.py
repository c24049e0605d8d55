"""Text from analysed data printed on a terminal or written into XML: nothing acts on the reader.

The hostile strings are what an operator can put in a note, a handle or a display name:
an OSC that retitles the terminal, one that writes the clipboard (OSC 52), a terminal link
(OSC 8), a screen clear (CSI), their 8-bit forms, and a carriage return or backspaces that
overwrite what was printed before them.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import click
import pytest
from click.testing import CliRunner

from cibwatch.cli.output import console, echo
from cibwatch.textsafe import terminal_text, xml_text

#: (hostile text, what the terminal must be shown)
SEQUENCES = [
    ("a\x1b]0;pwned\x07b", "ab"),  # retitles the window (OSC 0, BEL-terminated)
    ("a\x1b]52;c;Y3VybCBldmlsfHNo\x1b\\b", "ab"),  # writes the clipboard (OSC 52, ST)
    ("\x1b]8;;https://evil.example\x1b\\me\x1b]8;;\x1b\\", "me"),  # a hidden link (OSC 8)
    ("a\x1b[2J\x1b[1;1Hb", "ab"),  # clears the screen and moves the cursor (CSI)
    ("a\x1b[31;1mred\x1b[0m", "ared"),  # colours (SGR) are escape sequences too
    ("a\x9b2Jb\x9d0;pwned\x9cc", "abc"),  # the 8-bit CSI and OSC forms
    ("a\x1bcb", "ab"),  # full reset (RIS)
    ("a\x1bP+q544e\x1b\\b", "ab"),  # a device control string (DCS)
    ("ok\rFAKE", "okFAKE"),  # a carriage return would print FAKE over ok
    ("ok\x08\x08no", "okno"),  # backspaces would too
    ("bell\x07\x00\x7f\x85", "bell"),  # other C0, DEL and C1 controls
    ("tail\x1b]0;no end\nnext", "tail\nnext"),  # an unterminated OSC ends with its line
    ("line one\r\nline two\tend", "line one\nline two\tend"),  # newlines and tabs stay
    ("Добрый день 你好 مرحبا 👋", "Добрый день 你好 مرحبا 👋"),  # all scripts stay
]


@pytest.mark.parametrize(("hostile", "shown"), SEQUENCES)
def test_terminal_text_drops_sequences_and_controls(hostile: str, shown: str) -> None:
    assert terminal_text(hostile) == shown


def test_terminal_text_accepts_any_value() -> None:
    assert terminal_text(None) == "None" and terminal_text(3) == "3"


def test_xml_text_makes_every_code_point_parseable() -> None:
    """The first 256 code points, lone surrogates and the two non-characters, as text and
    as an attribute: the written document parses, and only what XML forbids is replaced."""
    every = "".join(map(chr, range(0x100))) + "\ud800\udfff\ufffe\uffff\U0001f44b"
    element = ET.Element("a", b=xml_text(every))
    element.text = xml_text(every)
    parsed = ET.fromstring(ET.tostring(element, encoding="utf-8"))
    assert parsed.text is not None and parsed.get("b") is not None
    kept = [c for c in every if c not in "\ud800\udfff\ufffe\uffff" and (c >= " " or c in "\t\n\r")]
    assert parsed.get("b", "").replace("\ufffd", "") == "".join(kept)
    assert xml_text(every).count("\ufffd") == 29 + 4  # C0 but tab, LF, CR; 4 forbidden


@click.command()
def _echoing() -> None:
    echo("note: a\x1b]0;pwned\x07b\rc")


def test_echo_prints_hostile_text_as_text() -> None:
    assert CliRunner().invoke(_echoing, []).output == "note: abc\n"


def test_console_keeps_its_own_colours_and_drops_the_data_ones() -> None:
    out = io.StringIO()
    shown = console(file=out, force_terminal=True, color_system="standard", width=80)
    shown.print("[bold]x[/] \x1b]0;pwned\x07[link=https://evil.example]me[/link]\x1b[2J")
    printed = out.getvalue()
    assert "\x1b[1mx\x1b[0m" in printed, "Rich's own bold stays"
    assert "pwned" not in printed and "\x1b]" not in printed and "\x1b[2J" not in printed
    assert "evil.example" not in printed and printed.rstrip("\n").endswith("me")
