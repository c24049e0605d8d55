"""``cibwatch export csv|gexf|graphml``: the latest significant co-action graph, safe to open."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import igraph as ig
import pytest
from click.testing import CliRunner

from cibwatch.cli.main import cli
from cibwatch.workspace import Workspace

EVIL_NAME = '=HYPERLINK("http://evil.example","click")'
GEXF = "{http://gexf.net/1.3}"


def _evidence(ws: Workspace, run_id: int, a: str, b: str, *, significant: bool, n: int) -> None:
    details = {"n_objects": n, "n_events": n, "median_dt": 4.0, "min_dt": 1.0}
    ws.connection.execute(
        "INSERT INTO evidence VALUES (?, 'coaction', 'coaction', 'pair', ?, ?, ?, 1e-9, ?, ?, "
        "?, ['url:evil.example/a'], ?)",
        [run_id, a, b, float(n), 1e-6 if significant else 0.5, significant,
         f"-{a} and {b} acted together", json.dumps(details)],
    )  # fmt: skip


def _world(path: Path) -> None:
    """Two co-action runs; only the second one's significant pairs must be exported."""
    with Workspace(path) as ws:
        for acc, name in (("1", EVIL_NAME), ("2", "Bob"), ("3", "Carol"), ("4", "Dan")):
            ws.connection.execute(
                "INSERT INTO accounts (platform, account_id, kind, handle, display_name, "
                "followers) VALUES ('x', ?, 'account', ?, ?, 10)",
                [acc, f"h{acc}", name],
            )
        old = ws.start_run("detect", "coaction", {"window": 30})
        ws.finish_run(old)
        _evidence(ws, old, "x:1", "x:4", significant=True, n=9)  # superseded run
        new = ws.start_run("detect", "coaction", {"window": 30})
        ws.finish_run(new)
        _evidence(ws, new, "x:1", "x:2", significant=True, n=5)
        _evidence(ws, new, "x:2", "x:3", significant=True, n=3)
        _evidence(ws, new, "x:3", "x:4", significant=False, n=1)  # not significant
        failed = ws.start_run("detect", "coaction", {"window": 30})
        ws.finish_run(failed, status="failed", message="boom")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    _world(path)
    return path


def _export(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["export", *args])
    return result.exit_code, result.output


def test_csv_exports_the_latest_significant_edges_formula_safe(
    workspace: Path, tmp_path: Path
) -> None:
    edges_out, nodes_out = tmp_path / "edges.csv", tmp_path / "nodes.csv"
    code, output = _export(
        "csv", str(workspace), "--out", str(edges_out), "--nodes-out", str(nodes_out)
    )
    assert code == 0, output
    assert "2 edges, 3 accounts (co-action run 2)" in output
    edges = list(csv.DictReader(edges_out.open(encoding="utf-8")))
    assert [(e["account_a"], e["account_b"]) for e in edges] == [("x:1", "x:2"), ("x:2", "x:3")]
    assert [e["n_objects"] for e in edges] == ["5", "3"]
    assert edges[0]["explanation"].startswith("'-x:1")  # a leading '-' would be a formula
    nodes = {n["account"]: n for n in csv.DictReader(nodes_out.open(encoding="utf-8"))}
    assert sorted(nodes) == ["x:1", "x:2", "x:3"]
    assert nodes["x:1"]["display_name"] == "'" + EVIL_NAME
    assert nodes["x:2"]["degree"] == "2" and nodes["x:2"]["strength"] == "8.0"


def test_graphml_opens_in_igraph_with_attributes(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    code, output = _export("graphml", str(workspace), "--out", str(out))
    assert code == 0, output
    graph = ig.Graph.Read_GraphML(str(out))
    assert sorted(graph.vs["id"]) == ["x:1", "x:2", "x:3"]
    assert graph.ecount() == 2
    assert sorted(graph.es["weight"]) == [3.0, 5.0]
    names = dict(zip(graph.vs["id"], graph.vs["display_name"], strict=True))
    assert names["x:1"] == EVIL_NAME  # XML escapes it; no spreadsheet reads GraphML


def test_gexf_lists_nodes_edges_and_weights(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.gexf"
    code, output = _export("gexf", str(workspace), "--out", str(out))
    assert code == 0, output
    root = ET.parse(out).getroot()
    nodes = [n.get("id", "") for n in root.iter(f"{GEXF}node")]
    edges = [
        (e.get("source", ""), e.get("target", ""), e.get("weight", ""))
        for e in root.iter(f"{GEXF}edge")
    ]
    assert sorted(nodes) == ["x:1", "x:2", "x:3"]
    assert sorted(edges) == [("x:1", "x:2", "5.0"), ("x:2", "x:3", "3.0")]


def test_gephi_guard_refuses_big_graphs_unless_the_limits_are_raised(
    workspace: Path, tmp_path: Path
) -> None:
    out = tmp_path / "g.gexf"
    code, output = _export("gexf", str(workspace), "--out", str(out), "--max-edges", "1")
    assert code != 0
    assert "--max-nodes/--max-edges" in output and "2 edges" in output
    assert not out.exists()
    code, output = _export(
        "graphml", str(workspace), "--out", str(tmp_path / "g.graphml"), "--max-nodes", "2"
    )
    assert code != 0 and "3 nodes" in output
    code, output = _export(
        "gexf", str(workspace), "--out", str(out), "--max-edges", "2", "--max-nodes", "3"
    )
    assert code == 0, output
    assert out.exists()


def test_graph_file_name_must_match_the_format(workspace: Path, tmp_path: Path) -> None:
    code, output = _export("gexf", str(workspace), "--out", str(tmp_path / "g.graphml"))
    assert code != 0 and "must end in .gexf" in output


def test_workspace_without_coaction_run_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    with Workspace(path):
        pass
    code, output = _export("csv", str(path), "--out", str(tmp_path / "e.csv"))
    assert code != 0
    assert "no co-action detection has run" in output
    assert not (tmp_path / "e.csv").exists()


#: A display name an operator can choose: XML 1.0 forbids NUL, ESC, form feed and the rest.
CONTROL_NAME = "Bob\x00\x01\x08\x0b\x0c\x1b]0;pwned\x07\x1f"


@pytest.mark.parametrize("kind", ["graphml", "gexf"])
def test_control_characters_in_names_and_ids_keep_the_graph_file_valid_xml(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "ws.duckdb"
    _world(path)
    with Workspace(path) as ws:
        con = ws.connection
        con.execute("UPDATE accounts SET display_name = ? WHERE account_id = '2'", [CONTROL_NAME])
        con.execute("UPDATE accounts SET account_id = '3\x1b\x02' WHERE account_id = '3'")
        con.execute("UPDATE evidence SET subject_b = 'x:3\x1b\x02' WHERE subject_b = 'x:3'")
    out = tmp_path / f"g.{kind}"
    code, output = _export(kind, str(path), "--out", str(out))
    assert code == 0, output
    root = ET.parse(out).getroot()  # the XML parser is the judge: it refuses forbidden chars
    text = ET.tostring(root, encoding="unicode")
    assert "Bob\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd]0;pwned\ufffd\ufffd" in text
    if kind == "graphml":
        graph = ig.Graph.Read_GraphML(str(out))
        assert sorted(graph.vs["id"]) == ["x:1", "x:2", "x:3\ufffd\ufffd"]
        assert graph.ecount() == 2, "the renamed node is still the end of its edge"
    else:
        nodes = {n.get("id") for n in root.iter(f"{GEXF}node")}
        ends = {e.get("target") for e in root.iter(f"{GEXF}edge")}
        assert "x:3\ufffd\ufffd" in nodes and "x:3\ufffd\ufffd" in ends
