"""CreationBurstDetector: accounts created in tight batches, at the precision the data has.

Operators register accounts in batches. For each platform the baseline is the platform's own
creation rate: the mean number of accounts created per bucket over the span of creation
times seen. A bucket whose count ``k`` has a Poisson upper-tail probability ``p`` with
``p * buckets`` (Bonferroni over every bucket of the span) below ``alpha``, and that holds at
least ``min_accounts``, is a burst.

**Precision.** A bucket is never finer than the times it counts. Many sources give creation
*dates* only (the Twitter information-operations archive's users files): read as midnight
UTC, or at one fixed time of day after a zone shift, a day's accounts all fall in one hour,
and hourly buckets would report "119 accounts created in the hour from 00:00". The precision
of each platform's times is read from the data: when at least ``PRECISION_SHARE`` of them
share one time of day, they are dates and buckets are days; one minute-and-second within
the hour, hours; one second within the minute, minutes. The bucket used is the coarser of the
requested one and that precision, and it is stated in every finding.

**Findings per burst.** A burst is one finding for a reader (:func:`creation_bursts`: its
size against the baseline, and for a network the share of its accounts it holds); its
members each get an ``account`` evidence row naming the burst, so dossiers, tactics and
indicators see which accounts it holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

BUCKETS: Final = {"minute": 60, "hour": 3600, "day": 86400}
#: ``bucket="auto"``: hours, or coarser when the data's precision is coarser.
AUTO_BUCKET: Final = "hour"
#: Share of a platform's creation times that must sit on one time of day (one minute and
#: second of the hour, one second of the minute) for the times to count as dates (hours,
#: minutes). Full-precision times share one time of day by chance in about 1 case of 86,400.
PRECISION_SHARE: Final = 0.5


def poisson_upper_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean), imported when a burst is tested.

    What ``scipy.stats.poisson.sf(k - 1, mean)`` returns, computed as it does (``pdtrc``
    of the floor, clipped to [0, 1]; 1 below the support; NaN for a negative mean) with
    ``scipy.special``'s ``pdtrc`` alone, which co-action loads anyway: importing
    ``scipy.stats`` on top of it costs 0.4 CPU s, about half of this detector's time on
    1 M posts, for a few calls.

    >>> round(poisson_upper_tail(3, 1.0), 6)
    0.080301
    >>> poisson_upper_tail(0, 2.0)
    1.0
    """
    from scipy.special import pdtrc

    if not mean >= 0:
        return math.nan
    if k - 1 < 0:
        return 1.0
    return min(max(float(pdtrc(math.floor(k - 1), mean)), 0.0), 1.0)


class CreationBurstDetector(Detector):
    """Flag batches of accounts created together, per platform, at the data's precision.

    >>> CreationBurstDetector().get_params()
    {'bucket': 'auto', 'min_accounts': 5, 'alpha': 0.001}
    """

    name: ClassVar[str] = "creation_burst"
    signal: ClassVar[str] = "creation_burst"

    def __init__(self, *, bucket: str = "auto", min_accounts: int = 5, alpha: float = 0.001):
        self.bucket = bucket
        self.min_accounts = min_accounts
        self.alpha = alpha

    def _validate(self) -> None:
        if self.bucket != "auto" and self.bucket not in BUCKETS:
            raise ConfigError(
                f"bucket must be auto or one of {sorted(BUCKETS)}, got {self.bucket!r}"
            )
        if self.min_accounts < 2:
            raise ConfigError("min_accounts must be at least 2")
        if not 0 < self.alpha < 1:
            raise ConfigError("alpha must be between 0 and 1")

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        con = workspace.connection
        requested = AUTO_BUCKET if self.bucket == "auto" else self.bucket
        widths = {
            platform: max(BUCKETS[requested], BUCKETS.get(precision, 1))
            for platform, precision in time_precision(workspace).items()
        }
        platforms, width_list = list(widths), list(widths.values())
        # Counting is SQL; only buckets large enough to be a burst come back to Python, one
        # row per bucket (never per account).
        candidates = con.execute(
            """
            WITH w AS (SELECT unnest($platforms) AS platform, unnest($widths) AS width),
            c AS (
                SELECT a.platform, w.width, epoch(a.created_at)::BIGINT // w.width AS b
                FROM accounts a JOIN w USING (platform) WHERE a.created_at IS NOT NULL
            ),
            span AS (
                SELECT platform, count(*) AS n, max(b) - min(b) + 1 AS buckets FROM c GROUP BY 1
            )
            SELECT c.platform, any_value(c.width), c.b, count(*) AS k, any_value(s.n),
                   any_value(s.buckets)
            FROM c JOIN span s USING (platform)
            GROUP BY c.platform, c.b HAVING count(*) >= $min_accounts
            ORDER BY 1, 3
            """,
            {"platforms": platforms, "widths": width_list, "min_accounts": self.min_accounts},
        ).fetchall()
        bursts: list[dict[str, Any]] = []
        for platform, width, b, k, n, buckets in candidates:
            mean = n / buckets
            p = poisson_upper_tail(int(k), mean)
            p_adj = min(1.0, p * buckets)
            if p_adj < self.alpha:
                unit = _unit(int(width))
                bursts.append(
                    {
                        "platform": platform,
                        "width": int(width),
                        "unit": unit,
                        "b": int(b),
                        "accounts": int(k),
                        "baseline": mean,
                        "buckets": int(buckets),
                        "p": p,
                        "p_adj": p_adj,
                    }
                )
        if bursts:
            con.execute(
                _INSERT_MEMBERS,
                {
                    "run": run_id,
                    "detector": self.name,
                    "signal": self.signal,
                    **{
                        key: [burst[key] for burst in bursts]
                        for key in ("platform", "width", "unit", "b", "accounts", "baseline")
                    },
                    "buckets": [burst["buckets"] for burst in bursts],
                    "p": [burst["p"] for burst in bursts],
                    "p_adj": [burst["p_adj"] for burst in bursts],
                },
            )
        members = sum(burst["accounts"] for burst in bursts)
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=workspace.count("accounts"),
            evidence_rows=members,
            significant_rows=members,
            summary={
                "bursts": len(bursts),
                "accounts_in_bursts": members,
                "buckets": {p: _unit(w) for p, w in sorted(widths.items())},
            },
        )


#: One account row per burst member, written in SQL from the bursts' parallel lists.
_INSERT_MEMBERS: Final = """
INSERT INTO evidence
WITH bursts AS (
    SELECT unnest($platform) AS platform, unnest($width) AS width, unnest($unit) AS unit,
           unnest($b) AS b, unnest($accounts) AS k, unnest($baseline) AS baseline,
           unnest($buckets) AS buckets, unnest($p) AS p, unnest($p_adj) AS p_adj
),
named AS (
    SELECT *, to_timestamp(b * width)::TIMESTAMP AS start,
           CASE unit WHEN 'day' THEN 'on ' || strftime(to_timestamp(b * width), '%Y-%m-%d')
                ELSE 'in the ' || unit || ' from '
                     || strftime(to_timestamp(b * width), '%Y-%m-%d %H:%M') || ' UTC' END
               AS span_words,
           platform || ':' || strftime(to_timestamp(b * width), '%Y-%m-%dT%H:%M')
               || '/' || unit AS burst
    FROM bursts
)
SELECT $run, $detector, $signal, 'account', a.platform || ':' || a.account_id, NULL,
       n.k::DOUBLE, n.p, n.p_adj, true,
       a.platform || ':' || a.account_id || ' was one of ' || n.k || ' ' || n.platform
       || ' accounts created ' || n.span_words || ' (platform baseline '
       || printf('%.2f', n.baseline) || ' per ' || n.unit || ', '
       || printf('%.0f', n.k / n.baseline) || 'x; burst ' || n.burst || ')',
       ['creation:' || n.burst],
       json_object('burst', n.burst, 'bucket', n.unit, 'bucket_start', n.start::VARCHAR,
                   'accounts', n.k, 'baseline', n.baseline, 'times_baseline', n.k / n.baseline,
                   'buckets', n.buckets)
FROM accounts a JOIN named n
  ON a.platform = n.platform AND a.created_at IS NOT NULL
 AND epoch(a.created_at)::BIGINT // n.width = n.b
ORDER BY n.platform, n.b, a.account_id
"""


def _unit(width: int) -> str:
    return next(name for name, seconds in BUCKETS.items() if seconds == width)


def time_precision(workspace: Workspace) -> dict[str, str]:
    """Per platform, the finest unit its account creation times resolve: day, hour, minute
    or second (see the module's docstring for the rule).

    Read from the data, never assumed from the format: an ingester that parsed a date into
    a midnight timestamp cannot say so downstream.
    """
    rows = workspace.connection.execute(
        """
        WITH t AS (
            SELECT platform, epoch(created_at)::BIGINT AS s FROM accounts
            WHERE created_at IS NOT NULL
        ),
        share AS (
            SELECT platform, count(*) AS n,
                   max(c_day) AS top_day, max(c_hour) AS top_hour, max(c_min) AS top_min
            FROM (
                SELECT platform,
                       count(*) OVER (PARTITION BY platform, s % 86400) AS c_day,
                       count(*) OVER (PARTITION BY platform, s % 3600) AS c_hour,
                       count(*) OVER (PARTITION BY platform, s % 60) AS c_min
                FROM t
            ) GROUP BY platform
        )
        SELECT platform,
               CASE WHEN top_day >= $share * n THEN 'day'
                    WHEN top_hour >= $share * n THEN 'hour'
                    WHEN top_min >= $share * n THEN 'minute'
                    ELSE 'second' END
        FROM share ORDER BY platform
        """,
        {"share": PRECISION_SHARE},
    ).fetchall()
    return {str(platform): str(unit) for platform, unit in rows}


def creation_bursts(
    workspace: Workspace,
    *,
    run_ids: Sequence[int] | None = None,
    members: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The bursts found (one dict each, largest first), read from the evidence.

    Each: ``burst`` (``platform:start/unit``), ``platform``, ``bucket`` (the unit used),
    ``start``, ``accounts`` (the burst's size), ``baseline`` (the platform's mean per
    bucket), ``times_baseline``, ``p_value``, ``q_value`` (Bonferroni) and ``examples``
    (account keys). With ``members`` (a network's account keys), only bursts holding some
    of them, with ``members_in_burst`` and ``share_of_network`` (of all ``members``).
    ``run_ids`` defaults to the latest creation-burst run.
    """
    con = workspace.connection
    if run_ids is None:
        row = con.execute(
            "SELECT max(run_id) FROM runs WHERE step = 'detect' AND name = ?",
            [CreationBurstDetector.name],
        ).fetchone()
        run_ids = [int(row[0])] if row and row[0] is not None else []
    rows = con.execute(
        """
        WITH e AS (
            SELECT subject_a AS account, details->>'burst' AS burst, p_value, q_value, details
            FROM evidence WHERE signal = 'creation_burst' AND list_contains($runs, run_id)
              AND details->>'burst' IS NOT NULL  -- rows written before bursts had ids
        )
        SELECT burst, any_value(details->>'bucket'), any_value(details->>'bucket_start'),
               any_value((details->>'accounts')::INTEGER),
               any_value((details->>'baseline')::DOUBLE), min(p_value), min(q_value),
               list(account ORDER BY account)[1:5],
               count(*) FILTER (WHERE list_contains($members, account)) AS mine
        FROM e GROUP BY burst
        HAVING $all OR mine > 0
        ORDER BY mine DESC, 4 DESC, burst
        """,
        {"runs": list(run_ids), "members": list(members or []), "all": members is None},
    ).fetchall()
    out: list[dict[str, Any]] = []
    for burst, unit, start, k, baseline, p, q, examples, mine in rows:
        item: dict[str, Any] = {
            "burst": str(burst),
            "platform": str(burst).split(":", 1)[0],
            "bucket": str(unit),
            "start": str(start),
            "accounts": int(k),
            "baseline": float(baseline),
            "times_baseline": round(int(k) / float(baseline), 1),
            "p_value": float(p),
            "q_value": float(q),
            "examples": [str(e) for e in examples],
        }
        if members is not None:
            item["members_in_burst"] = int(mine)
            item["share_of_network"] = round(int(mine) / len(members), 4) if members else 0.0
        out.append(item)
    return out


def burst_sentence(burst: dict[str, Any]) -> str:
    """One burst in words, with its size against the baseline (and its share of a network).

    >>> burst_sentence({"platform": "x", "accounts": 24, "bucket": "day",
    ...     "start": "2024-03-02 00:00:00", "baseline": 1.5, "times_baseline": 16.0,
    ...     "members_in_burst": 12, "share_of_network": 0.3}).split("; ")
    ['24 x accounts created on 2024-03-02 (platform baseline 1.50 per day, 16x)', \
'12 of them in this network, 30% of its accounts']
    """
    when = (
        f"on {burst['start'][:10]}"
        if burst["bucket"] == "day"
        else f"in the {burst['bucket']} from {burst['start'][:16]} UTC"
    )
    words = (
        f"{burst['accounts']} {burst['platform']} accounts created {when} (platform baseline "
        f"{burst['baseline']:.2f} per {burst['bucket']}, {burst['times_baseline']:g}x)"
    )
    if "members_in_burst" in burst:
        words += (
            f"; {burst['members_in_burst']} of them in this network, "
            f"{burst['share_of_network']:.0%} of its accounts"
        )
    return words
