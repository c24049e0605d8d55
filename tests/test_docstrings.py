"""Every example in the package's docstrings runs and prints what it shows.

Docstrings carry short examples (``>>>``) that say how a part is called; an example that no
longer runs misleads the reader. Each module of ``cibwatch`` is one test, so a failure names
the module and the example.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cibwatch

MODULES = sorted(info.name for info in pkgutil.walk_packages(cibwatch.__path__, prefix="cibwatch."))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _examples(name: str) -> list[doctest.DocTest]:
    tests = doctest.DocTestFinder(exclude_empty=True).find(importlib.import_module(name))
    return [t for t in tests if t.examples]


WITH_EXAMPLES = [name for name in MODULES if _examples(name)]


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name: str) -> None:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _examples(name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_examples_are_found_and_none_is_skipped() -> None:
    """The finder sees the package's examples, and no example hides behind ``+SKIP``."""
    examples = [e for name in WITH_EXAMPLES for t in _examples(name) for e in t.examples]
    assert len(examples) >= 100 and len(WITH_EXAMPLES) >= 40
    skipped = [e.source.strip() for e in examples if e.options.get(doctest.SKIP)]
    assert skipped == []
