"""The spec of post stance: every post read one by one in Python, as stance was first written.

:mod:`cibwatch.fingerprints.stance` reads only the posts that can carry evidence and does the
rest in SQL; this module is the plain loop it must agree with, row for row and bit for bit:
each post is read with :func:`~cibwatch.fingerprints.polarity.read`, its stance decided per
issue (a tie takes none), its account's camp gathered from all its posts' markers, topic posts
without a side given the camp's side, and bare shares given the stance of the post they share.
It is slow (a Python object per post) and kept only for tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from cibwatch import Workspace
from cibwatch.fingerprints.lexicons import Lexicon
from cibwatch.fingerprints.polarity import Reading, read
from cibwatch.fingerprints.stance import CAMP_MIN_SHARE, CAMP_MIN_WEIGHT, CAMP_SCORE

_COLUMNS = (
    "platform, post_id, account_id, created_at, text, kind, shared_post_id, "
    "shared_account_id, hashtags, domains"
)
_READ = """
    SELECT s.platform, s.post_id, s.account_id, s.created_at, s.text, s.kind,
           coalesce(h.handle, s.shared_account_id) AS shared_handle, s.hashtags, s.domains,
           s.shared_post_id
    FROM ({source}) s
    LEFT JOIN (
        SELECT platform, account_id, any_value(handle) AS handle FROM accounts
        WHERE handle IS NOT NULL GROUP BY ALL
    ) h ON h.platform = s.platform AND h.account_id = s.shared_account_id
"""
#: Columns of a stance row, as ``post_stances`` gives them.
COLUMNS = (
    "platform",
    "post_id",
    "account",
    "created_at",
    "issue",
    "side",
    "score",
    "opposing_score",
    "inherited",
    "shared",
    "evidence",
    "from_account",
)


def _source(members: Sequence[str] | None) -> str:
    if members is None:
        return f"SELECT {_COLUMNS} FROM posts"
    keys = ", ".join("'" + m.replace("'", "''") + "'" for m in sorted(set(members)))
    return f"""
        WITH mp AS (
            SELECT {_COLUMNS} FROM posts WHERE platform || ':' || account_id IN ({keys})
        )
        SELECT * FROM mp
        UNION ALL
        SELECT {_COLUMNS} FROM posts p
        SEMI JOIN (SELECT platform, shared_post_id FROM mp WHERE shared_post_id IS NOT NULL) s
          ON s.platform = p.platform AND s.shared_post_id = p.post_id
        WHERE p.platform || ':' || p.account_id NOT IN ({keys})
    """


def _decide(
    row: dict[str, Any], reading: Reading, shared: bool, out: list[tuple[Any, ...]]
) -> set[str]:
    decided: set[str] = set()
    by_issue: dict[str, dict[str, float]] = {}
    labels: dict[tuple[str, str], list[str]] = {}
    for hit in reading.hits:
        sides = by_issue.setdefault(hit.issue, {})
        sides[hit.side] = sides.get(hit.side, 0.0) + hit.weight
        found = labels.setdefault((hit.issue, hit.side), [])
        if hit.label not in found:
            found.append(hit.label)
    for issue, sides in by_issue.items():
        ranked = sorted(sides.items(), key=lambda kv: -kv[1])
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            continue
        side, score = ranked[0]
        account = f"{row['platform']}:{row['account_id']}"
        opposing = sum(sides.values()) - score
        out.append(
            (row["platform"], row["post_id"], account, row["created_at"], issue, side, score,
             opposing, False, shared, labels[issue, side], False)
        )  # fmt: skip
        decided.add(issue)
    return decided


class _Camps:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.weights: dict[str, dict[str, float]] = {}
        self.names: dict[tuple[str, str], Counter[str]] = {}
        self.topic_posts: dict[str, list[tuple[Any, ...]]] = {}

    def add(self, row: dict[str, Any], reading: Reading, decided: set[str], shared: bool) -> None:
        account = f"{row['platform']}:{row['account_id']}"
        if reading.camp is not None:
            weights = self.weights.setdefault(account, {})
            weights[reading.camp] = weights.get(reading.camp, 0.0) + reading.margin
            self.names.setdefault((account, reading.camp), Counter()).update(reading.names)
        for issue in reading.topics - decided:
            if issue in self.lexicon.by_lean:
                key = (row["platform"], row["post_id"], account, row["created_at"], issue, shared)
                self.topic_posts.setdefault(account, []).append(key)

    def camp(self, account: str) -> str | None:
        weights = self.weights.get(account)
        if not weights:
            return None
        camp, top = max(weights.items(), key=lambda kv: (kv[1], kv[0]))
        total = sum(weights.values())
        return camp if total >= CAMP_MIN_WEIGHT and top >= CAMP_MIN_SHARE * total else None

    def write(self, out: list[tuple[Any, ...]]) -> None:
        sides = {(i, lean): s for (i, s), lean in self.lexicon.leans.items()}
        for account, posts in self.topic_posts.items():
            camp = self.camp(account)
            if camp is None:
                continue
            ranked = sorted(self.names[account, camp].items(), key=lambda kv: (-kv[1], kv[0]))
            top = ", ".join(name for name, _count in ranked[:3])
            label = f"on topic; the account's camp is {camp} ({top})"
            for platform, post_id, _account, created_at, issue, shared in posts:
                side = sides.get((issue, camp))
                if side is not None:
                    out.append(
                        (platform, post_id, account, created_at, issue, side, CAMP_SCORE, 0.0,
                         False, shared, [label], True)
                    )  # fmt: skip


def reference_stances(
    workspace: Workspace,
    lexicon: Lexicon,
    members: Sequence[str] | None = None,
    *,
    account_camp: bool = True,
) -> list[tuple[Any, ...]]:
    """The stance rows (:data:`COLUMNS`) of all posts, or of members' posts, sorted."""
    reader = lexicon.reader()
    out: list[tuple[Any, ...]] = []
    camps = _Camps(lexicon) if account_camp else None
    rows = workspace.connection.execute(_READ.format(source=_source(members))).fetchall()
    names = [
        "platform", "post_id", "account_id", "created_at", "text", "kind", "shared_handle",
        "hashtags", "domains", "shared_post_id",
    ]  # fmt: skip
    posts = [dict(zip(names, r, strict=True)) for r in rows]
    for row in posts:
        shared = row["kind"] == "share" or (row["text"] or "").startswith("RT ")
        reading = read(
            reader,
            row["text"],
            row["hashtags"] or (),
            row["domains"] or (),
            row["shared_handle"],
            row["kind"] == "share",
        )
        decided = _decide(row, reading, shared, out) if reading.hits else set()
        if camps is not None:
            camps.add(row, reading, decided, shared)
    if camps is not None:
        camps.write(out)
    own = {(r[0], r[1]): r for r in out}
    by_post: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for r in out:
        if not r[11]:
            by_post.setdefault((r[0], r[1]), []).append(r)
    inherited = []
    for row in posts:
        if row["shared_post_id"] is None or (row["kind"] or "share") != "share":
            continue
        if (row["platform"], row["post_id"]) in own:
            continue
        for o in by_post.get((row["platform"], row["shared_post_id"]), []):
            inherited.append(
                (row["platform"], row["post_id"], f"{row['platform']}:{row['account_id']}",
                 row["created_at"], o[4], o[5], o[6], o[7], True, True, o[10], False)
            )  # fmt: skip
    return sorted(out + inherited, key=_order)


def _order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (row[0], row[1], row[2], row[4], row[5], row[11], row[8])
