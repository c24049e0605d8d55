"""``cibwatch cases``: review networks as cases, decide, audit, and enforce.

A thin client of :mod:`cibwatch.cases`: every command opens the workspace, calls one library
function and prints the result. Every command that changes something requires ``--actor``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cibwatch.cli.choices import ACTION_STATUSES, CASE_STATUSES
from cibwatch.cli.output import cli_error, echo


class _CasesGroup(click.Group):
    """Library errors become one-line CLI errors (also when the group is used on its own)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            error = cli_error(exc)
            if error is None:
                raise
            raise error from exc


_workspace = click.argument("workspace_path", metavar="WS", type=click.Path(exists=True))
_actor = click.option("--actor", required=True, help="Who makes the change (kept in the audit).")
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _echo_json(data: Any) -> None:
    echo(json.dumps(data, indent=2, default=str, sort_keys=True))


@click.group(name="cases", cls=_CasesGroup)
def command() -> None:
    """Review networks as cases, decide with reasons, audit, and enforce takedowns."""


@command.command("list")
@_workspace
@click.option("--status", type=click.Choice(CASE_STATUSES), help="Only cases of this status.")
@click.option("--assignee", help="Only cases assigned to this person.")
@_json
def list_command(
    workspace_path: str, status: str | None, assignee: str | None, as_json: bool
) -> None:
    """List the cases of WS, best score first."""
    from cibwatch.cases import list_cases
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path, read_only=True) as ws:
        cases = list_cases(ws, status=status, assignee=assignee)
    if as_json:
        _echo_json([c.as_dict() for c in cases])
        return
    for c in cases:
        echo(
            f"{c.network_id}  {c.status:<13} score {c.score:.3f}  {c.size:>4} accounts  "
            f"assignee {c.assignee or '-'}"
        )
    echo(f"{len(cases)} cases")


@command.command("show")
@_workspace
@click.argument("network_id")
@_json
def show_command(workspace_path: str, network_id: str, as_json: bool) -> None:
    """Show one case: status, assignee, notes, decisions and its audit rows."""
    from cibwatch.cases import audit_log, case_decisions, case_notes, get_case
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path, read_only=True) as ws:
        case = get_case(ws, network_id)
        notes = case_notes(ws, network_id)
        decisions = case_decisions(ws, network_id)
        audit = audit_log(ws, network_id)
    if as_json:
        _echo_json(
            {
                "case": case.as_dict(),
                "notes": [n.__dict__ for n in notes],
                "decisions": [d.__dict__ for d in decisions],
                "audit": [a.as_dict() for a in audit],
            }
        )
        return
    echo(f"case {case.network_id}: {case.status}, assignee {case.assignee or '-'}")
    echo(f"score {case.score:.3f}, {case.size} accounts, assembly run {case.assembly_run}")
    for d in decisions:
        echo(
            f"decision {d.decided_at:%Y-%m-%d %H:%M} {d.actor}: {d.from_status} -> "
            f"{d.to_status}: {d.reason}"
        )
    for n in notes:
        echo(f"note {n.created_at:%Y-%m-%d %H:%M} {n.actor}: {n.text}")
    echo(f"{len(audit)} audit rows")


@command.command("open")
@_workspace
@click.argument("network_ids", nargs=-1)
@_actor
def open_command(workspace_path: str, network_ids: tuple[str, ...], actor: str) -> None:
    """Open cases for the latest networks of WS (all, or the NETWORK_IDS given)."""
    from cibwatch.cases import open_cases
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path) as ws:
        opened = open_cases(ws, actor, network_ids=list(network_ids) or None)
    for c in opened:
        echo(f"opened {c.network_id} (score {c.score:.3f}, {c.size} accounts)")
    echo(f"{len(opened)} cases opened")


@command.command("assign")
@_workspace
@click.argument("network_id")
@click.argument("assignee")
@_actor
def assign_command(workspace_path: str, network_id: str, assignee: str, actor: str) -> None:
    """Assign the case of NETWORK_ID to ASSIGNEE ("" to unassign)."""
    from cibwatch.cases import assign
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path) as ws:
        case = assign(ws, network_id, assignee, actor)
    echo(f"{case.network_id} assigned to {case.assignee or 'nobody'}")


@command.command("name")
@_workspace
@click.argument("network_id")
@click.argument("name")
@_actor
def name_command(workspace_path: str, network_id: str, name: str, actor: str) -> None:
    """Name NETWORK_ID (kept across re-runs by its stable id, shown in reports and pages)."""
    from cibwatch.cases import name_network
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path) as ws:
        given = name_network(ws, network_id, name, actor)
    click.echo(f"{network_id} is now named {given!r}")


@command.command("note")
@_workspace
@click.argument("network_id")
@click.argument("text")
@_actor
def note_command(workspace_path: str, network_id: str, text: str, actor: str) -> None:
    """Add a note to the case of NETWORK_ID."""
    from cibwatch.cases import add_note
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path) as ws:
        note = add_note(ws, network_id, text, actor)
    echo(f"note {note.note_id} added to {network_id}")


@command.command("decide")
@_workspace
@click.argument("network_id")
@click.argument("outcome", type=click.Choice(["confirm", "dismiss"]))
@click.option("--reason", required=True, help="Why (required, kept with the decision).")
@_actor
def decide_command(
    workspace_path: str, network_id: str, outcome: str, reason: str, actor: str
) -> None:
    """Confirm the case of NETWORK_ID as CIB or dismiss it, with a reason."""
    from cibwatch.cases import decide
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path) as ws:
        case = decide(ws, network_id, outcome, reason, actor)
    echo(f"{case.network_id} is now {case.status}")


@command.command("status")
@_workspace
@click.argument("network_id")
@click.argument("to_status", metavar="STATUS", type=click.Choice(CASE_STATUSES))
@click.option("--reason", help="Why (required for decisions: confirm, dismiss, enforce, reopen).")
@_actor
def status_command(
    workspace_path: str, network_id: str, to_status: str, reason: str | None, actor: str
) -> None:
    """Move the case of NETWORK_ID to STATUS (in_review, enforced, reopen...)."""
    from cibwatch.cases import set_status
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path) as ws:
        case = set_status(ws, network_id, to_status, actor, reason=reason)
    echo(f"{case.network_id} is now {case.status}")


@command.command("audit")
@_workspace
@click.argument("subject", required=False)
@_json
def audit_command(workspace_path: str, subject: str | None, as_json: bool) -> None:
    """Print the audit log (of one SUBJECT: a network id or action:N), oldest first."""
    from cibwatch.cases import audit_log
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path, read_only=True) as ws:
        log = audit_log(ws, subject)
    if as_json:
        _echo_json([e.as_dict() for e in log])
        return
    for e in log:
        flag = " (automated)" if e.automated else ""
        echo(
            f"{e.audit_id:>5} {e.at:%Y-%m-%d %H:%M:%S} {e.actor}{flag} {e.action} {e.subject}: "
            f"{e.before or '-'} -> {e.after or '-'}"
        )


@command.command("verify")
@_workspace
@click.option("--head", help="COUNT:HASH printed by an earlier verify, to detect a cut tail.")
def verify_command(workspace_path: str, head: str | None) -> None:
    """Check the audit log's hash chain; exit 1 and name the broken rows if it was altered."""
    from cibwatch.cases import audit_head, verify_audit
    from cibwatch.workspace import Workspace

    expected = None
    if head:
        count, _, digest = head.partition(":")
        if not count.isdigit() or not digest:
            raise click.BadParameter("expected COUNT:HASH", param_hint="--head")
        expected = (int(count), digest)
    with Workspace(workspace_path, read_only=True) as ws:
        breaks = verify_audit(ws, expected)
        count_now, digest_now = audit_head(ws)
    for b in breaks:
        echo(f"row {b.audit_id}: {b.problem}", err=True)
    if breaks:
        raise click.ClickException(f"audit log altered: {len(breaks)} broken rows")
    echo(f"audit log intact: {count_now} rows, head {count_now}:{digest_now}")


@command.command("takedown")
@_workspace
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--platform", help="Only assets of this platform (web for domains).")
@click.option("--kind", help="Only assets of this kind (account, page, channel, domain...).")
def takedown_command(
    workspace_path: str, out: Path, platform: str | None, kind: str | None
) -> None:
    """Write the takedown list of confirmed networks as formula-safe CSV."""
    from cibwatch.cases import export_takedown_csv, takedown_list
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path, read_only=True) as ws:
        items = takedown_list(ws, platform=platform, kind=kind)
        n = export_takedown_csv(ws, out, platform=platform, kind=kind)
    counts: dict[tuple[str, str], int] = {}
    for i in items:
        counts[(i.platform, i.kind)] = counts.get((i.platform, i.kind), 0) + 1
    for (p, k), c in sorted(counts.items()):
        echo(f"{p:<10} {k:<10} {c}")
    echo(f"wrote {out}: {n} assets")


@command.group("rules")
def rules_group() -> None:
    """Automated enforcement rules."""


@rules_group.command("run")
@_workspace
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Only networks confirmed with at least this score.",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be proposed; change nothing.")
@click.option("--actor", help="Who starts the run (required unless --dry-run).")
def rules_run_command(
    workspace_path: str, min_score: float, dry_run: bool, actor: str | None
) -> None:
    """Propose takedowns of new assets matching confirmed networks' indicators."""
    from cibwatch.cases import RecidivismRule, run_rules
    from cibwatch.workspace import Workspace

    if not dry_run and not actor:
        raise click.UsageError("--actor is required unless --dry-run")
    rules = [RecidivismRule(min_score=min_score)]
    with Workspace(workspace_path, read_only=dry_run) as ws:
        run = run_rules(ws, rules, dry_run=dry_run, actor=actor)
    for p in run.proposed:
        echo(
            f"{'would propose' if dry_run else 'proposed'} {p.platform} {p.kind} "
            f"{p.asset} for {p.network_id}: {p.reason}"
        )
    if dry_run:
        echo(f"dry run: {len(run.proposed)} actions would be queued, nothing changed")
    else:
        ids = ", ".join(str(a.action_id) for a in run.queued) or "none"
        echo(f"{len(run.queued)} actions queued for approval (ids {ids})")


@command.command("actions")
@_workspace
@click.option("--status", type=click.Choice(ACTION_STATUSES), help="Only actions of this status.")
@_json
def actions_command(workspace_path: str, status: str | None, as_json: bool) -> None:
    """List the queue of proposed enforcement actions."""
    from cibwatch.cases import enforcement_actions
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path, read_only=True) as ws:
        actions = enforcement_actions(ws, status=status)
    if as_json:
        _echo_json([a.as_dict() for a in actions])
        return
    for a in actions:
        echo(
            f"{a.action_id:>4} {a.status:<9} {a.rule} {a.platform} {a.kind} {a.asset} "
            f"-> {a.network_id}"
        )


@command.command("approve")
@_workspace
@click.argument("action_id", type=int)
@click.option("--reason", help="Why (optional, kept in the audit).")
@_actor
def approve_command(workspace_path: str, action_id: int, reason: str | None, actor: str) -> None:
    """Approve a pending enforcement action: its asset joins the takedown list."""
    from cibwatch.cases import approve_action
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path) as ws:
        action = approve_action(ws, action_id, actor, reason=reason)
    echo(f"action {action.action_id} {action.status} by {action.decided_by}")


@command.command("reject")
@_workspace
@click.argument("action_id", type=int)
@click.option("--reason", required=True, help="Why (required).")
@_actor
def reject_command(workspace_path: str, action_id: int, reason: str, actor: str) -> None:
    """Reject a pending enforcement action."""
    from cibwatch.cases import reject_action
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path) as ws:
        action = reject_action(ws, action_id, actor, reason=reason)
    echo(f"action {action.action_id} {action.status} by {action.decided_by}")
