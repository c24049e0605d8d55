"""Indicators: what an investigation shares with other platforms, and what it reads back.

Exports a workspace's networks as STIX 2.1 (:mod:`.stix_export`) or as the platforms'
``indicator_type,indicator_value,comment,ds`` CSV (:mod:`.platform_files`); imports STIX
bundles and the indicator files platforms publish (:mod:`.sources`) into the workspace's
``indicators`` table (:mod:`.store`) for recidivism matching. Every imported row is
accounted for: it yields indicators, or it is kept as text that is not an indicator, with
its file, row and the reason.
"""

from cibwatch.indicators.model import ImportResult, Indicator, NonIndicator

__all__ = ["ImportResult", "Indicator", "NonIndicator"]
