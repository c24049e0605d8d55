"""Schedules of every account or network in a workspace (``cibwatch schedule``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np

from cibwatch.errors import ConfigError
from cibwatch.fingerprints.places import claimed_offset
from cibwatch.fingerprints.schedule import infer_schedule

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

COLUMNS: Final = (
    "unit",
    "posts",
    "schedule",
    "offset",
    "probability",
    "shift_start",
    "shift_end",
    "lunch_dip",
    "weekend_share",
    "claimed_location",
    "claimed_offset",
    "finding",
)


def _row(unit: str, times: Any, place: str | None) -> dict[str, Any]:
    fit = infer_schedule(np.asarray(times, dtype="datetime64[s]"))
    place_offset = claimed_offset(place)
    return {
        "unit": unit,
        "posts": fit.posts,
        "schedule": fit.kind,
        "offset": fit.offset,
        "probability": round(fit.probability, 4),
        "shift_start": fit.shift_start,
        "shift_end": fit.shift_end,
        "lunch_dip": fit.lunch_dip,
        "weekend_share": fit.weekend_share,
        "claimed_location": place,
        "claimed_offset": place_offset,
        "finding": fit.sentence(place, place_offset),
    }


def schedules(
    workspace: Workspace, *, by: str = "account", min_posts: int = 1
) -> list[dict[str, Any]]:
    """One row per account (or per network of the latest assembly) with its schedule.

    Ads are left out (their times are delivery dates, not the operator's hours).
    """
    con = workspace.connection
    if by == "account":
        rows = con.execute(
            """
            SELECT p.platform || ':' || p.account_id AS unit, list(p.created_at) AS times,
                   any_value(a.claimed_location) AS place
            FROM posts p
            LEFT JOIN accounts a USING (platform, account_id)
            WHERE coalesce(p.kind, '') <> 'ad'
            GROUP BY 1 HAVING count(*) >= ? ORDER BY 1
            """,
            [min_posts],
        ).fetchall()
    elif by == "network":
        rows = con.execute(
            """
            WITH latest AS (SELECT max(run_id) AS run_id FROM networks)
            SELECT m.network_id AS unit, list(p.created_at) AS times,
                   mode(a.claimed_location) AS place
            FROM network_members m JOIN latest USING (run_id)
            JOIN posts p ON p.platform || ':' || p.account_id = m.account
            LEFT JOIN accounts a ON a.platform || ':' || a.account_id = m.account
            WHERE coalesce(p.kind, '') <> 'ad'
            GROUP BY 1 HAVING count(*) >= ? ORDER BY 1
            """,
            [min_posts],
        ).fetchall()
    else:
        raise ConfigError(f"by must be 'account' or 'network', got {by!r}")
    return [_row(str(unit), times, place) for unit, times, place in rows]
