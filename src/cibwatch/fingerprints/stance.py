"""Both sides: the stance posts take on divisive issues, and which side each persona poses as.

Influence operations have run fake personas on *both* sides of a wedge issue (abortion, guns,
immigration, elections) to widen the split. This module reads a post's side from editable
lexicons and rolls it up to accounts and networks:

- **lexicon**: CSV rows ``issue,side,kind,term,weight`` where ``kind`` is ``hashtag`` (matched
  against the post's hashtags), ``phrase`` (whole words in the text, case-insensitive; spaces
  and hyphens in a phrase match any run of spaces and punctuation, so ``pro-life`` matches
  "Pro Life" but not "prolife") or ``domain`` (a linked domain or any subdomain of it). Each
  issue has exactly two sides. Lexicons for abortion, guns, immigration and elections ship in
  ``data/stance``; users add ``extra`` files or replace them (see docs/stance.md);
- **post**: per issue, the side with the higher sum of the weights of the distinct entries
  the post contains; ties and no match give no stance. A share (retweet) without words of its
  own takes the stance of the post it shares;
- **account**: per issue, the side of the majority of its stance posts (ties: none);
- **network**: per issue, the accounts on each side and a both-sides score,
  ``2 * min(a, b) / (a + b)`` over the accounts that take a side: 0 when all are on one side,
  1 when evenly split; and a posting balance, the same formula with each account split
  between the sides by its own stance posts (steadier when personas post on both sides).

Only words, hashtags and links are read: sarcasm, quoting the other side to argue against it,
and issue words used in other senses are not understood (docs/stance.md lists the limits).
All matching runs as DuckDB SQL over the whole posts table (hashtags and domains are equi-joins
on exploded lists; phrases are one regular expression per side), never row by row in Python.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

    from cibwatch.workspace import Workspace

KINDS: Final = ("hashtag", "phrase", "domain")
COLUMNS: Final = ("issue", "side", "kind", "term", "weight")
MAX_WEIGHT: Final = 100.0
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}|(?:[a-z0-9-]+\.)+xn--[a-z0-9-]+")
# Text normalisation shared by SQL (posts) and Python (phrases): Unicode NFC (a decomposed
# "ü" equals a composed one), lower case, links removed, and every run of characters other
# than letters, digits, '#', '@' and '_' becomes two spaces.
# Two spaces let consecutive phrases each consume one space of the separator between them.
_SQL_TEXT: Final = (
    "' ' || regexp_replace(lower(nfc_normalize("
    "regexp_replace(text, 'https?://\\S+|www\\.\\S+', ' ', 'g'))), "
    "'[^\\p{L}\\p{N}#@_]+', '  ', 'g') || ' '"
)


class LexiconError(ConfigError):
    """A bad lexicon row, located by file, line (1-based, the header is line 1) and field.

    >>> str(LexiconError("not a number", file="my.csv", row=3, field="weight"))
    'my.csv, row 3, field weight: not a number'
    """

    def __init__(
        self, message: str, *, file: str, row: int | None = None, field: str | None = None
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.field = field
        where = [file] + ([f"row {row}"] if row is not None else [])
        where += [f"field {field}"] if field is not None else []
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class LexiconEntry:
    """One lexicon row, its term normalised, with the file and line it came from."""

    issue: str
    side: str
    kind: str
    term: str
    weight: float
    source: str
    row: int


@dataclass(frozen=True)
class Lexicon:
    """The entries in force (later files override earlier ones) and each issue's two sides."""

    entries: tuple[LexiconEntry, ...]
    issues: dict[str, tuple[str, str]]
    sources: tuple[str, ...]


def normalize_phrase(phrase: str) -> str:
    """A phrase as the matcher sees it: lower case, words joined by two spaces.

    >>> normalize_phrase("Pro-Life!")
    'pro  life'
    """
    out: list[str] = []
    gap = False
    for char in unicodedata.normalize("NFC", phrase).lower():
        if unicodedata.category(char)[0] in "LN" or char in "#@_":
            if gap and out:
                out.append("  ")
            out.append(char)
            gap = False
        else:
            gap = True
    return "".join(out)


def _term(kind: str, raw: str, where: dict[str, Any]) -> str:
    value = raw.strip().lower()
    if kind == "hashtag":
        value = value.lstrip("#")
        if not value or not all(c.isalnum() or c == "_" for c in value):
            raise LexiconError(f"not a hashtag: {raw!r}", field="term", **where)
        return value
    if kind == "domain":
        value = value.removeprefix("www.")
        if not _DOMAIN.fullmatch(value):
            raise LexiconError(f"not a domain name: {raw!r}", field="term", **where)
        return value
    if "#" in value or "@" in value:
        raise LexiconError(
            f"a phrase has no '#' or '@' (kind hashtag?): {raw!r}", field="term", **where
        )
    value = normalize_phrase(value)
    if not any(unicodedata.category(c)[0] == "L" for c in value):
        raise LexiconError(f"a phrase needs at least one letter: {raw!r}", field="term", **where)
    return value


def _rows(text: str, source: str) -> Iterable[tuple[int, dict[str, str]]]:
    """Data rows of one lexicon file with their line numbers; '#' lines are comments."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for cells in reader:
        line = reader.line_num
        if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            for column in COLUMNS:
                if column not in header:
                    raise LexiconError(
                        f"header lacks column {column!r}", file=source, row=line, field=column
                    )
            continue
        if len(cells) < len(header):
            missing = header[len(cells)]
            raise LexiconError("missing value", file=source, row=line, field=missing)
        yield line, dict(zip(header, cells, strict=False))
    if header is None:
        raise LexiconError(f"no header ({','.join(COLUMNS)})", file=source)


def _parse(text: str, source: str) -> list[LexiconEntry]:
    entries = []
    for line, row in _rows(text, source):
        where: dict[str, Any] = {"file": source, "row": line}
        names = {}
        for column in ("issue", "side"):
            names[column] = row[column].strip().lower()
            if not _NAME.fullmatch(names[column]):
                raise LexiconError(
                    f"{row[column]!r} is not a name (letters, digits, '-', '_')",
                    field=column,
                    **where,
                )
        kind = row["kind"].strip().lower()
        if kind not in KINDS:
            raise LexiconError(
                f"{row['kind']!r} is not one of {', '.join(KINDS)}", field="kind", **where
            )
        try:
            weight = float(row["weight"])
        except ValueError:
            raise LexiconError(
                f"not a number: {row['weight']!r}", field="weight", **where
            ) from None
        if not math.isfinite(weight) or not 0 <= weight <= MAX_WEIGHT:
            raise LexiconError(
                f"weight must be 0..{MAX_WEIGHT:g}, got {row['weight']!r}", field="weight", **where
            )
        term = _term(kind, row["term"], where)
        entries.append(
            LexiconEntry(names["issue"], names["side"], kind, term, weight, source, line)
        )
    return entries


def bundled_lexicon_files() -> list[str]:
    """Names of the shipped lexicon files (under ``cibwatch/fingerprints/data/stance``)."""
    folder = resources.files("cibwatch.fingerprints").joinpath("data/stance")
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(".csv"))


def _read(path: Path | str) -> tuple[str, str]:
    try:
        return Path(path).read_text(encoding="utf-8-sig"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"cannot read the lexicon: {exc}", file=str(path)) from exc


def load_lexicon(
    files: Sequence[Path | str] | None = None, *, extra: Sequence[Path | str] = ()
) -> Lexicon:
    """Read the lexicon: ``files`` replace the shipped ones, ``extra`` files are added after.

    An entry with the same issue, kind and term as an earlier one replaces it (move it to
    the other side, change its weight, or give weight 0 to switch it off).

    >>> lexicon = load_lexicon()
    >>> lexicon.issues["abortion"]
    ('pro-life', 'pro-choice')
    """
    texts: list[tuple[str, str]] = []
    if files is None:
        folder = resources.files("cibwatch.fingerprints").joinpath("data/stance")
        for name in bundled_lexicon_files():
            texts.append((folder.joinpath(name).read_text(encoding="utf-8"), f"stance/{name}"))
    else:
        texts += [_read(path) for path in files]
    texts += [_read(path) for path in extra]
    latest: dict[tuple[str, str, str], LexiconEntry] = {}
    sides: dict[str, list[LexiconEntry]] = {}
    for text, source in texts:
        for entry in _parse(text, source):
            latest.pop((entry.issue, entry.kind, entry.term), None)  # keep the newest order
            latest[entry.issue, entry.kind, entry.term] = entry
            firsts = sides.setdefault(entry.issue, [])
            if entry.side not in {e.side for e in firsts}:
                if len(firsts) == 2:
                    raise LexiconError(
                        f"issue {entry.issue!r} already has two sides "
                        f"({firsts[0].side}, {firsts[1].side}); "
                        f"a third, {entry.side!r}, is not allowed",
                        file=source,
                        row=entry.row,
                        field="side",
                    )
                firsts.append(entry)
    for issue, firsts in sides.items():
        if len(firsts) < 2:
            first = firsts[0]
            raise LexiconError(
                f"issue {issue!r} has only one side ({first.side}); each issue needs two",
                file=first.source,
                row=first.row,
                field="side",
            )
    return Lexicon(
        entries=tuple(latest.values()),
        issues={issue: (f[0].side, f[1].side) for issue, f in sides.items()},
        sources=tuple(source for _text, source in texts),
    )


# ---------------------------------------------------------------- stance in SQL


def _load_tables(con: duckdb.DuckDBPyConnection, lexicon: Lexicon) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stance_lexicon "
        "(issue VARCHAR, side VARCHAR, kind VARCHAR, term VARCHAR, weight DOUBLE)"
    )
    rows = [[e.issue, e.side, e.kind, e.term, e.weight] for e in lexicon.entries if e.weight > 0]
    if rows:
        con.executemany("INSERT INTO _stance_lexicon VALUES (?, ?, ?, ?, ?)", rows)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stance_issues "
        "(issue VARCHAR, side_a VARCHAR, side_b VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _stance_issues VALUES (?, ?, ?)",
        [[issue, a, b] for issue, (a, b) in lexicon.issues.items()],
    )


def _phrase_hits_sql(lexicon: Lexicon) -> str | None:
    """One regular expression per side, run over normalised text; None without phrases."""
    groups: dict[tuple[str, str], list[str]] = {}
    for e in lexicon.entries:
        if e.kind == "phrase" and e.weight > 0:
            groups.setdefault((e.issue, e.side), []).append(e.term)
    if not groups:
        return None
    # Terms hold only letters, digits, '_' and spaces (see _term): safe in a regex and in SQL.
    # Longest first so that "gun control laws" wins over "gun control" where both fit.
    alternations = [
        "|".join(sorted(terms, key=lambda s: (-len(s), s))) for terms in groups.values()
    ]
    columns = [
        f"regexp_extract_all(t, ' ({alt}) ', 1) AS s{i}" for i, alt in enumerate(alternations)
    ]
    names = [f"s{i}" for i in range(len(groups))]
    keys = ", ".join(f"('s{i}', '{issue}', '{side}')" for i, (issue, side) in enumerate(groups))
    return f"""
        SELECT u.platform, u.post_id, l.issue, l.side, l.kind, l.term, l.weight
        FROM (
            SELECT platform, post_id, col, unnest(terms) AS term
            FROM (
                UNPIVOT (
                    SELECT * FROM (
                        SELECT platform, post_id, {", ".join(columns)}
                        FROM (
                            SELECT platform, post_id, {_SQL_TEXT} AS t
                            FROM _stance_src WHERE text IS NOT NULL
                        )
                    ) WHERE {" + ".join(f"len({n})" for n in names)} > 0
                ) ON {", ".join(names)} INTO NAME col VALUE terms
            )
        ) u
        JOIN (VALUES {keys}) k(col, issue, side) ON k.col = u.col
        JOIN _stance_lexicon l
          ON l.kind = 'phrase' AND l.issue = k.issue AND l.side = k.side AND l.term = u.term
    """


_HASHTAG_HITS: Final = """
    SELECT s.platform, s.post_id, l.issue, l.side, l.kind, l.term, l.weight
    FROM (
        SELECT platform, post_id, lower(ltrim(unnest(hashtags), '#')) AS term
        FROM _stance_src WHERE len(hashtags) > 0
    ) s
    JOIN _stance_lexicon l ON l.kind = 'hashtag' AND l.term = s.term
"""

# A linked domain matches an entry for itself or for any parent domain (www.x.nra.org: nra.org).
_DOMAIN_HITS: Final = """
    SELECT d.platform, d.post_id, l.issue, l.side, l.kind, l.term, l.weight
    FROM (
        SELECT platform, post_id, array_to_string(labels[i:], '.') AS term
        FROM (
            SELECT platform, post_id, labels, unnest(generate_series(1, len(labels) - 1)) AS i
            FROM (
                SELECT platform, post_id,
                       string_split(regexp_replace(lower(unnest(domains)), '^www\\.', ''), '.')
                           AS labels
                FROM _stance_src WHERE len(domains) > 0
            )
        )
    ) d
    JOIN _stance_lexicon l ON l.kind = 'domain' AND l.term = d.term
"""

# Per post and issue the side with the higher score; a share without hits of its own takes
# the stance of the post it shares (same platform). Ties (two sides, equal scores) drop out.
_DECIDE: Final = """
    CREATE OR REPLACE TEMP TABLE _stance_posts AS
    WITH own AS (
        SELECT platform, post_id, issue, side, sum(weight) AS score
        FROM (SELECT DISTINCT * FROM _stance_hits) GROUP BY ALL
    ),
    scored AS (
        SELECT platform, post_id, issue, side, score, false AS inherited FROM own
        UNION ALL
        SELECT s.platform, s.post_id, o.issue, o.side, o.score, true
        FROM _stance_src s
        JOIN own o ON o.platform = s.platform AND o.post_id = s.shared_post_id
        WHERE s.shared_post_id IS NOT NULL AND coalesce(s.kind, 'share') = 'share'
          AND NOT EXISTS (
              SELECT 1 FROM own x WHERE x.platform = s.platform AND x.post_id = s.post_id
          )
    ),
    decided AS (
        SELECT platform, post_id, issue, arg_max(side, score) AS side, max(score) AS score,
               sum(score) - max(score) AS opposing_score, bool_or(inherited) AS inherited
        FROM scored GROUP BY platform, post_id, issue
        HAVING count(*) = 1 OR min(score) < max(score)
    )
    SELECT d.platform, d.post_id, s.platform || ':' || s.account_id AS account, s.created_at,
           d.issue, d.side, d.score, d.opposing_score, d.inherited
    FROM decided d JOIN _stance_src s USING (platform, post_id)
"""


def _build(workspace: Workspace, lexicon: Lexicon, members: Sequence[str] | None) -> None:
    """Fill the temp table ``_stance_posts`` for all posts, or for members' posts only."""
    con = workspace.connection
    _load_tables(con, lexicon)
    columns = (
        "platform, post_id, account_id, created_at, text, kind, shared_post_id, hashtags, domains"
    )
    if members is None:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _stance_src AS SELECT {columns} FROM posts")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _stance_members (account VARCHAR)")
        con.executemany("INSERT INTO _stance_members VALUES (?)", [[m] for m in set(members)])
        # Members' posts plus the posts they share, whose stance a bare share takes on.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _stance_member_posts AS
            WITH mp AS (
                SELECT {columns} FROM posts
                WHERE platform || ':' || account_id IN (SELECT account FROM _stance_members)
            )
            SELECT * FROM mp
            UNION ALL
            SELECT {columns} FROM posts p
            SEMI JOIN (SELECT platform, shared_post_id FROM mp WHERE shared_post_id IS NOT NULL) s
              ON s.platform = p.platform AND s.shared_post_id = p.post_id
            WHERE p.platform || ':' || p.account_id NOT IN (SELECT account FROM _stance_members)
            """
        )
        con.execute("CREATE OR REPLACE TEMP VIEW _stance_src AS SELECT * FROM _stance_member_posts")
    parts = [_HASHTAG_HITS, _DOMAIN_HITS]
    phrases = _phrase_hits_sql(lexicon)
    if phrases is not None:
        parts.append(phrases)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _stance_hits AS {' UNION ALL '.join(parts)}")
    con.execute(_DECIDE)
    con.execute("DROP TABLE _stance_hits")


def post_stances(workspace: Workspace, lexicon: Lexicon | None = None) -> duckdb.DuckDBPyRelation:
    """Stance of every post that takes one, as a relation over the temp table ``_stance_posts``.

    Columns: platform, post_id, account (``platform:account_id``), created_at, issue, side,
    score (the winning side's summed weights), opposing_score, inherited (a bare share that
    took the stance of the post it shares). A post may take a stance on several issues.
    """
    _build(workspace, lexicon or load_lexicon(), None)
    return workspace.connection.sql("SELECT * FROM _stance_posts")


_ACCOUNT_SIDES: Final = """
    SELECT p.account, p.issue, i.side_a, i.side_b,
           count(*) FILTER (WHERE p.side = i.side_a) AS posts_a,
           count(*) FILTER (WHERE p.side = i.side_b) AS posts_b,
           list_slice(list(p.platform || ':' || p.post_id ORDER BY p.created_at, p.post_id)
                      FILTER (WHERE p.side = i.side_a), 1, {proof}) AS proof_a,
           list_slice(list(p.platform || ':' || p.post_id ORDER BY p.created_at, p.post_id)
                      FILTER (WHERE p.side = i.side_b), 1, {proof}) AS proof_b
    FROM _stance_posts p JOIN _stance_issues i USING (issue)
    {where}
    GROUP BY p.account, p.issue, i.side_a, i.side_b
    HAVING count(*) >= {min_posts}
    ORDER BY p.account, p.issue
"""


def _check(*, min_posts: int, proof: int) -> None:
    if min_posts < 1:
        raise ConfigError(f"min_posts must be at least 1, got {min_posts}")
    if proof < 0:
        raise ConfigError(f"the number of proof posts or examples must be >= 0, got {proof}")


def _account_rows(
    workspace: Workspace, *, min_posts: int, proof: int, members: bool
) -> list[dict[str, Any]]:
    """Rows of :func:`account_sides` from ``_stance_posts`` (members only when ``members``)."""
    where = "WHERE p.account IN (SELECT account FROM _stance_members)" if members else ""
    sql = _ACCOUNT_SIDES.format(proof=int(proof), where=where, min_posts=int(min_posts))
    out = []
    for (
        account,
        issue,
        side_a,
        side_b,
        posts_a,
        posts_b,
        proof_a,
        proof_b,
    ) in workspace.connection.execute(sql).fetchall():
        total = int(posts_a) + int(posts_b)
        side = side_a if posts_a > posts_b else side_b if posts_b > posts_a else None
        on_side = max(int(posts_a), int(posts_b))
        out.append(
            {
                "account": str(account),
                "issue": str(issue),
                "side": side,
                "side_a": str(side_a),
                "side_b": str(side_b),
                "posts_a": int(posts_a),
                "posts_b": int(posts_b),
                "stance_posts": total,
                "posts_on_side": on_side if side else 0,
                "share": on_side / total if side else 0.5,
                "proof": list(proof_a or [])
                if side == side_a
                else list(proof_b or [])
                if side
                else [],
            }
        )
    return out


def account_sides(
    workspace: Workspace, lexicon: Lexicon | None = None, *, min_posts: int = 1, proof: int = 10
) -> list[dict[str, Any]]:
    """Per account and issue with at least ``min_posts`` stance posts: the side it poses as.

    Each row: account, issue, side (None when its stance posts split evenly), side_a, side_b,
    posts_a, posts_b, stance_posts, posts_on_side, share (posts_on_side / stance_posts) and
    proof (up to ``proof`` post keys ``platform:post_id`` on its side, oldest first).
    """
    _check(min_posts=min_posts, proof=proof)
    _build(workspace, lexicon or load_lexicon(), None)
    return _account_rows(workspace, min_posts=min_posts, proof=proof, members=False)


def both_sides_score(accounts_a: float, accounts_b: float) -> float:
    """``2 * min(a, b) / (a + b)``: 0 when one side only (or none), 1 when evenly split.

    >>> both_sides_score(5, 5), both_sides_score(9, 0), both_sides_score(3, 1)
    (1.0, 0.0, 0.5)
    """
    total = accounts_a + accounts_b
    return 2 * min(accounts_a, accounts_b) / total if total else 0.0


def network_sides(
    workspace: Workspace,
    members: Sequence[str],
    lexicon: Lexicon | None = None,
    *,
    min_posts: int = 1,
    examples: int = 5,
) -> list[dict[str, Any]]:
    """Per issue on which any member takes a stance: which members pose as which side.

    Each row: issue, side_a, side_b, accounts_a, accounts_b (members whose majority is on that
    side), accounts_tied (even split), accounts_mixed (members with posts on both sides),
    share_a, share_b (of the members taking a side), both_sides_score (from accounts_a and
    accounts_b), posting_balance (the same formula with every member that has stance posts
    split between the sides by its own posts: a member with 3 posts on side a and 1 on side b
    adds 0.75 to a and 0.25 to b; equal to both_sides_score when every member posts on one side
    only, near 1 when the members each post on both sides), posts_a, posts_b,
    members_a, members_b (all account keys, most posts first) and examples_a, examples_b (the
    first ``examples`` of them as dicts: account, posts, stance_posts, proof).

    >>> from cibwatch import Workspace
    >>> with Workspace() as ws:
    ...     network_sides(ws, ["x:1"])
    []
    """
    _check(min_posts=min_posts, proof=examples)
    lex = lexicon or load_lexicon()
    _build(workspace, lex, members)
    rows = _account_rows(workspace, min_posts=min_posts, proof=10, members=True)
    out = []
    for issue, (side_a, side_b) in lex.issues.items():
        found = [r for r in rows if r["issue"] == issue]
        if not found:
            continue
        on = {
            side: sorted(
                (r for r in found if r["side"] == side),
                key=lambda r: (-r["posts_on_side"], r["account"]),
            )
            for side in (side_a, side_b)
        }
        a, b = len(on[side_a]), len(on[side_b])
        taking = a + b
        out.append(
            {
                "issue": issue,
                "side_a": side_a,
                "side_b": side_b,
                "accounts_a": a,
                "accounts_b": b,
                "accounts_tied": sum(1 for r in found if r["side"] is None),
                "accounts_mixed": sum(1 for r in found if r["posts_a"] and r["posts_b"]),
                "share_a": a / taking if taking else 0.0,
                "share_b": b / taking if taking else 0.0,
                "both_sides_score": both_sides_score(a, b),
                "posting_balance": both_sides_score(
                    sum(r["posts_a"] / r["stance_posts"] for r in found),
                    sum(r["posts_b"] / r["stance_posts"] for r in found),
                ),
                "posts_a": sum(r["posts_a"] for r in found),
                "posts_b": sum(r["posts_b"] for r in found),
                "members_a": [r["account"] for r in on[side_a]],
                "members_b": [r["account"] for r in on[side_b]],
                "examples_a": [_example(r) for r in on[side_a][:examples]],
                "examples_b": [_example(r) for r in on[side_b][:examples]],
            }
        )
    return out


def _example(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "account": row["account"],
        "posts": row["posts_on_side"],
        "stance_posts": row["stance_posts"],
        "proof": row["proof"],
    }
