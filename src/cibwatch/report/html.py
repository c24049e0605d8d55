"""The investigation report as one self-contained HTML file.

Everything analysed is hostile: the template engine escapes every value (autoescape on, no
``|safe`` anywhere), and a Content-Security-Policy forbids scripts and remote loads, so a
post text such as ``<script>`` is shown, never run, and the file works offline. The pictures
are inline SVG built by :mod:`cibwatch.report.pictures`, which escapes every text it draws
and hands the template :class:`markupsafe.Markup`. The facts come from
:func:`cibwatch.report.context.report_context`, shared with the Markdown rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cibwatch.report.context import report_context

if TYPE_CHECKING:
    from cibwatch.dossier import Dossier
    from cibwatch.narratives import NarrativeLinking
    from cibwatch.workspace import Workspace


__all__ = ["render_html", "report_context"]


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cibwatch.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
    )


def render_html_string(
    workspace: Workspace,
    *,
    evaluation: list[dict[str, Any]] | None = None,
    linking: NarrativeLinking | None = None,
    dossiers: Mapping[str, Dossier] | None = None,
) -> str:
    """The HTML report of ``workspace`` as text (the PDF renders this same page)."""
    context = report_context(workspace, evaluation=evaluation, linking=linking, dossiers=dossiers)
    return _environment().get_template("report.html").render(**context)


def render_html(
    workspace: Workspace,
    out: Path,
    *,
    evaluation: list[dict[str, Any]] | None = None,
    linking: NarrativeLinking | None = None,
    dossiers: Mapping[str, Dossier] | None = None,
) -> Path:
    """Write the HTML report of ``workspace`` to ``out`` and return the path.

    ``linking`` and ``dossiers``: the workspace's narratives across languages and dossiers
    (network id -> dossier), those already computed.
    """
    html = render_html_string(workspace, evaluation=evaluation, linking=linking, dossiers=dossiers)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
