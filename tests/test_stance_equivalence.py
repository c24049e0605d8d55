"""Post stance read in bulk equals the plain per-post loop of tests/stance_reference.py.

``post_stances`` reads in Python only the posts whose words, hashtags, links or shared account
can carry evidence, once per distinct post, and does the rest in SQL. Every row it gives
(sides, scores, evidence labels, camp labels, inherited shares) must be exactly the row the
reference loop gives on: the synthetic world, hand-made tricky posts, and generated posts mixing
lexicon terms with negators, mockery, quotes, retweets, links and Unicode that changes case or
composition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibwatch import Workspace
from cibwatch.fingerprints.lexicons import Lexicon
from cibwatch.fingerprints.stance import load_lexicon, network_sides, post_stances
from realdata_rule import SharedData
from stance_reference import reference_stances

LEXICON = load_lexicon()


def _rows(ws: Workspace) -> list[tuple[Any, ...]]:
    rows = ws.connection.execute(
        "SELECT platform, post_id, account, created_at, issue, side, score, opposing_score, "
        "inherited, shared, evidence, from_account FROM _stance_posts"
    ).fetchall()
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[4], r[5], r[11], r[8]))


def _same(ws: Workspace, lexicon: Lexicon = LEXICON) -> int:
    """Compare both ways of reading, with and without the account camp; rows compared."""
    n = 0
    for camp in (True, False):
        post_stances(ws, lexicon, account_camp=camp)
        got = _rows(ws)
        assert got == reference_stances(ws, lexicon, account_camp=camp)
        n += len(got)
    return n


def _insert(ws: Workspace, posts: list[dict[str, Any]], handles: dict[str, str]) -> None:
    """posts: dicts with id, account, text and optional kind, hashtags, domains, shared_*."""
    ws.connection.executemany(
        "INSERT INTO accounts (platform, account_id, handle) VALUES ('x', ?, ?)",
        [[k, v] for k, v in handles.items()],
    )
    ws.connection.executemany(
        "INSERT INTO posts (platform, post_id, account_id, created_at, text, kind, "
        "shared_post_id, shared_account_id, hashtags, domains) "
        "VALUES ('x', ?, ?, TIMESTAMP '2024-05-01' + to_minutes(CAST(? AS BIGINT)), "
        "?, ?, ?, ?, ?, ?)",
        [
            [
                p["id"],
                p["account"],
                i % 7,  # equal times: the order of proof posts falls back on the post id
                p.get("text"),
                p.get("kind", "original"),
                p.get("shared_post"),
                p.get("shared_account"),
                p.get("hashtags", []),
                p.get("domains", []),
            ]
            for i, p in enumerate(posts)
        ],
    )


# Each post below is tricky for one reason, said beside it; several accounts so that camps
# form (a share counts double; 6 summed marker weight makes a camp).
TRICKY: list[dict[str, Any]] = [
    {"id": "1", "account": "a", "text": "I am not pro-choice #MAGA", "hashtags": ["MAGA"]},
    {"id": "2", "account": "a", "text": "Hannity Slams Shameless Dems Using Vegas Shooting"},
    {"id": "3", "account": "a", "text": 'The "pro-life" crowd', "domains": ["www.Breitbart.com"]},
    {"id": "4", "account": "a", "text": "RT @realDonaldTrump: Build the wall! #2a #2A"},
    {"id": "5", "account": "a", "text": None, "kind": "share", "shared_post": "9"},
    {"id": "6", "account": "a", "text": "immigration again", "hashtags": ["#tcot", "tcot"]},
    {"id": "7", "account": "a", "text": "guns guns guns", "domains": ["news.foxnews.com"]},
    {"id": "8", "account": "b", "text": "\u201cgun control\u201d", "kind": "share"},
    {"id": "9", "account": "b", "text": "My body, my choice. Stop the gun grabbers"},
    {"id": "10", "account": "b", "text": None, "kind": "share", "shared_account": "u9"},
    {"id": "11", "account": "b", "text": "PRO-L\u0130FE and GUN CONTROL\u212a now"},
    {"id": "12", "account": "b", "text": "Wahlfa\u0308lschung! #Wahlf\u00c4lschung"},
    {"id": "13", "account": "b", "text": "gun controlhttps://t.co/x and abortion"},
    {"id": "14", "account": "c", "text": "Stop calling them 'illegals' please", "kind": "reply"},
    {"id": "15", "account": "c", "text": "#prolife and #prochoice folks should talk"},
    {"id": "16", "account": "c", "text": "RT @nobody: abortion is murder", "kind": "share"},
    {"id": "17", "account": "c", "text": "x", "kind": "share", "shared_post": "1"},
    {"id": "18", "account": "c", "text": None, "kind": "share", "shared_post": "missing"},
    {"id": "19", "account": "c", "text": "so-called pro-life, gun control doesn't work"},
    {"id": "20", "account": "c", "text": "#BuildTheWall", "domains": ["BREITBART.COM."]},
]
HANDLES = {"u9": "SeanHannity", "u1": "GOP"}


def test_tricky_posts_read_in_bulk_as_one_by_one() -> None:
    with Workspace() as ws:
        _insert(ws, TRICKY, HANDLES)
        assert _same(ws) > 15  # the set does take sides


def test_members_posts_and_the_posts_they_share_read_in_bulk_as_one_by_one() -> None:
    with Workspace() as ws:
        _insert(ws, TRICKY, HANDLES)
        network_sides(ws, ["x:a", "x:c"], LEXICON)
        got = _rows(ws)
        assert got == reference_stances(ws, LEXICON, ["x:a", "x:c"])
        # members' posts, and the post of x:b they share (read for the share to inherit)
        assert {r[2] for r in got} == {"x:a", "x:b", "x:c"}
        assert {r[1] for r in got if r[2] == "x:b"} == {"9"}


def test_synthetic_world_read_in_bulk_as_one_by_one(tmp_path: Path) -> None:
    world = pytest.importorskip("cibwatch.synthetic.world", reason="no synthetic world module")
    manifest = world.generate_world(tmp_path / "world", posts=5000, seed=7)
    with Workspace() as ws:
        ws.ingest(manifest.posts_path)
        ws.ingest(manifest.accounts_path)
        assert _same(ws) > 500
        (group,) = [g for g in manifest.groups if g["id"] == "op_a_spamouflage"]
        members = [
            k for kinds in group["accounts"].values() for keys in kinds.values() for k in keys
        ]
        network_sides(ws, members, LEXICON)
        assert _rows(ws) == reference_stances(ws, LEXICON, members)


def _vocabulary(lexicon: Lexicon) -> list[str]:
    reader = lexicon.reader()
    words = sorted({w for phrase in reader.phrases for w in phrase})
    tags = sorted("#" + t for t in reader.hashtags)
    markers = sorted(k for kind, k in reader.markers if kind in ("phrase", "hashtag"))
    return words + tags + markers


_WORDS = _vocabulary(LEXICON)
_NOISE = [
    "not", "no", "never", "don't", "so-called", "shill", "agenda", "hoax", "slams", "the",
    "\u201c", "\u201d", '"', "'", "\u00ab", "\u00bb", ".", "!", ";", "\n", ",", "-", "RT",
    "@SeanHannity:", "RT @GOP:", "https://breitbart.com/x", "www.foxnews.com", "#", "##2a",
    "\u0130", "\u212a", "\u0301", "a\u0308", "\u00c4", "\u00df", "x", "\u2026", "|", "@", "_",
]  # fmt: skip
_TOKEN = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(_WORDS).map(str.upper),
    st.sampled_from(_WORDS).map(str.title),
    st.sampled_from(_NOISE),
)
_TEXT = st.lists(_TOKEN, max_size=12).flatmap(
    lambda words: st.lists(
        st.sampled_from(["", " ", " ", "-", "\u00a0"]), min_size=len(words), max_size=len(words)
    ).map(lambda seps: "".join(w + s for w, s in zip(words, seps, strict=True)))
)
_TAG = st.one_of(
    st.sampled_from(sorted(LEXICON.reader().hashtags)),
    st.sampled_from(sorted(k for kind, k in LEXICON.reader().markers if kind == "hashtag")),
    st.sampled_from(["#MAGA", "Tcot", "\u0130ran", "wahlf\u00e4lschung", "x"]),
)
_DOMAIN = st.one_of(
    st.sampled_from(sorted(LEXICON.reader().domains)),
    st.sampled_from(sorted(k for kind, k in LEXICON.reader().markers if kind == "domain")),
    st.sampled_from(["www.breitbart.com", "NEWS.FOXNEWS.COM", "cnn.com", "x.breitbart.com.evil"]),
)
_HANDLE = st.sampled_from(["u9", "u1", "realDonaldTrump", "nobody", "@GOP", None])
_POST = st.fixed_dictionaries(
    {
        "account": st.sampled_from(["a", "b", "c"]),
        "text": st.one_of(st.none(), _TEXT),
        "kind": st.sampled_from(["original", "share", "reply", "quote", None]),
        "hashtags": st.lists(_TAG, max_size=3),
        "domains": st.lists(_DOMAIN, max_size=2),
        "shared_account": _HANDLE,
        "shared_post": st.sampled_from([None, "p0", "p1", "p2", "p3"]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_POST, min_size=1, max_size=12))
def test_generated_posts_read_in_bulk_as_one_by_one(posts: list[dict[str, Any]]) -> None:
    for i, post in enumerate(posts):
        post["id"] = f"p{i}"
    with Workspace() as ws:
        _insert(ws, posts, HANDLES)
        _same(ws)


def test_ira_tweets_read_in_bulk_as_one_by_one(shared_data: SharedData, tmp_path: Path) -> None:
    """Real text: the tweets of a 64th of the IRA authors (md5 of the handle = 5 modulo 64),
    every category and language, retweets, links, emoji and all."""
    tweets = shared_data("ira", "tweets.csv.gz")
    source = tmp_path / "tweets.csv"
    duckdb.execute(
        f"COPY (SELECT * FROM read_csv($tweets, all_varchar = true) "
        f"WHERE md5_number(author_id) % 64 = 5) TO '{source}' (HEADER)",
        {"tweets": str(tweets)},
    )
    with Workspace() as ws:
        assert ws.ingest(source).rows_stored > 5000
        assert _same(ws) > 100
