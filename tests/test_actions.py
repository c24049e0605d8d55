"""actions: one row per (account, object) with normalised object ids, derived from posts."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from cibwatch import Workspace
from cibwatch.actions import normalize_url

T0 = datetime(2024, 3, 4, 12, 0, 0)


def _post(ws: Workspace, post_id: str, **fields: object) -> None:
    row: dict[str, object] = {
        "platform": "x",
        "post_id": post_id,
        "account_id": "a1",
        "created_at": T0,
        "kind": "original",
    }
    row.update(fields)
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    ws.connection.execute(f"INSERT INTO posts ({cols}) VALUES ({marks})", list(row.values()))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # scheme, www. and the trailing slash go; the host is lower-cased, the path is not
        ("https://www.Spiegel.DE/Politik/a-1/", "spiegel.de/Politik/a-1"),
        # tracking parameters and the fragment go, other parameters stay in order
        ("http://x.com/a?utm_source=fb&id=5&fbclid=zz#top", "x.com/a?id=5"),
        ("HTTP://WWW.EXAMPLE.COM?utm_medium=a", "example.com"),
        ("example.org/path", "example.org/path"),
    ],
)
def test_url_normalisation(raw: str, expected: str) -> None:
    with Workspace() as ws:
        assert normalize_url(raw, ws) == expected


def test_every_object_type_is_derived_once_per_post() -> None:
    with Workspace() as ws:
        _post(
            ws,
            "1",
            text="RT @someone: The election was stolen, share before they delete it!",
            urls=["https://www.site.com/a?utm_source=x", "https://www.site.com/a"],
            domains=["site.com"],
            hashtags=["Vote", "vote"],
            mentions=["Someone"],
            media_hashes=["ff00ff00ff00ff00"],
            reply_to_post_id="99",
        )
        _post(ws, "2", kind="share", shared_post_id="77", text="same text as the original post")
        counts = ws.derive_actions()
        # post 1: its two URLs normalise to one object; hashtags Vote/vote are one object
        assert counts == {
            "domain": 1,
            "hashtag": 1,
            "image": 1,
            "mention": 1,
            "reply_target": 1,
            "shared_post": 1,
            "text": 1,
            "url": 1,
        }
        rows = ws.query("SELECT object_type, object_id FROM actions ORDER BY 1")
        ids = {r["object_type"]: r["object_id"] for r in rows}
        assert ids["url"] == "site.com/a"
        assert ids["shared_post"] == "x:77"
        assert ids["reply_target"] == "x:99"
        assert ids["hashtag"] == "vote"
        assert ids["mention"] == "someone"
        assert all(r["account"] == "x:a1" for r in ws.query("SELECT account FROM actions"))


def test_text_objects_ignore_retweet_prefix_urls_and_case_but_skip_short_texts() -> None:
    with Workspace() as ws:
        _post(ws, "1", account_id="a", text="Vote NO on the bill https://t.co/abc  today, friends")
        _post(ws, "2", account_id="b", text="RT @c: vote no on the bill today, friends")
        _post(ws, "3", account_id="c", text="lol")  # too short to mean anything
        ws.derive_actions()
        rows = ws.query("SELECT account, object_id FROM actions WHERE object_type = 'text'")
        assert {r["account"] for r in rows} == {"x:a", "x:b"}
        assert len({r["object_id"] for r in rows}) == 1


def test_a_text_carried_by_many_posts_is_one_object_with_an_action_per_post() -> None:
    # the object id is computed once per distinct text and joined back to every post that
    # carries it: each original keeps its own row (account, time, post), a share carrying
    # the same text adds none, and a short text joins no post
    text = "Copy and paste this message to everyone you know today"
    with Workspace() as ws:
        for n, account in enumerate(["a", "b", "c", "a"], start=1):
            _post(ws, str(n), account_id=account, text=text, created_at=datetime(2024, 3, n))
        _post(ws, "5", account_id="d", text=text, kind="share", shared_post_id="1")
        _post(ws, "6", account_id="e", text="short")
        _post(ws, "7", account_id="f", text="short")
        ws.derive_actions()
        rows = ws.query(
            "SELECT account, object_id, post_id, created_at FROM actions "
            "WHERE object_type = 'text' ORDER BY post_id"
        )
    assert [r["post_id"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["account"] for r in rows] == ["x:a", "x:b", "x:c", "x:a"]
    assert [r["created_at"].day for r in rows] == [1, 2, 3, 4]
    assert {r["object_id"] for r in rows} == {hashlib.md5(text.lower().encode()).hexdigest()}


def test_a_posts_only_url_and_a_list_of_urls_normalise_alike() -> None:
    # a post's only URL is normalised once per distinct URL and joined back; a post with
    # several keeps the per-post list, where two spellings of one URL make one row
    with Workspace() as ws:
        _post(ws, "1", urls=["https://www.Example.com/a?utm_source=x"])
        _post(ws, "2", urls=["example.com/a"])
        _post(ws, "3", urls=["https://www.Example.com/a?utm_source=x"])
        _post(ws, "4", urls=["https://example.com/a", "http://www.example.com/a/"])
        _post(ws, "5", urls=["example.com/b", "EXAMPLE.com/a"])
        _post(ws, "6", urls=[""])
        ws.derive_actions()
        rows = ws.query(
            "SELECT post_id, object_id FROM actions WHERE object_type = 'url' "
            "ORDER BY post_id, object_id"
        )
    assert [(r["post_id"], r["object_id"]) for r in rows] == [
        ("1", "example.com/a"),
        ("2", "example.com/a"),
        ("3", "example.com/a"),
        ("4", "example.com/a"),
        ("5", "example.com/a"),
        ("5", "example.com/b"),
    ]


def test_rederiving_replaces_rows_but_keeps_text_clusters() -> None:
    with Workspace() as ws:
        _post(ws, "1", hashtags=["a"])
        ws.connection.execute(
            "INSERT INTO actions VALUES ('x:a1', 'text_cluster', 'c1', ?, 'x', '1')", [T0]
        )
        ws.derive_actions()
        ws.derive_actions()
        assert ws.count("actions") == 2
        assert [r["step"] for r in ws.runs()] == ["derive", "derive"]


def test_empty_objects_and_texts_short_without_their_urls_make_no_action() -> None:
    with Workspace() as ws:
        # empty and missing list cells are no object; a text whose words are mostly a URL
        # is short once the URL is removed ("see this", 8 characters)
        _post(
            ws,
            "1",
            text="see this https://example.com/a/very/long/path/that/is/not/text",
            urls=["", None, "https://example.com/x"],
            hashtags=["", None],
            media_hashes=[""],
        )
        counts = ws.derive_actions()
        assert counts == {"url": 1}
        assert ws.query("SELECT object_id FROM actions") == [{"object_id": "example.com/x"}]


#: The text normalisation as three plain replacements and a trim, each applied to every text:
#: what the guarded steps of ``_TEXT_STEPS`` must give on any text.
_PLAIN_TEXT_SQL = r"""trim(regexp_replace(regexp_replace(regexp_replace(lower(?),
    '^rt @[a-z0-9_]+:?', ''), 'https?://\S+', ' ', 'g'), '\s+', ' ', 'g'))"""


@pytest.mark.parametrize(
    "text",
    [
        "RT @abc: hi  there\tyo",
        "rt @x http://a.b/c  d",
        "rt @:x",  # no handle: nothing removed
        "RT@abc: no space",
        "\u00a0 x\u2003y",  # spaces outside \s stay
        "a\x0bb",  # a vertical tab is not in \s either
        "x\r\ny\f z",
        "  lead and trail  ",
        "one space only",
        "HTTPS://X.Y/z q",
        "http:/x and httpx",
        "Rt @Ab_1:x",
        "\u0130 rt @a",
        "",
        " ",
        "\t",
        # trim removes Unicode space separators, which only non-ASCII texts can hold
        "\u00a0at both ends\u00a0",
        "\u3000ideographic\u3000",
        "ends in an em space\u2003",
        "\u202fstarts narrow",
        "é ascii-looking but not ascii",
        "ends in é",
        "a vertical tab at the end\x0b",
        "\x0b",
        "\u200bzero width is no space\u200b",
        "\u0085next line is no space\u0085",
    ],
)
def test_guarded_text_normalisation_equals_the_plain_replacements(text: str) -> None:
    from cibwatch.actions import _normalised_text

    with Workspace(":memory:") as ws:
        row = ws.connection.execute(
            f"SELECT {_PLAIN_TEXT_SQL}, {_normalised_text('CAST(? AS VARCHAR)')}[1]",
            [text, text],
        ).fetchone()
    assert row is not None
    assert row[1] == row[0]
