"""``investigate``: a whole investigation in one call.

ingest every source -> derive ``actions`` -> run the detectors -> assemble networks ->
link narratives -> write the report and indicators. The CLI's ``investigate`` and ``demo``
commands are thin wrappers of :func:`investigate`. Each step is recorded in the workspace's
run log with its parameters; a step skipped (``skip``/``only``) or failed is recorded too,
with the reason, and the report names it.

>>> sorted(OPTIONAL_STEPS)[:3]
['coaction', 'creation_burst', 'cross_platform']
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from cibwatch.coaction.steps import DEFAULT_MAX_PAIRS
from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.detectors.coaction import CoActionDetector
from cibwatch.detectors.creation import CreationBurstDetector
from cibwatch.detectors.crossplatform import CrossPlatformDetector
from cibwatch.detectors.lookalike import LookalikeDomainDetector
from cibwatch.detectors.neardup import NearDuplicateTextDetector
from cibwatch.detectors.persona import PersonaDetector
from cibwatch.detectors.profilelinks import ProfileLinkDetector
from cibwatch.detectors.recidivism import RecidivismDetector
from cibwatch.detectors.stance import StanceDetector
from cibwatch.dossier import Dossier
from cibwatch.engines.base import Engine
from cibwatch.errors import ConfigError
from cibwatch.evaluation import evaluate, groups_from_json
from cibwatch.indicators.platform_files import export_indicators_csv
from cibwatch.indicators.sources import import_indicators
from cibwatch.indicators.stix_export import export_stix
from cibwatch.ingest.loader import IngestReport
from cibwatch.ingest.shortfall import DEFAULT_MAX_REJECT_SHARE, require_posts
from cibwatch.narratives import NarrativeLinking, link_narratives
from cibwatch.networks import Network, assemble_networks
from cibwatch.progress import StepClock, StepUpdate
from cibwatch.report.html import render_html
from cibwatch.workspace import Workspace

#: File endings taken from a source folder.
DATA_SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".gz")
#: A synthetic world's ground truth: used to check the result, never ingested.
GROUND_TRUTH_NAME = "ground_truth.json"

Progress = Callable[[StepUpdate], None]

#: The detectors an investigation runs, in order (see :func:`default_detectors`).
DETECTORS: Final[tuple[type[Detector], ...]] = (
    NearDuplicateTextDetector,
    CrossPlatformDetector,
    CoActionDetector,
    LookalikeDomainDetector,
    PersonaDetector,
    CreationBurstDetector,
    ProfileLinkDetector,
    StanceDetector,
    RecidivismDetector,
)
#: Steps ``skip`` and ``only`` name: every detector, narrative linking and the indicator
#: exports. Ingest, actions, network assembly and the report always run.
OPTIONAL_STEPS: Final = (*(d.name for d in DETECTORS), "narratives", "indicators")
#: Parameters of the narrative step (keyword arguments of ``link_narratives``).
NARRATIVE_PARAMS: Final = ("threshold", "min_anchors", "window_days")


@dataclass
class InvestigationOptions:
    """Parameters of an investigation (all recorded in the run log)."""

    window: int = 30
    min_participation: int = 2
    fdr: float = 0.05
    engine: str = "duckdb"
    #: Pairs of shares the co-action join may examine before it refuses (None: no bound).
    max_pairs: int | None = DEFAULT_MAX_PAIRS
    assume_tz: str | None = None
    platform: str | None = None
    column_map: str | None = None
    #: A source rejecting more than this share of its rows stops the investigation.
    max_reject_share: float = DEFAULT_MAX_REJECT_SHARE
    min_network_size: int = 3
    seed: int = 0
    tlp: str = "amber"
    #: Indicator files of earlier cases (STIX, platform CSV or markdown) to match against.
    indicators: tuple[Path, ...] = ()
    #: Takedown date: only assets first seen after it count as returning.
    since: datetime | None = None
    #: Optional steps not to run (names from ``OPTIONAL_STEPS``).
    skip: tuple[str, ...] = ()
    #: When given, the only optional steps to run.
    only: tuple[str, ...] = ()
    #: Per-step parameters, e.g. ``{"persona": {"max_distance": 4}}``: keyword arguments of
    #: the step's detector (or of ``link_narratives`` for ``narratives``), over the defaults.
    step_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def runs(self, step: str) -> bool:
        """Whether the optional ``step`` runs under ``skip`` and ``only``."""
        return step not in self.skip and (not self.only or step in self.only)

    def check(self) -> None:
        """Refuse unknown step names and parameters before anything runs."""
        for kind, names in (("skip", self.skip), ("only", self.only), ("params", self.step_params)):
            unknown = sorted(set(names) - set(OPTIONAL_STEPS))
            if unknown:
                raise ConfigError(
                    f"{kind}: no step named {', '.join(unknown)}; steps are "
                    + ", ".join(OPTIONAL_STEPS)
                )
        known = {
            d.name: set(inspect.signature(d.__init__).parameters) - {"self"} for d in DETECTORS
        }
        known["narratives"] = set(NARRATIVE_PARAMS)
        for step, params in self.step_params.items():
            wrong = sorted(set(params) - known.get(step, set()))
            if wrong:
                raise ConfigError(
                    f"step {step} has no parameter {', '.join(wrong)}; its parameters are "
                    + ", ".join(sorted(known.get(step, set())) or ["none"])
                )


@dataclass
class InvestigationResult:
    """What an investigation produced; the data itself stays in the workspace."""

    workspace: str
    report: Path
    stix_bundle: Path | None = None
    indicators_csv: Path | None = None
    ingests: list[IngestReport] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=dict)
    detectors: list[DetectorResult] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    evaluation: list[dict[str, Any]] = field(default_factory=list)
    #: Optional steps not run: step name -> "skipped: why" or "failed: error".
    not_run: dict[str, str] = field(default_factory=dict)


def expand_sources(sources: Sequence[Path]) -> tuple[list[Path], Path | None]:
    """Files to ingest (folders expanded, sorted) and a ground-truth file if one is present."""
    files: list[Path] = []
    truth: Path | None = None
    for source in sources:
        if not source.exists():
            raise ConfigError(f"{source}: no such file or folder")
        candidates = (
            sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        )
        for path in candidates:
            if path.name == GROUND_TRUTH_NAME:
                truth = path
            elif source.is_file() or path.name.lower().endswith(DATA_SUFFIXES):
                files.append(path)
    if not files:
        raise ConfigError("no data files among the sources")
    return files, truth


#: The detectors whose heavy steps run on ``InvestigationOptions.engine``.
ENGINE_STEPS: Final = (NearDuplicateTextDetector.name, CoActionDetector.name)


def default_detectors(
    options: InvestigationOptions, engine: Engine | None = None
) -> list[Detector]:
    """The detectors an investigation runs, in order, configured from ``options``.

    Near-duplicate text runs first: it adds ``text_cluster`` objects to ``actions`` that
    cross-platform linking and the co-action detector then use. ``options.step_params``
    override each detector's defaults; ``skip``/``only`` are applied by :func:`investigate`.
    ``engine``, when given, is the one engine both heavy steps run on (one Spark session
    for the whole investigation instead of one per step); otherwise each starts its own
    ``options.engine``.
    """
    chosen: str | Engine = engine if engine is not None else options.engine
    base: dict[str, dict[str, Any]] = {
        NearDuplicateTextDetector.name: {"seed": options.seed, "engine": chosen},
        CoActionDetector.name: {
            "window": options.window,
            "min_participation": options.min_participation,
            "fdr": options.fdr,
            "engine": chosen,
            "max_pairs": options.max_pairs,
        },
        RecidivismDetector.name: {"since": options.since},
    }
    return [
        cls(**{**base.get(cls.name, {}), **options.step_params.get(cls.name, {})})
        for cls in DETECTORS
    ]


def investigate(
    sources: Sequence[Path],
    workspace: Workspace,
    out_dir: Path,
    options: InvestigationOptions | None = None,
    *,
    progress: Progress | None = None,
    ground_truth: Path | None = None,
) -> InvestigationResult:
    """Run a full investigation of ``sources`` into ``workspace``; write the report.

    ``progress`` receives a :class:`~cibwatch.progress.StepUpdate` when each step starts,
    as rows are read, and when it ends. An optional step that fails is recorded (run log,
    ``result.not_run``, the report) and the others still run; the caller decides what a
    failed step means for its exit status.
    """
    opts = options or InvestigationOptions()
    opts.check()
    files, found_truth = expand_sources(sources)
    truth_path = ground_truth or found_truth
    result = InvestigationResult(workspace=workspace.path, report=out_dir / "report.html")
    steps = len(files) + len(opts.indicators) + len(DETECTORS) + 6
    clock = StepClock(steps, progress)
    workspace.finish_run(
        workspace.start_run("investigate", "pipeline", _recorded(opts, files)), output_rows=None
    )
    for path in files:
        clock.start(f"ingest {path.name}", _rows_in(path))
        result.ingests.append(
            workspace.ingest(
                path,
                assume_tz=opts.assume_tz,
                platform=opts.platform,
                column_map=opts.column_map,
                progress=clock.rows,
                max_reject_share=opts.max_reject_share,
            )
        )
        clock.finish()
    # Detectors on an empty workspace would report "no networks" about data never loaded.
    require_posts(workspace)
    for path in opts.indicators:
        clock.start(f"import indicators {path.name}")
        import_indicators(path, workspace)
        clock.finish()
    clock.start("derive actions")
    result.actions = workspace.derive_actions()
    clock.finish()
    run_ids = []
    # one engine for both heavy steps, started after ingest (which never needs it) and
    # stopped as soon as the detectors are done
    engine = _shared_engine(opts)
    try:
        for detector in default_detectors(opts, engine):
            clock.start(f"detect {detector.name}")
            if not opts.runs(detector.name):
                _skipped(workspace, result, clock, "detect", detector.name, detector.get_params())
                continue
            try:
                det = workspace.run_detector(detector)
            except Exception as exc:  # noqa: BLE001 - one failed signal must not cost the others
                # run_detector rolled its evidence back and logged the run as failed
                result.not_run[detector.name] = f"failed: {type(exc).__name__}: {exc}"[:500]
                clock.finish("failed", result.not_run[detector.name])
                continue
            result.detectors.append(det)
            run_ids.append(det.run_id)
            clock.finish()
    finally:
        if engine is not None:
            engine.close()
    clock.start("assemble networks")
    result.networks = assemble_networks(
        workspace, run_ids=run_ids, min_size=opts.min_network_size, seed=opts.seed
    )
    clock.finish()
    clock.start("link narratives across languages")
    linking: NarrativeLinking | None = None
    if opts.runs("narratives"):
        # once per run, stored: the evaluation, the report, the dashboard and the exports
        # read it from the workspace instead of computing it again
        linking = link_narratives(workspace, **opts.step_params.get("narratives", {}))
        clock.finish()
    else:
        _skipped(workspace, result, clock, "narratives", "narratives", {})
        linking = NarrativeLinking()  # none: the report and the evaluation show none
    dossiers: dict[str, Dossier] = {}
    clock.start("check against the ground truth")
    if truth_path is not None:
        truth = groups_from_json(json.loads(truth_path.read_text(encoding="utf-8")))
        result.evaluation = evaluate(
            result.networks, truth, workspace=workspace, linking=linking, dossiers=dossiers
        )
    clock.finish("ok" if truth_path is not None else "skipped", "" if truth_path else "no truth")
    clock.start("write report")
    render_html(
        workspace,
        result.report,
        evaluation=result.evaluation,
        linking=linking,
        dossiers=dossiers,
    )
    clock.finish()
    clock.start("write indicators")
    if not opts.runs("indicators"):
        _skipped(workspace, result, clock, "export", "indicators", {})
        return result
    # before review: every network's indicators, each marked UNREVIEWED until its case is
    # confirmed (``cibwatch export`` shares confirmed networks only)
    result.stix_bundle = out_dir / "indicators.stix.json"
    export_stix(workspace, result.stix_bundle, tlp=opts.tlp, include="all")
    result.indicators_csv = out_dir / "indicators.csv"
    export_indicators_csv(workspace, result.indicators_csv, include="all")
    clock.finish()
    return result


def _shared_engine(opts: InvestigationOptions) -> Engine | None:
    """The engine both heavy steps share, when it is not the embedded default and one of
    them runs: a Spark session costs seconds to start and gigabytes to hold, so it is
    started once per investigation instead of once per step."""
    if opts.engine == "duckdb" or not any(opts.runs(step) for step in ENGINE_STEPS):
        return None
    from cibwatch.engines.registry import get_engine

    return get_engine(opts.engine)


def _skipped(
    workspace: Workspace,
    result: InvestigationResult,
    clock: StepClock,
    step: str,
    name: str,
    params: Mapping[str, Any],
) -> None:
    """Record a step not run at the caller's request, in the run log and the result."""
    why = "at the caller's request (skip/only)"
    run_id = workspace.start_run(step, name, params)
    workspace.finish_run(run_id, status="skipped", message=why)
    result.not_run[name] = f"skipped: {why}"
    clock.finish("skipped")


def _recorded(opts: InvestigationOptions, files: Sequence[Path]) -> dict[str, Any]:
    """The investigation's own entry in the run log: its files, steps and parameters."""
    return {
        "files": [str(f) for f in files],
        "skip": list(opts.skip),
        "only": list(opts.only),
        "step_params": {k: dict(v) for k, v in opts.step_params.items()},
        "steps_run": [s for s in OPTIONAL_STEPS if opts.runs(s)],
    }


def _rows_in(path: Path) -> int | None:
    """Rows in a Parquet file from its footer (free); None for formats that must be read."""
    if path.suffix.lower() != ".parquet":
        return None
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, ValueError):  # the ingester reports a broken file properly
        return None
