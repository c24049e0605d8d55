"""Fixtures every test module may use.

``shared_data``: the real-data rule (tests/realdata_rule.py). A test that reads ``../shared/data``
asks for a path inside it; a missing path skips the test on a developer's machine and fails
it when ``CI`` is set::

    def test_something(shared_data: SharedData) -> None:
        path = shared_data("coortweet", "russian_coord_tweets.csv.gz")
"""

from __future__ import annotations

import pytest

from realdata_rule import SharedData, shared_data_path


@pytest.fixture
def shared_data() -> SharedData:
    """``shared_data("ira", "tweets.csv.gz")``: the path, or a skip (a failure under CI)."""
    return shared_data_path
