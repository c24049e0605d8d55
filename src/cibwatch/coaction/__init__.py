"""Co-action detection: accounts acting on the same objects within seconds, again and again.

Public API: :func:`detect_coordination` (files or Arrow tables), :func:`coaction_edges`
(a workspace), :class:`CoActionResult`, :class:`TooManyPairsError` (data too dense for the
window join, refused before the join runs). See ``docs/coordination.md``.
"""

from __future__ import annotations

from cibwatch.coaction.detection import (
    CoActionResult,
    coaction_edges,
    detect_coordination,
    run_coaction,
)
from cibwatch.coaction.steps import TooManyPairsError

__all__ = [
    "CoActionResult",
    "TooManyPairsError",
    "coaction_edges",
    "detect_coordination",
    "run_coaction",
]
