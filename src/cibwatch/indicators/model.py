"""The indicator record and the result of reading an indicator file."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Indicator types cibwatch knows (``account_url`` is a link to a profile, page or channel).
INDICATOR_TYPES = ("domain", "url", "account_url", "handle", "ip", "md5", "sha256")


@dataclass(frozen=True)
class Indicator:
    """One indicator: a typed value, the network it points to, and where it came from.

    >>> Indicator("domain", "example.com", network_id="N-1").key
    ('domain', 'example.com', 'N-1')
    """

    type: str
    value: str
    network_id: str | None = None
    comment: str | None = None
    source: str | None = None
    source_row: int | None = None
    context: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        """What makes two indicators the same (provenance and comments aside)."""
        return (self.type, self.value, self.network_id)


@dataclass(frozen=True)
class NonIndicator:
    """Text from an indicator file that is not an indicator, kept so nothing is lost."""

    text: str
    reason: str
    source: str | None = None
    source_row: int | None = None
    context: str | None = None


@dataclass
class ImportResult:
    """What reading one indicator file produced.

    Every data row of the file (1-based ``source_row``) yields at least one indicator or
    one :class:`NonIndicator`; :meth:`unaccounted_rows` lists the rows that did neither
    (always empty unless a reader is wrong).
    """

    source: str
    format: str
    rows_read: int = 0
    indicators: list[Indicator] = field(default_factory=list)
    texts: list[NonIndicator] = field(default_factory=list)

    def unaccounted_rows(self) -> list[int]:
        seen = {i.source_row for i in self.indicators} | {t.source_row for t in self.texts}
        return [row for row in range(1, self.rows_read + 1) if row not in seen]
