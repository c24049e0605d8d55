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

from cibwatch.coaction.detection import coaction_edges
from cibwatch.coaction.explain import explain_edge
from cibwatch.coaction.steps import DEFAULT_MAX_PAIRS, CoActionSpec
from cibwatch.detectors.base import Detector, DetectorResult
from cibwatch.engines.registry import ENGINE_NAMES
from cibwatch.errors import ConfigError
from cibwatch.schema import OBJECT_TYPES

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace


class CoActionDetector(Detector):
    """Windowed co-action over the ``actions`` table.

    >>> CoActionDetector(window=10).get_params()["window"]
    10
    """

    name: ClassVar[str] = "coaction"
    signal: ClassVar[str] = "coaction"

    def __init__(
        self,
        *,
        window: float = 30,
        min_participation: int = 2,
        object_types: Sequence[str] | None = None,
        semantics: str = "cibwatch",
        engine: str = "duckdb",
        fdr: float = 0.05,
        min_objects: int | None = None,
        max_pairs: int | None = DEFAULT_MAX_PAIRS,
    ) -> None:
        self.window = window
        self.min_participation = min_participation
        self.object_types = object_types
        self.semantics = semantics
        self.engine = engine
        self.fdr = fdr
        self.min_objects = min_objects
        self.max_pairs = max_pairs

    def _validate(self) -> None:
        CoActionSpec(self.window, self.min_participation, self.semantics, self.max_pairs).check()
        if self.engine not in ENGINE_NAMES:
            raise ConfigError(f"unknown engine {self.engine!r}; choose one of {ENGINE_NAMES}")
        if self.object_types is not None:
            unknown = sorted(set(self.object_types) - set(OBJECT_TYPES))
            if unknown or not self.object_types:
                raise ConfigError(f"unknown object types {unknown}; known: {OBJECT_TYPES}")
        if not 0 < self.fdr < 1:
            raise ConfigError(f"fdr must lie strictly between 0 and 1, got {self.fdr}")

    def _run(self, workspace: Workspace, run_id: int) -> DetectorResult:
        result = coaction_edges(
            workspace,
            window=self.window,
            min_participation=self.min_participation,
            object_types=self.object_types,
            semantics=self.semantics,
            engine=self.engine,
            fdr=self.fdr,
            min_objects=self.min_objects,
            max_pairs=self.max_pairs,
        )
        minimum = result.params["min_objects"]
        edges = result.edges
        if self.semantics == "cibwatch":
            edges = edges.filter(pc.greater_equal(edges.column("n_events"), minimum))
        per_type: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
        for layer in result.layers.to_pylist():
            per_type[(layer["account_a"], layer["account_b"])][layer["object_type"]] = {
                "n_objects": layer["n_objects"],
                "n_pairs": layer["n_pairs"],
            }
        rows = []
        for edge in edges.to_pylist():
            key = (edge["account_a"], edge["account_b"])
            layers = per_type[key]
            details = {
                "n_objects": edge["n_objects"],
                "n_pairs": edge["n_pairs"],
                "n_events": edge["n_events"],
                "n_share_pairs": edge["n_share_pairs"],
                "per_type": layers,
                "median_dt": edge["median_dt"],
                "min_dt": edge["min_dt"],
                "a_leads": edge["a_leads"],
                "b_leads": edge["b_leads"],
                "expected": edge["expected"],
                "window": self.window,
                "semantics": self.semantics,
                "n_occasions": edge["n_occasions"],
                "n_tests": result.n_tests,
            }
            sentence = explain_edge(
                key[0],
                key[1],
                per_type={kind: int(v["n_objects"]) for kind, v in layers.items()},
                window=self.window,
                median_dt=float(edge["median_dt"]),
                expected=float(edge["expected"]),
                p_value=float(edge["p_value"]),
            )
            rows.append(
                {
                    "run_id": run_id,
                    "detector": self.name,
                    "signal": self.signal,
                    "subject_kind": "pair",
                    "subject_a": key[0],
                    "subject_b": key[1],
                    "strength": float(edge["weight"]),
                    "p_value": edge["p_value"],
                    "q_value": edge["q_value"],
                    "significant": bool(edge["significant"]),
                    "explanation": sentence,
                    "proof": edge["proof"],
                    "details": json.dumps(details, sort_keys=True),
                }
            )
        if rows:
            batch = pa.Table.from_pylist(rows)
            con = workspace.connection
            con.register("coaction_evidence", batch)
            try:
                con.execute(
                    "INSERT INTO evidence (run_id, detector, signal, subject_kind, subject_a, "
                    "subject_b, strength, p_value, q_value, significant, explanation, proof, "
                    "details) SELECT run_id, detector, signal, subject_kind, subject_a, "
                    "subject_b, strength, p_value, q_value, significant, explanation, proof, "
                    "CAST(details AS JSON) FROM coaction_evidence"
                )
            finally:
                con.unregister("coaction_evidence")
        n_significant = sum(1 for row in rows if row["significant"])
        return DetectorResult(
            detector=self.name,
            run_id=run_id,
            input_rows=result.n_shares,
            evidence_rows=len(rows),
            significant_rows=n_significant,
            summary={
                "edges": result.edges.num_rows,
                "tested": len(rows),
                "significant": n_significant,
                "accounts": result.n_accounts,
                "window_pairs": result.n_window_pairs,
                "n_tests": result.n_tests,
            },
            message=(
                f"effective tests: {result.n_tests:,} account pairs co-acted at least once "
                f"(of {result.n_accounts:,} accounts); {result.params['multiple_testing']} "
                f"at FDR {self.fdr:g}"
            ),
        )
