"""Read list cells such as ``['a', "b's"]`` without evaluating them.

Archives and ad libraries write list columns as Python-like literals. Analysed data is
hostile, so they are never handed to ``eval`` or ``ast.literal_eval`` (which can be made to
exhaust memory or recursion with a crafted cell): this small scanner accepts exactly a flat
list of quoted strings, with the escapes Python's ``repr`` writes, and nothing else.
"""

from __future__ import annotations

import re
from typing import Final

_SIMPLE_ESCAPES: Final = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_HEX_ESCAPES: Final = {"x": 2, "u": 4, "U": 8}
_SEPARATOR: Final = re.compile(r"\s*,\s*")


def parse_string_list(text: str) -> list[str] | None:
    """The strings of a flat list literal, or None when ``text`` is not exactly one.

    >>> parse_string_list("['a', \\"b's\\", 'c\\\\'d']")
    ['a', "b's", "c'd"]
    >>> parse_string_list("[]"), parse_string_list("[1, 2]"), parse_string_list("[['a']]")
    ([], None, None)
    """
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    body = text[1:-1].strip()
    items: list[str] = []
    i = 0
    while i < len(body):
        quote = body[i]
        if quote not in "'\"":
            return None
        value, i = _string(body, i + 1, quote)
        if value is None:
            return None
        items.append(value)
        sep = _SEPARATOR.match(body, i)
        if i == len(body):
            break
        if sep is None or sep.end() == i:
            return None
        i = sep.end()
        if i == len(body):  # a trailing comma, as in ['a',]
            break
    return items


def _string(body: str, i: int, quote: str) -> tuple[str | None, int]:
    """Read a quoted string whose opening quote is at ``i - 1``; return it and the end."""
    out: list[str] = []
    while i < len(body):
        ch = body[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(body):
            return None, i
        code = body[i + 1]
        if code in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[code])
            i += 2
        elif code in _HEX_ESCAPES:
            width = _HEX_ESCAPES[code]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                return None, i
            point = int(digits, 16)
            if point > 0x10FFFF:
                return None, i
            out.append(chr(point))
            i += 2 + width
        else:  # an unknown escape stays as written, as Python keeps it
            out.append("\\" + code)
            i += 2
    return None, i
