"""Look-alike news domains and generated domain families (see ``docs/domains.md``).

Modules: :mod:`.hosts` (Public Suffix List), :mod:`.brands` (protected outlets),
:mod:`.classifier` (techniques and verdicts), :mod:`.tlds` (how a TLD is used),
:mod:`.corroboration` (what lifts a candidate), :mod:`.choice` (which namesake outlet),
:mod:`.families` (generated families and persistence), :mod:`.survey` (both in one call),
:mod:`.listing` (list files and CSV out), :mod:`.pages` (HTML snapshot comparison).

>>> survey_domains(["spiegel.ltd"]).results[0].brand
'spiegel.de'
"""

from __future__ import annotations

from cibwatch.domains.brands import Brand, load_brands, load_bundled_brands, resolve_brands
from cibwatch.domains.classifier import VERDICTS, Classification, LookalikeClassifier
from cibwatch.domains.corroboration import DomainContext
from cibwatch.domains.families import Family, find_families
from cibwatch.domains.listing import classify_file, write_results
from cibwatch.domains.pages import PageComparison, compare_pages, compare_snapshots
from cibwatch.domains.survey import DomainSurvey, survey_domains

__all__ = [
    "VERDICTS",
    "Brand",
    "Classification",
    "DomainContext",
    "DomainSurvey",
    "Family",
    "LookalikeClassifier",
    "PageComparison",
    "classify_file",
    "compare_pages",
    "compare_snapshots",
    "find_families",
    "load_brands",
    "load_bundled_brands",
    "resolve_brands",
    "survey_domains",
    "write_results",
]
