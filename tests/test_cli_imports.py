"""The command line describes itself without loading the library.

``cibwatch --help`` and every ``--help`` must answer at once (measured by
``benchmarks/investigate.py --help-only``, never timed here): the heavy libraries load only
in the command that needs them. The values the CLI copies to describe its options must be
the library's.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Libraries no --help may import.
HEAVY = ("duckdb", "scipy", "stix2", "fastapi", "weasyprint", "pyarrow", "numpy", "igraph")

_EVERY_HELP = """
import json, sys
import click
from click.testing import CliRunner
from cibwatch.cli.main import cli

def paths(group, prefix):
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        yield [*prefix, name]
        if isinstance(command, click.Group):
            yield from paths(command, [*prefix, name])

runner = CliRunner()
outputs = [runner.invoke(cli, ["--help"])]
outputs += [runner.invoke(cli, [*path, "--help"]) for path in paths(cli, [])]
failed = [r.output for r in outputs if r.exit_code != 0]
print(json.dumps({"helps": len(outputs), "failed": failed,
                  "loaded": sorted(m for m in HEAVY if m in sys.modules)}))
"""


def test_no_help_imports_a_heavy_library() -> None:
    code = f"HEAVY = {HEAVY!r}\n{_EVERY_HELP}"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["failed"] == []
    assert found["helps"] > 40  # every command and subcommand was asked
    assert found["loaded"] == []


def test_the_values_the_cli_copies_are_the_librarys() -> None:
    from cibwatch.cases import STATUSES
    from cibwatch.cases.enforcement import ACTION_STATUSES
    from cibwatch.cli import choices
    from cibwatch.coaction.export import GEPHI_MAX_EDGES, GEPHI_MAX_NODES
    from cibwatch.coaction.steps import DEFAULT_MAX_PAIRS, SEMANTICS
    from cibwatch.engines.registry import ENGINE_NAMES
    from cibwatch.exports import FORMATS
    from cibwatch.indicators.stix_export import GROUP_KINDS, TLP_IDS
    from cibwatch.ingest.shortfall import DEFAULT_MAX_REJECT_SHARE
    from cibwatch.pipeline import OPTIONAL_STEPS
    from cibwatch.web.limits import MAX_BODY

    assert tuple(ENGINE_NAMES) == choices.ENGINE_NAMES
    assert (DEFAULT_MAX_PAIRS, tuple(SEMANTICS)) == (choices.DEFAULT_MAX_PAIRS, choices.SEMANTICS)
    assert (choices.GEPHI_MAX_NODES, choices.GEPHI_MAX_EDGES) == (GEPHI_MAX_NODES, GEPHI_MAX_EDGES)
    assert tuple(FORMATS) == choices.TABLE_FORMATS
    assert tuple(GROUP_KINDS) == choices.GROUP_KINDS
    assert tuple(TLP_IDS) == choices.TLP_LEVELS
    assert tuple(STATUSES) == choices.CASE_STATUSES
    assert tuple(ACTION_STATUSES) == choices.ACTION_STATUSES
    assert tuple(OPTIONAL_STEPS) == choices.STEP_NAMES
    assert DEFAULT_MAX_REJECT_SHARE == choices.DEFAULT_MAX_REJECT_SHARE
    assert MAX_BODY == choices.MAX_BODY


def test_a_lazy_choice_checks_values_against_the_library_when_used() -> None:
    from click.testing import CliRunner

    from cibwatch.cli.main import cli

    result = CliRunner().invoke(cli, ["ingest", "w.duckdb", "x.csv", "--format", "nonsense"])
    assert result.exit_code != 0
    assert "'nonsense' is not one of twarc" in result.output
