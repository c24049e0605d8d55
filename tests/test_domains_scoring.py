"""Look-alike scores pinned on hand-built brand lists, each expected value worked out here.

The classifier's score is a sum of documented parts (docs/domains.md): a base per technique
and TLD class, a 0.05 bonus on throwaway suffixes (abused new generic TLDs and private
suffixes), penalties for short and common-word labels, and lifts from corroboration. Each
case below states the parts, so a changed bound or weight fails here.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from cibwatch.domains.brands import Brand
from cibwatch.domains.choice import choose_brand
from cibwatch.domains.classifier import LookalikeClassifier
from cibwatch.domains.corroboration import DomainContext, lift
from cibwatch.domains.survey import survey_domains
from cibwatch.domains.tlds import tld_class

# German-language outlets in DE and AT make .at a "regional" code for German brands.
BRANDS = [
    Brand("Nachtwache", "DE", "de", ("nachtwache.de",)),  # 10 letters
    Brand("Sonnenuhr", "DE", "de", ("sonnenuhr.de",)),  # 9 letters
    Brand("Wachturm", "DE", "de", ("wachturm.de",)),  # 8 letters
    Brand("Morgens", "DE", "de", ("morgens.de",)),  # 7 letters
    Brand("Abend", "DE", "de", ("abend.de",)),  # 5 letters
    Brand("Alpenblatt", "AT", "de", ("alpenblatt.at",)),
    Brand("Focus", "DE", "de", ("focus.de",)),  # a common word (vocabulary.GENERIC_LABELS)
    Brand("ZDF", "DE", "de", ("zdf.de",)),  # three letters
]


@pytest.fixture(scope="module")
def clf() -> LookalikeClassifier:
    return LookalikeClassifier(BRANDS)


@pytest.mark.parametrize(
    ("domain", "score", "verdict"),
    [
        # exact label: class score, +0.05 on abused generic TLDs and private suffixes
        ("morgens.ltd", 0.95, "impersonation"),  # abused-generic 0.90 + 0.05
        ("morgens.co.com", 0.95, "impersonation"),  # private 0.90 + 0.05
        ("morgens.foo", 0.85, "impersonation"),  # new-generic 0.85, no bonus
        ("morgens.biz", 0.8, "impersonation"),  # open-generic 0.80
        ("morgens.cx", 0.8, "impersonation"),  # open country code 0.80
        ("morgens.com", 0.55, "unrelated"),  # legacy generic 0.55: a candidate
        ("morgens.pe", 0.5, "unrelated"),  # another country's code 0.50
        ("morgens.at", 0.45, "unrelated"),  # German-language country: regional 0.45
        ("focus.foo", 0.45, "unrelated"),  # 0.85 - 0.40 for a common word
        ("zdf.foo", 0.6, "impersonation"),  # 0.85 - 0.25 for three letters
        ("zdf.ltd", 0.7, "impersonation"),  # 0.90 - 0.25 + 0.05
    ],
)
def test_exact_label_scores(
    clf: LookalikeClassifier, domain: str, score: float, verdict: str
) -> None:
    r = clf.classify(domain)
    assert (r.technique, r.score, r.verdict) == ("brand-on-other-tld", score, verdict)


@pytest.mark.parametrize(
    ("domain", "brand", "technique", "score"),
    [
        # one edit: 0.75, 0.80 for names of eight letters or more; +0.05 on .top
        ("morgns.top", "morgens.de", "typo-deletion+tld", 0.8),
        ("morgns.foo", "morgens.de", "typo-deletion+tld", 0.75),  # no throwaway bonus
        ("wachtrum.top", "wachturm.de", "typo-transposition+tld", 0.85),
        # own suffix, a country code: the typo keeps its score
        ("morgnes.de", "morgens.de", "typo-transposition", 0.75),
        # .com is not the brand's suffix: names of nine letters or more keep 0.80 at one
        # edit, shorter ones drop to 0.50
        ("sonnenhr.com", "sonnenuhr.de", "typo-deletion+tld", 0.8),
        ("wachtrm.com", "wachturm.de", "typo-deletion+tld", 0.5),
        # two edits (0.65) only for names of ten letters or more, keeping first and last
        # letters: nchtwche drops both a's of nachtwache
        ("nchtwche.top", "nachtwache.de", "typo-typo-2+tld", 0.7),
        # a five-letter name needs a suspicious TLD, and gets 0.75 (+0.05) there
        ("abendd.top", "abend.de", "typo-doubled-letter+tld", 0.8),
    ],
)
def test_typo_scores(
    clf: LookalikeClassifier, domain: str, brand: str, technique: str, score: float
) -> None:
    r = clf.classify(domain)
    assert (r.brand, r.technique, r.score) == (brand, technique, score)


@pytest.mark.parametrize(
    "domain",
    [
        "snnenhr.top",  # two edits from a nine-letter name: beyond the bound
        "abendd.com",  # five letters off suspicious TLDs
        "abemd.de",  # ... even on the brand's own suffix (lejdc.fr and lejdd.fr are both real)
        "nbchtwqche.top",  # two letters of nachtwache replaced: another word
        "wachturm4.top",  # a digit added makes another name
    ],
)
def test_typo_bounds(clf: LookalikeClassifier, domain: str) -> None:
    assert clf.classify(domain).verdict == "unrelated", clf.classify(domain)


def test_tld_classes() -> None:
    assert [tld_class(s) for s in ("ltd", "eu.com", "foo", "biz", "ws", "com", "uy")] == [
        "abused-generic",
        "private",
        "new-generic",
        "open-generic",
        "open-cctld",
        "legacy-generic",
        "cctld",
    ]
    # com.co is Colombia's own registry, the bare .co is sold worldwide; a country where
    # outlets in the brand's language publish is regional; community TLDs are like codes
    assert [tld_class("com.co"), tld_class("co"), tld_class("co", {"co"})] == [
        "cctld",
        "open-cctld",
        "regional",
    ]
    assert tld_class("cat") == "cctld"


def test_lifts_add_up_and_cap() -> None:
    full = DomainContext(network_accounts=2, page_score=0.7, family_members=3, burst=True)
    score, reasons = lift(0.55, full)
    assert score == 0.9  # 0.55 + 0.10 + 0.15 + 0.05 + 0.05
    assert len(reasons) == 4
    assert lift(0.9, full)[0] == 0.99  # capped
    assert lift(0.55, DomainContext(page_score=0.49)) == (0.55, ())  # below the page bar


def test_corroboration_turns_a_candidate_into_an_impersonation(clf: LookalikeClassifier) -> None:
    assert clf.classify("morgens.com").verdict == "unrelated"
    r = clf.classify("morgens.com", DomainContext(network_accounts=4))
    assert (r.verdict, r.score, r.confidence) == ("impersonation", 0.65, "medium")
    assert r.reasons[-1] == "linked by 4 accounts of a coordinated network (+0.10)"


NAMESAKES = [
    Brand("Pravda Slovakia", "SK", "sk", ("pravda.sk",)),
    Brand("Ukrainska Pravda", "UA", "uk", ("pravda.com.ua",)),
    Brand("Pravda Russia", "RU", "ru", ("pravda.ru",)),
]


@pytest.mark.parametrize(
    ("domain", "context", "brand", "runner_up"),
    [
        # 2 points for a code in the domain: no runner-up
        ("pravda-ua.top", None, "pravda.com.ua", ""),
        ("ua-pravda.click", None, "pravda.com.ua", ""),
        ("pravdaua.top", None, "pravda.com.ua", ""),
        ("pravda-ru.top", None, "pravda.ru", ""),
        # nothing to tell them apart: list order, the next one is the runner-up
        ("pravda.top", None, "pravda.sk", "pravda.com.ua"),
        # 1 point each for the posts' language and the target country: 2 beats 0
        (
            "pravda.top",
            DomainContext(languages=frozenset({"uk"}), countries=frozenset({"UA"})),
            "pravda.com.ua",
            "",
        ),
        # 1 point beats 0 but within one point: runner-up kept
        ("pravda.top", DomainContext(countries=frozenset({"RU"})), "pravda.ru", "pravda.sk"),
    ],
)
def test_brand_choice_among_namesakes(
    domain: str, context: DomainContext | None, brand: str, runner_up: str
) -> None:
    r = LookalikeClassifier(NAMESAKES).classify(domain, context)
    assert (r.verdict, r.brand, r.runner_up) == ("impersonation", brand, runner_up)


def test_choose_brand_country_alias() -> None:
    gb = Brand("The Sun", "GB", "en", ("thesun.co.uk",))
    my = Brand("The Sun Malaysia", "MY", "en", ("thesun.my",))
    assert choose_brand([my, gb], ["uk"]).brand is gb


def test_bundled_list_right_brand_and_redirectors() -> None:
    clf = LookalikeClassifier.bundled()
    for domain in ("ua-pravda.click", "pravda-ua.rest"):
        assert clf.classify(domain).brand == "pravda.com.ua", domain
    # on .com a brand plus a code is a candidate (0.55) until corroborated, but already
    # with the right outlet
    r = clf.classify("pravda-ua.com")
    assert (r.verdict, r.brand, r.score) == ("unrelated", "pravda.com.ua", 0.55)
    r = clf.classify("pravda-ua.com", DomainContext(network_accounts=1))
    assert (r.verdict, r.brand, r.score) == ("impersonation", "pravda.com.ua", 0.65)
    # redirectors that only resemble an outlet (issue #16): telegramm is two edits from
    # telegraaf with another last letter; europ-er splits europe1 and swaps its digit
    for domain in ("telegramm.tech", "europ-er.online"):
        r = clf.classify(domain)
        assert r.verdict in ("unrelated", "generated-family"), r


def test_collisions_are_found_when_outlets_collide() -> None:
    # A second outlet one letter from the first on a suspicious TLD would be flagged if it
    # were not listed: collisions() reports it (so the bundled list's empty result means
    # something).
    brands = [*BRANDS, Brand("Nachtwachen", "DE", "de", ("nachtwachen.top",))]
    found = LookalikeClassifier(brands).collisions()
    assert [(d, r.brand) for d, r in found] == [("nachtwachen.top", "nachtwache.de")]


def test_other_imitations_in_the_same_data_lift_a_candidate(clf: LookalikeClassifier) -> None:
    # morgens.com alone: 0.55, a candidate. With morgens.ltd (an impersonation) in the same
    # survey, the other imitation of the same outlet adds 0.05: 0.60, the threshold.
    alone = survey_domains(["morgens.com"], classifier=clf).results[0]
    assert (alone.verdict, alone.score) == ("unrelated", 0.55)
    both = survey_domains(["morgens.com", "morgens.ltd"], classifier=clf).results[0]
    assert (both.verdict, both.score) == ("impersonation", 0.6)
    assert "1 other imitation of the same outlet in the data (+0.05)" in both.reasons


def test_a_burst_of_first_sightings_lifts_candidates(clf: LookalikeClassifier) -> None:
    # Three outlets' exact labels on .com (0.55 each). First seen within 24 hours of two
    # others: +0.05, the threshold. Spread over weeks: no burst, they stay candidates.
    hosts = ["morgens.com", "wachturm.com", "sonnenuhr.com"]
    day = {h: (datetime(2023, 5, 1, i), datetime(2023, 5, 2)) for i, h in enumerate(hosts)}
    weeks = {h: (datetime(2023, 5, 1 + 9 * i), datetime(2023, 6, 1)) for i, h in enumerate(hosts)}
    burst = survey_domains(hosts, classifier=clf, seen=day).results
    assert [(r.verdict, r.score) for r in burst] == [("impersonation", 0.6)] * 3
    assert "first seen in a burst of new domains (+0.05)" in burst[0].reasons
    spread = survey_domains(hosts, classifier=clf, seen=weeks).results
    assert [(r.verdict, r.score) for r in spread] == [("unrelated", 0.55)] * 3
