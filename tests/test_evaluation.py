"""Dossier against ground truth: asset counts, ad spend, and a time zone read as a range."""

from __future__ import annotations

from typing import Any

from cibwatch.dossier import Dossier
from cibwatch.evaluation import GroupTruth, compare_dossier, evaluate, groups_from_json
from cibwatch.networks import Network

OP = GroupTruth(
    "op",
    "Op",
    False,
    frozenset({"facebook:1", "facebook:2", "instagram:3"}),
    asset_counts={"facebook": {"account": 1, "page": 1}, "instagram": {"account": 1}},
    ad_spend={"EUR": {"min": 100.0, "max": 199.0}},
    utc_offset=3,
)


def _dossier(**schedule: Any) -> Dossier:
    dossier = Dossier("N-1", 0.5, {}, ["facebook:1", "facebook:2", "instagram:3"])
    dossier.assets = [
        {"platform": "facebook", "kind": "account", "assets": 1, "followers": 5},
        {"platform": "facebook", "kind": "page", "assets": 1, "followers": 900},
        {"platform": "instagram", "kind": "account", "assets": 1, "followers": None},
    ]
    dossier.ad_spend = [{"currency": "EUR", "ads": 1, "spend_min": 100.0, "spend_max": 199.0}]
    dossier.schedule = {"offset": 2, "probability": 0.54, "credible": [2, 3], **schedule}
    return dossier


def test_a_truth_inside_the_credible_range_matches_and_the_point_estimate_is_kept_apart() -> None:
    result = compare_dossier(_dossier(), OP)
    zone = result["time_zone"]
    assert (zone["match"], zone["point_match"], zone["point_estimate"]) == (True, False, 2)
    assert result["assets"]["match"] and result["ad_spend"]["match"] and result["match"]


def test_a_truth_outside_the_range_or_a_missing_asset_does_not_match() -> None:
    outside = compare_dossier(_dossier(credible=[1, 2]), OP)
    assert outside["time_zone"]["match"] is False and outside["match"] is False
    without_range = compare_dossier(_dossier(credible=[], offset=3), OP)
    assert without_range["time_zone"]["match"] is True
    short = _dossier()
    short.assets = short.assets[:2]
    result = compare_dossier(short, OP)
    assert result["assets"]["match"] is False and result["match"] is False
    assert result["assets"]["found"] == {"facebook": {"account": 1, "page": 1}}


def test_ad_spend_must_match_per_currency() -> None:
    dollars = _dossier()
    dollars.ad_spend = [{"currency": "USD", "ads": 1, "spend_min": 100.0, "spend_max": 199.0}]
    assert compare_dossier(dollars, OP)["ad_spend"]["match"] is False


def test_ground_truth_json_carries_what_a_dossier_is_compared_with() -> None:
    (group,) = groups_from_json(
        {
            "groups": [
                {
                    "id": "op",
                    "innocent": False,
                    "operator_utc_offset": 3,
                    "accounts": {"x": {"account": ["x:1", "x:2"]}},
                    "ad_spend": {"USD": {"min": 1.0, "max": 2.0}},
                }
            ]
        }
    )
    assert group.asset_counts == {"x": {"account": 2}}
    assert (group.utc_offset, dict(group.ad_spend)) == (3, {"USD": {"min": 1.0, "max": 2.0}})


def test_rows_carry_the_verdict_of_the_best_network() -> None:
    ops = frozenset({"x:1", "x:2", "x:3"})
    fans = frozenset({"x:7", "x:8", "x:9"})
    truth = [
        GroupTruth("op", "operation", False, ops),
        GroupTruth("fans", "fans", True, fans),
        GroupTruth("news", "news burst", True, frozenset({"x:20", "x:21", "x:22"})),
    ]
    nets = [
        Network("N-1", 1, sorted(ops), 0.8, {}, {"verdict": "cib"}),
        Network("N-2", 1, sorted(fans), 0.9, {}, {"verdict": "coordinated_authentic"}),
    ]
    rows = {r["group_id"]: r for r in evaluate(nets, truth)}
    assert rows["op"]["verdict"] == "found" and rows["op"]["network_verdict"] == "cib"
    # An innocent group forming a network is still a wrong flag, whatever it was called.
    assert rows["fans"]["verdict"] == "wrongly flagged"
    assert rows["fans"]["network_verdict"] == "coordinated_authentic"
    assert rows["news"]["network_verdict"] is None
