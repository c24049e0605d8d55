"""Analyst cases: one per network, a status flow, an audit log and enforcement.

- :mod:`~cibwatch.cases.cases`: open cases, assign, note, decide, move through the status flow;
- :mod:`~cibwatch.cases.audit`: the append-only, hash-chained audit log and its verification;
- :mod:`~cibwatch.cases.enforcement`: takedown lists, automated rules and the approval queue.

Every function takes the workspace and, for changes, the ``actor`` making them; every change
and its audit row are written in one transaction.
"""

from __future__ import annotations

from cibwatch.cases.audit import AuditBreak, AuditEntry, audit_head, audit_log, verify_audit
from cibwatch.cases.cases import (
    STATUSES,
    TRANSITIONS,
    Case,
    CaseNotFoundError,
    Decision,
    NetworkNotFoundError,
    Note,
    TransitionError,
    add_note,
    assign,
    case_decisions,
    case_notes,
    decide,
    get_case,
    list_cases,
    open_cases,
    set_status,
)
from cibwatch.cases.enforcement import (
    ACTION_STATUSES,
    ActionNotFoundError,
    EnforcementAction,
    RecidivismRule,
    RuleRun,
    TakedownItem,
    approve_action,
    enforcement_actions,
    export_takedown_csv,
    get_action,
    reject_action,
    run_rules,
    takedown_list,
)
from cibwatch.cases.names import display_name, name_network, network_names

__all__ = [
    "ACTION_STATUSES",
    "STATUSES",
    "TRANSITIONS",
    "ActionNotFoundError",
    "AuditBreak",
    "AuditEntry",
    "Case",
    "CaseNotFoundError",
    "Decision",
    "EnforcementAction",
    "NetworkNotFoundError",
    "Note",
    "RecidivismRule",
    "RuleRun",
    "TakedownItem",
    "TransitionError",
    "add_note",
    "approve_action",
    "assign",
    "audit_head",
    "audit_log",
    "case_decisions",
    "case_notes",
    "decide",
    "display_name",
    "enforcement_actions",
    "export_takedown_csv",
    "get_action",
    "get_case",
    "list_cases",
    "name_network",
    "network_names",
    "open_cases",
    "reject_action",
    "run_rules",
    "set_status",
    "takedown_list",
    "verify_audit",
]
