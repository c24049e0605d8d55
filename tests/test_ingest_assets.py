"""Asset lists and ad-library tables -> staged accounts and ads."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibwatch.errors import IngestError
from cibwatch.ingest.assets import AdLibraryIngester, AssetsIngester, parse_range
from cibwatch.ingest.base import Ingester, IngestOptions
from cibwatch.workspace import Workspace
from ingest_helpers import FIXTURES, Staged, fixture_id, head, other_fixtures, read_all

OWN = FIXTURES / "assets"
PAGE = "100000000000001"


def staged(ingester: Ingester, path: Path, platform: str | None = None) -> Staged:
    return read_all(ingester, path, IngestOptions(platform=platform))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$100 - $499", (100.0, 499.0, None)),  # "$" alone names no single currency
        ("US$100 - US$499", (100.0, 499.0, "USD")),
        ("€1K-5K", (1000.0, 5000.0, "EUR")),
        ("£1.5K \u2013 £2K", (1500.0, 2000.0, "GBP")),  # en dash, decimal with suffix
        ("<100", (0.0, 99.0, None)),  # the API reports "<100" as 0..99
        (">1M", (1_000_000.0, None, None)),
        ("1M+", (1_000_000.0, None, None)),
        ("1,000 - 4,999", (1000.0, 4999.0, None)),
        ("₹0", (0.0, 0.0, "INR")),
        ("250", (250.0, 250.0, None)),
    ],
)
def test_parse_range(text: str, expected: tuple[float | None, float | None, str | None]) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["lots", "", "100 - ", "1K-5X", "--"])
def test_parse_range_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_range(text)


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_parse_range_reads_plain_bounds(low: int, high: int) -> None:
    assert parse_range(f"{low} - {high}") == (float(low), float(high), None)


def test_asset_list_gives_accounts() -> None:
    posts, accounts, rejects = staged(AssetsIngester(), OWN / "assets.csv", platform="web")
    assert posts == [] and rejects == []
    by_id = {a["account_id"]: a for a in accounts}
    assert by_id["site-a.example"]["kind"] == "website"
    assert by_id[PAGE]["kind"] == "page"  # "Page" lower-cased
    assert by_id[PAGE]["followers"] == "5400"
    assert by_id["petition-123"]["platform"] == "change.org"
    assert by_id["orphan-1"]["platform"] == "web"  # empty cell -> --platform
    assert "notes" not in by_id[PAGE]  # non-canonical columns are dropped


def test_ad_library_api_columns() -> None:
    posts, accounts, rejects = staged(AdLibraryIngester(), OWN / "ads_api.csv")
    first, second = posts
    assert (first["post_id"], first["account_id"], first["kind"]) == ("800000000000001", PAGE, "ad")
    assert first["text"] == "Vote for change!\n\nNow."  # list of bodies joined
    assert (first["ad_spend_min"], first["ad_spend_max"], first["currency"]) == (100, 199, "EUR")
    assert (first["impressions_min"], first["impressions_max"]) == (1000, 4999)
    assert first["urls"] == ["https://site-a.example/ad?utm=1"]
    # The link's domain and the caption (upper-case in the source) name the same site.
    assert first["domains"] == ["site-a.example"]
    assert first["created_at"] == "2021-09-01T00:00:00+0000"
    assert second["text"] == "Plain body text"
    assert second["impressions_min"] is None
    # Line 4 (data row 3)'s lower bound "about 100" is not a number.
    assert [(r.source_row, r.field, r.raw) for r in rejects] == [
        (4, "spend_lower_bound", "about 100")
    ]
    assert accounts == [
        {
            "platform": "facebook",
            "account_id": PAGE,
            "kind": "page",
            "display_name": "Patriot Daily",
            "source_row": 3,
        }
    ]


def test_ad_library_range_strings() -> None:
    posts, _, rejects = staged(AdLibraryIngester(), OWN / "ads_ranges.csv")
    euro, dollar, rupee = posts
    assert (euro["ad_spend_min"], euro["ad_spend_max"], euro["currency"]) == (1000, 5000, "EUR")
    assert (euro["impressions_min"], euro["impressions_max"]) == (10_000, 50_000)
    assert euro["domains"] == ["site-b.example"]  # www. dropped
    # "$" is ambiguous: the Currency column says USD.
    assert (dollar["ad_spend_min"], dollar["ad_spend_max"], dollar["currency"]) == (100, 499, "USD")
    assert (dollar["impressions_min"], dollar["impressions_max"]) == (0, 999)
    assert (rupee["impressions_min"], rupee["impressions_max"]) == (1_000_000, None)
    # Line 5 "lots" is no range; line 6 says GBP but spends euros.
    assert [(r.source_row, r.field) for r in rejects] == [(5, "Spend"), (6, "Currency")]
    assert rejects[0].raw == "lots"


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("id,page_name,ad_delivery_start_time\n1,P,2021-01-01T00:00:00Z\n")
    with pytest.raises(IngestError) as info:
        list(AdLibraryIngester().read(path, IngestOptions()))
    assert info.value.field == "page_id"
    assert str(path) in str(info.value)
    assets = tmp_path / "assets.csv"
    assets.write_text("platform,account_id\nweb,a.example\n")
    with pytest.raises(IngestError) as info:
        list(AssetsIngester().read(assets, IngestOptions()))
    assert info.value.field == "kind"


@pytest.mark.parametrize(
    ("ingester", "name"),
    [
        (AssetsIngester, "assets.csv"),
        (AdLibraryIngester, "ads_api.csv"),
        (AdLibraryIngester, "ads_ranges.csv"),
    ],
)
def test_sniff_recognises_own_fixtures(ingester: type[Ingester], name: str) -> None:
    path = OWN / name
    assert ingester.sniff(path, head(path))
    other = AdLibraryIngester if ingester is AssetsIngester else AssetsIngester
    assert not other.sniff(path, head(path))


@pytest.mark.parametrize("ingester", [AssetsIngester, AdLibraryIngester])
@pytest.mark.parametrize("path", other_fixtures("assets"), ids=fixture_id)
def test_sniff_rejects_other_formats(ingester: type[Ingester], path: Path) -> None:
    assert not ingester.sniff(path, head(path))


def test_assets_sniff_leaves_canonical_posts_to_the_generic_reader(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("platform,post_id,account_id,kind,created_at\nx,1,a,original,2021-01-01\n")
    assert not AssetsIngester.sniff(path, path.read_bytes())


def test_end_to_end_assets_and_ads() -> None:
    with Workspace(":memory:") as ws:
        ws.ingest(OWN / "assets.csv", format="assets", platform="web")
        assert ws.count("accounts") == 4
        report = ws.ingest(OWN / "ads_api.csv")
        assert report.format == "ad_library"
        assert ws.count("posts") == 2
        assert report.rows_rejected == 1
        ad = ws.query("SELECT kind, ad_spend_max, currency, impressions_max FROM posts LIMIT 1")
        assert ad == [
            {"kind": "ad", "ad_spend_max": 199.0, "currency": "EUR", "impressions_max": 4999}
        ]
        # The page from the asset list and from the ads is one account.
        assert ws.count("accounts") == 4
