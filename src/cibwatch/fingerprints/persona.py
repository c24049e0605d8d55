"""Persona consistency: what an account claims to be against what its data shows.

Findings, each stated from data only:

- **reused photos**: accounts whose profile-image perceptual hashes (64-bit, hex) are equal or
  within ``max_distance`` bits; hashes shared by more than ``max_photo_accounts`` accounts are
  treated as default avatars and ignored;
- **name/photo gender**: the gender a first-name lexicon gives the display name against a
  photo-gender label *present in the data* (e.g. from a platform or an analyst). cibwatch
  never infers gender from an image, and says "unknown" when the lexicon has no answer;
- **handle patterns**: handles made of a name and four or more digits, typical of
  mass-created accounts;
- **copied bios**: the same bio (normalised, at least ``min_bio_chars`` long) on several
  accounts.

Profile-image hashes can be computed from image files with :func:`photo_hash` (imagehash).
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cibwatch.errors import InputError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: A name followed by four or more digits. ASCII only, and matched whole: the detector runs
#: the same pattern in SQL (:data:`HANDLE_SQL_PATTERN`, RE2), which knows no Unicode case folds.
HANDLE_PATTERN: Final = re.compile(r"[a-z]+[._]?[a-z]*[0-9]{4,}", re.IGNORECASE | re.ASCII)
HANDLE_SQL_PATTERN: Final = "[a-zA-Z]+[._]?[a-zA-Z]*[0-9]{4,}"
#: What Python's ``str.strip()`` and ``\s`` count as white space, spelled for RE2 (whose ``\s``
#: is ASCII only), so SQL cuts a display name's first word exactly as :func:`name_gender` does.
_RE2_SPACE: Final = r"\s\x{0B}\x{1C}-\x{1F}\x{85}\p{Z}"


def first_word_sql(column: str) -> str:
    """SQL for the lower-cased first word of a display name, as :func:`name_gender` reads it.

    Set-based, so the persona detector labels a million accounts in one statement instead of
    a Python loop over rows.
    """
    trimmed = f"regexp_replace({column}, '^[{_RE2_SPACE}]+|[{_RE2_SPACE}]+$', '', 'g')"
    return f"lower(regexp_split_to_array({trimmed}, '[{_RE2_SPACE}._\\-]+')[1])"


@cache
def name_genders() -> dict[str, str]:
    """The bundled first-name lexicon: lower-cased first name -> 'female' or 'male'."""
    text = (
        resources.files("cibwatch.fingerprints")
        .joinpath("data/first_names.csv")
        .read_text(encoding="utf-8")
    )
    return {row["name"]: row["gender"] for row in csv.DictReader(text.splitlines())}


def name_gender(display_name: str | None) -> str | None:
    """Gender the lexicon gives the first word of a display name, or None when unknown.

    >>> name_gender("Jennifer Miller"), name_gender("J. Miller"), name_gender("Ivan P.")
    ('female', None, 'male')
    """
    if not display_name:
        return None
    first = re.split(r"[\s._\-]+", display_name.strip())[0].lower()
    return name_genders().get(first)


def is_patterned_handle(handle: str | None) -> bool:
    """Whether a handle is a name followed by four or more digits.

    >>> is_patterned_handle("jennifer84723"), is_patterned_handle("spiegelonline")
    (True, False)
    """
    return bool(handle and HANDLE_PATTERN.fullmatch(handle))


IMAGE_SUFFIXES: Final = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")


def photo_hash(path: Path) -> str:
    """64-bit perceptual hash (pHash) of an image file, as 16 hex digits."""
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return str(imagehash.phash(image))
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"not a readable image: {exc}", file=str(path)) from exc


def hash_photo_folder(workspace: Workspace, folder: Path) -> tuple[int, list[str]]:
    """Hash every profile photo in ``folder`` into ``accounts.profile_image_hash``.

    Files are named ``<platform>_<account_id>.<ext>`` (e.g. ``x_12345.jpg``). Returns the
    number of accounts updated and the files skipped, each with the reason (a name that
    does not follow the pattern, or an account not in the workspace); an unreadable image
    is an error naming the file.
    """
    if not folder.is_dir():
        raise InputError("not a folder of profile photos", file=str(folder))
    updated = 0
    skipped: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        platform, sep, account_id = path.stem.partition("_")
        if not sep or not platform or not account_id:
            skipped.append(f"{path.name}: name is not <platform>_<account_id>")
            continue
        digest = photo_hash(path)
        row = workspace.connection.execute(
            "UPDATE accounts SET profile_image_hash = ? WHERE platform = ? AND account_id = ?",
            [digest, platform, account_id],
        ).fetchone()
        if row and row[0]:
            updated += int(row[0])
        else:
            skipped.append(f"{path.name}: no account {platform}:{account_id} in the workspace")
    return updated, skipped
