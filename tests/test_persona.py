"""Persona consistency: reused photos, copied bios, name/photo gender, patterned handles."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from cibwatch import Workspace
from cibwatch.detectors.persona import PersonaDetector
from cibwatch.errors import ConfigError
from cibwatch.fingerprints.persona import is_patterned_handle, name_gender, photo_hash

BIO = "Proud mom, patriot, truth seeker. God bless America!"


def _accounts(ws: Workspace) -> None:
    ws.connection.executemany(
        "INSERT INTO accounts (platform, account_id, kind, handle, display_name, bio, "
        "profile_image_hash, photo_gender) VALUES ('x', ?, 'account', ?, ?, ?, ?, ?)",
        [
            # a and b: the same photo; c: 2 bits away from it; d: far away
            ["a", "jennifer84723", "Jennifer Lopez", BIO, "ff00ff00ff00ff00", "male"],
            ["b", "maria19992", "Maria Smith", BIO.upper(), "ff00ff00ff00ff00", "female"],
            ["c", "carol_wells", "Carol Wells", None, "ff00ff00ff00ff03", None],
            ["d", "newsdesk", "News Desk", "short bio", "0123456789abcdef", None],
            # e..h share a default avatar used by more accounts than max_photo_accounts
            *[[f"e{i}", f"u{i}", "Q", None, "aaaaaaaaaaaaaaaa", None] for i in range(4)],
        ],
    )


def _evidence(ws: Workspace, signal: str) -> list[tuple[str, str | None]]:
    rows = ws.connection.execute(
        "SELECT subject_a, subject_b FROM evidence WHERE signal = ? ORDER BY 1, 2", [signal]
    ).fetchall()
    return [(str(a), None if b is None else str(b)) for a, b in rows]


def test_reused_and_near_identical_photos_link_accounts_but_default_avatars_do_not() -> None:
    with Workspace() as ws:
        _accounts(ws)
        result = ws.run_detector(PersonaDetector(max_distance=2, max_photo_accounts=3))
        assert _evidence(ws, "reused_photo") == [
            ("x:a", "x:b"),
            ("x:a", "x:c"),
            ("x:b", "x:c"),
        ]
        assert result.significant_rows == 4  # three photo pairs and one bio pair


def test_copied_bio_is_found_regardless_of_case_and_short_bios_are_ignored() -> None:
    with Workspace() as ws:
        _accounts(ws)
        ws.run_detector(PersonaDetector())
        assert _evidence(ws, "copied_bio") == [("x:a", "x:b")]


def test_name_gender_contradicting_the_photo_label_is_reported_never_inferred() -> None:
    with Workspace() as ws:
        _accounts(ws)
        ws.run_detector(PersonaDetector())
        # only a carries a contradicting label; c has no photo label so nothing is said
        assert _evidence(ws, "persona_mismatch") == [("x:a", None)]
        (text,) = ws.connection.execute(
            "SELECT explanation FROM evidence WHERE signal = 'persona_mismatch'"
        ).fetchone() or ("",)
        assert "female name (Jennifer Lopez)" in text and "labelled male" in text


def test_patterned_handles() -> None:
    with Workspace() as ws:
        _accounts(ws)
        ws.run_detector(PersonaDetector())
        assert _evidence(ws, "patterned_handle") == [("x:a", None), ("x:b", None)]
    assert not is_patterned_handle(None)
    assert name_gender("") is None


def test_photo_hash_of_image_files_is_stable_under_small_changes(tmp_path: Path) -> None:
    img = Image.new("L", (64, 64), 0)
    draw = ImageDraw.Draw(img)
    draw.ellipse((10, 10, 50, 50), fill=255)
    img.save(tmp_path / "a.png")
    img.resize((128, 128)).save(tmp_path / "b.png")  # the same photo, rescaled
    ha, hb = photo_hash(tmp_path / "a.png"), photo_hash(tmp_path / "b.png")
    assert len(ha) == 16
    assert bin(int(ha, 16) ^ int(hb, 16)).count("1") <= 4


def test_parameters_are_checked_when_the_detector_runs() -> None:
    detector = PersonaDetector(max_distance=99)  # stored unchanged, not validated yet
    assert detector.get_params()["max_distance"] == 99
    with Workspace() as ws, pytest.raises(ConfigError):
        ws.run_detector(detector)
