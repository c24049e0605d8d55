"""STIX 2.1 export of an investigation, validation, and the round trip back to indicators.

One small synthetic investigation (module-scoped, a few seconds) feeds every test.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
import pytest
import stix2
from click.testing import CliRunner

from cibwatch.cases import decide, name_network, open_cases, set_status
from cibwatch.cli.indicators import export_command, import_command
from cibwatch.errors import ConfigError, InputError, WorkspaceError
from cibwatch.indicators.collect import UNREVIEWED, NetworkFacts, Shareable, collect
from cibwatch.indicators.model import Indicator
from cibwatch.indicators.platform_files import export_indicators_csv
from cibwatch.indicators.sources import read_indicator_file
from cibwatch.indicators.stix_export import TLP_IDS, build_bundle, export_stix, serialize_bundle
from cibwatch.indicators.stix_import import read_stix, validate_bundle
from cibwatch.networks import Network
from cibwatch.pipeline import investigate
from cibwatch.synthetic import generate_world
from cibwatch.workspace import Workspace


@pytest.fixture(scope="module")
def workspace_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stix")
    generate_world(root / "world", posts=5000)
    path = root / "ws.duckdb"
    with Workspace(path) as ws:
        investigate([root / "world"], ws, root / "out")
        _confirm_all(ws)
    return path


def _confirm_all(ws: Workspace) -> None:
    """Review every network as an analyst would, so that exports share them."""
    for case in open_cases(ws, "ana"):
        set_status(ws, case.network_id, "in_review", "ana")
        decide(ws, case.network_id, "confirm", "reviewed", "ana")


@pytest.fixture(scope="module")
def bundle_path(workspace_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "bundle.json"
    with Workspace(workspace_path, read_only=True) as ws:
        export_stix(ws, out, producer="Test Lab", tlp="green")
    return out


def _keys(indicators: list[Indicator]) -> set[tuple[str, str, str | None]]:
    return {i.key for i in indicators}


def test_bundle_validates_and_holds_every_kind_of_object(bundle_path: Path) -> None:
    bundle = validate_bundle(bundle_path.read_text(encoding="utf-8"), str(bundle_path))
    kinds = {o.type for o in bundle.objects}
    assert {
        "marking-definition",
        "identity",
        "campaign",
        "indicator",
        "attack-pattern",
        "relationship",
        "observed-data",
        "user-account",
    } <= kinds
    identity = next(o for o in bundle.objects if o.type == "identity")
    assert identity.name == "Test Lab"
    green = TLP_IDS["green"]
    assert all(green in o.object_marking_refs for o in bundle.objects if o.type == "indicator")
    # the planted look-alike network uses DISARM T0099 and T0098.001
    disarm = {
        ref.external_id
        for o in bundle.objects
        if o.type == "attack-pattern"
        for ref in o.external_references
    }
    assert {"T0099", "T0098.001", "T0049", "T0090"} <= disarm
    patterns = {o.pattern for o in bundle.objects if o.type == "indicator"}
    assert "[domain-name:value = 'spiegel.ltd']" in patterns


def test_two_exports_are_byte_identical(workspace_path: Path, tmp_path: Path) -> None:
    with Workspace(workspace_path, read_only=True) as ws:
        export_stix(ws, tmp_path / "a.json", tlp="red", group_kind="intrusion-set")
        export_stix(ws, tmp_path / "b.json", tlp="red", group_kind="intrusion-set")
    first = (tmp_path / "a.json").read_bytes()
    assert first == (tmp_path / "b.json").read_bytes()
    assert b'"type": "intrusion-set"' in first and b"TLP:RED" in first


def test_round_trip_loses_no_indicator(workspace_path: Path, bundle_path: Path) -> None:
    with Workspace(workspace_path, read_only=True) as ws:
        exported = collect(ws).indicators()
    assert {i.type for i in exported} == {"domain", "url", "account_url"}
    back = read_stix(bundle_path)
    assert back.texts == [] and back.unaccounted_rows() == []
    assert _keys(back.indicators) == _keys(exported)


def test_indicator_csv_round_trip_and_same_bytes(workspace_path: Path, tmp_path: Path) -> None:
    with Workspace(workspace_path, read_only=True) as ws:
        exported = collect(ws).indicators()
        rows = export_indicators_csv(ws, tmp_path / "a.csv")
        export_indicators_csv(ws, tmp_path / "b.csv")
    assert rows == len(exported)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    back = read_indicator_file(tmp_path / "a.csv")
    assert _keys(back.indicators) == _keys(exported)


def _hostile_shareable() -> Shareable:
    network = Network("N-0000beef", 1, ["x:1", "x:2", "x:3"], 0.5, {}, {})
    facts = NetworkFacts(network, first_seen=datetime(2024, 1, 1), last_seen=datetime(2024, 1, 2))
    facts.indicators = [
        Indicator("domain", "evil<script>alert(1)</script>.example", "N-0000beef", "<b>x</b>"),
        Indicator("url", "https://evil.example/a'b\"c\\d\n=cmd|' /C calc'!A0", "N-0000beef"),
        Indicator("domain", "=cmd|' /C calc'!A0", "N-0000beef", '=HYPERLINK("x")'),
    ]
    facts.signals = {"coaction"}
    facts.accounts = [
        {
            "platform": "x",
            "account_id": "1",
            "kind": "account",
            "handle": "<script>",
            "display_name": '\'; DROP TABLE\n"x"',
        }
    ]
    facts.posts = 3
    return Shareable(1, datetime(2024, 1, 3), [facts])


def test_hostile_values_survive_stix_unchanged_and_escaped(tmp_path: Path) -> None:
    bundle = build_bundle(_hostile_shareable(), tlp="amber+strict")
    text = serialize_bundle(bundle)
    parsed = json.loads(text)  # newlines and quotes in values are escaped: still valid JSON
    assert len(text.splitlines()) == len(json.dumps(parsed, indent=2).splitlines())
    validate_bundle(text)
    out = tmp_path / "hostile.json"
    out.write_text(text, encoding="utf-8")
    back = read_stix(out)
    assert _keys(back.indicators) == _keys(_hostile_shareable().indicators())
    assert "TLP:AMBER+STRICT" in text


def test_validation_catches_dangling_references_and_bad_bundles(bundle_path: Path) -> None:
    data = json.loads(bundle_path.read_text(encoding="utf-8"))
    data["objects"] = [o for o in data["objects"] if o["type"] != "identity"]
    with pytest.raises(InputError, match="not in the bundle"):
        validate_bundle(json.dumps(data), "cut.json")
    with pytest.raises(InputError, match=r"cut\.json"):
        validate_bundle('{"type": "bundle", "id": "nonsense"}', "cut.json")


def test_unsupported_patterns_are_reported_not_dropped(tmp_path: Path) -> None:
    indicator = stix2.Indicator(
        pattern="[email-addr:value = 'a@example.com']",
        pattern_type="stix",
        valid_from="2024-01-01T00:00:00Z",
    )
    mixed = stix2.Indicator(
        pattern="[domain-name:value = 'a.example' AND url:value = 'https://b.example']",
        pattern_type="stix",
        valid_from="2024-01-01T00:00:00Z",
    )
    either = stix2.Indicator(
        pattern="[domain-name:value = 'c.example' OR domain-name:value = 'd.example']",
        pattern_type="stix",
        valid_from="2024-01-01T00:00:00Z",
    )
    path = tmp_path / "other.json"
    path.write_text(stix2.Bundle(indicator, mixed, either).serialize(), encoding="utf-8")
    result = read_stix(path)
    assert result.rows_read == 3 and result.unaccounted_rows() == []
    assert [t.source_row for t in result.texts] == [1, 2]
    assert {(i.type, i.value, i.network_id) for i in result.indicators} == {
        ("domain", "c.example", None),
        ("domain", "d.example", None),
    }


def test_options_are_checked(workspace_path: Path, tmp_path: Path) -> None:
    with Workspace(workspace_path, read_only=True) as ws:
        with pytest.raises(ConfigError, match="TLP"):
            export_stix(ws, tmp_path / "x.json", tlp="white")
        with pytest.raises(ConfigError, match="group_kind"):
            export_stix(ws, tmp_path / "x.json", group_kind="report")
    with Workspace() as empty, pytest.raises(WorkspaceError, match="no assembled networks"):
        export_stix(empty, tmp_path / "x.json")


def test_exports_take_confirmed_networks_unless_told_all(tmp_path: Path) -> None:
    """Before review nothing is shared; --all shares every network, marked UNREVIEWED."""
    generate_world(tmp_path / "world", posts=3000)
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        result = investigate([tmp_path / "world"], ws, tmp_path / "out")
        assert result.indicators_csv is not None
        written = read_indicator_file(result.indicators_csv).indicators
        assert written and all((i.comment or "").startswith(UNREVIEWED) for i in written)
        assert collect(ws).networks == []
        everything = collect(ws, include="all")
        first = everything.networks[0].network.network_id
        open_cases(ws, "ana", network_ids=[first])
        set_status(ws, first, "in_review", "ana")
        decide(ws, first, "confirm", "checked by hand", "ana")
        name_network(ws, first, "Operation Test", "ana")
        reviewed = collect(ws)
        assert [n.network.network_id for n in reviewed.networks] == [first]
        assert not any(UNREVIEWED in (i.comment or "") for i in reviewed.indicators())
        campaigns = [o for o in build_bundle(reviewed).objects if o.type == "campaign"]
        assert [c.name for c in campaigns] == [f"Operation Test (cibwatch network {first})"]
    cli = click.Group(commands={"export": export_command})
    runner = CliRunner()
    empty = tmp_path / "empty.duckdb"
    with Workspace(empty) as ws:
        investigate([tmp_path / "world"], ws, tmp_path / "out2")
    refused = runner.invoke(cli, ["export", "stix", str(empty), "--out", str(tmp_path / "x.json")])
    assert refused.exit_code != 0 and "--all" in refused.output
    allowed = runner.invoke(
        cli, ["export", "indicators-csv", str(empty), "--out", str(tmp_path / "x.csv"), "--all"]
    )
    assert allowed.exit_code == 0, allowed.output
    assert "UNREVIEWED (case: none)" in (tmp_path / "x.csv").read_text(encoding="utf-8")


def test_commands_export_and_import(workspace_path: Path, tmp_path: Path) -> None:
    cli = click.Group(commands={"export": export_command, "import": import_command})
    runner = CliRunner()
    out = tmp_path / "b.json"
    result = runner.invoke(
        cli, ["export", "stix", str(workspace_path), "--out", str(out), "--tlp", "clear"]
    )
    assert result.exit_code == 0, result.output
    assert "indicator" in result.output and "TLP:CLEAR" in out.read_text(encoding="utf-8")
    csv_out = tmp_path / "i.csv"
    result = runner.invoke(
        cli, ["export", "indicators-csv", str(workspace_path), "--out", str(csv_out)]
    )
    assert result.exit_code == 0, result.output
    ws = tmp_path / "import.duckdb"
    result = runner.invoke(cli, ["import", str(out), "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    assert "stored as import 1" in result.output and "0 non-indicator texts" in result.output
    fixture = Path(__file__).parent / "fixtures" / "indicators" / "kill_chain.csv"
    result = runner.invoke(cli, ["import", str(fixture)])
    assert result.exit_code == 0, result.output
    assert "row 1: a count of assets, not an indicator: '37 accounts'" in result.output


def test_imported_indicators_of_every_kind_are_exported_again(tmp_path: Path) -> None:
    """A workspace holding only Meta's published indicators shares them on as STIX, with
    IP addresses and file hashes, and reads them back the same."""
    fixture = Path(__file__).parent / "fixtures" / "indicators" / "meta_network.md"
    path = tmp_path / "imported.duckdb"
    cli = click.Group(commands={"export": export_command, "import": import_command})
    runner = CliRunner()
    done = runner.invoke(cli, ["import", str(fixture), "--workspace", str(path)])
    assert done.exit_code == 0, done.output
    out = tmp_path / "again.json"
    again = runner.invoke(cli, ["export", "stix", str(path), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "left out nothing" in again.output
    back = read_stix(out)
    assert {(i.type, i.value) for i in back.indicators} == {
        (i.type, i.value) for i in read_indicator_file(fixture).indicators
    }
    assert {"ip", "sha256", "domain", "url", "account_url"} <= {i.type for i in back.indicators}
    csv_out = tmp_path / "again.csv"
    as_csv = runner.invoke(cli, ["export", "indicators-csv", str(path), "--out", str(csv_out)])
    assert as_csv.exit_code == 0, as_csv.output
    assert "192.0.2.17" in csv_out.read_text(encoding="utf-8")


def test_json_that_is_no_indicator_file_gets_a_short_error(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"data": ["x" * 1000] * 200}), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_indicator_file(path)
    message = str(caught.value)
    assert "not an indicator file" in message and "export.json" in message
    assert len(message) < 300
    path.write_text(json.dumps({"type": "bundle", "objects": [{"x": "y" * 5000}]}))
    with pytest.raises(InputError) as invalid:
        read_indicator_file(path)
    assert len(str(invalid.value)) < 400
