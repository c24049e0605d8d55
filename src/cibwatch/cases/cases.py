"""Cases: one per network, moved through a fixed status flow by named analysts.

Status flow (anything else is refused with :class:`TransitionError` naming from and to)::

    new -> in_review -> confirmed_cib -> enforced
                     -> dismissed -> in_review   (reopen)

Decisions (confirm, dismiss, enforce, reopen) need a non-empty reason and are kept in
``case_decisions``. Every change writes an audit row in the same transaction.

>>> TRANSITIONS["in_review"]
('confirmed_cib', 'dismissed')
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from cibwatch.cases.audit import append_audit
from cibwatch.cases.store import (
    check_actor,
    check_text,
    ensure_tables,
    has_tables,
    next_id,
    now,
)
from cibwatch.errors import ConfigError, WorkspaceError
from cibwatch.networks import stored_networks

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

STATUSES: Final = ("new", "in_review", "confirmed_cib", "dismissed", "enforced")
TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "new": ("in_review",),
    "in_review": ("confirmed_cib", "dismissed"),
    "confirmed_cib": ("enforced",),
    "dismissed": ("in_review",),
    "enforced": (),
}
#: Transitions that are decisions: they need a reason and are kept in ``case_decisions``.
DECISIONS: Final = frozenset(
    {
        ("in_review", "confirmed_cib"),
        ("in_review", "dismissed"),
        ("confirmed_cib", "enforced"),
        ("dismissed", "in_review"),
    }
)
#: Statuses whose networks go on takedown lists and feed enforcement rules.
CONFIRMED: Final = ("confirmed_cib", "enforced")


class CaseNotFoundError(WorkspaceError, LookupError):
    """No case for that network id (open cases from an assembly first)."""


class NetworkNotFoundError(ConfigError, LookupError):
    """A network id that the latest assembly does not hold."""


class TransitionError(ConfigError):
    """A status change the flow does not allow."""


@dataclass(frozen=True)
class Case:
    """A network under review: status, assignee, and the assembly it was last seen in."""

    network_id: str
    status: str
    assignee: str | None
    assembly_run: int
    score: float
    size: int
    opened_at: datetime
    opened_by: str
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["opened_at"] = self.opened_at.isoformat()
        out["updated_at"] = self.updated_at.isoformat()
        return out


@dataclass(frozen=True)
class Note:
    note_id: int
    network_id: str
    actor: str
    created_at: datetime
    text: str


@dataclass(frozen=True)
class Decision:
    decision_id: int
    network_id: str
    actor: str
    decided_at: datetime
    from_status: str
    to_status: str
    reason: str


_CASE_COLUMNS: Final = (
    "network_id, status, assignee, assembly_run, score, size, opened_at, opened_by, updated_at"
)


def _case(row: tuple[Any, ...]) -> Case:
    return Case(
        str(row[0]),
        str(row[1]),
        row[2],
        int(row[3]),
        float(row[4]),
        int(row[5]),
        row[6],
        str(row[7]),
        row[8],
    )


def _audit_view(case: Case) -> dict[str, Any]:
    """What the audit log records of a case (the fields a change can alter)."""
    return {
        "status": case.status,
        "assignee": case.assignee,
        "assembly_run": case.assembly_run,
        "score": case.score,
        "size": case.size,
    }


def list_cases(
    workspace: Workspace, *, status: str | None = None, assignee: str | None = None
) -> list[Case]:
    """Cases, best score first, optionally of one status or assignee."""
    if status is not None and status not in STATUSES:
        raise ConfigError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    if not has_tables(workspace):
        return []
    rows = workspace.connection.execute(
        f"SELECT {_CASE_COLUMNS} FROM cases WHERE (? IS NULL OR status = ?) "
        "AND (? IS NULL OR assignee = ?) ORDER BY score DESC, network_id",
        [status, status, assignee, assignee],
    ).fetchall()
    return [_case(r) for r in rows]


def get_case(workspace: Workspace, network_id: str) -> Case:
    """The case of ``network_id``; :class:`CaseNotFoundError` when there is none."""
    row = None
    if has_tables(workspace):
        row = workspace.connection.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE network_id = ?", [network_id]
        ).fetchone()
    if row is None:
        raise CaseNotFoundError(f"no case for network {network_id!r} (run `cases open` first)")
    return _case(row)


def open_cases(
    workspace: Workspace, actor: str, *, network_ids: list[str] | None = None
) -> list[Case]:
    """Open a case (status ``new``) for each network of the latest assembly that has none.

    Network ids are stable across assemblies, so a network seen again keeps its case; its
    assembly run, score and size are refreshed (and audited) when they changed. With
    ``network_ids`` only those networks are considered. Returns the cases opened now.
    """
    who = check_actor(actor)
    networks = stored_networks(workspace)
    if not networks:
        raise WorkspaceError("no assembled networks in the workspace: run an investigation first")
    if network_ids is not None:
        known = {n.network_id for n in networks}
        missing = sorted(set(network_ids) - known)
        if missing:
            raise NetworkNotFoundError(f"not in the latest assembly: {', '.join(missing)}")
        networks = [n for n in networks if n.network_id in set(network_ids)]
    ensure_tables(workspace)
    opened: list[Case] = []
    with workspace.transaction() as con:
        for net in networks:
            at = now()
            row = con.execute(
                f"SELECT {_CASE_COLUMNS} FROM cases WHERE network_id = ?", [net.network_id]
            ).fetchone()
            if row is None:
                case = Case(
                    net.network_id, "new", None, net.run_id, net.score, net.size, at, who, at
                )
                con.execute(
                    f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    list(asdict(case).values()),
                )
                append_audit(
                    workspace,
                    con,
                    actor=who,
                    action="open",
                    subject=net.network_id,
                    before=None,
                    after=_audit_view(case),
                )
                opened.append(case)
                continue
            old = _case(row)
            if (old.assembly_run, old.score, old.size) == (net.run_id, net.score, net.size):
                continue
            con.execute(
                "UPDATE cases SET assembly_run = ?, score = ?, size = ?, updated_at = ? "
                "WHERE network_id = ?",
                [net.run_id, net.score, net.size, at, net.network_id],
            )
            new = Case(
                old.network_id,
                old.status,
                old.assignee,
                net.run_id,
                net.score,
                net.size,
                old.opened_at,
                old.opened_by,
                at,
            )
            append_audit(
                workspace,
                con,
                actor=who,
                action="refresh",
                subject=net.network_id,
                before=_audit_view(old),
                after=_audit_view(new),
            )
    return opened


def assign(workspace: Workspace, network_id: str, assignee: str | None, actor: str) -> Case:
    """Assign the case to ``assignee`` (None or empty: unassign)."""
    who = check_actor(actor)
    target = assignee.strip() if assignee else None
    old = get_case(workspace, network_id)
    with workspace.transaction() as con:
        at = now()
        con.execute(
            "UPDATE cases SET assignee = ?, updated_at = ? WHERE network_id = ?",
            [target or None, at, network_id],
        )
        new = _replace(old, assignee=target or None, updated_at=at)
        append_audit(
            workspace,
            con,
            actor=who,
            action="assign",
            subject=network_id,
            before=_audit_view(old),
            after=_audit_view(new),
        )
    return new


def add_note(workspace: Workspace, network_id: str, text: str, actor: str) -> Note:
    """Add a note to the case (notes are never edited; add another to correct one)."""
    who = check_actor(actor)
    if not text or not text.strip():
        raise ConfigError("a note needs text")
    check_text(text, "the note")
    get_case(workspace, network_id)
    with workspace.transaction() as con:
        note = Note(next_id(workspace, "case_notes", "note_id"), network_id, who, now(), text)
        con.execute("INSERT INTO case_notes VALUES (?, ?, ?, ?, ?)", list(asdict(note).values()))
        append_audit(
            workspace,
            con,
            actor=who,
            action="note",
            subject=network_id,
            before=None,
            after={"note_id": note.note_id, "text": text},
        )
    return note


def set_status(
    workspace: Workspace,
    network_id: str,
    to_status: str,
    actor: str,
    *,
    reason: str | None = None,
) -> Case:
    """Move the case to ``to_status`` if the flow allows it.

    Decisions (see :data:`DECISIONS`) need a non-empty ``reason`` and are recorded in
    ``case_decisions``; ``in_review`` from ``new`` needs none.
    """
    who = check_actor(actor)
    if to_status not in STATUSES:
        raise ConfigError(f"unknown status {to_status!r}; one of {', '.join(STATUSES)}")
    old = get_case(workspace, network_id)
    if to_status not in TRANSITIONS[old.status]:
        allowed = ", ".join(TRANSITIONS[old.status]) or "none (final status)"
        raise TransitionError(
            f"case {network_id}: cannot go from {old.status} to {to_status} "
            f"(allowed from {old.status}: {allowed})"
        )
    is_decision = (old.status, to_status) in DECISIONS
    text = (reason or "").strip()
    check_text(text, "the reason")
    if is_decision and not text:
        raise ConfigError(
            f"case {network_id}: {old.status} -> {to_status} is a decision and needs a reason"
        )
    with workspace.transaction() as con:
        at = now()
        con.execute(
            "UPDATE cases SET status = ?, updated_at = ? WHERE network_id = ?",
            [to_status, at, network_id],
        )
        new = _replace(old, status=to_status, updated_at=at)
        after = _audit_view(new)
        if is_decision:
            decision_id = next_id(workspace, "case_decisions", "decision_id")
            con.execute(
                "INSERT INTO case_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [decision_id, network_id, who, at, old.status, to_status, text],
            )
            after |= {"decision_id": decision_id, "reason": text}
        elif text:
            after["reason"] = text
        append_audit(
            workspace,
            con,
            actor=who,
            action="decide" if is_decision else "status",
            subject=network_id,
            before=_audit_view(old),
            after=after,
        )
    return new


def decide(workspace: Workspace, network_id: str, outcome: str, reason: str, actor: str) -> Case:
    """Record a review decision: ``confirm`` (confirmed_cib) or ``dismiss``, with a reason."""
    targets = {"confirm": "confirmed_cib", "dismiss": "dismissed"}
    if outcome not in targets:
        raise ConfigError(f"unknown decision {outcome!r}; one of confirm, dismiss")
    return set_status(workspace, network_id, targets[outcome], actor, reason=reason)


def case_notes(workspace: Workspace, network_id: str) -> list[Note]:
    """The case's notes, oldest first."""
    if not has_tables(workspace):
        return []
    rows = workspace.connection.execute(
        "SELECT note_id, network_id, actor, created_at, text FROM case_notes "
        "WHERE network_id = ? ORDER BY note_id",
        [network_id],
    ).fetchall()
    return [Note(int(r[0]), str(r[1]), str(r[2]), r[3], str(r[4])) for r in rows]


def case_decisions(workspace: Workspace, network_id: str) -> list[Decision]:
    """The case's decisions with their reasons, oldest first."""
    if not has_tables(workspace):
        return []
    rows = workspace.connection.execute(
        "SELECT decision_id, network_id, actor, decided_at, from_status, to_status, reason "
        "FROM case_decisions WHERE network_id = ? ORDER BY decision_id",
        [network_id],
    ).fetchall()
    return [
        Decision(int(r[0]), str(r[1]), str(r[2]), r[3], str(r[4]), str(r[5]), str(r[6]))
        for r in rows
    ]


def _replace(case: Case, **changes: Any) -> Case:
    return Case(**(asdict(case) | changes))
