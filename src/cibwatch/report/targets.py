"""Which countries and languages a network targets, each with the evidence behind it.

Three sources, all from the workspace, never guessed: the languages of the network's posts
(share of its posts), the news brands its look-alike domains impersonate (the brand's
country and language come from the bundled brand list, :mod:`cibwatch.domains.brands`), and
the places its accounts claim to be in. One row per country or language; a claimed place
that maps to no country stays a row of its own, named as claimed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Final

from cibwatch.domains.brands import Brand, load_bundled_brands

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

#: A language counts as targeted when at least this share of the network's posts use it.
MIN_LANGUAGE_SHARE: Final = 0.10

#: Names of the ISO 3166 codes the bundled brand list uses (others are shown as codes).
COUNTRY_NAMES: Final = {
    "AE": "United Arab Emirates", "AL": "Albania", "AR": "Argentina", "AT": "Austria",
    "AU": "Australia", "BA": "Bosnia and Herzegovina", "BD": "Bangladesh", "BE": "Belgium",
    "BG": "Bulgaria", "BO": "Bolivia", "BR": "Brazil", "BY": "Belarus", "CA": "Canada",
    "CH": "Switzerland", "CL": "Chile", "CN": "China", "CO": "Colombia", "CR": "Costa Rica",
    "CU": "Cuba", "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark",
    "DO": "Dominican Republic", "EC": "Ecuador", "EE": "Estonia", "EG": "Egypt", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GH": "Ghana", "GR": "Greece",
    "GT": "Guatemala", "HK": "Hong Kong", "HR": "Croatia", "HU": "Hungary", "ID": "Indonesia",
    "IE": "Ireland", "IL": "Israel", "IN": "India", "IR": "Iran", "IS": "Iceland", "IT": "Italy",
    "JM": "Jamaica", "JP": "Japan", "KE": "Kenya", "KR": "South Korea", "LB": "Lebanon",
    "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MA": "Morocco", "ME": "Montenegro",
    "MX": "Mexico", "MY": "Malaysia", "NG": "Nigeria", "NI": "Nicaragua", "NL": "Netherlands",
    "NO": "Norway", "NZ": "New Zealand", "PA": "Panama", "PE": "Peru", "PH": "Philippines",
    "PK": "Pakistan", "PL": "Poland", "PR": "Puerto Rico", "PT": "Portugal", "PY": "Paraguay",
    "QA": "Qatar", "RO": "Romania", "RS": "Serbia", "RU": "Russia", "SA": "Saudi Arabia",
    "SE": "Sweden", "SG": "Singapore", "SI": "Slovenia", "SK": "Slovakia", "SV": "El Salvador",
    "TH": "Thailand", "TR": "Turkey", "TT": "Trinidad and Tobago", "TW": "Taiwan",
    "UA": "Ukraine", "US": "United States", "UY": "Uruguay", "VE": "Venezuela", "VN": "Vietnam",
    "XK": "Kosovo", "ZA": "South Africa",
}  # fmt: skip

#: Names of ISO 639-1 language codes (others are shown as codes).
LANGUAGE_NAMES: Final = {
    "ar": "Arabic", "be": "Belarusian", "bg": "Bulgarian", "bn": "Bengali", "bs": "Bosnian",
    "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish",
    "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "lb": "Luxembourgish", "lt": "Lithuanian", "lv": "Latvian", "ms": "Malay", "nl": "Dutch",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
    "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
    "zh": "Chinese",
}  # fmt: skip

#: Places (lower case) other than country names that name a country outright.
_PLACE_ALIASES: Final = {
    "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "britain": "GB",
    "great britain": "GB", "london": "GB", "manchester": "GB", "usa": "US", "u.s.": "US",
    "u.s.a.": "US", "america": "US", "united states of america": "US", "new york": "US",
    "washington dc": "US", "deutschland": "DE", "berlin": "DE", "hamburg": "DE",
    "munich": "DE", "münchen": "DE", "frankfurt": "DE", "köln": "DE", "cologne": "DE",
    "paris": "FR", "rome": "IT", "madrid": "ES", "warsaw": "PL", "kyiv": "UA", "kiev": "UA",
    "moscow": "RU", "beijing": "CN", "tokyo": "JP", "vienna": "AT", "wien": "AT",
    "bern": "CH", "zurich": "CH", "zürich": "CH", "amsterdam": "NL", "brussels": "BE",
    "toronto": "CA", "sydney": "AU", "melbourne": "AU", "dublin": "IE", "lagos": "NG",
    "nairobi": "KE", "istanbul": "TR", "ankara": "TR", "tehran": "IR", "delhi": "IN",
    "new delhi": "IN", "mumbai": "IN", "são paulo": "BR", "sao paulo": "BR",
    "mexico city": "MX",
}  # fmt: skip

#: US state codes: "Dallas, TX" claims the United States.
_US_STATES: Final = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID",
    "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO",
    "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
    "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
})  # fmt: skip


def country_name(code: str) -> str:
    """The English name of a country code, or the code itself when unknown."""
    return COUNTRY_NAMES.get(code.upper(), code)


def language_name(code: str) -> str:
    """The English name of a language code, or the code itself when unknown."""
    return LANGUAGE_NAMES.get(code.lower(), code)


def place_country(place: str) -> str | None:
    """The country code a claimed place names, or None when it names none cibwatch knows.

    >>> place_country("Berlin"), place_country("Dallas, TX"), place_country("my couch")
    ('DE', 'US', None)
    """
    text = " ".join(place.split())
    state = re.search(r",\s*([A-Z]{2})$", text)
    if state and state.group(1) in _US_STATES:
        return "US"
    by_name = {name.lower(): code for code, name in COUNTRY_NAMES.items()} | _PLACE_ALIASES
    lowered = text.lower()
    # the whole text first, then each comma-separated part from the last (the widest)
    for part in [lowered, *reversed([p.strip() for p in lowered.split(",")])]:
        if part in by_name:
            return by_name[part]
    return None


def language_shares(workspace: Workspace, members: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """All posts of ``members`` and their count per language (known languages only)."""
    # one scan for both, the account ids first (a hash join over a few hundred values), then
    # the exact keys: two scans building ``platform:account_id`` for every post cost more
    counted = workspace.connection.execute(
        "SELECT language, count(*) AS posts FROM posts "
        "SEMI JOIN (SELECT unnest($ids::VARCHAR[]) AS account_id) USING (account_id) "
        "WHERE list_contains($members, platform || ':' || account_id) "
        "GROUP BY 1 ORDER BY posts DESC, language",
        {"members": members, "ids": sorted({m.split(":", 1)[-1] for m in members})},
    ).fetchall()
    total = sum(int(n) for _, n in counted)
    rows = [{"language": lang, "posts": n} for lang, n in counted if lang is not None]
    return total, rows


def _brand_index(brands: list[Brand]) -> dict[str, Brand]:
    return {domain: b for b in brands for domain in b.domains}


def targets(
    total_posts: int,
    languages: list[dict[str, Any]],
    lookalike_domains: list[dict[str, Any]],
    claimed_locations: list[dict[str, Any]],
    brands: list[Brand] | None = None,
) -> list[dict[str, Any]]:
    """Target rows ``{kind, target, code, evidence}``: countries first, then languages.

    ``languages`` are ``{language, posts}`` rows, ``lookalike_domains`` the dossier's
    domain evidence (``details`` parsed; impersonations carry ``brand``), and
    ``claimed_locations`` the dossier's ``{location, accounts}`` rows.
    """
    # the brand list is parsed only for a network with impersonations (most have none)
    imitations = [row for row in lookalike_domains if (row.get("details") or {}).get("brand")]
    index = (
        {} if not imitations else _brand_index(load_bundled_brands() if brands is None else brands)
    )
    # country/language code -> brand domain -> look-alike domains imitating it
    by_country: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    by_brand_language: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    unknown_brands: dict[str, list[str]] = defaultdict(list)
    for row in imitations:
        brand_domain = row["details"]["brand"]
        brand = index.get(str(brand_domain))
        if brand is None:
            unknown_brands[str(brand_domain)].append(str(row["domain"]))
            continue
        by_country[brand.country][brand.canonical].append(str(row["domain"]))
        by_brand_language[brand.language][brand.canonical].append(str(row["domain"]))
    evidence: dict[str, list[str]] = defaultdict(list)
    for code, imitated in by_country.items():
        evidence[code].append(_impersonation(imitated, f"outlets of {country_name(code)}"))
    places: dict[str, list[str]] = defaultdict(list)
    unplaced: list[dict[str, Any]] = []
    for claim in claimed_locations:
        where = place_country(str(claim["location"]))
        if where is None:
            unplaced.append(claim)
        else:
            places[where].append(_claim(claim))
    for code, claims in places.items():
        evidence[code].append("accounts claim " + ", ".join(claims))
    rows: list[dict[str, Any]] = [
        {"kind": "country", "target": country_name(code), "code": code, "evidence": ev}
        for code, ev in sorted(evidence.items(), key=lambda kv: (-len(kv[1]), country_name(kv[0])))
    ]
    rows += [
        {
            "kind": "place",
            "target": str(c["location"]),
            "code": None,
            "evidence": [f"accounts claim {_claim(c)}; cibwatch maps this place to no country"],
        }
        for c in unplaced
    ]
    rows += [
        {
            "kind": "country",
            "target": "unknown",
            "code": None,
            "evidence": [_impersonation({b: d}, "a brand not in the bundled brand list")],
        }
        for b, d in sorted(unknown_brands.items())
    ]
    rows += _language_rows(total_posts, languages, by_brand_language)
    return rows


def _language_rows(
    total_posts: int,
    languages: list[dict[str, Any]],
    by_brand_language: dict[str, dict[str, list[str]]],
) -> list[dict[str, Any]]:
    evidence: dict[str, list[str]] = defaultdict(list)
    shares: dict[str, float] = {}
    for row in languages:
        code, posts = str(row["language"]), int(row["posts"])
        share = posts / total_posts if total_posts else 0.0
        if share >= MIN_LANGUAGE_SHARE:
            shares[code] = share
            evidence[code].append(
                f"{share:.0%} of posts in {language_name(code)} ({posts:,} of {total_posts:,})"
            )
    for code, imitated in by_brand_language.items():
        evidence[code].append(_impersonation(imitated, f"{language_name(code)}-language outlets"))
    order = sorted(evidence, key=lambda c: (-shares.get(c, 0.0), language_name(c)))
    return [
        {"kind": "language", "target": language_name(c), "code": c, "evidence": evidence[c]}
        for c in order
    ]


def _impersonation(imitated: dict[str, list[str]], what: str) -> str:
    brands = ", ".join(sorted(imitated))
    fakes = sorted({d for ds in imitated.values() for d in ds})
    noun = "domain" if len(fakes) == 1 else "domains"
    return f"impersonates {brands} ({what}) with look-alike {noun} {', '.join(fakes)}"


def _claim(claim: dict[str, Any]) -> str:
    n = int(claim["accounts"])
    return f"{claim['location']} ({n} account{'' if n == 1 else 's'})"


def network_targets(workspace: Workspace, dossier: dict[str, Any]) -> list[dict[str, Any]]:
    """The target rows of one network's dossier (see :func:`targets`)."""
    total, languages = language_shares(workspace, list(dossier["members"]))
    return targets(total, languages, dossier["lookalike_domains"], dossier["claimed_locations"])
