"""The PDF report: written by WeasyPrint, and unable to fetch anything hostile content names."""

from __future__ import annotations

import http.server
import itertools
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.main import cli
from cibwatch.networks import assemble_networks
from cibwatch.report import pdf
from cibwatch.report.pdf import RemoteFetchRefusedError, data_only_fetcher, html_to_pdf

# A 1x1 PNG: the only kind of URL the renderer may load is one that carries its bytes.
PNG_DATA_URL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8Df"
    "DwAE/wH+2NqrmQAAAABJRU5ErkJggg=="
)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A local server that only counts requests: the renderer must never call it."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def local_server() -> Iterator[str]:
    _Recorder.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _world(ws: Workspace, hostile: str) -> None:
    con = ws.connection
    members = ["x:a", "x:b", "x:c"]
    for i, acc in enumerate(members):
        con.execute(
            "INSERT INTO accounts (platform, account_id, kind, display_name, followers) "
            "VALUES ('x', ?, 'account', ?, 10)",
            [acc[2:], hostile],
        )
        con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, kind, "
            "source_file, source_row) VALUES ('x', ?, ?, ?, ?, 'original', 'posts.csv', ?)",
            [f"p{i}", acc[2:], datetime(2024, 1, 1, 9, i), hostile, i + 1],
        )
    run_id = ws.start_run("detect", "coaction", {"window": 30})
    ws.finish_run(run_id)
    con.executemany(
        "INSERT INTO evidence VALUES (?, 'coaction', 'coaction', 'pair', ?, ?, 3, 1e-9, 1e-8, "
        "true, ?, ['url:evil.example/a'], '{}')",
        [[run_id, a, b, hostile] for a, b in itertools.combinations(members, 2)],
    )
    assemble_networks(ws)


def _logged_refusals(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def test_fetcher_loads_data_urls_and_refuses_everything_else() -> None:
    fetcher = data_only_fetcher()
    fetched = fetcher(PNG_DATA_URL)
    assert fetched.content_type == "image/png"
    assert fetched.read().startswith(b"\x89PNG")
    for url in (
        "http://127.0.0.1/x.png",
        "https://evil.example/x.css",
        "HTTP://EVIL.EXAMPLE/",
        "file:///etc/passwd",
        "ftp://evil.example/x",
        "//evil.example/x.png",
        "x.png",
    ):
        with pytest.raises(RemoteFetchRefusedError, match="data: URLs only"):
            fetcher(url)


def test_pdf_renderer_never_requests_remote_resources(
    tmp_path: Path, local_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Unescaped markup, as if a hostile value had slipped through: the fetcher is the wall.
    html = (
        f'<html><head><link rel="stylesheet" href="{local_server}/style.css">'
        f"<style>@import url({local_server}/imported.css); "
        f"body {{ background: url({local_server}/bg.png) }}</style></head>"
        f'<body><p>hello</p><img src="{local_server}/pixel.png"><img src="{PNG_DATA_URL}">'
        f'<img src="file:///etc/passwd"></body></html>'
    )
    out = html_to_pdf(html, tmp_path / "hostile.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    assert _Recorder.requests == []  # the server never heard from the renderer
    assert "data: URLs only" in _logged_refusals(caplog)


def test_report_pdf_with_hostile_posts_fetches_nothing(
    tmp_path: Path, local_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    refuse = pdf.refuse_remote

    def recording(url: str) -> None:
        asked.append(url)
        refuse(url)

    monkeypatch.setattr(pdf, "refuse_remote", recording)
    hostile = f"<img src={local_server}/tracker.png><script>alert(1)</script>"
    with Workspace() as ws:
        _world(ws, hostile)
        out = pdf.render_pdf(ws, tmp_path / "r.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert _Recorder.requests == []
    assert [u for u in asked if not u.startswith("data:")] == []  # escaped: never even asked


def test_report_command_writes_pdf(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        _world(ws, "plain text")
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(cli, ["report", str(path), "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "report.pdf" in result.output
    assert out.read_bytes().startswith(b"%PDF")
