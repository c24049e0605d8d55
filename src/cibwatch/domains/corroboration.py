"""What is known about a domain besides its name, and how much each fact lifts a candidate.

A look-alike candidate whose name alone is ambiguous (the outlet's label on ``.com`` or on
another country's code) becomes an impersonation when other facts point the same way:

=============================  =======  ==========================================
fact                           lift     where it comes from
=============================  =======  ==========================================
``network_accounts`` >= 1      +0.10    accounts of a coordinated network linked it
``page_score`` >= 0.5          +0.15    a saved copy of its page resembles the
                                        outlet's (:mod:`.pages`)
``family_members`` >= 1        +0.05    other imitations of the same outlet in the
                                        same data
``burst``                      +0.05    first seen together with many new domains
=============================  =======  ==========================================

The context also carries what decides *which* outlet is imitated when several share a name:
the languages of the posts that link the domain and the countries the network targets (see
:mod:`.choice`). Lifts never take a score above 0.99.

>>> lift(0.55, DomainContext(network_accounts=3))
(0.65, ('linked by 3 accounts of a coordinated network (+0.10)',))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

NETWORK_LIFT: Final = 0.10
PAGE_LIFT: Final = 0.15
PAGE_MIN: Final = 0.5
FAMILY_LIFT: Final = 0.05
BURST_LIFT: Final = 0.05


@dataclass(frozen=True)
class DomainContext:
    """Facts about one observed domain beyond its name; every field is optional."""

    network_accounts: int = 0
    page_score: float | None = None
    family_members: int = 0
    burst: bool = False
    languages: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()

    def with_family(self, members: int) -> DomainContext:
        """This context with ``members`` other imitations of the same outlet."""
        return DomainContext(
            self.network_accounts,
            self.page_score,
            members,
            self.burst,
            self.languages,
            self.countries,
        )


NO_CONTEXT: Final = DomainContext()


def lift(score: float, context: DomainContext) -> tuple[float, tuple[str, ...]]:
    """``score`` raised by the corroborating facts of ``context``, with one reason per fact."""
    reasons: list[str] = []
    total = 0.0
    if context.network_accounts >= 1:
        total += NETWORK_LIFT
        n = context.network_accounts
        reasons.append(
            f"linked by {n} account{'s' if n != 1 else ''} of a coordinated network "
            f"(+{NETWORK_LIFT:.2f})"
        )
    if context.page_score is not None and context.page_score >= PAGE_MIN:
        total += PAGE_LIFT
        reasons.append(
            f"its saved page resembles the outlet's ({context.page_score:.2f}, +{PAGE_LIFT:.2f})"
        )
    if context.family_members >= 1:
        total += FAMILY_LIFT
        n = context.family_members
        reasons.append(
            f"{n} other imitation{'s' if n != 1 else ''} of the same outlet in the data "
            f"(+{FAMILY_LIFT:.2f})"
        )
    if context.burst:
        total += BURST_LIFT
        reasons.append(f"first seen in a burst of new domains (+{BURST_LIFT:.2f})")
    if not reasons:
        return score, ()
    return round(min(0.99, score + total), 3), tuple(reasons)
