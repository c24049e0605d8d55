"""The SQL condition of fingerprints/triggers.py lets through every post the reader finds
anything in (it may let through more: the reader then finds nothing)."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from cibwatch.fingerprints.lexicons import load_lexicon
from cibwatch.fingerprints.polarity import read
from cibwatch.fingerprints.triggers import (
    COMMON,
    PYTHON_SPACES,
    candidate_sql,
    trigger_patterns,
)

LEXICON = load_lexicon()
READER = LEXICON.reader()
CONDITION, PARAMS = candidate_sql(trigger_patterns(READER))
_CODE_POINTS = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def _finds_something(text: str, tags: list[str], domains: list[str], handle: str) -> bool:
    reading = read(READER, text, tags, domains, handle, False)
    return bool(reading.hits or reading.topics or reading.camp)


def _candidates(
    posts: list[tuple[str, list[str], list[str], str]],
    condition: str = CONDITION,
    params: dict[str, str] = PARAMS,
) -> list[bool]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE p (i INTEGER, text VARCHAR, hashtags VARCHAR[], domains VARCHAR[], "
        "shared_handle VARCHAR)"
    )
    con.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", [[i, *p] for i, p in enumerate(posts)])
    rows = con.execute(f"SELECT i, {condition} FROM p ORDER BY i", params).fetchall()
    return [bool(flag) for _i, flag in rows]


def test_only_four_characters_become_ascii_under_nfc_and_lower_case() -> None:
    """The module's claim: İ, the Kelvin sign, the Greek question mark and varia, no other."""
    found = set()
    for cp in _CODE_POINTS[128:]:
        char = chr(cp)
        for seen in (unicodedata.normalize("NFC", char).lower(), char.lower()):
            if any(c.isascii() for c in seen):
                found.add(char)
    assert found == {"\u0130", "\u212a", "\u037e", "\u1fef"}


def test_python_spaces_are_the_characters_pythons_backslash_s_matches() -> None:
    con = duckdb.connect()
    rows = con.execute(
        "SELECT c FROM (SELECT unnest($cps) AS c) WHERE regexp_matches(chr(c), $cls)",
        {"cps": _CODE_POINTS, "cls": f"^[{PYTHON_SPACES}]$"},
    ).fetchall()
    assert sorted(c for (c,) in rows) == [c for c in _CODE_POINTS if chr(c).isspace()]


def test_a_phrase_is_found_by_two_of_its_words_not_the_common_ones() -> None:
    patterns = trigger_patterns(READER)
    assert patterns.text is not None
    assert "second[^a-z0-9_#@]+amendment" in patterns.text  # "defend the second amendment"
    assert "big[^a-z0-9_#@]+lie" in patterns.text  # "the big lie"
    assert "the" in COMMON and "the[^a-z0-9_#@]+big" not in patterns.text


# Each post is read by the reader as having evidence; the reason the condition could miss it
# is said beside it.
FOUND = [
    ("Repeal the Second Amendment", [], [], ""),
    ("https://x.co/a\u00a0abortion", [], [], ""),  # a link ends at a no-break space
    ("RT @http://gun control", [], [], ""),  # prefix first: "http:" is the handle, no link
    ("gun controlhttps://t.co/x", [], [], ""),  # a link removed from the end of a word
    ("GUN CONTRO\u004c and \u212aeep America Great", [], [], ""),  # Kelvin sign: k
    ("Wahlfa\u0308lschung!", [], [], ""),  # composed by NFC
    ("#MAGA", [], [], ""),
    ("", ["##Tcot"], [], ""),
    ("", [], ["News.FoxNews.com"], ""),
    ("", [], ["www.breitbart.com"], ""),
    ("", [], [], "@SeanHannity"),
    ("RT @GOP: hello", [], [], ""),
    ("  RT  @gop :", [], [], ""),
]


def test_tricky_posts_with_evidence_are_let_through() -> None:
    assert all(_finds_something(*post) for post in FOUND)
    assert _candidates(FOUND) == [True] * len(FOUND)


def test_dotted_capital_i_ends_a_word(tmp_path: Path) -> None:
    """str.lower makes "ALİBABA" "ali", a combining dot, "baba": the word "ali" is in it."""
    lexicon = tmp_path / "t.csv"
    lexicon.write_text("issue,side,kind,term,weight\nt,a,phrase,ali,1\nt,b,phrase,never,1\n")
    reader = load_lexicon([lexicon]).reader()
    assert read(reader, "AL\u0130BABA").hits
    condition, params = candidate_sql(trigger_patterns(reader))
    assert _candidates([("AL\u0130BABA", [], [], "")], condition, params) == [True]


def test_most_posts_without_terms_are_stopped() -> None:
    posts = [
        ("Interesting take: the rain again https://www.nytimes.com/culture/2024/x", [], [], ""),
        ("the weekend plans", ["weekend"], ["example.com"], "someone"),
        ("RT @someone: hello", [], [], ""),
    ]
    assert not any(_finds_something(*post) for post in posts)
    assert _candidates(posts) == [False] * len(posts)


_WORDS = sorted(
    {w for phrase in READER.phrases for w in phrase} | {"#" + t for t in READER.hashtags}
)
_NOISE = [
    "not", "the", '"', "\u201c", ".", "!", "\n", ",", "-", "RT", "@", ":", "RT @GOP:",
    "https://", "http://x.co/", "www.", "\u00a0", "\u2003", "\u0130", "\u212a", "\u0301",
    "a\u0308", "\u00df", "#", "_", "x", "1",
]  # fmt: skip
_PHRASES = sorted(READER.phrases)
_TOKEN = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(_WORDS).map(str.upper),
    st.sampled_from(_NOISE),
    # a whole phrase, its words separated as people write them
    st.tuples(
        st.sampled_from(_PHRASES), st.sampled_from(["-", " -- ", "/", "\u00a0", "\u2014", "_"])
    ).map(lambda p: p[1].join(p[0])),
)
_TEXT = st.lists(st.tuples(_TOKEN, st.sampled_from(["", " ", "-", "\u00a0", "/"])), max_size=8)
_POST = st.tuples(
    _TEXT.map(lambda parts: "".join(a + b for a, b in parts)),
    st.lists(
        st.sampled_from(["MAGA", "#tcot", "x", "\u0130ran", "wahlf\u00e4lschung"]), max_size=2
    ),
    st.lists(st.sampled_from(["cnn.com", "x.BREITBART.com", "breitbart.com.x", "a b"]), max_size=2),
    st.sampled_from(["", "gop", "@POTUS", "nobody"]),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_POST, min_size=1, max_size=40))
def test_every_post_with_evidence_is_let_through(posts: list[Any]) -> None:
    flags = _candidates(posts)
    missed = [p for p, flag in zip(posts, flags, strict=True) if not flag and _finds_something(*p)]
    assert missed == []
