"""Co-action detection as library functions: from shares to edges with significance.

Two doors, one computation: :func:`detect_coordination` reads a CSV/Parquet file or an Arrow
table of shares (what ``cibwatch coordination`` calls) and :func:`coaction_edges` reads the
``actions`` table of a workspace (what :class:`~cibwatch.detectors.coaction.CoActionDetector`
calls). Both run the steps of :mod:`cibwatch.coaction.steps` on the chosen engine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from cibwatch.coaction.shares import (
    STAGED_TABLE,
    ShareColumns,
    SharesRead,
    check_read,
    copy_shares,
    stage_shares,
    unstage_shares,
    workspace_shares_sql,
    write_shares,
)
from cibwatch.coaction.significance import add_significance, effective_tests
from cibwatch.coaction.steps import DEFAULT_MAX_PAIRS, OUTPUTS, CoActionSpec, all_steps
from cibwatch.engines.base import Engine, Input, ParquetInput, Step
from cibwatch.engines.duckdb_engine import DuckDBEngine
from cibwatch.engines.registry import get_engine
from cibwatch.errors import ConfigError, UnsupportedOperationError
from cibwatch.ingest.shortfall import DEFAULT_MAX_REJECT_SHARE

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace


@dataclass(frozen=True)
class CoActionResult:
    """Edges (one per account pair, ``account_a < account_b``), per-type layers and nodes.

    ``edges`` columns: account_a, account_b, weight, n_objects, n_pairs, n_events (the
    test statistic), median_dt, min_dt (seconds), a_leads, b_leads (co-actions where that
    account acted first), expected, n_share_pairs, proof (sorted ``object_type:object_id``
    list), p_value, q_value, significant. ``n_tests`` is the effective number of tests
    (account pairs that co-acted at least once), also in ``params``. ``read`` says what
    reading a source file or table found (None for a workspace's actions).
    """

    edges: pa.Table
    layers: pa.Table
    nodes: pa.Table
    n_accounts: int
    n_shares: int
    n_window_pairs: int
    n_tests: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    read: SharesRead | None = None

    def significant_edges(self) -> pa.Table:
        """Only the edges judged significant."""
        return self.edges.filter(self.edges.column("significant"))


def _resolve_engine(engine: str | Engine) -> tuple[Engine, bool]:
    if isinstance(engine, Engine):
        return engine, False
    return get_engine(engine), True


@contextmanager
def _handed_over(engine: Engine, write: Callable[[str], object]) -> Iterator[ParquetInput]:
    """A Parquet file of the shares for ``engine`` to read itself, deleted afterwards.

    ``write(path)`` writes it (with DuckDB, never through Python objects) in a fresh folder
    under the engine's ``stage_dir``.
    """
    with tempfile.TemporaryDirectory(prefix="cibwatch-shares-", dir=engine.stage_dir) as folder:
        path = str(Path(folder) / "shares.parquet")
        write(path)
        yield ParquetInput(path)


def run_coaction(
    shares: Input | Step,
    spec: CoActionSpec,
    engine: Engine,
    *,
    fdr: float = 0.05,
    min_objects: int | None = None,
    checks: Sequence[Step] = (),
    one_object_type: bool = False,
) -> CoActionResult:
    """Run the steps on ``engine`` for ``shares``: an Arrow table, a Parquet file or, on
    DuckDB, a step.

    ``min_objects`` (default ``spec.min_participation``) is the least number of distinct
    objects for an edge to be tested for significance. ``checks`` run right after
    ``unique_shares``, the first stored step (what validates a source read in passing).
    ``one_object_type`` promises that every share has the same object type (a cheaper sort;
    see :func:`~cibwatch.coaction.steps.pair_steps`).
    """
    spec.check()
    steps = all_steps(spec, engine.dialect, one_object_type=one_object_type)
    if checks:
        at = [step.name for step in steps].index("unique_shares") + 1
        steps = [*steps[:at], *checks, *steps[at:]]
    inputs: dict[str, Input] = {}
    if isinstance(shares, Step):
        if not isinstance(engine, DuckDBEngine):
            raise UnsupportedOperationError(
                f"the {engine.name} engine cannot read a workspace table directly; "
                "pass the shares as an Arrow table or a Parquet file"
            )
        # A view: read once, by ``unique_shares``; a stored copy would double the shares.
        steps = [Step("shares", shares.sql, materialize=False, releases=shares.releases), *steps]
    else:
        inputs["shares"] = shares
    out = engine.run(steps, inputs, OUTPUTS)
    n_accounts = int(out["accounts"].column("n_accounts")[0].as_py() or 0)
    n_tests = effective_tests(
        int(out["coacting_pairs"].column("n_coacting_pairs")[0].as_py() or 0),
        out["edges"].num_rows,
    )
    totals = out["type_totals"]
    minimum = spec.min_participation if min_objects is None else min_objects
    edges = add_significance(
        out["edges"].sort_by([("account_a", "ascending"), ("account_b", "ascending")]),
        n_coacting_pairs=n_tests,
        fdr=fdr,
        min_objects=minimum,
    )
    return CoActionResult(
        edges=edges,
        layers=out["layers"].sort_by(
            [("account_a", "ascending"), ("account_b", "ascending"), ("object_type", "ascending")]
        ),
        nodes=out["nodes"].sort_by([("account", "ascending")]),
        n_accounts=n_accounts,
        n_shares=sum(int(n or 0) for n in totals.column("n_shares").to_pylist()),
        n_window_pairs=sum(int(n or 0) for n in totals.column("n_window_pairs").to_pylist()),
        n_tests=n_tests,
        params={
            "window": spec.window,
            "min_participation": spec.min_participation,
            "semantics": spec.semantics,
            "engine": engine.name,
            "fdr": fdr,
            "min_objects": minimum,
            "max_pairs": spec.max_pairs,
            "multiple_testing": "Benjamini-Yekutieli over pairs that co-acted at least once",
            "n_tests": n_tests,
        },
    )


def detect_coordination(
    source: str | Path | pa.Table,
    *,
    account_col: str,
    object_col: str,
    time_col: str,
    object_type_col: str | None = None,
    content_col: str | None = None,
    window: float = 30,
    min_participation: int = 2,
    semantics: str = "cibwatch",
    engine: str | Engine = "duckdb",
    fdr: float = 0.05,
    object_types: Sequence[str] | None = None,
    max_pairs: int | None = DEFAULT_MAX_PAIRS,
    max_reject_share: float | None = DEFAULT_MAX_REJECT_SHARE,
) -> CoActionResult:
    """Find accounts that act on the same objects within ``window`` seconds, repeatedly.

    ``max_pairs`` bounds the pairs of shares the window join may examine; beyond it the run
    stops with :class:`~cibwatch.coaction.steps.TooManyPairsError` before the join starts.
    A source that rejects more than ``max_reject_share`` of the rows naming an object (no
    account, no time, an unreadable time) raises
    :class:`~cibwatch.coaction.shares.SharesShortfallError`; the result's ``read`` counts
    every row.

    >>> import pyarrow as pa
    >>> shares = pa.table({"user": ["a", "b", "a", "b"], "url": ["u", "u", "v", "v"],
    ...                    "ts": [0, 5, 100, 101]})
    >>> r = detect_coordination(shares, account_col="user", object_col="url", time_col="ts",
    ...                         window=10)
    >>> r.edges.select(["account_a", "account_b", "n_objects", "min_dt"]).to_pylist()
    [{'account_a': 'a', 'account_b': 'b', 'n_objects': 2, 'min_dt': 1.0}]
    """
    spec = CoActionSpec(
        window=window,
        min_participation=min_participation,
        semantics=semantics,
        max_pairs=max_pairs,
    )
    spec.check()
    columns = ShareColumns(
        account_col, object_col, time_col, object_type_col, content_col, object_types=object_types
    )
    runner, own = _resolve_engine(engine)
    try:
        if isinstance(runner, DuckDBEngine):
            # Staged by the engine's connection itself: the shares never become Python
            # objects, and the one pass that stages them counts every row by reason.
            sql, read = stage_shares(runner.connection, source, columns)
            try:
                check_read(read, max_reject_share)
                result = run_coaction(
                    Step("shares", sql, releases=(STAGED_TABLE,)),
                    spec,
                    runner,
                    fdr=fdr,
                    # Without a type column every share has the one type ``object``.
                    one_object_type=object_type_col is None,
                )
            finally:
                unstage_shares(runner.connection)
            return replace(result, read=read)
        # Other engines read the normalised shares from a Parquet file that DuckDB writes.
        reads: list[SharesRead] = []
        with _handed_over(
            runner, lambda path: reads.append(write_shares(source, path, columns))
        ) as file:
            check_read(reads[0], max_reject_share)
            return replace(run_coaction(file, spec, runner, fdr=fdr), read=reads[0])
    finally:
        if own:
            runner.close()


def coaction_edges(
    workspace: Workspace,
    *,
    window: float = 30,
    min_participation: int = 2,
    object_types: Sequence[str] | None = None,
    semantics: str = "cibwatch",
    engine: str | Engine = "duckdb",
    fdr: float = 0.05,
    min_objects: int | None = None,
    max_pairs: int | None = DEFAULT_MAX_PAIRS,
) -> CoActionResult:
    """Co-action edges over the workspace table ``actions`` (full per-edge statistics).

    On DuckDB the steps run inside the workspace's own connection (no copy to Python); for
    Spark the workspace writes the shares to a Parquet file that Spark reads.
    """
    spec = CoActionSpec(
        window=window,
        min_participation=min_participation,
        semantics=semantics,
        max_pairs=max_pairs,
    )
    spec.check()
    if object_types is not None and not object_types:
        raise ConfigError("object_types is empty")
    sql = workspace_shares_sql(object_types)
    if isinstance(engine, Engine):
        runner, own = engine, False
    elif engine == "duckdb":
        runner, own = DuckDBEngine(workspace.connection), False
    else:
        runner, own = get_engine(engine), True
    try:
        if isinstance(runner, DuckDBEngine) and runner.connection is workspace.connection:
            return run_coaction(Step("shares", sql), spec, runner, fdr=fdr, min_objects=min_objects)
        con = workspace.connection
        with _handed_over(runner, lambda path: copy_shares(con, sql, path)) as staged:
            return run_coaction(staged, spec, runner, fdr=fdr, min_objects=min_objects)
    finally:
        if own:
            runner.close()
