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
listed domain is the verdict ``brand``. The outlet's exact label on a suffix it does not own
is scored by how that suffix is used (:mod:`.tlds`): high on new generic TLDs, cheap country
codes and private suffixes, below the threshold on ``.com`` or another country's code, where
namesakes are common, until corroboration lifts it (:mod:`.corroboration`). When several
outlets share a label, cues in the domain and its context pick one (:mod:`.choice`). Short
or dictionary-word brand labels (``taz``, ``focus``) and short typos need a suspicious TLD
before they count. Every result carries a ``confidence`` and the ``reasons`` behind it.

>>> c = LookalikeClassifier.bundled()
>>> r = c.classify("https://spiegel.ltd/politik/article123")
>>> (r.verdict, r.brand, r.technique)
('impersonation', 'spiegel.de', 'brand-on-other-tld')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cibwatch.domains.brands import Brand, load_bundled_brands
from cibwatch.domains.choice import choose_brand
from cibwatch.domains.corroboration import NO_CONTEXT, DomainContext, lift
from cibwatch.domains.homoglyphs import skeleton
from cibwatch.domains.hosts import HostParts, public_suffix_list, split_host
from cibwatch.domains.tlds import EXACT_LABEL_SCORE, SUSPICIOUS, tld_class, tld_words
from cibwatch.domains.typos import (
    deletions,
    osa_distance,
    other_name,
    typo_kind,
    within_one_edit,
)
from cibwatch.domains.vocabulary import COMBO_WORDS, GENERIC_LABELS

VERDICTS = ("brand", "impersonation", "generated-family", "unrelated")

#: Added to any match on a suffix of the ``abused-generic`` or ``private`` class.
THROWAWAY_BONUS = 0.05
#: Subtracted from the exact-label score of labels of three letters or fewer.
SHORT_PENALTY = 0.25
#: Subtracted from the exact-label score of dictionary-word labels (citizen, nation), the
#: names real namesakes use on every kind of TLD.
WORD_PENALTY = 0.4
#: Labels of at least this many letters match typos within two edits, others within one.
TWO_EDIT_LENGTH = 10
#: Labels of at least this many letters keep a one-edit typo's score on .com, .net, .org.
LONG_LABEL = 9

_BASE_SCORE = {
    "subdomain-deception": 0.9,
    "punycode-homoglyph": 0.95,
    "dot-trick": 0.85,
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
    """The verdict on one domain; ``brand`` is the imitated outlet's canonical domain.

    ``confidence`` is ``high``, ``medium`` or ``low`` (a candidate below the threshold), empty
    when nothing matched; ``runner_up`` names a namesake outlet the domain may imitate instead;
    ``reasons`` lists what the score is made of.
    """

    domain: str
    registered: str
    verdict: str
    brand: str = ""
    brand_name: str = ""
    technique: str = ""
    score: float = 0.0
    family: str = ""
    explanation: str = ""
    confidence: str = ""
    runner_up: str = ""
    reasons: tuple[str, ...] = field(default=())


@dataclass
class _Match:
    brands: list[Brand]
    technique: str
    tokens: list[str]
    score: float = 0.0
    key: str = ""
    penalty: str = ""


def _brand_label(domain: str) -> tuple[str, str]:
    """(label, suffix) that identify a listed domain: its registered label, or for a listed
    subdomain (``tg24.sky.it``) its first label."""
    parts = split_host(domain)
    if parts.subdomain:
        return parts.subdomain.split(".")[0], parts.suffix
    return parts.label, parts.suffix


def _pick(brands: Sequence[Brand] | None, exclude: Brand | None) -> list[Brand]:
    if not brands:
        return []
    return [b for b in brands if b is not exclude]


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
        self._label: dict[str, list[Brand]] = {}
        self._key: dict[str, list[tuple[Brand, str]]] = {}
        self._skeleton: dict[str, list[Brand]] = {}
        self._compact: dict[str, list[Brand]] = {}
        self._combo: dict[str, list[Brand]] = {}
        self._doubled: dict[str, list[Brand]] = {}
        self._deletions: dict[str, list[str]] = {}
        self._suffixes: dict[str, set[str]] = {}
        self._regional: dict[str, set[str]] = {}
        self._own_suffixes: dict[int, set[str]] = {}
        for brand in self.brands:
            self._own_suffixes[id(brand)] = {_brand_label(d)[1] for d in brand.domains}
            self._regional.setdefault(brand.language, set()).add(brand.country.lower())
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
        _append(self._label, label, brand)
        bucket = self._key.setdefault(key, [])
        if all(b is not brand for b, _ in bucket):
            bucket.append((brand, label))
        _append(self._compact, key + suffix.replace(".", ""), brand)
        if _generic(key):
            if len(key) == 3 and key.isalpha():
                # A doubled letter (fazz for faz) is the one typo of a three-letter label
                # that still reads as the brand; it counts on suspicious TLDs only.
                for i in range(3):
                    _append(self._doubled, key[: i + 1] + key[i:], brand)
            return
        _append(self._skeleton, skeleton(label), brand)
        _append(self._combo, key, brand)
        depth = 2 if len(key) >= TWO_EDIT_LENGTH else 1
        for variant in deletions(key, depth):
            keys = self._deletions.setdefault(variant, [])
            if key not in keys:
                keys.append(key)

    # -- classification --------------------------------------------------------------------

    def classify(self, text: str, context: DomainContext | None = None) -> Classification:
        """Classify one domain or URL; raises :class:`ValueError` when it is not a domain."""
        return self.classify_parts(split_host(text), context)

    def classify_many(self, texts: Iterable[str]) -> list[Classification]:
        """Classify domains that are already known to be valid (see :meth:`classify`)."""
        return [self.classify(t) for t in texts]

    def classify_parts(
        self,
        p: HostParts,
        context: DomainContext | None = None,
        *,
        exclude: Brand | None = None,
    ) -> Classification:
        """Classify a split host. ``exclude`` leaves one listed outlet out, as if it were
        not listed (see :meth:`collisions`)."""
        ctx = context or NO_CONTEXT
        own = self._own_brand(p.host, exclude)
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
                confidence="high",
                reasons=(f"{p.host} is listed as a domain of {own.name}",),
            )
        match = self._match(p, exclude)
        if match is None:
            return Classification(p.host, p.registered, "unrelated")
        choice = choose_brand(match.brands, match.tokens, ctx)
        brand = choice.brand
        regional = self._regional.get(brand.language, set()) | {brand.country.lower()}
        cls = tld_class(p.suffix, regional)
        score, tld_reason = self._score(match, brand, p, cls)
        if score <= 0:
            return Classification(p.host, p.registered, "unrelated")
        why = _WHY.get(match.technique) or _typo_words(match.technique)
        reasons = [f"{why}: {brand.name} ({brand.canonical})"]
        if cls in ("abused-generic", "private") and score < 0.99:
            score = min(0.99, score + THROWAWAY_BONUS)
            tld_reason = tld_reason or f".{p.suffix} is {tld_words(cls)}"
            tld_reason += f" (+{THROWAWAY_BONUS:.2f})"
        if tld_reason:
            reasons.append(tld_reason)
        if match.penalty:
            reasons.append(match.penalty)
        score, lifted = lift(round(score, 3), ctx)
        reasons.extend(lifted)
        reasons.extend(choice.reasons)
        verdict = "impersonation" if score >= self.min_score else "unrelated"
        if verdict == "unrelated":
            confidence = "low"
        elif score >= 0.85 and choice.runner_up is None:
            confidence = "high"
        else:
            confidence = "medium"
        return Classification(
            p.host,
            p.registered,
            verdict,
            brand.canonical,
            brand.name,
            match.technique,
            round(score, 3),
            explanation=f"{p.host} imitates {brand.name} ({brand.canonical}): {why}",
            confidence=confidence,
            runner_up=choice.runner_up.canonical if choice.runner_up is not None else "",
            reasons=tuple(reasons),
        )

    def collisions(self) -> list[tuple[str, Classification]]:
        """Listed domains that would be flagged as imitating another listed outlet if their
        own outlet were not listed: pairs of outlets whose names collide."""
        found: list[tuple[str, Classification]] = []
        for brand in self.brands:
            for domain in brand.domains:
                r = self.classify_parts(split_host(domain), exclude=brand)
                if r.verdict == "impersonation":
                    found.append((domain, r))
        return found

    def _own_brand(self, host: str, exclude: Brand | None = None) -> Brand | None:
        labels = host.split(".")
        for i in range(len(labels) - 1):
            brand = self._genuine.get(".".join(labels[i:]))
            if brand is not None and brand is not exclude:
                return brand
        return None

    # -- matching: which outlets the name resembles, and how -------------------------------

    def _match(self, p: HostParts, exclude: Brand | None) -> _Match | None:
        label, key = p.label, p.label.replace("-", "")
        sub = p.subdomain.split(".") if p.subdomain else []
        tokens = sub + label.split("-")
        for size in (4, 3, 2):
            for i in range(len(tokens) - size + 1):
                brand = self._genuine.get(".".join(tokens[i : i + size]))
                if brand is not None and brand is not exclude:
                    inside_sub = i + size <= len(sub)
                    technique = "subdomain-deception" if inside_sub else "dot-trick"
                    rest = tokens[:i] + tokens[i + size :]
                    return _Match([brand], technique, rest, _BASE_SCORE[technique])
        for token in sub:
            brands = _pick(self._combo.get(token), exclude)
            if brands and len(token) >= 5:
                rest = [t for t in tokens if t != token]
                return _Match(brands, "subdomain-deception", rest, 0.7)
        brands = _pick(self._label.get(label), exclude)
        if brands:
            return _Match(brands, "brand-on-other-tld", sub, key=key)
        keyed = _pick([b for b, _ in self._key.get(key, [])], exclude)
        if keyed:
            return _Match(keyed, "hyphenation", sub, key=key)
        brands = _pick(self._skeleton.get(skeleton(label)), exclude)
        if brands:
            puny = label.startswith("xn--") or "xn--" in p.subdomain
            technique = "punycode-homoglyph" if puny else "homoglyph"
            return _Match(brands, technique, sub, _BASE_SCORE.get(technique, 0.0), key=key)
        compact = "".join(sub) + key
        brands = _pick(self._compact.get(key) or self._compact.get(compact), exclude)
        if brands:
            return _Match(brands, "dot-trick", [], _BASE_SCORE["dot-trick"])
        if sub:
            brands = _pick([b for b, _ in self._key.get(compact, [])], exclude)
            if brands:
                return _Match(brands, "dot-trick", [], _BASE_SCORE["dot-trick"])
        combo = self._combosquat(label, key, exclude)
        if combo is not None:
            return combo
        return self._typo(label, key, exclude)

    def _combosquat(self, label: str, key: str, exclude: Brand | None) -> _Match | None:
        parts = label.split("-")
        if len(parts) > 1:
            for i, part in enumerate(parts):
                brands = _pick(self._combo.get(part), exclude)
                if brands and len(part) >= 4:
                    others = parts[:i] + parts[i + 1 :]
                    # News words and country or language codes (pravda-ua, bild-d) keep the
                    # brand in front; any other word makes a different name (spiegel-reisen).
                    strong = all(o in COMBO_WORDS or (len(o) <= 2 and o.isalpha()) for o in others)
                    return _Match(brands, "combosquatting", others, 0.8 if strong else 0.5)
        for i in range(2, len(key) - 1):
            head, tail = key[:i], key[i:]
            if tail in COMBO_WORDS and len(head) >= 4:
                brands = _pick(self._combo.get(head), exclude)
                if brands:
                    return _Match(brands, "combosquatting", [tail], 0.75)
            if head in COMBO_WORDS and len(tail) >= 4:
                brands = _pick(self._combo.get(tail), exclude)
                if brands:
                    return _Match(brands, "combosquatting", [head], 0.75)
        return None

    def _typo(self, label: str, key: str, exclude: Brand | None) -> _Match | None:
        if len(key) < 4 or key in GENERIC_LABELS:
            return None  # a common word (nation, denik) is not a misspelling of a name
        best: tuple[int, int, str] | None = None
        for variant in deletions(key, 2 if len(key) >= TWO_EDIT_LENGTH - 1 else 1):
            for cand in self._deletions.get(variant, ()):
                if not _pick([b for b, _ in self._key[cand]], exclude):
                    continue
                if "-" in label and all("-" not in lab for _, lab in self._key[cand]):
                    continue  # europ-er is not europe1: the hyphen splits the name apart
                if key[0] != cand[0]:
                    continue  # nbcnews, sabcnews, epravda: another first letter, another name
                allowed = 2 if len(cand) >= TWO_EDIT_LENGTH else 1
                if within_one_edit(key, cand):
                    dist = 1
                elif allowed == 1:
                    continue
                else:
                    dist = osa_distance(key, cand, allowed + 1)
                    # Two edits keep the brand's last letter too, or the name is another
                    # word (telegramm is not telegraaf).
                    if key[-1] != cand[-1]:
                        continue
                if dist <= allowed and not other_name(key, cand, dist):
                    rank = (dist, -len(cand), cand)
                    if best is None or rank < best:
                        best = rank
        if best is not None:
            dist, _, cand = best
            brands = _pick([b for b, _ in self._key[cand]], exclude)
            return _Match(brands, f"typo-{dist}", [], key=cand)
        brands = _pick(self._doubled.get(key), exclude)
        if brands:
            return _Match(brands, "typo-short-doubled", [], key=key)
        return None

    # -- scoring: what the match is worth on this suffix -----------------------------------

    def _score(self, m: _Match, brand: Brand, p: HostParts, cls: str) -> tuple[float, str]:
        """The match's score before bonuses and lifts, and the reason naming the suffix."""
        suspicious = cls in SUSPICIOUS
        tld_reason = f".{p.suffix} is {tld_words(cls)}"
        own_suffix = p.suffix in self._own_suffixes.get(id(brand), set())
        t = m.technique
        if t == "combosquatting" and m.score >= 0.75 and not suspicious:
            # Real outlets are named this way too (bildblog.de, dailytelegraph.com.au): off
            # suspicious TLDs a brand plus a news word needs corroboration.
            return 0.55, tld_reason
        if t in _BASE_SCORE or t in ("combosquatting", "subdomain-deception"):
            return m.score, ""
        if t == "brand-on-other-tld":
            score = EXACT_LABEL_SCORE[cls]
            if m.key in GENERIC_LABELS:
                score -= WORD_PENALTY
                m.penalty = f"the label is a common word (-{WORD_PENALTY:.2f})"
            elif _generic(m.key):
                score -= SHORT_PENALTY
                m.penalty = f"the label has three letters or fewer (-{SHORT_PENALTY:.2f})"
            return max(score, 0.0), tld_reason
        if t == "hyphenation":
            if _generic(m.key):
                return 0.4, tld_reason
            return (0.85 if suspicious or own_suffix else 0.55), tld_reason
        if t == "homoglyph":
            # i/l and 0/o swaps in a four-letter label (zeit/zelt) are as often a real word,
            # and ASCII look-alikes elsewhere need the same corroboration as typos.
            weak = (len(m.key) <= 4 or not own_suffix) and not suspicious
            return (0.5 if weak else 0.85), tld_reason
        if t == "typo-short-doubled":
            if not suspicious:
                return 0.0, ""
            m.technique = "typo-doubled-letter+tld"
            return 0.7, tld_reason
        # typo-<dist>: name the edit, then score it
        dist = int(t.removeprefix("typo-"))
        cand = m.key
        observed = p.label.replace("-", "")
        if len(cand) < 6 and not suspicious:
            return 0.0, ""  # lejdc and lejdd, wistv and wishtv: short names sit close
        kind = typo_kind(observed, cand)
        m.technique = f"typo-{kind}" + ("" if own_suffix else "+tld")
        score = 0.75 if dist == 1 else 0.65
        if len(cand) >= 8 and dist == 1:
            score = 0.8
        # Off the brand's own suffix and off suspicious TLDs, a label one edit from a brand is
        # often another site's name (pi-news is one edit from ptinews): only long labels at
        # one edit on .com, .net or .org keep their score there.
        # Another country's code is as likely a namesake (20minutes.fr, 20minutos.es).
        short = dist == 2 or len(cand) < LONG_LABEL or cls in ("cctld", "regional")
        if not suspicious and not own_suffix and short:
            score = 0.5
        # On .com, .org and .net, outlets a letter apart are common (svoboda.org and
        # svaboda.org): the brand's own generic suffix counts only for long names.
        if own_suffix and cls == "legacy-generic" and len(cand) < 8:
            score = 0.5
        return score, tld_reason


def _append(index: dict[str, list[Brand]], key: str, brand: Brand) -> None:
    bucket = index.setdefault(key, [])
    if all(b is not brand for b in bucket):
        bucket.append(brand)


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
