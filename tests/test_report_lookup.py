"""The accounts a report names: each member's latest profile, by handle and platform."""

from __future__ import annotations

from cibwatch.report.lookup import account_names, account_rows
from cibwatch.workspace import Workspace


def _profile(ws: Workspace, ingest: int, platform: str, account_id: str, handle: str) -> None:
    ws.connection.execute(
        "INSERT INTO accounts (ingest_id, platform, account_id, handle) VALUES (?, ?, ?, ?)",
        [ingest, platform, account_id, handle],
    )


def test_each_member_gets_its_latest_profile_and_only_members_are_named() -> None:
    with Workspace() as ws:
        _profile(ws, 1, "x", "1", "old_name")
        _profile(ws, 2, "x", "1", "new_name")  # a later ingest: this one counts
        # the same account id on another platform, and an id holding a colon
        _profile(ws, 3, "facebook", "1", "fb_one")
        _profile(ws, 1, "telegram", "a:b", "<script>colon")
        _profile(ws, 1, "x", "2", "not_a_member")
        members = ["x:1", "telegram:a:b", "vk:9", "nocolon"]
        rows = {r["account"]: r for r in account_rows(ws, members)}
        assert set(rows) == set(members)
        assert rows["x:1"]["handle"] == "new_name"
        assert rows["telegram:a:b"]["handle"] == "<script>colon"
        assert rows["telegram:a:b"]["account_id"] == "a:b"
        assert rows["vk:9"]["handle"] is None and rows["vk:9"]["kind"] == "account"
        assert rows["nocolon"]["handle"] is None
        assert account_names(ws, ["x:1", "vk:9", "x:1"]) == {
            "x:1": "@new_name on x",
            "vk:9": "account 9 on vk",
        }
        assert account_rows(ws, []) == []
