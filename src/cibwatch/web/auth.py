"""Bearer tokens with roles: who is calling, and may they do this?

Tokens map to a :class:`Principal` (a name and a role). Roles are ordered viewer < analyst <
admin; an endpoint names the lowest role it needs. The principal's name is the actor written
to the audit log, so the actor of a change is never taken from the request.

Lookups compare the presented token against every known token with
:func:`hmac.compare_digest`, so the time taken says nothing about how much of a token matched.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from cibwatch.errors import ConfigError, InputError


class Role(IntEnum):
    """What a token may do; a higher role may do everything a lower one may."""

    viewer = 1
    analyst = 2
    admin = 3


@dataclass(frozen=True)
class Principal:
    """The person (or service) behind a token."""

    name: str
    role: Role


def parse_role(value: str) -> Role:
    """The role named ``value`` (viewer, analyst or admin)."""
    try:
        return Role[value]
    except KeyError:
        raise ConfigError(
            f"unknown role {value!r}; one of {', '.join(r.name for r in Role)}"
        ) from None


class TokenStore:
    """Known tokens and their principals, looked up in constant time per token."""

    def __init__(self, tokens: Mapping[str, tuple[str, str | Role]]) -> None:
        entries: list[tuple[bytes, Principal]] = []
        for token, (name, role) in tokens.items():
            if len(token) < 16:
                raise ConfigError(f"token of {name!r} is shorter than 16 characters")
            if not name or not name.strip():
                raise ConfigError("every token needs a non-empty name")
            role_value = role if isinstance(role, Role) else parse_role(role)
            entries.append((token.encode(), Principal(name.strip(), role_value)))
        if not entries:
            raise ConfigError("no tokens: the service would refuse everyone")
        self._entries = entries

    def lookup(self, token: str | None) -> Principal | None:
        """The principal of ``token``, or None; every known token is compared in full."""
        if not token:
            return None
        given = token.encode()
        found: Principal | None = None
        for known, principal in self._entries:
            # no early exit: the loop takes as long whichever token matched
            if hmac.compare_digest(known, given):
                found = principal
        return found


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header value, if it is one."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def generate_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def load_tokens(path: Path) -> dict[str, tuple[str, str]]:
    """Read a token file: a JSON object ``{"TOKEN": {"name": "...", "role": "..."}}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the token file: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("expected a JSON object of token -> {name, role}", file=str(path))
    tokens: dict[str, tuple[str, str]] = {}
    for i, (token, entry) in enumerate(data.items(), start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InputError("each token needs a name", file=str(path), row=i, field="name")
        role = entry.get("role")
        if not isinstance(role, str) or role not in Role.__members__:
            raise InputError(
                "role must be viewer, analyst or admin", file=str(path), row=i, field="role"
            )
        tokens[str(token)] = (entry["name"], role)
    return tokens
