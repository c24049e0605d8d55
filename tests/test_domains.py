"""Look-alike classifier: every technique on real-looking cases, and real outlets kept clean.

Cases follow the 2022 "Doppelganger" operation's copies of outlets (spiegel.ltd, bild.pics,
theguardian.co.com) and the usual typosquatting families.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibwatch.domains.brands import Brand, load_bundled_brands, merge_brands, parse_brands
from cibwatch.domains.classifier import LookalikeClassifier
from cibwatch.domains.hosts import split_host
from cibwatch.domains.typos import deletions, osa_distance, typo_kind, within_one_edit
from cibwatch.errors import InputError


@pytest.fixture(scope="module")
def clf() -> LookalikeClassifier:
    return LookalikeClassifier.bundled()


def test_bundled_list_has_each_domain_once() -> None:
    domains = [d for b in load_bundled_brands() for d in b.domains]
    assert len(domains) == len(set(domains))


@pytest.mark.parametrize(
    ("domain", "brand", "technique"),
    [
        ("spiegel.ltd", "spiegel.de", "brand-on-other-tld"),
        ("bild.pics", "bild.de", "brand-on-other-tld"),
        ("ansa.ltd", "ansa.it", "brand-on-other-tld"),
        # co.com, eu.com, com.de are private-section public suffixes: label = the brand.
        ("theguardian.co.com", "theguardian.com", "brand-on-other-tld"),
        ("welt.eu.com", "welt.de", "brand-on-other-tld"),
        ("spiegel.com.de", "spiegel.de", "brand-on-other-tld"),
        ("https://www.spiegel.de.example.com/politik/a-1", "spiegel.de", "subdomain-deception"),
        ("faz.net.news-today.xyz", "faz.net", "subdomain-deception"),
        ("tonline.de", "t-online.de", "hyphenation"),
        ("el-pais.com", "elpais.com", "hyphenation"),
        ("t.online.de", "t-online.de", "dot-trick"),
        ("spiegelde.com", "spiegel.de", "dot-trick"),
        ("welt-de.ru", "welt.de", "dot-trick"),
        ("spiegel-news.online", "spiegel.de", "combosquatting"),
        ("news-bild.top", "bild.de", "combosquatting"),
        ("lemondeactu.site", "lemonde.fr", "combosquatting"),
        ("speigel.de", "spiegel.de", "typo-transposition"),
        ("spigel.top", "spiegel.de", "typo-deletion+tld"),
        ("spiegwl.de", "spiegel.de", "typo-keyboard-neighbour"),
        ("spiegxl.de", "spiegel.de", "typo-substitution"),
        ("spieegel.de", "spiegel.de", "typo-doubled-letter"),
        ("spiehgel.de", "spiegel.de", "typo-insertion"),
        ("theguardain.co.com", "theguardian.com", "typo-transposition+tld"),
        ("bildd.pics", "bild.de", "typo-doubled-letter+tld"),
        ("washingtonpots.ltd", "washingtonpost.com", "typo-transposition+tld"),
        ("washingtnpst.com", "washingtonpost.com", "typo-typo-2"),
        ("rnediapart.fr", "mediapart.fr", "homoglyph"),
        ("lem0nde.fr", "lemonde.fr", "homoglyph"),
    ],
)
def test_techniques(clf: LookalikeClassifier, domain: str, brand: str, technique: str) -> None:
    r = clf.classify(domain)
    assert (r.verdict, r.brand, r.technique) == ("impersonation", brand, technique)
    assert clf.min_score <= r.score <= 1.0
    assert brand in r.explanation


def test_punycode_homoglyph(clf: LookalikeClassifier) -> None:
    cyrillic_i = "sp\u0456egel.de"  # spiegel with Cyrillic i
    puny = cyrillic_i.encode("idna").decode("ascii")
    assert puny.startswith("xn--")
    for text in (cyrillic_i, puny, f"https://{puny}/x"):
        r = clf.classify(text)
        assert (r.verdict, r.brand, r.technique) == (
            "impersonation",
            "spiegel.de",
            "punycode-homoglyph",
        )
        assert r.domain == puny
    greek = clf.classify("blo\u03bfmberg.com")  # Greek omicron
    assert (greek.brand, greek.technique) == ("bloomberg.com", "punycode-homoglyph")


def test_explanation_names_outlet_and_technique(clf: LookalikeClassifier) -> None:
    r = clf.classify("spiegel.ltd")
    assert r.explanation == (
        "spiegel.ltd imitates Der Spiegel (spiegel.de): brand label on another TLD"
    )


@pytest.mark.parametrize(
    "domain",
    [
        # German outlets one or two letters apart from each other.
        "welt.de",
        "zeit.de",
        "taz.de",
        "faz.net",
        "bild.de",
        "bildblog.de",
        "tagesspiegel.de",
        "stern.de",
        "t-online.de",
        "n-tv.de",
        "ndr.de",
        "mdr.de",
        "wdr.de",
        "br.de",
        "tz.de",
        # Same label, different outlets in different countries.
        "elpais.com",
        "elpais.com.uy",
        "elpais.com.co",
        "elpais.cr",
        "lanacion.com.ar",
        "nacion.com",
        "thestar.com",
        "thestar.com.my",
        "the-star.co.ke",
        "elcomercio.pe",
        "elcomercio.com",
        "dn.se",
        "dn.no",
        "dn.pt",
        "bt.dk",
        "bt.no",
        # Alternative domains of one outlet, and sections on subdomains.
        "lemonde.com",
        "lemonde.fr",
        "guardian.co.uk",
        "bbc.com",
        "www.bbc.co.uk",
        "edition.cnn.com",
        "cincodias.elpais.com",
        "abcnews.go.com",
        "g1.globo.com",
    ],
)
def test_real_outlets_are_brand(clf: LookalikeClassifier, domain: str) -> None:
    r = clf.classify(domain)
    assert r.verdict == "brand", r


def test_no_listed_domain_is_flagged() -> None:
    clf = LookalikeClassifier.bundled()
    for brand in clf.brands:
        for domain in brand.domains:
            assert clf.classify(domain).verdict == "brand", domain


@pytest.mark.parametrize(
    "domain",
    [
        "example.org",
        "zelt.de",  # zeit.de with l for i, but a four-letter label needs a throwaway TLD
        "click.com",  # one letter from blick.ch, a dictionary-word brand label
        "bbc.de",  # a three-letter label on an ordinary TLD is not enough
        "spiegel-reisen.de",  # brand plus a non-news word stays a weak match
        "focus-online.org",
        # The exact label on an ordinary TLD: a namesake outlet or a defensive registration.
        "independent.com",
        "elmundo.com",
        "bloomberg.org",
        "spiegel.com",
        # Typos off the brand's own suffix need a throwaway TLD (or a long label).
        "telegram.org",  # two edits from telegraaf
        "pi-news.net",  # one edit from ptinews.com
    ],
)
def test_weak_or_unrelated(clf: LookalikeClassifier, domain: str) -> None:
    assert clf.classify(domain).verdict == "unrelated"


def test_weak_candidates_keep_brand_and_score(clf: LookalikeClassifier) -> None:
    r = clf.classify("independent.com")
    assert (r.verdict, r.brand, r.technique) == (
        "unrelated",
        "independent.co.uk",
        "brand-on-other-tld",
    )
    assert 0 < r.score < clf.min_score


def test_short_brand_needs_throwaway_tld(clf: LookalikeClassifier) -> None:
    assert clf.classify("bbc.pics").verdict == "impersonation"
    assert clf.classify("zelt.pics").technique == "homoglyph"
    assert clf.classify("zelt.pics").verdict == "impersonation"
    assert clf.classify("bbc.de").score < clf.min_score


def test_min_score_changes_threshold() -> None:
    strict = LookalikeClassifier(load_bundled_brands(), min_score=0.9)
    assert strict.classify("speigel.de").verdict == "unrelated"
    assert strict.classify("spiegel.ltd").verdict == "impersonation"


def test_psl_private_suffixes() -> None:
    p = split_host("theguardian.co.com")
    assert (p.registered, p.suffix, p.label) == ("theguardian.co.com", "co.com", "theguardian")
    p = split_host("news.welt.com.de")
    assert (p.registered, p.suffix, p.subdomain) == ("welt.com.de", "com.de", "news")


@pytest.mark.parametrize("bad", ["=cmd|' /C calc'!A0", "co.uk", "192.168.0.1", "a..b", ""])
def test_not_a_domain(clf: LookalikeClassifier, bad: str) -> None:
    with pytest.raises(ValueError):
        clf.classify(bad)


def test_own_brand_list_extends_and_replaces() -> None:
    own = parse_brands("name,country,language,domains\nDemo Post,XX,en,demopost.org\n")
    clf = LookalikeClassifier(merge_brands(load_bundled_brands(), own))
    assert clf.classify("demopost.ltd").brand == "demopost.org"
    assert clf.classify("spiegel.ltd").verdict == "impersonation"
    only = LookalikeClassifier(own)
    assert only.classify("spiegel.ltd").verdict == "unrelated"


def test_brand_list_errors_name_row_and_field() -> None:
    with pytest.raises(InputError, match=r"b.csv, row 2, field domains: .*already listed"):
        parse_brands(
            "name,country,language,domains\nA,DE,de,a-news.de\nB,DE,de,a-news.de\n", file="b.csv"
        )
    with pytest.raises(InputError, match="row 1, field country"):
        parse_brands("name,country,language,domains\nA,Germany,de,a.de\n")
    with pytest.raises(InputError, match="missing column"):
        parse_brands("name,domains\nA,a.de\n")
    with pytest.raises(InputError, match=r"row 1, field domains: altoadige.it is a public suffix"):
        parse_brands("name,country,language,domains\nAlto Adige,IT,it,altoadige.it\n")


def test_merge_replaces_brand_sharing_a_domain() -> None:
    base = [Brand("Old", "DE", "de", ("x-news.de",))]
    merged = merge_brands(base, [Brand("New", "DE", "de", ("x-news.de", "xnews.de"))])
    assert [b.name for b in merged] == ["New"]


def test_typo_helpers() -> None:
    assert typo_kind("spiegle", "spiegel") == "transposition"
    assert typo_kind("spiegek", "spiegel") == "keyboard-neighbour"
    assert osa_distance("washingtonpost", "washingtnpst") == 2
    assert "spegel" in deletions("spiegel", 1)
    assert not within_one_edit("abcd", "abdcx")


@given(st.one_of(st.text(max_size=40), st.from_regex(r"[a-z0-9\-.]{1,30}", fullmatch=True)))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_host_or_a_value_error(text: str) -> None:
    # Property: a parsed host parses to itself (idempotent), and classifying any text either
    # gives one of the four verdicts or raises ValueError, never another exception.
    clf = _SHARED
    try:
        r = clf.classify(text)
    except ValueError:
        return
    assert r.verdict in ("brand", "impersonation", "unrelated")
    assert split_host(r.domain).host == r.domain


@given(st.sampled_from(["spiegel", "theguardian", "washingtonpost", "lemonde", "tagesspiegel"]))
def test_brand_label_on_any_throwaway_tld_is_impersonation(label: str) -> None:
    for suffix in ("ltd", "pics", "co.com", "eu.com", "top"):
        assert _SHARED.classify(f"{label}.{suffix}").verdict == "impersonation"


_SHARED = LookalikeClassifier.bundled()
