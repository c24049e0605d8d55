"""Generated domain families: one base word, scrambled or misspelt, on throwaway TLDs.

Operations that lose domains to blocking register new ones from the same recipe
(``rrn.world``, ``rrn.media``, ``rnr.ltd``...). Two registered domains belong together when
their labels are anagrams of each other or one edit apart (found with the deletion index of
:mod:`.typos`); families are the connected groups of at least ``min_size`` domains on at
least ``min_suffixes`` different suffixes. Only domains that need no corroboration take
part: those on throwaway or private-section suffixes. Imitations of a brand, whatever their
suffix, form one family per brand (named after the brand label) instead of being linked by
spelling, so that typos of two short brand labels never chain distinct outlets together.

Each family carries its first and last sighting and, given a block date, the members first
seen after it: a family that keeps growing after a block is *persistent*.

>>> fams = find_families(["rrnews.ltd", "rrnwes.pics", "rrnew.top", "example.com"])
>>> [(f.family_id, f.members) for f in fams]
[('rrnews', ('rrnew.top', 'rrnews.ltd', 'rrnwes.pics'))]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cibwatch.domains.hosts import split_host
from cibwatch.domains.typos import deletions, within_one_edit
from cibwatch.domains.vocabulary import THROWAWAY_SUFFIXES

Seen = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Family:
    """A generated family; ``members`` are registered domains, sorted."""

    family_id: str
    members: tuple[str, ...]
    suffixes: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    new_after_block: tuple[str, ...] = ()

    @property
    def persistent(self) -> bool:
        """Whether the family gained members after the block date."""
        return bool(self.new_after_block)

    @property
    def score(self) -> float:
        """Strength of the family signal: grows with size, higher when persistent."""
        size_part = min(0.9, 0.5 + 0.1 * (len(self.members) - 2))
        return round(min(0.95, size_part + (0.05 if self.persistent else 0.0)), 3)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _eligible(suffix: str) -> bool:
    return suffix in THROWAWAY_SUFFIXES or "." in suffix


def find_families(
    domains: Iterable[str],
    *,
    seen: Mapping[str, Seen] | None = None,
    block_date: datetime | None = None,
    imitating: Mapping[str, str] | None = None,
    min_size: int = 3,
    min_suffixes: int = 2,
) -> list[Family]:
    """Group registered domains into generated families (see the module docstring).

    ``domains`` are hosts or registered domains; invalid ones are skipped (validate input
    first where line numbers matter). ``imitating`` maps the registered domains the
    classifier found imitating a brand to that brand's label. ``seen`` maps a registered
    domain to its first and last sighting.
    """
    brand_of = dict(imitating or {})
    labels: dict[str, tuple[str, str]] = {}
    by_brand: dict[str, list[str]] = {}
    suffix_of: dict[str, str] = {}
    for text in domains:
        try:
            p = split_host(text)
        except ValueError:
            continue
        suffix_of[p.registered] = p.suffix
        key = p.label.replace("-", "")
        if p.registered in brand_of:
            group = by_brand.setdefault(brand_of[p.registered], [])
            if p.registered not in group:
                group.append(p.registered)
        elif len(key) >= 3 and _eligible(p.suffix):
            labels[p.registered] = (key, p.suffix)
    names = sorted(labels)
    uf = _UnionFind(len(names))
    owner: dict[str, int] = {}
    for i, name in enumerate(names):
        key = labels[name][0]
        keys = {"a" + "".join(sorted(key))}
        if len(key) >= 5:
            keys |= {"d" + v for v in deletions(key, 1)}
        for k in keys:
            j = owner.setdefault(k, i)
            if j != i:
                uf.union(i, j)
    groups: dict[int, list[str]] = {}
    for i, name in enumerate(names):
        groups.setdefault(uf.find(i), []).append(name)
    candidates = [(brand, members) for brand, members in sorted(by_brand.items())]
    candidates += [("", members) for members in groups.values()]
    families: list[Family] = []
    used: Counter[str] = Counter()
    for brand, members in candidates:
        suffixes = sorted({suffix_of[m] for m in members})
        if len(members) < min_size or len(suffixes) < min_suffixes:
            continue
        base = brand or _base_word([labels[m][0] for m in members])
        used[base] += 1
        family_id = base if used[base] == 1 else f"{base}#{used[base]}"
        families.append(_dated(family_id, members, suffixes, seen or {}, block_date))
    return sorted(families, key=lambda f: f.family_id)


def _base_word(keys: list[str]) -> str:
    """The family's most central label: the one with most family labels (by frequency)
    within one edit of it or anagrams of it, ties going to the more frequent, then
    alphabetical. Large families are judged on their 20 commonest labels."""
    counts = Counter(keys)
    common = [k for k, _ in counts.most_common(20)]
    letters = {k: sorted(k) for k in common}

    def closeness(k: str) -> int:
        return sum(counts[o] for o in common if within_one_edit(k, o) or letters[k] == letters[o])

    return min(common, key=lambda k: (-closeness(k), -counts[k], k))


def _dated(
    family_id: str,
    members: list[str],
    suffixes: list[str],
    seen: Mapping[str, Seen],
    block_date: datetime | None,
) -> Family:
    firsts = [seen[m][0] for m in members if m in seen and seen[m][0] is not None]
    lasts = [seen[m][1] for m in members if m in seen and seen[m][1] is not None]
    first = min((d for d in firsts if d is not None), default=None)
    last = max((d for d in lasts if d is not None), default=None)
    new: tuple[str, ...] = ()
    if block_date is not None:
        new = tuple(
            m
            for m in sorted(members)
            if m in seen and (f := seen[m][0]) is not None and f > block_date
        )
    return Family(family_id, tuple(sorted(members)), tuple(suffixes), first, last, new)
