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


def _ru_stem(word: str) -> str:
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
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
    if not low.isascii():
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
    clean = _URL_RE.sub(" ", text)
    found: dict[str, bool] = {}
    for match in _NUMBER_RE.finditer(clean):
        anchor = _number(match.group(1), match.group(2), match.group(3))
        if anchor is not None:
            found[anchor] = False
    opening = True
    for token in _TOKEN_RE.findall(clean):
        if token in ".!?:;":
            opening = True
            continue
        if token[0] in "#@":
            opening = False
            continue
        hit = _word_anchor(token)
        if hit is not None:
            anchor, broad, concept = hit
            if concept:
                found[anchor] = broad
            elif not opening:
                found.setdefault(anchor, False)
        opening = False
    return found


@lru_cache(maxsize=262_144)
def _word_anchor(word: str) -> tuple[str, bool, bool] | None:
    """``(anchor, broad, is a gazetteer concept)`` of a word, or None; a name's anchor counts
    only where the word does not open a sentence (the caller knows).

    Cached: words repeat a lot, and a million texts hold a few hundred thousand words.
    """
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
