"""``cibwatch export-graph``: co-action edges of a workspace for Gephi or a spreadsheet."""

from __future__ import annotations

import click

from cibwatch.cli.choices import ENGINE_NAMES, GEPHI_MAX_EDGES, GEPHI_MAX_NODES


@click.command("export-graph")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(exists=True))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="File: .graphml or .gexf (Gephi), .csv or .parquet (edges).",
)
@click.option("--nodes-out", type=click.Path(dir_okay=False), default=None, help="Nodes file.")
@click.option("--window", type=float, default=30, show_default=True, help="Seconds.")
@click.option("--min-participation", type=int, default=2, show_default=True)
@click.option("--object-type", "object_types", multiple=True, help="Repeat to choose types.")
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="duckdb", show_default=True)
@click.option("--all-edges", is_flag=True, help="Include edges not judged significant.")
@click.option("--max-nodes", type=int, default=GEPHI_MAX_NODES, show_default=True)
@click.option("--max-edges", type=int, default=GEPHI_MAX_EDGES, show_default=True)
def command(
    workspace_path: str,
    out: str,
    nodes_out: str | None,
    window: float,
    min_participation: int,
    object_types: tuple[str, ...],
    engine: str,
    all_edges: bool,
    max_nodes: int,
    max_edges: int,
) -> None:
    """Export the co-action graph of WORKSPACE (significant edges unless --all-edges)."""
    from cibwatch.coaction import coaction_edges
    from cibwatch.coaction.export import write_graph, write_table
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path, read_only=True) as workspace:
        result = coaction_edges(
            workspace,
            window=window,
            min_participation=min_participation,
            object_types=list(object_types) or None,
            engine=engine,
        )
    edges = result.edges if all_edges else result.significant_edges()
    linked = set(edges.column("account_a").to_pylist()) | set(edges.column("account_b").to_pylist())
    nodes = result.nodes.filter(
        [account in linked for account in result.nodes.column("account").to_pylist()]
    )
    if out.lower().endswith((".graphml", ".gexf")):
        write_graph(edges, nodes, out, max_nodes=max_nodes, max_edges=max_edges)
    else:
        write_table(edges, out)
    if nodes_out is not None:
        write_table(nodes, nodes_out)
    click.echo(f"{edges.num_rows} edges, {nodes.num_rows} accounts -> {out}")
