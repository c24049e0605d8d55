"""Refanging and classifying single values from indicator files."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibwatch.indicators.values import classify, profile_url, refang, url_type


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("example[.]com", ("domain", "example.com")),
        ("Example(.)COM.", ("domain", "example.com")),
        ("hxxps://example[.]com/a?b=1", ("url", "https://example.com/a?b=1")),
        ("hXXp[:]//news[.]example[.]org", ("url", "http://news.example.org")),
        ("facebook.com/SomePage", ("account_url", "https://facebook.com/SomePage")),
        ("t[.]me/channel_x", ("account_url", "https://t.me/channel_x")),
        ("https://www.x.com/someone", ("account_url", "https://www.x.com/someone")),
        ("https://x.com", ("url", "https://x.com")),  # the site itself, not a profile
        ("203.0.113[.]9", ("ip", "203.0.113.9")),
        ("D41D8CD98F00B204E9800998ECF8427E", ("md5", "d41d8cd98f00b204e9800998ecf8427e")),
        ("@some_handle", ("handle", "@some_handle")),
        ("xn--80ak6aa92e.com", ("domain", "xn--80ak6aa92e.com")),
    ],
)
def test_real_indicators_are_refanged_and_typed(cell: str, expected: tuple[str, str]) -> None:
    assert classify(cell) == expected


@pytest.mark.parametrize(
    ("cell", "reason_part"),
    [
        ("37 accounts", "count"),
        ("1,204 Facebook accounts", "count"),
        ("Facebook Pages", "free text"),
        ("", "empty"),
        ("   ", "empty"),
        ("Instagram", "not a domain"),
        ("<script>alert(1)</script>", "not a domain"),
        ("=cmd|' /C calc'!A0", "free text"),
        ("=cmd|calc!A0", "not a domain"),
        ("https://exa mple.com", "free text"),
        ("https://<script>/x", "valid host"),
    ],
)
def test_free_text_is_not_an_indicator_and_says_why(cell: str, reason_part: str) -> None:
    kind, reason = classify(cell)
    assert kind is None
    assert reason_part in reason


def test_refang_leaves_plain_values_alone() -> None:
    assert refang("https://example.com/[.]x") == "https://example.com/.x"
    assert refang("plain.example") == "plain.example"


def test_profile_urls_quote_hostile_handles() -> None:
    url = profile_url("x", "1", "a'b<script>/x", "account")
    assert url == "https://x.com/a%27b%3Cscript%3E%2Fx"
    assert url_type(url) == "account_url"
    assert profile_url("mastodon", "1", "someone", "account") is None
    assert profile_url("facebook", "9", "page.name", "page") == "https://www.facebook.com/page.name"


@given(st.text(max_size=80))
def test_classify_always_answers_and_indicator_values_have_no_spaces(cell: str) -> None:
    kind, value = classify(cell)
    if kind is not None:
        assert value and not any(ch.isspace() for ch in value)
        # classifying the canonical value again gives the same indicator
        assert classify(value) == (kind, value)
    else:
        assert value  # a reason is always given
