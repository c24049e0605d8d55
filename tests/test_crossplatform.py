"""Cross-platform linking: hand-built cases (each explains its expected pairs) and the world."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cibwatch.detectors.crossplatform import CrossPlatformDetector
from cibwatch.detectors.neardup import NearDuplicateTextDetector
from cibwatch.errors import ConfigError
from cibwatch.synthetic.world import generate_world
from cibwatch.workspace import Workspace

T0 = datetime(2024, 5, 1, 9, 0, 0)


def _accounts(ws: Workspace, rows: list[tuple[str, str, str, str | None, str | None]]) -> None:
    """(platform, id, handle, photo hash, bio) rows."""
    ws.connection.executemany(
        "INSERT INTO accounts (platform, account_id, kind, handle, profile_image_hash, bio) "
        "VALUES (?, ?, 'account', ?, ?, ?)",
        [list(r) for r in rows],
    )


def _action(ws: Workspace, account: str, kind: str, obj: str, t: datetime, post: str) -> None:
    platform = account.split(":", 1)[0]
    ws.connection.execute(
        "INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?)", [account, kind, obj, t, platform, post]
    )


def _pairs(ws: Workspace, run_id: int) -> dict[tuple[str, str], tuple[float, bool, Any]]:
    rows = ws.connection.execute(
        "SELECT subject_a, subject_b, strength, significant, details, p_value, q_value "
        "FROM evidence WHERE run_id = ? AND subject_kind = 'pair'",
        [run_id],
    ).fetchall()
    for *_, p, q in rows:
        assert p is None and q is None  # deterministic findings carry no p-value
    return {(a, b): (s, sig, json.loads(d)) for a, b, s, sig, d, _p, _q in rows}


def test_handle_and_photo_link_but_default_avatar_and_common_handle_do_not() -> None:
    with Workspace() as ws:
        avatar = "0000000000000000"
        _accounts(
            ws,
            [
                # x:1 and instagram:2: the same handle once separators go, and the same photo:
                # two cue kinds, significant
                ("x", "1", "Anna_Weber", "ab12ab12ab12ab12", None),
                ("instagram", "2", "anna.weber", "ab12ab12ab12ab12", None),
                # telegram:3 shares only the stem "annaweber" (9 letters) after digits go:
                # one cue kind with each, written but not significant
                ("telegram", "3", "annaweber1987", None, None),
                # x:4 and facebook:5: the same photo, but it is a default avatar held by four
                # accounts, above the cap of 3: no evidence
                ("x", "4", "someone_a", avatar, None),
                ("facebook", "5", "someone_b", avatar, None),
                ("facebook", "6", "someone_c", avatar, None),
                ("instagram", "7", "someone_d", avatar, None),
                # "newsroom" held on four platforms (above the handle cap of 3): a common
                # word, not a persona; its stem would be too short anyway
                ("x", "8", "newsroom", None, None),
                ("facebook", "9", "newsroom", None, None),
                ("instagram", "10", "news_room", None, None),
                ("telegram", "11", "newsroom", None, None),
                # same stem "bob" with digits on two platforms: stem shorter than 6 letters
                ("x", "12", "bob1", None, None),
                ("facebook", "13", "bob2", None, None),
                # the same handle on the SAME platform is not a cross-platform link
                ("x", "14", "zed.unique", None, None),
                ("x", "15", "zed_unique", None, None),
            ],
        )
        result = ws.run_detector(CrossPlatformDetector(max_photo_accounts=3, max_handle_accounts=3))
        pairs = _pairs(ws, result.run_id)
        assert set(pairs) == {
            ("instagram:2", "x:1"),
            ("instagram:2", "telegram:3"),
            ("telegram:3", "x:1"),
        }
        strength, significant, details = pairs[("instagram:2", "x:1")]
        assert (strength, significant) == (2.0, True)
        assert details["cue_kinds"] == ["handle", "photo"]
        assert pairs[("telegram:3", "x:1")][:2] == (1.0, False)
        assert pairs[("telegram:3", "x:1")][2]["cues"]["handle"] == ["annaweber"]
        assert result.significant_rows == 1


def test_repeated_timed_text_links_accounts_and_scattered_or_widely_shared_posts_do_not() -> None:
    with Workspace() as ws:
        for i, t in enumerate([0, 3, 7]):
            day = T0 + timedelta(days=t)
            # x:op and telegram:op post the same text 40 s apart on three days: significant
            _action(ws, "x:op", "text", f"msg{i}", day, f"x{i}")
            _action(ws, "telegram:op", "text", f"msg{i}", day + timedelta(seconds=40), f"t{i}")
            # facebook:late posts the same texts, but two hours later each time: no link
            _action(ws, "facebook:late", "text", f"msg{i}", day + timedelta(hours=2), f"f{i}")
        # a url everybody posts within a minute: 4 accounts, above the object cap of 3
        for n, acc in enumerate(["x:a", "facebook:b", "instagram:c", "telegram:d"]):
            _action(ws, acc, "url", "news.example/quake", T0 + timedelta(seconds=n), f"u{n}")
        # two co-posts only: below min_repeats (3), one cue kind, not significant
        for i in range(2):
            _action(ws, "x:pair", "url", f"site.example/{i}", T0 + timedelta(days=i), f"p{i}")
            _action(
                ws, "facebook:pair", "url", f"site.example/{i}", T0 + timedelta(days=i), f"q{i}"
            )
        result = ws.run_detector(CrossPlatformDetector(max_object_accounts=3))
        pairs = _pairs(ws, result.run_id)
        assert set(pairs) == {("telegram:op", "x:op"), ("facebook:pair", "x:pair")}
        strength, significant, details = pairs[("telegram:op", "x:op")]
        assert (strength, significant) == (1.0, True)
        co = details["cues"]["co_posting"]
        assert co["occasions"] == 3 and co["min_seconds_apart"] == 40
        assert ["telegram:t0", "x:x0"] in co["post_pairs"]
        assert pairs[("facebook:pair", "x:pair")][:2] == (1.0, False)
        proof = ws.connection.execute(
            "SELECT proof, explanation FROM evidence WHERE subject_a = 'telegram:op'"
        ).fetchone()
        assert proof is not None and "post:x:x1" in proof[0]
        assert "3 times" in proof[1]


def test_one_text_and_url_in_one_post_count_as_one_occasion() -> None:
    with Workspace() as ws:
        for i in range(2):
            t = T0 + timedelta(days=i)
            for acc, post in (("x:a", f"a{i}"), ("facebook:b", f"b{i}")):
                _action(ws, acc, "text", f"msg{i}", t, post)
                _action(ws, acc, "url", f"site.example/{i}", t, post)
        result = ws.run_detector(CrossPlatformDetector())
        (_s, significant, details) = _pairs(ws, result.run_id)[("facebook:b", "x:a")]
        # two posts each, carrying a text and a url: two occasions, not four
        assert details["cues"]["co_posting"]["occasions"] == 2
        assert not significant


@pytest.mark.parametrize(
    "params",
    [{"window": -1}, {"min_cues": 0}, {"min_co_posts": 4}, {"max_photo_accounts": 1}],
)
def test_invalid_parameters_are_refused(params: dict[str, int]) -> None:
    with Workspace() as ws, pytest.raises(ConfigError):
        ws.run_detector(CrossPlatformDetector(**params))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, dict[str, str]]]:
    manifest = generate_world(tmp_path_factory.mktemp("world"), posts=5000, seed=7)
    truth = json.loads(Path(manifest.ground_truth_path).read_text(encoding="utf-8"))
    groups = {
        account: group["id"]
        for group in truth["groups"]
        for kinds in group["accounts"].values()
        for accounts in kinds.values()
        for account in accounts
    }
    with Workspace() as ws:
        ws.ingest(manifest.posts_path)
        ws.ingest(manifest.accounts_path)
        ws.derive_actions()
        ws.run_detector(NearDuplicateTextDetector())
        yield ws, groups


def test_world_links_op_b_across_its_four_platforms_and_no_innocent_account(
    world: tuple[Workspace, dict[str, str]],
) -> None:
    ws, groups = world
    result = ws.run_detector(CrossPlatformDetector())
    significant = [(a, b) for (a, b), (_s, sig, _d) in _pairs(ws, result.run_id).items() if sig]
    op_b = [(a, b) for a, b in significant if groups.get(a) == groups.get(b) == "op_b_doppelganger"]
    linked_platforms = {account.split(":", 1)[0] for pair in op_b for account in pair}
    assert linked_platforms == {"facebook", "instagram", "telegram", "x"}
    platform_pairs = {tuple(sorted(account.split(":", 1)[0] for account in p)) for p in op_b}
    assert len(platform_pairs) >= 4  # several platform combinations, not one bridge
    innocent = {g for g in groups.values() if g.startswith("innocent_")}
    assert len(innocent) == 3  # the world's three innocent groups are present to be tested
    assert not [p for p in significant if {groups.get(p[0]), groups.get(p[1])} & innocent]
    # every significant pair lies inside one planted operation
    assert all(groups.get(a) is not None and groups.get(a) == groups.get(b) for a, b in significant)
