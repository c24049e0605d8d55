"""The main job end to end: sample world -> investigate -> report naming the planted ops."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cibwatch import Workspace
from cibwatch.cli.main import cli
from cibwatch.dossier import Dossier, build_dossier
from cibwatch.errors import ConfigError
from cibwatch.evaluation import GroupTruth, evaluate, groups_from_json
from cibwatch.fingerprints.stance import networks_sides
from cibwatch.narratives import link_narratives
from cibwatch.networks import Network, stored_networks
from cibwatch.pipeline import expand_sources
from cibwatch.report.context import report_context


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--posts", "15000"])
    assert result.exit_code == 0, result.output
    return out


def test_demo_finds_both_planted_operations_and_no_innocent_group(demo: Path) -> None:
    html = (demo / "report.html").read_text(encoding="utf-8")
    truth = json.loads((demo / "world" / "ground_truth.json").read_text(encoding="utf-8"))
    for group in truth["groups"]:
        assert group["label"] in html
    assert html.count(">found<") == 2
    assert html.count(">not flagged (correct)<") == 3
    assert "wrongly flagged" not in html and ">missed<" not in html


def test_demo_report_explains_the_operations(demo: Path) -> None:
    html = (demo / "report.html").read_text(encoding="utf-8")
    # op (a): the office shift in China's working hours, against the claimed US home
    assert "Monday-Friday 09:00-17:00 at UTC+8" in html
    # op (b): look-alike outlets and a generated domain family, and ads in two currencies
    assert "spiegel.ltd imitates Der Spiegel" in html
    assert "generated domain family" in html
    assert "<td>EUR</td>" in html and "<td>USD</td>" in html
    # op (a)'s attribution: a time zone far from its claimed home, never a named government
    assert "Consistent with operators working office hours in UTC+8" in html
    assert html.count("Not attributed to a government or an organisation.") == 2
    # each network's top narratives, and the section on narratives across operations
    assert "Top narratives" in html and "Narratives across operations" in html
    # op (a) poses on both sides of abortion and guns
    assert "Divisive issues" in html and "pro-life" in html and "gun-control" in html


def test_silent_assets_join_through_profile_links_and_dossiers_match_the_truth(
    demo: Path,
) -> None:
    truth = json.loads((demo / "world" / "ground_truth.json").read_text(encoding="utf-8"))
    groups = {g.group_id: g for g in groups_from_json(truth)}
    op_b = next(g for g in truth["groups"] if g["id"] == "op_b_doppelganger")
    silent = set(op_b["details"]["silent_assets"])
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        networks = stored_networks(ws)
        rows = {r["group_id"]: r for r in evaluate(networks, groups.values(), workspace=ws)}
    net = next(n for n in networks if n.network_id == rows["op_b_doppelganger"]["network_id"])
    # every asset, the silent ones included, and nobody else
    assert set(net.members) == groups["op_b_doppelganger"].accounts
    attached = {a["account"]: a for a in net.summary["attached"]}
    assert silent and set(attached) == silent
    assert all(a["signals"] == ["profile_link"] for a in attached.values())
    for group_id in ("op_a_spamouflage", "op_b_doppelganger"):
        # found, and called CIB: coordinated and with signs of inauthenticity
        assert rows[group_id]["network_verdict"] == "cib"
        check = rows[group_id]["dossier"]
        assert check["match"], (group_id, check)
        zone = check["time_zone"]
        assert zone["truth"] in zone["credible"]
        assert zone["point_match"] == (zone["point_estimate"] == zone["truth"])
    for group_id, group in groups.items():
        if group.innocent:
            assert rows[group_id]["verdict"] == "not flagged (correct)"
            assert rows[group_id]["network_verdict"] is None
            assert not any(group.accounts.intersection(n.members) for n in networks)


def _planted(demo: Path) -> list[GroupTruth]:
    """The demo world's ground truth: its planted operations and innocent groups."""
    return groups_from_json(
        json.loads((demo / "world" / "ground_truth.json").read_text(encoding="utf-8"))
    )


def test_the_report_reuses_the_dossiers_the_evaluation_built(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth = _planted(demo)
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        networks = stored_networks(ws)
        linking = link_narratives(ws)
        dossiers: dict[str, Dossier] = {}
        rows = evaluate(networks, truth, workspace=ws, linking=linking, dossiers=dossiers)
        found = {r["network_id"] for r in rows if r["found"] and not r["innocent"]}
        assert len(found) == 2 and set(dossiers) == found
        fresh = report_context(ws, evaluation=rows, linking=linking)
        built: list[str] = []

        def counting(workspace: Workspace, network: Network, **kwargs: Any) -> Dossier:
            built.append(network.network_id)
            return build_dossier(workspace, network, **kwargs)

        monkeypatch.setattr("cibwatch.report.context.build_dossier", counting)
        monkeypatch.setattr("cibwatch.dossier.build_dossier", counting)  # build_dossiers
        reused = report_context(ws, evaluation=rows, linking=linking, dossiers=dossiers)
        assert sorted(built) == sorted({n.network_id for n in networks} - found)
        # one dossier given: the report builds the others (their stances read together)
        # and shows the same as when it built them all
        kept = min(found)
        built.clear()
        partly = report_context(
            ws, evaluation=rows, linking=linking, dossiers={kept: dossiers[kept]}
        )
        assert sorted(built) == sorted({n.network_id for n in networks} - {kept})
    assert reused["networks"] == fresh["networks"] == partly["networks"]


def test_the_evaluation_reads_the_stances_of_all_found_networks_at_once(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo's two planted operations are found by two networks: their dossiers are
    # built together (one reading of the members' stances), and each is the dossier
    # built for that network alone.
    truth = _planted(demo)
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        networks = stored_networks(ws)
        linking = link_narratives(ws)
        readings: list[list[str]] = []
        real = networks_sides

        def counting(workspace: Workspace, groups: Any, *args: Any, **kwargs: Any) -> Any:
            readings.append(sorted(groups))
            return real(workspace, groups, *args, **kwargs)

        monkeypatch.setattr("cibwatch.dossier.networks_sides", counting)
        dossiers: dict[str, Dossier] = {}
        rows = evaluate(networks, truth, workspace=ws, linking=linking, dossiers=dossiers)
        found = sorted({r["network_id"] for r in rows if r["found"] and not r["innocent"]})
        assert len(found) == 2 and readings == [found] and sorted(dossiers) == found
        by_id = {n.network_id: n for n in networks}
        for network_id in found:
            alone = build_dossier(ws, by_id[network_id], linking=linking)
            assert asdict(dossiers[network_id]) == asdict(alone)


def test_demo_writes_indicators_to_share(demo: Path) -> None:
    bundle = json.loads((demo / "indicators.stix.json").read_text(encoding="utf-8"))
    kinds = {o["type"] for o in bundle["objects"]}
    assert {"campaign", "indicator", "identity", "relationship"} <= kinds
    patterns = " ".join(o.get("pattern", "") for o in bundle["objects"])
    assert "domain-name:value = 'spiegel.ltd'" in patterns
    assert "spiegel.ltd" in (demo / "indicators.csv").read_text(encoding="utf-8")


def test_workspace_keeps_every_step_with_its_parameters(demo: Path) -> None:
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        steps = [(r["step"], r["name"], r["status"]) for r in ws.runs()]
        assert ("derive", "actions", "ok") in steps
        assert ("assemble", "networks", "ok") in steps
        assert {name for step, name, _ in steps if step == "detect"} == {
            "coaction",
            "lookalike_domains",
            "persona",
            "creation_burst",
            "stance",
            "recidivism",
            "near_duplicate_text",
            "cross_platform",
            "profile_links",
        }
        params = ws.query("SELECT params FROM runs WHERE name = 'coaction'")[0]["params"]
        assert json.loads(params)["window"] == 30


def test_report_command_rerenders_from_the_workspace(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "again.html"
    result = CliRunner().invoke(cli, ["report", str(demo / "workspace.duckdb"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Doppelganger" not in out.read_text(encoding="utf-8")  # no ground truth here
    assert "N-" in out.read_text(encoding="utf-8")


def test_sources_must_exist_and_hold_data(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        expand_sources([tmp_path / "missing"])
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(ConfigError, match="no data files"):
        expand_sources([tmp_path])


def test_investigate_reports_a_broken_input_file_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "posts.csv"
    bad.write_text("platform,post_id,account_id,created_at\nx,1,a,2024-01-01 10:00\n")
    result = CliRunner().invoke(
        cli, ["investigate", str(bad), "-w", str(tmp_path / "w.duckdb"), "-o", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "posts.csv" in result.output and "created_at" in result.output
    assert "--assume-tz" in result.output
    assert "Traceback" not in result.output


def test_investigate_refuses_co_action_too_dense_cleanly(tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    rows = [f"x,{i},acc{i},2024-01-01T10:00:0{i}Z,https://a.example/x" for i in range(4)]
    posts.write_text("platform,post_id,account_id,created_at,urls\n" + "\n".join(rows) + "\n")
    args = ["investigate", str(posts), "-w", str(tmp_path / "w.duckdb"), "-o", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--max-pairs", "1"])
    assert result.exit_code != 0
    assert "more than max_pairs (1)" in result.output and "Shorten the window" in result.output
    assert "Traceback" not in result.output
    with Workspace(tmp_path / "w.duckdb") as ws:
        failed = [r for r in ws.runs() if r["status"] == "failed"]
    assert [r["name"] for r in failed] == ["coaction"]
    assert json.loads(failed[0]["params"])["max_pairs"] == 1


def test_investigate_catches_assets_returning_after_a_takedown(demo: Path, tmp_path: Path) -> None:
    truth = json.loads((demo / "world" / "ground_truth.json").read_text(encoding="utf-8"))
    op = next(g for g in truth["groups"] if g["id"] == "op_b_doppelganger")
    day = op["details"]["block_day"]
    generated = [d for d in op["domains"] if d["technique"] == "generated"]
    old = [d["domain"] for d in generated if d["first_day"] < day]
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(
        "indicator_type,indicator_value,comment,ds\n"
        + "".join(f"domain_name,{d.replace('.', '[.]')},earlier case,2024-03-01\n" for d in old),
        encoding="utf-8",
    )
    start = datetime.fromisoformat(truth["world"]["start"]).replace(tzinfo=None)
    since = (start + timedelta(days=day)).strftime("%Y-%m-%d")
    result = CliRunner().invoke(
        cli,
        [
            "investigate",
            str(demo / "world"),
            "-w",
            str(tmp_path / "w.duckdb"),
            "-o",
            str(tmp_path / "out"),
            "--indicators",
            str(earlier),
            "--since",
            since,
        ],
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "recidivism" in html and "scrambles the letters of the known" in html


def test_persona_signals_on_the_sample_world_match_its_ground_truth(demo: Path) -> None:
    truth = json.loads((demo / "world" / "ground_truth.json").read_text(encoding="utf-8"))
    op = next(g for g in truth["groups"] if g["id"] == "op_a_spamouflage")
    members = sorted(
        k for kinds in op["accounts"].values() for keys in kinds.values() for k in keys
    )
    shared = op["details"]["shared_profile_images"]
    with Workspace(demo / "workspace.duckdb", read_only=True) as ws:
        male_photos = {
            r["k"]
            for r in ws.query(
                "SELECT platform || ':' || account_id AS k FROM accounts "
                "WHERE photo_gender = 'male' AND list_contains(?, platform || ':' || account_id)",
                [members],
            )
        }
        mismatches = {
            r["subject_a"]
            for r in ws.query(
                "SELECT subject_a FROM evidence WHERE signal = 'persona_mismatch' "
                "AND list_contains(?, subject_a)",
                [members],
            )
        }
        sharing = {
            r["k"]
            for r in ws.query(
                "SELECT platform || ':' || account_id AS k FROM accounts "
                "WHERE list_contains(?, profile_image_hash)",
                [shared],
            )
        }
        linked = {
            a
            for r in ws.query(
                "SELECT subject_a, subject_b FROM evidence WHERE signal = 'reused_photo'"
            )
            for a in (r["subject_a"], r["subject_b"])
        }
    # every persona with a female name and a photo labelled male is reported, and only those
    assert male_photos and mismatches == male_photos
    # every account that reuses one of the planted photos is linked by it
    assert sharing and sharing <= linked
