"""Names analysts give networks ("Doppelganger-like", "Spamouflage cluster B").

A network id (``N-510c49b6``) is stable across re-runs as long as its smallest member stays
(:func:`cibwatch.networks.network_id_for`), so a name is kept by id in its own table and
shows again when a later assembly finds the same network. Naming is a change like any other:
it needs an actor and is written to the audit log with the name before and after.

>>> clean_name("  Doppelganger-like  ")
'Doppelganger-like'
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Final

from cibwatch.cases.audit import append_audit
from cibwatch.cases.cases import NetworkNotFoundError
from cibwatch.cases.store import check_actor, ensure_tables, now
from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: The longest name kept (a name is a label, not a note).
MAX_NAME: Final = 80
DDL: Final = """
CREATE TABLE IF NOT EXISTS network_names (
    network_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    named_by VARCHAR NOT NULL,
    named_at TIMESTAMP NOT NULL
)
"""
_SEEN: weakref.WeakSet[Workspace] = weakref.WeakSet()


def ensure_names_table(workspace: Workspace) -> None:
    """Create the names table if the workspace has none yet."""
    workspace.connection.execute(DDL)


def _has_table(workspace: Workspace) -> bool:
    if workspace in _SEEN:
        return True
    row = workspace.connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'network_names'"
    ).fetchone()
    if row is not None and int(row[0]) == 1:
        _SEEN.add(workspace)
        return True
    return False


def clean_name(name: str) -> str:
    """``name`` with runs of blanks made one space and unprintable characters shown as U+FFFD.

    Refused when empty or longer than :data:`MAX_NAME`. An unprintable character (a control
    character, a lone surrogate) would hide in every page and file the name appears in, so
    it is replaced where it stands rather than kept.
    """
    text = " ".join((name or "").split())
    if not text:
        raise ConfigError("a network name must say something (an empty name is refused)")
    if len(text) > MAX_NAME:
        raise ConfigError(f"a network name has at most {MAX_NAME} characters, got {len(text)}")
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)


def network_names(workspace: Workspace) -> dict[str, str]:
    """Every name given, by network id (empty when nobody named a network yet)."""
    if not _has_table(workspace):
        return {}
    rows = workspace.connection.execute("SELECT network_id, name FROM network_names").fetchall()
    return {str(a): str(b) for a, b in rows}


def name_network(workspace: Workspace, network_id: str, name: str, actor: str) -> str:
    """Give network ``network_id`` the name ``name`` (replacing any earlier one); return it.

    The network must exist in some assembly of the workspace, so a typo in the id is
    refused rather than kept as a name nobody sees.
    """
    who = check_actor(actor)
    text = clean_name(name)
    con = workspace.connection
    found = con.execute("SELECT count(*) FROM networks WHERE network_id = ?", [network_id])
    row = found.fetchone()
    if row is None or int(row[0]) == 0:
        raise NetworkNotFoundError(f"no network {network_id} in any assembly of the workspace")
    ensure_tables(workspace)
    ensure_names_table(workspace)
    old = network_names(workspace).get(network_id)
    with workspace.transaction() as tx:
        tx.execute(
            "INSERT OR REPLACE INTO network_names VALUES (?, ?, ?, ?)",
            [network_id, text, who, now()],
        )
        append_audit(
            workspace,
            tx,
            actor=who,
            action="name",
            subject=network_id,
            before={"name": old} if old else None,
            after={"name": text},
        )
    return text


def display_name(network_id: str, names: dict[str, str]) -> str:
    """``"name (id)"`` when the network is named, else its id."""
    name = names.get(network_id)
    return f"{name} ({network_id})" if name else network_id
