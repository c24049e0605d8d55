"""On the synthetic world: planted operations come out significant, innocent groups do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cibwatch.detectors.coaction import CoActionDetector
from cibwatch.workspace import Workspace

world = pytest.importorskip("cibwatch.synthetic.world", reason="no synthetic world module")


def _keys(group: dict[str, Any]) -> set[str]:
    return {key for kinds in group["accounts"].values() for keys in kinds.values() for key in keys}


def test_operations_significant_innocent_groups_not(tmp_path: Path) -> None:
    manifest = world.generate_world(tmp_path / "world", posts=10_000, seed=7)
    ws = Workspace(":memory:")
    ws.ingest(manifest.posts_path)
    ws.ingest(manifest.accounts_path)
    ws.derive_actions()
    ws.run_detector(CoActionDetector(window=30, min_participation=2))
    rows = ws.query("SELECT subject_a, subject_b FROM evidence WHERE significant")
    flagged = {account for row in rows for account in (row["subject_a"], row["subject_b"])}
    planted = set().union(*(_keys(g) for g in manifest.groups))
    assert flagged <= planted, "an ordinary account was judged coordinated"
    for group in manifest.groups:
        found = len(flagged & _keys(group)) / len(_keys(group))
        if group["innocent"]:
            assert found == 0, f"innocent group {group['id']} judged coordinated"
        else:
            assert found >= 0.8, f"operation {group['id']}: only {found:.0%} of it found"
