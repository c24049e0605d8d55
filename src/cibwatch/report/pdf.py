"""The investigation report as a PDF, rendered by WeasyPrint from the HTML template.

The PDF shows exactly what the HTML report shows: the same :func:`report_context` goes
through the same template (its print rules set A4 pages, margins, page numbers and keep
table rows and pictures whole). WeasyPrint does not honour the template's
Content-Security-Policy, so the renderer gets :func:`data_only_fetcher`: it loads
``data:`` URLs only and refuses everything else (``http``, ``https``, ``file``, ...). Analysed
content is hostile and is escaped anyway; the fetcher is the second wall, so that nothing a
post says can make the renderer reach the network or read a local file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cibwatch.errors import CibwatchError, DependencyError
from cibwatch.report.html import render_html_string

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

__all__ = [
    "APPENDIX_ANCHOR",
    "RemoteFetchRefusedError",
    "data_only_fetcher",
    "html_to_pdf",
    "layout_pdf",
    "page_of",
    "refuse_remote",
    "render_pdf",
]


class RemoteFetchRefusedError(CibwatchError, PermissionError):
    """The PDF renderer was asked to load something that is not a ``data:`` URL."""


def refuse_remote(url: str) -> None:
    """Raise :class:`RemoteFetchRefusedError` unless ``url`` is a ``data:`` URL.

    >>> refuse_remote("data:text/plain,hi")
    >>> refuse_remote("http://evil.example/x.png")
    Traceback (most recent call last):
    ...
    cibwatch.report.pdf.RemoteFetchRefusedError: the PDF renderer loads data: URLs only, \
refused 'http://evil.example/x.png'
    """
    if not url.lower().startswith("data:"):
        raise RemoteFetchRefusedError(f"the PDF renderer loads data: URLs only, refused {url!r}")


def data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that decodes ``data:`` URLs and refuses every other URL.

    WeasyPrint logs a refusal and leaves the resource out, so the PDF is still written.
    Two walls: :func:`refuse_remote` checks each URL before anything is opened, and the
    fetcher allows the ``data`` protocol only, with redirects off. WeasyPrint is imported
    here, not at module import, so the command line starts fast when no PDF is asked for.
    """
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
        def fetch(self, url: str, headers: Any = None) -> Any:
            refuse_remote(url)
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols=("data",), allow_redirects=False)


#: The anchor where the report's appendix begins (pages before it are the report proper).
APPENDIX_ANCHOR = "appendix"


def _quiet(_message: str) -> None:
    """The default progress callback: say nothing."""


def layout_pdf(html: str) -> Any:
    """The HTML text ``html`` laid out as WeasyPrint pages, with the refusing fetcher."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # the system libraries (Pango) may be missing
        raise DependencyError(
            f"the PDF report needs WeasyPrint and its system libraries (Pango): {exc}"
        ) from exc
    # base_url=None: a relative link resolves to nothing instead of to a local directory.
    return HTML(string=html, base_url=None, url_fetcher=data_only_fetcher()).render()


def page_of(document: Any, anchor: str) -> int | None:
    """The 1-based page on which ``anchor`` (an element id) is laid out, if any."""
    for number, page in enumerate(document.pages, start=1):
        if anchor in page.anchors:
            return number
    return None


def html_to_pdf(html: str, out: Path, *, progress: Callable[[str], None] = _quiet) -> Path:
    """Render the HTML text ``html`` to the PDF file ``out`` with the refusing fetcher."""
    progress("PDF: laying out pages (WeasyPrint; tens of seconds for a large report)")
    document = layout_pdf(html)
    before = page_of(document, APPENDIX_ANCHOR)
    appendix = f", the appendix from page {before}" if before else ""
    progress(f"PDF: writing {len(document.pages)} pages{appendix}")
    out.parent.mkdir(parents=True, exist_ok=True)
    document.write_pdf(out)
    return out


def render_pdf(
    workspace: Workspace,
    out: Path,
    *,
    evaluation: list[dict[str, Any]] | None = None,
    progress: Callable[[str], None] = _quiet,
) -> Path:
    """Write the PDF report of ``workspace`` to ``out`` and return the path.

    ``progress`` is told what is happening (a PDF of a large workspace takes a while).
    """
    progress("PDF: gathering the report's facts from the workspace")
    html = render_html_string(workspace, evaluation=evaluation)
    return html_to_pdf(html, out, progress=progress)
