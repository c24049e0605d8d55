"""The real-data rule: a missing ``../shared/data`` skips a test, and fails it under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from realdata_rule import SHARED_DATA, in_ci, shared_data_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("yes", True), ("", False), ("0", False), ("False", False)],
)
def test_ci_is_set_by_any_value_but_empty_zero_or_false(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def test_missing_data_skips_without_ci_and_fails_with_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"ira/tweets\.csv\.gz"):
        shared_data_path("ira", "tweets.csv.gz", root=tmp_path)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        shared_data_path("ira", "tweets.csv.gz", root=tmp_path)
    (tmp_path / "ira").mkdir()
    (tmp_path / "ira" / "tweets.csv.gz").write_bytes(b"")
    assert shared_data_path("ira", "tweets.csv.gz", root=tmp_path) == (
        tmp_path / "ira" / "tweets.csv.gz"
    )


def test_the_data_is_looked_for_beside_the_repository() -> None:
    repository = Path(__file__).resolve().parents[1]
    assert repository.parent / "shared" / "data" == SHARED_DATA
