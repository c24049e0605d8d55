# ruff: noqa: RUF001, RUF002  (Cyrillic letters in the gazetteer are on purpose)
"""Anchors that survive translation: figures, gazetteer names, name keys, urls and pictures.

:func:`text_anchors` reads one text; :mod:`cibwatch.narratives.linking` weighs the anchors
by rarity and joins units that share enough of them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

#: Names in several languages and scripts, one concept each. ``True`` marks broad names
#: (countries, capitals, blocs). Russian entries are stems: case endings are cut first.
GAZETTEER: Final[dict[str, tuple[bool, tuple[str, ...]]]] = {
    "ukraine": (True, ("ukraine", "ukrainian", "ukrainisch", "украин")),
    "russia": (True, ("russia", "russian", "russland", "russisch", "росси", "русск")),
    "germany": (True, ("germany", "german", "germans", "deutschland", "deutsch", "германи")),
    "europe": (True, ("europe", "european", "europa", "europäisch", "европ")),
    "eu": (True, ("eu", "ес", "евросоюз")),
    "usa": (True, ("us", "usa", "america", "american", "amerika", "сша", "америк")),
    "nato": (True, ("nato", "нато")),
    "west": (True, ("west", "western", "westen", "westlich", "запад")),
    "china": (True, ("china", "chinese", "chinesisch", "кита")),
    "poland": (True, ("poland", "polish", "polen", "polnisch", "польш")),
    "france": (True, ("france", "french", "frankreich", "франци")),
    "uk": (True, ("uk", "britain", "british", "großbritannien", "британи")),
    "kyiv": (True, ("kyiv", "kiev", "kiew", "киев")),
    "moscow": (True, ("moscow", "moskau", "москв")),
    "berlin": (True, ("berlin", "берлин")),
    "brussels": (True, ("brussels", "brüssel", "брюссел")),
    "washington": (True, ("washington", "вашингтон")),
    "zelensky": (False, ("zelensky", "zelenskyy", "selenskyj", "зеленск")),
    "scholz": (False, ("scholz", "шольц")),
    "baerbock": (False, ("baerbock", "бербок")),
    "macron": (False, ("macron", "макрон")),
    "biden": (False, ("biden", "байден")),
    "pentagon": (False, ("pentagon", "пентагон")),
    "bundeswehr": (False, ("bundeswehr", "бундесвер")),
    "bundestag": (False, ("bundestag", "бундестаг")),
    "rheinmetall": (False, ("rheinmetall", "рейнметалл")),
    "imf": (False, ("imf", "iwf", "мвф")),
}
_GAZ_INDEX: Final = {v: (k, broad) for k, (broad, vs) in GAZETTEER.items() for v in vs}
#: Cyrillic entries match as prefixes too (adjectives and compounds: "украинский").
_GAZ_STEMS: Final = tuple(
    (v, hit) for v, hit in _GAZ_INDEX.items() if len(v) >= 4 and not v.isascii()
)
#: Russian case endings, longest first, cut before a gazetteer look-up or a name key.
# fmt: off
_RU_ENDINGS: Final = (
    "ами", "ями", "ого", "его", "ому", "ему", "ой", "ей", "ом", "ем", "ов", "ев", "ам", "ям",
    "ах", "ях", "ию", "ия", "ии", "ие", "а", "я", "ы", "и", "у", "ю", "е", "ь",
)  # longest first
_TRANSLIT: Final = str.maketrans(
    "абвгдеёзийклмнопрстуфхыэäöüéèáóíłńśżźčšž", "abvgdeeziiklmnoprstufhyeaoueeaoilnszzcsz",
    "ъь",
) | str.maketrans({"ж": "zh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ю": "yu",
                   "я": "ya", "ß": "ss"})
#: Spellings that differ between transliteration schemes, folded to one.
_FOLDS: Final = (
    ("kh", "h"), ("ph", "f"), ("ck", "k"), ("q", "k"), ("w", "v"), ("y", "i"), ("j", "i"),
)
#: Words written with a capital inside English/German sentences that are no names.
_NOT_NAMES: Final = frozenset((
    "the", "this", "that", "these", "those", "there", "their", "they", "what", "when",
    "where", "which", "who", "why", "how", "and", "but", "for", "not", "you", "your", "our",
    "his", "her", "its", "new", "breaking", "read", "here", "sign", "share", "please",
    "watch", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem",
    "einer", "und", "oder", "aber", "nicht", "sie", "wir", "ihr", "es", "er", "man", "wer",
    "wie", "was", "wo", "warum",
))
# fmt: on
_URL_RE: Final = re.compile(r"https?://\S+|www\.\S+")
_TOKEN_RE: Final = re.compile(r"[#@]?[^\W\d_][^\W\d_'’]*|[.!?:;]")
_NUMBER_RE: Final = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,  ]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])\s*(%|[^\W\d_]+\.?)?"
)
_MULTIPLIERS: Final = (
    (("billion", "bn", "milliard", "mrd", "млрд", "миллиард"), 1e9),
    (("million", "mio", "mln", "млн", "миллион"), 1e6),
    (("thousand", "tausend", "тыс", "тысяч"), 1e3),
)
_PERCENT: Final = ("%", "percent", "prozent", "процент")
#: Words that belong to a figure ("Milliarden", "Prozent"), never names.
_FIGURE_WORDS: Final = tuple(p for prefixes, _ in _MULTIPLIERS for p in prefixes) + _PERCENT[1:]


#: The endings by length, longest first: a word ends in at most one ending of each length.
_RU_ENDINGS_BY_LENGTH: Final = tuple(
    (n, frozenset(e for e in _RU_ENDINGS if len(e) == n))
    for n in sorted({len(e) for e in _RU_ENDINGS}, reverse=True)
)
#: Every Cyrillic stem at once: most words start with none, and skip the loop over them.
_GAZ_STEM_PREFIXES: Final = tuple(stem for stem, _ in _GAZ_STEMS)


def _ru_stem(word: str) -> str:
    """``word`` without its longest case ending that leaves three letters."""
    for n, endings in _RU_ENDINGS_BY_LENGTH:
        if len(word) - n >= 3 and word[-n:] in endings:
            return word[:-n]
    return word


def _gazetteer(word: str) -> tuple[str, bool] | None:
    """The concept a word names, if the gazetteer knows it."""
    low = word.lower()
    # the case endings are Cyrillic: an ASCII word has none to cut
    stem = low if low.isascii() else _ru_stem(low)
    for candidate in (low, stem, low.removesuffix("s"), low.removesuffix("n")):
        hit = _GAZ_INDEX.get(candidate)
        # short variants ("US", "EU") only as capitals: "us" is a pronoun
        if hit is not None and (len(candidate) > 3 or word.isupper()):
            return hit
    if not low.isascii() and low.startswith(_GAZ_STEM_PREFIXES):
        for stem, hit in _GAZ_STEMS:
            if low.startswith(stem):
                return hit
    return None


@lru_cache(maxsize=65_536)
def name_key(word: str) -> str:
    """A spelling key for a name across scripts: ``Харлан Восс`` and ``Harlan Voss`` agree.

    >>> name_key("Восса"), name_key("Voss"), name_key("Kolesnyk"), name_key("Колесника")
    ('vos', 'vos', 'kolesnik', 'kolesnik')
    >>> name_key("Sowa"), name_key("Сова"), name_key("Lindqvist"), name_key("Линдквист")
    ('sov', 'sov', 'lindkvist', 'lindkvist')
    """
    low = word.lower()
    if not low.isascii():
        low = _ru_stem(low)
    key = low.translate(_TRANSLIT)
    for a, b in _FOLDS:
        key = key.replace(a, b)
    key = re.sub(r"(.)\1+", r"\1", re.sub(r"[^a-z]", "", key))
    # a final vowel is often a case ending ("Сова", "Sowa"; "Мальте", "Malte"): drop it
    return key[:-1] if len(key) >= 4 and key[-1] in "aeiou" else key


def _number(whole: str, frac: str | None, unit: str | None) -> str | None:
    digits = re.sub(r"[.,  ]", "", whole)
    value = float(f"{digits}.{frac}" if frac else digits)
    word = (unit or "").lower().rstrip(".")
    if any(word.startswith(p) for p in _PERCENT):
        return f"num:{value:g}%"
    for prefixes, factor in _MULTIPLIERS:
        if any(word.startswith(p) for p in prefixes):
            return f"num:{value * factor:g}"
    if value < 10 and not frac:  # small counts ("3 men") are in every other post
        return None
    return f"num:{value:g}"


def text_anchors(text: str) -> dict[str, bool]:
    """Language-independent anchors of one text, each with whether it is broad.

    Numbers (``num:47%``, ``num:2.4e+09`` from "2.4 billion", "2,4 Milliarden" or
    "2,4 млрд"), gazetteer concepts (``ent:ukraine``) and other capitalised names by their
    spelling key (``name:vos``; names opening a sentence are skipped, as every sentence
    opens with a capital).

    >>> sorted(text_anchors("Inspector Harlan Voss: 47% of arms for Ukraine vanished"))
    ['ent:ukraine', 'name:harlan', 'name:vos', 'num:47%']
    """
    # the url pattern needs one of these, the number pattern a digit: most texts skip both
    clean = _URL_RE.sub(" ", text) if "http" in text or "www." in text else text
    found: dict[str, bool] = {}
    if _DIGIT_RE.search(clean) is not None:
        for match in _NUMBER_RE.finditer(clean):
            anchor = _number(match.group(1), match.group(2), match.group(3))
            if anchor is not None:
                found[anchor] = False
    opening = True
    if len(_VERDICTS) > _MAX_VERDICTS:
        _VERDICTS.clear()
    verdicts = _VERDICTS
    for token in _TOKEN_RE.findall(clean):
        verdict = verdicts.get(token)
        if verdict is None:
            verdict = verdicts[token] = _verdict(token)
        if verdict is _PLAIN:
            opening = False
        elif verdict is _STOP:
            opening = True
        else:
            anchor, broad, concept = verdict
            if concept:
                found[anchor] = broad
            elif not opening:
                found.setdefault(anchor, False)
            opening = False
    return found


#: A token's verdict: a word that is no anchor (or a hashtag, a mention) ...
_PLAIN: Final[tuple[str, bool, bool]] = ("", False, False)
#: ... or a sentence's end (the next word opens a sentence) ...
_STOP: Final[tuple[str, bool, bool]] = (".", False, False)
#: ... or ``(anchor, broad, is a gazetteer concept)``, kept per distinct token: words repeat
#: a lot, and a million texts hold a few hundred thousand of them. Cleared when it holds more
#: than ``_MAX_VERDICTS``, so a corpus of any size costs bounded memory.
_VERDICTS: Final[dict[str, tuple[str, bool, bool]]] = {}
_MAX_VERDICTS: Final = 1_000_000
_DIGIT_RE: Final = re.compile(r"\d")


def _verdict(token: str) -> tuple[str, bool, bool]:
    """What ``token`` (a word, hashtag, mention or sentence end) says, as ``text_anchors``
    reads it: a name's anchor counts only where the word does not open a sentence."""
    if token in ".!?:;":
        return _STOP
    if token[0] in "#@":
        return _PLAIN
    return _word_anchor(token) or _PLAIN


def _word_anchor(word: str) -> tuple[str, bool, bool] | None:
    """``(anchor, broad, is a gazetteer concept)`` of a word, or None; a name's anchor counts
    only where the word does not open a sentence (the caller knows)."""
    hit = _gazetteer(word)
    if hit is not None:
        return f"ent:{hit[0]}", hit[1], True
    low = word.lower()
    if (
        word[0].isupper()
        and len(word) >= 4
        and low not in _NOT_NAMES
        and not low.startswith(_FIGURE_WORDS)
    ):
        key = name_key(word)
        if len(key) >= 3:
            return f"name:{key}", False, False
    return None
