"""STIX 2.1 bundles of a workspace's latest networks, built with the ``stix2`` library.

The bundle holds: the TLP 2.0 marking the user chose; an Identity for the producer; one
Campaign (or IntrusionSet) per network; Indicators with STIX patterns for domains
(``[domain-name:value = '...']``), post links and account links (both
``[url:value = '...']``, told apart by the label ``cibwatch-account-url`` and by
:func:`~.values.url_type`); AttackPatterns for the DISARM techniques the network's signals
show (:mod:`.mapping`), with DISARM and Online Operations Kill Chain phases; one
ObservedData per network with its members as ``user-account`` objects; and Relationships
(indicator *indicates* campaign, campaign *uses* attack-pattern).

Ids are uuid5 of a fixed namespace and the object's natural key, and every timestamp is the
start of the assembly run, so exporting the same workspace twice gives the same bytes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import stix2

from cibwatch.errors import ConfigError
from cibwatch.indicators.collect import NetworkFacts, Shareable, collect
from cibwatch.indicators.mapping import DISARM_CHAIN, DISARM_URL, OOKC_CHAIN, techniques_for
from cibwatch.indicators.model import Indicator

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: Fixed namespace of cibwatch's STIX ids (never change it: ids would stop matching).
NAMESPACE: Final = uuid.UUID("5c1b0a52-8d47-4d43-9a55-3f6f0e1c2a77")
#: ``source_name`` of the external reference that carries a network id.
SOURCE_NAME: Final = "cibwatch"
TLP_EXTENSION: Final = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: The OASIS TLP 2.0 marking definitions (fixed ids, shared by every producer).
TLP_IDS: Final = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
GROUP_KINDS: Final = ("campaign", "intrusion-set")
_PATTERN_OBJECT: Final = {
    "domain": "domain-name:value",
    "url": "url:value",
    "account_url": "url:value",
    "md5": "file:hashes.MD5",
    "sha256": "file:hashes.'SHA-256'",
    "handle": "user-account:account_login",
}
_TLP_CREATED: Final = datetime(2022, 10, 1, tzinfo=UTC)


def stix_id(kind: str, *key: str) -> str:
    """Deterministic STIX id of an object of ``kind`` with natural key ``key``.

    >>> stix_id("campaign", "N-1") == stix_id("campaign", "N-1")
    True
    """
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join((kind, *key)))}"


def pattern_literal(value: str) -> str:
    """Quote ``value`` as a STIX pattern string (backslash and quote escaped).

    >>> pattern_literal("it's")
    "'it\\\\'s'"
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def indicator_pattern(indicator: Indicator) -> str:
    """The STIX pattern of an indicator: domain, URL, account URL, IP, hash or handle.

    >>> indicator_pattern(Indicator("ip", "192.0.2.1"))
    "[ipv4-addr:value = '192.0.2.1']"
    >>> indicator_pattern(Indicator("sha256", "ab" * 32)).startswith("[file:hashes.'SHA-256'")
    True
    """
    if indicator.type == "ip":
        path = "ipv6-addr:value" if ":" in indicator.value else "ipv4-addr:value"
    else:
        found = _PATTERN_OBJECT.get(indicator.type)
        if found is None:
            raise ConfigError(f"indicators of type {indicator.type!r} have no STIX pattern here")
        path = found
    return f"[{path} = {pattern_literal(indicator.value)}]"


def left_out(shareable: Shareable) -> list[Indicator]:
    """Indicators the bundle cannot express (no STIX pattern for their type)."""
    return [i for i in shareable.indicators() if i.type != "ip" and i.type not in _PATTERN_OBJECT]


def tlp_marking(tlp: str) -> stix2.MarkingDefinition:
    """The TLP 2.0 marking definition for ``tlp`` (clear, green, amber, amber+strict, red)."""
    key = tlp.lower()
    if key not in TLP_IDS:
        raise ConfigError(f"unknown TLP {tlp!r}; choose one of {', '.join(TLP_IDS)}")
    return stix2.MarkingDefinition(
        id=TLP_IDS[key],
        created=_TLP_CREATED,
        name=f"TLP:{key.upper()}",
        extensions={TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": key}},
    )


def build_bundle(
    shareable: Shareable,
    *,
    producer: str = "cibwatch",
    tlp: str = "amber",
    group_kind: str = "campaign",
) -> stix2.Bundle:
    """Build the bundle of ``shareable`` (see the module docstring for what it holds)."""
    if group_kind not in GROUP_KINDS:
        raise ConfigError(f"group_kind must be one of {GROUP_KINDS}, got {group_kind!r}")
    if not producer.strip():
        raise ConfigError("the producer name must not be empty")
    when = shareable.assembled_at.replace(tzinfo=UTC)
    marking = tlp_marking(tlp)
    identity = stix2.Identity(
        id=stix_id("identity", producer),
        name=producer,
        identity_class="organization",
        created=when,
        modified=when,
        object_marking_refs=[marking.id],
    )
    common: dict[str, Any] = {
        "created": when,
        "modified": when,
        "created_by_ref": identity.id,
        "object_marking_refs": [marking.id],
    }
    objects: dict[str, Any] = {marking.id: marking, identity.id: identity}
    for facts in shareable.networks:
        group = _group(facts, group_kind, common)
        objects[group.id] = group
        for technique in techniques_for(facts.signals):
            pattern = _attack_pattern(technique.disarm_id, common)
            objects[pattern.id] = pattern
            rel = _relationship("uses", group.id, pattern.id, common)
            objects[rel.id] = rel
        for indicator in facts.indicators:
            if indicator.type != "ip" and indicator.type not in _PATTERN_OBJECT:
                continue  # reported by left_out()
            sdo = _indicator(indicator, common)
            objects.setdefault(sdo.id, sdo)
            rel = _relationship("indicates", sdo.id, group.id, common)
            objects[rel.id] = rel
        for obj in _observed(facts, common):
            objects[obj.id] = obj
    ordered = [objects[k] for k in sorted(objects, key=_order_key)]
    bundle_id = "bundle--" + str(uuid.uuid5(NAMESPACE, "bundle|" + "|".join(sorted(objects))))
    return stix2.Bundle(*ordered, id=bundle_id)


def _order_key(stix_ref: str) -> tuple[int, str]:
    order = ("marking-definition", "identity", "campaign", "intrusion-set", "attack-pattern")
    kind = stix_ref.split("--", 1)[0]
    return (order.index(kind) if kind in order else len(order), stix_ref)


def _group(facts: NetworkFacts, group_kind: str, common: dict[str, Any]) -> Any:
    net = facts.network
    kwargs: dict[str, Any] = {
        "id": stix_id(group_kind, net.network_id),
        "name": (
            f"{facts.name} (cibwatch network {net.network_id})"
            if facts.name
            else f"cibwatch network {net.network_id}"
        ),
        "description": (
            "indicators imported from a published source, shared on as received"
            if net.summary.get("imported")
            else f"{net.size} accounts, score {net.score:.3f} "
            f"(coordinated inauthentic behavior assembled by cibwatch)"
        ),
        "external_references": [{"source_name": SOURCE_NAME, "external_id": net.network_id}],
        **common,
    }
    if facts.first_seen is not None:
        kwargs["first_seen"] = facts.first_seen.replace(tzinfo=UTC)
        kwargs["last_seen"] = (facts.last_seen or facts.first_seen).replace(tzinfo=UTC)
    if group_kind == "campaign":
        return stix2.Campaign(**kwargs)
    return stix2.IntrusionSet(**kwargs)


def _attack_pattern(disarm_id: str, common: dict[str, Any]) -> stix2.AttackPattern:
    from cibwatch.indicators.mapping import TECHNIQUES

    t = TECHNIQUES[disarm_id]
    phases = [{"kill_chain_name": DISARM_CHAIN, "phase_name": t.tactic_phase}] + [
        {"kill_chain_name": OOKC_CHAIN, "phase_name": p} for p in t.ookc_phases
    ]
    return stix2.AttackPattern(
        id=stix_id("attack-pattern", "DISARM", t.disarm_id),
        name=t.name,
        external_references=[
            {
                "source_name": "DISARM",
                "external_id": t.disarm_id,
                "url": DISARM_URL.format(id=t.disarm_id),
            }
        ],
        kill_chain_phases=phases,
        **common,
    )


def _indicator(indicator: Indicator, common: dict[str, Any]) -> stix2.Indicator:
    kwargs: dict[str, Any] = {}
    if indicator.comment:
        kwargs["description"] = indicator.comment
    return stix2.Indicator(
        id=stix_id("indicator", indicator.type, indicator.value),
        name=f"{indicator.type}: {indicator.value}"[:300],
        pattern=indicator_pattern(indicator),
        pattern_type="stix",
        valid_from=common["created"],
        indicator_types=["attribution"],
        labels=["cibwatch-" + indicator.type.replace("_", "-")],
        **kwargs,
        **common,
    )


def _relationship(kind: str, source: str, target: str, common: dict[str, Any]) -> Any:
    return stix2.Relationship(
        id=stix_id("relationship", kind, source, target),
        relationship_type=kind,
        source_ref=source,
        target_ref=target,
        **common,
    )


def _observed(facts: NetworkFacts, common: dict[str, Any]) -> list[Any]:
    """The network's members as user-account objects, observed over its posting span."""
    if not facts.accounts or facts.first_seen is None:
        return []
    accounts = []
    for a in facts.accounts:
        kwargs: dict[str, Any] = {
            "user_id": str(a["account_id"]),
            "account_type": str(a["platform"]).lower(),
        }
        if a.get("handle"):
            kwargs["account_login"] = str(a["handle"])
        if a.get("display_name"):
            kwargs["display_name"] = str(a["display_name"])
        accounts.append(stix2.UserAccount(**kwargs))
    observed = stix2.ObservedData(
        id=stix_id("observed-data", facts.network.network_id),
        first_observed=facts.first_seen.replace(tzinfo=UTC),
        last_observed=(facts.last_seen or facts.first_seen).replace(tzinfo=UTC),
        number_observed=max(1, facts.posts),
        object_refs=sorted({a.id for a in accounts}),
        **common,
    )
    return [observed, *accounts]


def export_stix(
    workspace: Workspace,
    out: Path,
    *,
    producer: str = "cibwatch",
    tlp: str = "amber",
    group_kind: str = "campaign",
    include: str = "confirmed",
) -> stix2.Bundle:
    """Write the STIX 2.1 bundle of ``workspace``'s latest networks to ``out``; return it.

    ``include``: ``confirmed`` networks only (the default), or ``all`` with the indicators of
    networks nobody confirmed marked unreviewed (:func:`~.collect.collect`).
    """
    shareable = collect(workspace, include=include)
    bundle = build_bundle(shareable, producer=producer, tlp=tlp, group_kind=group_kind)
    out.write_text(serialize_bundle(bundle), encoding="utf-8")
    return bundle


def serialize_bundle(bundle: stix2.Bundle) -> str:
    """JSON text of ``bundle``, indented, properties in construction order (stable).

    ``stix2``'s ``pretty=True`` sorts properties too but costs seconds on a few hundred
    objects; our objects are always built with their properties in one fixed order.
    """
    return str(bundle.serialize(indent=2, ensure_ascii=False)) + "\n"
