"""RecidivismDetector: assets that come back after a takedown.

Operators return with new assets that resemble the old ones. Given indicators from earlier
cases or imported files (the workspace's ``indicators`` table, see
:mod:`cibwatch.indicators.store`), this detector flags, among assets first seen after
``since`` (all assets when it is None):

- **domains**: the same registered domain again, or a new member of a known domain's family
  (its label is an anagram of a known label, or one edit away from it, on any suffix);
- **handles**: the same handle, or the same name with new numbers (``maria1987`` after
  ``maria2231``; stems of at least ``min_stem`` letters);
- **renamed pages**: an account whose platform id equals the id in a known profile link
  (``facebook.com/100012345``) but whose handle or name changed.

Each finding is an ``account`` evidence row naming the indicator (and the file and row it came
from) that the asset matches. Photo hashes and texts are not indicator types yet; reused photos
and repeated texts are found by the persona and near-duplicate detectors instead.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.domains.hosts import split_host
from cibwatch.errors import ConfigError
from cibwatch.indicators.store import stored_indicators

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

_PLATFORM_HOSTS = {
    "x.com": "x",
    "twitter.com": "x",
    "facebook.com": "facebook",
    "instagram.com": "instagram",
    "t.me": "telegram",
    "youtube.com": "youtube",
    "tiktok.com": "tiktok",
}


def _one_edit(a: str, b: str) -> bool:
    """Whether ``b`` is one insertion, deletion, substitution or transposition from ``a``."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _label(domain: str) -> str | None:
    try:
        return split_host(domain).label
    except ValueError:
        return None


def _profile(url: str) -> tuple[str, str] | None:
    """(platform, handle or id) of a profile link, or None."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    platform = _PLATFORM_HOSTS.get(host)
    segments = [s for s in parts.path.split("/") if s]
    if platform is None or not segments:
        return None
    if segments[0] == "profile.php":
        match = re.search(r"id=(\d+)", parts.query)
        return (platform, match.group(1)) if match else None
    return platform, segments[0].removeprefix("@").lower()


def _stem(handle: str) -> tuple[str, str]:
    match = re.fullmatch(r"([a-z_.]+?)(\d*)", handle.lower())
    return (match.group(1), match.group(2)) if match else (handle.lower(), "")


class RecidivismDetector(Detector):
    """Flag new assets that match indicators of earlier cases.

    >>> RecidivismDetector(since=None).get_params()
    {'since': None, 'min_stem': 4}
    """

    name: ClassVar[str] = "recidivism"
    signal: ClassVar[str] = "recidivism"

    def __init__(self, *, since: datetime | None = None, min_stem: int = 4) -> None:
        self.since = since
        self.min_stem = min_stem

    def _validate(self) -> None:
        if self.min_stem < 2:
            raise ConfigError(f"min_stem must be at least 2, got {self.min_stem}")

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        indicators = stored_indicators(workspace)
        rows: list[list[Any]] = []
        rows += self._domains(workspace, run_id, indicators)
        rows += self._accounts(workspace, run_id, indicators)
        if rows:
            workspace.connection.executemany(
                "INSERT INTO evidence VALUES (?, ?, ?, 'account', ?, NULL, 1.0, NULL, NULL, "
                "true, ?, ?, ?)",
                rows,
            )
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=len(indicators),
            evidence_rows=len(rows),
            significant_rows=len(rows),
            summary={"indicators": len(indicators), "findings": len(rows)},
        )

    def _since_sql(self) -> tuple[str, list[Any]]:
        return ("HAVING min(created_at) > ?", [self.since]) if self.since else ("", [])

    def _domains(self, ws: Workspace, run_id: int, indicators: list[Any]) -> list[list[Any]]:
        known: dict[str, Any] = {}
        by_letters: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for ind in indicators:
            if ind.type != "domain":
                continue
            label = _label(ind.value)
            known[ind.value] = ind
            if label and len(label) >= 3:
                by_letters["".join(sorted(label))].append((label, ind))
        if not known:
            return []
        having, params = self._since_sql()
        seen = ws.connection.execute(
            f"""
            SELECT d, min(created_at) AS first_seen,
                   list(DISTINCT platform || ':' || account_id ORDER BY 1)[1:50] AS accounts
            FROM (SELECT unnest(domains) AS d, created_at, platform, account_id FROM posts)
            GROUP BY d {having} ORDER BY d
            """,
            params,
        ).fetchall()
        rows = []
        for domain, first_seen, accounts in seen:
            match, how = None, ""
            if domain in known:
                match, how = known[domain], "is a known domain seen again"
            else:
                label = _label(domain)
                if label is None or len(label) < 3:
                    continue
                same_letters = by_letters.get("".join(sorted(label)), [])
                near = [
                    ind
                    for key, group in by_letters.items()
                    if abs(len(key) - len(label)) <= 1
                    for known_label, ind in group
                    if _one_edit(label, known_label)
                ]
                if same_letters:
                    match = same_letters[0][1]
                    how = f"scrambles the letters of the known {match.value}"
                elif near:
                    match, how = near[0], f"is one edit from the known {near[0].value}"
            if match is None:
                continue
            for account in accounts:
                rows.append(
                    [
                        run_id,
                        self.name,
                        self.signal,
                        account,
                        f"{account} linked {domain} (first seen {first_seen}), which {how}: "
                        f"indicator from {match.source or 'an import'} row {match.source_row}",
                        [f"domain:{domain}", f"indicator:domain:{match.value}"],
                        json.dumps(
                            {
                                "asset": domain,
                                "indicator": match.value,
                                "network": match.network_id,
                                "first_seen": str(first_seen),
                            }
                        ),
                    ]
                )
        return rows

    def _accounts(self, ws: Workspace, run_id: int, indicators: list[Any]) -> list[list[Any]]:
        handles: dict[tuple[str | None, str], Any] = {}
        stems: dict[tuple[str | None, str], list[tuple[str, Any]]] = defaultdict(list)
        ids: dict[tuple[str, str], Any] = {}
        for ind in indicators:
            if ind.type == "handle":
                platform, handle = None, ind.value.removeprefix("@").lower()
            elif ind.type == "account_url" and (profile := _profile(ind.value)):
                platform, handle = profile
                if handle.isdigit():
                    ids[(platform, handle)] = ind
                    continue
            else:
                continue
            handles[(platform, handle)] = ind
            stem, digits = _stem(handle)
            if len(stem) >= self.min_stem and digits:
                stems[(platform, stem)].append((digits, ind))
        if not (handles or ids):
            return []
        having, params = self._since_sql()
        accounts = ws.connection.execute(
            f"""
            SELECT a.platform, a.account_id, lower(a.handle), a.display_name
            FROM accounts a JOIN (
                SELECT platform, account_id FROM posts GROUP BY 1, 2 {having}
            ) p USING (platform, account_id)
            ORDER BY 1, 2
            """,
            params,
        ).fetchall()
        rows = []
        for platform, account_id, handle, name in accounts:
            key = f"{platform}:{account_id}"
            finding = None
            if (platform, str(account_id)) in ids:
                ind = ids[(platform, str(account_id))]
                finding = (
                    ind,
                    f"has the id of the known profile {ind.value}, now named "
                    f"{handle or name or 'without a name'}",
                )
            elif handle and ((platform, handle) in handles or (None, handle) in handles):
                ind = handles.get((platform, handle)) or handles[(None, handle)]
                finding = (ind, f"uses the known handle {handle}")
            elif handle:
                stem, digits = _stem(handle)
                candidates = stems.get((platform, stem), []) + stems.get((None, stem), [])
                other = [(d, ind) for d, ind in candidates if d != digits]
                if digits and other:
                    ind = other[0][1]
                    finding = (ind, f"is {handle}: the known handle {ind.value} with new numbers")
            if finding is None:
                continue
            ind, how = finding
            rows.append(
                [
                    run_id,
                    self.name,
                    self.signal,
                    key,
                    f"{key} {how}: indicator from {ind.source or 'an import'} row {ind.source_row}",
                    [f"account:{key}", f"indicator:{ind.type}:{ind.value}"],
                    json.dumps({"asset": key, "indicator": ind.value, "network": ind.network_id}),
                ]
            )
        return rows
