"""Twitter/X information-operations archive CSVs -> staged posts and accounts."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibwatch.errors import IngestError
from cibwatch.ingest.base import IngestOptions
from cibwatch.ingest.io_archive import IOArchiveIngester, parse_list_cell
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES, Staged, fixture_id, head, other_fixtures, read_all

OWN = FIXTURES / "io_archive"
HASHED = "b3a8c98f9397a32802e7512206d9b4f99a7cde348960f9d7dce5f29d7f41214b"


def staged(path: Path, batch_rows: int = 1000) -> Staged:
    return read_all(IOArchiveIngester(), path, IngestOptions(batch_rows=batch_rows))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("[Election2019, Truth]", ["Election2019", "Truth"]),
        (
            "['https://a.example/x', 'https://b.example/y']",
            ["https://a.example/x", "https://b.example/y"],
        ),
        ("[]", []),
        ("", None),
        (None, None),
        ("single", ["single"]),
        (f"[{HASHED}]", [HASHED]),
    ],
)
def test_parse_list_cell(cell: str | None, expected: list[str] | None) -> None:
    assert parse_list_cell(cell) == expected


@given(st.lists(st.text(alphabet="abcxyz019_", min_size=1, max_size=12), max_size=5))
def test_parse_list_cell_reads_both_list_spellings(values: list[str]) -> None:
    quoted = "[" + ", ".join(f"'{v}'" for v in values) + "]"
    unquoted = "[" + ", ".join(values) + "]"
    assert parse_list_cell(quoted) == values
    assert parse_list_cell(unquoted) == values


def test_tweets_file_gives_posts() -> None:
    posts, _, rejects = staged(OWN / "tweets.csv")
    assert rejects == []
    first, retweet, quote = posts
    # Row 1: an original with unquoted hashtags and a quoted url list; time gets +00:00
    # because the archive documents tweet_time as UTC.
    assert first["post_id"] == "1100000000000000001"
    assert first["account_id"] == HASHED
    assert first["created_at"] == "2019-02-01 08:15+00:00"
    assert first["kind"] == "original"
    assert first["hashtags"] == ["Election2019", "Truth"]
    assert first["urls"] == ["https://site-a.example/vote"]
    assert (first["likes"], first["shares"], first["comments"]) == ("5", "2", "1")
    # Row 2: is_retweet "True" -> share of 1099999999999999999 by the unhashed 987654321.
    assert (retweet["kind"], retweet["shared_post_id"], retweet["shared_account_id"]) == (
        "share",
        "1099999999999999999",
        "987654321",
    )
    assert retweet["text"] == "RT @someone: the other side lies\nagain"  # multi-line cell
    assert retweet["mentions"] == ["987654321"]
    # Row 3: quotes 1099999999999999990 and also replies to row 1's tweet: kind quote,
    # reply target kept.
    assert (quote["kind"], quote["shared_post_id"], quote["reply_to_post_id"]) == (
        "quote",
        "1099999999999999990",
        "1100000000000000001",
    )
    assert quote["hashtags"] is None  # empty cell
    assert quote["mentions"] == [HASHED]
    assert [p["source_row"] for p in posts] == [2, 3, 5]  # physical lines


def test_tweets_file_gives_one_account_per_user_per_batch() -> None:
    _, accounts, _ = staged(OWN / "tweets.csv")
    by_id = {a["account_id"]: a for a in accounts}
    assert len(accounts) == 2  # the hashed user's two rows give one account
    hashed = by_id[HASHED]
    assert (hashed["claimed_location"], hashed["bio"]) == ("Lagos", "Patriot. Truth first.")
    assert (hashed["followers"], hashed["following"]) == ("321", "45")
    assert hashed["created_at"] == "2017-03-09 00:00:00+00:00"  # a UTC date made a time
    assert by_id["987654321"]["handle"] == "real_name_87"


def test_users_file_gives_accounts_only() -> None:
    posts, accounts, _ = staged(OWN / "users.csv")
    assert posts == []
    assert [a["account_id"] for a in accounts] == [HASHED, "987654321"]
    assert accounts[1]["url"] == "https://blog.example"
    assert accounts[1]["language"] == "fr"


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_text("tweetid,userid,tweet_text\n1,2,hello\n")
    with pytest.raises(IngestError) as info:
        list(IOArchiveIngester().read(path, IngestOptions()))
    assert info.value.field == "tweet_time"
    assert str(path) in str(info.value)


def test_row_with_too_many_cells_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_text("tweetid,userid,tweet_time,tweet_text\n1,u,2019-01-01 00:00,a\n2,u,x,b,EXTRA\n")
    posts, _, rejects = staged(path)
    assert [p["post_id"] for p in posts] == ["1"]
    assert [r.source_row for r in rejects] == [3]


@pytest.mark.parametrize("path", sorted(OWN.glob("*.csv")), ids=lambda p: p.name)
def test_sniff_recognises_own_fixtures(path: Path) -> None:
    assert IOArchiveIngester.sniff(path, head(path))


@pytest.mark.parametrize("path", other_fixtures("io_archive"), ids=fixture_id)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not IOArchiveIngester.sniff(path, head(path))


def test_gzipped_archive_is_sniffed_and_read(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv.gz"
    path.write_bytes(gzip.compress((OWN / "tweets.csv").read_bytes()))
    assert IOArchiveIngester.sniff(path, head(path))
    posts, accounts, _ = staged(path)
    assert (len(posts), len(accounts)) == (3, 2)


def test_end_to_end_through_the_workspace() -> None:
    with Workspace(":memory:") as ws:
        report = ws.ingest(OWN / "tweets.csv")
        assert report.format == "io_archive"
        assert ws.count("posts") == 3
        assert ws.count("accounts") == 2
        row = ws.query(
            "SELECT created_at, domains FROM posts WHERE post_id = '1100000000000000003'"
        )
        assert str(row[0]["created_at"]) == "2019-02-02 23:59:00"
        assert row[0]["domains"] == ["site-a.example", "other.example"]
        ws.ingest(OWN / "users.csv")
        assert ws.count("accounts") == 2  # same users: updated, not duplicated
