"""Platform indicator files: every row is an indicator or reported text, nothing lost.

The fixtures copy the quirks of Meta's published files: a byte-order mark, types such as
``cib_url`` and ``telegram_url``, defanged values, counts of assets and prose in the
Indicator column, blank Tactic/Technique cells meaning "same as above", two values in one
cell, and markdown tables with ``<br>``, backticks, links and escaped pipes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cibwatch.errors import IngestError
from cibwatch.indicators.model import ImportResult
from cibwatch.indicators.platform_files import read_classic_csv, write_classic_csv
from cibwatch.indicators.sources import import_indicators, read_indicator_file
from cibwatch.indicators.store import stored_indicators
from cibwatch.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "indicators"


def _values(result: ImportResult) -> set[tuple[str, str]]:
    return {(i.type, i.value) for i in result.indicators}


def _assert_nothing_lost(result: ImportResult) -> None:
    assert result.unaccounted_rows() == []
    rows = {i.source_row for i in result.indicators} | {t.source_row for t in result.texts}
    assert rows == set(range(1, result.rows_read + 1))


def test_classic_csv_keeps_types_and_reports_unread_rows() -> None:
    result = read_indicator_file(FIXTURES / "classic_indicators.csv")
    assert result.format == "platform-csv"
    # 10 data rows: 8 indicators, an app id we do not read, a row without a value
    assert (result.rows_read, len(result.indicators), len(result.texts)) == (10, 8, 2)
    assert result.rows_read == len(result.indicators) + len(result.texts)
    _assert_nothing_lost(result)
    values = _values(result)
    assert ("domain", "spiegel-report.online") in values  # lower-cased, trailing dot dropped
    assert ("url", "https://example-news-daily.com/2022/08/a,b.html") in values
    # cib_url on a social platform is an account link; on a website it stays a URL
    assert ("account_url", "https://www.facebook.com/ExamplePatriotPage") in values
    assert ("url", "https://example-petition.org/sign") in values
    assert ("account_url", "https://t.me/example_channel") in values
    assert {t.reason for t in result.texts} == {
        "indicator type 'android_package_name' not read",
        "no indicator value",
    }


def test_kill_chain_csv_separates_indicators_from_free_text() -> None:
    result = read_indicator_file(FIXTURES / "kill_chain.csv")
    assert result.format == "kill-chain-csv"
    _assert_nothing_lost(result)
    assert result.rows_read == 12
    assert _values(result) == {
        ("domain", "spiegel.ltd"),
        ("domain", "bild.pics"),
        ("domain", "reportage-today.com"),  # row 5 holds two domains on two lines
        ("domain", "welt-news.online"),
        ("url", "https://spiegel.ltd/politik/artikel-123"),
        ("account_url", "https://t.me/example_news_channel"),
        ("account_url", "https://x.com/example_newsbot"),
        ("account_url", "https://facebook.com/groups/1234567890"),
        ("url", "https://bit.ly/3xYzAbC"),
    }
    texts = {(t.source_row, t.text) for t in result.texts}
    assert texts == {
        (1, "37 accounts"),
        (2, "Facebook Pages"),
        (9, "Profile photos likely generated"),  # no indicator: the procedure is kept
        (11, "Ads spend of approx. 1,200 USD"),
    }
    # a blank Tactic/Technique repeats the one above
    bild = next(i for i in result.indicators if i.value == "bild.pics")
    assert bild.context == "Acquiring assets > Acquiring websites"
    spiegel = next(i for i in result.indicators if i.value == "spiegel.ltd")
    assert spiegel.comment == "Imitated Der Spiegel"


def test_markdown_tables_are_read_across_tables() -> None:
    result = read_indicator_file(FIXTURES / "kill_chain.md")
    assert result.format == "kill-chain-markdown"
    _assert_nothing_lost(result)
    assert result.rows_read == 8  # 7 rows in the first table, 1 in the second
    assert _values(result) == {
        ("domain", "example-truth.news"),  # inside backticks
        ("domain", "example-truth.info"),  # <br> separates two values
        ("domain", "example-voice.org"),
        ("url", "https://example-truth.news/about"),  # the target of a markdown link
        ("account_url", "http://t.me/examplevoice"),
        ("account_url", "https://x.com/example_voice_x"),
    }
    piped = next(t for t in result.texts if t.source_row == 7)
    assert piped.text == 'Operators used a "content calendar" | shared docs'


def test_unknown_files_are_refused_with_their_name(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"other\.csv"):
        read_indicator_file(path)
    md = tmp_path / "other.md"
    md.write_text("| a | b |\n|---|---|\n| 1 | 2 |\n", encoding="utf-8")
    with pytest.raises(IngestError, match="Tactic"):
        read_indicator_file(md)


def test_import_stores_indicators_and_texts_in_the_workspace() -> None:
    with Workspace() as ws:
        result, import_id = import_indicators(FIXTURES / "kill_chain.csv", ws)
        again, second = import_indicators(FIXTURES / "kill_chain.md", ws)
        assert (import_id, second) == (1, 2)
        stored = stored_indicators(ws, import_id)
        assert {(i.type, i.value) for i in stored} == _values(result)
        assert len(stored_indicators(ws)) == len(result.indicators) + len(again.indicators)
        kinds = ws.query(
            "SELECT kind, count(*) AS n FROM indicators WHERE import_id = 1 GROUP BY 1 ORDER BY 1"
        )
        assert kinds == [
            {"kind": "indicator", "n": len(result.indicators)},
            {"kind": "text", "n": len(result.texts)},
        ]


def test_hostile_values_in_the_classic_csv_cannot_run_as_formulas(tmp_path: Path) -> None:
    from cibwatch.indicators.model import Indicator

    hostile = [
        Indicator("url", "https://evil.example/=cmd|' /C calc'!A0", "N-00000001", "=HYPERLINK()"),
        Indicator("domain", "quote'\"and\nnewline.example", None, "@SUM(1+1)*cmd|' /C calc'!A0"),
        Indicator("handle", "=cmd|' /C calc'!A0", None, "+1-2"),
    ]
    out = tmp_path / "ind.csv"
    assert write_classic_csv(out, hostile, "2024-01-01") == 3
    with out.open(encoding="utf-8", newline="") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    back = read_classic_csv(out)
    # the network id travels in the comment; hostile text comes back unchanged
    assert back.indicators[0].network_id == "N-00000001"
    assert back.indicators[0].comment == "=HYPERLINK()"
    assert back.indicators[0].value == "https://evil.example/=cmd|' /C calc'!A0"
    assert back.indicators[1].comment == "@SUM(1+1)*cmd|' /C calc'!A0"
    assert back.texts[0].text == "=cmd|' /C calc'!A0"  # handles are not read back


_CELLS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "example[.]com",
            "37 accounts",
            "hxxps://a[.]example/x",
            "t.me/x",
            "",
            "=1+1",
            "a\nb.example",
        ]
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=10), _CELLS, st.text(max_size=10)), max_size=12))
def test_kill_chain_reader_accounts_for_every_row(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str, str]]
) -> None:
    path = tmp_path_factory.mktemp("prop") / "k.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Tactic", "Technique", "Procedure", "Indicator", "Comments"])
        for tactic, indicator, note in rows:
            writer.writerow([tactic, "", "", indicator, note])
    result = read_indicator_file(path)
    assert result.rows_read == len(rows)
    assert result.unaccounted_rows() == []
    for found in result.indicators:
        assert found.value and not any(ch.isspace() for ch in found.value)


def test_metas_typed_markdown_tables_are_read_as_published() -> None:
    """Meta's per-network files: ``Indicator Type | Indicator Value`` tables, values defanged
    in backticks, other columns varying; tables without an indicator column are passed over."""
    result = read_indicator_file(FIXTURES / "meta_network.md")
    assert result.format == "indicator-markdown"
    assert _values(result) == {
        ("domain", "example-truth.news"),
        ("account_url", "https://t.me/examplevoice"),
        ("account_url", "https://youtube.com/@ExampleVoice"),
        ("ip", "192.0.2.17"),
        ("url", "https://example-truth.news/about"),
        ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("domain", "example-voice.org"),
        ("domain", "example-panorama.co.uk"),
        ("account_url", "https://www.tiktok.com/@example.online"),
    }
    by_value = {i.value: i.comment for i in result.indicators}
    assert by_value["192.0.2.17"] == "Proxy IP"  # the published type is kept as the comment
    assert by_value["example-voice.org"] == "Domain: Mirror of the main site"
    assert [t.text for t in result.texts] == ["37 accounts"]
    assert result.unaccounted_rows() == []
