"""Co-action detector: pairs of accounts acting on the same objects within seconds, often.

Writes one ``evidence`` row per tested account pair (``subject_kind = 'pair'``,
``subject_a < subject_b``) with the weight (distinct objects, or co-action pairs under
CooRTweet semantics), the p-value and FDR q-value of :mod:`cibwatch.coaction.significance`,
a sentence, the proving objects and the full statistics in ``details``. The full edge table
(untested edges included) stays available from :func:`cibwatch.coaction.coaction_edges`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from cibwatch.coaction.detection import CoActionResult, coaction_edges
from cibwatch.coaction.explain import explain_edge
from cibwatch.coaction.steps import DEFAULT_MAX_PAIRS, CoActionSpec
from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.engines.base import Engine
from cibwatch.engines.registry import ENGINE_NAMES
from cibwatch.errors import ConfigError
from cibwatch.schema import OBJECT_TYPES

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

_LAYER_COLUMNS = ("account_a", "account_b", "object_type", "n_objects", "n_pairs")
#: Edge statistics copied into each evidence row's ``details`` under the same names.
_DETAIL_COLUMNS = (
    "n_objects",
    "n_pairs",
    "n_events",
    "n_share_pairs",
    "median_dt",
    "min_dt",
    "a_leads",
    "b_leads",
    "expected",
    "n_occasions",
)
_EDGE_COLUMNS = ("account_a", "account_b", "p_value", *_DETAIL_COLUMNS)
#: ``json.dumps(..., sort_keys=True)`` without building an encoder per row.
_JSON = json.JSONEncoder(sort_keys=True)


class CoActionDetector(Detector):
    """Windowed co-action over the ``actions`` table.

    ``engine`` is an engine's name, or an :class:`~cibwatch.engines.base.Engine` the caller
    owns and shares with other steps (an investigation starts one Spark session for both
    heavy steps); the run log records its name either way.

    >>> CoActionDetector(window=10).get_params()["window"]
    10
    """

    name: ClassVar[str] = "coaction"
    signal: ClassVar[str] = "coaction"
    #: What :meth:`_compute` found, until :meth:`_run` has written it as evidence.
    result_: CoActionResult | None = None

    def __init__(
        self,
        *,
        window: float = 30,
        min_participation: int = 2,
        object_types: Sequence[str] | None = None,
        semantics: str = "cibwatch",
        engine: str | Engine = "duckdb",
        fdr: float = 0.05,
        min_objects: int | None = None,
        max_pairs: int | None = DEFAULT_MAX_PAIRS,
        slice_pairs: int | None = None,
    ) -> None:
        self.window = window
        self.min_participation = min_participation
        self.object_types = object_types
        self.semantics = semantics
        self.engine = engine
        self.fdr = fdr
        self.min_objects = min_objects
        self.max_pairs = max_pairs
        self.slice_pairs = slice_pairs

    def engine_name(self) -> str:
        # an engine object is one the caller shares between steps (one Spark session)
        return self.engine.name if isinstance(self.engine, Engine) else str(self.engine)

    def _validate(self) -> None:
        CoActionSpec(
            self.window, self.min_participation, self.semantics, self.max_pairs, self.slice_pairs
        ).check()
        if self.engine_name() not in ENGINE_NAMES:
            raise ConfigError(
                f"unknown engine {self.engine_name()!r}; choose one of {ENGINE_NAMES}"
            )
        if self.object_types is not None:
            unknown = sorted(set(self.object_types) - set(OBJECT_TYPES))
            if unknown or not self.object_types:
                raise ConfigError(f"unknown object types {unknown}; known: {OBJECT_TYPES}")
        if not 0 < self.fdr < 1:
            raise ConfigError(f"fdr must lie strictly between 0 and 1, got {self.fdr}")

    def _compute(self, workspace: Workspace) -> None:
        # outside the transaction that writes the evidence: the sliced path replaces its
        # temporary tables chunk by chunk, and a transaction would keep every one of them
        self.result_ = coaction_edges(
            workspace,
            window=self.window,
            min_participation=self.min_participation,
            object_types=self.object_types,
            semantics=self.semantics,
            engine=self.engine,
            fdr=self.fdr,
            min_objects=self.min_objects,
            max_pairs=self.max_pairs,
            slice_pairs=self.slice_pairs,
        )

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        result, self.result_ = self.result_, None  # the edges are not kept past this run
        if result is None:
            raise RuntimeError("co-action's _run needs _compute first (Detector.run does both)")
        minimum = result.params["min_objects"]
        edges = result.edges
        if self.semantics == "cibwatch":
            edges = edges.filter(pc.greater_equal(edges.column("n_events"), minimum))
        layers = result.layers
        per_type: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
        for a, b, kind, n_objects, n_pairs in zip(
            *(layers.column(c).to_pylist() for c in _LAYER_COLUMNS), strict=True
        ):
            per_type[(a, b)][kind] = {"n_objects": n_objects, "n_pairs": n_pairs}
        # Column by column: the proof lists stay in Arrow and only the sentence and the
        # details are built per edge (row dicts cost most of this step's Python time).
        columns = {c: edges.column(c).to_pylist() for c in _EDGE_COLUMNS}
        explanations, details = [], []
        for i, key in enumerate(zip(columns["account_a"], columns["account_b"], strict=True)):
            layers_of = per_type[key]
            details.append(
                _JSON.encode(
                    {
                        **{c: columns[c][i] for c in _DETAIL_COLUMNS},
                        "per_type": layers_of,
                        "window": self.window,
                        "semantics": self.semantics,
                        "n_tests": result.n_tests,
                    }
                )
            )
            explanations.append(
                explain_edge(
                    key[0],
                    key[1],
                    per_type={kind: int(v["n_objects"]) for kind, v in layers_of.items()},
                    window=self.window,
                    median_dt=float(columns["median_dt"][i]),
                    expected=float(columns["expected"][i]),
                    p_value=float(columns["p_value"][i]),
                )
            )
        n_rows = edges.num_rows
        if n_rows:
            batch = pa.table(
                {
                    "run_id": pa.array([run_id] * n_rows, pa.int64()),
                    "subject_a": edges.column("account_a"),
                    "subject_b": edges.column("account_b"),
                    "strength": pc.cast(edges.column("weight"), pa.float64()),
                    "p_value": edges.column("p_value"),
                    "q_value": edges.column("q_value"),
                    "significant": edges.column("significant"),
                    "explanation": pa.array(explanations, pa.string()),
                    "proof": edges.column("proof"),
                    "details": pa.array(details, pa.string()),
                }
            )
            con = workspace.connection
            con.register("coaction_evidence", batch)
            try:
                con.execute(
                    "INSERT INTO evidence (run_id, detector, signal, subject_kind, subject_a, "
                    "subject_b, strength, p_value, q_value, significant, explanation, proof, "
                    "details) SELECT run_id, ?, ?, 'pair', subject_a, "
                    "subject_b, strength, p_value, q_value, significant, explanation, proof, "
                    "CAST(details AS JSON) FROM coaction_evidence",
                    [self.name, self.signal],
                )
            finally:
                con.unregister("coaction_evidence")
        n_significant = int(pc.sum(edges.column("significant")).as_py() or 0)
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=result.n_shares,
            evidence_rows=n_rows,
            significant_rows=n_significant,
            summary={
                "edges": result.edges.num_rows,
                "tested": n_rows,
                "significant": n_significant,
                "accounts": result.n_accounts,
                "window_pairs": result.n_window_pairs,
                "n_tests": result.n_tests,
                "slices": result.params["slices"],
            },
            message=(
                f"effective tests: {result.n_tests:,} account pairs co-acted at least once "
                f"(of {result.n_accounts:,} accounts); {result.params['multiple_testing']} "
                f"at FDR {self.fdr:g}"
            ),
        )
