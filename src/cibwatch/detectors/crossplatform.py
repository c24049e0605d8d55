"""CrossPlatformDetector: accounts on different platforms run by one operator.

Operations run the same persona, or the same content machine, on several platforms at once.
This detector ties two accounts on *different* platforms together through four cue kinds:

- ``handle``: the same handle once lower-cased and stripped of separators (``.``, ``_``,
  ``-``, spaces, ``@``), of at least ``min_handle_chars`` characters; or the same stem after
  stripping trailing digits (``anna.weber87`` and ``annaweber_2231``) when the stem keeps at
  least ``min_stem`` characters;
- ``photo``: the same profile image hash (``accounts.profile_image_hash``);
- ``bio``: the same bio, lower-cased with whitespace collapsed, of at least
  ``min_bio_chars`` characters;
- ``co_posting``: posting the same exact text, near-duplicate text cluster or url within
  ``window`` seconds of each other; counted as distinct co-posting occasions (the smaller of
  the two accounts' numbers of distinct posts involved, so one post carrying a text and a url
  counts once). Co-posting counts as a cue kind from ``min_co_posts`` occasions on (default
  2): one shared url within five minutes happens between strangers during breaking news.

Guards against what everybody shares: a handle, stem, photo or bio held by more accounts than
its cap (``max_handle_accounts``, ``max_photo_accounts``, ``max_bio_accounts``) is a default
avatar or a common word, not evidence; an object (text, cluster, url) posted by more than
``max_object_accounts`` accounts is news everybody shares. These caps also bound the work:
no group larger than its cap is ever expanded into pairs, so the pairs written are at most
``cap * (cap - 1) / 2`` per group.

Each linked pair becomes one ``pair`` evidence row (``subject_a < subject_b``), strength =
the number of cue kinds, significant when at least ``min_cues`` kinds agree or co-posting
happened at least ``min_repeats`` times. Findings are deterministic: ``p_value`` and
``q_value`` are NULL (network assembly weighs such evidence as q = 1e-6).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any, ClassVar

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.detectors.rows import write_evidence
from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: Co-posting examples kept per pair (proof ids and details).
_EXAMPLES = 10
_CUE_WORDS = {
    "handle": "the same handle",
    "photo": "the same profile photo",
    "bio": "the same bio",
}


class CrossPlatformDetector(Detector):
    """Link accounts on different platforms by handle, photo, bio and timed co-posting.

    >>> CrossPlatformDetector(window=600).get_params()["window"]
    600
    """

    name: ClassVar[str] = "cross_platform"
    signal: ClassVar[str] = "cross_platform"

    def __init__(
        self,
        *,
        window: int = 300,
        min_repeats: int = 3,
        min_cues: int = 2,
        min_handle_chars: int = 5,
        min_stem: int = 6,
        min_bio_chars: int = 30,
        min_co_posts: int = 2,
        max_handle_accounts: int = 10,
        max_photo_accounts: int = 50,
        max_bio_accounts: int = 20,
        max_object_accounts: int = 50,
    ) -> None:
        self.window = window
        self.min_repeats = min_repeats
        self.min_cues = min_cues
        self.min_handle_chars = min_handle_chars
        self.min_stem = min_stem
        self.min_bio_chars = min_bio_chars
        self.min_co_posts = min_co_posts
        self.max_handle_accounts = max_handle_accounts
        self.max_photo_accounts = max_photo_accounts
        self.max_bio_accounts = max_bio_accounts
        self.max_object_accounts = max_object_accounts

    def _validate(self) -> None:
        if self.window < 0:
            raise ConfigError(f"window must be >= 0 seconds, got {self.window}")
        if not 1 <= self.min_co_posts <= self.min_repeats:
            raise ConfigError(
                f"need 1 <= min_co_posts <= min_repeats, got {self.min_co_posts} and "
                f"{self.min_repeats}"
            )
        if not 1 <= self.min_cues <= 4:
            raise ConfigError(f"min_cues must be 1..4 (cue kinds), got {self.min_cues}")
        if self.min_handle_chars < 1 or self.min_stem < 1 or self.min_bio_chars < 1:
            raise ConfigError("min_handle_chars, min_stem and min_bio_chars must be at least 1")
        caps = (
            self.max_handle_accounts,
            self.max_photo_accounts,
            self.max_bio_accounts,
            self.max_object_accounts,
        )
        if min(caps) < 2:
            raise ConfigError("the max_*_accounts caps must be at least 2")

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        cues: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
        for a, b, cue, values in self._profile_cues(workspace):
            cues[(a, b)][cue] = values
        for a, b, occasions, types, min_dt, examples in self._co_posting(workspace):
            if occasions < self.min_co_posts:
                continue
            cues[(a, b)]["co_posting"] = {
                "occasions": int(occasions),
                "object_types": list(types),
                "min_seconds_apart": int(min_dt),
                "post_pairs": [str(e).split(" ") for e in examples],
            }
        rows = [self._row(run_id, a, b, found) for (a, b), found in sorted(cues.items())]
        write_evidence(workspace.connection, rows)
        significant = sum(1 for r in rows if r[9])
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=workspace.count("accounts"),
            evidence_rows=len(rows),
            significant_rows=significant,
            summary={"pairs": len(rows), "significant_pairs": significant},
        )

    def _row(self, run_id: int, a: str, b: str, found: dict[str, Any]) -> list[Any]:
        kinds = sorted(found)
        co = found.get("co_posting")
        repeats = int(co["occasions"]) if co else 0
        significant = len(kinds) >= self.min_cues or repeats >= self.min_repeats
        words = [_CUE_WORDS[k] + f" ({', '.join(found[k])[:80]})" for k in kinds if k in _CUE_WORDS]
        proof = [f"{k}:{v}" for k in kinds if k in _CUE_WORDS for v in found[k]]
        if co:
            words.append(
                f"posted the same {'/'.join(co['object_types'])} within {self.window} s "
                f"{repeats} time{'s' if repeats != 1 else ''}"
            )
            proof += [f"post:{p}" for pair in co["post_pairs"] for p in pair]
        explanation = (
            f"{a} and {b}, on different platforms, share {len(kinds)} cue kind"
            f"{'s' if len(kinds) != 1 else ''}: " + "; ".join(words)
        )
        return [
            run_id,
            self.name,
            self.signal,
            "pair",
            a,
            b,
            float(len(kinds)),
            None,
            None,
            significant,
            explanation,
            proof,
            json.dumps({"cues": found, "cue_kinds": kinds, "window": self.window}),
        ]

    def _profile_cues(self, ws: Workspace) -> list[tuple[str, str, str, list[str]]]:
        """(a, b, cue kind, shared values) for handle, photo and bio cues across platforms."""
        rows = ws.connection.execute(
            r"""
            WITH acc AS (
                SELECT platform || ':' || account_id AS account, platform,
                       regexp_replace(lower(trim(handle)), '[\s._@-]+', '', 'g') AS h,
                       profile_image_hash AS photo,
                       trim(regexp_replace(lower(bio), '\s+', ' ', 'g')) AS bio
                FROM accounts
            ),
            keyed AS (
                SELECT DISTINCT account, platform, 'handle' AS cue, h AS key, $max_handle AS cap
                FROM acc WHERE length(h) >= $min_handle
              UNION ALL
                SELECT DISTINCT account, platform, 'handle', 'stem:' || s, $max_handle
                FROM (SELECT *, regexp_replace(h, '[0-9]+$', '') AS s FROM acc)
                WHERE length(s) >= $min_stem
              UNION ALL
                SELECT DISTINCT account, platform, 'photo', photo, $max_photo
                FROM acc WHERE photo IS NOT NULL AND photo <> ''
              UNION ALL
                SELECT DISTINCT account, platform, 'bio', bio, $max_bio
                FROM acc WHERE length(bio) >= $min_bio
            ),
            usable AS (
                SELECT cue, key FROM keyed GROUP BY cue, key, cap
                HAVING count(DISTINCT account) <= cap AND count(DISTINCT platform) >= 2
            ),
            k AS (SELECT * FROM keyed SEMI JOIN usable USING (cue, key))
            SELECT x.account, y.account, x.cue, list(DISTINCT x.key ORDER BY x.key)
            FROM k x JOIN k y
              ON x.cue = y.cue AND x.key = y.key AND x.platform <> y.platform
             AND x.account < y.account
            GROUP BY ALL ORDER BY ALL
            """,
            {
                "max_handle": self.max_handle_accounts,
                "min_handle": self.min_handle_chars,
                "min_stem": self.min_stem,
                "max_photo": self.max_photo_accounts,
                "max_bio": self.max_bio_accounts,
                "min_bio": self.min_bio_chars,
            },
        ).fetchall()
        # equal handles also have equal stems: show each shared name once
        return [
            (
                str(a),
                str(b),
                str(cue),
                list(dict.fromkeys(str(v).removeprefix("stem:") for v in values)),
            )
            for a, b, cue, values in rows
        ]

    def _co_posting(self, ws: Workspace) -> list[tuple[Any, ...]]:
        """(a, b, occasions, object types, min seconds apart, example post keys) per pair.

        Post keys (``platform:post_id``) are built for the co-posting hits only, not for
        every action read (a sixth of this query's time at a million posts).
        """
        return ws.connection.execute(
            """
            WITH a AS (
                SELECT account, platform, object_type, object_id, created_at, post_id
                FROM actions WHERE object_type IN ('text', 'text_cluster', 'url', 'image')
            ),
            common AS (
                SELECT object_type, object_id FROM a GROUP BY ALL
                HAVING count(DISTINCT account) > $max_objects
            ),
            s AS (SELECT * FROM a ANTI JOIN common USING (object_type, object_id)),
            hits AS (
                SELECT x.account AS acc_a, y.account AS acc_b, x.object_type AS t,
                       x.platform || ':' || x.post_id AS post_a,
                       y.platform || ':' || y.post_id AS post_b,
                       abs(epoch(x.created_at) - epoch(y.created_at)) AS dt
                FROM s x JOIN s y
                  ON x.object_type = y.object_type AND x.object_id = y.object_id
                 AND x.platform <> y.platform AND x.account < y.account
                WHERE abs(epoch(x.created_at) - epoch(y.created_at)) <= $window
            )
            SELECT acc_a, acc_b,
                   least(count(DISTINCT post_a), count(DISTINCT post_b)) AS occasions,
                   list(DISTINCT t ORDER BY t), min(dt),
                   list(DISTINCT post_a || ' ' || post_b ORDER BY post_a || ' ' || post_b)
                       [1:$examples]
            FROM hits GROUP BY acc_a, acc_b ORDER BY acc_a, acc_b
            """,
            {"max_objects": self.max_object_accounts, "window": self.window, "examples": _EXAMPLES},
        ).fetchall()
