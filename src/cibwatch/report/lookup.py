"""What the dashboard's pages look up beyond a dossier: accounts, their posts, evidence pages.

A dossier carries the strongest rows; an analyst who doubts them wants every pair and its
proof, every account with its handle, and each account's own posts and ties. These queries
read the canonical tables and the evidence of the assembly's runs, a page at a time.

Accounts are shown by handle and platform (``@stefan.weber0 on instagram``); the key
``platform:account_id`` stays available for the table and the link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from cibwatch.networks import Network
    from cibwatch.workspace import Workspace

#: Rows per page of evidence, accounts and posts.
PAGE: Final = 25


def _rows(workspace: Workspace, sql: str, params: Any) -> list[dict[str, Any]]:
    """Rows of a query with named or positional parameters, as dicts."""
    cur = workspace.connection.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _latest_accounts(where: str) -> str:
    return f"""
        SELECT platform || ':' || account_id AS account, platform, account_id, kind, handle,
               display_name, created_at, claimed_location, bio, followers, language, url
        FROM accounts WHERE {where}
        QUALIFY row_number() OVER (PARTITION BY platform, account_id ORDER BY ingest_id DESC) = 1
    """


def account_rows(workspace: Workspace, members: list[str]) -> list[dict[str, Any]]:
    """One row per member: platform, kind, handle, display name, followers, created.

    The members' profiles are picked out before the latest of each is chosen: choosing the
    latest profile of every account of the workspace first ranked them all (minutes a
    network at a hundred million posts). Both filters are on the window's own partition,
    so the latest profile of a member is the same; the account ids first (a hash join over
    a few hundred values), then the exact keys.
    """
    where = (
        "account_id IN (SELECT unnest($ids::VARCHAR[])) "
        "AND list_contains($members, platform || ':' || account_id)"
    )
    rows = _rows(
        workspace,
        f"""
        SELECT m.account, split_part(m.account, ':', 1) AS platform,
               substr(m.account, strpos(m.account, ':') + 1) AS account_id,
               coalesce(a.kind, 'account') AS kind, a.handle, a.display_name, a.followers,
               a.created_at, a.claimed_location
        FROM (SELECT unnest($members::VARCHAR[]) AS account) m
        LEFT JOIN ({_latest_accounts(where)}) a ON a.account = m.account
        ORDER BY platform, coalesce(a.handle, m.account)
        """,
        {"members": members, "ids": sorted({m.partition(":")[2] for m in members})},
    )
    return rows


def handles(workspace: Workspace, keys: list[str]) -> dict[str, str]:
    """``platform:id`` -> ``@handle`` for the accounts that have one."""
    return {
        r["account"]: f"@{r['handle']}"
        for r in account_rows(workspace, sorted(set(keys)))
        if r.get("handle")
    }


def account_names(workspace: Workspace, keys: list[str]) -> dict[str, str]:
    """``platform:id`` -> ``@handle on platform`` (``account id on platform`` without a handle).

    The words a report uses for an account outside a table, where the key alone would name
    it by a number nobody recognises.
    """
    return {
        r["account"]: (
            f"@{r['handle']} on {r['platform']}"
            if r.get("handle")
            else f"account {r['account_id']} on {r['platform']}"
        )
        for r in account_rows(workspace, sorted(set(keys)))
    }


#: Orders the pair evidence of a network can be shown in: column name -> SQL ordering terms
#: (each term gets the direction asked for). Only these names reach the query; an unknown
#: name falls back to ``q``, the strongest pairs first.
EVIDENCE_SORTS: Final[dict[str, tuple[str, ...]]] = {
    "q": ("coalesce(q_value, p_value, 1.0)",),
    "signal": ("signal",),
    "accounts": ("lower(coalesce(handle_a, subject_a))", "subject_b"),
}


def network_evidence(
    workspace: Workspace,
    network: Network,
    *,
    signal: str | None,
    offset: int,
    limit: int = PAGE,
    sort: str = "q",
    descending: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """Significant pair evidence inside ``network``, a page, and the total.

    Ordered by ``sort`` (a key of :data:`EVIDENCE_SORTS`; the accounts by the first one's
    handle), then strongest first, so that every page of an order is stable.
    """
    runs = list(network.summary.get("evidence_runs", []))
    where = """
        WHERE subject_kind = 'pair' AND significant AND list_contains($runs, run_id)
          AND list_contains($members, subject_a) AND list_contains($members, subject_b)
          AND ($signal IS NULL OR signal = $signal)
    """
    params = {"runs": runs, "members": network.members, "signal": signal}
    total_row = workspace.connection.execute(
        f"SELECT count(*) FROM evidence {where}", params
    ).fetchone()
    direction = "DESC" if descending else "ASC"
    terms = EVIDENCE_SORTS.get(sort, EVIDENCE_SORTS["q"])
    order = ", ".join(f"{t} {direction}" for t in terms)
    rows = _rows(
        workspace,
        f"""
        SELECT e.* EXCLUDE (handle_a, p_value) FROM (
            SELECT detector, signal, subject_a, subject_b, strength, q_value, p_value,
                   explanation, proof[1:8] AS proof, len(proof) AS proof_count,
                   (SELECT first(handle ORDER BY ingest_id DESC) FROM accounts
                    WHERE platform || ':' || account_id = subject_a) AS handle_a
            FROM evidence {where}
        ) e
        ORDER BY {order}, coalesce(q_value, p_value, 1.0), strength DESC, subject_a, subject_b
        LIMIT $limit OFFSET $offset
        """,
        params | {"limit": limit, "offset": offset},
    )
    return rows, int(total_row[0]) if total_row else 0


def account_profile(workspace: Workspace, account: str) -> dict[str, Any] | None:
    """The latest stored profile of ``platform:account_id``, or None."""
    rows = _rows(
        workspace,
        _latest_accounts("platform || ':' || account_id = $account"),
        {"account": account},
    )
    return rows[0] if rows else None


def account_posts(
    workspace: Workspace, account: str, *, offset: int, limit: int = PAGE
) -> tuple[list[dict[str, Any]], int]:
    """The account's posts, newest first, a page, and how many there are."""
    params = {"account": account}
    where = "WHERE platform || ':' || account_id = $account"
    total = workspace.connection.execute(f"SELECT count(*) FROM posts {where}", params).fetchone()
    rows = _rows(
        workspace,
        f"""
        SELECT post_id, created_at, kind, text, language, domains, hashtags
        FROM posts {where} ORDER BY created_at DESC NULLS LAST, post_id
        LIMIT $limit OFFSET $offset
        """,
        params | {"limit": limit, "offset": offset},
    )
    return rows, int(total[0]) if total else 0


def account_evidence(workspace: Workspace, account: str, runs: list[int]) -> list[dict[str, Any]]:
    """Significant evidence naming ``account`` in the given runs (strongest first, 100 rows)."""
    return _rows(
        workspace,
        """
        SELECT signal, subject_kind, subject_a, subject_b, q_value, explanation,
               proof[1:6] AS proof, len(proof) AS proof_count
        FROM evidence
        WHERE significant AND list_contains($runs, run_id)
          AND (subject_a = $account OR subject_b = $account)
        ORDER BY coalesce(q_value, p_value, 1.0), strength DESC LIMIT 100
        """,
        {"runs": runs, "account": account},
    )


def domain_facts(workspace: Workspace, domain: str, runs: list[int]) -> dict[str, Any]:
    """What is known about a domain: look-alike findings, posts linking it, who posted them."""
    findings = _rows(
        workspace,
        """
        SELECT signal, explanation, strength FROM evidence
        WHERE subject_kind = 'domain' AND significant AND list_contains($runs, run_id)
          AND subject_a = $domain
        """,
        {"runs": runs, "domain": domain},
    )
    sharers = _rows(
        workspace,
        """
        SELECT platform || ':' || account_id AS account, count(*) AS posts,
               min(created_at) AS first_post, max(created_at) AS last_post
        FROM posts WHERE list_contains(domains, $domain)
        GROUP BY 1 ORDER BY posts DESC, account LIMIT 200
        """,
        {"domain": domain},
    )
    return {"domain": domain, "findings": findings, "sharers": sharers}


def posts_by_key(
    workspace: Workspace, keys: list[str], *, offset: int, limit: int = PAGE
) -> list[dict[str, Any]]:
    """The posts ``platform:post_id`` of ``keys``, earliest first, a page."""
    return _rows(
        workspace,
        """
        SELECT platform || ':' || post_id AS post, platform || ':' || account_id AS account,
               created_at, language, text
        FROM posts WHERE list_contains($keys, platform || ':' || post_id)
        ORDER BY created_at NULLS LAST, post LIMIT $limit OFFSET $offset
        """,
        {"keys": keys, "limit": limit, "offset": offset},
    )
