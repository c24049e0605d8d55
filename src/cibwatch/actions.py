"""Derive the ``actions`` table from ``posts``, once, for every object type.

``actions`` is the long, narrow table every co-action detector reads: one row per
(account, object type, object id, time). Object ids are normalised here, in one place, so
that two accounts acting on "the same" object meet regardless of how each source spelled it:

- ``shared_post`` / ``reply_target``: ``platform:post_id`` of the shared or answered post;
- ``url``: scheme and ``www.`` dropped, host lower-cased, fragment, tracking parameters
  (``utm_*``, ``fbclid``, ``gclid``) and trailing slash removed; the path keeps its case;
- ``domain``, ``hashtag``, ``mention``: lower-cased;
- ``text``: MD5 of the post text lower-cased, with URLs, a leading ``RT @handle:`` and
  repeated whitespace removed, for originals whose normalised text has at least
  ``MIN_TEXT_CHARS`` characters (shares repeat their original's text, which ``shared_post``
  already covers; short texts such as "lol" would link strangers);
- ``image``: the media hash as given.

``text_cluster`` rows (near-duplicate clusters) are added by the near-duplicate detector.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

MIN_TEXT_CHARS: Final = 25

_SCHEME: Final = r"^(?:[A-Za-z][A-Za-z0-9+.-]*://)?"
#: A URL ``u`` split in one pass: the host without ``www.`` and the rest up to the fragment.
_URL_PARTS_SQL: Final = (
    rf"regexp_extract(u, '{_SCHEME}(?:[Ww][Ww][Ww]\.)?([^/?#]*)([^#]*)', ['host', 'rest'])"
)
#: ``x`` (lower-cased host and rest) without tracking parameters and trailing slashes. Only
#: a URL with a query (``?`` or ``&``) can hold what the five replacements remove, and most
#: hold none: the others skip them (1.6 to 0.9 CPU s for the 1.2 M URLs of the IRA tweets).
_URL_CLEAN_SQL: Final = r"""
rtrim(CASE WHEN contains(x, '?') OR contains(x, '&') THEN
  regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(x, '([?&])(utm_[^&=]*|fbclid|gclid)(=[^&]*)?', '\1', 'g'),
  '\?&+', '?'), '&&+', '&', 'g'), '/+\?', '?'), '[?&]+$', '')
ELSE x END, '/')
"""


def _normalised_urls(urls: str) -> str:
    """SQL normalising every URL of the list ``urls``, each step computed once per URL."""
    return (
        f"list_transform(list_transform(list_transform({urls}, lambda u: {_URL_PARTS_SQL}), "
        f"lambda s: lower(s.host) || s.rest), lambda x: {_URL_CLEAN_SQL})"
    )


#: The normalised text of ``text``, as a list of one element (each step computed once per
#: post, see :func:`derive_actions_sql`): lower-cased; a leading ``rt @handle:`` removed;
#: URLs replaced by a space; runs of whitespace made one space; trimmed. Each regular
#: expression runs only on the texts it can change: a leading ``rt @`` for the first,
#: ``http`` for the second, and for the third two spaces in a row or a whitespace character
#: other than a space (the replacement's ``\s`` is RE2's ``[\t\n\f\r ]``; five
#: ``contains`` find them in 0.06 CPU s where one regular expression took 0.14 on the 740
#: thousand texts of 1 M synthetic posts). On a text without any of these, a single space
#: replaced by a single space is the text itself. Most texts have none of them.
#:
#: ``trim`` removes Unicode space separators (category Zs) from both ends, decoding every
#: character to find the last: a fifth of a CPU second on those texts. The only ASCII one
#: is the space, so a text of ASCII characters only (as many bytes as characters) that
#: neither starts nor ends with a space is its own trim, and skips it (half of that time).
_TEXT_STEPS: Final = (
    r"lambda a: CASE WHEN starts_with(a, 'rt @') "
    r"THEN regexp_replace(a, '^rt @[a-z0-9_]+:?', '') ELSE a END",
    r"lambda b: CASE WHEN contains(b, 'http') "
    r"THEN regexp_replace(b, 'https?://\S+', ' ', 'g') ELSE b END",
    r"lambda c: CASE WHEN contains(c, '  ') OR contains(c, chr(9)) OR contains(c, chr(10)) "
    r"OR contains(c, chr(12)) OR contains(c, chr(13)) "
    r"THEN regexp_replace(c, '\s+', ' ', 'g') ELSE c END",
    r"lambda d: CASE WHEN starts_with(d, ' ') OR ends_with(d, ' ') OR strlen(d) <> length(d) "
    r"THEN trim(d) ELSE d END",
)


def _normalised_text(text: str) -> str:
    """SQL: the list of one normalised ``text`` (see :data:`_TEXT_STEPS`)."""
    sql = f"[lower({text})]"
    for step in _TEXT_STEPS:
        sql = f"list_transform({sql}, {step})"
    return sql


def _account() -> str:
    return "platform || ':' || account_id"


def _lowered(column: str) -> str:
    """The distinct lower-cased values of the list ``column`` of one post."""
    return f"list_distinct(list_transform({column}, lambda v: lower(v)))"


#: The posts whose text is an object: originals, replies, quotes and ads with a text (a
#: share repeats its original's text, which the ``shared_post`` object already covers).
_TEXT_POSTS: Final = "text IS NOT NULL AND coalesce(kind, 'original') <> 'share'"


def derive_actions_sql() -> str:
    """The one SQL statement that fills ``actions`` (readable on its own, for audits).

    Each (post, object type, object id) is one row. A post is one row of ``posts`` (the
    ingest moves repeated ``(platform, post_id)`` to the rejects), so repeats can only come
    from one post's lists (``#Vote #vote``, two spellings of one URL), and
    ``list_distinct`` removes them per post, where a ``DISTINCT`` over every row hashed
    all of them (a quarter of the step's time on the IRA tweets).

    The URL and text normalisations are computed inside ``unnest`` (the text's as a list
    of one element) rather than in a subquery filtered afterwards: DuckDB's optimiser
    copies a projected expression into every filter above it, so the filters on the
    object id (not empty, at least ``MIN_TEXT_CHARS`` characters) made it compute the
    text's regular expressions four times per post and the URL's three times per URL.
    What ``unnest`` returns is computed once.

    A text's object id depends on the text alone, so it is computed once per distinct text
    (``texts``) and joined to the posts that carry it: copies are common (197 thousand
    distinct among the 738 thousand texts of 1 M synthetic posts: 0.93 to 0.59 CPU s for
    the text objects), and where nearly every text differs the extra grouping and join
    cost little (2.1 to 2.3 CPU s for the 592 thousand texts of the IRA tweets, 97 %
    distinct). Likewise a post's only URL is normalised once per distinct URL (32
    thousand distinct among 226 thousand at 1 M synthetic posts; shared links are what
    co-sharing is about); posts with several URLs keep the per-post list, which removes
    repeats within the post without hashing every row.
    """
    acc = _account()
    return f"""
    INSERT INTO actions
    WITH texts AS (
        SELECT text, unnest(list_transform(
                   list_filter({_normalised_text("text")},
                               lambda t: length(t) >= {MIN_TEXT_CHARS}),
                   lambda t: md5(t))) AS object_id
        FROM (SELECT DISTINCT text FROM posts WHERE {_TEXT_POSTS})
    ),
    single_urls AS (
        SELECT u, unnest({_normalised_urls("[u]")}) AS object_id
        FROM (SELECT DISTINCT urls[1] AS u FROM posts WHERE len(urls) = 1)
    )
    SELECT account, object_type, object_id, created_at, platform, post_id FROM (
        SELECT {acc} AS account, 'shared_post' AS object_type,
               platform || ':' || shared_post_id AS object_id, created_at, platform, post_id
        FROM posts WHERE shared_post_id IS NOT NULL AND shared_post_id <> ''
      UNION ALL
        SELECT {acc}, 'reply_target', platform || ':' || reply_to_post_id, created_at,
               platform, post_id
        FROM posts WHERE reply_to_post_id IS NOT NULL AND reply_to_post_id <> ''
      UNION ALL
        SELECT {acc}, 'url', s.object_id, created_at, platform, post_id
        FROM posts JOIN single_urls s ON s.u = posts.urls[1] WHERE len(urls) = 1
      UNION ALL
        SELECT {acc}, 'url', unnest(list_distinct({_normalised_urls("urls")})), created_at,
               platform, post_id
        FROM posts WHERE len(urls) > 1
      UNION ALL
        SELECT {acc}, 'domain', unnest({_lowered("domains")}),
               created_at, platform, post_id
        FROM posts WHERE len(domains) > 0
      UNION ALL
        SELECT {acc}, 'hashtag', unnest({_lowered("hashtags")}),
               created_at, platform, post_id
        FROM posts WHERE len(hashtags) > 0
      UNION ALL
        SELECT {acc}, 'mention', unnest({_lowered("mentions")}),
               created_at, platform, post_id
        FROM posts WHERE len(mentions) > 0
      UNION ALL
        SELECT {acc}, 'image', unnest(list_distinct(media_hashes)), created_at, platform, post_id
        FROM posts WHERE len(media_hashes) > 0
      UNION ALL
        SELECT {acc}, 'text', t.object_id, created_at, platform, post_id
        FROM posts JOIN texts t USING (text) WHERE {_TEXT_POSTS}
    ) WHERE object_id IS NOT NULL AND object_id <> ''
    """


def derive_actions(workspace: Workspace) -> dict[str, int]:
    """Rebuild ``actions`` from ``posts`` atomically; return the count per object type.

    Existing ``text_cluster`` rows are kept: they come from the near-duplicate detector,
    not from ``posts`` directly.
    """
    run_id = workspace.start_run("derive", "actions", {"min_text_chars": MIN_TEXT_CHARS})
    with workspace.transaction() as con:
        con.execute("DELETE FROM actions WHERE object_type <> 'text_cluster'")
        con.execute(derive_actions_sql())
        rows = con.execute(
            "SELECT object_type, count(*) FROM actions GROUP BY 1 ORDER BY 1"
        ).fetchall()
    counts = {str(t): int(n) for t, n in rows}
    workspace.finish_run(
        run_id, input_rows=workspace.count("posts"), output_rows=sum(counts.values())
    )
    return counts


def normalize_url(url: str, workspace: Workspace) -> str:
    """Normalise one URL with the same SQL as :func:`derive_actions` (for tests and lookups)."""
    row = workspace.connection.execute(
        f"SELECT {_normalised_urls('[CAST(? AS VARCHAR)]')}[1]", [url]
    ).fetchone()
    return str(row[0]) if row else ""
