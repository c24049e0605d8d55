"""The one contract every detector follows.

Modelled on scikit-learn's estimators: ``__init__`` only stores keyword parameters,
unchanged; validation happens in :meth:`Detector.run`; results learned from a run end in
``_``. A detector reads the canonical tables of a workspace and writes rows to the
``evidence`` table, each saying what it links (two accounts, one account, one domain),
how strongly, why (a sentence a person reads in a report) and the object ids that prove it.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: What an evidence row is about.
SUBJECT_KINDS = ("pair", "account", "domain", "network")


@dataclass(frozen=True)
class DetectorResult:
    """What one run of a detector produced; the rows themselves are in ``evidence``.

    ``message`` goes to the run log (figures a reader needs to judge the run, such as the
    number of tests behind its significance).
    """

    detector: str
    run_id: int
    input_rows: int
    evidence_rows: int
    significant_rows: int
    summary: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


class Detector(ABC):
    """Base class: subclasses set ``name`` and ``signal`` and implement :meth:`_run`.

    :meth:`run` records the run (parameters unchanged, engine, row counts) in the run log
    and writes evidence inside one transaction, so a failing detector leaves nothing behind.
    A detector whose computation only reads the workspace but builds many temporary tables
    does it in :meth:`_compute`, before that transaction opens.
    """

    name: ClassVar[str]
    signal: ClassVar[str]

    def get_params(self) -> dict[str, Any]:
        """The constructor's keyword parameters as stored (for the run log and reports)."""
        sig = inspect.signature(type(self).__init__)
        return {name: getattr(self, name) for name in sig.parameters if name != "self"}

    def engine_name(self) -> str:
        """Name of the engine this detector runs on (detectors without one run on DuckDB)."""
        return str(getattr(self, "engine", "duckdb"))

    def run(self, workspace: Workspace) -> DetectorResult:
        """Validate parameters, run on ``workspace`` and write evidence atomically."""
        self._validate()
        run_id = workspace.start_run("detect", self.name, self.get_params(), self.engine_name())
        try:
            self._compute(workspace)
            with workspace.transaction():
                result = self._run(workspace, run_id)
        except BaseException as exc:
            workspace.finish_run(run_id, status="failed", message=str(exc)[:1000])
            raise
        workspace.finish_run(
            run_id,
            input_rows=result.input_rows,
            output_rows=result.evidence_rows,
            message=result.message,
        )
        return result

    def _validate(self) -> None:
        """Check parameters; raise :class:`~cibwatch.errors.ConfigError` when invalid."""
        return None

    def _compute(self, workspace: Workspace) -> None:
        """Work that writes nothing to the workspace, done before :meth:`_run`'s transaction;
        results go to attributes ending in ``_``.

        DuckDB keeps every table a transaction replaces or drops until the transaction
        ends, since it may roll back: a computation that replaces temporary tables step by
        step piles them all up inside one. Co-action over 239 M shares spilled more than
        47 GB to disk within minutes inside the transaction, where the same computation
        outside it peaked at 13 GB.
        """
        return None

    @abstractmethod
    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        """Do the work and insert evidence rows tagged with ``run_id``."""
