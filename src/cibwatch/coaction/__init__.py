"""Co-action detection: accounts acting on the same objects within seconds, again and again.

Public API: :func:`detect_coordination` (files or Arrow tables), :func:`coaction_edges`
(a workspace), :class:`CoActionResult`. See ``docs/coordination.md``.
"""

from __future__ import annotations

from cibwatch.coaction.detection import (
    CoActionResult,
    coaction_edges,
    detect_coordination,
    run_coaction,
)

__all__ = ["CoActionResult", "coaction_edges", "detect_coordination", "run_coaction"]
