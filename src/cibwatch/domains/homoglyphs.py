"""Homoglyph skeletons: one spelling for letters that look alike.

Two labels with the same skeleton look the same to a reader: ``spiegel`` written with a
Cyrillic i (``xn--spegel-qvf``), ASCII swaps such as ``rn`` for ``m`` or ``0``
for ``o``, and accented letters (``spiégel``). Punycode labels are decoded first.

>>> skeleton("xn--spegel-qvf") == skeleton("spiegel")
True
>>> skeleton("rnoscow") == skeleton("moscow")
True
"""

from __future__ import annotations

import unicodedata

# Cyrillic and Greek letters drawn like Latin ones (after Unicode's confusables list).
_CONFUSABLE = str.maketrans(
    {
        "\u0430": "a",
        "\u0432": "b",
        "\u0435": "e",
        "\u0451": "e",
        "\u043a": "k",
        "\u043c": "m",
        "\u043d": "h",
        "\u043e": "o",
        "\u0440": "p",
        "\u0441": "c",
        "\u0442": "t",
        "\u0443": "y",
        "\u0445": "x",
        "\u0456": "i",
        "\u0457": "i",
        "\u0458": "j",
        "\u0455": "s",
        "\u0501": "d",
        "\u051b": "q",
        "\u051d": "w",
        "\u04bb": "h",
        "\u0261": "g",
        "\u0251": "a",
        "\u0131": "i",
        "\u03b1": "a",
        "\u03b2": "b",
        "\u03b5": "e",
        "\u03b7": "n",
        "\u03b9": "i",
        "\u03ba": "k",
        "\u03bd": "v",
        "\u03bf": "o",
        "\u03c1": "p",
        "\u03c4": "t",
        "\u03c5": "u",
        "\u03c7": "x",
        "\u03c9": "w",
        "\u00df": "ss",
        "\u00f8": "o",
        "\u0111": "d",
        "\u0142": "l",
        "\u0127": "h",
    }
)
# ASCII sequences read as another letter; applied after the single letters below.
_ASCII_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_ASCII_SINGLE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "$": "s"})


def decode_label(label: str) -> str:
    """The Unicode form of a punycode (``xn--``) label; other labels are returned as given."""
    if label.startswith("xn--"):
        try:
            return label.encode("ascii").decode("idna")
        except UnicodeError:
            return label
    return label


def skeleton(label: str) -> str:
    """A canonical look-alike form of ``label`` (hyphens dropped; see the module docstring)."""
    text = decode_label(label).lower()
    if not text.isascii():
        text = "".join(
            ch
            for ch in unicodedata.normalize("NFKD", text.translate(_CONFUSABLE))
            if not unicodedata.combining(ch)
        )
    text = text.replace("-", "")
    for seq, repl in _ASCII_PAIRS:
        text = text.replace(seq, repl)
    return text.translate(_ASCII_SINGLE)
