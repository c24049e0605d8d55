"""The real-data rule: where ``../shared/data`` is, and what a test does when it is missing.

Real data nobody here wrote (the CooRTweet sets, the IRA troll tweets) lives in
``../shared/data`` relative to the repository root; CI places ``shared/`` beside the clone.
A test that needs it asks for a path inside it (the ``shared_data`` fixture of conftest.py, or
:func:`shared_data_path` directly). When the path is missing the test is **skipped** on a
developer's machine, who may not have the data, but **fails** when the environment variable
``CI`` is set: a CI run that lost the data must not pass by skipping every real-data check.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

#: What the ``shared_data`` fixture gives: parts of a path below ``../shared/data`` -> the path.
SharedData = Callable[..., Path]


def in_ci() -> bool:
    """True when ``CI`` is set to anything but an empty string, ``0`` or ``false``."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def shared_data_path(*parts: str, root: Path = SHARED_DATA) -> Path:
    """``root / parts`` if it exists; otherwise skip the calling test, or fail it under CI."""
    path = root.joinpath(*parts)
    if path.exists():
        return path
    message = f"real data not found at ../shared/data/{'/'.join(parts)} ({path})"
    if in_ci():
        pytest.fail(f"{message}; CI is set, so missing real data fails instead of skipping")
    pytest.skip(f"{message}; place shared/ beside the repository to run this test")
