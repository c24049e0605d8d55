# ruff: noqa: RUF001  (Cyrillic, Greek and other look-alike letters are on purpose)
"""Anchor extraction's fast path against a plain reading of the same rules.

``text_anchors`` skips the url pattern without "http"/"www.", the number pattern without a
digit, keeps one verdict per distinct token (cleared past a bound), cuts Russian endings by
length and tests every Cyrillic stem at once. The plain reading below applies the rules
token by token with none of that; both must give the same anchors on any text.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibwatch.narratives import anchors
from cibwatch.narratives.anchors import name_key, text_anchors


def _ru_stem_plain(word: str) -> str:
    for ending in anchors._RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _gazetteer_plain(word: str) -> tuple[str, bool] | None:
    low = word.lower()
    stem = low if low.isascii() else _ru_stem_plain(low)
    for candidate in (low, stem, low.removesuffix("s"), low.removesuffix("n")):
        hit = anchors._GAZ_INDEX.get(candidate)
        if hit is not None and (len(candidate) > 3 or word.isupper()):
            return hit
    if not low.isascii():
        for prefix, hit in anchors._GAZ_STEMS:
            if low.startswith(prefix):
                return hit
    return None


def _anchors_plain(text: str) -> dict[str, bool]:
    clean = anchors._URL_RE.sub(" ", text)
    found: dict[str, bool] = {}
    for match in anchors._NUMBER_RE.finditer(clean):
        anchor = anchors._number(match.group(1), match.group(2), match.group(3))
        if anchor is not None:
            found[anchor] = False
    opening = True
    for token in anchors._TOKEN_RE.findall(clean):
        if token in ".!?:;":
            opening = True
            continue
        if token[0] in "#@":
            opening = False
            continue
        hit = _gazetteer_plain(token)
        if hit is not None:
            found[f"ent:{hit[0]}"] = hit[1]
        else:
            low = token.lower()
            if (
                not opening
                and token[0].isupper()
                and len(token) >= 4
                and low not in anchors._NOT_NAMES
                and not low.startswith(anchors._FIGURE_WORDS)
                and len(name_key(token)) >= 3
            ):
                found.setdefault(f"name:{name_key(token)}", False)
        opening = False
    return found


TRICKY = [
    "",
    "no capitals, no figures, nothing",
    "Inspector Harlan Voss: 47% of arms for Ukraine vanished",
    # names opening a sentence are skipped, the same name later counts
    "Voss lied. Voss lied again! Then Voss? yes Voss",
    "Инспектор Харлан Восс: 47% оружия для Украины исчезли",
    "Die Bundeswehr zahlt 2,4 Milliarden an Rheinmetall; Scholz schweigt",
    "Украинские чиновники и Зеленскому 2,4 млрд. Европейского Союза",
    # numbers: groups with dots, commas, spaces and no-break spaces; units; Unicode digits
    "2.400.000 Euro, 2,400,000 dollars, 2 400 000 руб, 2\u00a0400\u00a0000, 3 men, 12 Mio.",
    "١٢٣ billion and ٣٤% and ३४ thousand and ２０２４ percent",
    "superscripts² fractions½ Roman Ⅻ numerals 一二三 and 47,5 Prozent",
    # urls only, and url look-alikes that are no urls
    "https://t.co/AbC123 www.example.org/2024/path http://x.y/47%",
    "HTTP://UPPER.CASE/Case Path and wwwNot a url and httpish Words",
    # scripts with combining marks and joiners
    "नरेंद्र मोदी ने कहा Modi said; Ελλάδα Αθήνα Greece; 東京 Tokyo; العربية Arabic",
    "Zoë Ångström and Łukasz Żółć met Ms O’Neill and Mr D'Arcy",
    "e\u0301cole E\u0301LYSÉE and zero\u200dwidth\u200bjoiners Here",
    # hostile text
    "<script>alert('Voss')</script> =cmd|' /C calc'!A0 @Voss #Ukraine \x00 Biden",
    "US troops, us people, EU money, eu words, USA and THE END",
    "Milliarden Prozent Percent Billionaire Millionen; Tausende Gäste",
    "a" * 300 + " " + "Б" * 200 + ". Z" + "z" * 500,
    "emoji 🇺🇦🇷🇺 Putin😀Biden 👍 47🔥% 2.4🔥billion",
]


@pytest.mark.parametrize("text", TRICKY)
def test_fast_path_gives_the_plain_reading_on_tricky_texts(text: str) -> None:
    assert text_anchors(text) == _anchors_plain(text)


_ALPHABET = st.sampled_from(
    list("abcXYZ ÄäßéБбВвИиЯяУкраинёъьЖжЩщΑαΒβ東京अ्ि")
    + list("0123456789٣२２²½.,:;!?%#@'’\u00a0\u202f\u0301\u200d-_/ ")
    + [
        "http://",
        "https://t.co/",
        "www.",
        "Ukraine",
        "Украины",
        "Восса",
        "Voss",
        "billion",
        "млрд",
        "Mio.",
        "Prozent",
        "US",
        "EU",
        "Kyiv",
        "Зеленского",
        "The ",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_fast_path_gives_the_plain_reading_on_any_text(text: str) -> None:
    assert text_anchors(text) == _anchors_plain(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяами", min_size=1, max_size=9))
def test_russian_endings_by_length_cut_the_first_ending_in_order(word: str) -> None:
    assert anchors._ru_stem(word) == _ru_stem_plain(word)
    assert anchors._gazetteer(word) == _gazetteer_plain(word)


def test_token_verdicts_are_bounded_and_the_same_after_clearing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a tiny bound clears the verdicts between texts: the anchors do not change
    monkeypatch.setattr(anchors, "_MAX_VERDICTS", 3)
    anchors._VERDICTS.clear()
    for text in TRICKY:
        assert text_anchors(text) == _anchors_plain(text)
        assert len(anchors._VERDICTS) <= 3 + len(anchors._TOKEN_RE.findall(text))
    anchors._VERDICTS.clear()
