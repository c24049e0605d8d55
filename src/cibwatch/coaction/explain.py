"""Sentences a person reads: why two accounts are linked by co-action."""

from __future__ import annotations

from collections.abc import Mapping

_NOUNS = {
    "shared_post": ("shared post", "shared posts"),
    "url": ("url", "urls"),
    "domain": ("domain", "domains"),
    "hashtag": ("hashtag", "hashtags"),
    "text": ("identical text", "identical texts"),
    "text_cluster": ("near-duplicate text", "near-duplicate texts"),
    "image": ("image", "images"),
    "reply_target": ("reply target", "reply targets"),
    "mention": ("mentioned account", "mentioned accounts"),
}


def _noun(object_type: str, count: int) -> str:
    singular, plural = _NOUNS.get(object_type, (object_type, object_type + "s"))
    return singular if count == 1 else plural


def _seconds(value: float) -> str:
    return f"{value:g} s"


def format_p(p: float) -> str:
    """Short p-value text: ``p = 0.03``, ``p < 1e-9``.

    >>> format_p(0.0312), format_p(1e-12)
    ('p = 0.031', 'p < 1e-09')
    """
    if p < 1e-9:
        return "p < 1e-09"
    return f"p = {p:.2g}"


def explain_edge(
    account_a: str,
    account_b: str,
    *,
    per_type: Mapping[str, int],
    window: float,
    median_dt: float,
    expected: float,
    p_value: float,
) -> str:
    """One sentence for an edge.

    >>> explain_edge("x:1", "x:2", per_type={"url": 14}, window=30, median_dt=4,
    ...              expected=0.02, p_value=1e-12)
    'x:1 and x:2 shared 14 of the same urls within 30 s of each other (median 4 s); expected 0.02 by chance (p < 1e-09)'
    """  # noqa: E501
    parts = sorted(per_type.items(), key=lambda item: (-item[1], item[0]))
    if len(parts) == 1:
        kind, count = parts[0]
        what = f"{count} of the same {_noun(kind, count)}"
    else:
        total = sum(per_type.values())
        listed = ", ".join(f"{count} {_noun(kind, count)}" for kind, count in parts)
        what = f"{total} of the same objects ({listed})"
    return (
        f"{account_a} and {account_b} shared {what} within {_seconds(window)} of each other "
        f"(median {_seconds(round(median_dt, 1))}); expected {expected:.2g} by chance "
        f"({format_p(p_value)})"
    )
