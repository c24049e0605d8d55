"""Standard UTC offsets of places that accounts claim to be in, and of languages' audiences.

A small, explicit gazetteer: US states and large US cities (the personas of many
operations pose as Americans), and countries with one main time zone; countries spanning
several zones (the United States, Canada, Russia...) give all of them through
:func:`claimed_offsets`. Offsets are standard (winter) time; daylight saving adds an hour
in summer, which the schedule's alignment tolerates. A claimed location that matches
nothing here is reported as unknown, never guessed.

:data:`LANGUAGE_OFFSETS` says where the main audience of a language lives: a persona
writing in Russian addresses people at UTC+2..+4 whoever runs it, so a schedule on that
day fits the audience and says nothing more about the operators.
"""

from __future__ import annotations

import re
from typing import Final

_US_EASTERN: Final = (
    "new york",
    "nyc",
    "brooklyn",
    "boston",
    "massachusetts",
    "philadelphia",
    "pennsylvania",
    "washington dc",
    "washington, dc",
    "d.c.",
    "miami",
    "florida",
    "atlanta",
    "georgia",
    "virginia",
    "north carolina",
    "south carolina",
    "ohio",
    "michigan",
    "detroit",
    "new jersey",
    "connecticut",
    "maryland",
    "baltimore",
    "maine",
    "vermont",
    "new hampshire",
    "rhode island",
    "delaware",
    "west virginia",
    "pittsburgh",
    "charlotte",
)
_US_CENTRAL: Final = (
    "texas",
    "houston",
    "dallas",
    "austin",
    "san antonio",
    "chicago",
    "illinois",
    "minnesota",
    "minneapolis",
    "wisconsin",
    "iowa",
    "missouri",
    "st. louis",
    "kansas",
    "oklahoma",
    "louisiana",
    "new orleans",
    "arkansas",
    "mississippi",
    "alabama",
    "tennessee",
    "nashville",
    "nebraska",
)
_US_MOUNTAIN: Final = (
    "colorado",
    "denver",
    "utah",
    "salt lake city",
    "arizona",
    "phoenix",
    "new mexico",
    "montana",
    "wyoming",
    "idaho",
)
_US_PACIFIC: Final = (
    "california",
    "los angeles",
    "san francisco",
    "san diego",
    "seattle",
    "washington state",
    "oregon",
    "portland",
    "nevada",
    "las vegas",
)
_COUNTRIES: Final = {
    "united kingdom": 0,
    "uk": 0,
    "london": 0,
    "england": 0,
    "ireland": 0,
    "portugal": 0,
    "germany": 1,
    "deutschland": 1,
    "berlin": 1,
    "france": 1,
    "paris": 1,
    "italy": 1,
    "spain": 1,
    "poland": 1,
    "netherlands": 1,
    "belgium": 1,
    "austria": 1,
    "sweden": 1,
    "ukraine": 2,
    "kyiv": 2,
    "greece": 2,
    "finland": 2,
    "israel": 2,
    "egypt": 2,
    "russia": 3,
    "russian federation": 3,
    "belarus": 3,
    "azerbaijan": 4,
    "united arab emirates": 4,
    "iraq": 3,
    "afghanistan": 4,
    "malaysia": 8,
    "moscow": 3,
    "turkey": 3,
    "saudi arabia": 3,
    "iran": 3,
    "india": 5,
    "pakistan": 5,
    "china": 8,
    "beijing": 8,
    "hong kong": 8,
    "taiwan": 8,
    "singapore": 8,
    "philippines": 8,
    "japan": 9,
    "tokyo": 9,
    "korea": 9,
    "australia": 10,
    "sydney": 10,
    "brazil": -3,
    "argentina": -3,
    "mexico": -6,
    "canada": -5,
    "toronto": -5,
    "vancouver": -8,
    "nigeria": 1,
    "kenya": 3,
    "south africa": 2,
    "usa": -5,
    "united states": -5,
    "america": -5,
}

_PLACES: Final = {
    **{p: -5 for p in _US_EASTERN},
    **{p: -6 for p in _US_CENTRAL},
    **{p: -7 for p in _US_MOUNTAIN},
    **{p: -8 for p in _US_PACIFIC},
    **_COUNTRIES,
}
_ABBREVIATIONS: Final = {
    "tx": -6,
    "ny": -5,
    "ca": -8,
    "fl": -5,
    "il": -6,
    "wa": -8,
    "ga": -5,
    "oh": -5,
    "pa": -5,
    "az": -7,
    "co": -7,
    "mi": -5,
    "nc": -5,
    "va": -5,
    "ma": -5,
}


def claimed_offset(location: str | None) -> int | None:
    """Standard UTC offset of a claimed location, or None when it is not recognised.

    >>> claimed_offset("Houston, TX")
    -6
    >>> claimed_offset("somewhere nice") is None
    True
    """
    if not location:
        return None
    text = location.strip().lower()
    best: tuple[int, int] | None = None
    for place, offset in _PLACES.items():
        # the longest match wins: "washington state" over "washington"
        longer = best is None or len(place) > best[0]
        if longer and re.search(rf"(?<![a-z]){re.escape(place)}(?![a-z])", text):
            best = (len(place), offset)
    if best is not None:
        return best[1]
    for token in re.findall(r"[a-z]+", text):
        if token in _ABBREVIATIONS:
            return _ABBREVIATIONS[token]
    return None


#: Countries whose claim does not name one zone: every standard offset of their main zones.
_SPANS: Final = {
    "united states": (-8, -7, -6, -5),
    "usa": (-8, -7, -6, -5),
    "america": (-8, -7, -6, -5),
    "canada": (-8, -7, -6, -5, -4),
    "russia": tuple(range(2, 13)),
    "russian federation": tuple(range(2, 13)),
    "australia": (8, 9, 10),
    "brazil": (-5, -4, -3),
    "mexico": (-8, -7, -6),
}

#: Standard offsets where most speakers of a language live (ISO 639-1 codes and English
#: names), for personas whose place is unknown. Illustrative, not exhaustive.
LANGUAGE_OFFSETS: Final[dict[str, tuple[int, ...]]] = {
    "en": (-8, -7, -6, -5, 0),
    "ru": (2, 3, 4),
    "uk": (2,),
    "de": (1,),
    "fr": (1,),
    "it": (1,),
    "es": (-6, -5, -4, -3, 1),
    "pt": (-3, 0),
    "pl": (1,),
    "nl": (1,),
    "sr": (1,),
    "bg": (2,),
    "tr": (3,),
    "ar": (2, 3, 4),
    "fa": (3, 4),
    "uz": (5,),
    "az": (4,),
    "zh": (8,),
    "ja": (9,),
    "ko": (9,),
}
_LANGUAGE_NAMES: Final = {
    "english": "en",
    "russian": "ru",
    "ukrainian": "uk",
    "german": "de",
    "french": "fr",
    "italian": "it",
    "spanish": "es",
    "portuguese": "pt",
    "polish": "pl",
    "dutch": "nl",
    "serbian": "sr",
    "bulgarian": "bg",
    "turkish": "tr",
    "arabic": "ar",
    "farsi": "fa",
    "persian": "fa",
    "uzbek": "uz",
    "azerbaijani": "az",
    "chinese": "zh",
    "japanese": "ja",
    "korean": "ko",
}


def language_code(language: str | None) -> str | None:
    """The ISO 639-1 code of a language given as a code or an English name, or None.

    >>> language_code("Russian"), language_code("de"), language_code("LANGUAGE UNDEFINED")
    ('ru', 'de', None)
    """
    if not language:
        return None
    text = language.strip().lower()
    code = _LANGUAGE_NAMES.get(text, text.split("-")[0])
    return code if code in LANGUAGE_OFFSETS else None


def language_offsets(language: str | None) -> tuple[int, ...]:
    """Standard offsets of a language's main audience; () when unknown.

    >>> language_offsets("Russian")
    (2, 3, 4)
    """
    code = language_code(language)
    return LANGUAGE_OFFSETS[code] if code else ()


def claimed_offsets(location: str | None) -> tuple[int, ...]:
    """Every standard offset a claimed location may be at; () when it is not recognised.

    >>> claimed_offsets("United States"), claimed_offsets("Houston, TX")
    ((-8, -7, -6, -5), (-6,))
    """
    if not location:
        return ()
    text = location.strip().lower()
    for place, span in _SPANS.items():
        if text == place or re.fullmatch(rf"(the )?{re.escape(place)}( of america)?", text):
            return span
    one = claimed_offset(location)
    return () if one is None else (one,)
