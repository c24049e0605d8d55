"""Our signals mapped to DISARM techniques and to Online Operations Kill Chain phases.

A small table on purpose: each row is a judgement an analyst can read and argue with, and
docs/indicators.md shows it. DISARM ids and names were checked against the
DISARMFoundation/DISARMframeworks ``generated_pages/techniques`` pages; the kill-chain
phase names follow Nimmo and Hutchins' *Online Operations Kill Chain* (2023) and were not
checked against the paper here (see the docs). Signals without a row (``both_sides``) map
to no technique rather than to a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DISARM_URL: Final = (
    "https://github.com/DISARMFoundation/DISARMframeworks/blob/main/generated_pages/"
    "techniques/{id}.md"
)
#: ``kill_chain_name`` values used in STIX ``kill_chain_phases``.
DISARM_CHAIN: Final = "disarm"
OOKC_CHAIN: Final = "online-operations-kill-chain"


@dataclass(frozen=True)
class Technique:
    """A DISARM technique with its tactic and the kill-chain phases it belongs to."""

    disarm_id: str
    name: str
    tactic_id: str
    tactic_phase: str
    ookc_phases: tuple[str, ...]


TECHNIQUES: Final = {
    t.disarm_id: t
    for t in (
        Technique(
            "T0090",
            "Create Inauthentic Accounts",
            "TA15",
            "establish-assets",
            ("acquiring-assets", "disguising-assets"),
        ),
        Technique(
            "T0098.001",
            "Create Inauthentic News Sites",
            "TA16",
            "establish-legitimacy",
            ("acquiring-assets",),
        ),
        Technique(
            "T0099",
            "Prepare Assets Impersonating Legitimate Entities",
            "TA16",
            "establish-legitimacy",
            ("disguising-assets",),
        ),
        Technique(
            "T0049",
            "Flooding the Information Space",
            "TA17",
            "maximise-exposure",
            ("coordinating-and-planning", "indiscriminate-engagement"),
        ),
    )
}

#: Evidence signal -> DISARM technique ids it is evidence of.
SIGNAL_TECHNIQUES: Final[dict[str, tuple[str, ...]]] = {
    "lookalike_domain": ("T0099", "T0098.001"),
    "persona_mismatch": ("T0090",),
    "patterned_handle": ("T0090",),
    "copied_bio": ("T0090",),
    "reused_photo": ("T0090",),
    "creation_burst": ("T0090",),
    "coaction": ("T0049",),
    "near_duplicate_text": ("T0049",),
}


def techniques_for(signals: set[str]) -> list[Technique]:
    """The techniques that a set of signals is evidence of, in id order.

    >>> [t.disarm_id for t in techniques_for({"coaction", "copied_bio", "both_sides"})]
    ['T0049', 'T0090']
    """
    ids = {t for s in signals for t in SIGNAL_TECHNIQUES.get(s, ())}
    return [TECHNIQUES[i] for i in sorted(ids)]
