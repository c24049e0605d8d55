"""Shared machinery for the planted groups (operations and innocent coordination).

Planted groups are small and of fixed size whatever the world's volume, so they are built as
plain rows in Python. :class:`PlantedRows` hands out ids that cannot clash with organic ids
and records each group's ground truth in a :class:`GroupTruth`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cibwatch.schema import account_key

PLANTED_ACCOUNT_BASE = 70_000_000
PLANTED_POST_BASE = 90_000_000_000
#: Seconds in a day / hour, for readability of schedule arithmetic.
DAY = 86_400
HOUR = 3_600


@dataclass
class GroupTruth:
    """What a planted group is, for scoring a detector against the world."""

    id: str
    label: str
    innocent: bool
    narrative: str
    operator_utc_offset: int | None
    accounts: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    posts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    ad_spend: dict[str, dict[str, float]] = field(default_factory=dict)
    domains: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Return the truth as plain JSON data, with per-platform, per-kind counts."""
        accounts = {
            p: {k: sorted(v) for k, v in sorted(kinds.items())}
            for p, kinds in sorted(self.accounts.items())
        }
        return {
            "id": self.id,
            "label": self.label,
            "innocent": self.innocent,
            "narrative": self.narrative,
            "operator_utc_offset": self.operator_utc_offset,
            "accounts": accounts,
            "asset_counts": {
                p: {k: len(v) for k, v in kinds.items()} for p, kinds in accounts.items()
            },
            "posts": dict(sorted(self.posts.items())),
            "ad_spend": {c: dict(v) for c, v in sorted(self.ad_spend.items())},
            "domains": self.domains,
            "details": self.details,
        }


class PlantedRows:
    """Collects the rows of all planted groups and gives out unique ids."""

    def __init__(self, start: int, days: int, weekday0: int) -> None:
        self.start = start
        self.days = days
        self.weekday0 = weekday0
        self.accounts: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        self.groups: list[GroupTruth] = []
        self._next_account = 0
        self._next_post = 0

    def add_account(self, group: GroupTruth, platform: str, kind: str, **fields: Any) -> str:
        """Add an account of ``group``; return its account id."""
        account_id = str(PLANTED_ACCOUNT_BASE + self._next_account)
        self._next_account += 1
        self.accounts.append(
            {"platform": platform, "account_id": account_id, "kind": kind, **fields}
        )
        group.accounts[platform][kind].append(account_key(platform, account_id))
        return account_id

    def add_post(
        self, group: GroupTruth, platform: str, account_id: str, at: int, **fields: Any
    ) -> str:
        """Add a post by ``account_id`` at ``at`` seconds after the world start."""
        post_id = str(PLANTED_POST_BASE + self._next_post)
        self._next_post += 1
        self.posts.append(
            {
                "platform": platform,
                "post_id": post_id,
                "account_id": account_id,
                "created_at": self.start + int(at),
                **fields,
            }
        )
        group.posts[platform] += 1
        spend_min, spend_max = fields.get("ad_spend_min"), fields.get("ad_spend_max")
        if spend_min is not None and spend_max is not None:
            spent = group.ad_spend.setdefault(fields["currency"], {"min": 0.0, "max": 0.0})
            spent["min"] += spend_min
            spent["max"] += spend_max
        return post_id

    def weekdays(self) -> list[int]:
        """Day numbers (from the start) that fall on Monday to Friday."""
        return [d for d in range(self.days) if (d + self.weekday0) % 7 < 5]


def office_moment(
    rng: np.random.Generator,
    days: list[int],
    hour_weights: dict[int, float],
    utc_offset: int,
    slack: int = 120,
) -> int:
    """Seconds after start of a moment in office hours (local ``hour_weights``) on ``days``.

    ``slack`` seconds are kept free at the end of the hour so a burst starting here stays
    inside the hour.
    """
    day = int(rng.choice(days))
    hours = sorted(hour_weights)
    weights = np.asarray([hour_weights[h] for h in hours], dtype=np.float64)
    hour = int(rng.choice(hours, p=weights / weights.sum()))
    second = int(rng.integers(0, HOUR - slack))
    return day * DAY + hour * HOUR + second - utc_offset * HOUR


def local_moment(
    rng: np.random.Generator, days: int, utc_offset: int, hours: tuple[int, int] = (8, 23)
) -> int:
    """Seconds after start of a random moment in local waking ``hours`` on any day."""
    day = int(rng.integers(0, days))
    second = int(rng.integers(hours[0] * HOUR, hours[1] * HOUR))
    moment = day * DAY + second - utc_offset * HOUR
    return moment % (days * DAY)


def persona_hash(rng: np.random.Generator) -> str:
    """A fresh 16-hex perceptual-hash string."""
    return f"{int(rng.integers(0, 2**63)):016x}"
