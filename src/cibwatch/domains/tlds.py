"""How a top-level domain is used, and what an outlet's exact name on it is worth.

The outlet's exact label on a suffix it does not own (``spiegel.ltd``, ``walla.com.co``) is
an impersonation candidate by itself; how strong depends on who registers names there:

=====================  =============================================  ===============
class                  examples                                       exact-label score
=====================  =============================================  ===============
``private``            ``co.com``, ``eu.com``, ``com.de``: private    0.9
                       suffixes of the Public Suffix List sold to
                       anyone
``abused-generic``     ``.ltd``, ``.pics``, ``.top``, ``.lol``: new   0.9
                       generic TLDs common in throwaway registrations
``new-generic``        ``.foo``, ``.rest``, ``.hair``, ``.digital``    0.85
                       (any other generic TLD introduced since 2013)
``open-generic``       ``.biz``, ``.pro``, ``.mobi``, ``.name``       0.8
``open-cctld``         ``.cc``, ``.ws``, ``.pm``, ``.cx``, ``.co``:    0.8
                       bare country codes sold worldwide as generics
``legacy-generic``     ``.com``, ``.net``, ``.org``                   0.55
``cctld``              any other country code, its second levels       0.5
                       (``com.co``) and community TLDs (``.cat``)
``regional``           a country code of a country where outlets in   0.45
                       the outlet's language publish (``spiegel.at``)
=====================  =============================================  ===============

Scores below the default threshold (0.6) are candidates that need corroboration (see
:mod:`.corroboration`): the same label on ``.com`` or on another country's code is as often a
namesake outlet (``pravda.sk`` and ``pravda.com.ua``, ``dn.se`` and ``dn.no``) or the outlet's
own defensive registration as a copy.

>>> tld_class("ltd"), tld_class("co"), tld_class("com.co"), tld_class("at", {"at"})
('abused-generic', 'open-cctld', 'cctld', 'regional')
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Final

from publicsuffixlist import PublicSuffixList

from cibwatch.domains.vocabulary import THROWAWAY_SUFFIXES, words

#: The original generic TLDs: ordinary homes of businesses, namesakes and defensive copies.
LEGACY_GENERIC: Final = frozenset({"com", "net", "org"})

#: Restricted or sponsored generic TLDs nobody can register a look-alike under.
RESTRICTED: Final = frozenset({"edu", "gov", "mil", "int", "arpa"})

#: Older generic TLDs open to anyone at low cost.
OPEN_GENERIC: Final = frozenset({"info", "biz", "pro", "mobi", "asia", "name", "tel", "travel"})

#: Country codes marketed worldwide as generic names or given away cheaply.
OPEN_CCTLDS: Final = words(
    """
    cc ws pm cx la to nu pw tk ml ga cf gq me tv io co su fm li ai vc gg am ly sh ac st bz nf
    ms mn wf tf sx cm tw ki
    """
)

#: Generic TLDs of a language, region or community (``.cat``, ``.eus``, ``.scot``,
#: ``.africa``): home of local outlets, scored like a country code.
COMMUNITY: Final = words(
    """
    cat eus gal bzh scot wales cymru africa lat krd quebec bayern berlin hamburg koeln
    nrw saarland ruhr wien tirol swiss paris alsace corsica barcelona madrid nyc london
    """
)

#: Exact-label score per class (see the module docstring).
EXACT_LABEL_SCORE: Final = {
    "private": 0.9,
    "abused-generic": 0.9,
    "new-generic": 0.85,
    "open-generic": 0.8,
    "open-cctld": 0.8,
    "legacy-generic": 0.55,
    "cctld": 0.5,
    "regional": 0.45,
    "restricted": 0.0,
}

#: Classes where a registration by a stranger is cheap and unremarkable: the classes that
#: corroborate typos, homoglyphs and hyphenation as well.
SUSPICIOUS: Final = frozenset(
    {"private", "abused-generic", "new-generic", "open-generic", "open-cctld"}
)

_WORDS: Final = {
    "private": "a private suffix sold to anyone",
    "abused-generic": "a new generic TLD common in throwaway registrations",
    "new-generic": "a new generic TLD",
    "open-generic": "an open generic TLD",
    "open-cctld": "a country code sold worldwide as a generic name",
    "legacy-generic": "an ordinary generic TLD, home of namesakes and defensive registrations",
    "cctld": "another country's code, where a namesake outlet is as likely as a copy",
    "regional": "a country code where outlets in its language publish (a plausible regional site)",
    "restricted": "a restricted TLD",
}


@lru_cache(maxsize=1)
def _icann() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


@lru_cache(maxsize=8192)
def _base_class(suffix: str) -> str:
    if "." in suffix and _icann().publicsuffix("x." + suffix) != suffix:
        return "private"
    tld = suffix.rsplit(".", 1)[-1]
    if len(tld) > 2 and (suffix in THROWAWAY_SUFFIXES or tld in THROWAWAY_SUFFIXES):
        return "abused-generic"
    if tld in RESTRICTED:
        return "restricted"
    if tld in LEGACY_GENERIC:
        return "legacy-generic"
    if tld in OPEN_GENERIC:
        return "open-generic"
    if tld in COMMUNITY:
        return "cctld"
    if len(tld) == 2:
        # Only the bare code is sold worldwide; its second levels (com.co, co.uk) are the
        # country's own registrations.
        return "open-cctld" if suffix in OPEN_CCTLDS else "cctld"
    return "new-generic"


def tld_class(suffix: str, regional: Collection[str] = ()) -> str:
    """The class of public suffix ``suffix``; ``regional`` lists country codes (lower case)
    where outlets in the imitated outlet's language publish."""
    base = _base_class(suffix)
    # A country where outlets in the imitated outlet's language publish: El Heraldo of
    # Colombia on .co is a namesake of El Heraldo of Honduras, not a throwaway copy.
    if base in ("cctld", "open-cctld") and suffix.rsplit(".", 1)[-1] in regional:
        return "regional"
    return base


def tld_words(cls: str) -> str:
    """A reader's description of a TLD class."""
    return _WORDS[cls]
