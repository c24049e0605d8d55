"""An investigation with ``engine="spark"`` clusters texts and co-actions on Spark and finds
the networks the embedded engine finds.

In a module of its own: the investigation starts and stops its own Spark session (one
for both heavy steps, as ``investigate --engine spark`` does), and ``detect --engine spark``
one more, which must not stop a session another module's fixture holds.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.main import cli
from cibwatch.networks import stored_networks
from cibwatch.pipeline import InvestigationOptions, investigate

pyspark = pytest.importorskip("pyspark", reason="PySpark is not installed")


def _networks(world: Path, out: Path, engine: str) -> tuple[list[Any], dict[str, str | None]]:
    options = InvestigationOptions(engine=engine, only=("near_duplicate_text", "coaction"))
    with Workspace(out / "w.duckdb") as ws:
        investigate([world], ws, out / "report", options)
        found = [(n.network_id, sorted(n.members), round(n.score, 9)) for n in stored_networks(ws)]
        engines = {
            str(r["name"]): (None if r["engine"] is None else str(r["engine"]))
            for r in ws.runs()
            if r["name"] in ("near_duplicate_text", "coaction")
        }
    return sorted(found), engines


@pytest.mark.spark
def test_investigation_on_spark_finds_the_networks_of_the_embedded_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java on the PATH")
    from cibwatch.synthetic.world import generate_world

    world = tmp_path / "world"
    generate_world(world, posts=3000, seed=7)
    (tmp_path / "duckdb").mkdir()
    (tmp_path / "spark").mkdir()
    expected, engines = _networks(world, tmp_path / "duckdb", "duckdb")
    assert len(expected) >= 2  # the planted operations
    assert engines == {"near_duplicate_text": "duckdb", "coaction": "duckdb"}
    monkeypatch.setenv("CIBWATCH_SPARK_MASTER", "local[1]")
    from cibwatch.engines import spark_engine

    started: list[Any] = []
    original = spark_engine._session

    def counted(master: str, config: Any) -> Any:
        started.append(original(master, config))
        return started[-1]

    monkeypatch.setattr(spark_engine, "_session", counted)
    got, engines = _networks(world, tmp_path / "spark", "spark")
    assert engines == {"near_duplicate_text": "spark", "coaction": "spark"}
    assert got == expected
    # one session served both heavy steps, and the investigation stopped it at its end
    assert len(started) == 1
    assert started[0].sparkContext._jsc is None
    monkeypatch.setattr(spark_engine, "_session", original)
    # the command line re-runs the detector on Spark, with the findings of the embedded run
    ws_path = tmp_path / "spark" / "w.duckdb"
    done = CliRunner().invoke(cli, ["detect", "near-duplicates", str(ws_path), "--engine", "spark"])
    assert done.exit_code == 0, done.output
    with Workspace(ws_path) as ws:
        runs = [r for r in ws.runs() if r["name"] == "near_duplicate_text"]
    assert [r["engine"] for r in runs] == ["spark", "spark"]
    assert runs[0]["output_rows"] == runs[1]["output_rows"] > 0
    assert f"{runs[1]['output_rows']:,} findings" in done.output
