"""StanceDetector: which side of each divisive issue every account poses as.

Writes one ``both_sides`` evidence row per account and issue on which the account takes a
side (the weighted majority of its stance posts, with the evidence behind it: see
:mod:`cibwatch.fingerprints.stance`); :func:`side_rows` gives a run's rows as the table
``account, issue, side, posts, evidence`` that ``cibwatch detect stance --out`` writes. A side
taken is not suspicious by itself, so rows are not significant and never link accounts:
they describe personas, and the network step reads them to show a network whose members
pose on both sides of the same issue (:func:`~cibwatch.fingerprints.stance.network_sides`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar, Final

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.errors import ConfigError
from cibwatch.fingerprints.stance import Lexicon, account_sides, load_lexicon

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: Columns of :func:`side_rows`.
SIDE_COLUMNS: Final = ("account", "issue", "side", "posts", "evidence")
_INSERT = "INSERT INTO evidence VALUES (?, ?, ?, 'account', ?, NULL, ?, NULL, NULL, false, ?, ?, ?)"


class StanceDetector(Detector):
    """Per account and issue, the side it poses as, from the stance lexicons.

    ``lexicons`` (paths) replace the shipped lexicons when given; ``extra_lexicons`` are read
    after them and add or override entries. ``min_posts`` is the fewest stance posts on an
    issue for an account to be said to take a side. ``account_camp``: an account's posts on
    an issue's topic with no side of their own take the side of the camp its partisan
    markers show, when that camp is clear (weak evidence, labelled as such).

    >>> StanceDetector(min_posts=3).get_params()
    {'lexicons': None, 'extra_lexicons': (), 'min_posts': 3, 'account_camp': True}
    """

    name: ClassVar[str] = "stance"
    signal: ClassVar[str] = "both_sides"

    def __init__(
        self,
        *,
        lexicons: tuple[str, ...] | None = None,
        extra_lexicons: tuple[str, ...] = (),
        min_posts: int = 1,
        account_camp: bool = True,
    ) -> None:
        self.lexicons = lexicons
        self.extra_lexicons = extra_lexicons
        self.min_posts = min_posts
        self.account_camp = account_camp

    def _validate(self) -> None:
        if self.min_posts < 1:
            raise ConfigError(f"min_posts must be at least 1, got {self.min_posts}")
        self.lexicon_: Lexicon = load_lexicon(self.lexicons, extra=self.extra_lexicons)

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        rows = []
        accounts: dict[str, dict[str, int]] = {}
        for r in account_sides(
            workspace, self.lexicon_, min_posts=self.min_posts, account_camp=self.account_camp
        ):
            if r["side"] is None:
                continue
            counts = {r["side_a"]: r["posts_a"], r["side_b"]: r["posts_b"]}
            tally = accounts.setdefault(r["issue"], {r["side_a"]: 0, r["side_b"]: 0})
            tally[r["side"]] += 1
            rows.append(
                [
                    run_id,
                    self.name,
                    self.signal,
                    r["account"],
                    r["share"],
                    f"{r['account']} posts as {r['side']} on {r['issue']} "
                    f"({r['posts_on_side']} of {r['stance_posts']} stance posts: "
                    f"{r['evidence']})",
                    r["proof"],
                    json.dumps(
                        {
                            "issue": r["issue"],
                            "side": r["side"],
                            "posts_on_side": r["posts_on_side"],
                            "stance_posts": r["stance_posts"],
                            "posts": counts,
                            "evidence": r["evidence"],
                        }
                    ),
                ]
            )
        if rows:
            workspace.connection.executemany(_INSERT, rows)
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=workspace.count("posts"),
            evidence_rows=len(rows),
            significant_rows=0,
            summary={"accounts_per_side": accounts},
        )


def side_rows(workspace: Workspace, run_id: int) -> list[dict[str, Any]]:
    """One row per account and issue given a side in stance run ``run_id``.

    Columns :data:`SIDE_COLUMNS`: account, issue, side, posts (its stance posts on the
    issue, both sides) and evidence (the hits behind the side, then ``| against:`` those
    pointing the other way), ordered by issue, side and account.
    """
    rows = workspace.query(
        "SELECT subject_a, details FROM evidence WHERE run_id = ? AND detector = 'stance'",
        [run_id],
    )
    out = []
    for row in rows:
        details = json.loads(row["details"])
        out.append(
            {
                "account": row["subject_a"],
                "issue": details["issue"],
                "side": details["side"],
                "posts": details["stance_posts"],
                "evidence": details.get("evidence", ""),
            }
        )
    return sorted(out, key=lambda r: (r["issue"], r["side"], r["account"]))
