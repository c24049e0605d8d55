"""Which outlet a look-alike imitates when several listed outlets share its name.

``pravda`` is Ukrainska Pravda (``pravda.com.ua``) and Slovakia's Pravda (``pravda.sk``);
``delfi`` is three Baltic outlets. The candidates are ranked by cues, each worth points:

- a country code or language code written into the domain (``pravda-ua.com``,
  ``ua-pravda.click``, ``weltde.com``, ``de.welt.news``): 2 points for the outlet of that
  country or language;
- the language of the posts that link the domain: 1 point for outlets in that language;
- the countries the linking network targets: 1 point for outlets of those countries.

The best-ranked outlet is named; the next one is reported as the runner-up when it is
within one point (a tie when no cue separates them; then the order of the list decides).

>>> from cibwatch.domains.brands import Brand
>>> sk = Brand("Pravda", "SK", "sk", ("pravda.sk",))
>>> ua = Brand("Ukrainska Pravda", "UA", "uk", ("pravda.com.ua",))
>>> pick = choose_brand([sk, ua], ["pravda", "ua"])
>>> (pick.brand.name, pick.runner_up, pick.reasons)
('Ukrainska Pravda', None, ("'ua' in the domain points to UA",))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cibwatch.domains.brands import Brand
from cibwatch.domains.corroboration import DomainContext

#: Tokens written into domains for a country whose ISO code differs from the token.
_COUNTRY_ALIASES = {"uk": "GB", "gb": "GB", "en": "GB", "ukr": "UA", "ger": "DE", "deu": "DE"}


@dataclass(frozen=True)
class BrandChoice:
    """The chosen outlet, the close runner-up (if any) and why."""

    brand: Brand
    runner_up: Brand | None
    reasons: tuple[str, ...]


def _token_points(brand: Brand, tokens: Sequence[str]) -> tuple[int, str]:
    for token in tokens:
        if token == brand.country.lower() or _COUNTRY_ALIASES.get(token) == brand.country:
            return 2, f"'{token}' in the domain points to {brand.country}"
        if token == brand.language:
            return 2, f"'{token}' in the domain is the language of {brand.name}"
    return 0, ""


def choose_brand(
    candidates: Sequence[Brand],
    tokens: Sequence[str],
    context: DomainContext | None = None,
) -> BrandChoice:
    """Rank ``candidates`` (in list order) by the cues in ``tokens`` (the parts of the
    observed domain that are not the brand label) and in ``context``."""
    if len(candidates) == 1:
        return BrandChoice(candidates[0], None, ())
    ctx = context or DomainContext()
    scored: list[tuple[int, int, Brand, list[str]]] = []
    for order, brand in enumerate(candidates):
        points, why = _token_points(brand, tokens)
        reasons = [why] if why else []
        if brand.language in ctx.languages:
            points += 1
            reasons.append(
                f"posts linking it are in {brand.language}, the language of {brand.name}"
            )
        if brand.country in ctx.countries:
            points += 1
            reasons.append(f"the network targets {brand.country}, the country of {brand.name}")
        scored.append((-points, order, brand, reasons))
    scored.sort(key=lambda s: (s[0], s[1]))
    best_points, _, best, reasons = scored[0]
    second_points, _, second, _ = scored[1]
    runner_up = second if second_points - best_points <= 1 else None
    if runner_up is not None and second_points == best_points:
        reasons = [
            *reasons,
            f"{runner_up.name} ({runner_up.canonical}) shares the name and no cue tells them apart",
        ]
    return BrandChoice(best, runner_up, tuple(reasons))
