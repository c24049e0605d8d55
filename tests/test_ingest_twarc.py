"""twarc2 JSONL (API v2 pages and flattened tweets) -> staged posts and accounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cibwatch.ingest.base import IngestOptions
from cibwatch.ingest.twarc import TwarcIngester
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES, Staged, fixture_id, head, other_fixtures, read_all

OWN = FIXTURES / "twarc"


def staged(path: Path, batch_rows: int = 1000) -> Staged:
    return read_all(TwarcIngester(), path, IngestOptions(batch_rows=batch_rows))


def test_pages_give_posts_with_kinds_and_shared_authors() -> None:
    posts, _, _ = staged(OWN / "search.jsonl")
    by_id = {p["post_id"]: p for p in posts}
    # Four tweets in the two pages' data; the referenced 2009 (only in includes) is not a post.
    assert sorted(by_id) == ["2001", "2002", "2003", "2004"]
    original, retweet, quote, reply = (by_id[i] for i in ("2001", "2002", "2003", "2004"))
    assert original["kind"] == "original"
    assert original["urls"] == ["https://alpha-news.example/story/1"]  # expanded_url, not t.co
    assert original["hashtags"] == ["Example"]
    assert original["mentions"] == ["beta_voice"]
    assert (original["likes"], original["shares"], original["comments"], original["views"]) == (
        10,
        3,
        1,
        500,
    )
    # 2002 retweets 2001, whose author 1001 is found in the page's includes.tweets.
    assert (retweet["kind"], retweet["shared_post_id"], retweet["shared_account_id"]) == (
        "share",
        "2001",
        "1001",
    )
    # 2003 quotes 2009 by 1009 (from page 2's includes.tweets).
    assert (quote["kind"], quote["shared_post_id"], quote["shared_account_id"]) == (
        "quote",
        "2009",
        "1009",
    )
    assert (reply["kind"], reply["reply_to_post_id"], reply["shared_post_id"]) == (
        "reply",
        "2003",
        None,
    )
    # source_row is the line (response page) the tweet came from.
    assert [by_id[i]["source_row"] for i in ("2001", "2002", "2003", "2004")] == [1, 1, 2, 2]


def test_pages_give_users_as_accounts() -> None:
    _, accounts, _ = staged(OWN / "search.jsonl")
    by_id = {a["account_id"]: a for a in accounts}
    assert sorted(by_id) == ["1001", "1002", "1003", "1009"]
    alpha = by_id["1001"]
    assert alpha["handle"] == "alpha_news"
    assert alpha["display_name"] == "Alpha News"
    assert alpha["claimed_location"] == "Springfield"
    assert alpha["bio"] == "Independent news. #truth"
    assert (alpha["followers"], alpha["following"]) == (1200, 80)
    # The profile link is the expanded entities.url, not the t.co short link.
    assert alpha["url"] == "https://alpha-news.example"
    assert alpha["created_at"] == "2020-01-05T08:00:00.000Z"


def test_broken_line_is_rejected_with_its_line_number() -> None:
    posts, _, rejects = staged(OWN / "search.jsonl")
    assert len(rejects) == 1
    assert rejects[0].source_row == 3
    assert rejects[0].reason.startswith("invalid JSON")
    assert len(posts) == 4  # the good lines are still read


def test_flattened_tweets_use_inlined_author_and_reference() -> None:
    posts, accounts, rejects = staged(OWN / "flattened.jsonl")
    assert rejects == []
    retweet = posts[0]
    # No includes here: the retweeted tweet's author_id is merged into referenced_tweets.
    assert (retweet["kind"], retweet["shared_post_id"], retweet["shared_account_id"]) == (
        "share",
        "2001",
        "1001",
    )
    assert {a["account_id"]: a["handle"] for a in accounts} == {
        "1002": "beta_voice",
        "1009": "orig_author",
    }


def test_users_page_gives_accounts_only(tmp_path: Path) -> None:
    # ``twarc2 users`` writes pages whose data are users, not tweets.
    path = tmp_path / "users.jsonl"
    page = {"data": [{"id": "7", "username": "u7", "name": "U 7"}], "__twarc": {}}
    path.write_text(json.dumps(page) + "\n")
    posts, accounts, _ = staged(path)
    assert posts == []
    assert [(a["account_id"], a["handle"]) for a in accounts] == [("7", "u7")]


def test_small_batches_give_the_same_rows() -> None:
    big = staged(OWN / "search.jsonl")
    small = staged(OWN / "search.jsonl", batch_rows=1)
    assert sorted(p["post_id"] for p in small[0]) == sorted(p["post_id"] for p in big[0])
    assert {a["account_id"] for a in small[1]} == {a["account_id"] for a in big[1]}


def test_tweet_without_id_and_non_object_line_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    lines = [
        json.dumps({"data": [{"text": "no id", "author_id": "1"}], "__twarc": {}}),
        "[1, 2]",
        "",
        json.dumps({"id": "5", "author_id": "1", "text": "ok", "conversation_id": "5"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    posts, _, rejects = staged(path)
    assert [(r.source_row, r.field) for r in rejects] == [(1, "id"), (2, None)]
    assert [(p["post_id"], p["source_row"]) for p in posts] == [("5", 4)]


def test_metrics_of_mixed_types_are_staged_as_text(tmp_path: Path) -> None:
    # A hand-edited file with a string count must not break the batch: the loader judges it.
    path = tmp_path / "mixed.jsonl"
    tweets = [
        {"id": "1", "author_id": "9", "conversation_id": "1", "public_metrics": {"like_count": 3}},
        {
            "id": "2",
            "author_id": "9",
            "conversation_id": "2",
            "public_metrics": {"like_count": "x"},
        },
    ]
    path.write_text("".join(json.dumps(t) + "\n" for t in tweets))
    posts, _, _ = staged(path)
    assert [p["likes"] for p in posts] == ["3", "x"]


@pytest.mark.parametrize("path", sorted(OWN.glob("*.jsonl")), ids=lambda p: p.name)
def test_sniff_recognises_own_fixtures(path: Path) -> None:
    assert TwarcIngester.sniff(path, head(path))


@pytest.mark.parametrize("path", other_fixtures("twarc"), ids=fixture_id)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not TwarcIngester.sniff(path, head(path))


def test_sniff_rejects_generic_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"post_id": "1", "account_id": "a", "created_at": "x"}) + "\n")
    assert not TwarcIngester.sniff(path, path.read_bytes())


def test_end_to_end_through_the_workspace() -> None:
    with Workspace(":memory:") as ws:
        report = ws.ingest(OWN / "search.jsonl", format="twarc")
        assert report.format == "twarc"
        assert ws.count("posts") == 4
        assert report.rows_rejected == 1
        rows = ws.query(
            "SELECT post_id, kind, created_at, hashtags FROM posts ORDER BY post_id LIMIT 1"
        )
        assert rows[0]["kind"] == "original"
        assert str(rows[0]["created_at"]) == "2022-02-27 09:00:00"
        assert rows[0]["hashtags"] == ["example"]  # the loader lower-cases hashtags
        handles = ws.query("SELECT handle FROM accounts WHERE account_id = '1001'")
        assert handles == [{"handle": "alpha_news"}]
