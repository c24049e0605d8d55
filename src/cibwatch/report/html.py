"""The investigation report as one self-contained HTML file.

Everything analysed is hostile: the template engine escapes every value (autoescape on, no
``|safe`` anywhere), and a Content-Security-Policy forbids scripts and remote loads, so a
post text such as ``<script>`` is shown, never run, and the file works offline.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cibwatch import __version__
from cibwatch.dossier import build_dossier
from cibwatch.narratives import narrative_overlaps
from cibwatch.networks import SCORE_WEIGHTS, stored_networks

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cibwatch.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
    )


def report_context(
    workspace: Workspace, *, evaluation: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """All data the report shows, as plain values (also useful for other renderers)."""
    ws = workspace
    networks = stored_networks(ws)
    dossiers = [asdict(build_dossier(ws, n)) for n in networks]
    return {
        "title": "cibwatch investigation report",
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "workspace": ws.path,
        "totals": {t: ws.count(t) for t in ("posts", "accounts", "actions")},
        "ingests": ws.query("SELECT * FROM ingests ORDER BY ingest_id"),
        "reject_reasons": ws.query(
            "SELECT source_file, field, reason, count(*) AS n FROM rejects "
            "GROUP BY ALL ORDER BY n DESC LIMIT 30"
        ),
        "networks": dossiers,
        "weights": SCORE_WEIGHTS,
        "evaluation": evaluation or [],
        "overlaps": narrative_overlaps(ws, networks),
        "runs": ws.runs(),
    }


def render_html(
    workspace: Workspace, out: Path, *, evaluation: list[dict[str, Any]] | None = None
) -> Path:
    """Write the HTML report of ``workspace`` to ``out`` and return the path."""
    html = (
        _environment()
        .get_template("report.html")
        .render(**report_context(workspace, evaluation=evaluation))
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
