"""ProfileLinkDetector: an account's profile names another account as its own.

Takedown teams tie accounts that never post to a network through what the platforms' exports
show about the profile itself. The plainest such trace is a *declared link*: the profile's
link field (``accounts.url``: Instagram's linked Facebook profile or page, X's website field,
a Telegram channel's link) is the profile URL of another account in the data. Takedown
reports count a network's assets whether or not they posted (Instagram accounts among them),
and for an asset that never posts, a trace of ownership like this is what public data holds.

A link URL is read as ``host/handle`` (``facebook.com/anna.weber3``, ``x.com/@name``,
``t.me/channel``), ``facebook.com/profile.php?id=N`` or ``facebook.com/groups/<id>``; the host
names the platform (:data:`PROFILE_HOSTS`) and the handle or id is looked up among that
platform's accounts, case-insensitively. A URL that names no account in the data, or more
than one, links nothing.

Every resolved link becomes one ``pair`` row (``subject_a < subject_b``) with:

- ``strength`` = 1 for the declared link, plus one for each corroborating cue: the same
  profile photo hash, the same display name, and a link declared in both directions;
- ``significant`` = true, unless the linked profile is named by more than
  ``max_link_accounts`` accounts: then it is a popular destination (a news page, a
  celebrity) that strangers point at, not an account of the same owner, and the row is kept
  with ``significant`` false and that reason;
- ``details``: the linking and linked account, the URL, how it was resolved, the cues, and
  the source file and row of both accounts, so every link can be checked in the input.

Findings are deterministic (``p_value``/``q_value`` NULL). A declared link says who owns an
asset, not that it coordinated: network assembly therefore never builds a network from these
rows; it only *attaches* an account that is in no network to the network whose member it is
linked to (see :mod:`cibwatch.networks`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar, Final

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.detectors.rows import write_evidence
from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: Profile URL hosts (without ``www.``/``m.``/``mobile.``) and the platform they name.
PROFILE_HOSTS: Final[dict[str, str]] = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "x.com": "x",
    "twitter.com": "x",
    "t.me": "telegram",
    "telegram.me": "telegram",
}
_CUE_WORDS: Final = {
    "same_photo": "the same profile photo",
    "same_name": "the same display name",
    "mutual": "a link back",
}


class ProfileLinkDetector(Detector):
    """Link accounts whose profile's link field names another account in the data.

    >>> ProfileLinkDetector().get_params()
    {'max_link_accounts': 5}
    """

    name: ClassVar[str] = "profile_links"
    signal: ClassVar[str] = "profile_link"

    def __init__(self, *, max_link_accounts: int = 5) -> None:
        self.max_link_accounts = max_link_accounts

    def _validate(self) -> None:
        if self.max_link_accounts < 1:
            raise ConfigError(f"max_link_accounts must be at least 1, got {self.max_link_accounts}")

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        con = workspace.connection
        con.execute("CREATE OR REPLACE TEMP TABLE _profile_hosts (host VARCHAR, platform VARCHAR)")
        con.executemany("INSERT INTO _profile_hosts VALUES (?, ?)", list(PROFILE_HOSTS.items()))
        links = con.execute(
            """
            WITH parsed AS (
                SELECT platform, account_id, url, source_file, source_row,
                       regexp_replace(lower(regexp_extract(url,
                           '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?([^/?#:]+)', 1)),
                           '^(www|m|mobile|web)\\.', '') AS host,
                       regexp_extract(url,
                           '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^/?#]+/+@?([^/?#]+)', 1) AS first,
                       regexp_extract(url,
                           '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^/?#]+/+[^/?#]+/+([^/?#]+)', 1)
                           AS second,
                       regexp_extract(url, '[?&]id=([0-9]+)', 1) AS query_id
                FROM accounts WHERE url IS NOT NULL AND url <> ''
            ),
            wanted AS (
                SELECT p.platform || ':' || p.account_id AS source, p.url,
                       p.source_file, p.source_row, h.platform AS target_platform,
                       CASE
                           WHEN lower(p.first) = 'profile.php' AND p.query_id <> ''
                               THEN p.query_id
                           WHEN lower(p.first) IN ('groups', 'pages') AND p.second <> ''
                               THEN p.second
                           ELSE p.first
                       END AS name
                FROM parsed p JOIN _profile_hosts h USING (host)
                WHERE p.first <> ''
            ),
            candidates AS (  -- two equi-joins, not one OR join: both stay hash joins
                SELECT w.*, a.platform || ':' || a.account_id AS target, 'handle' AS resolved_by,
                       a.source_file AS target_file, a.source_row AS target_row
                FROM wanted w JOIN accounts a
                  ON a.platform = w.target_platform AND lower(a.handle) = lower(w.name)
                UNION ALL
                SELECT w.*, a.platform || ':' || a.account_id AS target, 'id' AS resolved_by,
                       a.source_file AS target_file, a.source_row AS target_row
                FROM wanted w JOIN accounts a
                  ON a.platform = w.target_platform AND a.account_id = w.name
            ),
            matched AS (  -- an account matched by id and by handle is one match (by id)
                SELECT source, url, source_file, source_row, name, target,
                       max(resolved_by) AS resolved_by,
                       any_value(target_file) AS target_file, any_value(target_row) AS target_row
                FROM candidates GROUP BY ALL
            ),
            unique_links AS (
                SELECT * FROM matched
                WHERE source <> target
                QUALIFY count(*) OVER (PARTITION BY source, url) = 1
            )
            SELECT l.source, l.target, l.url, l.resolved_by, l.source_file, l.source_row,
                   l.target_file, l.target_row,
                   count(*) OVER (PARTITION BY l.target) AS linked_by,
                   s.profile_image_hash IS NOT NULL
                       AND s.profile_image_hash = t.profile_image_hash AS same_photo,
                   s.display_name IS NOT NULL
                       AND lower(trim(s.display_name)) = lower(trim(t.display_name))
                       AS same_name,
                   EXISTS (SELECT 1 FROM unique_links b
                           WHERE b.source = l.target AND b.target = l.source) AS mutual
            FROM unique_links l
            JOIN accounts s ON s.platform || ':' || s.account_id = l.source
            JOIN accounts t ON t.platform || ':' || t.account_id = l.target
            ORDER BY l.source, l.target
            """
        ).fetchall()
        con.execute("DROP TABLE IF EXISTS _profile_hosts")
        rows = []
        seen: set[tuple[str, str]] = set()
        significant = 0
        for (
            source,
            target,
            url,
            resolved_by,
            source_file,
            source_row,
            target_file,
            target_row,
            linked_by,
            same_photo,
            same_name,
            mutual,
        ) in links:
            a, b = sorted((str(source), str(target)))
            if (a, b) in seen:  # a mutual link is one pair, written once
                continue
            seen.add((a, b))
            cues = [
                cue
                for cue, present in (
                    ("same_photo", same_photo),
                    ("same_name", same_name),
                    ("mutual", mutual),
                )
                if present
            ]
            popular = int(linked_by) > self.max_link_accounts
            significant += not popular
            also = f"; also {', '.join(_CUE_WORDS[c] for c in cues)}" if cues else ""
            why = (
                f"; but {int(linked_by)} accounts link to {target}, more than "
                f"{self.max_link_accounts}: a popular destination, not one owner's account"
                if popular
                else ""
            )
            rows.append(
                [
                    run_id,
                    self.name,
                    self.signal,
                    "pair",
                    a,
                    b,
                    float(1 + len(cues)),
                    None,
                    None,
                    not popular,
                    f"{source}'s profile links to {target} ({url}, matched by {resolved_by})"
                    f"{also}{why}",
                    [f"url:{url}", f"account:{source}", f"account:{target}"],
                    json.dumps(
                        {
                            "linking_account": source,
                            "linked_account": target,
                            "url": url,
                            "resolved_by": resolved_by,
                            "cues": cues,
                            "linked_by": int(linked_by),
                            "rows": {
                                str(source): {"file": source_file, "row": source_row},
                                str(target): {"file": target_file, "row": target_row},
                            },
                        }
                    ),
                ]
            )
        write_evidence(con, rows)
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=workspace.count("accounts"),
            evidence_rows=len(rows),
            significant_rows=significant,
            summary={"links": len(rows), "popular_destinations": len(rows) - significant},
        )
