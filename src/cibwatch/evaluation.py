"""Compare assembled networks with a known ground truth (the synthetic world's).

A planted operation counts as found when one network holds at least ``min_recall`` of its
accounts with at least ``min_precision`` of that network's accounts belonging to it. An
innocent group counts as (wrongly) flagged when any network is mostly made of it: at least
``min_members`` of its accounts forming at least ``min_precision`` of the network, however
small a part of the group that is (a network of 40 innocent fans out of 300 is still a
false accusation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cibwatch.networks import Network


@dataclass(frozen=True)
class GroupTruth:
    """One planted operation or innocent group of a ground truth."""

    group_id: str
    label: str
    innocent: bool
    accounts: frozenset[str]


def evaluate(
    networks: Iterable[Network],
    truth: Iterable[GroupTruth],
    *,
    min_recall: float = 0.5,
    min_precision: float = 0.5,
    min_members: int = 3,
) -> list[dict[str, Any]]:
    """One row per ground-truth group: best-matching network, recall, precision, verdict."""
    nets = list(networks)
    rows = []
    for group in truth:
        best: tuple[float, float, str | None] = (0.0, 0.0, None)
        accused = False
        for net in nets:
            overlap = len(group.accounts.intersection(net.members))
            if not overlap:
                continue
            recall = overlap / len(group.accounts)
            precision = overlap / len(net.members)
            accused = accused or (overlap >= min_members and precision >= min_precision)
            if (recall, precision) > best[:2]:
                best = (recall, precision, net.network_id)
        recall, precision, network_id = best
        matched = recall >= min_recall and precision >= min_precision
        found = accused if group.innocent else matched
        correct = found != group.innocent
        if group.innocent:
            verdict = "wrongly flagged" if found else "not flagged (correct)"
        else:
            verdict = "found" if found else "missed"
        rows.append(
            {
                "group_id": group.group_id,
                "label": group.label,
                "innocent": group.innocent,
                "accounts": len(group.accounts),
                "network_id": network_id,
                "recall": recall,
                "precision": precision,
                "found": found,
                "correct": correct,
                "verdict": verdict,
            }
        )
    return rows


def groups_from_json(data: Mapping[str, Any]) -> list[GroupTruth]:
    """Read the groups of a synthetic world's ``ground_truth.json``.

    Each group lists its account keys per platform and kind:
    ``{"accounts": {"x": {"account": ["x:1", ...]}, "facebook": {"page": [...]}}}``.
    """
    groups = []
    for entry in data.get("groups", []):
        accounts = {
            str(key)
            for kinds in entry["accounts"].values()
            for keys in kinds.values()
            for key in keys
        }
        groups.append(
            GroupTruth(
                group_id=str(entry["id"]),
                label=str(entry.get("label", entry["id"])),
                innocent=bool(entry.get("innocent", False)),
                accounts=frozenset(accounts),
            )
        )
    return groups
