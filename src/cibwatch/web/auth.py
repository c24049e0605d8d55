"""Bearer tokens with roles: who is calling, and may they do this?

Tokens map to a :class:`Principal` (a name and a role). Roles are ordered viewer < analyst <
admin; an endpoint names the lowest role it needs. The principal's name is the actor written
to the audit log, so the actor of a change is never taken from the request.

Lookups compare the presented token against every known token with
:func:`hmac.compare_digest`, so the time taken says nothing about how much of a token matched.

A token may carry an expiry time (``"expires"`` in the token file, a time with its zone):
from then on it is refused as if unknown, by the API and by every dashboard session opened
with it (:mod:`cibwatch.web.sessions` asks again on each request).
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
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


#: What a token maps to: its name and role, and optionally when it expires (aware time).
TokenEntry = tuple[str, str | Role] | tuple[str, str | Role, datetime | None]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TokenStore:
    """Known tokens and their principals, looked up in constant time per token.

    ``clock`` gives the current (aware) time against which expiry is checked.
    """

    def __init__(
        self, tokens: Mapping[str, TokenEntry], clock: Callable[[], datetime] = _utcnow
    ) -> None:
        entries: list[tuple[bytes, Principal, datetime | None]] = []
        for token, entry in tokens.items():
            name, role = entry[0], entry[1]
            expires = entry[2] if len(entry) > 2 else None
            if len(token) < 16:
                raise ConfigError(f"token of {name!r} is shorter than 16 characters")
            if not name or not name.strip():
                raise ConfigError("every token needs a non-empty name")
            if expires is not None and expires.tzinfo is None:
                raise ConfigError(f"the expiry of {name!r}'s token needs its time zone")
            role_value = role if isinstance(role, Role) else parse_role(role)
            entries.append((token.encode(), Principal(name.strip(), role_value), expires))
        if not entries:
            raise ConfigError("no tokens: the service would refuse everyone")
        self._entries = entries
        self.clock = clock

    def lookup(self, token: str | None) -> Principal | None:
        """The principal of ``token`` while it has not expired, or None.

        Every known token is compared in full, whichever matched.
        """
        if not token:
            return None
        given = token.encode()
        found: tuple[Principal, datetime | None] | None = None
        for known, principal, expires in self._entries:
            # no early exit: the loop takes as long whichever token matched
            if hmac.compare_digest(known, given):
                found = (principal, expires)
        if found is None or (found[1] is not None and self.clock() >= found[1]):
            return None
        return found[0]

    def expired(self) -> list[str]:
        """Names of the tokens that have expired (for the operator, never for callers)."""
        now = self.clock()
        return [p.name for _, p, expires in self._entries if expires is not None and now >= expires]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header value, if it is one."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def generate_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def load_tokens(path: Path) -> dict[str, TokenEntry]:
    """Read a token file: a JSON object ``{"TOKEN": {"name": "...", "role": "..."}}``.

    An entry may add ``"expires": "2026-12-31T23:59:59Z"`` (ISO 8601 with its zone); the
    token is refused from that time on.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the token file: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("expected a JSON object of token -> {name, role}", file=str(path))
    tokens: dict[str, TokenEntry] = {}
    for i, (token, entry) in enumerate(data.items(), start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InputError("each token needs a name", file=str(path), row=i, field="name")
        role = entry.get("role")
        if not isinstance(role, str) or role not in Role.__members__:
            raise InputError(
                "role must be viewer, analyst or admin", file=str(path), row=i, field="role"
            )
        expires = _expiry(entry.get("expires"), path, i)
        tokens[str(token)] = (entry["name"], role, expires)
    return tokens


def _expiry(value: object, path: Path, row: int) -> datetime | None:
    """The ``expires`` of a token file entry: an ISO 8601 time with its zone, or absent."""
    if value is None:
        return None
    hint = "a time with its zone, e.g. 2026-12-31T23:59:59Z"
    if not isinstance(value, str):
        raise InputError(f"expires must be {hint}", file=str(path), row=row, field="expires")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"expires {value!r} is not {hint}", file=str(path), row=row, field="expires"
        ) from None
    if when.tzinfo is None:
        raise InputError(
            f"expires {value!r} has no zone; write {hint}", file=str(path), row=row, field="expires"
        )
    return when
