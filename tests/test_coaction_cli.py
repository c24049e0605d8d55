"""``cibwatch coordination`` and ``export-graph``: files in, formula-safe edges out."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from click.testing import CliRunner

from cibwatch.cli.coordination import command as coordination
from cibwatch.cli.export_graph import command as export_graph
from cibwatch.coaction.export import GraphTooLargeError, write_graph
from cibwatch.workspace import Workspace


def _shares_csv(path: Path) -> None:
    # "=evil" and "-dash" act together on u and v within 2 s; "c" acts alone.
    path.write_text(
        "who,what,when\n"
        "=evil,u,1700000000\n"
        "-dash,u,1700000002\n"
        "=evil,v,2023-11-14T23:00:00+01:00\n"
        "-dash,v,2023-11-14T22:00:01Z\n"
        "c,v,1700009999\n"
    )


def _invoke(source: Path, out: Path, *extra: str, account: str = "who") -> Any:
    args = [str(source), "--account-col", account, "--object-col", "what", "--time-col", "when"]
    return CliRunner().invoke(coordination, [*args, "--window", "5", "--out", str(out), *extra])


def test_coordination_writes_one_safe_row_per_edge(tmp_path: Path) -> None:
    source, out = tmp_path / "shares.csv", tmp_path / "edges.csv"
    _shares_csv(source)
    result = _invoke(source, out, "--min-participation", "2")
    assert result.exit_code == 0, result.output
    assert "1 edges among 2 accounts" in result.output
    assert "1 tests: the pairs that co-acted at least once" in result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 1
    # Formula injection guard: both account names start with a formula character.
    assert (rows[0]["account_a"], rows[0]["account_b"]) == ("'-dash", "'=evil")
    assert rows[0]["weight"] == "2" and rows[0]["proof"] == "object:u object:v"


def test_coordination_reports_missing_column(tmp_path: Path) -> None:
    source = tmp_path / "shares.csv"
    _shares_csv(source)
    result = _invoke(source, tmp_path / "e.csv", account="user")
    assert result.exit_code != 0
    assert "no column 'user'" in str(result.exception)


def test_coordination_refuses_data_too_dense_and_says_what_to_do(tmp_path: Path) -> None:
    source = tmp_path / "shares.csv"
    _shares_csv(source)
    args = [str(source), "--account-col", "who", "--object-col", "what", "--time-col", "when"]
    args += ["--window", "5", "--out", str(tmp_path / "e.csv")]
    # u: two shares 2 s apart; v: the two shares at 22:00:00 and 22:00:01: 2 pairs examined,
    # one per window, so --max-pairs 1 computes them one time slice at a time.
    result = CliRunner().invoke(coordination, [*args, "--max-pairs", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "e.csv").read_text().count("\n") == 2  # header and one edge
    # A third share of v in the same instant: 3 pairs in one window, which no slice splits.
    with source.open("a") as more:
        more.write("c,v,1699999202\n")
    (tmp_path / "e.csv").unlink()
    result = CliRunner().invoke(coordination, [*args, "--max-pairs", "2"])
    assert result.exit_code != 0
    message = str(result.exception)
    assert "would examine 3 pairs of shares, more than max_pairs (2)" in message
    assert "one 5 s window (from 2023-11-14T22:00:00+00:00)" in message
    assert "object 'v' (3 shares)" in message
    assert not (tmp_path / "e.csv").exists()
    result = CliRunner().invoke(coordination, [*args, "--max-pairs", "0"])
    assert result.exit_code == 0, result.output


def test_coordination_says_what_it_read_row_by_row(tmp_path: Path) -> None:
    # The five shares of _shares_csv, then a post without an object (no share, no loss)
    # and a row whose time is unreadable (rejected, named by row and field).
    source, out = tmp_path / "shares.csv", tmp_path / "edges.csv"
    _shares_csv(source)
    with source.open("a") as rows:
        rows.write("c,,1700000001\nd,u,noon\n")
    result = _invoke(source, out)
    assert result.exit_code == 0, result.output
    assert f"{source}: 7 rows read, 5 shares, 1 rejected (1 unreadable time), 1 no object" in (
        result.output
    )
    assert "1 x unreadable time (first: row 7, field when: 'noon')" in result.output
    assert "1 x no object (first: row 6, field what)" in result.output
    assert "1 edges among 2 accounts" in result.output


def test_coordination_refuses_a_file_that_lost_most_rows(tmp_path: Path) -> None:
    # Three of four rows that name an object lack an account: 75 % rejected, over the
    # default 50 %: exit 1, no edges written, the first such row named.
    source, out = tmp_path / "shares.csv", tmp_path / "edges.csv"
    source.write_text("who,what,when\n,u,1\n,u,2\n,v,3\na,v,4\n")
    result = _invoke(source, out)
    assert result.exit_code == 1
    message = str(result.exception) + result.output
    assert "3 of 4 rows that name an object rejected (75%" in message
    assert "3 x no account (first: row 1, field who)" in message
    assert not out.exists()
    # Allowed to keep what passes, it runs on the one share and says what it set aside.
    result = _invoke(source, out, "--max-reject-share", "1")
    assert result.exit_code == 0, result.output
    assert "4 rows read, 1 shares, 3 rejected (3 no account)" in result.output


def _edges() -> tuple[pa.Table, pa.Table]:
    edges = pa.table(
        {
            "account_a": ["a", "a"],
            "account_b": ["b", "c<&>"],
            "weight": [3, 1],
            "proof": [["url:x"], ["url:y"]],
        }
    )
    nodes = pa.table({"account": ["a", "b", "c<&>"], "degree": [2, 1, 1]})
    return edges, nodes


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_graph_files_parse_and_keep_every_edge(tmp_path: Path, suffix: str) -> None:
    edges, nodes = _edges()
    path = tmp_path / f"g{suffix}"
    write_graph(edges, nodes, path)
    root = ET.parse(path).getroot()
    found = [e for e in root.iter() if e.tag.endswith("}edge")]
    assert len(found) == 2
    assert {e.get("target") for e in found} == {"b", "c<&>"}


def test_gephi_guard_refuses_large_graphs(tmp_path: Path) -> None:
    edges, nodes = _edges()
    with pytest.raises(GraphTooLargeError, match="--max-edges"):
        write_graph(edges, nodes, tmp_path / "g.gexf", max_edges=1)
    assert not (tmp_path / "g.gexf").exists()


def test_export_graph_from_a_workspace(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    t0 = datetime(2024, 1, 1)
    with Workspace(db) as ws:
        rows = [
            (f"x:{i}", "url", f"u{k}", t0 + timedelta(hours=k, seconds=i), f"p{i}{k}")
            for k in range(6)
            for i in range(5)
        ]
        ws.connection.executemany("INSERT INTO actions VALUES (?, ?, ?, ?, 'x', ?)", rows)
    out = tmp_path / "g.graphml"
    # Five accounts and nothing else: every pair co-acts as chance predicts, so none is
    # significant; --all-edges exports them anyway.
    result = CliRunner().invoke(
        export_graph, [str(db), "--out", str(out), "--window", "10", "--all-edges"]
    )
    assert result.exit_code == 0, result.output
    assert "10 edges, 5 accounts" in result.output
    assert out.exists()


def test_coordination_exits_non_zero_when_no_row_is_a_share(tmp_path: Path) -> None:
    # Both rows lack an account: nothing was stored, so the command must not look successful.
    source, out = tmp_path / "shares.csv", tmp_path / "edges.csv"
    source.write_text("who,what,when\n,u,1\n,v,2\n")
    args = [str(source), "--account-col", "who", "--object-col", "what"]
    args += ["--time-col", "when", "--window", "5", "--out", str(out)]
    result = CliRunner().invoke(coordination, args)
    assert result.exit_code == 1
    assert "2 x no account (first: row 1, field who)" in str(result.exception)
    assert not out.exists()
    # Rows that name no object are no defect, but a file of them holds no share either.
    source.write_text("who,what,when\na,,1\nb,,2\n")
    result = CliRunner().invoke(coordination, args)
    assert result.exit_code == 1
    assert "2 rows read, 0 shares, 0 rejected, 2 no object" in result.output
    assert "no share in" in result.output and "'what'" in result.output


def test_coordination_slice_pairs_gives_the_same_edges_in_slices(tmp_path: Path) -> None:
    source = tmp_path / "shares.csv"
    _shares_csv(source)
    args = [str(source), "--account-col", "who", "--object-col", "what", "--time-col", "when"]
    args += ["--window", "5"]
    whole = CliRunner().invoke(coordination, [*args, "--out", str(tmp_path / "whole.csv")])
    assert whole.exit_code == 0, whole.output
    assert "time slices" not in whole.output
    # u's two shares and v's two fall in two windows, one pair each: one slice per window.
    sliced = CliRunner().invoke(
        coordination, [*args, "--slice-pairs", "1", "--out", str(tmp_path / "sliced.csv")]
    )
    assert sliced.exit_code == 0, sliced.output
    assert "the window join ran in 2 time slices of at most 1 planned pairs" in sliced.output
    assert (tmp_path / "sliced.csv").read_text() == (tmp_path / "whole.csv").read_text()
    refused = CliRunner().invoke(
        coordination, [*args, "--slice-pairs", "0", "--out", str(tmp_path / "x.csv")]
    )
    assert refused.exit_code != 0 and "--slice-pairs" in refused.output
