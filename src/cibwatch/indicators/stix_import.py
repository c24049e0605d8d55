"""Reading STIX 2.1 bundles: validation, and indicators back out of their patterns.

:func:`validate_bundle` parses a bundle with ``stix2`` (no custom content allowed), checks
every STIX pattern with ``stix2patterns`` and every reference against the bundle's own
objects. :func:`read_stix` turns each Indicator object into indicator rows: the
comparisons ``domain-name:value``, ``url:value``, ``ipv4-addr:value``/``ipv6-addr:value``
and ``file:hashes.MD5``/``'SHA-256'`` joined by ``OR`` are understood; any other pattern is
kept as text that is not an indicator, with the reason. Each Indicator object is one row
(numbered in bundle order), and its *indicates* relationships name its networks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Final

import stix2
from stix2.exceptions import STIXError
from stix2patterns.validator import run_validator  # type: ignore[import-untyped]

from cibwatch.errors import InputError
from cibwatch.indicators.model import ImportResult, Indicator, NonIndicator
from cibwatch.indicators.stix_export import SOURCE_NAME
from cibwatch.indicators.values import url_type

_COMPARISON: Final = re.compile(
    r"(domain-name|url|ipv4-addr|ipv6-addr|file|user-account):"
    r"(value|hashes\.MD5|hashes\.'SHA-256'|hashes\.'MD5'|account_login)"
    r"\s*=\s*'((?:\\.|[^'\\])*)'"
)
_TYPES: Final = {
    ("domain-name", "value"): "domain",
    ("url", "value"): "url",
    ("ipv4-addr", "value"): "ip",
    ("ipv6-addr", "value"): "ip",
    ("file", "hashes.MD5"): "md5",
    ("file", "hashes.'MD5'"): "md5",
    ("file", "hashes.'SHA-256'"): "sha256",
    ("user-account", "account_login"): "handle",
}
#: How much of a parser's complaint an error repeats (a complaint may quote the whole file).
_MAX_COMPLAINT: Final = 200
_REF_KEYS: Final = ("created_by_ref", "source_ref", "target_ref")
_REF_LISTS: Final = ("object_marking_refs", "object_refs")


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal)


def parse_bundle(text: str, source: str) -> Any:
    """Parse a STIX 2.1 bundle strictly (InputError naming ``source`` when it is not one).

    JSON that is not a bundle at all is refused in a sentence saying what it is; the
    parser's own complaints are cut short, since they may quote the whole file.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"not JSON: {exc}", file=source) from exc
    if not isinstance(data, dict) or data.get("type") != "bundle":
        what = (
            f'a JSON object with "type": {str(data.get("type"))[:40]!r}'
            if isinstance(data, dict) and "type" in data
            else f"JSON {type(data).__name__} without a STIX type"
            if not isinstance(data, dict)
            else "a JSON object without a STIX type"
        )
        raise InputError(
            f"not an indicator file: {what}, not a STIX 2.1 bundle "
            '({"type": "bundle", "objects": [...]})',
            file=source,
        )
    try:
        bundle = stix2.parse(data, allow_custom=False)
    except (STIXError, ValueError, KeyError, TypeError) as exc:
        complaint = str(exc)
        if len(complaint) > _MAX_COMPLAINT:
            complaint = complaint[:_MAX_COMPLAINT] + "..."
        raise InputError(f"not a valid STIX 2.1 bundle: {complaint}", file=source) from exc
    if getattr(bundle, "type", None) != "bundle":
        raise InputError("a STIX object but not a bundle", file=source)
    return bundle


def validate_bundle(text: str, source: str = "<bundle>") -> Any:
    """Parse ``text``, check its patterns and that all its references resolve; return it."""
    bundle = parse_bundle(text, source)
    objects = list(getattr(bundle, "objects", []) or [])
    ids = {o.id for o in objects}
    for n, obj in enumerate(objects, start=1):
        if obj.type == "indicator" and obj.pattern_type == "stix":
            errors = run_validator(obj.pattern, stix_version="2.1")
            if errors:
                raise InputError(f"bad pattern: {errors[0]}", file=source, row=n, field="pattern")
        refs = [obj.get(k) for k in _REF_KEYS] + [r for k in _REF_LISTS for r in obj.get(k, [])]
        for ref in refs:
            if ref is not None and ref not in ids:
                raise InputError(f"{obj.id} refers to {ref}, not in the bundle", file=source, row=n)
    return bundle


def read_stix(path: Path) -> ImportResult:
    """Indicators of the STIX 2.1 bundle at ``path`` (see the module docstring)."""
    source = str(path)
    bundle = parse_bundle(path.read_text(encoding="utf-8"), source)
    objects = list(getattr(bundle, "objects", []) or [])
    networks: dict[str, str] = {}
    for obj in objects:
        if obj.type in ("campaign", "intrusion-set"):
            refs = [r for r in obj.get("external_references", []) if r.source_name == SOURCE_NAME]
            networks[obj.id] = str(refs[0].external_id) if refs else str(obj.name)
    targets: dict[str, list[str]] = {}
    for obj in objects:
        indicates = obj.type == "relationship" and obj.relationship_type == "indicates"
        if indicates and obj.target_ref in networks:
            targets.setdefault(obj.source_ref, []).append(networks[obj.target_ref])
    result = ImportResult(source, "stix")
    for obj in objects:
        if obj.type != "indicator":
            continue
        result.rows_read += 1
        _read_indicator(obj, sorted(targets.get(obj.id, [])), result)
    return result


def _read_indicator(obj: Any, networks: list[str], result: ImportResult) -> None:
    row = result.rows_read
    pattern = str(obj.pattern)
    context = json.dumps({"stix_id": obj.id, "name": obj.get("name")})
    found = _COMPARISON.findall(pattern) if obj.pattern_type == "stix" else []
    skeleton = _COMPARISON.sub("X", pattern).replace(" ", "")
    simple = re.fullmatch(r"\[X(?:ORX)*\](?:OR\[X(?:ORX)*\])*", skeleton) is not None
    if not found or not simple:
        result.texts.append(
            NonIndicator(
                pattern, "a STIX pattern cibwatch does not read", result.source, row, context
            )
        )
        return
    labels = set(obj.get("labels", []))
    for obj_type, prop, literal in found:
        kind = _TYPES[(obj_type, prop)]
        value = _unquote(literal)
        if kind == "url":
            kind = "account_url" if "cibwatch-account-url" in labels else url_type(value)
        owners: list[str | None] = list(networks) or [None]
        for network in owners:
            result.indicators.append(
                Indicator(kind, value, network, obj.get("description"), result.source, row, context)
            )
