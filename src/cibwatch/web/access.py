"""Who is calling the API, and may they: FastAPI dependencies over :mod:`cibwatch.web.auth`.

The API reads the token from ``Authorization: Bearer`` only, never from a cookie, so a page
on another site cannot make a browser send an authenticated API request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from cibwatch.web.auth import Principal, Role, TokenStore, bearer_token
from cibwatch.web.store import Store


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits bearer tokens of ``role`` or higher (401, else 403)."""

    async def check(request: Request) -> Principal:  # a coroutine: no worker thread
        keys: TokenStore = request.app.state.keys
        principal = keys.lookup(bearer_token(request.headers.get("authorization")))
        if principal is None:
            raise HTTPException(
                401, "a valid bearer token is needed", {"WWW-Authenticate": "Bearer"}
            )
        if principal.role < role:
            raise HTTPException(403, f"needs the {role.name} role")
        return principal

    return check


async def store_of(request: Request) -> Store:
    """The workspace store of the application serving ``request``."""
    store: Store = request.app.state.store
    return store


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Analyst = Annotated[Principal, Depends(require(Role.analyst))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
Workspaces = Annotated[Store, Depends(store_of)]
