"""Enforcement: takedown lists of confirmed networks, automated rules and an approval queue.

A **takedown list** holds, for every case confirmed as CIB (or already enforced), each member
asset with its platform and kind (account, page, group, channel, website... from the
``accounts`` table), the network's look-alike domains (from the evidence its assembly
summarised), and every rule-proposed asset a person approved. It exports as formula-safe CSV.
Each item's ``url`` is the asset's own address, built from its platform, kind, id and handle
(:mod:`cibwatch.cases.profile_urls`), never the link its profile shows.

An **enforcement rule** proposes actions from evidence. :class:`RecidivismRule` proposes taking
down new assets that the recidivism detector matched to indicators of a confirmed network whose
score is at least ``min_score``. In dry-run mode :func:`run_rules` only returns what it would
propose and writes nothing; otherwise proposals go to a queue as ``pending``, logged as
automated (actor ``rule:<name>``), and only a human's approval puts them on the takedown list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from cibwatch.cases.audit import append_audit
from cibwatch.cases.cases import CONFIRMED, TransitionError, list_cases
from cibwatch.cases.names import network_names
from cibwatch.cases.profile_urls import profile_url, website_url
from cibwatch.cases.store import (
    check_actor,
    check_text,
    ensure_tables,
    has_tables,
    next_id,
    now,
)
from cibwatch.csvsafe import write_rows
from cibwatch.errors import ConfigError, WorkspaceError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

TAKEDOWN_COLUMNS: Final = (
    "network_id",
    "platform",
    "kind",
    "asset",
    "account_id",
    "handle",
    "display_name",
    "url",
    "source",
    "network_name",
)
ACTION_STATUSES: Final = ("pending", "approved", "rejected")
#: Platform and kind of a domain on a takedown list (domains are taken down at registrars).
DOMAIN_PLATFORM: Final = "web"
DOMAIN_KIND: Final = "domain"
_RULE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


class ActionNotFoundError(WorkspaceError, LookupError):
    """No enforcement action with that id."""


@dataclass(frozen=True)
class TakedownItem:
    """One asset to take down, and why it is on the list (``member``, ``lookalike``, a rule)."""

    network_id: str
    platform: str
    kind: str
    asset: str
    account_id: str | None = None
    handle: str | None = None
    display_name: str | None = None
    url: str | None = None
    source: str = "member"
    network_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in TAKEDOWN_COLUMNS}


@dataclass(frozen=True)
class ProposedAction:
    """What a rule proposes: take down ``asset`` as part of confirmed network ``network_id``."""

    rule: str
    network_id: str
    platform: str
    kind: str
    asset: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EnforcementAction:
    """A queued proposal and its fate (``pending`` until a person approves or rejects it)."""

    action_id: int
    rule: str
    network_id: str
    platform: str
    kind: str
    asset: str
    reason: str
    evidence: dict[str, Any]
    status: str
    proposed_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["proposed_at"] = self.proposed_at.isoformat()
        out["decided_at"] = self.decided_at.isoformat() if self.decided_at else None
        return out


@dataclass(frozen=True)
class RuleRun:
    """What a run of rules proposed, and (unless a dry run) the actions it queued."""

    dry_run: bool
    proposed: list[ProposedAction]
    queued: list[EnforcementAction]


# -- takedown lists ----------------------------------------------------------------------


def takedown_list(
    workspace: Workspace,
    *,
    platform: str | None = None,
    kind: str | None = None,
    network_ids: list[str] | None = None,
) -> list[TakedownItem]:
    """Assets of confirmed (or enforced) networks, by platform, kind, network and asset."""
    if not has_tables(workspace):
        return []
    cases = [
        c
        for c in list_cases(workspace)
        if c.status in CONFIRMED and (network_ids is None or c.network_id in network_ids)
    ]
    items: list[TakedownItem] = []
    con = workspace.connection
    for case in cases:
        rows = con.execute(
            """
            SELECT split_part(m.account, ':', 1) AS platform, coalesce(a.kind, 'account'),
                   m.account, substr(m.account, strpos(m.account, ':') + 1),
                   a.handle, a.display_name
            FROM network_members m
            LEFT JOIN (
                SELECT platform || ':' || account_id AS account, kind, handle, display_name
                FROM accounts
                QUALIFY row_number() OVER (
                    PARTITION BY platform, account_id ORDER BY ingest_id DESC) = 1
            ) a ON a.account = m.account
            WHERE m.run_id = ? AND m.network_id = ?
            """,
            [case.assembly_run, case.network_id],
        ).fetchall()
        items += [
            TakedownItem(
                case.network_id,
                r[0],
                r[1],
                r[2],
                account_id=r[3],
                handle=r[4],
                display_name=r[5],
                url=profile_url(r[0], r[1], r[3], r[4]),
            )
            for r in rows
        ]
        summary = con.execute(
            "SELECT summary FROM networks WHERE run_id = ? AND network_id = ?",
            [case.assembly_run, case.network_id],
        ).fetchone()
        domains = json.loads(summary[0]).get("lookalike_domains", []) if summary else []
        items += [
            TakedownItem(
                case.network_id,
                DOMAIN_PLATFORM,
                DOMAIN_KIND,
                str(d),
                url=website_url(str(d)),
                source="lookalike",
            )
            for d in domains
        ]
    listed = {(i.network_id, i.asset) for i in items}
    for action in enforcement_actions(workspace, status="approved"):
        if action.network_id in {c.network_id for c in cases}:
            if (action.network_id, action.asset) in listed:
                continue
            listed.add((action.network_id, action.asset))
            account_id = action.asset.split(":", 1)[1] if ":" in action.asset else None
            items.append(
                TakedownItem(
                    action.network_id,
                    action.platform,
                    action.kind,
                    action.asset,
                    account_id=account_id,
                    url=profile_url(action.platform, action.kind, account_id or action.asset, None),
                    source=f"rule:{action.rule} (action {action.action_id})",
                )
            )
    names = network_names(workspace)
    items = [
        replace(i, network_name=names.get(i.network_id))
        for i in items
        if (not platform or i.platform == platform) and (not kind or i.kind == kind)
    ]
    items.sort(key=lambda i: (i.platform, i.kind, i.network_id, i.asset))
    return items


def export_takedown_csv(
    workspace: Workspace,
    out: Path | TextIO,
    *,
    platform: str | None = None,
    kind: str | None = None,
    network_ids: list[str] | None = None,
) -> int:
    """Write the takedown list as formula-safe CSV; return the number of assets written."""
    items = takedown_list(workspace, platform=platform, kind=kind, network_ids=network_ids)
    return write_rows(out, TAKEDOWN_COLUMNS, (i.as_dict() for i in items))


# -- rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecidivismRule:
    """Propose new assets that match a confirmed network's indicators.

    Reads the latest recidivism detector run: each finding names the indicator's network. A
    finding becomes a proposal when that network's case is confirmed (or enforced), its score
    is at least ``min_score``, the asset is not already a member, and it was never proposed.

    >>> RecidivismRule(min_score=0.4).actor
    'rule:recidivism'
    """

    name: str = "recidivism"
    min_score: float = 0.0

    @property
    def actor(self) -> str:
        return f"rule:{self.name}"

    def validate(self) -> None:
        if not _RULE_NAME.fullmatch(self.name):
            raise ConfigError(f"rule name {self.name!r}: lower-case letters, digits, _ . - only")
        if not 0.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score must be within [0, 1], got {self.min_score}")

    def propose(self, workspace: Workspace) -> list[ProposedAction]:
        self.validate()
        confirmed = {c.network_id: c for c in list_cases(workspace) if c.status in CONFIRMED}
        con = workspace.connection
        run = con.execute(
            "SELECT max(run_id) FROM runs WHERE step = 'detect' AND name = 'recidivism' "
            "AND status = 'ok'"
        ).fetchone()
        if not confirmed or run is None or run[0] is None:
            return []
        rows = con.execute(
            "SELECT subject_a, explanation, details FROM evidence WHERE run_id = ? "
            "AND detector = 'recidivism' AND subject_kind = 'account' AND significant "
            "ORDER BY subject_a, explanation",
            [int(run[0])],
        ).fetchall()
        known = _proposed_before(workspace)
        proposals: list[ProposedAction] = []
        for account, explanation, details_text in rows:
            details = json.loads(details_text) if details_text else {}
            case = confirmed.get(str(details.get("network")))
            if case is None or case.score < self.min_score:
                continue
            asset = str(details.get("asset") or account)
            if (case.network_id, asset) in known or _is_member(workspace, case, asset):
                continue
            known.add((case.network_id, asset))
            if asset == account:
                platform, kind = str(account).split(":", 1)[0], _kind(workspace, str(account))
            else:
                platform, kind = DOMAIN_PLATFORM, DOMAIN_KIND
            proposals.append(
                ProposedAction(
                    self.name,
                    case.network_id,
                    platform,
                    kind,
                    asset,
                    str(explanation),
                    {
                        "recidivism_run": int(run[0]),
                        "indicator": details.get("indicator"),
                        "network_score": case.score,
                        "min_score": self.min_score,
                    },
                )
            )
        return proposals


def run_rules(
    workspace: Workspace,
    rules: list[RecidivismRule],
    *,
    dry_run: bool = True,
    actor: str | None = None,
) -> RuleRun:
    """Evaluate ``rules``; unless ``dry_run``, queue their proposals as pending actions.

    A dry run writes nothing at all. A real run needs the ``actor`` who started it (kept in
    each audit row's ``after``); the audit rows themselves name the rule as actor and are
    flagged automated.
    """
    proposed = [p for rule in rules for p in rule.propose(workspace)]
    if dry_run:
        return RuleRun(True, proposed, [])
    who = check_actor(actor or "")
    ensure_tables(workspace)
    queued: list[EnforcementAction] = []
    with workspace.transaction() as con:
        for p in proposed:
            action = EnforcementAction(
                next_id(workspace, "enforcement_actions", "action_id"),
                p.rule,
                p.network_id,
                p.platform,
                p.kind,
                p.asset,
                p.reason,
                p.evidence,
                "pending",
                now(),
            )
            con.execute(
                "INSERT INTO enforcement_actions VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
                [
                    action.action_id,
                    action.rule,
                    action.network_id,
                    action.platform,
                    action.kind,
                    action.asset,
                    action.reason,
                    json.dumps(action.evidence, sort_keys=True),
                    action.status,
                    action.proposed_at,
                ],
            )
            append_audit(
                workspace,
                con,
                actor=f"rule:{p.rule}",
                action="propose",
                subject=f"action:{action.action_id}",
                before=None,
                after={
                    "status": "pending",
                    "network_id": p.network_id,
                    "asset": p.asset,
                    "platform": p.platform,
                    "kind": p.kind,
                    "reason": p.reason,
                    "triggered_by": who,
                },
                automated=True,
            )
            queued.append(action)
    return RuleRun(False, proposed, queued)


# -- approval queue ----------------------------------------------------------------------


def enforcement_actions(
    workspace: Workspace, *, status: str | None = None
) -> list[EnforcementAction]:
    """Queued actions (of one status), oldest first."""
    if status is not None and status not in ACTION_STATUSES:
        raise ConfigError(f"unknown action status {status!r}; one of {', '.join(ACTION_STATUSES)}")
    if not has_tables(workspace):
        return []
    rows = workspace.connection.execute(
        "SELECT * FROM enforcement_actions WHERE ? IS NULL OR status = ? ORDER BY action_id",
        [status, status],
    ).fetchall()
    return [_action(r) for r in rows]


def get_action(workspace: Workspace, action_id: int) -> EnforcementAction:
    """One queued action; :class:`ActionNotFoundError` when there is none."""
    row = None
    if has_tables(workspace):
        row = workspace.connection.execute(
            "SELECT * FROM enforcement_actions WHERE action_id = ?", [action_id]
        ).fetchone()
    if row is None:
        raise ActionNotFoundError(f"no enforcement action {action_id}")
    return _action(row)


def approve_action(
    workspace: Workspace, action_id: int, actor: str, *, reason: str | None = None
) -> EnforcementAction:
    """A person approves a pending action: its asset joins the takedown list."""
    return _decide_action(workspace, action_id, "approved", actor, reason)


def reject_action(
    workspace: Workspace, action_id: int, actor: str, *, reason: str
) -> EnforcementAction:
    """A person rejects a pending action (a reason is required)."""
    if not reason or not reason.strip():
        raise ConfigError(f"rejecting action {action_id} needs a reason")
    return _decide_action(workspace, action_id, "rejected", actor, reason)


def _decide_action(
    workspace: Workspace, action_id: int, to_status: str, actor: str, reason: str | None
) -> EnforcementAction:
    who = check_actor(actor)
    if who.startswith("rule:"):
        raise ConfigError(f"{who} is a rule: only a person may approve or reject actions")
    old = get_action(workspace, action_id)
    if old.status != "pending":
        raise TransitionError(
            f"action {action_id}: cannot go from {old.status} to {to_status} "
            "(only pending actions are decided)"
        )
    text = reason.strip() if reason else None
    check_text(text, "the reason")
    with workspace.transaction() as con:
        at = now()
        con.execute(
            "UPDATE enforcement_actions SET status = ?, decided_at = ?, decided_by = ?, "
            "decision_reason = ? WHERE action_id = ?",
            [to_status, at, who, text, action_id],
        )
        append_audit(
            workspace,
            con,
            actor=who,
            action="approve" if to_status == "approved" else "reject",
            subject=f"action:{action_id}",
            before={"status": old.status},
            after={"status": to_status, "reason": text},
        )
    return get_action(workspace, action_id)


# -- helpers -----------------------------------------------------------------------------


def _action(r: tuple[Any, ...]) -> EnforcementAction:
    return EnforcementAction(
        int(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        str(r[4]),
        str(r[5]),
        str(r[6]),
        json.loads(r[7]) if r[7] else {},
        str(r[8]),
        r[9],
        r[10],
        r[11],
        r[12],
    )


def _proposed_before(workspace: Workspace) -> set[tuple[str, str]]:
    if not has_tables(workspace):
        return set()
    rows = workspace.connection.execute(
        "SELECT network_id, asset FROM enforcement_actions"
    ).fetchall()
    return {(str(a), str(b)) for a, b in rows}


def _is_member(workspace: Workspace, case: Any, asset: str) -> bool:
    row = workspace.connection.execute(
        "SELECT count(*) FROM network_members WHERE run_id = ? AND network_id = ? AND account = ?",
        [case.assembly_run, case.network_id, asset],
    ).fetchone()
    return bool(row and row[0])


def _kind(workspace: Workspace, account: str) -> str:
    row = workspace.connection.execute(
        "SELECT kind FROM accounts WHERE platform || ':' || account_id = ? "
        "AND kind IS NOT NULL ORDER BY ingest_id DESC LIMIT 1",
        [account],
    ).fetchone()
    return str(row[0]) if row else "account"
