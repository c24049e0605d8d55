"""Times as real exports write them: each notation in a file shaped like the export that
writes it, and the impossible ones rejected with a reason.

Every readable case below names 2015-02-24 19:35:52 UTC (11:35:52 in California, PST).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cibwatch.ingest.times import MS_FROM, MS_UNTIL, TOO_LARGE_REASON
from cibwatch.workspace import Workspace

UTC_TIME = datetime(2015, 2, 24, 19, 35, 52)
V11 = "id_str,user.screen_name,created_at,full_text"
COORTWEET = "object_id,account_id,content_id,timestamp_share"
RSS = "guid,author,pubDate,title"
#: A v1.1 tweet CSV (tweepy/twarc1 dumps): id_str, user.screen_name, created_at, full_text.
V11_MAP = {
    "platform": "x",
    "columns": {
        "post_id": "id_str",
        "account_id": "user.screen_name",
        "created_at": "created_at",
        "text": "full_text",
    },
}
#: A CooRTweet-style share table: object_id, account_id, content_id, timestamp_share.
COORTWEET_MAP = {
    "platform": "x",
    "columns": {
        "post_id": "content_id",
        "account_id": "account_id",
        "created_at": "timestamp_share",
        "shared_post_id": "object_id",
    },
}
#: An RSS/e-mail style export: guid, author, pubDate, title.
RSS_MAP = {
    "platform": "web",
    "columns": {"post_id": "guid", "account_id": "author", "created_at": "pubDate"},
}


def _csv(path: Path, header: str, value: str, *, then: str | None = None) -> Path:
    """A one-row export writing ``value`` as its time (and a second row timed ``then``)."""
    rows = []
    for n, time in enumerate([value] if then is None else [value, then]):
        quoted = '"' + time.replace('"', '""') + '"'
        rows.append(
            {
                V11: f"56999224511309824{n},jane,{quoted},hi",
                COORTWEET: f"o1,a1,c{n},{quoted}",
                RSS: f"g{n},desk,{quoted},Headline",
            }[header]
        )
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # (what writes it, header, column map, the time as written)
    ("tweet CSV, ISO with a space before the offset", V11, V11_MAP, "2015-02-24 11:35:52 -0800"),
    ("tweet CSV, ISO with T and +0000", V11, V11_MAP, "2015-02-24T19:35:52+0000"),
    ("tweet CSV, ISO with T and +00:00", V11, V11_MAP, "2015-02-24T19:35:52+00:00"),
    ("API v2 style, ISO with Z and millis", V11, V11_MAP, "2015-02-24T19:35:52.000Z"),
    ("API v1.1 created_at", V11, V11_MAP, "Tue Feb 24 19:35:52 +0000 2015"),
    ("API v1.1 created_at, local offset", V11, V11_MAP, "Tue Feb 24 11:35:52 -0800 2015"),
    ("RSS pubDate, RFC 2822", RSS, RSS_MAP, "Tue, 24 Feb 2015 19:35:52 +0000"),
    ("RSS pubDate, RFC 2822 zone name", RSS, RSS_MAP, "Tue, 24 Feb 2015 11:35:52 PST"),
    ("RSS pubDate, RFC 2822 GMT", RSS, RSS_MAP, "Tue, 24 Feb 2015 19:35:52 GMT"),
    ("RFC 2822 without day name", RSS, RSS_MAP, "24 Feb 2015 19:35:52 +0000"),
    ("ISO with a zone name", V11, V11_MAP, "2015-02-24 11:35:52 PST"),
    ("ISO with UTC", V11, V11_MAP, "2015-02-24 19:35:52 UTC"),
    ("CooRTweet UNIX seconds", COORTWEET, COORTWEET_MAP, "1424806552"),
    ("UNIX milliseconds", COORTWEET, COORTWEET_MAP, "1424806552000"),
    ("UNIX seconds with a fraction", COORTWEET, COORTWEET_MAP, "1424806552.0"),
]


@pytest.mark.parametrize(("what", "header", "cmap", "value"), CASES, ids=[c[0] for c in CASES])
def test_notation_is_read_as_utc(
    tmp_path: Path, what: str, header: str, cmap: dict[str, Any], value: str
) -> None:
    path = _csv(tmp_path / "export.csv", header, value)
    with Workspace(":memory:") as ws:
        report = ws.ingest(path, column_map=cmap)
        assert report.rows_stored == 1, what
        assert ws.query("SELECT created_at FROM posts") == [{"created_at": UTC_TIME}]


REJECTED = [
    # (time as written, the reason the reject gives)
    ("2015-02-24 11:35:52 IST", "time zone name not in the table"),  # India? Israel? Ireland?
    ("2015-02-24 11:35:52 MSK", "time zone name not in the table"),  # +4 until 2014, then +3
    ("0001-01-01T00:00:00Z", "before 1990"),
    ("9999-12-31T23:59:59Z", "in the future"),
    ("2005-06-01T12:00:00Z", "before x existed (launched 2006-03-21)"),
    ("2015-02-30T12:00:00Z", "not a timestamp"),  # no 30 February
    ("1424806552000000", "number too large for a UNIX time"),  # microseconds
    ("0", "before 1990"),
    ("Tue Feb 24 19:35:52 2015", "not a timestamp"),  # v1.1 without its offset
]


@pytest.mark.parametrize(("value", "reason"), REJECTED, ids=[r[0] for r in REJECTED])
def test_impossible_or_ambiguous_times_are_rejected_with_a_reason(
    tmp_path: Path, value: str, reason: str
) -> None:
    # A good row after the bad one: a file storing nothing is refused as a whole.
    path = _csv(tmp_path / "export.csv", V11, value, then="2015-02-24T19:35:52Z")
    with Workspace(":memory:") as ws:
        report = ws.ingest(path, column_map=V11_MAP)
        assert (report.rows_stored, report.rows_rejected) == (1, 1)
        reject = ws.query("SELECT source_row, field, reason, raw FROM rejects")[0]
    assert reject["source_row"] == 2  # the line after the header
    assert reject["field"] == "created_at"
    assert reason in reject["reason"]
    assert reject["raw"] == value


def test_seconds_and_milliseconds_rule_at_its_bounds(tmp_path: Path) -> None:
    # Just below MS_FROM is seconds (year 5138: in the future, rejected); MS_FROM itself is
    # milliseconds (1973-03-03, before 1990, rejected); a post time in ms is read.
    assert (MS_FROM, MS_UNTIL) == (10**11, 10**14)
    lines = ["id,author,time", f"1,a,{MS_FROM - 1}", f"2,a,{MS_FROM}", "3,a,1424806552000"]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    cmap = {
        "platform": "x",
        "columns": {"post_id": "id", "account_id": "author", "created_at": "time"},
    }
    with Workspace(":memory:") as ws:
        ws.ingest(path, column_map=cmap, max_reject_share=1)
        assert ws.query("SELECT post_id, created_at FROM posts") == [
            {"post_id": "3", "created_at": UTC_TIME}
        ]
        reasons = [r["reason"] for r in ws.query("SELECT reason FROM rejects ORDER BY 1")]
    assert reasons == [
        "before 1990: not a real time",
        "in the future (after the ingest): not a real time",
    ]


def test_numeric_json_times_follow_the_same_rule(tmp_path: Path) -> None:
    # JSONL with numbers (not strings): seconds and milliseconds alike.
    path = tmp_path / "posts.jsonl"
    rows = [
        {"platform": "x", "post_id": "1", "account_id": "a", "created_at": 1424806552},
        {"platform": "x", "post_id": "2", "account_id": "a", "created_at": 1424806552000},
        {"platform": "x", "post_id": "3", "account_id": "a", "created_at": 1e23},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with Workspace(":memory:") as ws:
        report = ws.ingest(path, max_reject_share=1)
        assert (report.rows_stored, report.rows_rejected) == (2, 1)
        times = {r["created_at"] for r in ws.query("SELECT created_at FROM posts")}
        assert times == {UTC_TIME}
        assert ws.query("SELECT reason FROM rejects") == [{"reason": TOO_LARGE_REASON}]


def test_the_issue_export_with_a_space_before_the_offset_is_stored(tmp_path: Path) -> None:
    # The issue's case: every row of such an export was rejected "not a timestamp", exit 0.
    path = tmp_path / "tweets.csv"
    path.write_text(
        "platform,post_id,account_id,created_at,text\n"
        "x,569992245113098240,jane,2015-02-24 11:35:52 -0800,hello\n"
        "x,569992245113098241,jane,2015-02-24 11:36:10 -0800,again\n"
    )
    with Workspace(":memory:") as ws:
        assert ws.ingest(path).rows_stored == 2
