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

_URL_SQL: Final = r"""
rtrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
  regexp_replace(
    lower(regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:[Ww][Ww][Ww]\.)?([^/?#]*)', 1))
    || regexp_extract(u, '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^/?#]*([^#]*)', 1),
    '([?&])(utm_[^&=]*|fbclid|gclid)(=[^&]*)?', '\1', 'g'),
  '\?&+', '?'), '&&+', '&', 'g'), '/+\?', '?'), '[?&]+$', ''), '/')
"""

_TEXT_SQL: Final = r"""
trim(regexp_replace(
  regexp_replace(
    regexp_replace(lower(text), '^rt @[a-z0-9_]+:?', ''),
    'https?://\S+', ' ', 'g'),
  '\s+', ' ', 'g'))
"""


def _account() -> str:
    return "platform || ':' || account_id"


def derive_actions_sql() -> str:
    """The one SQL statement that fills ``actions`` (readable on its own, for audits).

    The URL and text normalisations are computed inside ``unnest`` (the text's as a list
    of one element) rather than in a subquery filtered afterwards: DuckDB's optimiser
    copies a projected expression into every filter above it, so the filters on the
    object id (not empty, at least ``MIN_TEXT_CHARS`` characters) made it compute the
    text's regular expressions four times per post and the URL's three times per URL,
    more than half of the step's time. What ``unnest`` returns is computed once.
    """
    acc = _account()
    return f"""
    INSERT INTO actions
    SELECT DISTINCT account, object_type, object_id, created_at, platform, post_id FROM (
        SELECT {acc} AS account, 'shared_post' AS object_type,
               platform || ':' || shared_post_id AS object_id, created_at, platform, post_id
        FROM posts WHERE shared_post_id IS NOT NULL AND shared_post_id <> ''
      UNION ALL
        SELECT {acc}, 'reply_target', platform || ':' || reply_to_post_id, created_at,
               platform, post_id
        FROM posts WHERE reply_to_post_id IS NOT NULL AND reply_to_post_id <> ''
      UNION ALL
        SELECT {acc}, 'url', unnest(list_transform(urls, lambda u: {_URL_SQL})), created_at,
               platform, post_id
        FROM posts WHERE len(urls) > 0
      UNION ALL
        SELECT {acc}, 'domain', lower(d), created_at, platform, post_id
        FROM (SELECT *, unnest(domains) AS d FROM posts WHERE len(domains) > 0)
        WHERE d IS NOT NULL AND d <> ''
      UNION ALL
        SELECT {acc}, 'hashtag', lower(h), created_at, platform, post_id
        FROM (SELECT *, unnest(hashtags) AS h FROM posts WHERE len(hashtags) > 0)
        WHERE h IS NOT NULL AND h <> ''
      UNION ALL
        SELECT {acc}, 'mention', lower(m), created_at, platform, post_id
        FROM (SELECT *, unnest(mentions) AS m FROM posts WHERE len(mentions) > 0)
        WHERE m IS NOT NULL AND m <> ''
      UNION ALL
        SELECT {acc}, 'image', i, created_at, platform, post_id
        FROM (SELECT *, unnest(media_hashes) AS i FROM posts WHERE len(media_hashes) > 0)
        WHERE i IS NOT NULL AND i <> ''
      UNION ALL
        SELECT {acc}, 'text', unnest(list_transform(
                   list_filter([{_TEXT_SQL}], lambda t: length(t) >= {MIN_TEXT_CHARS}),
                   lambda t: md5(t))), created_at, platform, post_id
        FROM posts WHERE text IS NOT NULL AND coalesce(kind, 'original') <> 'share'
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
    row = workspace.connection.execute(f"SELECT {_URL_SQL} FROM (SELECT ? AS u)", [url]).fetchone()
    return str(row[0]) if row else ""
