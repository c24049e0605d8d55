"""The investigation report as Markdown, with its pictures as SVG files beside it.

The facts are :func:`cibwatch.report.context.report_context`, the same as the HTML report's.
Everything analysed is hostile, so the template environment escapes *every* ``{{ }}``
output (Jinja's ``finalize`` hook, the Markdown counterpart of HTML autoescape):
:func:`md_escape` drops terminal escape sequences and control characters (a report is read
in terminals too), backslash-escapes Markdown syntax (table pipes, backticks, emphasis,
brackets, a leading ``#`` or list marker), writes ``& < >`` as entities so no HTML gets
through, and defangs URLs and domains the way platform threat reports do
(``hxxps://example[.]com``) so that no link becomes live, autolinks included. Only
fragments this module builds itself (:class:`Trusted`, e.g. the picture links) pass as they
are.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined

from cibwatch.report.context import report_context
from cibwatch.report.pictures import standalone
from cibwatch.textsafe import terminal_text, xml_text

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

_SCHEME: Final = re.compile(r"(?i)\b(https?|ftp)(?=:)")
_DEFANGED: Final = {"http": "hxxp", "https": "hxxps", "ftp": "fxp"}
#: A domain-like token: labels joined by dots, ending in an alphabetic (or punycode) TLD.
_DOMAIN: Final = re.compile(r"(?i)[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.(?:[a-z]{2,63}|xn--[a-z0-9-]+)\b")
_SPECIAL: Final = re.compile(r"([\\`*_\[\]|#~])")


class Trusted(str):
    """Markdown built by the renderer itself, inserted without escaping."""

    __slots__ = ()


def defang(text: str) -> str:
    """Make URLs and domains inert: ``hxxps://`` and ``[.]`` between domain labels.

    >>> defang("see https://evil.example/a and www.spiegel.ltd, 0.85 and e.g. this")
    'see hxxps://evil[.]example/a and www[.]spiegel[.]ltd, 0.85 and e.g. this'
    """
    text = _SCHEME.sub(lambda m: _DEFANGED[m.group(1).lower()], text)
    return _DOMAIN.sub(lambda m: m.group(0).replace(".", "[.]"), text)


def md_escape(value: object) -> str:
    """``value`` as inert Markdown text on one line (safe in a paragraph or a table cell).

    >>> md_escape("# a|b `c` <x> [l](https://e.example)")
    '\\\\# a\\\\|b \\\\`c\\\\` &lt;x&gt; \\\\[l\\\\](hxxps://e\\\\[.\\\\]example)'
    """
    if isinstance(value, Trusted):
        return str(value)
    if value is None:
        return ""
    # no escape sequences (a report is read in terminals too); newlines would end a row
    text = " ".join(terminal_text(value).split())
    text = defang(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    # a leading list marker or heading underline would turn the line into structure
    if text and text[0] in "-+=":
        return "\\" + text
    return re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", text)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cibwatch.report", "templates"),
        autoescape=False,  # Markdown, not HTML: md_escape below does the escaping
        finalize=md_escape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def _write_pictures(context: dict[str, Any], folder: Path, base: str) -> None:
    """Write each network's pictures to ``folder`` and put Markdown image links in context."""
    for d in context["networks"]:
        links: dict[str, Trusted] = {}
        for kind in ("timeline", "graph", "heatmap"):
            svg = d["pictures"].get(kind)
            if svg is None:
                continue
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{_file_name(d['network_id'])}-{kind}.svg"
            (folder / name).write_text(xml_text(standalone(str(svg))), encoding="utf-8")
            alt = md_escape(f"{kind} of network {d['network_id']}")
            links[kind] = Trusted(f"![{alt}]({quote(base)}/{quote(name)})")
        d["picture_links"] = links


def render_markdown(
    workspace: Workspace, out: Path, *, evaluation: list[dict[str, Any]] | None = None
) -> Path:
    """Write the Markdown report of ``workspace`` to ``out`` and return the path.

    The pictures go to the folder ``<out stem>-pictures`` beside ``out`` as SVG files, linked
    from the report by relative paths, so the report works offline.
    """
    context = report_context(workspace, evaluation=evaluation)
    out.parent.mkdir(parents=True, exist_ok=True)
    base = f"{out.stem}-pictures"
    _write_pictures(context, out.parent / base, base)
    text = _environment().get_template("report.md").render(**context)
    out.write_text(text, encoding="utf-8")
    return out
