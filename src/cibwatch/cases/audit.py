"""The append-only audit log of cases: who changed what, when, before and after.

Each row is chained to the one before it: ``hash = sha256(prev_hash + content)``, where the
content is the row's id, time, actor, automation flag, action, subject and before/after JSON.
The library only ever INSERTs audit rows, in the same transaction as the change they record,
and offers no function that updates or deletes them.

What this guarantees and what it does not: DuckDB has no triggers or permissions, so whoever
holds the workspace file can edit the table directly. :func:`verify_audit` then finds every row
whose content no longer matches its hash or whose link to the previous row is broken. Deleting
rows at the *end* of the log leaves a valid shorter chain; record :func:`audit_head` somewhere
else (a report, a ticket) and pass it to :func:`verify_audit` to detect that too.

>>> from cibwatch.workspace import Workspace
>>> with Workspace(":memory:") as ws:
...     verify_audit(ws)
[]
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from cibwatch.cases.store import has_tables, now
from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

    from cibwatch.workspace import Workspace

#: ``prev_hash`` of the first row.
GENESIS: Final = "0" * 64

_COLUMNS: Final = (
    "audit_id, logged_at, actor, automated, action, subject, before, after, prev_hash, hash"
)


@dataclass(frozen=True)
class AuditEntry:
    """One audit row; ``before``/``after`` are the JSON texts exactly as stored and hashed."""

    audit_id: int
    at: datetime
    actor: str
    automated: bool
    action: str
    subject: str
    before: str | None
    after: str | None
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for rendering, with before/after decoded."""
        return {
            "audit_id": self.audit_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "automated": self.automated,
            "action": self.action,
            "subject": self.subject,
            "before": None if self.before is None else json.loads(self.before),
            "after": None if self.after is None else json.loads(self.after),
            "hash": self.hash,
        }


@dataclass(frozen=True)
class AuditBreak:
    """A row of the audit log that fails verification, and why."""

    audit_id: int
    problem: str


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def row_hash(
    prev_hash: str,
    audit_id: int,
    at: datetime,
    actor: str,
    automated: bool,
    action: str,
    subject: str,
    before: str | None,
    after: str | None,
) -> str:
    """The chain hash of one row: sha256 of the previous hash and the row's content."""
    content = json.dumps(
        [audit_id, at.isoformat(), actor, automated, action, subject, before, after],
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def append_audit(
    workspace: Workspace,
    con: duckdb.DuckDBPyConnection,
    *,
    actor: str,
    action: str,
    subject: str,
    before: Any,
    after: Any,
    automated: bool = False,
) -> AuditEntry:
    """Append one row to the log; call it inside the transaction that makes the change."""
    last = con.execute(
        "SELECT audit_id, hash FROM case_audit ORDER BY audit_id DESC LIMIT 1"
    ).fetchone()
    # ids only grow and are never removed, so the last row's id + 1 is max + 1
    audit_id, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    at = now()
    before_text, after_text = _dump(before), _dump(after)
    digest = row_hash(
        prev, audit_id, at, actor, automated, action, subject, before_text, after_text
    )
    entry = AuditEntry(
        audit_id, at, actor, automated, action, subject, before_text, after_text, prev, digest
    )
    con.execute(
        f"INSERT INTO case_audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [audit_id, at, actor, automated, action, subject, before_text, after_text, prev, digest],
    )
    return entry


def audit_log(
    workspace: Workspace,
    subject: str | None = None,
    *,
    limit: int | None = None,
    before: int | None = None,
) -> list[AuditEntry]:
    """The audit rows (of one subject, e.g. a network id or ``action:3``), oldest first.

    ``limit`` keeps only the latest rows and ``before`` only rows with a smaller id, so a
    long log is read a page at a time, newest page first.
    """
    if not has_tables(workspace):
        return []
    if limit is not None and limit < 1:
        raise ConfigError("limit must be at least 1")
    rows = workspace.connection.execute(
        f"SELECT * FROM (SELECT {_COLUMNS} FROM case_audit "
        "WHERE ($subject IS NULL OR subject = $subject) "
        "AND ($before IS NULL OR audit_id < $before) "
        "ORDER BY audit_id DESC LIMIT $limit) ORDER BY audit_id",
        {"subject": subject, "before": before, "limit": limit},
    ).fetchall()
    return [
        AuditEntry(
            int(r[0]),
            r[1],
            str(r[2]),
            bool(r[3]),
            str(r[4]),
            str(r[5]),
            r[6],
            r[7],
            str(r[8]),
            str(r[9]),
        )
        for r in rows
    ]


def audit_head(workspace: Workspace) -> tuple[int, str]:
    """(number of rows, hash of the last row): keep it elsewhere to detect a cut-off tail."""
    log = audit_log(workspace)
    return (len(log), log[-1].hash) if log else (0, GENESIS)


def verify_audit(
    workspace: Workspace, expected_head: tuple[int, str] | None = None
) -> list[AuditBreak]:
    """Every row whose content or chain link was altered; empty when the log is intact.

    A row breaks when its stored hash does not match its content, or when its ``prev_hash``
    is not the hash of the row before it (a row was deleted, inserted or reordered).
    ``expected_head`` (from :func:`audit_head` recorded earlier) also catches rows removed from
    the end of the log.
    """
    breaks: list[AuditBreak] = []
    prev = GENESIS
    log = audit_log(workspace)
    for entry in log:
        if entry.prev_hash != prev:
            breaks.append(
                AuditBreak(entry.audit_id, "previous-row link broken (row deleted or inserted)")
            )
        content = row_hash(
            entry.prev_hash,
            entry.audit_id,
            entry.at,
            entry.actor,
            entry.automated,
            entry.action,
            entry.subject,
            entry.before,
            entry.after,
        )
        if content != entry.hash:
            breaks.append(AuditBreak(entry.audit_id, "content does not match its hash (edited)"))
        prev = entry.hash
    if expected_head is not None:
        count, head = expected_head
        present = {e.hash for e in log}
        if head != GENESIS and head not in present:
            breaks.append(
                AuditBreak(count, f"recorded head row {count} is missing (log cut or rewritten)")
            )
    return breaks
