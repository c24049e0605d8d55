"""``cibwatch export tables``: the latest assembly's tables as formula-safe CSV or Parquet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.main import cli
from cibwatch.errors import ConfigError, WorkspaceError
from cibwatch.exports import export_tables
from test_report_targets import MEMBERS, build_world

NAMES = ["networks", "network_members", "evidence", "accounts"]


def _workspace(path: Path) -> Path:
    with Workspace(path) as ws:
        build_world(ws, handle="=HYPERLINK(1)")
    return path


def test_parquet_round_trip_keeps_rows_and_types(tmp_path: Path) -> None:
    ws_path = _workspace(tmp_path / "w.duckdb")
    with Workspace(ws_path, read_only=True) as ws:
        paths = export_tables(ws, tmp_path / "out", "parquet")
        expected = {
            "networks": ws.count("networks"),
            "network_members": ws.count("network_members"),
            "evidence": ws.query("SELECT count(*) AS n FROM evidence WHERE significant")[0]["n"],
            "accounts": ws.count("accounts"),
        }
    assert [p.name for p in paths] == [f"{n}.parquet" for n in NAMES]
    for name, path in zip(NAMES, paths, strict=True):
        assert pq.read_table(path).num_rows == expected[name], name
    networks = pq.read_table(paths[0]).to_pylist()
    (net,) = networks
    assert net["size"] == 3 and net["score_lookalike"] == pytest.approx(1 / 3, abs=1e-3)
    # the two axes and the verdict, as assembly judged them
    summary = json.loads(net["summary"])
    assert net["verdict"] == summary["verdict"] is not None
    assert net["coordination"] == summary["coordination"]["strength"]
    assert net["inauthenticity"] == summary["inauthenticity"]["strength"]
    evidence = duckdb.connect().execute(f"SELECT * FROM read_parquet('{paths[2]}')").fetchall()
    proofs = [row[11] for row in evidence]
    assert ["url:x"] in proofs  # lists stay lists in Parquet
    accounts = pq.read_table(paths[3]).to_pylist()
    assert sorted(a["account"] for a in accounts) == MEMBERS
    assert accounts[0]["handle"] == "=HYPERLINK(1)0"  # Parquet keeps values exact


def test_csv_round_trip_is_formula_safe(tmp_path: Path) -> None:
    ws_path = _workspace(tmp_path / "w.duckdb")
    result = CliRunner().invoke(
        cli, ["export", "tables", str(ws_path), "--out", str(tmp_path / "csv")]
    )
    assert result.exit_code == 0, result.output
    for name in NAMES:
        assert f"wrote {tmp_path / 'csv' / (name + '.csv')}" in result.output
    with (tmp_path / "csv" / "accounts.csv").open(encoding="utf-8", newline="") as handle:
        accounts = list(csv.DictReader(handle))
    assert [a["handle"] for a in accounts] == [f"'=HYPERLINK(1){i}" for i in range(3)]
    assert {a["network_id"] for a in accounts} == {accounts[0]["network_id"]}
    evidence_csv = tmp_path / "csv" / "evidence.csv"
    rows = (
        duckdb.connect()
        .execute(f"SELECT * FROM read_csv('{evidence_csv}', all_varchar = true)")
        .fetchall()
    )
    assert len(rows) == 4  # 3 co-action pairs and 1 look-alike domain
    domain = next(r for r in rows if r[3] == "domain")
    assert json.loads(domain[12])["brand"] == "spiegel.de"  # details stay parseable JSON
    with (tmp_path / "csv" / "networks.csv").open(encoding="utf-8", newline="") as handle:
        (net,) = list(csv.DictReader(handle))
    assert float(net["score_coordination"]) == pytest.approx(0.8)


def test_workspace_without_assembly_and_unknown_format_are_refused(tmp_path: Path) -> None:
    with Workspace() as ws:
        with pytest.raises(WorkspaceError, match="no assembled networks"):
            export_tables(ws, tmp_path, "csv")
        with pytest.raises(ConfigError, match="unknown table format"):
            export_tables(ws, tmp_path, "xlsx")
