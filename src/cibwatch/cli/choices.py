"""Values the command line needs to *describe* itself (option choices and defaults).

``cibwatch --help`` must answer at once, so it cannot import the library modules that hold
these values (they load DuckDB, scipy, stix2 or igraph). They are copied here, and
``tests/test_cli_imports.py`` fails the moment a copy differs from the library's value.
Values likely to grow while others work (the ingest formats) are read from the library only
when the option is used (:class:`LazyChoice`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, Final

import click
from click.decorators import FC

#: cibwatch.engines.registry.ENGINE_NAMES
ENGINE_NAMES: Final = ("duckdb", "spark")
#: cibwatch.coaction.steps.DEFAULT_MAX_PAIRS and SEMANTICS
DEFAULT_MAX_PAIRS: Final = 500_000_000
SEMANTICS: Final = ("cibwatch", "coortweet")
#: cibwatch.coaction.export.GEPHI_MAX_NODES and GEPHI_MAX_EDGES
GEPHI_MAX_NODES: Final = 100_000
GEPHI_MAX_EDGES: Final = 1_000_000
#: cibwatch.exports.FORMATS
TABLE_FORMATS: Final = ("csv", "parquet")
#: cibwatch.indicators.stix_export.GROUP_KINDS and the keys of TLP_IDS
GROUP_KINDS: Final = ("campaign", "intrusion-set")
TLP_LEVELS: Final = ("clear", "green", "amber", "amber+strict", "red")
#: cibwatch.cases.STATUSES and cibwatch.cases.enforcement.ACTION_STATUSES
CASE_STATUSES: Final = ("new", "in_review", "confirmed_cib", "dismissed", "enforced")
ACTION_STATUSES: Final = ("pending", "approved", "rejected")
#: cibwatch.ingest.shortfall.DEFAULT_MAX_REJECT_SHARE
DEFAULT_MAX_REJECT_SHARE: Final = 0.5
#: cibwatch.web.limits.MAX_BODY
MAX_BODY: Final = 262_144
#: cibwatch.pipeline.OPTIONAL_STEPS
STEP_NAMES: Final = (
    "near_duplicate_text",
    "cross_platform",
    "coaction",
    "lookalike_domains",
    "persona",
    "creation_burst",
    "profile_links",
    "stance",
    "recidivism",
    "narratives",
    "indicators",
)


def max_reject_share_option(help_text: str) -> Callable[[FC], FC]:
    """``--max-reject-share``: the one rule by which ``ingest``, ``investigate`` and
    ``coordination`` refuse input that lost most of its rows (the library's
    :func:`~cibwatch.ingest.shortfall.check_ingest` and
    :func:`~cibwatch.coaction.shares.check_read`); ``help_text`` says what each refuses."""
    return click.option(
        "--max-reject-share",
        type=click.FloatRange(0, 1),
        default=DEFAULT_MAX_REJECT_SHARE,
        show_default=True,
        help=help_text,
    )


class LazyChoice(click.ParamType):  # type: ignore[type-arg]
    """A choice whose values come from ``module:function`` when a value is checked, not when
    help is printed (help shows ``metavar`` and says where the names are listed)."""

    name = "choice"

    def __init__(self, source: str, metavar: str) -> None:
        self.source = source
        self.metavar = metavar

    def choices(self) -> Sequence[str]:
        module, _, attr = self.source.partition(":")
        found: Any = getattr(importlib.import_module(module), attr)
        return list(found() if callable(found) else found)

    def get_metavar(self, *args: Any, **kwargs: Any) -> str:
        return self.metavar

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        known = self.choices()
        if value not in known:
            self.fail(f"{value!r} is not one of {', '.join(known)}", param, ctx)
        return value
