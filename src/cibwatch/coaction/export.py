"""Write co-action edges and nodes: CSV (formula-safe), Parquet, GraphML and GEXF.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) get a leading apostrophe: account names come from the
people we investigate. GraphML/GEXF exports refuse graphs too large for Gephi unless the
caller raises the limits, because a file Gephi cannot open wastes an analyst's afternoon.
For the same reason every text written to GraphML/GEXF passes
:func:`~cibwatch.textsafe.xml_text`: a display name holding a character XML 1.0 forbids
(a control character, a lone surrogate) would make the whole file unreadable.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pyarrow as pa

from cibwatch.errors import ConfigError
from cibwatch.textsafe import xml_text

#: Beyond these sizes Gephi (default heap) becomes unusable; see ``max_nodes``/``max_edges``.
GEPHI_MAX_NODES = 100_000
GEPHI_MAX_EDGES = 1_000_000

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class GraphTooLargeError(ConfigError):
    """A graph exceeds what Gephi can open; the message says how to go on."""


def neutralise(cell: str) -> str:
    """Prefix a quote to text a spreadsheet would evaluate as a formula.

    >>> neutralise("=HYPERLINK(1)"), neutralise("x:12")
    ("'=HYPERLINK(1)", 'x:12')
    """
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return neutralise(" ".join(str(v) for v in value))
    return neutralise(str(value))


def write_csv(table: pa.Table, path: str | Path) -> None:
    """Write ``table`` as CSV with a header, list cells joined by spaces, formula-safe."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(name) for name in table.column_names])
        for batch in table.to_batches(max_chunksize=65_536):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            writer.writerows([_cell(v) for v in row] for row in zip(*columns, strict=True))


def write_table(table: pa.Table, path: str | Path) -> str:
    """Write ``table`` as Parquet (``.parquet``) or CSV (anything else); return the format."""
    if str(path).lower().endswith(".parquet"):
        # Loaded here: a CSV out (the common case) need not pay for the Parquet writer.
        import pyarrow.parquet as pq

        pq.write_table(table, path)
        return "parquet"
    write_csv(table, path)
    return "csv"


def check_gephi_size(
    n_nodes: int,
    n_edges: int,
    *,
    max_nodes: int = GEPHI_MAX_NODES,
    max_edges: int = GEPHI_MAX_EDGES,
) -> None:
    """Raise :class:`GraphTooLargeError` when the graph is beyond the limits."""
    if n_nodes > max_nodes or n_edges > max_edges:
        raise GraphTooLargeError(
            f"the graph has {n_nodes} nodes and {n_edges} edges, more than Gephi handles "
            f"({max_nodes} nodes, {max_edges} edges); export only significant edges, or "
            "raise the limits (--max-nodes/--max-edges) if you know your Gephi can take it, "
            "or write CSV/Parquet instead"
        )


def _attr_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_integer(arrow_type):
        return "long"
    if pa.types.is_floating(arrow_type):
        return "double"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    return "string"


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_graph(
    edges: pa.Table,
    nodes: pa.Table,
    path: str | Path,
    *,
    max_nodes: int = GEPHI_MAX_NODES,
    max_edges: int = GEPHI_MAX_EDGES,
) -> str:
    """Write an undirected graph as GraphML (``.graphml``) or GEXF (``.gexf``).

    ``edges`` needs ``account_a`` and ``account_b``; ``nodes`` needs ``account``. Every
    other column becomes an attribute. Returns the format written.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".graphml", ".gexf"):
        raise ConfigError(f"{path}: a graph file must end in .graphml or .gexf")
    check_gephi_size(nodes.num_rows, edges.num_rows, max_nodes=max_nodes, max_edges=max_edges)
    node_attrs = [
        (n, _attr_type(t))
        for n, t in zip(nodes.column_names, nodes.schema.types, strict=True)
        if n != "account"
    ]
    edge_attrs = [
        (n, _attr_type(t))
        for n, t in zip(edges.column_names, edges.schema.types, strict=True)
        if n not in ("account_a", "account_b")
    ]
    root = (
        _graphml(edges, nodes, node_attrs, edge_attrs)
        if suffix == ".graphml"
        else _gexf(edges, nodes, node_attrs, edge_attrs)
    )
    _xml_safe(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return suffix[1:]


def _xml_safe(root: ET.Element) -> None:
    """Replace, in every text and attribute of the tree, what XML 1.0 cannot hold."""
    for element in root.iter():
        if element.text is not None:
            element.text = xml_text(element.text)
        for name, value in element.attrib.items():
            element.attrib[name] = xml_text(value)


def _graphml(
    edges: pa.Table,
    nodes: pa.Table,
    node_attrs: list[tuple[str, str]],
    edge_attrs: list[tuple[str, str]],
) -> ET.Element:
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for scope, attrs in (("node", node_attrs), ("edge", edge_attrs)):
        for name, kind in attrs:
            ET.SubElement(
                root,
                "key",
                {"id": f"{scope}_{name}", "for": scope, "attr.name": name, "attr.type": kind},
            )
    graph = ET.SubElement(root, "graph", edgedefault="undirected")
    for row in nodes.to_pylist():
        node = ET.SubElement(graph, "node", id=str(row["account"]))
        for name, _ in node_attrs:
            if row[name] is not None:
                ET.SubElement(node, "data", key=f"node_{name}").text = _text(row[name])
    for row in edges.to_pylist():
        edge = ET.SubElement(graph, "edge", source=row["account_a"], target=row["account_b"])
        for name, _ in edge_attrs:
            if row[name] is not None:
                ET.SubElement(edge, "data", key=f"edge_{name}").text = _text(row[name])
    return root


def _gexf(
    edges: pa.Table,
    nodes: pa.Table,
    node_attrs: list[tuple[str, str]],
    edge_attrs: list[tuple[str, str]],
) -> ET.Element:
    root = ET.Element("gexf", xmlns="http://gexf.net/1.3", version="1.3")
    graph = ET.SubElement(root, "graph", defaultedgetype="undirected", mode="static")
    for scope, attrs in (("node", node_attrs), ("edge", edge_attrs)):
        declared = ET.SubElement(graph, "attributes", {"class": scope})
        for name, kind in attrs:
            ET.SubElement(declared, "attribute", id=name, title=name, type=kind)
    node_list = ET.SubElement(graph, "nodes")
    for row in nodes.to_pylist():
        node = ET.SubElement(node_list, "node", id=str(row["account"]), label=str(row["account"]))
        values = ET.SubElement(node, "attvalues")
        for name, _ in node_attrs:
            if row[name] is not None:
                ET.SubElement(values, "attvalue", {"for": name, "value": _text(row[name])})
    edge_list = ET.SubElement(graph, "edges")
    for i, row in enumerate(edges.to_pylist()):
        weight = row.get("weight")
        tags = {"id": str(i), "source": row["account_a"], "target": row["account_b"]}
        if weight is not None:
            tags["weight"] = _text(weight)
        edge = ET.SubElement(edge_list, "edge", tags)
        values = ET.SubElement(edge, "attvalues")
        for name, _ in edge_attrs:
            if row[name] is not None:
                ET.SubElement(values, "attvalue", {"for": name, "value": _text(row[name])})
    return root
