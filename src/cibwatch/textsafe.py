"""Text from analysed data made safe to print on a terminal or to write into XML.

Everything analysed is hostile, and a note, a handle or a display name reaches the
analyst's terminal (``cibwatch cases show``), a Markdown report and Gephi files:

* A terminal obeys escape sequences in what it prints: ``ESC ] 0 ; title BEL`` retitles the
  window, ``ESC [ 2 J`` clears the screen, ``ESC ] 52`` writes the clipboard on some
  terminals, ``ESC ] 8`` makes a link, and a carriage return or backspace overwrites what was
  printed before it (a note can hide the line above). :func:`terminal_text` removes every
  escape sequence (7-bit and 8-bit forms) and every other control character, keeping only
  newlines and tabs. Markdown viewers and ``cat report.md`` are terminals too.
* XML 1.0 forbids most control characters (and lone surrogates, ``U+FFFE``, ``U+FFFF``) even
  as character references, so one such character in a display name makes a whole GraphML or
  GEXF file unreadable. :func:`xml_text` replaces each with ``U+FFFD``, the replacement
  character, so the analyst sees that something was there.
"""

from __future__ import annotations

import re
from typing import Final

#: Escape sequences, removed whole so that no parameter text is left behind: CSI
#: (``ESC [`` or the 8-bit ``U+009B``), string commands (OSC, DCS, SOS, PM, APC, ended by BEL
#: or ST, or by the end of the line when unterminated) and the two-character escapes.
_SEQUENCE: Final = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
#: Control characters a terminal acts on, except newline and tab: C0, DEL and C1.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Characters outside XML 1.0's ``Char`` production.
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def terminal_text(value: object) -> str:
    """``value`` as text that prints as itself: no escape sequences, no control characters.

    Newlines and tabs stay; a Windows line end becomes a newline.

    >>> terminal_text("note\\x1b]0;pwned\\x07 ok\\r\\nnext\\x1b[2J\\x08!")
    'note ok\\nnext!'
    """
    text = str(value).replace("\r\n", "\n")
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def xml_text(value: object) -> str:
    """``value`` with every character XML 1.0 cannot hold replaced by ``U+FFFD``.

    >>> xml_text("Bob\\x00\\x1b[31m") == "Bob\\ufffd\\ufffd[31m"
    True
    """
    return _NOT_XML.sub("\ufffd", str(value))
