"""Compare assembled networks with a known ground truth (the synthetic world's).

A planted operation counts as found when one network holds at least ``min_recall`` of its
accounts with at least ``min_precision`` of that network's accounts belonging to it. An
innocent group counts as (wrongly) flagged when any network is mostly made of it: at least
``min_members`` of its accounts forming at least ``min_precision`` of the network, however
small a part of the group that is (a network of 40 innocent fans out of 300 is still a
false accusation).

Each row also carries ``network_verdict``: the verdict network assembly gave the best
network (:mod:`cibwatch.inauthenticity`), so a check can ask that a planted operation is not
only found but called coordinated inauthentic behaviour, and see what an innocent group's
network, if any, was called.

Given the workspace, a found operation's network is also compared, through its dossier, with
what the ground truth says the operation is (:func:`compare_dossier`): asset counts per
platform and kind, ad spend per currency, and the operator's time zone. The time zone
matches when the true offset lies inside the schedule model's 90% credible range (what the
dossier claims); whether the most likely offset alone is the true one is reported beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cibwatch.dossier import Dossier, build_dossiers
from cibwatch.narratives import NarrativeLinking, current_linking
from cibwatch.networks import Network

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: Ad spend sums closer than this (in currency units) are equal (float sums of ranges).
SPEND_TOLERANCE = 0.01


@dataclass(frozen=True)
class GroupTruth:
    """One planted operation or innocent group of a ground truth.

    ``asset_counts`` (platform -> kind -> count), ``ad_spend`` (currency -> min/max) and
    ``utc_offset`` are what a dossier of the group should show; empty or None when unknown.
    """

    group_id: str
    label: str
    innocent: bool
    accounts: frozenset[str]
    asset_counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    ad_spend: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    utc_offset: int | None = None


def compare_dossier(dossier: Dossier, group: GroupTruth) -> dict[str, Any]:
    """Compare a network's dossier with a group's truth: assets, ad spend, time zone.

    Returns one entry per fact with what was found, what is true and whether they match, and
    ``match``: all facts the truth states match. The time zone counts as matching when the
    truth lies inside the dossier's credible offsets (its point estimate when it states no
    range); the point estimate is reported separately as ``point_match``.
    """
    found_assets: dict[str, dict[str, int]] = {}
    for row in dossier.assets:
        kinds = found_assets.setdefault(str(row["platform"]), {})
        kinds[str(row["kind"])] = kinds.get(str(row["kind"]), 0) + int(row["assets"])
    true_assets = {
        p: {k: int(n) for k, n in kinds.items()} for p, kinds in group.asset_counts.items()
    }
    found_spend = {
        str(row["currency"]): {
            "min": float(row["spend_min"] or 0.0),
            "max": float(row["spend_max"] or 0.0),
        }
        for row in dossier.ad_spend
    }
    true_spend = {
        c: {"min": float(v["min"]), "max": float(v["max"])} for c, v in group.ad_spend.items()
    }
    spend_match = set(found_spend) == set(true_spend) and all(
        abs(found_spend[c][end] - true_spend[c][end]) <= SPEND_TOLERANCE
        for c in true_spend
        for end in ("min", "max")
    )
    schedule = dossier.schedule
    point = schedule.get("offset")
    credible = [int(o) for o in schedule.get("credible") or []]
    truth_offset = group.utc_offset
    zone: dict[str, Any] = {
        "truth": truth_offset,
        "point_estimate": point,
        "probability": schedule.get("probability"),
        "credible": credible,
        "sentence": schedule.get("sentence"),
    }
    if truth_offset is None:
        zone |= {"match": None, "point_match": None}
    else:
        zone |= {
            "match": truth_offset in credible if credible else point == truth_offset,
            "point_match": point == truth_offset,
        }
    result: dict[str, Any] = {
        "assets": {
            "match": found_assets == true_assets,
            "found": found_assets,
            "truth": true_assets,
        },
        "ad_spend": {"match": spend_match, "found": found_spend, "truth": true_spend},
        "time_zone": zone,
    }
    result["match"] = all(
        part["match"] is not False for part in (result["assets"], result["ad_spend"], zone)
    )
    return result


def evaluate(
    networks: Iterable[Network],
    truth: Iterable[GroupTruth],
    *,
    min_recall: float = 0.5,
    min_precision: float = 0.5,
    min_members: int = 3,
    workspace: Workspace | None = None,
    linking: NarrativeLinking | None = None,
    dossiers: dict[str, Dossier] | None = None,
) -> list[dict[str, Any]]:
    """One row per ground-truth group: best-matching network, recall, precision, verdict.

    With ``workspace``, the row of a found operation also carries ``dossier``: its best
    network's dossier compared with the truth (:func:`compare_dossier`); ``linking`` is the
    workspace's narratives across languages, computed here if needed and not given.
    ``dossiers`` (network id -> dossier) are dossiers already built from this workspace; the
    ones built here are added to it, so that the report can use them instead of building
    them again.
    """
    nets = list(networks)
    by_id = {net.network_id: net for net in nets}
    rows = []
    # rows of found operations, compared with their network's dossier once all are known
    compared: list[tuple[dict[str, Any], GroupTruth, str]] = []
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
        row: dict[str, Any] = {
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
            "network_verdict": by_id[network_id].verdict if network_id in by_id else None,
        }
        if workspace is not None and found and not group.innocent and network_id is not None:
            compared.append((row, group, network_id))
        rows.append(row)
    if workspace is None or not compared:
        return rows
    built = dict(dossiers or {})
    missing = sorted({n for _, _, n in compared if n not in built})
    if missing:
        # all at once: the members' stances of every network are read in one pass over
        # the posts (build_dossiers), not once per network found
        if linking is None:
            linking = current_linking(workspace)
        built |= build_dossiers(workspace, [by_id[n] for n in missing], linking=linking)
        if dossiers is not None:
            dossiers.update({n: built[n] for n in missing})
    for row, group, network_id in compared:
        row["dossier"] = compare_dossier(built[network_id], group)
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
        counts = entry.get("asset_counts") or {
            platform: {kind: len(keys) for kind, keys in kinds.items()}
            for platform, kinds in entry["accounts"].items()
        }
        offset = entry.get("operator_utc_offset")
        groups.append(
            GroupTruth(
                group_id=str(entry["id"]),
                label=str(entry.get("label", entry["id"])),
                innocent=bool(entry.get("innocent", False)),
                accounts=frozenset(accounts),
                asset_counts=counts,
                ad_spend=dict(entry.get("ad_spend") or {}),
                utc_offset=None if offset is None else int(offset),
            )
        )
    return groups
