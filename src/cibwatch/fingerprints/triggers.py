"""Which posts can carry stance evidence: patterns every such post matches, for DuckDB to test.

Most posts say nothing on any issue. The reader (:func:`cibwatch.fingerprints.polarity.read`)
finds evidence only where a post has a lexicon phrase or ``#hashtag`` among its words, a
lexicon hashtag or linked domain in its entities, or a marker account as the account it
shares; a post with none of these gives no hit, no topic and no camp. So stance reads in
Python only the posts matching the patterns of :func:`trigger_patterns`, which DuckDB tests
in bulk (RE2 regular expressions, ``regexp_matches``).

The patterns may let through posts that hold no term (the reader then finds nothing) but
must never stop one that does. A phrase is looked for by two adjacent words of it, its
*anchor* (the least common pair: "second amendment" in "defend the second amendment"; a
one-word phrase by its word), as whole words: an alternation of words and pairs of words
is what RE2 runs fast, whole phrases made it a hundred times slower, and single words
("president", "right") let through twice as many real tweets. The reader strips a
retweet's ``RT @handle:`` and removes links before it splits words, and so does
:func:`candidate_sql`, with the same regular expressions (Python's ``\\s`` spelled out as
:data:`PYTHON_SPACES`: RE2's is ASCII only); the reader then applies Unicode NFC and
``str.lower``; so, on that text:

- letters match in any case (``(?i)``; RE2 also folds the Kelvin sign into ``k``, as
  ``str.lower`` does), and ``İ``, which ``str.lower`` makes ``i`` and a combining dot (a word
  break), is replaced by that before matching (:data:`DOTTED_I`); no other character
  becomes ASCII under NFC and ``str.lower`` but the Greek question mark and varia, which
  are no word characters (tests/test_stance_triggers.py checks all of Unicode);
- a word starts after a character other than an ASCII letter, digit, ``_``, ``#`` or ``@``
  (or at the start) and ends before one (or at the end); the two words of a pair are
  separated by a run of such characters;
- a word with non-ASCII letters (``wahlfälschung``) is looked for by its longest run of
  ASCII characters, anywhere (NFC may compose an ASCII letter with the marks after it);
  one with none by any non-ASCII character;
- entities match as the reader compares them: a hashtag after any leading ``#``, a domain
  or any of its parent domains, a handle after any leading ``@`` or in the ``RT @handle:``
  of a retweet's text. Entity lists are tested joined by spaces (an entity holding a space
  can only let more through).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from cibwatch.fingerprints.polarity import Reader

#: ``str.lower("İ")``: ``i`` and a combining dot above; replace ``İ`` with it before matching.
DOTTED_I: Final = ("\u0130", "i\u0307")
#: Words too common to find a phrase by ("the" in "the big lie"): anchors avoid them. Only
#: speed depends on this list, never the result.
_COMMON: Final = (
    "a an the and or of to in on at by for from with without is are was were be been it its "
    "this that these those there their them they we our us you your he she his her i my me "
    "not no never all any every some one two up down out off over under again more most very "
    "so do does did don t s can will just get got take make made have has had go keep stand "
    "good great right left new now time people life day back away only also"
)
COMMON: Final = frozenset(_COMMON.split())
#: The characters Python's ``\\s`` matches in ``str`` patterns (``str.isspace``), for RE2.
PYTHON_SPACES: Final = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}"
    "\\x{202f}\\x{205f}\\x{3000}"
)
#: polarity's ``_RETWEET`` and ``_LINK``, with Python's ``\\s`` spelled out.
_S: Final = f"[{PYTHON_SPACES}]"
RETWEET: Final = f"^{_S}*RT{_S}+@?[A-Za-z0-9_]{{1,30}}{_S}*:{_S}*"
LINK: Final = f"https?://[^{PYTHON_SPACES}]+|www\\.[^{PYTHON_SPACES}]+"
_WORD: Final = "a-z0-9_#@"
_BEFORE: Final = f"(?:^|[^{_WORD}])"
_AFTER: Final = f"(?:$|[^{_WORD}])"
_SEPARATOR: Final = f"[^{_WORD}]+"
_RUNS: Final = re.compile(r"[\x00-\x7f]+")


def _anchor(words: tuple[str, ...]) -> tuple[str, ...]:
    """What a phrase is looked for by: its two adjacent ASCII words with the fewest in
    ``COMMON`` (then the longest), or, with no such pair, its longest ASCII word not in
    ``COMMON``."""
    pairs = [
        words[i : i + 2]
        for i in range(len(words) - 1)
        if words[i].isascii() and words[i + 1].isascii()
    ]
    if pairs:
        return max(pairs, key=lambda p: (sum(w not in COMMON for w in p), len(p[0]) + len(p[1])))
    return (max(words, key=lambda w: (w not in COMMON, w.isascii(), len(w))),)


def _word(words: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(whole-word pattern, bare pattern): one of the two, for an anchor (see the module)."""
    if all(w.isascii() for w in words):
        return _SEPARATOR.join(re.escape(w) for w in words), None
    runs = [run for word in words for run in _RUNS.findall(word)]
    return None, re.escape(max(runs, key=len)) if runs else "[^\\x00-\\x7f]"


def _alternatives(patterns: set[str]) -> str:
    # longest first: RE2 takes any that matches, the order only keeps the output stable
    return "|".join(sorted(patterns, key=lambda p: (-len(p), p)))


def _entity(values: set[tuple[str, ...]], before: str, after: str) -> str | None:
    whole = {w for w, _bare in map(_word, values) if w is not None}
    bare = {b for _whole, b in map(_word, values) if b is not None}
    found = [f"{before}(?:{_alternatives(whole)}){after}"] if whole else []
    found += [f"(?:{_alternatives(bare)})"] if bare else []
    return "|".join(found) if found else None


@dataclass(frozen=True)
class TriggerPatterns:
    """RE2 patterns (``None``: the lexicon has no such entry, nothing can match).

    ``text``: a post's text (without retweet prefix and links, after :data:`DOTTED_I`)
    holding a word of the lexicon; ``retweet``: a text starting with the ``RT @handle:`` of a
    marker account; ``hashtags`` and ``domains``: a post's entity list joined by spaces;
    ``handle``: the handle of the account a post shares.
    """

    text: str | None
    retweet: str | None
    hashtags: str | None
    domains: str | None
    handle: str | None


def trigger_patterns(reader: Reader) -> TriggerPatterns:
    """The patterns of the posts in which ``reader`` can find anything (see the module).

    >>> from cibwatch.fingerprints.lexicons import load_lexicon
    >>> patterns = trigger_patterns(load_lexicon().reader())
    >>> bool(re.search(patterns.hashtags, "x #MAGA")), bool(re.search(patterns.hashtags, "magas"))
    (True, False)
    >>> bool(re.search(patterns.text, "Repeal the 2nd Amendment!"))
    True
    """
    phrases = set(reader.phrases) | {
        tuple(term.split()) for kind, term in reader.markers if kind == "phrase"
    }
    tags = set(reader.hashtags) | {term for kind, term in reader.markers if kind == "hashtag"}
    domains = set(reader.domains) | {term for kind, term in reader.markers if kind == "domain"}
    handles = {term for kind, term in reader.markers if kind == "account"}
    words = {_anchor(p) for p in phrases} | {("#" + tag,) for tag in tags}
    handle = _alternatives({re.escape(h) for h in handles})
    return TriggerPatterns(
        text=_case(_entity(words, _BEFORE, _AFTER)),
        retweet=f"^{_S}*RT{_S}+@?(?i:{handle}){_S}*:" if handles else None,
        hashtags=_case(_entity({(t,) for t in tags}, "(?:^|[ ])#*", "(?:[ ]|$)")),
        domains=_case(_entity({(d,) for d in domains}, "(?:^|[ .])", "(?:[ ]|$)")),
        handle=_case(f"^@*(?:{handle})$" if handles else None),
    )


def _case(pattern: str | None) -> str | None:
    return None if pattern is None else f"(?i)(?:{pattern})"


def candidate_sql(patterns: TriggerPatterns) -> tuple[str, dict[str, str]]:
    """A SQL condition on ``text``, ``hashtags``, ``domains`` and ``shared_handle`` true for
    every post in which the reader can find anything, and its parameters.

    The retweet prefix and links are removed only from texts that can have them.
    """
    stripped = (
        "CASE WHEN contains(text, 'RT') THEN regexp_replace(text, $retweet_prefix, '') "
        "ELSE text END"
    )
    stripped = (
        f"CASE WHEN contains(text, '://') OR contains(text, 'www.') "
        f"THEN regexp_replace({stripped}, $link, ' ', 'g') ELSE {stripped} END"
    )
    tests = {
        "text": f"regexp_matches(replace({stripped}, '{DOTTED_I[0]}', '{DOTTED_I[1]}'), $text)",
        "retweet": "contains(text, 'RT') AND regexp_matches(text, $retweet)",
        "hashtags": "len(hashtags) > 0 "
        "AND regexp_matches(array_to_string(hashtags, ' '), $hashtags)",
        "domains": "len(domains) > 0 AND regexp_matches(array_to_string(domains, ' '), $domains)",
        "handle": "regexp_matches(shared_handle, $handle)",
    }
    found = {name: getattr(patterns, name) for name in tests}
    used = [name for name, pattern in found.items() if pattern is not None]
    params = {name: str(found[name]) for name in used}
    if "text" in used:
        params |= {"retweet_prefix": RETWEET, "link": LINK}
    condition = " OR ".join(f"coalesce({tests[name]}, false)" for name in used)
    return condition or "false", params
