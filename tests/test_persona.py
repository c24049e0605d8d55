"""Persona consistency: reused photos, copied bios, name/photo gender, patterned handles."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from cibwatch import Workspace
from cibwatch.detectors.persona import PersonaDetector
from cibwatch.errors import ConfigError, InputError
from cibwatch.fingerprints.persona import (
    HANDLE_SQL_PATTERN,
    first_word_sql,
    is_patterned_handle,
    name_gender,
    name_genders,
    photo_hash,
)

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


def test_photos_given_as_files_are_hashed_and_reuse_is_found(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    img = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(img).rectangle((8, 8, 40, 56), fill=255)
    img.save(folder / "x_p1.png")
    img.resize((96, 96)).save(folder / "x_p2.jpg")  # the same photo, rescaled and re-encoded
    img.save(folder / "portrait.png")  # not named <platform>_<account_id>
    img.save(folder / "x_nobody.png")  # no such account
    with Workspace() as ws:
        ws.connection.execute(
            "INSERT INTO accounts (platform, account_id, kind) VALUES "
            "('x', 'p1', 'account'), ('x', 'p2', 'account')"
        )
        result = ws.run_detector(PersonaDetector(photos=str(folder), max_distance=8))
        assert _evidence(ws, "reused_photo") == [("x:p1", "x:p2")]
    assert result.summary["photos_hashed"] == 2
    skipped = result.summary["photos_skipped"]
    assert any("portrait.png: name is not" in s for s in skipped)
    assert any("x_nobody.png: no account x:nobody" in s for s in skipped)


def test_an_unreadable_photo_is_an_error_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "x_p1.jpg").write_bytes(b"this is not a jpeg")
    with Workspace() as ws, pytest.raises(InputError, match=r"x_p1\.jpg"):
        ws.run_detector(PersonaDetector(photos=str(folder)))


# The detector reads names and handles in SQL; the Python functions are what a reader (and
# the docstrings) see. Both must give the same answer on any text, spaces of any script too.
_NAME_TEXT = st.text(
    alphabet=st.sampled_from(list("annaIvanJENNIFERmaria._-1234 \t\u00a0\u2003\x1c\x85\u0130K")),
    max_size=20,
)
_SQL = duckdb.connect()  # the detector's engine, without a workspace per example


@settings(max_examples=200, deadline=None)
@given(names=st.lists(_NAME_TEXT, min_size=1, max_size=20))
def test_sql_reads_first_names_and_handles_as_the_python_functions_do(names: list[str]) -> None:
    rows = _SQL.execute(
        f"SELECT n, {first_word_sql('n')}, regexp_full_match(n, $p) "
        "FROM (SELECT unnest($names) AS n)",
        {"names": names, "p": HANDLE_SQL_PATTERN},
    ).fetchall()
    lexicon = name_genders()
    for name, first, patterned in rows:
        expected = name_gender(name)
        assert (lexicon.get(first) if name else None) == expected, name
        assert bool(patterned) == is_patterned_handle(name), name


def test_handles_match_whole_and_in_ascii_only() -> None:
    assert is_patterned_handle("Anna.Weber2231")
    assert not is_patterned_handle("anna1234\n")  # a trailing newline is not a handle
    assert not is_patterned_handle("\u212a1234")  # the Kelvin sign folds to k only in Unicode
    assert not is_patterned_handle("anna\u0661\u0662\u0663\u0664")  # Arabic-Indic digits
