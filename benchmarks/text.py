"""Speed, memory and accuracy of near-duplicate text clustering on planted copy-paste.

Generates ``--posts`` synthetic posts in four scripts (English, German, Russian, Chinese):
most are unrelated texts drawn from a Zipf-distributed vocabulary, ``--planted`` of them
(default 20%) belong to copy-paste families of 2 to 60 posts. Each copy of a family's base
text gets one edit (a word replaced, a word deleted or a short sentence appended; a second
edit with probability 0.25) and leftovers that must not matter (a leading ``RT @handle:``,
an emoji, a URL). Then times :func:`cibwatch.fingerprints.neardup.cluster_texts` alone and
prints posts per second, the process's peak memory (``ru_maxrss``, generated data included),
and pairwise precision and recall against the planted families.

    python benchmarks/text.py [--posts 10000000] [--planted 0.2] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cibwatch.fingerprints.neardup import cluster_texts, normalize_texts

_Rng = np.random.Generator
_Words = npt.NDArray[np.str_]

ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "de": "abcdefghijklmnopqrstuvwxyzäöüß",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "zh": "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000)),
}
EMOJI = ["🔥", "👍", "🇺🇸", "😡", "‼️", "🙏"]
VOCAB = 20_000
GEN_CHUNK = 200_000


def vocabulary(script: str, rng: _Rng) -> _Words:
    """VOCAB pseudo-words of the script (1-3 characters for Chinese, 2-10 otherwise)."""
    letters = np.array(list(ALPHABETS[script]))
    short, long_ = (1, 4) if script == "zh" else (2, 11)
    lengths = rng.integers(short, long_, VOCAB)
    picks = rng.choice(letters, size=(VOCAB, long_ - 1))
    return np.array(["".join(row[:n]) for row, n in zip(picks, lengths, strict=True)])


_ZIPF_CDF = np.cumsum(1.0 / np.arange(1, VOCAB + 1))
_ZIPF_CDF /= _ZIPF_CDF[-1]


def zipf_words(rng: _Rng, n: int) -> npt.NDArray[np.int64]:
    """Word ranks with Zipf's law (frequency ~ 1/rank; the commonest word is 9.5% of words)."""
    return np.minimum(np.searchsorted(_ZIPF_CDF, rng.random(n)), VOCAB - 1).astype(np.int64)


def join(words: _Words, script: str) -> str:
    return ("" if script == "zh" else " ").join(words.tolist())


def sentence(vocab: _Words, script: str, rng: _Rng, low: int, high: int) -> str:
    n = int(rng.integers(low, high)) * (3 if script == "zh" else 1)
    return join(vocab[zipf_words(rng, n)], script)


def edited_copy(base: _Words, vocab: _Words, script: str, rng: _Rng) -> str:
    """One or two small edits and some leftovers that normalisation removes."""
    words = base.copy()
    tail = ""
    for _ in range(1 + int(rng.random() < 0.25)):
        edit = rng.integers(3)
        where = int(rng.integers(len(words)))
        if edit == 0:
            words[where] = vocab[int(rng.integers(VOCAB))]
        elif edit == 1:
            words = np.delete(words, where)
        else:
            tail = " " + sentence(vocab, script, rng, 3, 5)
    text = join(words, script) + tail
    if rng.random() < 0.3:
        text = f"RT @user{int(rng.integers(10**6))}: {text}"
    if rng.random() < 0.3:
        text += " " + EMOJI[int(rng.integers(len(EMOJI)))]
    if rng.random() < 0.3:
        text += f" https://t.co/{int(rng.integers(10**9)):x}"
    return text


def generate(
    n_posts: int, planted: float, seed: int
) -> tuple[pa.ChunkedArray, npt.NDArray[np.int64]]:
    """The posts and the planted family of each (-1 for unrelated posts)."""
    rng = np.random.default_rng(seed)
    scripts = list(ALPHABETS)
    vocabs = {s: vocabulary(s, rng) for s in scripts}
    family = np.full(n_posts, -1, dtype=np.int64)
    chunks: list[pa.Array] = []
    n_families = 0
    done = 0
    while done < n_posts:
        size = min(GEN_CHUNK, n_posts - done)
        texts: list[str] = []
        while len(texts) < size:
            script = scripts[int(rng.integers(len(scripts)))]
            vocab = vocabs[script]
            if rng.random() < planted / 25:  # families average about 25 posts
                members = min(int(rng.integers(2, 61)), size - len(texts))
                n_words = int(rng.integers(12, 30)) * (3 if script == "zh" else 1)
                base = vocab[zipf_words(rng, n_words)]
                start = done + len(texts)
                family[start : start + members] = n_families
                n_families += 1
                texts.append(join(base, script))
                texts.extend(edited_copy(base, vocab, script, rng) for _ in range(members - 1))
            else:
                texts.append(sentence(vocab, script, rng, 6, 30))
        # shuffle so that families are not contiguous (the clustering must not rely on it);
        # within a chunk only, so that the texts are never held twice
        order = rng.permutation(size)
        chunks.append(pa.array([texts[i] for i in order], pa.string()))
        family[done : done + size] = family[done : done + size][order]
        done += size
    return pa.chunked_array(chunks), family


def pair_scores(truth: npt.NDArray[np.int64], found: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Pairwise precision and recall of ``found`` clusters against ``truth`` families."""

    def pairs(counts: npt.NDArray[np.int64]) -> int:
        return int((counts * (counts - 1) // 2).sum())

    def grouped(labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.unique(labels[labels >= 0], return_counts=True)[1].astype(np.int64)

    both = (truth >= 0) & (found >= 0)
    joint = truth[both] * (int(found.max()) + 1) + found[both]
    true_pos = pairs(np.unique(joint, return_counts=True)[1].astype(np.int64))
    found_pairs, truth_pairs = pairs(grouped(found)), pairs(grouped(truth))
    precision = true_pos / found_pairs if found_pairs else 1.0
    recall = true_pos / truth_pairs if truth_pairs else 1.0
    return precision, recall


def exact_recall(
    texts: pa.ChunkedArray,
    truth: npt.NDArray[np.int64],
    found: npt.NDArray[np.int64],
    threshold: float,
    sample: int = 200,
) -> tuple[int, float]:
    """Recall over planted pairs whose *exact* shingle Jaccard reaches ``threshold``.

    Some planted copies (two edits in a short text) fall below the threshold by design;
    this figure leaves them out. Computed on the first ``sample`` families only.
    """
    rows = np.flatnonzero((truth >= 0) & (truth < sample))
    norm = normalize_texts(texts.take(pa.array(rows))).to_pylist()
    shingles = [{t[i : i + 5] for i in range(len(t) - 4)} for t in norm]
    eligible = hits = 0
    for a in range(len(rows)):
        for b in range(a + 1, len(rows)):
            if truth[rows[a]] != truth[rows[b]] or not shingles[a] or not shingles[b]:
                continue
            jaccard = len(shingles[a] & shingles[b]) / len(shingles[a] | shingles[b])
            if jaccard >= threshold:
                eligible += 1
                hits += int(found[rows[a]] == found[rows[b]] >= 0)
    return eligible, hits / eligible if eligible else 1.0


def cpu_seconds() -> float:
    """User and system CPU seconds of this process, all threads: less dependent than wall
    time on other work sharing the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, work: Callable[[], object]) -> float:
    start, cpu = time.perf_counter(), cpu_seconds()
    work()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.1f} s wall, {cpu_seconds() - cpu:.1f} CPU s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000_000, help="number of posts")
    parser.add_argument("--planted", type=float, default=0.2, help="share in families")
    parser.add_argument("--threshold", type=float, default=0.7, help="Jaccard threshold")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="threads for signatures")
    args = parser.parse_args()

    generated: dict[str, tuple[pa.ChunkedArray, npt.NDArray[np.int64]]] = {}
    timed("generate", lambda: generated.update(data=generate(args.posts, args.planted, args.seed)))
    texts, truth = generated["data"]
    generated_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    mean_chars = texts.nbytes / max(len(texts), 1)
    print(
        f"posts: {len(texts):,}; planted families: {truth.max() + 1:,}; "
        f"posts in families: {(truth >= 0).sum():,}; mean UTF-8 bytes per post: {mean_chars:.0f}"
    )
    found: dict[str, npt.NDArray[np.int64]] = {}
    seconds = timed(
        "cluster",
        lambda: found.update(
            labels=cluster_texts(
                texts, threshold=args.threshold, seed=args.seed, workers=args.workers
            )
        ),
    )
    labels = found["labels"]
    precision, recall = pair_scores(truth, labels)
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"posts/s: {len(texts) / seconds:,.0f}")
    print(
        f"clusters: {len(np.unique(labels[labels >= 0])):,}; "
        f"clustered posts: {(labels >= 0).sum():,}"
    )
    print(f"pairwise precision: {precision:.4f}; recall: {recall:.4f} (all planted pairs)")
    eligible, exact = exact_recall(texts, truth, labels, args.threshold)
    print(
        f"recall of planted pairs with exact Jaccard >= {args.threshold}: {exact:.4f} "
        f"({eligible:,} pairs in the first 200 families)"
    )
    print(
        f"peak memory (ru_maxrss, whole process): {peak_gib:.2f} GiB "
        f"(of which {generated_gib:.2f} GiB was reached while generating the data)"
    )
    print("load average (1/5/15 min): {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
