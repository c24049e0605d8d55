"""``cibwatch export stix|indicators-csv|csv|gexf|graphml|tables`` and ``cibwatch import``.

Thin commands: they parse options, call :mod:`cibwatch.indicators` or the co-action writers
of :mod:`cibwatch.coaction.export`, and print counts. ``csv``, ``gexf`` and ``graphml`` write
the co-action graph the latest co-action detection judged significant, read back from its
evidence rows (no recomputation: the export shows what the report and the networks used).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cibwatch.cli.choices import (
    GEPHI_MAX_EDGES,
    GEPHI_MAX_NODES,
    GROUP_KINDS,
    TABLE_FORMATS,
    TLP_LEVELS,
)
from cibwatch.errors import ConfigError

if TYPE_CHECKING:
    import pyarrow as pa

    from cibwatch.indicators.collect import Shareable
    from cibwatch.workspace import Workspace

#: How many non-indicator rows ``import`` prints (all are stored).
SHOW_TEXTS = 20


@click.group("export")
def export_command() -> None:
    """Export a workspace's findings for sharing."""


_ALL = click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="Every network, not only those an analyst confirmed; indicators of networks "
    "not confirmed are marked UNREVIEWED.",
)


def _refuse_empty(workspace: Workspace, include: str) -> Shareable:
    """What would be shared; stop with a clear message when no network qualifies."""
    from cibwatch.indicators.collect import collect

    shareable = collect(workspace, include=include)
    if not shareable.networks:
        raise click.ClickException(
            "no confirmed network to export: confirm cases first "
            "('cibwatch cases decide'), or pass --all to export every network marked UNREVIEWED"
        )
    return shareable


@export_command.command("stix")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Bundle (.json).")
@click.option(
    "--tlp",
    type=click.Choice(TLP_LEVELS),
    default="amber",
    show_default=True,
    help="TLP 2.0 marking of every object.",
)
@click.option("--producer", default="cibwatch", show_default=True, help="Producer identity.")
@click.option(
    "--group-as",
    type=click.Choice(GROUP_KINDS),
    default="campaign",
    show_default=True,
    help="STIX object for each network.",
)
@_ALL
def stix_command(
    workspace_path: str, out: str, tlp: str, producer: str, group_as: str, include_all: bool
) -> None:
    """Write the confirmed networks of WORKSPACE (--all: every network) as STIX 2.1."""
    from cibwatch.indicators.stix_export import export_stix, left_out
    from cibwatch.workspace import Workspace

    include = "all" if include_all else "confirmed"
    with Workspace(workspace_path, read_only=True) as workspace:
        missing = left_out(_refuse_empty(workspace, include))
        bundle = export_stix(
            workspace,
            Path(out),
            producer=producer,
            tlp=tlp,
            group_kind=group_as,
            include=include,
        )
    kinds: dict[str, int] = {}
    for obj in bundle.objects:
        kinds[obj.type] = kinds.get(obj.type, 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    click.echo(f"wrote {out}: {summary}")
    if missing:
        types = sorted({i.type for i in missing})
        click.echo(
            f"left out {len(missing)} indicators that STIX patterns cannot express "
            f"(types: {', '.join(types)})"
        )
    else:
        click.echo("left out nothing: every indicator has a STIX pattern")


@export_command.command("indicators-csv")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV file.")
@_ALL
def indicators_csv_command(workspace_path: str, out: str, include_all: bool) -> None:
    """Write WORKSPACE's confirmed networks' indicators (--all: every network's) as CSV."""
    from cibwatch.indicators.platform_files import export_indicators_csv
    from cibwatch.workspace import Workspace

    include = "all" if include_all else "confirmed"
    with Workspace(workspace_path, read_only=True) as workspace:
        _refuse_empty(workspace, include)
        rows = export_indicators_csv(workspace, Path(out), include=include)
    click.echo(f"wrote {out}: {rows} indicators")


#: Edge columns of the exported co-action graph, from the evidence row and its details.
_EDGE_SQL = """
SELECT subject_a AS account_a, subject_b AS account_b, strength AS weight,
       CAST(details->>'n_objects' AS BIGINT) AS n_objects,
       CAST(details->>'n_events' AS BIGINT) AS n_events,
       CAST(details->>'median_dt' AS DOUBLE) AS median_dt,
       CAST(details->>'min_dt' AS DOUBLE) AS min_dt,
       p_value, q_value, explanation, proof
FROM evidence
WHERE run_id = ? AND detector = 'coaction' AND subject_kind = 'pair' AND significant
ORDER BY account_a, account_b
"""

#: One row per account on a significant edge, with its profile and its degree.
_NODE_SQL = """
WITH ends AS (
    SELECT subject_a AS account, strength FROM evidence
    WHERE run_id = $run AND detector = 'coaction' AND subject_kind = 'pair' AND significant
    UNION ALL
    SELECT subject_b, strength FROM evidence
    WHERE run_id = $run AND detector = 'coaction' AND subject_kind = 'pair' AND significant
), profiles AS (
    SELECT platform || ':' || account_id AS account, any_value(platform) AS platform,
           any_value(kind) AS kind, any_value(handle) AS handle,
           any_value(display_name) AS display_name, max(followers) AS followers
    FROM accounts GROUP BY 1
)
SELECT e.account, coalesce(p.platform, split_part(e.account, ':', 1)) AS platform,
       p.kind, p.handle, p.display_name, p.followers,
       count(*) AS degree, sum(e.strength) AS strength
FROM ends e LEFT JOIN profiles p USING (account)
GROUP BY ALL ORDER BY e.account
"""


def latest_coaction_graph(workspace: Workspace) -> tuple[int, pa.Table, pa.Table]:
    """The latest finished co-action run and its significant edges and their accounts."""
    latest = workspace.query(
        "SELECT max(run_id) AS run_id FROM runs "
        "WHERE step = 'detect' AND name = 'coaction' AND status = 'ok'"
    )[0]["run_id"]
    if latest is None:
        raise ConfigError(
            f"{workspace.path}: no co-action detection has run; run `cibwatch detect` first"
        )
    run_id = int(latest)
    con = workspace.connection
    edges = con.sql(_EDGE_SQL, params=[run_id]).to_arrow_table()
    nodes = con.sql(_NODE_SQL, params={"run": run_id}).to_arrow_table()
    return run_id, edges, nodes


def _report_written(out: str, run_id: int, edges: pa.Table, nodes: pa.Table) -> None:
    click.echo(
        f"wrote {out}: {edges.num_rows} edges, {nodes.num_rows} accounts (co-action run {run_id})"
    )


def _graph_command(fmt: str) -> click.Command:
    """``export graphml`` / ``export gexf``: the same command for either Gephi format."""

    @export_command.command(
        fmt,
        help=f"Write the significant co-action graph of WORKSPACE's latest co-action run as {fmt}.",
    )
    @click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(exists=True))
    @click.option(
        "--out", required=True, type=click.Path(dir_okay=False), help=f"Graph file (.{fmt})."
    )
    @click.option(
        "--max-nodes",
        type=int,
        default=GEPHI_MAX_NODES,
        show_default=True,
        help="Refuse larger graphs (Gephi cannot open them); raise it if yours can.",
    )
    @click.option(
        "--max-edges",
        type=int,
        default=GEPHI_MAX_EDGES,
        show_default=True,
        help="Refuse graphs with more edges; raise it if your Gephi can take them.",
    )
    def command(workspace_path: str, out: str, max_nodes: int, max_edges: int) -> None:
        from cibwatch.coaction.export import write_graph
        from cibwatch.workspace import Workspace

        if not out.lower().endswith(f".{fmt}"):
            raise click.BadParameter(f"{out}: the file name must end in .{fmt}", param_hint="--out")
        with Workspace(workspace_path, read_only=True) as workspace:
            run_id, edges, nodes = latest_coaction_graph(workspace)
        write_graph(edges, nodes, out, max_nodes=max_nodes, max_edges=max_edges)
        _report_written(out, run_id, edges, nodes)

    return command


graphml_command = _graph_command("graphml")
gexf_command = _graph_command("gexf")


@export_command.command("csv")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Edges CSV file.")
@click.option(
    "--nodes-out", type=click.Path(dir_okay=False), default=None, help="Accounts CSV file."
)
def csv_command(workspace_path: str, out: str, nodes_out: str | None) -> None:
    """Write the significant co-action edges (and accounts) of WORKSPACE as formula-safe CSV."""
    from cibwatch.coaction.export import write_csv
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path, read_only=True) as workspace:
        run_id, edges, nodes = latest_coaction_graph(workspace)
    write_csv(edges, out)
    if nodes_out is not None:
        write_csv(nodes, nodes_out)
    _report_written(out, run_id, edges, nodes)


@export_command.command("tables")
@click.argument("workspace_path", metavar="WORKSPACE", type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(TABLE_FORMATS),
    default="csv",
    show_default=True,
    help="csv (formula-safe) or parquet.",
)
def tables_command(workspace_path: str, out: str, fmt: str) -> None:
    """Write the latest assembly's networks, members, evidence and accounts, one file each."""
    from cibwatch.exports import export_tables
    from cibwatch.workspace import Workspace

    with Workspace(workspace_path, read_only=True) as workspace:
        paths = export_tables(workspace, Path(out), fmt)
    for path in paths:
        click.echo(f"wrote {path}")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--workspace",
    "workspace_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Store the indicators in this workspace (otherwise only report them).",
)
def import_command(file: str, workspace_path: str | None) -> None:
    """Read indicators from FILE: a STIX 2.1 bundle or a platform's indicator file."""
    from cibwatch.indicators.sources import import_indicators
    from cibwatch.workspace import Workspace

    if workspace_path is None:
        result, import_id = import_indicators(Path(file))
    else:
        with Workspace(workspace_path) as workspace:
            result, import_id = import_indicators(Path(file), workspace)
    click.echo(
        f"{file} ({result.format}): {result.rows_read} rows, {len(result.indicators)} "
        f"indicators, {len(result.texts)} non-indicator texts"
        + ("" if import_id is None else f"; stored as import {import_id}")
    )
    for text in result.texts[:SHOW_TEXTS]:
        click.echo(f"  row {text.source_row}: {text.reason}: {text.text!r}")
    if len(result.texts) > SHOW_TEXTS:
        click.echo(f"  ... and {len(result.texts) - SHOW_TEXTS} more")
