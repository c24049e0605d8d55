"""Reading one post's polarity: which side of an issue its words, links and sources carry.

Keyword presence is not stance. "Hannity Slams Shameless Dems Using Vegas Shooting to Shill
Gun Control" names gun control to attack it; "I am not pro-choice" names a side to deny it;
'they call it "pro-choice"' quotes it. This module reads a post the way the stance lexicons
(:mod:`cibwatch.fingerprints.lexicons`) describe, term by term, with what surrounds each term
in its clause:

- **negation**: a negator up to ``NEGATION_WINDOW`` words before a *position* term ("no gun
  control", "repeal the second amendment", "not pro-life"), or a denial just after it ("gun
  control is not about safety"), counts the term for the other side;
- **mockery and attack**: a mocking word or a headline verb of attack near a position term
  ("so-called pro-life", "shill gun control", "Hannity slams gun control", "the gun control
  agenda/hoax/myth") also counts it for the other side;
- **quotes**: a term inside a longer quotation is reported speech and carries no side (only
  the topic); a quotation holding nothing but the term is a scare quote (mockery): the other
  side;
- **epithets**, the names a side gives the other ("gun grabbers", "illegals", "forced
  birthers"), are never turned: "stop the gun grabbers" is still gun-rights speech;
- **partisan lean**: markers of the US conservative or progressive camp (each camp's slogans,
  hashtags and names for the other; links to outlets with a known partisan audience; the
  account a share comes from) give a post on an issue's topic the side of that camp, for
  issues where the camps split cleanly (``by_lean`` in ``partisan/sides.csv``).

A post's evidence is a list of :class:`Hit` (issue, side, weight, label); a share (retweet)
weighs ``SHARE_WEIGHT`` times its own words: what a persona amplifies says more about the
side it poses as than words it types, which it may quote or mock.

>>> tokens("Shill #GunControl, \\"pro-life\\"!")
[('shill', False), ('#guncontrol', False), ('pro', True), ('life', True)]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

#: A share's hits weigh this many times the post's own words.
SHARE_WEIGHT: Final = 2.0
#: Words before a position term searched for a negator, and around it for mockery.
NEGATION_WINDOW: Final = 3
MOCKERY_BEFORE: Final = 4
MOCKERY_AFTER: Final = 3
#: A post's lean counts at most this much for a side (it is circumstantial).
MAX_LEAN: Final = 3.0


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words after normalisation (lower case; "don't" is "don t", so "t" is a negator).
NEGATORS: Final = _words(
    "not no never nor t stop stopping against oppose opposes opposed opposing reject "
    "rejects rejected anti repeal repealing abolish abolishing"
)
# After a term: its claim denied ("gun control is not about safety", "doesn't work").
NEGATED_AFTER: Final = frozenset(["not", "t", "never"])
NEGATED_AFTER_WINDOW: Final = 3
# Before a term: mocking words and the headline verbs of an attack whose subject is the
# headline's hero ("X slams gun control"). Not "attack"/"hate": "Dems attack the Second
# Amendment" is said by the Second Amendment's defenders.
MOCKERY_BEFORE_WORDS: Final = _words(
    "shill shills shilling shameless hypocrite hypocrites hypocritical hypocrisy hysteria "
    "hysterical lunatic lunatics idiot idiots idiotic stupid nonsense crazy insane pathetic "
    "disgusting absurd ridiculous phony fake exploit exploits exploiting exploited radical "
    "extreme extremist extremists slams slammed blasts blasted rips ripped destroys mocks "
    "mocked trashes bashes debunks debunked crushes shreds torches eviscerates dismantles"
)
MOCKERY_AFTER_WORDS: Final = _words(
    "agenda hoax myth myths lie lies nonsense propaganda zealots nuts crowd fanatics fails "
    "failed failure hypocrisy hypocrites shills lobby extremists freaks crazies mob scam "
    "hysteria"
)
MOCKERY_PHRASES: Final = (("so", "called"), ("doesn", "t", "work"), ("don", "t", "work"))

_OPEN_CLOSE: Final = {
    '"': '"',
    "'": "'",
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u00ab": "\u00bb",
}
_CLAUSE_ENDS: Final = frozenset(".!?;:\n\u2026|")
# A word (letters, digits, '#', '@', '_': Python's \w is letters, digits and '_'), or a
# character that opens or closes a quotation or ends a clause; everything else separates.
_PIECE: Final = re.compile(
    "([\\w#@]+)|(["
    + re.escape("".join(sorted(set(_OPEN_CLOSE) | set(_OPEN_CLOSE.values()) | _CLAUSE_ENDS)))
    + "])"
)
_RETWEET: Final = re.compile(r"^\s*RT\s+@?([A-Za-z0-9_]{1,30})\s*:\s*")
_LINK: Final = re.compile(r"https?://\S+|www\.\S+")


@dataclass(frozen=True)
class Term:
    """A lexicon term as the reader matches it: issue, side ('' for a topic), how it counts."""

    issue: str
    side: str
    weight: float
    label: str
    epithet: bool = False


@dataclass(frozen=True)
class Hit:
    """One piece of evidence in one post: it counts ``weight`` for ``side`` on ``issue``."""

    issue: str
    side: str
    weight: float
    label: str


@dataclass
class Reader:
    """Compiled lexicon: phrases by their word tuples, hashtags, domains, partisan markers.

    ``phrases`` and ``hashtags`` map to issue terms (side '' for topic words); ``markers``
    map a lean ('conservative'/'progressive') marker's key (``('phrase', words)``,
    ``('hashtag', tag)``, ``('domain', name)``, ``('account', handle)``) to (lean, weight);
    ``sides`` maps (issue, lean) to the issue's side of that lean for ``by_lean`` issues;
    ``other`` maps (issue, side) to the opposite side.
    """

    phrases: dict[tuple[str, ...], list[Term]] = field(default_factory=dict)
    hashtags: dict[str, list[Term]] = field(default_factory=dict)
    domains: dict[str, list[Term]] = field(default_factory=dict)
    markers: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    sides: dict[tuple[str, str], str] = field(default_factory=dict)
    other: dict[tuple[str, str], str] = field(default_factory=dict)
    longest: int = 1
    #: the longest phrase (term or marker) starting with each word: most words start none
    first: dict[str, int] = field(default_factory=dict)

    def add_phrase(self, words: tuple[str, ...], term: Term) -> None:
        self.phrases.setdefault(words, []).append(term)
        self._starts(words)

    def add_marker(self, kind: str, term: str, lean: str, weight: float) -> None:
        self.markers[kind, term] = (lean, weight)
        if kind == "phrase":
            self._starts(tuple(term.split()))

    def _starts(self, words: tuple[str, ...]) -> None:
        self.longest = max(self.longest, len(words))
        self.first[words[0]] = max(self.first.get(words[0], 0), len(words))


def tokens(text: str) -> list[tuple[str, bool]]:
    """Words of ``text`` (lower case, NFC, links removed) with whether each is quoted.

    A word is a run of letters, digits, '#', '@' and '_'; everything else separates words,
    exactly as the lexicon's phrases are split (``normalize_phrase``). A quotation opens with
    a straight or curly quotation mark or a guillemet after a non-letter and before a
    letter, and closes at its closing mark before a non-letter.
    """
    return [(w, q) for w, q, _c in clauses(text)]


def clauses(text: str) -> list[tuple[str, bool, int]]:
    """:func:`tokens` with each word's clause number: ``.!?;:`` and line breaks end a clause.

    A negator or a mocking word reaches only the words of its own clause.

    >>> clauses("Stop the steal! #ProLife")
    [('stop', False, 0), ('the', False, 0), ('steal', False, 0), ('#prolife', False, 1)]
    """
    text = unicodedata.normalize("NFC", _LINK.sub(" ", text)).lower().strip()
    if len(text) > 1 and _OPEN_CLOSE.get(text[0]) == text[-1]:
        text = text[1:-1]  # a whole post in quotation marks is not a quotation in it
    out: list[tuple[str, bool, int]] = []
    closing: str | None = None
    clause = 0
    for match in _PIECE.finditer(text):
        if match.lastindex == 1:
            out.append((match.group(1), closing is not None, clause))
            continue
        char, i = match.group(2), match.start()
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        # A quotation mark opens after a non-letter and before a letter, and closes before
        # a non-letter (so the apostrophes of "don't" and "Trump's" are no quotes).
        if closing is not None and char == closing and not after.isalnum():
            closing = None
        elif (
            closing is None
            and char in _OPEN_CLOSE
            and not before.isalnum()
            and (after.isalnum() or after in "#@")
        ):
            closing = _OPEN_CLOSE[char]
        elif char in _CLAUSE_ENDS and out and out[-1][2] == clause:
            clause += 1
    if closing is not None:  # an unclosed quotation mark quotes nothing
        out = [(w, False, c) for w, _q, c in out]
    return out


def _quote_spans(words: Sequence[tuple[str, bool]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = None
    for i, (_w, quoted) in enumerate([*words, ("", False)]):
        if quoted and start is None:
            start = i
        elif not quoted and start is not None:
            spans.append((start, i))
            start = None
    return spans


def _turned(before: Sequence[str], after: Sequence[str]) -> str | None:
    """Why a position term counts for the other side, from the words around it, or None.

    ``before`` and ``after`` are the words of the term's clause before and after it, nearest
    last and first, without words of other lexicon terms ("stop the steal" negates nothing).
    """
    negations = sum(1 for w in before[-NEGATION_WINDOW:] if w in NEGATORS)
    if negations % 2 or any(w in NEGATED_AFTER for w in after[:NEGATED_AFTER_WINDOW]):
        return "negated"
    near, later = before[-MOCKERY_BEFORE:], after[:MOCKERY_AFTER]
    if any(w in MOCKERY_BEFORE_WORDS for w in near) or any(w in MOCKERY_AFTER_WORDS for w in later):
        return "mocked"
    for cue in MOCKERY_PHRASES:
        n = len(cue)
        windows = [tuple(near[i : i + n]) for i in range(len(near))]
        windows += [tuple(later[i : i + n]) for i in range(len(later))]
        if cue in windows:
            return "mocked"
    return None


def _issue_hit(term: Term, how: str | None, reader: Reader) -> Hit | None:
    if not term.side or term.weight <= 0:
        return None
    if how in ("quoted", "in scare quotes") and term.epithet:
        return None  # an epithet in quotation marks is mentioned, not used
    if how is None or term.epithet:
        return Hit(term.issue, term.side, term.weight, term.label)
    if how == "quoted":
        return None
    other = reader.other[term.issue, term.side]
    return Hit(term.issue, other, term.weight, f"{term.label} {how}")


def _matches(
    reader: Reader, words: Sequence[str]
) -> list[tuple[int, int, list[Term], tuple[str, float] | None]]:
    """Longest lexicon terms and markers in ``words``, left to right, not overlapping."""
    out: list[tuple[int, int, list[Term], tuple[str, float] | None]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("#"):
            terms = reader.hashtags.get(word[1:])
            marker = reader.markers.get(("hashtag", word[1:]))
            if terms is not None or marker is not None:
                out.append((i, i + 1, terms or [], marker))
            i += 1
            continue
        step = 1
        for n in range(min(reader.first.get(word, 0), len(words) - i), 0, -1):
            key = tuple(words[i : i + n])
            terms = reader.phrases.get(key)
            marker = reader.markers.get(("phrase", " ".join(key)))
            if terms is not None or marker is not None:
                out.append((i, i + n, terms or [], marker))
                step = n
                break
        i += step
    return out


def _quote_of(spans: Sequence[tuple[int, int]], start: int, end: int) -> str | None:
    for a, b in spans:
        if a <= start and end <= b:
            return "in scare quotes" if (a, b) == (start, end) else "quoted"
    return None


@dataclass(frozen=True)
class Reading:
    """What one post carries: its hits, the issues it is on, and the camp its markers show.

    ``camp`` is the camp with the larger summed marker weight (None on a tie or without
    markers), ``margin`` its lead (doubled in a share) and ``names`` its markers.
    """

    hits: list[Hit]
    topics: frozenset[str]
    camp: str | None = None
    margin: float = 0.0
    names: tuple[str, ...] = ()


def read_post(
    reader: Reader,
    text: str | None,
    hashtags: Iterable[str] = (),
    domains: Iterable[str] = (),
    shared_account: str | None = None,
    shared: bool = False,
) -> list[Hit]:
    """Evidence of one post: hits of its terms, turned or not, and its partisan lean on topic.

    ``shared`` multiplies every hit by :data:`SHARE_WEIGHT`; a text starting ``RT @handle:``
    is a share of ``handle`` (the rest is read as the shared post's words).
    """
    return read(reader, text, hashtags, domains, shared_account, shared).hits


def read(
    reader: Reader,
    text: str | None,
    hashtags: Iterable[str] = (),
    domains: Iterable[str] = (),
    shared_account: str | None = None,
    shared: bool = False,
) -> Reading:
    """:func:`read_post` with the post's topics and camp (see :class:`Reading`)."""
    text = text or ""
    retweet = _RETWEET.match(text)
    if retweet:
        shared_account = shared_account or retweet.group(1)
        text = text[retweet.end() :]
        shared = True
    found = clauses(text)
    words = [w for w, _q, _c in found]
    matches = _matches(reader, words)
    if not (matches or hashtags or domains or shared_account):
        return Reading([], frozenset())  # most posts: no term, no marker, link or share
    spans = _quote_spans([(w, q) for w, q, _c in found])
    hits: list[Hit] = []
    topics: set[str] = set()
    lean: dict[str, dict[str, tuple[float, frozenset[str]]]] = {}
    seen_tags: set[str] = set()
    covered = {j for start, end, _t, _m in matches for j in range(start, end)}
    for start, end, terms, marker in matches:
        clause = found[start][2]
        before = [
            words[j]
            for j in range(max(0, start - MOCKERY_BEFORE - 2), start)
            if found[j][2] == clause and j not in covered
        ]
        after = [
            words[j]
            for j in range(end, min(len(words), end + MOCKERY_AFTER + 2))
            if found[j][2] == clause and j not in covered
        ]
        quote = _quote_of(spans, start, end)
        how = quote or _turned(before, after)
        if end - start == 1 and words[start].startswith("#"):
            seen_tags.add(words[start][1:])
        for term in terms:
            topics.add(term.issue)
            hit = _issue_hit(term, how, reader)
            if hit is not None:
                hits.append(hit)
        if marker is not None and quote is None:
            lean.setdefault(marker[0], {})[" ".join(words[start:end])] = (
                marker[1],
                frozenset(t.issue for t in terms),
            )
    for raw in hashtags:
        tag = raw.lower().lstrip("#")
        if tag in seen_tags:
            continue
        seen_tags.add(tag)
        _read_entity(reader, "hashtag", tag, f"#{tag}", topics, hits, lean)
    for raw in domains:
        labels = raw.lower().removeprefix("www.").split(".")
        for k in range(len(labels) - 1):
            name = ".".join(labels[k:])
            _read_entity(reader, "domain", name, name, topics, hits, lean)
    if shared_account:
        handle = shared_account.lower().lstrip("@")
        marker = reader.markers.get(("account", handle))
        if marker is not None:
            lean.setdefault(marker[0], {})[f"@{handle}"] = (marker[1], frozenset())
    hits = list(dict.fromkeys(hits))  # an entry counts once however often it occurs
    hits += _lean_hits(reader, topics, lean)
    factor = SHARE_WEIGHT if shared else 1.0
    if shared:
        hits = [Hit(h.issue, h.side, h.weight * factor, f"shared {h.label}") for h in hits]
    totals = sorted(
        ((sum(w for w, _i in found.values()), camp) for camp, found in lean.items()), reverse=True
    )
    if not totals or (len(totals) > 1 and totals[0][0] == totals[1][0]):
        return Reading(hits, frozenset(topics))
    margin = totals[0][0] - (totals[1][0] if len(totals) > 1 else 0.0)
    camp = totals[0][1]
    return Reading(hits, frozenset(topics), camp, margin * factor, tuple(sorted(lean[camp])))


def _read_entity(
    reader: Reader,
    kind: str,
    key: str,
    label: str,
    topics: set[str],
    hits: list[Hit],
    lean: dict[str, dict[str, tuple[float, frozenset[str]]]],
) -> None:
    """One hashtag or linked domain of a post: its issue terms (read as written, never turned:
    an entity carries no negation or quote) and the camp marker it may carry, under ``label``."""
    terms = (reader.hashtags if kind == "hashtag" else reader.domains).get(key, [])
    for term in terms:
        topics.add(term.issue)
        hit = _issue_hit(term, None, reader)
        if hit is not None:
            hits.append(hit)
    marker = reader.markers.get((kind, key))
    if marker is not None:
        lean.setdefault(marker[0], {})[label] = (marker[1], frozenset(t.issue for t in terms))


def _lean_hits(
    reader: Reader,
    topics: set[str],
    lean: Mapping[str, Mapping[str, tuple[float, frozenset[str]]]],
) -> list[Hit]:
    """On each topic of the post, the side of the camp its markers show (net, capped).

    A marker that is also a term of the issue (``#2a`` on guns) already counted as a term
    and is left out of that issue's lean.
    """
    out = []
    for issue in sorted(topics):
        totals = {
            camp: {name: w for name, (w, issues) in found.items() if issue not in issues}
            for camp, found in lean.items()
        }
        ranked = sorted(totals.items(), key=lambda kv: -sum(kv[1].values()))
        if not ranked or not ranked[0][1]:
            continue
        camp, names = ranked[0]
        margin = sum(names.values()) - (sum(ranked[1][1].values()) if len(ranked) > 1 else 0.0)
        side = reader.sides.get((issue, camp))
        if side is not None and margin > 0:
            label = f"{camp} markers ({', '.join(sorted(names))})"
            out.append(Hit(issue, side, min(margin, MAX_LEAN), label))
    return out
