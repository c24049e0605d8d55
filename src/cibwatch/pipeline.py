"""``investigate``: a whole investigation in one call.

ingest every source -> derive ``actions`` -> run the detectors -> assemble networks ->
write the report. The CLI's ``investigate`` and ``demo`` commands are thin wrappers of
:func:`investigate`. Each step is recorded in the workspace's run log with its parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

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
from cibwatch.errors import ConfigError
from cibwatch.evaluation import evaluate, groups_from_json
from cibwatch.indicators.platform_files import export_indicators_csv
from cibwatch.indicators.sources import import_indicators
from cibwatch.indicators.stix_export import export_stix
from cibwatch.ingest.loader import IngestReport
from cibwatch.narratives import link_narratives
from cibwatch.networks import Network, assemble_networks
from cibwatch.report.html import render_html
from cibwatch.workspace import Workspace

#: File endings taken from a source folder.
DATA_SUFFIXES = (".parquet", ".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".gz")
#: A synthetic world's ground truth: used to check the result, never ingested.
GROUND_TRUTH_NAME = "ground_truth.json"

Progress = Callable[[str], None]


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
    min_network_size: int = 3
    seed: int = 0
    tlp: str = "amber"
    #: Write indicator files at all (each marked unreviewed until a case is confirmed).
    write_indicators: bool = True
    #: Indicator files of earlier cases (STIX, platform CSV or markdown) to match against.
    indicators: tuple[Path, ...] = ()
    #: Takedown date: only assets first seen after it count as returning.
    since: datetime | None = None


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


def default_detectors(options: InvestigationOptions) -> list[Detector]:
    """The detectors an investigation runs, in order, configured from ``options``.

    Near-duplicate text runs first: it adds ``text_cluster`` objects to ``actions`` that
    cross-platform linking and the co-action detector then use.
    """
    return [
        NearDuplicateTextDetector(seed=options.seed),
        CrossPlatformDetector(),
        CoActionDetector(
            window=options.window,
            min_participation=options.min_participation,
            fdr=options.fdr,
            engine=options.engine,
            max_pairs=options.max_pairs,
        ),
        LookalikeDomainDetector(),
        PersonaDetector(),
        CreationBurstDetector(),
        ProfileLinkDetector(),
        StanceDetector(),
        RecidivismDetector(since=options.since),
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
    """Run a full investigation of ``sources`` into ``workspace``; write the report."""
    opts = options or InvestigationOptions()
    say = progress or (lambda _msg: None)
    files, found_truth = expand_sources(sources)
    truth_path = ground_truth or found_truth
    result = InvestigationResult(workspace=workspace.path, report=out_dir / "report.html")
    for path in files:
        say(f"ingest {path.name}")
        result.ingests.append(
            workspace.ingest(
                path,
                assume_tz=opts.assume_tz,
                platform=opts.platform,
                column_map=opts.column_map,
            )
        )
    for path in opts.indicators:
        say(f"import indicators {path.name}")
        import_indicators(path, workspace)
    say("derive actions")
    result.actions = workspace.derive_actions()
    run_ids = []
    for detector in default_detectors(opts):
        say(f"detect {detector.name}")
        det = workspace.run_detector(detector)
        result.detectors.append(det)
        run_ids.append(det.run_id)
    say("assemble networks")
    result.networks = assemble_networks(
        workspace, run_ids=run_ids, min_size=opts.min_network_size, seed=opts.seed
    )
    say("link narratives across languages")
    # Once, for the evaluation and the report: the narratives and the dossiers it builds.
    linking = link_narratives(workspace)
    dossiers: dict[str, Dossier] = {}
    if truth_path is not None:
        truth = groups_from_json(json.loads(truth_path.read_text(encoding="utf-8")))
        result.evaluation = evaluate(
            result.networks, truth, workspace=workspace, linking=linking, dossiers=dossiers
        )
    say("write report")
    render_html(
        workspace,
        result.report,
        evaluation=result.evaluation,
        linking=linking,
        dossiers=dossiers,
    )
    if opts.write_indicators:  # before review: every network's, each marked unreviewed
        say("write indicators (unreviewed)")
        result.stix_bundle = out_dir / "indicators.stix.json"
        export_stix(workspace, result.stix_bundle, tlp=opts.tlp, include="all")
        result.indicators_csv = out_dir / "indicators.csv"
        export_indicators_csv(workspace, result.indicators_csv, include="all")
    return result
