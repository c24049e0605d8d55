"""Classify observed domains against protected brands: own domain, imitation or unrelated.

Techniques, checked from the most specific to the least:

=====================  ==================================================================
``subdomain-deception`` a brand's domain inside the host (``spiegel.de.example.com``)
``brand-on-other-tld``  the brand label registered under another suffix (``spiegel.ltd``,
                        ``theguardian.co.com``: ``co.com`` is a suffix, see :mod:`.hosts`)
``hyphenation``         hyphens added or dropped (``tonline.de`` for ``t-online.de``)
``punycode-homoglyph``  an IDN drawn like the brand (``xn--spegel-qvf.de``, Cyrillic i)
``homoglyph``           ASCII look-alikes (``rn`` for ``m``, ``0`` for ``o``)
``dot-trick``           dots moved or dropped (``spiegelde.com``, ``t.online.de``)
``combosquatting``      brand plus a word (``spiegel-news.com``, ``news-bild.de``)
``typo-<kind>``         one edit (two for long labels): insertion, deletion, substitution,
                        keyboard-neighbour, transposition, doubled-letter; ``+tld`` when the
                        suffix is not one of the brand's own
=====================  ==================================================================

Real outlets are never flagged as imitating each other: a host that is, or lies under, any
listed domain is the verdict ``brand``, and a label that *is* some outlet's label is only
ever compared with that outlet. Short or dictionary-word brand labels (``taz``, ``focus``)
and short typos need corroboration, a throwaway TLD, before they count.

>>> c = LookalikeClassifier.bundled()
>>> r = c.classify("https://spiegel.ltd/politik/article123")
>>> (r.verdict, r.brand, r.technique)
('impersonation', 'spiegel.de', 'brand-on-other-tld')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from cibwatch.domains.brands import Brand, load_bundled_brands
from cibwatch.domains.homoglyphs import skeleton
from cibwatch.domains.hosts import HostParts, public_suffix_list, split_host
from cibwatch.domains.typos import deletions, osa_distance, typo_kind, within_one_edit
from cibwatch.domains.vocabulary import COMBO_WORDS, GENERIC_LABELS, THROWAWAY_SUFFIXES

VERDICTS = ("brand", "impersonation", "generated-family", "unrelated")

_BASE_SCORE = {
    "subdomain-deception": 0.9,
    "brand-on-other-tld": 0.9,
    "hyphenation": 0.85,
    "punycode-homoglyph": 0.95,
    "homoglyph": 0.85,
    "dot-trick": 0.85,
    "combosquatting": 0.8,
}
_WHY = {
    "subdomain-deception": "the brand's domain placed inside another domain",
    "brand-on-other-tld": "brand label on another TLD",
    "hyphenation": "the brand label with hyphens added or dropped",
    "punycode-homoglyph": "an internationalised name drawn like the brand label",
    "homoglyph": "look-alike letters in the brand label",
    "dot-trick": "the brand's domain with dots moved or dropped",
    "combosquatting": "the brand label combined with another word",
}


@dataclass(frozen=True)
class Classification:
    """The verdict on one domain; ``brand`` is the imitated outlet's canonical domain."""

    domain: str
    registered: str
    verdict: str
    brand: str = ""
    brand_name: str = ""
    technique: str = ""
    score: float = 0.0
    family: str = ""
    explanation: str = ""


@lru_cache(maxsize=1)
def _icann_list() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def _brand_label(domain: str) -> tuple[str, str]:
    """(label, suffix) that identify a listed domain: its registered label, or for a listed
    subdomain (``tg24.sky.it``) its first label."""
    parts = split_host(domain)
    if parts.subdomain:
        return parts.subdomain.split(".")[0], parts.suffix
    return parts.label, parts.suffix


class LookalikeClassifier:
    """Index of protected brands and the rules that match observed domains against it.

    Building the index costs a fraction of a second for the bundled list; classifying is a
    handful of dictionary lookups per domain (see :mod:`.typos` for the deletion index).
    ``min_score`` is the score from which a match is reported as ``impersonation``; weaker
    matches keep their candidate brand and score with the verdict ``unrelated``.
    """

    def __init__(self, brands: Sequence[Brand], *, min_score: float = 0.6) -> None:
        self.brands = list(brands)
        self.min_score = min_score
        self._genuine: dict[str, Brand] = {}
        self._label: dict[str, Brand] = {}
        self._key: dict[str, tuple[Brand, str]] = {}
        self._skeleton: dict[str, Brand] = {}
        self._compact: dict[str, Brand] = {}
        self._combo: dict[str, Brand] = {}
        self._deletions: dict[str, list[str]] = {}
        self._suffixes: dict[str, set[str]] = {}
        for brand in self.brands:
            for domain in brand.domains:
                self._genuine[domain] = brand
        for brand in self.brands:
            for domain in brand.domains:
                label, suffix = _brand_label(domain)
                self._add(brand, label, suffix)

    @classmethod
    def bundled(cls, *, min_score: float = 0.6) -> LookalikeClassifier:
        """A classifier over the brand list shipped with cibwatch."""
        return cls(load_bundled_brands(), min_score=min_score)

    def _add(self, brand: Brand, label: str, suffix: str) -> None:
        key = label.replace("-", "")
        self._suffixes.setdefault(key, set()).add(suffix)
        self._label.setdefault(label, brand)
        self._key.setdefault(key, (brand, label))
        self._compact.setdefault(key + suffix.replace(".", ""), brand)
        if _generic(key):
            return
        self._skeleton.setdefault(skeleton(label), brand)
        self._combo.setdefault(key, brand)
        depth = 2 if len(key) >= 9 else 1
        for variant in deletions(key, depth):
            bucket = self._deletions.setdefault(variant, [])
            if key not in bucket:
                bucket.append(key)

    # -- classification --------------------------------------------------------------------

    def classify(self, text: str) -> Classification:
        """Classify one domain or URL; raises :class:`ValueError` when it is not a domain."""
        return self.classify_parts(split_host(text))

    def classify_many(self, texts: Iterable[str]) -> list[Classification]:
        """Classify domains that are already known to be valid (see :meth:`classify`)."""
        return [self.classify(t) for t in texts]

    def classify_parts(self, p: HostParts) -> Classification:
        own = self._own_brand(p.host)
        if own is not None:
            return Classification(
                p.host,
                p.registered,
                "brand",
                own.canonical,
                own.name,
                "own-domain",
                1.0,
                explanation=f"{p.host} is a domain of {own.name}",
            )
        match = self._match(p)
        if match is None:
            return Classification(p.host, p.registered, "unrelated")
        brand, technique, score = match
        if self._throwaway(p.suffix) and score < 0.99:
            score = min(0.99, score + 0.05)
        verdict = "impersonation" if score >= self.min_score else "unrelated"
        why = _WHY.get(technique) or _typo_words(technique)
        return Classification(
            p.host,
            p.registered,
            verdict,
            brand.canonical,
            brand.name,
            technique,
            round(score, 3),
            explanation=f"{p.host} imitates {brand.name} ({brand.canonical}): {why}",
        )

    def _own_brand(self, host: str) -> Brand | None:
        labels = host.split(".")
        for i in range(len(labels) - 1):
            brand = self._genuine.get(".".join(labels[i:]))
            if brand is not None:
                return brand
        return None

    def _throwaway(self, suffix: str) -> bool:
        return _throwaway_suffix(suffix)

    def _match(self, p: HostParts) -> tuple[Brand, str, float] | None:
        label, key, suffix = p.label, p.label.replace("-", ""), p.suffix
        throwaway = self._throwaway(suffix)
        sub = p.subdomain.split(".") if p.subdomain else []
        tokens = sub + label.split("-")
        for size in (4, 3, 2):
            for i in range(len(tokens) - size + 1):
                brand = self._genuine.get(".".join(tokens[i : i + size]))
                if brand is not None:
                    inside_sub = i + size <= len(sub)
                    technique = "subdomain-deception" if inside_sub else "dot-trick"
                    return brand, technique, _BASE_SCORE[technique]
        for token in sub:
            brand = self._combo.get(token)
            if brand is not None and len(token) >= 5:
                return brand, "subdomain-deception", 0.7
        if label in self._label:
            # The exact label on an ordinary TLD is as often the outlet's own defensive
            # registration or a namesake elsewhere (independent.com, elmundo.com) as a copy:
            # it counts only on a throwaway or private-section suffix.
            brand = self._label[label]
            if _generic(key):
                return brand, "brand-on-other-tld", 0.7 if throwaway else 0.4
            return brand, "brand-on-other-tld", 0.9 if throwaway else 0.55
        if key in self._key:
            brand, _ = self._key[key]
            corroborated = throwaway or suffix in self._suffixes.get(key, set())
            if _generic(key):
                return brand, "hyphenation", 0.4
            return brand, "hyphenation", 0.85 if corroborated else 0.55
        skel = skeleton(label)
        if skel in self._skeleton:
            brand = self._skeleton[skel]
            if label.startswith("xn--") or "xn--" in p.subdomain:
                return brand, "punycode-homoglyph", 0.95
            # i/l and 0/o swaps in a four-letter label (zeit/zelt) are as often a real word,
            # and ASCII look-alikes elsewhere need the same corroboration as typos.
            own = any(suffix in self._suffixes.get(k, set()) for k in (brand_keys(brand)))
            weak = (len(key) <= 4 or not own) and not throwaway
            return brand, "homoglyph", 0.5 if weak else 0.85
        compact = "".join(sub) + key
        brand_c = self._compact.get(key) or self._compact.get(compact)
        if brand_c is not None:
            return brand_c, "dot-trick", 0.85
        if sub and compact in self._key:
            return self._key[compact][0], "dot-trick", 0.85
        combo = self._combosquat(label, key)
        if combo is not None:
            return combo
        return self._typo(key, suffix, throwaway)

    def _combosquat(self, label: str, key: str) -> tuple[Brand, str, float] | None:
        parts = label.split("-")
        if len(parts) > 1:
            for i, part in enumerate(parts):
                brand = self._combo.get(part)
                if brand is not None and len(part) >= 4:
                    others = parts[:i] + parts[i + 1 :]
                    strong = all(o in COMBO_WORDS for o in others)
                    return brand, "combosquatting", 0.8 if strong else 0.5
        for i in range(2, len(key) - 1):
            head, tail = key[:i], key[i:]
            if tail in COMBO_WORDS and head in self._combo and len(head) >= 4:
                return self._combo[head], "combosquatting", 0.75
            if head in COMBO_WORDS and tail in self._combo and len(tail) >= 4:
                return self._combo[tail], "combosquatting", 0.75
        return None

    def _typo(self, key: str, suffix: str, throwaway: bool) -> tuple[Brand, str, float] | None:
        if len(key) < 4:
            return None
        best: tuple[int, int, str] | None = None
        for variant in deletions(key, 2 if len(key) >= 8 else 1):
            for cand in self._deletions.get(variant, ()):
                allowed = 2 if len(cand) >= 9 else 1
                if len(cand) < 5 and not throwaway:
                    continue
                if within_one_edit(key, cand):
                    dist = 1
                elif allowed == 1:
                    continue
                else:
                    dist = osa_distance(key, cand, allowed + 1)
                if dist <= allowed:
                    rank = (dist, -len(cand), cand)
                    if best is None or rank < best:
                        best = rank
        if best is None:
            return None
        dist, _, cand = best
        brand = self._key[cand][0]
        own_suffix = suffix in self._suffixes.get(cand, set())
        kind = typo_kind(key, cand)
        technique = f"typo-{kind}" + ("" if own_suffix else "+tld")
        score = 0.75 if dist == 1 else 0.65
        if len(cand) >= 8 and dist == 1:
            score = 0.8
        # Off the brand's own suffix and off throwaway TLDs, a label one edit from a brand is
        # often another site's name (telegram.org is two edits from telegraaf, pi-news one
        # from ptinews): only long labels at one edit keep their score there.
        if not throwaway and not own_suffix and (dist == 2 or len(cand) < 9):
            score = 0.5
        return brand, technique, score


@lru_cache(maxsize=4096)
def _throwaway_suffix(suffix: str) -> bool:
    """A cheap new TLD, or a private-section suffix (co.com, eu.com, com.de) sold to anyone."""
    if suffix in THROWAWAY_SUFFIXES:
        return True
    return "." in suffix and _icann_list().publicsuffix("x." + suffix) != suffix


def brand_keys(brand: Brand) -> list[str]:
    """Hyphen-free labels of a brand's domains."""
    return [_brand_label(d)[0].replace("-", "") for d in brand.domains]


def _generic(key: str) -> bool:
    return len(key) <= 3 or key in GENERIC_LABELS


def _typo_words(technique: str) -> str:
    kind = technique.removeprefix("typo-").removesuffix("+tld").replace("-", " ")
    tld = " on another TLD" if technique.endswith("+tld") else ""
    return f"a misspelling of the brand label ({kind}){tld}"


def public_suffix(host: str) -> str:
    """The public suffix of ``host`` (private section included), for reports."""
    return str(public_suffix_list().publicsuffix(host))
