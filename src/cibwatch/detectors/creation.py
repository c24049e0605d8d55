"""CreationBurstDetector: accounts created in tight batches.

Operators register accounts in batches. For each platform the baseline is the platform's own
creation rate: the mean number of accounts created per ``bucket`` (hour by default) over the
span of creation dates seen. A bucket whose count ``k`` has a Poisson upper-tail probability
below ``alpha`` after Bonferroni correction over buckets, and holds at least ``min_accounts``,
is a burst; every account in it gets an ``account`` evidence row naming the burst.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

from scipy.stats import poisson

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

BUCKETS = {"minute": 60, "hour": 3600, "day": 86400}


class CreationBurstDetector(Detector):
    """Flag accounts created in statistically unusual batches, per platform.

    >>> CreationBurstDetector().get_params()
    {'bucket': 'hour', 'min_accounts': 5, 'alpha': 0.001}
    """

    name: ClassVar[str] = "creation_burst"
    signal: ClassVar[str] = "creation_burst"

    def __init__(self, *, bucket: str = "hour", min_accounts: int = 5, alpha: float = 0.001):
        self.bucket = bucket
        self.min_accounts = min_accounts
        self.alpha = alpha

    def _validate(self) -> None:
        if self.bucket not in BUCKETS:
            raise ConfigError(f"bucket must be one of {sorted(BUCKETS)}, got {self.bucket!r}")
        if self.min_accounts < 2:
            raise ConfigError("min_accounts must be at least 2")
        if not 0 < self.alpha < 1:
            raise ConfigError("alpha must be between 0 and 1")

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        con = workspace.connection
        width = BUCKETS[self.bucket]
        buckets = con.execute(
            f"""
            WITH c AS (
                SELECT platform, account_id,
                       epoch(created_at)::BIGINT // {width} AS b FROM accounts
                WHERE created_at IS NOT NULL
            ),
            span AS (
                SELECT platform, count(*) AS n, max(b) - min(b) + 1 AS width FROM c GROUP BY 1
            )
            SELECT c.platform, c.b, count(*) AS k, any_value(s.n) AS n, any_value(s.width) AS w,
                   list(c.account_id ORDER BY c.account_id) AS ids
            FROM c JOIN span s USING (platform)
            GROUP BY 1, 2 HAVING count(*) >= {self.min_accounts}
            ORDER BY 1, 2
            """
        ).fetchall()
        rows = []
        bursts = 0
        for platform, b, k, n, w, ids in buckets:
            mean = n / w
            p = float(poisson.sf(k - 1, mean))
            p_adj = min(1.0, p * w)
            if p_adj >= self.alpha:
                continue
            bursts += 1
            start = con.execute("SELECT to_timestamp(?)::TIMESTAMP", [b * width]).fetchone()
            when = str(start[0]) if start else str(b)
            for account_id in ids:
                key = f"{platform}:{account_id}"
                rows.append(
                    [
                        run_id,
                        self.name,
                        self.signal,
                        "account",
                        key,
                        None,
                        float(k),
                        p,
                        p_adj,
                        True,
                        f"{key} was one of {k} {platform} accounts created in the {self.bucket} "
                        f"from {when} UTC (platform baseline {mean:.2f} per {self.bucket})",
                        [f"creation:{platform}:{when}"],
                        json.dumps({"bucket_start": when, "accounts": k, "baseline": mean}),
                    ]
                )
        if rows:
            con.executemany(
                "INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=workspace.count("accounts"),
            evidence_rows=len(rows),
            significant_rows=len(rows),
            summary={"bursts": bursts},
        )
