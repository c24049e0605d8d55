"""Account creation bursts against each platform's own baseline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cibwatch import Workspace
from cibwatch.detectors.creation import CreationBurstDetector
from cibwatch.errors import ConfigError


def test_a_batch_created_in_one_hour_is_a_burst_and_steady_creation_is_not() -> None:
    start = datetime(2020, 1, 1)
    rows = [["x", f"steady{i}", start + timedelta(hours=7 * i)] for i in range(300)]
    burst_hour = datetime(2020, 6, 3, 14)
    rows += [["x", f"op{i}", burst_hour + timedelta(minutes=3 * i)] for i in range(12)]
    # the same burst size on a platform whose baseline is that busy is not unusual
    rows += [["fb", f"b{i}", start + timedelta(minutes=5 * i)] for i in range(3000)]
    with Workspace() as ws:
        ws.connection.executemany(
            "INSERT INTO accounts (platform, account_id, kind, created_at) "
            "VALUES (?, ?, 'account', ?)",
            rows,
        )
        result = ws.run_detector(CreationBurstDetector())
        flagged = {
            r["subject_a"]
            for r in ws.query("SELECT subject_a FROM evidence WHERE signal = 'creation_burst'")
        }
    assert flagged == {f"x:op{i}" for i in range(12)}
    assert result.summary == {"bursts": 1}


def test_bad_bucket_is_refused_when_run() -> None:
    with Workspace() as ws, pytest.raises(ConfigError, match="bucket"):
        ws.run_detector(CreationBurstDetector(bucket="fortnight"))
