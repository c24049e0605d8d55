"""The workspace tables of cases, their audit log and enforcement actions.

Created on first change (``CREATE TABLE IF NOT EXISTS``), so workspaces written before cases
existed keep working; reading functions treat missing tables as empty, so a workspace opened
read-only is never altered. The audit table is only ever INSERTed into by this package (see
:mod:`cibwatch.cases.audit` for what protects it and what does not).
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: The longest note or reason kept, in bytes of UTF-8 (see :func:`check_text`).
MAX_TEXT_BYTES: Final = 65_536
TABLES: Final = ("cases", "case_notes", "case_decisions", "case_audit", "enforcement_actions")

DDL: Final = """
CREATE TABLE IF NOT EXISTS cases (
    network_id VARCHAR PRIMARY KEY,
    status VARCHAR NOT NULL,
    assignee VARCHAR,
    assembly_run INTEGER NOT NULL,
    score DOUBLE NOT NULL,
    size INTEGER NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    opened_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS case_notes (
    note_id INTEGER PRIMARY KEY,
    network_id VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    text VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS case_decisions (
    decision_id INTEGER PRIMARY KEY,
    network_id VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    from_status VARCHAR NOT NULL,
    to_status VARCHAR NOT NULL,
    reason VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS case_audit (
    audit_id BIGINT PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    automated BOOLEAN NOT NULL,
    action VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    before VARCHAR,
    after VARCHAR,
    prev_hash VARCHAR NOT NULL,
    hash VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS enforcement_actions (
    action_id INTEGER PRIMARY KEY,
    rule VARCHAR NOT NULL,
    network_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    asset VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    evidence VARCHAR,
    status VARCHAR NOT NULL,
    proposed_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by VARCHAR,
    decision_reason VARCHAR
);
"""


def ensure_tables(workspace: Workspace) -> None:
    """Create the case tables if the workspace has none yet."""
    workspace.connection.execute(DDL)


#: Workspaces (and read handles) already seen to have the case tables: nothing drops them, so
#: the answer is kept and a busy reader (the web service) asks the catalog once per handle.
_HAVE_TABLES: weakref.WeakSet[Workspace] = weakref.WeakSet()


def has_tables(workspace: Workspace) -> bool:
    """Whether the case tables exist (reading functions return nothing when they do not)."""
    if workspace in _HAVE_TABLES:
        return True
    row = workspace.connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE list_contains(?, table_name)",
        [list(TABLES)],
    ).fetchone()
    found = row is not None and int(row[0]) == len(TABLES)
    if found:
        _HAVE_TABLES.add(workspace)
    return found


def now() -> datetime:
    """The current time as the naive UTC timestamp the workspace stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def check_text(text: str | None, what: str) -> None:
    """Refuse a note or reason longer than :data:`MAX_TEXT_BYTES` (UTF-8).

    Notes and reasons come from people, and every page of the case shows them all: a 50 MB
    note made a case page of 64 MB and a service of 955 MB. 64 KiB holds any note a person
    writes (about 30 printed pages); evidence belongs in files, referred to by name.
    """
    size = len(text.encode("utf-8", "surrogatepass")) if text else 0
    if size > MAX_TEXT_BYTES:
        raise ConfigError(
            f"{what} is {size:,} bytes long; at most {MAX_TEXT_BYTES:,} bytes (UTF-8) are kept. "
            "Shorten it, or keep long material in a file and name the file"
        )


def check_actor(actor: str) -> str:
    """Return ``actor`` stripped; refuse an empty one (every change must name who made it)."""
    name = actor.strip() if isinstance(actor, str) else ""
    if not name:
        raise ConfigError("actor must name who makes the change (an empty actor is refused)")
    return name


def next_id(workspace: Workspace, table: str, column: str) -> int:
    """The next id of ``table`` (max + 1), read inside the caller's transaction."""
    if table not in TABLES:
        raise ConfigError(f"not a case table: {table!r}")
    row = workspace.connection.execute(
        f'SELECT coalesce(max("{column}"), 0) + 1 FROM "{table}"'
    ).fetchone()
    return int(row[0]) if row else 1
