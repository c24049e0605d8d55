"""CrowdTangle and Meta Content Library CSV exports -> staged posts and accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from cibwatch.errors import IngestError
from cibwatch.ingest.base import IngestOptions
from cibwatch.ingest.crowdtangle import CrowdTangleIngester, crowdtangle_time, post_id_from_url
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES, Staged, fixture_id, head, other_fixtures, read_all

OWN = FIXTURES / "crowdtangle"
PAGE = "100000000000001"


def staged(path: Path, platform: str | None = None) -> Staged:
    return read_all(CrowdTangleIngester(), path, IngestOptions(platform=platform))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-09-01 12:34:56 EDT", "2021-09-01 12:34:56-04:00"),
        ("2021-12-01 09:00:00 EST", "2021-12-01 09:00:00-05:00"),
        ("2022-03-05 18:00:00 CET", "2022-03-05 18:00:00+01:00"),
        ("2022-07-05 18:00:00 cest", "2022-07-05 18:00:00+02:00"),
        ("2022-03-05T18:00:00+00:00", "2022-03-05T18:00:00+00:00"),  # already an offset
        (None, None),
    ],
)
def test_crowdtangle_time_uses_the_explicit_table(value: str | None, expected: str | None) -> None:
    assert crowdtangle_time(value) == expected


@pytest.mark.parametrize("zone", ["IST", "XYZT"])
def test_unknown_or_ambiguous_zone_is_refused(zone: str) -> None:
    with pytest.raises(ValueError, match=zone):
        crowdtangle_time(f"2021-09-01 12:34:56 {zone}")


@pytest.mark.parametrize(
    ("url", "account", "expected"),
    [
        (
            f"https://www.facebook.com/{PAGE}/posts/4000000000000001",
            PAGE,
            f"{PAGE}_4000000000000001",
        ),
        (
            "https://www.facebook.com/patriotdaily/photos/a.123/4000000000000002/?type=3",
            PAGE,
            f"{PAGE}_4000000000000002",
        ),
        ("https://www.instagram.com/p/CAbC_12-x/", "x", "CAbC_12-x"),
        ("https://example.com/whatever", PAGE, "https://example.com/whatever"),
    ],
)
def test_post_id_from_url(url: str, account: str, expected: str) -> None:
    assert post_id_from_url(url, account) == expected


def test_page_export_gives_posts_and_rejects() -> None:
    posts, _, rejects = staged(OWN / "pages.csv")
    assert [p["post_id"] for p in posts] == [f"{PAGE}_4000000000000001", f"{PAGE}_4000000000000002"]
    first = posts[0]
    assert first["platform"] == "facebook"
    assert first["account_id"] == PAGE
    assert first["created_at"] == "2021-09-01 12:34:56-04:00"  # EDT from the table
    assert first["urls"] == ["https://bit.ly/abc", "https://site-a.example/truth"]
    assert first["hashtags"] == ["Vote2021", "news"]  # read from the message
    assert (first["likes"], first["comments"], first["shares"]) == ("10", "2", "30")
    assert posts[1]["urls"] is None  # empty Link and Final Link
    # Line 4's zone XYZT is not in the table; line 5 has no URL to take a post id from.
    assert [(r.source_row, r.field) for r in rejects] == [(4, "Post Created"), (5, "URL")]
    assert "XYZT" in rejects[0].reason


def test_page_export_gives_the_page_as_account() -> None:
    _, accounts, _ = staged(OWN / "pages.csv")
    (page,) = accounts
    assert (page["account_id"], page["kind"], page["handle"]) == (PAGE, "page", "patriotdaily")
    assert page["display_name"] == "Patriot Daily"
    assert page["followers"] == "5400"  # Followers at Posting
    assert page["created_at"] == "2016-05-10 08:00:00-04:00"


def test_group_export_gives_a_group_account() -> None:
    posts, accounts, rejects = staged(OWN / "groups.csv")
    assert rejects == []
    assert posts[0]["post_id"] == "200000000000002_5000000000000001"  # from the permalink
    assert posts[0]["created_at"] == "2022-03-05 18:00:00+01:00"
    assert (accounts[0]["kind"], accounts[0]["display_name"]) == ("group", "Friends of the Coast")
    assert accounts[0]["handle"] is None  # groups have no user name


def test_content_library_export() -> None:
    posts, accounts, rejects = staged(OWN / "content_library.csv")
    assert rejects == []
    first, second = posts
    assert (first["post_id"], first["account_id"]) == ("700000000000001", "300000000000003")
    assert first["created_at"] == "2024-02-01T10:00:00+00:00"  # "+0000" given its colon
    assert first["urls"] == ["https://site-b.example/a"]
    assert first["hashtags"] == ["Peace"]
    assert (first["likes"], first["comments"], first["shares"]) == ("42", "3", "17")
    assert first["language"] == "en"
    assert second["urls"] is None
    kinds = {a["account_id"]: a["kind"] for a in accounts}
    assert kinds == {"300000000000003": "page", "400000000000004": "group"}


def test_content_library_with_underscored_names(tmp_path: Path) -> None:
    path = tmp_path / "mcl.csv"
    path.write_text(
        "id,creation_time,text,post_owner_id,post_owner_name,post_owner_type\n"
        "9,2024-01-01T00:00:00+0000,hi,77,Some Page,PAGE\n"
    )
    assert CrowdTangleIngester.sniff(path, path.read_bytes())
    posts, accounts, _ = staged(path)
    assert (posts[0]["account_id"], accounts[0]["display_name"]) == ("77", "Some Page")


def test_instagram_platform_from_url(tmp_path: Path) -> None:
    path = tmp_path / "ig.csv"
    path.write_text(
        "Account,User Name,Followers at Posting,Post Created,Type,Likes,Comments,Views,URL,"
        "Description\n"
        "Coast Pics,coastpics,300,2021-05-01 10:00:00 PDT,Photo,20,1,0,"
        "https://www.instagram.com/p/CPx1/,Sunset #coast\n"
    )
    posts, accounts, _ = staged(path)
    assert (posts[0]["platform"], posts[0]["post_id"]) == ("instagram", "CPx1")
    assert posts[0]["text"] == "Sunset #coast"
    assert (accounts[0]["kind"], accounts[0]["account_id"]) == ("account", "coastpics")


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "ct.csv"
    path.write_text("Page Name,User Name,URL,Message\nP,p,https://x,hi\n")
    with pytest.raises(IngestError) as info:
        list(CrowdTangleIngester().read(path, IngestOptions()))
    assert info.value.field == "Post Created"
    assert str(path) in str(info.value)


@pytest.mark.parametrize("path", sorted(OWN.glob("*.csv")), ids=lambda p: p.name)
def test_sniff_recognises_own_fixtures(path: Path) -> None:
    assert CrowdTangleIngester.sniff(path, head(path))


@pytest.mark.parametrize("path", other_fixtures("crowdtangle"), ids=fixture_id)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not CrowdTangleIngester.sniff(path, head(path))


def test_end_to_end_through_the_workspace() -> None:
    with Workspace(":memory:") as ws:
        report = ws.ingest(OWN / "pages.csv")
        assert report.format == "crowdtangle"
        assert ws.count("posts") == 2
        assert report.rows_rejected == 2
        row = ws.query(f"SELECT created_at FROM posts WHERE post_id = '{PAGE}_4000000000000001'")
        assert str(row[0]["created_at"]) == "2021-09-01 16:34:56"  # 12:34:56 EDT in UTC
        page = ws.query("SELECT kind, followers FROM accounts")
        assert page == [{"kind": "page", "followers": 5400}]


def test_end_to_end_content_library() -> None:
    with Workspace(":memory:") as ws:
        ws.ingest(OWN / "content_library.csv")
        rows = ws.query("SELECT post_id, likes, domains FROM posts ORDER BY post_id")
        assert rows[0] == {"post_id": "700000000000001", "likes": 42, "domains": ["site-b.example"]}
        assert ws.count("accounts") == 2
