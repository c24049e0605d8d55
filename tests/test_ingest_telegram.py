"""Telegram Desktop export (result.json) -> staged posts and accounts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from cibwatch.errors import IngestError
from cibwatch.ingest.base import IngestOptions
from cibwatch.ingest.telegram import TelegramIngester, message_entities, message_text
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES, Staged, fixture_id, head, other_fixtures, read_all

FILE = FIXTURES / "telegram" / "result.json"
CHANNEL = "channel1500000001"


def staged(path: Path) -> Staged:
    return read_all(TelegramIngester(), path)


def test_text_and_entities_from_a_list_text() -> None:
    message = {
        "text": ["see ", {"type": "text_link", "text": "here", "href": "https://a.example"}, "!"]
    }
    assert message_text(message) == "see here!"
    assert message_entities(message)["urls"] == ["https://a.example"]


def test_messages_become_posts() -> None:
    posts, _, _ = staged(FILE)
    by_id = {p["post_id"]: p for p in posts}
    # Message 1 is a service message (channel created): skipped. Message 5 has no id.
    assert sorted(by_id) == [f"{CHANNEL}/2", f"{CHANNEL}/3", f"{CHANNEL}/4", f"{CHANNEL}/6"]
    first = by_id[f"{CHANNEL}/2"]
    assert first["account_id"] == CHANNEL
    # date_unixtime 1646136000 (2022-03-01 12:00:00 UTC) is handed on as written.
    assert first["created_at"] == "1646136000"
    assert first["text"] == "Breaking #news read https://site-c.example/a and this cc @otherchan"
    # A bare link and a text link (its href), the hashtag and mention without # and @.
    assert first["urls"] == ["https://site-c.example/a", "https://site-d.example/b"]
    assert (first["hashtags"], first["mentions"]) == (["news"], ["otherchan"])
    forwarded = by_id[f"{CHANNEL}/3"]
    assert (forwarded["kind"], forwarded["shared_account_id"]) == ("share", "Other Channel")
    reply = by_id[f"{CHANNEL}/4"]
    assert (reply["kind"], reply["reply_to_post_id"], reply["text"]) == (
        "reply",
        f"{CHANNEL}/2",
        None,
    )
    # An older export without date_unixtime keeps its naive local date for --assume-tz.
    assert by_id[f"{CHANNEL}/6"]["created_at"] == "2022-03-02T08:00:00"


def test_message_without_id_is_rejected_by_position() -> None:
    _, _, rejects = staged(FILE)
    assert [(r.source_row, r.field) for r in rejects] == [(5, "id")]


def test_channel_becomes_an_account() -> None:
    _, accounts, _ = staged(FILE)
    assert accounts == [
        {
            "platform": "telegram",
            "account_id": CHANNEL,
            "kind": "channel",
            "display_name": "Fixture Channel",
            "source_row": 1,
        }
    ]


def test_group_export_lists_its_members(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    chat = {
        "name": "Coast chat",
        "type": "private_supergroup",
        "id": 42,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date_unixtime": "1646136000",
                "from": "Ann",
                "from_id": "user7",
                "text": "hi",
            },
        ],
    }
    path.write_text(json.dumps({"chats": {"about": "", "list": [chat]}}))
    posts, accounts, _ = staged(path)
    assert posts[0]["post_id"] == "channel42/1"
    assert posts[0]["account_id"] == "user7"
    # The number is handed on; the loader reads seconds or milliseconds by magnitude.
    assert posts[0]["created_at"] == "1646136000"
    assert {a["account_id"]: a["kind"] for a in accounts} == {
        "channel42": "group",
        "user7": "account",
    }


def test_not_an_export_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "x"}))
    with pytest.raises(IngestError) as info:
        list(TelegramIngester().read(path, IngestOptions()))
    assert info.value.field == "messages"
    assert str(path) in str(info.value)


def test_broken_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"name": "x", "messages": [\n {"id": 1,,}]}')
    with pytest.raises(IngestError, match="line 2") as info:
        list(TelegramIngester().read(path, IngestOptions()))
    assert str(path) in str(info.value)


def test_sniff_recognises_own_fixture() -> None:
    assert TelegramIngester.sniff(FILE, head(FILE))


@pytest.mark.parametrize("path", other_fixtures("telegram"), ids=fixture_id)
def test_sniff_rejects_other_formats(path: Path) -> None:
    assert not TelegramIngester.sniff(path, head(path))


def test_end_to_end_through_the_workspace() -> None:
    with Workspace(":memory:") as ws:
        # Message 6 has only a naive date, so the zone must be given.
        report = ws.ingest(FILE, assume_tz="Europe/Moscow")
        assert report.format == "telegram"
        assert ws.count("posts") == 4
        assert report.rows_rejected == 1
        row = ws.query(f"SELECT created_at FROM posts WHERE post_id = '{CHANNEL}/6'")
        assert str(row[0]["created_at"]) == "2022-03-02 05:00:00"  # 08:00 MSK is 05:00 UTC
        kinds = ws.query("SELECT kind FROM accounts")
        assert kinds == [{"kind": "channel"}]


def test_date_unixtime_in_milliseconds_is_read_not_a_traceback(tmp_path: Path) -> None:
    # An export with milliseconds in date_unixtime raised "year 54133 is out of range".
    path = tmp_path / "result.json"
    messages = [
        {"id": 1, "type": "message", "date_unixtime": "1646136000000", "text": "ms"},
        {"id": 2, "type": "message", "date_unixtime": "1646136000", "text": "s"},
    ]
    path.write_text(
        json.dumps({"name": "C", "type": "public_channel", "id": 9, "messages": messages})
    )
    with Workspace(":memory:") as ws:
        ws.ingest(path)
        got = ws.query("SELECT text, created_at FROM posts ORDER BY text")
    noon = datetime(2022, 3, 1, 12, 0)
    assert got == [{"text": "ms", "created_at": noon}, {"text": "s", "created_at": noon}]
