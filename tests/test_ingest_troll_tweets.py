"""FiveThirtyEight russian-troll-tweets CSVs -> staged posts and accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from cibwatch.errors import IngestError
from cibwatch.ingest.base import IngestOptions, Notice, StagedBatch
from cibwatch.ingest.entities import DERIVED_PREFIX, domains
from cibwatch.ingest.registry import detect_format
from cibwatch.ingest.troll_tweets import (
    TrollAuthorsIngester,
    TrollTweetsIngester,
    iso_publish_date,
)
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES, Staged, fixture_id, head, other_fixtures, read_all

OWN = FIXTURES / "troll_tweets"
FILE = OWN / "IRAhandle_tweets_1.csv"
BY_AUTHOR = OWN / "by_author_tweets.csv"
AUTHORS = OWN / "by_author_authors.csv"


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
    original, retweet, quote, no_id = posts
    # Row 1: tweet_id given; alt_external_id is preferred over the rounded "9.06E+17".
    assert original["post_id"] == "914580356430536705"
    assert original["account_id"] == "906000000000000001"
    assert original["created_at"] == "2017-10-01 19:58:00"  # no zone added: --assume-tz
    assert original["kind"] == "original"
    # The expanded link of tco1_step1 first, then the t.co link as the text writes it; t.co
    # says nothing about where a link leads, so it is no domain.
    assert original["urls"] == ["https://localnews.example/road", "https://t.co/aa"]
    assert original["domains"] == ["localnews.example"]
    assert original["language"] == "English"
    # Row 2: post_type RETWEET -> share of @someone's text.
    assert retweet["kind"] == "share"
    assert retweet["text"] == 'RT @someone: So sad, "again"'
    assert retweet["shared_account_id"] == "someone"
    assert retweet["shared_post_id"].startswith(DERIVED_PREFIX + "rt:someone:")
    assert retweet["mentions"] == ["someone"]
    # Row 3: no tweet_id, so the id comes from article_url; QUOTE_TWEET -> quote.
    assert (quote["post_id"], quote["kind"]) == ("688000000000000001", "quote")
    assert quote["account_id"] == "2500000001"  # no alt id: external_author_id
    assert quote["urls"] == [
        "https://twitter.com/other/status/1",
        "http://blog.example/p?id=3",
        "https://t.co/x",
        "https://t.co/y",
    ]
    # Row 4 has neither tweet_id nor a status link: an id derived from author, time, text.
    assert no_id["post_id"].startswith(DERIVED_PREFIX)
    assert rejects == []


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
        assert ws.count("posts") == 4
        assert report.rows_rejected == 0
        row = ws.query("SELECT created_at FROM posts WHERE post_id = '914580356430536705'")
        # 19:58 EDT (UTC-4) on 1 October 2017 is 23:58 UTC.
        assert str(row[0]["created_at"]) == "2017-10-01 23:58:00"


def test_rounded_external_ids_are_keyed_on_the_handle(tmp_path: Path) -> None:
    # Three handles; two share the rounded id 9.06E+17 and must stay two accounts.
    path = tmp_path / "trolls.csv"
    header = FILE.read_text().splitlines()[0]
    rows = [
        "9.06E+17,AAA_one,hello,US,English,10/1/2017 19:58,,1,2,3,,x,0,RightTroll,0,,,,,,",
        "9.06E+17,BBB_two,hello,US,English,10/1/2017 19:59,,1,2,3,,x,0,RightTroll,0,,,,,,",
        "2500000001,CCC,hello,US,English,10/1/2017 20:00,,1,2,3,,x,0,RightTroll,0,,,,,,",
    ]
    path.write_text("\n".join([header, *rows]) + "\n")
    items = list(TrollTweetsIngester().read(path, IngestOptions()))
    notices = [i.message for i in items if isinstance(i, Notice)]
    assert len(notices) == 1 and "2 handles share 1 rounded value (" in notices[0]
    posts, _, _ = staged(path)
    assert [p["account_id"] for p in posts] == ["aaa_one", "bbb_two", "2500000001"]
    with Workspace(":memory:") as ws:
        report = ws.ingest(path, assume_tz="UTC")
        assert report.notices == notices
        assert ws.count("accounts") == 3


def test_by_author_layout_is_detected_and_read_as_utc() -> None:
    assert detect_format(BY_AUTHOR) is TrollTweetsIngester
    assert detect_format(AUTHORS) is TrollAuthorsIngester
    with Workspace(":memory:") as ws:
        report = ws.ingest(BY_AUTHOR)  # documented as UTC: no --assume-tz needed
        # Row 7 repeats row 3 exactly (author, time, text): one derived id, one duplicate.
        assert (report.rows_stored - report.accounts_stored, report.rows_duplicate) == (6, 1)
        first = ws.query("SELECT * FROM posts WHERE source_row = 2")[0]
        assert str(first["created_at"]) == "2016-11-08 13:05:00"
        assert first["post_id"].startswith(DERIVED_PREFIX)
        assert first["account_id"] == "ten_gop"  # the handle, case-folded
        assert first["hashtags"] == ["maga"]
        assert first["mentions"] == ["realdonaldtrump"]
        assert first["urls"] == ["https://t.co/AbC123"]
        counts = ws.derive_actions()
        assert counts["shared_post"] == 5
        shared = ws.query(
            "SELECT object_id, list(account ORDER BY account) AS accounts FROM actions "
            "WHERE object_type = 'shared_post' GROUP BY 1 ORDER BY 1"
        )
    groups = sorted(tuple(row["accounts"]) for row in shared)
    # Rows 2-3: post_type R with the retweeted text only (white space differs): one object.
    # Rows 4-5: "RT @TEN_GOP:" and "RT @ten_gop:" of the same text: one object.
    # Row 6: an MT of a different text: its own object.
    assert groups == [
        ("x:jenn_abrams",),
        ("x:jenn_abrams", "x:pamela_moore13"),
        ("x:jenn_abrams", "x:pamela_moore13"),
    ]


def test_by_author_assume_tz_overrides_utc() -> None:
    with Workspace(":memory:") as ws:
        ws.ingest(BY_AUTHOR, assume_tz="America/New_York")
        first = ws.query("SELECT created_at FROM posts WHERE source_row = 2")[0]
        assert str(first["created_at"]) == "2016-11-08 18:05:00"


def test_authors_file_becomes_accounts_and_reports_rounded_ids() -> None:
    with Workspace(":memory:") as ws:
        report = ws.ingest(AUTHORS)
        assert (report.rows_read, report.rows_stored, report.accounts_stored) == (3, 3, 3)
        assert len(report.notices) == 1
        assert "2 handles share 1 rounded value (" in report.notices[0]
        handles = [r["handle"] for r in ws.query("SELECT handle FROM accounts ORDER BY 1")]
        assert handles == ["Pamela_Moore13", "TEN_GOP", "jenn_abrams"]
        params = ws.query("SELECT params FROM ingests")[0]["params"]
        assert "keyed on their handle" in str(params)


def test_authors_then_tweets_share_account_ids() -> None:
    with Workspace(":memory:") as ws:
        ws.ingest(AUTHORS)
        ws.ingest(BY_AUTHOR)
        assert ws.count("accounts") == 3


def test_batches_are_cut_every_batch_rows_posts_whatever_the_csv_tables() -> None:
    # The by-author fixture has 7 tweets by 3 handles. With batch_rows=3 the loader gets
    # posts 3, 3, 1, each followed by the accounts of that batch only (latest row of each).
    items = list(TrollTweetsIngester().read(BY_AUTHOR, IngestOptions(batch_rows=3)))
    staged_batches = [i for i in items if isinstance(i, StagedBatch)]
    shape = [(s.target, s.batch.num_rows) for s in staged_batches]
    assert [n for t, n in shape if t == "posts"] == [3, 3, 1]
    assert [t for t, _ in shape] == ["posts", "accounts"] * 3
    # the same posts as one batch, in the same order
    whole, _, _ = staged(BY_AUTHOR)
    cut = [row for s in staged_batches if s.target == "posts" for row in s.batch.to_pylist()]
    assert cut == whole


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        (["https://t.co/a", "HTTP://T.CO/b", "https://t.co"], []),  # t.co says nothing
        (["https://t.co.example/x", "http://t.com/y"], ["t.co.example", "t.com"]),
        (["https://www.t.co/a", "https://WWW.News.example/a"], ["news.example"]),
    ],
)
def test_domains_leave_out_t_co_however_written(links: list[str], expected: list[str]) -> None:
    assert domains(links) == expected
