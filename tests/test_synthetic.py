"""The synthetic world: schema, determinism, referential integrity, ground truth, scaling."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cibwatch.cli.synth import command
from cibwatch.errors import ConfigError
from cibwatch.schema import ACCOUNT_FIELDS, POST_FIELDS, account_key
from cibwatch.synthetic.organic import BLOCK_ROWS, ORGANIC_ACCOUNT_BASE
from cibwatch.synthetic.world import WorldManifest, generate_world

SMALL = 10_000


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldManifest:
    return generate_world(tmp_path_factory.mktemp("world"), posts=SMALL, seed=3)


@pytest.fixture(scope="module")
def posts(world: WorldManifest) -> list[dict[str, Any]]:
    return pq.read_table(world.posts_path).to_pylist()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def accounts(world: WorldManifest) -> list[dict[str, Any]]:
    return pq.read_table(world.accounts_path).to_pylist()  # type: ignore[no-any-return]


def _keys(group: dict[str, Any]) -> set[str]:
    return {key for kinds in group["accounts"].values() for keys in kinds.values() for key in keys}


def test_columns_are_exactly_the_canonical_fields(world: WorldManifest) -> None:
    post_schema = pq.read_schema(world.posts_path)
    account_schema = pq.read_schema(world.accounts_path)
    assert post_schema.names == [name for name, _ in POST_FIELDS]
    assert account_schema.names == [name for name, _ in ACCOUNT_FIELDS]
    for schema in (post_schema, account_schema):
        created = schema.field("created_at").type
        assert pa.types.is_timestamp(created)
        assert created.tz == "UTC"
    assert post_schema.field("media_hashes").type == pa.list_(pa.string())


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    first = generate_world(tmp_path / "a", posts=3_000, seed=11)
    second = generate_world(tmp_path / "b", posts=3_000, seed=11)
    third = generate_world(tmp_path / "c", posts=3_000, seed=12)
    for name in ("posts.parquet", "accounts.parquet", "ground_truth.json"):
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes()
    assert first.posts_path.read_bytes() != third.posts_path.read_bytes()


def test_chunk_size_does_not_change_content(tmp_path: Path) -> None:
    posts = 3 * BLOCK_ROWS + 123  # several blocks, the last one partial
    one = generate_world(tmp_path / "one", posts=posts, chunk_blocks=1)
    many = generate_world(tmp_path / "many", posts=posts, chunk_blocks=2)
    assert (
        pq.ParquetFile(one.posts_path).num_row_groups
        > pq.ParquetFile(many.posts_path).num_row_groups
    )
    assert pq.read_table(one.posts_path).equals(pq.read_table(many.posts_path))
    assert pq.read_table(one.accounts_path).equals(pq.read_table(many.accounts_path))


def test_ids_unique_and_every_post_has_its_account(
    posts: list[dict[str, Any]], accounts: list[dict[str, Any]], world: WorldManifest
) -> None:
    post_keys = [(p["platform"], p["post_id"]) for p in posts]
    account_keys = {(a["platform"], a["account_id"]) for a in accounts}
    assert len(post_keys) == len(set(post_keys)) == world.posts
    assert len(account_keys) == len(accounts) == world.accounts
    assert {(p["platform"], p["account_id"]) for p in posts} <= account_keys
    by_id = {(p["platform"], p["post_id"]): p for p in posts}
    for post in posts:
        if post["shared_post_id"] is not None:
            original = by_id[post["platform"], post["shared_post_id"]]
            assert original["account_id"] == post["shared_account_id"]
            assert original["created_at"] < post["created_at"]


def test_values_are_well_formed(
    posts: list[dict[str, Any]], accounts: list[dict[str, Any]], world: WorldManifest
) -> None:
    start = world.start
    end = start + timedelta(days=world.days)
    assert all(start <= p["created_at"] < end for p in posts)
    assert {p["language"] for p in posts} >= {"en", "de", "ru", "zh", "es"}
    assert {p["platform"] for p in posts} == {"x", "facebook", "instagram", "telegram"}
    hashes = [a["profile_image_hash"] for a in accounts if a["profile_image_hash"]]
    assert all(len(h) == 16 and int(h, 16) >= 0 for h in hashes)
    assert {a["photo_gender"] for a in accounts} == {"male", "female", None}
    texts = {p["text"] for p in posts}
    assert "<script>alert(1)</script> look at this" in texts
    assert any(t and t.startswith("=HYPERLINK") for t in texts)
    domains = Counter(d for p in posts for d in p["domains"])
    assert domains["nytimes.com"] > domains["tagesschau.de"]  # Zipf-like popularity


def test_ground_truth_asset_counts_match_accounts_file(
    world: WorldManifest, accounts: list[dict[str, Any]]
) -> None:
    kind_of = {account_key(a["platform"], a["account_id"]): a["kind"] for a in accounts}
    truth = json.loads(world.ground_truth_path.read_text(encoding="utf-8"))
    assert truth["world"]["seed"] == 3
    assert truth["world"]["counts"]["posts"] == world.posts
    assert [g["id"] for g in truth["groups"]] == [g["id"] for g in world.groups]
    for group in truth["groups"]:
        recomputed: dict[str, Counter[str]] = {}
        for key in _keys(group):
            platform = key.split(":", 1)[0]
            recomputed.setdefault(platform, Counter())[kind_of[key]] += 1
        assert recomputed == {p: Counter(k) for p, k in group["asset_counts"].items()}
    op_b = world.group("op_b_doppelganger")["asset_counts"]
    assert op_b == {
        "facebook": {"account": 60, "group": 1, "page": 12},
        "instagram": {"account": 8},
        "telegram": {"channel": 3},
        "x": {"account": 10},
    }
    assert [g["innocent"] for g in world.groups] == [False, False, True, True, True]


def test_ad_spend_matches_posts_file(world: WorldManifest, posts: list[dict[str, Any]]) -> None:
    keys = _keys(world.group("op_b_doppelganger"))
    spend: dict[str, dict[str, float]] = {}
    for post in posts:
        if post["kind"] == "ad":
            assert account_key(post["platform"], post["account_id"]) in keys
            total = spend.setdefault(post["currency"], {"min": 0.0, "max": 0.0})
            total["min"] += post["ad_spend_min"]
            total["max"] += post["ad_spend_max"]
            assert post["impressions_min"] <= post["impressions_max"]
    assert set(spend) == {"USD", "EUR"}
    assert spend == world.group("op_b_doppelganger")["ad_spend"]


def test_spamouflage_keeps_utc8_office_hours_with_lunch_dip(
    world: WorldManifest, posts: list[dict[str, Any]]
) -> None:
    keys = _keys(world.group("op_a_spamouflage"))
    local = [
        p["created_at"].astimezone(UTC) + timedelta(hours=8)
        for p in posts
        if account_key(p["platform"], p["account_id"]) in keys
    ]
    assert len(local) > 800
    assert all(t.weekday() < 5 and 9 <= t.hour < 17 for t in local)
    per_account = Counter(account_key(p["platform"], p["account_id"]) for p in posts)
    assert min(per_account[key] for key in keys) >= 20
    hours = Counter(t.hour for t in local)
    assert hours[12] < 0.3 * min(hours[h] for h in (10, 11, 14, 15))


def test_operations_repeat_tight_coaction_and_innocents_do_not(
    world: WorldManifest, posts: list[dict[str, Any]]
) -> None:
    """Count, per pair of accounts, the distinct moments they shared one url within 30 s."""
    by_url: dict[str, list[tuple[datetime, str]]] = {}
    for post in posts:
        for url in post["urls"]:
            key = account_key(post["platform"], post["account_id"])
            by_url.setdefault(url, []).append((post["created_at"], key))
    pairs: Counter[tuple[str, str]] = Counter()
    for shares in by_url.values():
        shares.sort()
        for i, (t_a, a) in enumerate(shares):
            for t_b, b in shares[i + 1 :]:
                if (t_b - t_a).total_seconds() > 30:
                    break
                if a != b:
                    pairs[min(a, b), max(a, b)] += 1
    group_of = {key: g["id"] for g in world.groups for key in _keys(g)}
    repeated = Counter(
        group_of.get(a, "organic")
        for (a, b), n in pairs.items()
        if n >= 3 and group_of.get(a) == group_of.get(b)
    )
    assert repeated["op_a_spamouflage"] > 100
    assert repeated["op_b_doppelganger"] > 500
    for innocent in ("innocent_c1_breaking_news", "innocent_c2_fans", "innocent_c3_campaign"):
        assert repeated[innocent] == 0
    breaking = [
        n
        for (a, b), n in pairs.items()
        if group_of.get(a) == group_of.get(b) == "innocent_c1_breaking_news"
    ]
    assert len(breaking) > 1_000  # a big burst, but once


def test_doppelganger_domains_and_block_date(world: WorldManifest) -> None:
    domains = {d["domain"]: d for d in world.group("op_b_doppelganger")["domains"]}
    assert domains["spiegel.ltd"]["imitates"] == "spiegel.de"
    assert {d["technique"] for d in domains.values()} >= {
        "tld_swap",
        "typosquat",
        "combosquat",
        "generated",
    }
    generated = [d for d in domains.values() if d["technique"] == "generated"]
    assert any(d["first_day"] >= 14 for d in generated)
    assert any(d["first_day"] < 14 for d in generated)


def test_silent_assets_carry_profile_links_and_innocents_link_profiles_too(
    world: WorldManifest, posts: list[dict[str, Any]], accounts: list[dict[str, Any]]
) -> None:
    posting = {account_key(p["platform"], p["account_id"]) for p in posts}
    by_key = {account_key(a["platform"], a["account_id"]): a for a in accounts}
    by_handle = {(a["platform"], a["handle"]): a for a in accounts}

    def target(url: str) -> dict[str, Any]:
        host, handle = url.split("://", 1)[1].split("/", 1)
        platform = {"www.facebook.com": "facebook", "x.com": "x"}[host]
        return by_handle[platform, handle]

    op_b = world.group("op_b_doppelganger")
    silent = op_b["details"]["silent_assets"]
    assert silent and not posting.intersection(silent)
    assert set(silent) == set(_keys(op_b)) - posting
    op_b_facebook = set(op_b["accounts"]["facebook"]["account"])
    for key in op_b["accounts"]["instagram"]["account"]:
        linked = target(by_key[key]["url"])
        assert account_key("facebook", linked["account_id"]) in op_b_facebook
    # the same trace, innocent: a campaign's and volunteers' silent Instagram accounts ...
    campaign = world.group("innocent_c3_campaign")
    quiet = campaign["details"]["silent_linked_instagram"]
    assert len(quiet) == 11 and not posting.intersection(quiet)
    assert all(target(by_key[k]["url"])["platform"] == "x" for k in quiet)
    # ... and ordinary people's Instagram accounts linked to their own Facebook account,
    # one Instagram account per Facebook account
    organic = [a for a in accounts if a["url"] and int(a["account_id"]) >= ORGANIC_ACCOUNT_BASE]
    assert len(organic) > 25 and {a["platform"] for a in organic} == {"instagram"}
    targets = [target(a["url"]) for a in organic]
    assert all(t["platform"] == "facebook" for t in targets)
    assert len({t["account_id"] for t in targets}) == len(targets)
    names = [(a["display_name"], t["display_name"]) for a, t in zip(organic, targets, strict=True)]
    assert all(own == linked for own, linked in names)  # one person, two platforms


def test_scaling_keeps_planted_groups_fixed(tmp_path: Path, world: WorldManifest) -> None:
    bigger = generate_world(tmp_path / "big", posts=10 * SMALL, seed=3)
    assert bigger.planted_posts == world.planted_posts
    assert bigger.posts - world.posts > 9 * SMALL
    for small_group, big_group in zip(world.groups, bigger.groups, strict=True):
        assert small_group == big_group


def test_start_is_truncated_to_midnight_utc(tmp_path: Path) -> None:
    manifest = generate_world(tmp_path, posts=100, start=datetime(2024, 3, 4, 15, 30), days=7)
    assert manifest.start == datetime(2024, 3, 4, tzinfo=UTC)
    created = pq.read_table(manifest.posts_path, columns=["created_at"]).column(0).to_pylist()
    assert min(created) >= manifest.start
    assert max(created) < manifest.start + timedelta(days=7)


def test_bad_parameters_raise_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="days"):
        generate_world(tmp_path, posts=10, days=3)
    with pytest.raises(ConfigError, match="posts"):
        generate_world(tmp_path, posts=-1)


def test_cli_writes_world_and_reports(tmp_path: Path) -> None:
    runner = CliRunner()
    help_result = runner.invoke(command, ["--help"])
    assert help_result.exit_code == 0
    assert "--posts" in help_result.output
    result = runner.invoke(command, [str(tmp_path / "w"), "--posts", "2000", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Spamouflage-like" in result.output
    assert "posts.parquet" in result.output
    truth = json.loads((tmp_path / "w" / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["world"]["seed"] == 5
    assert truth["world"]["parameters"]["posts"] == 2000
