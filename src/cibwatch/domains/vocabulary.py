"""Word lists the look-alike classifier relies on, kept apart so they are easy to review.

- :data:`THROWAWAY_SUFFIXES`: cheap new top-level domains (and a few
  rarely used country codes) favoured for disposable sites;
  a look-alike there is more likely an imitation than a coincidence.
- :data:`COMBO_WORDS`: words glued to a brand in combosquatting (``spiegel-news``).
- :data:`GENERIC_LABELS`: brand labels that are ordinary words (``focus``, ``stern``): an
  exact copy on a throwaway TLD still counts, typos and combinations of them do not.
"""

from __future__ import annotations

from typing import Final


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


THROWAWAY_SUFFIXES: Final = words(
    """
    ltd pics top xyz online site fun icu buzz click link live news world today space website
    store club info bond cfd sbs cyou rest monster shop life press media work tech pw tk ml ga
    cf gq win bid loan date racing vip one quest beauty hair skin makeup autos boats homes lol
    mom pro cc ws su ink email network agency digital zone fyi cloud host uno gdn best asia
    mobi today review trade party stream download science men cam ooo wiki pm cx la to nu
    """
)

COMBO_WORDS: Final = words(
    """
    news nachrichten aktuell aktuelle online live today daily breaking latest info update
    updates media press report reports tv radio journal blog magazin magazine zeitung
    actu actualites noticias notizie nieuws nyheter uutiset wiadomosci novosti top new
    world europe global usa uk de fr es it ru ua pl eu int web net official real true free
    24 365 247 plus pro hub now am heute
    """
)

GENERIC_LABELS: Final = words(
    """
    news time times post today daily express star sun mirror nation world online info press
    herald standard tribune open sapo terra capital reason information diena delo danas
    heute blick focus stern kurier profil semana marca proceso perfil trud politika fakt
    respekt telex index origo blic tempo mint dawn punch vanguard stuff salon slate vox
    forbes metro politico echo information sabah hurriyet postoj republic veja valor r7
    informer detik kompas nova klix the week inquirer gazeta denik sme diena vijesti
    citizen civil reform nachrichten politik politics politica politique nation telegram
    """
)
