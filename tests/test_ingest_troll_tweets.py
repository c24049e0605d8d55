"""FiveThirtyEight russian-troll-tweets CSVs -> staged posts and accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from cibwatch.errors import IngestError
from cibwatch.ingest.base import IngestOptions
from cibwatch.ingest.troll_tweets import TrollTweetsIngester, iso_publish_date
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES, Staged, fixture_id, head, other_fixtures, read_all

OWN = FIXTURES / "troll_tweets"
FILE = OWN / "IRAhandle_tweets_1.csv"


def staged(path: Path) -> Staged:
    return read_all(TrollTweetsIngester(), path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10/1/2017 19:58", "2017-10-01 19:58:00"),  # month first, as the dataset writes it
        ("1/15/2016 7:05", "2016-01-15 07:05:00"),
        ("12/31/2017 23:59:30", "2017-12-31 23:59:30"),
        ("2017-10-01 19:58", "2017-10-01 19:58"),  # anything else is left for the loader
        ("", None),
    ],
)
def test_iso_publish_date_keeps_times_naive(value: str, expected: str | None) -> None:
    assert iso_publish_date(value) == expected


def test_rows_become_posts() -> None:
    posts, _, rejects = staged(FILE)
    original, retweet, quote = posts
    # Row 1: tweet_id given; alt_external_id is preferred over the rounded "9.06E+17".
    assert original["post_id"] == "914580356430536705"
    assert original["account_id"] == "906000000000000001"
    assert original["created_at"] == "2017-10-01 19:58:00"  # no zone added: --assume-tz
    assert original["kind"] == "original"
    assert original["urls"] == ["https://localnews.example/road"]
    assert original["language"] == "English"
    # Row 2: post_type RETWEET -> share.
    assert retweet["kind"] == "share"
    assert retweet["text"] == 'RT @someone: So sad, "again"'
    # Row 3: no tweet_id, so the id comes from article_url; QUOTE_TWEET -> quote; two urls.
    assert (quote["post_id"], quote["kind"]) == ("688000000000000001", "quote")
    assert quote["account_id"] == "2500000001"  # no alt id: external_author_id
    assert quote["urls"] == ["https://twitter.com/other/status/1", "http://blog.example/p?id=3"]
    # Row 4 has neither tweet_id nor a status link.
    assert [(r.source_row, r.field) for r in rejects] == [(4, "tweet_id")]


def test_accounts_take_the_latest_counts_of_the_batch() -> None:
    _, accounts, _ = staged(FILE)
    by_id = {a["account_id"]: a for a in accounts}
    assert set(by_id) == {"906000000000000001", "2500000001"}
    # FAKE_LOCALNEWS had 9636 then 9640 followers: the later row (2) describes it.
    assert by_id["906000000000000001"]["followers"] == "9640"
    assert by_id["906000000000000001"]["handle"] == "FAKE_LOCALNEWS"


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "trolls.csv"
    path.write_text("external_author_id,author,content,account_category\n1,a,b,c\n")
    with pytest.raises(IngestError) as info:
        list(TrollTweetsIngester().read(path, IngestOptions()))
    assert info.value.field == "publish_date"
    assert str(path) in str(info.value)


def test_sniff_recognises_own_fixture() -> None:
    assert TrollTweetsIngester.sniff(FILE, head(FILE))


@pytest.mark.parametrize("path", other_fixtures("troll_tweets"), ids=fixture_id)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not TrollTweetsIngester.sniff(path, head(path))


def test_end_to_end_requires_assume_tz() -> None:
    with Workspace(":memory:") as ws:
        with pytest.raises(IngestError, match="assume-tz"):
            ws.ingest(FILE)
        assert ws.count("posts") == 0


def test_end_to_end_with_assume_tz() -> None:
    with Workspace(":memory:") as ws:
        report = ws.ingest(FILE, assume_tz="America/New_York")
        assert report.format == "troll_tweets"
        assert ws.count("posts") == 3
        assert report.rows_rejected == 1
        row = ws.query("SELECT created_at FROM posts WHERE post_id = '914580356430536705'")
        # 19:58 EDT (UTC-4) on 1 October 2017 is 23:58 UTC.
        assert str(row[0]["created_at"]) == "2017-10-01 23:58:00"
