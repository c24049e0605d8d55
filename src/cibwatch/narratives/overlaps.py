"""Lagged overlaps between networks and sources, and each network's top narratives."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from cibwatch.errors import ConfigError
from cibwatch.narratives.linking import LinkFacts, NarrativeLinking, current_linking
from cibwatch.networks import Network, stored_networks

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

UNITS: Final = ("text_cluster", "text", "url", "narrative")
#: Examples kept per overlap, earliest narratives first.
EXAMPLES: Final = 3
SNIPPET_CHARS: Final = 160
_DAY: Final = 86400.0
#: Members as a relation: lists passed as parameters, so nothing is created or registered.
_VIEW: Final = "(SELECT unnest($accounts) AS account, unnest($networks) AS network)"

Networks = Iterable[Network] | Mapping[str, Sequence[str]]


def _membership(workspace: Workspace, networks: Networks | None) -> dict[str, list[str]]:
    if networks is None:
        networks = stored_networks(workspace)
    if isinstance(networks, Mapping):
        return {str(k): [str(m) for m in v] for k, v in networks.items()}
    return {n.network_id: list(n.members) for n in networks}


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise ConfigError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")


def _source_sql(
    params: Mapping[str, Any],
    *,
    accounts: str | None = None,
    objects: str | None = None,
    distinct: bool = True,
) -> str:
    """The unit's rows as (object_id, account, platform, post_id, created_at).

    ``accounts`` and ``objects`` (relations of one column) keep only the rows of those
    accounts or objects, filtered before the join with the linking rather than after it:
    a network's narratives need its members' rows and its top narratives' rows, not the
    rows of every post (one such join per network cost seconds on the IRA tweets).

    ``distinct=False``, for callers that only take minima, leaves a narrative's post once
    per text or cluster it carries and streams the join: on a hundred million posts, the
    posts of the 50 narratives networks touched were 36.8 M, and materializing and
    de-duplicating them ran out of an 8 GB limit, where the streamed join took 27 s.
    """
    if "n_run" not in params:
        where = "object_type = $unit"
        where += f" AND account IN {accounts}" if accounts else ""
        where += f" AND object_id IN {objects}" if objects else ""
        return f"(SELECT * FROM actions WHERE {where})"
    # each post holding a text or cluster, renamed to its narrative: a join with the stored
    # linking, so that no list of posts is ever passed from Python
    # each side filtered on its own first, materialized: left to the planner, the join of
    # every narrative post with every text action came first and the filter after it
    where = "object_type IN ('text_cluster', 'text')"
    where += f" AND account IN {accounts}" if accounts else ""
    narrative = f" AND narrative IN {objects}" if objects else ""
    if not distinct:
        return f"""(
        SELECT n.narrative AS object_id, x.account, x.platform, x.post_id, x.created_at
        FROM actions x JOIN (
            SELECT platform, post_id, narrative FROM narrative_posts
            WHERE run_id = $n_run{narrative}
        ) n USING (platform, post_id)
        WHERE {where}
    )"""
    # a few narratives' posts pick out their actions: without it every text action of the
    # workspace was materialized to keep those few (a hundred million rows a network)
    only_n = " SEMI JOIN n USING (platform, post_id)" if objects else ""
    return f"""(
        WITH n AS MATERIALIZED (
            SELECT platform, post_id, narrative FROM narrative_posts
            WHERE run_id = $n_run{narrative}
        ),
        x AS MATERIALIZED (
            SELECT account, platform, post_id, created_at FROM actions{only_n} WHERE {where}
        )
        SELECT DISTINCT n.narrative AS object_id, x.account, x.platform, x.post_id, x.created_at
        FROM x JOIN n ON n.platform = x.platform AND n.post_id = x.post_id
    )"""


def _unit_params(
    workspace: Workspace, unit: str, linking: NarrativeLinking | None
) -> tuple[dict[str, Any], NarrativeLinking | None]:
    """Query parameters of a unit; for ``narrative``, the linking (the stored one if not given,
    computed once if none is stored), read through ``workspace``."""
    if unit != "narrative":
        return {"unit": unit}, None
    if linking is None:
        linking = current_linking(workspace)
    linking = linking.bound(workspace)
    if linking.run_id is None:  # nothing linked (the step was skipped): no narratives
        return {"unit": "narrative"}, linking
    return {"n_run": linking.run_id}, linking


def _first_posts_sql(params: Mapping[str, Any]) -> str:
    """Per narrative: the first post overall and each network's first post (one query).

    Only narratives some network posted: an overlap needs a network that follows. The
    first posts of every narrative of the workspace, fetched into Python to be dropped
    there, were a row per narrative (millions at a hundred million posts).

    First rows are taken with ``arg_min_null`` on the ordering key, which keeps one row per
    group, rather than ``first(x ORDER BY ...)``: an ordered aggregate holds every row of
    its group in memory and cannot spill, and the report ran out of an 8 GB limit here on a
    hundred million posts (``arg_min_null`` keeps a NULL value where ``arg_min`` skips it,
    as ``first`` does).
    """
    return f"""
    WITH m AS {_VIEW},
    touched AS (
        SELECT DISTINCT object_id
        FROM {_source_sql(params, accounts="(SELECT account FROM m)")}
    ),
    overall AS (  -- every post of those narratives, members' or not
        SELECT object_id AS narrative,
               arg_min_null(account, (created_at, account, post_id)) AS account,
               arg_min_null(platform || ':' || post_id, (created_at, account, post_id)) AS post,
               min(created_at) AS t
        FROM {_source_sql(params, objects="(SELECT object_id FROM touched)", distinct=False)}
        GROUP BY object_id
    ),
    per_network AS (  -- the members' own posts only
        SELECT a.object_id AS narrative, m.network AS actor, 'network' AS kind,
               arg_min_null(a.account, (a.created_at, a.account, a.post_id)) AS account,
               arg_min_null(a.platform || ':' || a.post_id, (a.created_at, a.account, a.post_id))
                   AS post,
               min(a.created_at) AS t
        FROM {_source_sql(params, accounts="(SELECT account FROM m)", distinct=False)} a
        JOIN m ON a.account = m.account
        GROUP BY a.object_id, m.network
    ),
    sources AS (  -- a narrative whose first post is by no network's member
        SELECT narrative, account AS actor, 'source' AS kind, account, post, t
        FROM overall WHERE account NOT IN (SELECT account FROM m)
    )
    SELECT * FROM per_network UNION ALL SELECT * FROM sources
    """


def _member_params(membership: dict[str, list[str]]) -> dict[str, list[str]]:
    """Members as two parallel list parameters, unnested in SQL (no temporary table)."""
    pairs = sorted({(m, n) for n, members in membership.items() for m in members})
    return {"accounts": [m for m, _ in pairs], "networks": [n for _, n in pairs]}


def _snippets(workspace: Workspace, posts: set[str]) -> dict[str, str]:
    if not posts:
        return {}
    # a hash join on (platform, post id), with every way of cutting each key at a colon
    # (ids such as ``derived:...`` hold colons): exactly the posts whose key is asked for,
    # without building ``platform:post_id`` for every post, once per network
    cuts = sorted({(k[:i], k[i + 1 :]) for k in posts for i, c in enumerate(k) if c == ":"})
    # the rows first, then their texts by row id: a join reading the text of every post
    # cost more than the rest of a network's narratives (the row ids skip the row groups)
    found = workspace.connection.execute(
        "SELECT rowid FROM posts "
        "JOIN (SELECT unnest($platforms::VARCHAR[]) AS platform, "
        "unnest($ids::VARCHAR[]) AS post_id) USING (platform, post_id)",
        {"platforms": [p for p, _ in cuts], "ids": [i for _, i in cuts]},
    ).fetchall()
    rows = workspace.connection.execute(
        "SELECT platform || ':' || post_id, text FROM posts WHERE rowid = ANY($rows::BIGINT[])",
        {"rows": [r[0] for r in found]},
    ).fetchall()
    # a key checked again: a row id names the row it named only while nothing is deleted
    return {str(k): (str(t or ""))[:SNIPPET_CHARS] for k, t in rows if k in posts}


def _link_facts(facts: LinkFacts | None, item: Mapping[str, Any]) -> dict[str, Any]:
    """For the ``narrative`` unit: the narrative's languages and the links that joined it."""
    if facts is None:
        return {}
    narrative = str(item["narrative"])
    posts = [str(item[k]) for k in ("leader_post", "follower_post") if k in item]
    return {
        "languages": facts.languages.get(narrative, []),
        "links": facts.evidence(narrative, posts)[:EXAMPLES],
    }


def narrative_overlaps(
    workspace: Workspace,
    networks: Networks | None = None,
    *,
    unit: str = "text_cluster",
    min_shared: int = 2,
    linking: NarrativeLinking | None = None,
) -> list[dict[str, Any]]:
    """Lagged overlaps: network B repeats network A's (or source X's) narratives later.

    ``networks`` are :class:`~cibwatch.networks.Network` objects or a mapping of network id
    to member account keys (the latest stored networks by default). Returns one dict per
    ordered (leader, follower) pair whose follower is a network and who share at least
    ``min_shared`` narratives that the leader posted strictly first: ``leader``,
    ``leader_kind`` (``network``/``source``), ``follower``, ``shared``, ``lag_days_median``,
    ``lag_days_min``, ``lag_days_max``, ``lags_days`` (sorted), ``reverse`` (narratives both
    share where the follower came first), ``sentence`` and ``examples`` (narrative, leader's
    and follower's first post keys and times, lag, leader's text snippet). Sorted by
    ``shared`` descending, then by shortest median lag.
    """
    _check_unit(unit)
    if min_shared < 1:
        raise ConfigError(f"min_shared must be at least 1, got {min_shared}")
    membership = _membership(workspace, networks)
    params, linking = _unit_params(workspace, unit, linking)
    rows = workspace.connection.execute(
        _first_posts_sql(params), {**params, **_member_params(membership)}
    ).fetchall()
    by_narrative: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for narrative, actor, kind, account, post, t in rows:
        by_narrative[str(narrative)].append((str(actor), str(kind), str(account), str(post), t))
    found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for narrative, actors in by_narrative.items():
        for lead, lead_kind, lead_acc, lead_post, lead_t in actors:
            kinds[lead] = lead_kind
            for fol, fol_kind, _fol_acc, fol_post, fol_t in actors:
                if fol_kind != "network" or fol == lead or not fol_t > lead_t:
                    continue
                found[(lead, fol)].append(
                    {
                        "narrative": narrative,
                        "leader_account": lead_acc,
                        "leader_post": lead_post,
                        "leader_time": lead_t,
                        "follower_post": fol_post,
                        "follower_time": fol_t,
                        "lag_days": round((fol_t - lead_t).total_seconds() / _DAY, 3),
                    }
                )
    kept = {k: v for k, v in found.items() if len(v) >= min_shared}
    examples = {
        k: sorted(v, key=lambda e: (e["leader_time"], e["narrative"]))[:EXAMPLES]
        for k, v in kept.items()
    }
    texts = _snippets(workspace, {e["leader_post"] for ex in examples.values() for e in ex})
    shown = [e for ex in examples.values() for e in ex]
    facts = (
        None
        if linking is None
        else linking.facts(
            [e["narrative"] for e in shown],
            [e[k] for e in shown for k in ("leader_post", "follower_post")],
        )
    )
    out: list[dict[str, Any]] = []
    for (lead, fol), hits in kept.items():
        lags = sorted(float(h["lag_days"]) for h in hits)
        median = round(statistics.median(lags), 3)
        who = f"source {lead}" if kinds[lead] == "source" else f"network {lead}"
        out.append(
            {
                "leader": lead,
                "leader_kind": kinds[lead],
                "follower": fol,
                "unit": unit,
                "shared": len(hits),
                "lag_days_median": median,
                "lag_days_min": lags[0],
                "lag_days_max": lags[-1],
                "lags_days": lags,
                "reverse": len(found.get((fol, lead), [])),
                "sentence": f"network {fol} repeats {who}'s narratives {median:g} days later "
                f"(median of {len(hits)} shared {unit.replace('_', ' ')}s, "
                f"shortest {lags[0]:g} days)",
                "examples": [
                    {**e, "text": texts.get(e["leader_post"], ""), **_link_facts(facts, e)}
                    for e in examples[(lead, fol)]
                ],
            }
        )
    out.sort(
        key=lambda o: (-int(o["shared"]), float(o["lag_days_median"]), o["leader"], o["follower"])
    )
    return out


def network_narratives(
    workspace: Workspace,
    members: Sequence[str],
    *,
    unit: str = "text_cluster",
    top: int = 5,
    linking: NarrativeLinking | None = None,
) -> list[dict[str, Any]]:
    """The ``top`` narratives of one network (most member posts first).

    Each dict: ``narrative``, ``posts`` and ``accounts`` (by members), ``platforms``,
    ``first_seen`` (members' first post time, post key and account), ``first_overall`` (the
    first post of anyone: time, account, post key, ``by_member``) and ``text`` (snippet of the
    members' first post).
    """
    _check_unit(unit)
    if top < 1:
        raise ConfigError(f"top must be at least 1, got {top}")
    params, linking = _unit_params(workspace, unit, linking)
    # two queries, not one: in one, DuckDB planned the members' rows and the top narratives'
    # rows as one shared join of every narrative post, filtered afterwards (a second a
    # network on the IRA tweets); apart, each is filtered before its join
    mine = workspace.connection.execute(
        f"""
        WITH m AS {_VIEW},
        own AS (
            SELECT a.*, a.platform || ':' || a.post_id AS post
            FROM {_source_sql(params, accounts="(SELECT account FROM m)")} a
        )
        SELECT object_id, count(DISTINCT post) AS posts,
               count(DISTINCT account) AS accounts,
               list(DISTINCT platform ORDER BY platform) AS platforms,
               min(created_at) AS first_seen,
               arg_min_null(post, (created_at, account, post)) AS first_post,
               arg_min_null(account, (created_at, account, post)) AS first_account
        FROM own GROUP BY object_id
        ORDER BY posts DESC, first_seen, object_id LIMIT $top
        """,
        {**params, "top": top, **_member_params({"network": list(members)})},
    ).fetchall()
    # the first post of anyone: a top narrative may hold most posts of the workspace, so the
    # post key is made for the first only (post ids order as post keys here: the account
    # before them fixes the platform)
    overall = {
        obj: (t, account, f"{platform}:{post_id}")
        for obj, t, account, platform, post_id in workspace.connection.execute(
            f"""
            SELECT object_id, min(created_at),
                   arg_min_null(account, (created_at, account, post_id)),
                   arg_min_null(platform, (created_at, account, post_id)),
                   arg_min_null(post_id, (created_at, account, post_id))
            FROM {
                _source_sql(params, objects="(SELECT unnest($objects::VARCHAR[]))", distinct=False)
            }
            GROUP BY object_id
            """,
            {**params, "objects": [str(r[0]) for r in mine]},
        ).fetchall()
    }
    keys = set(members)
    rows = [(*r, *overall[r[0]], overall[r[0]][1] in keys) for r in mine if r[0] in overall]
    texts = _snippets(workspace, {str(r[5]) for r in rows})
    facts = None if linking is None else linking.facts([str(r[0]) for r in rows])
    out: list[dict[str, Any]] = []
    for row in rows:
        obj, posts, accounts, platforms, first_seen, post, account = row[:7]
        t, o_account, o_post, o_mem = row[7:]
        out.append(
            {
                "narrative": str(obj),
                "posts": int(posts),
                "accounts": int(accounts),
                "platforms": [str(p) for p in platforms],
                "first_seen": {"time": first_seen, "post": str(post), "account": str(account)},
                "first_overall": {
                    "time": t,
                    "account": str(o_account),
                    "post": str(o_post),
                    "by_member": bool(o_mem),
                },
                "text": texts.get(str(post), ""),
                **_link_facts(facts, {"narrative": str(obj)}),
            }
        )
    return out
