# ruff: noqa: RUF001  (Cyrillic letters and full-width punctuation are on purpose)
"""Near-duplicate text clusters: hand-built cases per script, properties, and the detector.

Each hand-built case says in a comment which texts must share a cluster and why.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cibwatch.detectors.coaction import CoActionDetector
from cibwatch.detectors.neardup import NearDuplicateTextDetector
from cibwatch.errors import ConfigError
from cibwatch.fingerprints.neardup import (
    _EMPTY,
    NUM_BINS,
    NearDupParams,
    _densify,
    cluster_signature_counts,
    cluster_text_batches,
    cluster_texts,
    distinct_signatures,
    label_components,
    normalize_texts,
    sign_chunk,
    signature_hashes,
)
from cibwatch.workspace import Workspace

T0 = datetime(2024, 3, 1, 12, 0, 0)


def _groups(labels: list[int]) -> set[frozenset[int]]:
    """The partition as sets of input positions (clusters only), independent of numbering."""
    out: dict[int, set[int]] = {}
    for position, label in enumerate(labels):
        if label >= 0:
            out.setdefault(label, set()).add(position)
    return {frozenset(members) for members in out.values()}


def test_normalisation_strips_leftovers_in_every_script() -> None:
    raw = pa.array(
        [
            "RT @Some_Handle: Привет, МИР!!! 🔥 https://t.co/xyz",
            "你好，世界。www.example.cn/path 你好",
            "Grüße   aus   BERLIN &amp; München via @bot",
            None,
        ]
    )
    assert normalize_texts(raw).to_pylist() == [
        "привет мир",
        "你好 世界 你好",
        "grüße aus berlin münchen",
        None,
    ]


def test_russian_copy_with_a_word_changed_clusters_and_unrelated_text_does_not() -> None:
    texts = [
        # 0 and 1: the same appeal, "срочно" changed to "немедленно" and punctuation dropped
        "Срочно! Жители города, выходите завтра на площадь, власти скрывают правду о выборах.",
        "Немедленно! Жители города выходите завтра на площадь власти скрывают правду о выборах",
        # 2: different message about the same city and the square: shares words, not text
        "Сегодня на площади города прошёл концерт, жители слушали музыку до позднего вечера.",
    ]
    assert cluster_texts(texts).tolist() == [0, 0, -1]


def test_chinese_copy_with_a_character_changed_clusters() -> None:
    texts = [
        # 0 and 1: one character changed (今天 -> 明天) and full-width punctuation varied
        "大家注意，今天下午三点在市中心广场集合，我们一起要求政府公开所有选举数据，请转发给朋友。",
        "大家注意!明天下午三点在市中心广场集合,我们一起要求政府公开所有选举数据,请转发给朋友",
        # 2: shares the phrase "请转发给朋友" (please forward to friends) but is another text
        "这家餐厅的面条非常好吃，价格也便宜，周末排队的人很多，推荐大家去试试，请转发给朋友。",
    ]
    assert cluster_texts(texts).tolist() == [0, 0, -1]


def test_german_copy_with_a_sentence_added_clusters() -> None:
    texts = [
        # 0 and 1: the copy adds a short closing sentence and an emoji
        "Die Regierung verschweigt die wahren Kosten der Energiewende für alle Familien im Land.",
        "Die Regierung verschweigt die wahren Kosten der Energiewende für alle Familien im Land. "
        "Teilt das! 😡",
        # 2: unrelated German text
        "Am Wochenende spielt der FC Köln zu Hause gegen Bremen, Karten gibt es noch online.",
    ]
    assert cluster_texts(texts).tolist() == [0, 0, -1]


def test_english_common_phrase_alone_does_not_link_unrelated_posts() -> None:
    texts = [
        # same closing phrase, different messages: none may cluster
        "Our bakery opens a second shop downtown next week. Click the link below to learn more!",
        "The county library now lends telescopes to members. Click the link below to learn more!",
        "New study on sleep and memory in teenagers published today. Click the link below to "
        "learn more!",
    ]
    assert cluster_texts(texts).tolist() == [-1, -1, -1]


def test_rt_leftover_emoji_and_url_do_not_prevent_a_cluster() -> None:
    # a Facebook page pasted a tweet with its "RT @handle:" prefix, an emoji and a short link
    texts = [
        "The mainstream media is hiding the real numbers from the border this month.",
        "RT @patriot_news_24: The mainstream media is hiding the real numbers from the border "
        "this month 🇺🇸🇺🇸 https://bit.ly/3xYz",
    ]
    assert cluster_texts(texts).tolist() == [0, 0]


def test_short_and_missing_texts_are_skipped() -> None:
    # "lol!!!" three times is identical but far below min_chars: no cluster links strangers
    assert cluster_texts(["lol!!!", "lol!!!", None, "lol!!!"]).tolist() == [-1, -1, -1, -1]
    assert cluster_texts([]).tolist() == []


def test_identical_texts_in_a_large_bucket_form_one_cluster() -> None:
    text = "Share this everywhere before they delete it: the vote count was changed overnight"
    labels = cluster_texts([text] * 500 + ["Something entirely different about cooking pasta"])
    assert set(labels[:500].tolist()) == {0} and labels[500] == -1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"shingle": 1}, "shingle"),
        ({"min_chars": 3}, "min_chars"),
        ({"seed": -1}, "seed"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_invalid_parameters_raise_config_error(params: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cluster_texts(["some text that is long enough to be compared"], **params)  # type: ignore[arg-type]


LETTERS = "abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщэюяäöüß中文字国人大"


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(alphabet=LETTERS + "  ", min_size=300, max_size=500),
    where=st.integers(min_value=0),
    replacement=st.sampled_from(LETTERS),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_one_changed_character_in_a_long_text_always_clusters(
    text: str, where: int, replacement: str, seed: int
) -> None:
    # "long" means at least 200 distinct 5-character shingles after normalisation (a text of
    # one repeated letter is long but has one shingle); one changed character alters at most
    # 5 of them, so the true Jaccard stays >= 195/205 = 0.95, far above 0.7
    norm = normalize_texts(pa.array([text])).to_pylist()[0]
    assume(len({norm[i : i + 5] for i in range(len(norm) - 4)}) >= 200)
    letters = [i for i, c in enumerate(text) if c != " "]
    i = letters[where % len(letters)]
    changed = text[:i] + (replacement if replacement != text[i] else "x") + text[i + 1 :]
    labels = cluster_texts([text, changed], seed=seed).tolist()
    assert labels == [0, 0]


_BASES = [
    "Срочно! Жители города, выходите завтра на площадь, власти скрывают правду о выборах.",
    "大家注意，今天下午三点在市中心广场集合，我们一起要求政府公开所有选举数据，"
    "不要相信电视台的谎言，请把这条消息转发给你所有的朋友和家人。",
    "Die Regierung verschweigt die wahren Kosten der Energiewende für alle Familien im Land.",
    "The mainstream media is hiding the real numbers from the border this month, share it.",
]
# each base with leftovers, two letters changed, a word inserted, its start cut off
_CORPUS = [
    variant
    for base in _BASES
    for variant in (
        base,
        "RT @someone: " + base + " 🔥",
        base.replace("а", "о", 2).replace("e", "a", 2).replace("的", "了"),
        base[: len(base) // 2] + " jetzt " + base[len(base) // 2 :],
        base[5:] + " https://t.co/abc",
    )
] + [
    "Am Wochenende spielt der FC Köln zu Hause gegen Bremen, Karten gibt es noch online.",
    "这家餐厅的面条非常好吃，价格也便宜，周末排队的人很多，推荐大家去试试，请转发给朋友。",
    "Our bakery opens a second shop downtown next week. Click the link below to learn more!",
]
# borderline copies: a 31-character sentence pasted into the middle brings the Jaccard
# near 0.7, where only some copies link; the order must not decide which
_BORDERLINE = _CORPUS + [
    base[: len(base) // 2] + " Teilt das jetzt bitte überall! " + base[len(base) // 2 :]
    for base in _BASES
]


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(list(range(len(_BORDERLINE)))))
def test_input_order_does_not_change_the_clusters(order: list[int]) -> None:
    expected = _groups(cluster_texts(_BORDERLINE).tolist())
    shuffled = cluster_texts([_BORDERLINE[i] for i in order]).tolist()
    # map positions in the shuffled input back to corpus positions before comparing
    assert {frozenset(order[p] for p in g) for g in _groups(shuffled)} == expected


def test_chunks_and_workers_do_not_change_the_labels() -> None:
    # chunks of 3 texts on 3 threads must give exactly the labels of one chunk on one thread
    one = cluster_texts(_BORDERLINE, workers=1).tolist()
    assert cluster_texts(_BORDERLINE, chunk_size=3, workers=3).tolist() == one
    assert cluster_texts(pa.chunked_array([_BORDERLINE[:7], _BORDERLINE[7:]])).tolist() == one


def test_corpus_clusters_by_base_text() -> None:
    # the five variants of each base form one cluster; the three unrelated texts none
    groups = _groups(cluster_texts(_CORPUS).tolist())
    assert groups == {frozenset(range(5 * b, 5 * b + 5)) for b in range(len(_BASES))}


def test_streamed_batches_give_the_labels_of_one_call() -> None:
    # batches of uneven sizes, an empty one and a chunked one: the same labels as one call
    one = cluster_texts(_BORDERLINE).tolist()
    batches = [
        pa.array(_BORDERLINE[:2]),
        pa.array([], pa.string()),
        pa.chunked_array([_BORDERLINE[2:9], _BORDERLINE[9:15]]),
        pa.array(_BORDERLINE[15:]),
    ]
    assert cluster_text_batches(iter(batches), NearDupParams()).tolist() == one


def test_components_are_numbered_by_first_row() -> None:
    # {0, 4} (first row 0) gets label 0; 1-5 and 1-3 chain into {1, 3, 5} (first row 1),
    # label 1; rows 2 and 6 are linked to nothing.
    linked = np.array([[1, 5], [1, 3], [0, 4]], dtype=np.int64)
    assert label_components(7, linked).tolist() == [0, 1, -1, 1, 0, 1, -1]
    assert label_components(3, np.zeros((0, 2), dtype=np.int64)).tolist() == [-1, -1, -1]


def test_linked_rows_get_the_labels_cluster_texts_gives() -> None:
    # Another engine (Spark) finds the links elsewhere and numbers them with
    # label_components: linking each text to the first text of its cluster must give back
    # exactly cluster_texts' labels, numbering included.
    labels = cluster_texts(_BORDERLINE)
    clustered = np.flatnonzero(labels >= 0)
    first = {int(label): int(row) for row, label in reversed(list(enumerate(labels))) if label >= 0}
    linked = np.array([[first[int(labels[r])], r] for r in clustered], dtype=np.int64)
    assert label_components(labels.size, linked).tolist() == labels.tolist()


def test_copies_cluster_as_when_each_is_hashed_alone() -> None:
    # copies are hashed once; posting a text three times, in between other texts, must give
    # every copy the label of the first and leave the rest of the partition as it was
    texts = _BORDERLINE + _BORDERLINE[:4] + [_BORDERLINE[-1]] * 2 + ["lone text " * 5] * 2
    labels = cluster_texts(texts, chunk_size=5).tolist()
    n = len(_BORDERLINE)
    assert labels[:n] == cluster_texts(_BORDERLINE).tolist()
    assert labels[n : n + 4] == labels[:4] and labels[n + 4] == labels[n + 5] == labels[-3]
    # a text alone but posted twice is a cluster of its two posts
    assert labels[-1] == labels[-2] >= 0 and labels.count(labels[-1]) == 2


def _family_signatures(seed: int, n: int) -> npt.NDArray[np.uint16]:
    """n distinct signatures in three families: each a base with 0-40 of 64 bins redrawn,
    so that pairs fall on both sides of the threshold and buckets mix families."""
    rng = np.random.default_rng(seed)
    bases = rng.integers(0, 2**16, size=(3, NUM_BINS))
    sig = bases[rng.integers(0, 3, n)]
    for row in sig:
        redrawn = rng.choice(NUM_BINS, size=int(rng.integers(0, 41)), replace=False)
        row[redrawn] = rng.integers(0, 2**16, redrawn.size)
    return np.unique(sig.astype(np.uint16), axis=0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(2, 40), threshold=st.sampled_from([0.5, 0.7]))
def test_counted_signatures_cluster_like_their_expanded_copies(
    seed: int, n: int, threshold: float
) -> None:
    # clustering each distinct signature once with its number of copies must partition the
    # copies exactly as clustering every copy as its own row does (the former meaning)
    sig = _family_signatures(seed, n)
    draws = np.random.default_rng(seed + 1).integers(1, 4, size=sig.shape[0])
    copies: npt.NDArray[np.int64] = np.asarray(draws, dtype=np.int64)
    counted = np.repeat(cluster_signature_counts(sig, copies, threshold), copies)
    expanded = np.repeat(sig, copies, axis=0)
    alone = cluster_signature_counts(expanded, np.ones(len(expanded), np.int64), threshold)
    assert _groups(counted.tolist()) == _groups(alone.tolist())


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), rows=st.integers(1, 30), empty_share=st.floats(0.0, 0.99))
def test_densification_borrows_from_the_next_filled_bin_plus_distance(
    seed: int, rows: int, empty_share: float
) -> None:
    # the definition, bin by bin: an empty bin takes the value of the first filled bin to its
    # right (wrapping around) plus 0x9E37 per bin of distance, kept to 16 bits
    rng = np.random.default_rng(seed)
    sig = rng.integers(0, 2**16, size=(rows, NUM_BINS)).astype(np.uint64)
    empty = rng.random((rows, NUM_BINS)) < empty_share
    empty[np.arange(rows), rng.integers(0, NUM_BINS, rows)] = False  # a text has a shingle
    sig[empty] = _EMPTY
    expected = sig.copy()
    for r in range(rows):
        for b in np.flatnonzero(empty[r]):
            d = next(d for d in range(1, NUM_BINS) if not empty[r, (b + d) % NUM_BINS])
            expected[r, b] = (int(sig[r, (b + d) % NUM_BINS]) + d * 0x9E37) & 0xFFFF
    # the function works bin-major (bins x texts), as minhash_signatures builds them
    assert np.array_equal(_densify(sig.T.astype(np.uint32)).T, expected)


def _outranked_everywhere(seed: int) -> npt.NDArray[np.uint16]:
    """Row 0 (X) and one row per LSH band that shares X's key in that band only (about
    4 of 64 bins in common, far below any threshold) and has a smaller whole-signature
    hash, so it, not X, leads every bucket X is in."""
    rng = np.random.default_rng(seed)
    while True:
        x = rng.integers(0, 2**16, NUM_BINS).astype(np.uint16)
        if signature_hashes(x[None, :])[0] > 2**63:  # room for smaller hashes below it
            break
    rows = [x]
    for band in range(NUM_BINS // 4):
        while True:
            other = rng.integers(0, 2**16, NUM_BINS).astype(np.uint16)
            other[4 * band : 4 * band + 4] = x[4 * band : 4 * band + 4]
            if signature_hashes(other[None, :])[0] < signature_hashes(x[None, :])[0]:
                break
        rows.append(other)
    return np.stack(rows)


def test_copies_that_never_lead_a_bucket_stay_unlinked() -> None:
    # banded one by one, X's two copies are each paired only with the 16 leaders, never
    # with each other, and every leader is too far from X: no cluster, with copies counted
    # or expanded. Whoever leads instead of X, X's copies link: a cluster of exactly two.
    sig = _outranked_everywhere(5)
    copies = np.ones(len(sig), np.int64)
    copies[0] = 2
    assert cluster_signature_counts(sig, copies, 0.7).tolist() == [-1] * len(sig)
    expanded = np.repeat(sig, copies, axis=0)
    alone = cluster_signature_counts(expanded, np.ones(len(expanded), np.int64), 0.7)
    assert alone.tolist() == [-1] * len(expanded)
    # without the band sharers X leads every bucket: its two copies form a cluster
    assert cluster_signature_counts(sig[:1], copies[:1], 0.7).tolist() == [0]


def test_distinct_signatures_stay_exact_when_hashes_collide() -> None:
    # every hash equal (a forced collision): rows must still be grouped by their bytes
    unique = _family_signatures(3, 30)
    sig = np.concatenate([unique, unique[::2]])  # the first rows again, as later copies
    expected = distinct_signatures(sig, signature_hashes(sig))
    collided = distinct_signatures(sig, np.zeros(len(sig), np.uint64))
    assert all(np.array_equal(a, b) for a, b in zip(expected, collided, strict=True))
    leaders, group = expected
    assert leaders.tolist() == list(range(len(unique)))  # each group's first row leads it
    assert np.array_equal(sig[leaders][group], sig)


# -- detector ----------------------------------------------------------------------------

MESSAGES = [
    "The vote count in Maricopa was changed overnight, the officials are lying to all of us",
    "Вакцина опасна для детей, врачи молчат об этом, потому что им платят большие деньги",
    "Die Flüchtlinge bekommen mehr Geld als unsere Rentner, das ist die bittere Wahrheit",
    "Ukraine's army is shelling its own cities and blaming Russia, the western press knows",
    "疫苗里有芯片，政府用它来监视所有人，这是他们不想让你知道的秘密，赶快告诉你的家人吧",
    "Gas prices doubled because of the green agenda, working families pay for their dreams",
]


# bystanders write in their own words: 12 words drawn from a small vocabulary, a new
# draw for every post, so no two of their posts are near-duplicates
VOCABULARY = [
    *("garden", "fence", "plumber", "north", "weather", "children", "lake", "pool"),
    *("district", "dinner", "mother", "team", "coach", "bakery", "croissant", "street"),
    *("market", "bicycle", "rain", "holiday", "school", "teacher", "concert", "river"),
    *("bridge", "neighbour", "dog", "cat", "kitchen", "window", "summer", "winter"),
    *("train", "station", "library", "museum", "football"),
]


def _own_words(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(12))


def _insert_posts(ws: Workspace, rows: list[tuple[str, str, str, datetime, str, str]]) -> None:
    ws.connection.executemany(
        "INSERT INTO posts (platform, post_id, account_id, created_at, text, kind) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def _operation_workspace() -> Workspace:
    """Two operators post edited copies of six messages within 4 s of each other, on two
    platforms; the second always adds a leftover ("RT @...:" or an emoji) and changes a
    word, so exact-text matching never links them. Bystanders post their own texts, and a
    few copy a message hours later (a real audience does that)."""
    ws = Workspace(":memory:")
    rows = []
    for k, message in enumerate(MESSAGES):
        at = T0 + timedelta(hours=6 * k)
        edited = "RT @op_one: " + message.replace(" the ", " THE ", 1) + " 🔥"
        rows.append(("x", f"op1-{k}", "op1", at, message, "original"))
        rows.append(("facebook", f"op2-{k}", "op2", at + timedelta(seconds=4), edited, "original"))
        rows.append(("x", f"share-{k}", "fan", at + timedelta(seconds=1), message, "share"))
        for j in range(12):
            rows.append(
                (
                    "x",
                    f"by{j}-{k}",
                    f"by{j}",
                    at + timedelta(hours=1 + j % 5, minutes=11 * j),
                    message if j < 3 else _own_words(100 * j + k),
                    "original",
                )
            )
    _insert_posts(ws, rows)
    return ws


def test_detector_writes_text_cluster_actions_that_survive_derive_actions() -> None:
    ws = _operation_workspace()
    result = ws.run_detector(NearDuplicateTextDetector())
    # six clusters: op1, op2 and bystanders 0-2 per message (shares are not read)
    assert result.summary == {
        "clusters": 6,
        "clustered_posts": 30,
        "multi_account_clusters": 6,
        "text_cluster_actions": 30,
    }
    before = ws.query(
        "SELECT * FROM actions WHERE object_type = 'text_cluster' ORDER BY platform, post_id"
    )
    assert len(before) == 30
    assert not any(r["post_id"].startswith("share") for r in before)
    assert {r["account"] for r in before} == {"x:op1", "facebook:op2", "x:by0", "x:by1", "x:by2"}
    ws.derive_actions()
    after = ws.query(
        "SELECT * FROM actions WHERE object_type = 'text_cluster' ORDER BY platform, post_id"
    )
    assert after == before
    # a cluster id is 'tc-' + md5 of its smallest post key: here facebook:op2-k
    ids = ws.query(
        "SELECT DISTINCT object_id, 'tc-' || substr(md5(min(platform || ':' || post_id) "
        "OVER (PARTITION BY object_id)), 1, 12) AS expected FROM actions "
        "WHERE object_type = 'text_cluster'"
    )
    assert len(ids) == 6 and all(r["object_id"] == r["expected"] for r in ids)


def test_detector_evidence_is_descriptive_bounded_and_replaced_on_rerun() -> None:
    ws = _operation_workspace()
    ws.run_detector(NearDuplicateTextDetector(max_accounts_per_cluster=3))
    second = ws.run_detector(NearDuplicateTextDetector(max_accounts_per_cluster=3))
    # rerunning replaces the text_cluster actions instead of adding a second copy
    assert ws.count("actions") == 30
    rows = ws.query("SELECT * FROM evidence WHERE run_id = ?", [second.run_id])
    assert len(rows) == second.evidence_rows == 6 * 3  # 5 accounts per cluster, capped at 3
    assert all(r["subject_kind"] == "account" and not r["significant"] for r in rows)
    assert all(r["p_value"] is None and len(r["proof"]) <= 20 for r in rows)
    first = next(r for r in rows if r["subject_a"] == "facebook:op2" and "Maricopa" in str(r))
    assert first["explanation"].startswith(
        "facebook:op2 posted text near-identical (estimated Jaccard >= 0.7) to posts of "
        "4 other accounts (cluster tc-"
    )
    assert "5 posts on 2 platforms, 1 of them by this account" in first["explanation"]
    assert first["proof"][0] == "facebook:op2-0"
    details = json.loads(first["details"])
    assert details["n_accounts"] == 5 and details["accounts_without_row"] == 2


def test_detector_streams_in_batches_without_changing_its_output() -> None:
    # posts read 7 at a time, on one thread: every post keeps its own row id across
    # batches, so actions and evidence are those of one batch of all posts
    def output(detector: NearDuplicateTextDetector) -> tuple[list[Any], list[Any]]:
        ws = _operation_workspace()
        ws.run_detector(detector)
        actions = ws.query("SELECT * FROM actions ORDER BY platform, post_id")
        evidence = ws.query(
            "SELECT * EXCLUDE (run_id) FROM evidence ORDER BY subject_a, explanation"
        )
        return actions, evidence

    whole = output(NearDuplicateTextDetector())
    assert len(whole[0]) == 30 and len(whole[1]) == 30
    assert output(NearDuplicateTextDetector(chunk_size=7, workers=1)) == whole


def test_detector_rejects_bad_parameters_before_touching_the_workspace() -> None:
    ws = _operation_workspace()
    with pytest.raises(ConfigError, match="max_accounts_per_cluster"):
        ws.run_detector(NearDuplicateTextDetector(max_accounts_per_cluster=0))
    with pytest.raises(ConfigError, match="threshold"):
        ws.run_detector(NearDuplicateTextDetector(threshold=2))
    assert ws.count("actions") == 0 and ws.count("evidence") == 0


def test_detector_on_an_empty_workspace() -> None:
    with Workspace(":memory:") as ws:
        result = ws.run_detector(NearDuplicateTextDetector())
        assert result.evidence_rows == 0 and result.summary["clusters"] == 0


def test_coaction_links_the_two_operators_through_text_clusters() -> None:
    ws = _operation_workspace()
    ws.run_detector(NearDuplicateTextDetector())
    ws.derive_actions()
    ws.run_detector(CoActionDetector(window=30, object_types=["text_cluster"]))
    found = ws.query(
        "SELECT subject_a, subject_b, strength FROM evidence "
        "WHERE detector = 'coaction' AND significant"
    )
    # op1 and op2 posted copies of the same six messages 4 s apart; bystanders hours later
    assert [(r["subject_a"], r["subject_b"]) for r in found] == [("facebook:op2", "x:op1")]
    assert found[0]["strength"] == 6


def test_a_chunk_signs_each_distinct_normalised_text_once() -> None:
    params = NearDupParams()
    texts = pa.array(
        [
            "Vote early and vote often, the election is rigged!!",  # 0
            None,  # no text: not comparable
            "too short",  # under min_chars: not comparable
            "VOTE early   and vote often -- the election is rigged",  # 0 once normalised
            "A completely different message about the weather today",  # 1
        ],
        pa.string(),
    )
    part = sign_chunk(texts, params)
    assert part.rows.tolist() == [0, 3, 4]
    # rows 0 and 3 differ only in case, spacing and punctuation: one text, one signature
    assert part.text_of_row.tolist() == [0, 0, 1]
    assert part.sig.shape == (2, NUM_BINS)
    assert not np.array_equal(part.sig[0], part.sig[1])
