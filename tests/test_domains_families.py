"""Generated domain families: clustering, first/last seen, persistence after a block date."""

from __future__ import annotations

from datetime import datetime

from cibwatch.domains.families import find_families
from cibwatch.domains.survey import survey_domains

# One recipe ("kvartal" scrambled and misspelt) on throwaway TLDs, first seen on three days;
# the block came on 10 March, and two new names appeared after it.
SEEN = {
    "kvartal.ltd": (datetime(2022, 3, 1), datetime(2022, 3, 5)),
    "kvratal.pics": (datetime(2022, 3, 2), datetime(2022, 3, 9)),
    "kvartall.top": (datetime(2022, 3, 12), datetime(2022, 3, 20)),
    "kavrtal.xyz": (datetime(2022, 3, 15), datetime(2022, 4, 1)),
}


def test_family_members_dates_and_persistence() -> None:
    names = [*SEEN, "example.com", "unrelated.ltd"]
    (fam,) = find_families(names, seen=SEEN, block_date=datetime(2022, 3, 10))
    assert fam.family_id == "kvartal"
    assert fam.members == ("kavrtal.xyz", "kvartal.ltd", "kvartall.top", "kvratal.pics")
    assert fam.suffixes == ("ltd", "pics", "top", "xyz")
    assert (fam.first_seen, fam.last_seen) == (datetime(2022, 3, 1), datetime(2022, 4, 1))
    assert fam.new_after_block == ("kavrtal.xyz", "kvartall.top")
    assert fam.persistent
    assert 0.5 < fam.score <= 0.95


def test_not_persistent_when_nothing_new_after_block() -> None:
    (fam,) = find_families(list(SEEN), seen=SEEN, block_date=datetime(2022, 5, 1))
    assert not fam.persistent and fam.new_after_block == ()


def test_small_or_single_tld_groups_are_not_families() -> None:
    assert find_families(["kvartal.ltd", "kvratal.pics"]) == []  # two domains only
    assert find_families(["kvartal.ltd", "kvratal.ltd", "kvartall.ltd"]) == []  # one TLD
    # Ordinary .com/.de names need corroboration, so they never form a family by themselves.
    assert find_families(["kvartal.com", "kvratal.de", "kvartall.org"]) == []


def test_survey_gives_generated_family_verdict_and_keeps_impersonations() -> None:
    hosts = [*SEEN, "spiegel.ltd", "spiegel.pics", "spiegl.top", "spiegel.de", "example.org"]
    survey = survey_domains(hosts, seen=SEEN, block_date=datetime(2022, 3, 10))
    by = {r.domain: r for r in survey.results}
    assert by["kvratal.pics"].verdict == "generated-family"
    assert by["kvratal.pics"].family == "kvartal"
    assert "kvartal" in by["kvratal.pics"].explanation
    assert "2 new after the block date" in by["kvratal.pics"].explanation
    # Imitations of one outlet also group into a family but keep their verdict.
    assert by["spiegl.top"].verdict == "impersonation"
    assert by["spiegl.top"].family == by["spiegel.ltd"].family == "spiegel"
    assert by["spiegel.de"].verdict == "brand" and by["spiegel.de"].family == ""
    assert by["example.org"].verdict == "unrelated"
    assert survey.family_of("kvartal") is not None


def test_imitations_group_by_brand_and_never_chain_two_outlets() -> None:
    # nbcnews.com and abcnews.go.com are one letter apart; copies of each must form two
    # families, not one chained through their shared misspellings.
    hosts = ["nbcnews.ltd", "nbcnews.pics", "nbcnewz.top", "abcnews.ltd", "abcnews.pics"]
    hosts += ["abcnevs.top"]
    survey = survey_domains(hosts)
    by = {r.domain: r for r in survey.results}
    assert {by[h].verdict for h in hosts} == {"impersonation"}
    assert by["nbcnewz.top"].brand == "nbcnews.com"
    assert by["abcnevs.top"].brand == "abcnews.go.com"
    assert [(f.family_id, len(f.members)) for f in survey.families] == [
        ("abcnews", 3),
        ("nbcnews", 3),
    ]
