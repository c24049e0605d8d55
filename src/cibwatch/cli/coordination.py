"""``cibwatch coordination``: co-action edges from a CSV/Parquet file of shares.

Parses options, calls :func:`cibwatch.coaction.detect_coordination`, writes the edges (and
optionally nodes) and prints what was read (rows read, shares, rows set aside by reason with
the first row of each) and a one-line summary. No detection logic here.
"""

from __future__ import annotations

from pathlib import Path

import click

from cibwatch.cli.choices import (
    DEFAULT_MAX_PAIRS,
    ENGINE_NAMES,
    SEMANTICS,
    max_reject_share_option,
)


def _no_bound_at_zero(_ctx: click.Context, _param: click.Parameter, value: int) -> int | None:
    return value or None


def max_pairs_option(f: click.decorators.FC) -> click.decorators.FC:
    """``--max-pairs`` (0 for no bound): co-action's guard against data too dense to finish,
    shared by ``coordination``, ``investigate`` and ``demo``. Volume is computed one time
    slice at a time; the bound is what one slice may hold, so only one window denser than
    it is refused."""
    return click.option(
        "--max-pairs",
        type=click.IntRange(min=0),
        default=DEFAULT_MAX_PAIRS,
        show_default=True,
        callback=_no_bound_at_zero,
        help=(
            "Most pairs of shares one time slice of co-action's window join may examine; "
            "a single window holding more is refused as too dense (0: no bound)."
        ),
    )(f)


@click.command("coordination")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False))
@click.option("--account-col", required=True, help="Column naming the account.")
@click.option("--object-col", required=True, help="Column naming the shared object.")
@click.option("--time-col", required=True, help="Time: UNIX seconds or ISO 8601 with zone.")
@click.option("--object-type-col", default=None, help="Column with the object's type.")
@click.option("--content-col", default=None, help="Column with the id of the sharing post.")
@click.option("--window", type=float, required=True, help="Window in seconds (inclusive).")
@click.option(
    "--min-participation",
    type=int,
    default=2,
    show_default=True,
    help="Least number of distinct objects an edge needs.",
)
@click.option("--semantics", type=click.Choice(SEMANTICS), default="cibwatch", show_default=True)
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="duckdb", show_default=True)
@click.option("--fdr", type=float, default=0.05, show_default=True, help="False discovery rate.")
@max_pairs_option
@click.option(
    "--slice-pairs",
    type=click.IntRange(min=1),
    default=None,
    help=(
        "Pairs of shares one time slice of co-action's window join is planned to hold "
        "(DuckDB; default: 40 million, never more than --max-pairs). Smaller slices need "
        "less memory and spill; the edges are the same."
    ),
)
@click.option("--significant-only", is_flag=True, help="Write only the edges judged significant.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Edges: .csv, .parquet, .graphml or .gexf.",
)
@click.option("--nodes-out", type=click.Path(dir_okay=False), default=None, help="Nodes file.")
@max_reject_share_option(
    "Refuse the file (exit 1, nothing written) when more than this share of its rows "
    "that name an object lack an account or a readable time; 1 keeps whatever passes."
)
def command(
    input_path: str,
    account_col: str,
    object_col: str,
    time_col: str,
    object_type_col: str | None,
    content_col: str | None,
    window: float,
    min_participation: int,
    semantics: str,
    engine: str,
    fdr: float,
    max_pairs: int | None,
    slice_pairs: int | None,
    significant_only: bool,
    out: str,
    nodes_out: str | None,
    max_reject_share: float,
) -> None:
    """Link accounts that act on the same objects within WINDOW seconds, repeatedly.

    Writes one row per undirected edge (account_a < account_b) with its weight, statistics,
    proof objects, p-value, q-value and whether it is significant.
    """
    from cibwatch.coaction import detect_coordination
    from cibwatch.coaction.export import write_graph, write_table

    result = detect_coordination(
        Path(input_path),
        account_col=account_col,
        object_col=object_col,
        time_col=time_col,
        object_type_col=object_type_col,
        content_col=content_col,
        window=window,
        min_participation=min_participation,
        semantics=semantics,
        engine=engine,
        fdr=fdr,
        max_pairs=max_pairs,
        max_reject_share=max_reject_share,
        slice_pairs=slice_pairs,
    )
    edges = result.significant_edges() if significant_only else result.edges
    if out.lower().endswith((".graphml", ".gexf")):
        write_graph(edges, result.nodes, out)
    else:
        write_table(edges, out)
    if nodes_out is not None:
        write_table(result.nodes, nodes_out)
    n_significant = result.significant_edges().num_rows
    read = result.read
    if read is not None:
        click.echo(read.summary())
        for line in read.reason_lines():
            click.echo(f"  {line}")
    if result.n_shares == 0:
        # Honest exit: an empty edge file from a file that held no share is no result.
        raise click.ClickException(
            f"no share in {input_path}: every row lacked an account, an object or a time "
            f"(columns {account_col!r}, {object_col!r}, {time_col!r})"
        )
    click.echo(
        f"{result.edges.num_rows} edges among {result.nodes.num_rows} accounts "
        f"({n_significant} significant at FDR {fdr}, {result.n_tests} tests: the pairs that "
        f"co-acted at least once) from {result.n_shares} shares -> {out}"
    )
    slices = int(result.params.get("slices", 1))
    if slices > 1:
        click.echo(
            f"the window join ran in {slices} time slices of at most "
            f"{int(result.params['slice_pairs']):,} planned pairs of shares each"
        )
