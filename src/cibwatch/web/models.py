"""The API's request and response shapes, published in the OpenAPI schema.

They mirror the library's dataclasses (:mod:`cibwatch.cases`) field for field, so a change
there shows up here as a type error rather than as a silently different answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints


class NetworkOut(BaseModel):
    network_id: str
    score: float
    size: int
    platforms: list[str]
    case_status: str | None = None


class CaseOut(BaseModel):
    network_id: str
    status: str
    assignee: str | None
    assembly_run: int
    score: float
    size: int
    opened_at: datetime
    opened_by: str
    updated_at: datetime


class NoteOut(BaseModel):
    note_id: int
    network_id: str
    actor: str
    created_at: datetime
    text: str


class DecisionOut(BaseModel):
    decision_id: int
    network_id: str
    actor: str
    decided_at: datetime
    from_status: str
    to_status: str
    reason: str


class CaseDetailOut(CaseOut):
    notes: list[NoteOut]
    decisions: list[DecisionOut]


class AuditOut(BaseModel):
    audit_id: int
    at: datetime
    actor: str
    automated: bool
    action: str
    subject: str
    before: str | None
    after: str | None
    hash: str


class TakedownOut(BaseModel):
    network_id: str
    platform: str
    kind: str
    asset: str
    account_id: str | None = None
    handle: str | None = None
    display_name: str | None = None
    url: str | None = None
    source: str = "member"


class ActionOut(BaseModel):
    action_id: int
    rule: str
    network_id: str
    platform: str
    kind: str
    asset: str
    reason: str
    status: str
    proposed_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None


class ProposedOut(BaseModel):
    rule: str
    network_id: str
    platform: str
    kind: str
    asset: str
    reason: str


class RuleRunOut(BaseModel):
    dry_run: bool
    proposed: list[ProposedOut]
    queued: list[ActionOut]


class OpenCasesIn(BaseModel):
    network_ids: list[str] | None = Field(
        default=None, description="only these networks (default: every network)"
    )


class DecisionIn(BaseModel):
    decision: str = Field(description="confirm or dismiss")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        description="why (kept in the audit log); blank is refused"
    )


class StatusIn(BaseModel):
    status: str = Field(description="target status (new, in_review, confirmed_cib, ...)")
    reason: str | None = Field(default=None, description="needed for decisions")


class NoteIn(BaseModel):
    text: str = Field(min_length=1)


class RulesIn(BaseModel):
    dry_run: bool = True
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)


class ActionDecisionIn(BaseModel):
    reason: str | None = None
