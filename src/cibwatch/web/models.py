"""The API's request and response shapes, published in the OpenAPI schema.

They mirror the library's dataclasses (:mod:`cibwatch.cases`) field for field, so a change
there shows up here as a type error rather than as a silently different answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from cibwatch.cases.names import MAX_NAME


def _utc(value: datetime) -> datetime:
    """The workspace keeps naive UTC times; the API states the zone (RFC 3339, ``Z``)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


#: A time in UTC, sent with its zone.
UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
#: The case statuses (:data:`cibwatch.cases.STATUSES`; a test keeps the two equal).
StatusName = Literal["new", "in_review", "confirmed_cib", "dismissed", "enforced"]
#: Review decisions and the statuses they lead to (:func:`cibwatch.cases.decide`).
DecisionName = Literal["confirm", "dismiss"]
#: Text that must say something: surrounding blanks are dropped and nothing left is refused.
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class RequestIn(BaseModel):
    """A request body: values of the type the schema states, no conversions (``"yes"`` is
    not a boolean, ``"1"`` not a number) and no NaN or infinity, so that what a client
    reads in the schema is what the service accepts."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False)


class ErrorOut(BaseModel):
    """A refusal: what was wrong, in words."""

    detail: str


class RefusalOut(BaseModel):
    """Invalid input: a sentence (a library check) or the list of fields that failed."""

    detail: str | list[dict[str, Any]]


class NetworkOut(BaseModel):
    network_id: str
    name: str | None = Field(default=None, description="the name an analyst gave it, if any")
    score: float
    size: int
    platforms: list[str]
    case_status: StatusName | None = None
    assignee: str | None = None
    #: ``cib``, ``coordinated_unclear``, ``coordinated_authentic`` or
    #: ``inauthentic_uncoordinated`` (None: assembled before verdicts existed).
    verdict: str | None = None
    verdict_label: str | None = None


class CaseOut(BaseModel):
    network_id: str
    status: StatusName
    assignee: str | None
    assembly_run: int
    score: float
    size: int
    opened_at: UtcDateTime
    opened_by: str
    updated_at: UtcDateTime


class NoteOut(BaseModel):
    note_id: int
    network_id: str
    actor: str
    created_at: UtcDateTime
    text: str


class DecisionOut(BaseModel):
    decision_id: int
    network_id: str
    actor: str
    decided_at: UtcDateTime
    from_status: StatusName
    to_status: StatusName
    reason: str


class CaseDetailOut(CaseOut):
    notes: list[NoteOut]
    decisions: list[DecisionOut]


class AuditOut(BaseModel):
    audit_id: int
    at: UtcDateTime
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
    network_name: str | None = None


class ActionOut(BaseModel):
    action_id: int
    rule: str
    network_id: str
    platform: str
    kind: str
    asset: str
    reason: str
    status: str
    proposed_at: UtcDateTime
    decided_at: UtcDateTime | None = None
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


class OpenCasesIn(RequestIn):
    network_ids: list[str] | None = Field(
        default=None, description="only these networks (default: every network)"
    )


class DecisionIn(RequestIn):
    decision: DecisionName = Field(description="confirm (confirmed_cib) or dismiss (dismissed)")
    reason: Reason = Field(description="why (kept in the audit log); blank is refused")


class StatusIn(RequestIn):
    status: StatusName = Field(description="the status to move to, if the flow allows it")
    reason: str | None = Field(
        default=None,
        description="why; needed when the move is a decision (in_review -> confirmed_cib or "
        "dismissed, confirmed_cib -> enforced, dismissed -> in_review), else 422",
    )


class AssignIn(RequestIn):
    assignee: str | None = Field(
        default=None, description="who reviews the case; null or blank unassigns it"
    )


class NameIn(RequestIn):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)
    ] = Field(description="the network's name, kept across re-runs by its id")


class NameOut(BaseModel):
    network_id: str
    name: str


class NoteIn(RequestIn):
    text: str = Field(min_length=1)


class RulesIn(RequestIn):
    dry_run: bool = True
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)


class ActionDecisionIn(RequestIn):
    reason: str | None = Field(default=None, description="why (optional when approving)")


class RejectIn(RequestIn):
    reason: Reason = Field(description="why the action is rejected; blank is refused")
