"""``cibwatch serve``: run the REST API and the dashboard over one workspace.

Without ``--token-file`` one admin token is generated and printed once: it is the only way
in, and it lives only as long as the process.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cibwatch.cli.choices import MAX_BODY

if TYPE_CHECKING:
    from cibwatch.web.auth import TokenEntry


@click.command("serve")
@click.argument("workspace", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help='JSON object {"TOKEN": {"name": "...", "role": "viewer|analyst|admin"}}, each '
    'optionally with "expires": "2026-12-31T23:59:59Z"; without it one admin token is '
    "generated and printed.",
)
@click.option(
    "--max-body",
    default=MAX_BODY,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest request body read, in bytes; larger ones get 413.",
)
def command(workspace: Path, host: str, port: int, token_file: Path | None, max_body: int) -> None:
    """Serve WORKSPACE: REST API under /api, dashboard at /, schema at /openapi.json."""
    import uvicorn  # imported here: only this command needs the server

    from cibwatch.web.app import create_app
    from cibwatch.web.auth import generate_token, load_tokens

    tokens: dict[str, TokenEntry]
    if token_file is not None:
        tokens = load_tokens(token_file)
    else:
        token = generate_token()
        tokens = {token: ("admin", "admin")}
        click.echo(f"Admin token (shown once): {token}")
    app = create_app(workspace, tokens, max_body=max_body)
    if expired := app.state.keys.expired():
        click.echo(f"Expired tokens, refused: {', '.join(sorted(expired))}", err=True)
    click.echo(f"Serving {workspace} on http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="info")
