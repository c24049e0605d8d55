"""Near-duplicate text clusters at scale: character shingles, MinHash, LSH, components.

Copy-paste campaigns post the same text with small edits (a word changed, a sentence or an
emoji added, a leftover ``RT @handle:``) from many accounts. Exact hashing (the ``text``
object type of :mod:`cibwatch.actions`) misses every edited copy; this module finds them in
any script, because it compares *characters*, not words:

1. :func:`normalize_texts` lower-cases, removes URLs, HTML entities, a leading
   ``RT @handle:`` / ``via @handle`` and every run of non-letter, non-digit characters
   (punctuation, emoji), collapsing them to one space. Texts shorter than ``min_chars``
   after that are skipped: "lol" or "thank you!" would link strangers.
2. Each text becomes the set of its ``shingle``-character substrings (5 by default: short
   enough that one edited word changes only a few shingles, long enough that unrelated
   texts share few), hashed with a seeded 64-bit polynomial hash and a MurmurHash3-style finaliser.
3. *One-permutation MinHash* (Li, Owen & Zhang 2012) keeps, per text, the smallest hash in
   each of 64 bins (bin = top 6 bits), 16 bits of it; empty bins of short texts are filled by
   *rotation densification* (Shrivastava & Li 2014). One pass over the shingles replaces the
   64 passes of classic MinHash, which is what makes 10 million posts feasible on 2 cores.
   The fraction of equal bins estimates the Jaccard similarity of two shingle sets.
4. *LSH banding*: 16 bands of 4 bins (one 64-bit key each). Texts sharing a band key are
   candidates; each is paired with its bucket's leader only (linear, even for a bucket of
   100,000 identical posts). At Jaccard 0.7 a pair shares some band with probability 0.99,
   at 0.3 with probability 0.12.
5. Candidates whose estimated Jaccard reaches ``threshold`` are linked, and connected
   components of the links are the clusters (single linkage: A~B and B~C puts A and C in one
   cluster even when A and C alone would fall short; a copy-paste family is such a chain).

Copies are common (a retweet wave, a pasted slogan), so each step works on *distinct*
texts: a chunk's raw texts are deduplicated before normalisation, its normalised texts
before hashing, and all chunks' signatures before banding; a text posted 100,000 times is
normalised, hashed and banded once. The clusters are exactly those of banding every copy
on its own: the posts of one signature are linked to each other when that signature leads
one of its LSH buckets (see :func:`cluster_signature_counts`).

Everything runs on Arrow and numpy arrays a chunk of texts at a time (chunks on
``workers`` threads, streamed: :func:`cluster_text_batches` takes an iterator, so a caller
never holds every text); per chunk, the only Python objects are one string per distinct
text, joined in C to get its code points. Results depend only on the texts and ``seed``,
not on input order, chunking or the number of workers: bucket leaders are chosen by
signature, not by position.

>>> labels = cluster_texts([
...     "Vote NO on the new tax, it will ruin our families and our small businesses!",
...     "RT @bob: vote no on the new tax - it will ruin our families and our small businesses",
...     "The weather in Berlin was lovely today and we walked along the river for hours.",
... ])
>>> labels.tolist()
[0, 0, -1]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cibwatch.errors import ConfigError

#: Signature length (bins of one-permutation MinHash); 16 bands of 4 bins.
NUM_BINS: Final = 64
BAND_ROWS: Final = 4
NUM_BANDS: Final = NUM_BINS // BAND_ROWS

_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]
# Band b holds bins b, b+16, b+32, b+48: a short text's empty bins borrow from their right
# neighbours, so four adjacent bins often carry one value and would make a weak band key.
_BAND_ORDER: Final = np.arange(NUM_BINS).reshape(BAND_ROWS, NUM_BANDS).T.ravel()
_EMPTY: Final = 0x10000  # sentinel above every 16-bit bin value
_MASK16: Final = np.uint64(0xFFFF)
_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_POLY: Final = np.uint64(0x100000001B3)  # FNV prime: spreads code points over 64 bits
# offset per bin of distance: a borrowed value differs from its lender's own value
_DENSIFY_STEP: Final = np.uint64(0x9E37)

# leftovers of resharing: a leading "RT @handle:" (or MT/via, repeated), a trailing "via @handle"
_RESHARE_RE: Final = (
    r"^\s*(?:(?:rt|mt|via)\s*@[\p{L}\p{N}_]+\s*:?\s*)+|\s(?:via|rt)\s*@[\p{L}\p{N}_]+\s*$"
)
# URLs, HTML entities and every run of characters that are neither letters nor digits
# (punctuation, emoji, symbols, whitespace) become one space
_NOISE_RE: Final = r"(?:(?:https?://|www\.)\S+|&(?:[a-z]+|#[0-9]+);|[^\p{L}\p{N}])+"


@dataclass(frozen=True)
class NearDupParams:
    """Parameters of :func:`cluster_texts`, checked by :meth:`check`."""

    threshold: float = 0.7
    shingle: int = 5
    min_chars: int = 25
    seed: int = 0
    chunk_size: int = 100_000
    workers: int = 2

    def check(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold must lie in (0, 1], got {self.threshold}")
        if not 2 <= self.shingle <= 16:
            raise ConfigError(f"shingle must be 2..16 characters, got {self.shingle}")
        if self.min_chars < self.shingle:
            raise ConfigError(
                f"min_chars ({self.min_chars}) must be at least the shingle size ({self.shingle})"
            )
        if not 0 <= self.seed < 2**63:
            raise ConfigError(f"seed must be a non-negative 63-bit integer, got {self.seed}")
        if self.chunk_size < 1:
            raise ConfigError(f"chunk_size must be positive, got {self.chunk_size}")
        if self.workers < 1:
            raise ConfigError(f"workers must be at least 1, got {self.workers}")


def normalize_texts(texts: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Lower-case and strip what copy-paste changes without changing the message.

    >>> raw = pa.array(["RT @x_1: Hello,   WORLD!! 🎉 https://t.co/a &amp; more"])
    >>> normalize_texts(raw).to_pylist()
    ['hello world more']
    """
    if isinstance(texts, pa.ChunkedArray):
        return pa.chunked_array([normalize_texts(chunk) for chunk in texts.chunks], texts.type)
    out = pc.utf8_lower(texts)
    # a reshare leftover names a handle: the regex runs only on texts with an "@" in them
    # (a few percent in most data), a cheap substring search rules out the rest
    mentions = pc.fill_null(pc.match_substring(out, "@"), False)
    if pc.any(mentions).as_py():
        stripped = pc.replace_substring_regex(
            pc.filter(out, mentions), pattern=_RESHARE_RE, replacement=""
        )
        out = pc.replace_with_mask(out, mentions, stripped)
    out = pc.replace_substring_regex(out, pattern=_NOISE_RE, replacement=" ")
    return pc.utf8_trim_whitespace(out)


def _mix(h: _U64) -> _U64:
    """A MurmurHash3-style finaliser, in place: spreads every input bit over the top bits."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(29)
    return h


def code_points(texts: pa.Array | pa.ChunkedArray) -> tuple[npt.NDArray[np.uint32], _I64]:
    """Unicode code points of all texts, concatenated, and each text's length in characters.

    One join and one UTF-32 encode per chunk, both in C: measured faster than decoding the
    Arrow UTF-8 buffer with numpy. Texts must not be null.
    """
    lengths = pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    joined = "".join(texts.to_pylist()).encode("utf-32-le")
    return np.frombuffer(joined, dtype=np.uint32), lengths


def _shingle_hashes(
    chars: npt.NDArray[np.uint32], lengths: _I64, shingle: int, seed: int
) -> tuple[_U64, _I64]:
    """Hash every ``shingle``-character window of every text; return (hashes, text index).

    The rolling hash runs over all texts as one sequence (slices, no gathers); windows that
    straddle two texts are then dropped.
    """
    m = chars.size - shingle + 1
    h = np.full(m, np.uint64(seed) ^ _GOLDEN, dtype=np.uint64)
    for offset in range(shingle):
        h *= _POLY
        h ^= chars[offset : offset + m]
    ends = np.cumsum(lengths)
    keep = np.ones(chars.size, dtype=bool)
    for back in range(1, shingle):
        keep[ends - back] = False  # windows starting in a text's last shingle-1 characters
    h = h[keep[:m]]
    text_of = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths - shingle + 1)
    return _mix(h), text_of


def _densify(bins: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint16]:
    """16-bit bins (bins x texts), each empty bin filled from the next filled bin of its
    text to the right (circularly).

    The borrowed value is offset by the distance so that two texts agree on an empty bin
    only when they agree on the bin it borrows from *and* both lack the bins in between.
    One sweep from the last bin to the first, twice around (the second lap serves bins
    whose lender lies past the end), over all texts at once: 128 steps on row vectors of
    16-bit values, whose arithmetic wraps exactly as the 16-bit mask of the definition.
    """
    empty = bins == _EMPTY
    filled = ~empty
    out = bins.astype(np.uint16)  # empty bins are overwritten below
    lender = np.zeros(bins.shape[1], dtype=np.uint16)  # value of the nearest filled bin so far
    distance = np.zeros(bins.shape[1], dtype=np.uint16)
    one, step_offset = np.uint16(1), np.uint16(_DENSIFY_STEP)
    for step in range(2 * NUM_BINS - 1, -1, -1):
        b = step % NUM_BINS
        distance += one
        np.copyto(lender, out[b], where=filled[b])
        np.copyto(distance, 0, where=filled[b])
        if step < NUM_BINS:
            np.copyto(out[b], lender + distance * step_offset, where=empty[b])
    return out


def minhash_signatures(
    texts: Sequence[str] | pa.Array | pa.ChunkedArray, *, shingle: int = 5, seed: int = 0
) -> npt.NDArray[np.uint16]:
    """One-permutation MinHash signatures (``len(texts)`` x 64, 16 bits per bin).

    Texts must be normalised, not null and at least ``shingle`` characters long.
    """
    if not isinstance(texts, pa.Array | pa.ChunkedArray):
        texts = pa.array(texts, pa.string())
    chars, lengths = code_points(texts)
    if lengths.size == 0:
        return np.zeros((0, NUM_BINS), dtype=np.uint16)
    if int(lengths.min()) < shingle:
        raise ConfigError(f"every text must have at least {shingle} characters")
    h, text_of = _shingle_hashes(chars, lengths, shingle, seed)
    # bin-major: key = bin (top 6 bits) * texts + text; value = the next 16 bits. Each bin
    # is then one contiguous row, as the densification sweep reads them.
    text_of += (h >> np.uint64(58)).view(np.int64) * lengths.size
    value = ((h >> np.uint64(42)) & _MASK16).astype(np.uint32)
    bins = np.full(NUM_BINS * lengths.size, _EMPTY, dtype=np.uint32)
    np.minimum.at(bins, text_of, value)
    return np.ascontiguousarray(_densify(bins.reshape(NUM_BINS, lengths.size))[_BAND_ORDER].T)


#: Distinct texts hashed at once: bounds the per-character arrays of one chunk.
_HASH_BATCH: Final = 20_000


@dataclass(frozen=True)
class ChunkSignatures:
    """What one chunk of texts contributes: its comparable rows and its distinct texts.

    ``rows`` are positions within the chunk, ``text_of_row`` the row's distinct normalised
    text, an index into ``sig`` (one signature per distinct text). Public because both the
    embedded path and Spark's executors (:mod:`cibwatch.engines.spark_neardup`) sign their
    batches with :func:`sign_chunk`: one definition of which texts are comparable.
    """

    rows: _I64
    text_of_row: _I64
    sig: npt.NDArray[np.uint16]


def _distinct(values: pa.Array | pa.ChunkedArray) -> tuple[_I64, pa.Array]:
    """Each value's index among the distinct values (-1 for null), and the distinct values."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    encoded = pc.dictionary_encode(values)
    index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return index.astype(np.int64), encoded.dictionary


def sign_chunk(chunk: pa.Array | pa.ChunkedArray, params: NearDupParams) -> ChunkSignatures:
    """Normalise each distinct raw text once and sign each distinct normalised text once.

    Copies are common in shared text (7.31 million texts at 10 million posts, 1.36 million
    distinct), so work per distinct text rather than per row is most of the saving.
    """
    raw_of_row, raw = _distinct(chunk)
    norm = normalize_texts(raw)
    long_enough = pc.greater_equal(pc.utf8_length(norm), params.min_chars)
    text_of_raw, texts = _distinct(pc.filter(norm, long_enough))
    # raw text -> distinct normalised text; the extra last entry (-1) serves null rows
    lookup = np.full(len(raw) + 1, -1, dtype=np.int64)
    lookup[np.flatnonzero(long_enough.to_numpy(zero_copy_only=False))] = text_of_raw
    text_of_row = lookup[raw_of_row]
    rows = np.flatnonzero(text_of_row >= 0)
    sig = np.empty((len(texts), NUM_BINS), dtype=np.uint16)
    for start in range(0, len(texts), _HASH_BATCH):
        batch = texts.slice(start, _HASH_BATCH)
        sig[start : start + len(batch)] = minhash_signatures(
            batch, shingle=params.shingle, seed=params.seed
        )
    return ChunkSignatures(rows, text_of_row[rows], sig)


def _parts(
    batches: Iterable[pa.Array | pa.ChunkedArray], params: NearDupParams
) -> Iterator[tuple[int, ChunkSignatures]]:
    """(rows in the batch, its part) for each batch, in order, ``params.workers`` at a time.

    At most ``workers + 1`` batches are read ahead, so a streamed input is never held whole.
    """
    with ThreadPoolExecutor(max_workers=params.workers) as pool:
        pending: deque[tuple[int, Future[ChunkSignatures]]] = deque()
        for batch in batches:
            pending.append((len(batch), pool.submit(sign_chunk, batch, params)))
            if len(pending) > params.workers:
                size, part = pending.popleft()
                yield size, part.result()
        while pending:
            size, part = pending.popleft()
            yield size, part.result()


def signature_hashes(sig: npt.NDArray[np.uint16]) -> _U64:
    """A 64-bit hash of each whole signature: orders bucket members, finds equal signatures."""
    bands = np.ascontiguousarray(sig).view(np.uint64)  # n x NUM_BANDS, 4 bins per key
    whole = np.zeros(sig.shape[0], dtype=np.uint64)
    for b in range(NUM_BANDS):
        whole ^= bands[:, b]
        _mix(whole)
    return whole


def distinct_signatures(
    sig: npt.NDArray[np.uint16], whole: _U64, batch: int = 1_000_000
) -> tuple[_I64, _I64]:
    """Group equal signatures: (first row of each group, ascending; each row's group).

    Rows are grouped by ``whole`` (their 64-bit hash) and every row is then compared with
    its group's first row; should two different signatures ever share a hash, the rows are
    grouped again by their full 128 bytes, so the grouping is exact either way.
    """
    n = sig.shape[0]
    order = np.argsort(whole, kind="stable")  # stable: a group's first row comes first
    sorted_whole = whole[order]
    new = np.ones(n, dtype=bool)
    np.not_equal(sorted_whole[1:], sorted_whole[:-1], out=new[1:])
    first = np.empty(n, dtype=np.int64)
    first[order] = order[np.maximum.accumulate(np.where(new, np.arange(n), 0))]
    exact = all(
        bool((sig[start : start + batch] == sig[first[start : start + batch]]).all())
        for start in range(0, n, batch)
    )
    if not exact:
        rows = np.ascontiguousarray(sig).view(np.dtype((np.void, 2 * NUM_BINS))).ravel()
        _, firsts, inverse = np.unique(rows, return_index=True, return_inverse=True)
        first = firsts[inverse].astype(np.int64)
    leaders = np.flatnonzero(first == np.arange(n))
    return leaders, np.searchsorted(leaders, first).astype(np.int64)


def candidate_pairs(
    sig: npt.NDArray[np.uint16], whole: _U64
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Pairs (k x 2, i < j, unique) of rows sharing at least one LSH band key, and whether
    each row leads at least one of its buckets.

    Each bucket contributes (leader, member) pairs only; the leader is the member with the
    smallest ``whole`` hash, so the pairs do not depend on row order. A row alone in its
    bucket leads it.
    """
    n = sig.shape[0]
    never_leads = np.zeros(n, dtype=bool) if n < 2 else np.ones(n, dtype=bool)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64), ~never_leads
    bands = np.ascontiguousarray(sig).view(np.uint64)  # n x NUM_BANDS, 4 bins per key
    found: list[npt.NDArray[np.int64]] = []
    for b in range(NUM_BANDS):
        key = np.ascontiguousarray(bands[:, b])
        order = np.argsort(key)
        same = key[order[1:]] == key[order[:-1]]
        if not same.any():
            never_leads[:] = False
            continue
        # only rows in buckets of two or more: usually a small share of all rows
        shared = np.zeros(n, dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        rows = order[shared]
        rows = rows[np.lexsort((whole[rows], key[rows]))]
        sorted_key = key[rows]
        new_bucket = np.empty(rows.size, dtype=bool)
        new_bucket[0] = True
        np.not_equal(sorted_key[1:], sorted_key[:-1], out=new_bucket[1:])
        leader_pos = np.maximum.accumulate(np.where(new_bucket, np.arange(rows.size), 0))
        members = np.flatnonzero(~new_bucket)
        leader, member = rows[leader_pos[members]], rows[members]
        led_here = np.ones(n, dtype=bool)
        led_here[member] = False
        never_leads &= ~led_here
        found.append(np.minimum(leader, member) * n + np.maximum(leader, member))
    if not found:
        return np.zeros((0, 2), dtype=np.int64), ~never_leads
    packed = np.unique(np.concatenate(found))
    return np.stack([packed // n, packed % n], axis=1), ~never_leads


def estimated_jaccard(
    sig: npt.NDArray[np.uint16], pairs: npt.NDArray[np.int64], batch: int = 1_000_000
) -> npt.NDArray[np.float64]:
    """Fraction of equal bins of each pair's signatures (estimates shingle-set Jaccard)."""
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), batch):
        part = pairs[start : start + batch]
        equal = sig[part[:, 0]] == sig[part[:, 1]]
        out[start : start + batch] = np.count_nonzero(equal, axis=1) / NUM_BINS
    return out


def components(n: int, linked: _I64) -> _I64:
    """Connected component of each of ``n`` rows, given the linked pairs (k x 2): any
    non-negative number, the same for rows of one component; each row alone without links."""
    if linked.size == 0:
        return np.arange(n, dtype=np.int64)
    graph = coo_matrix(
        (np.ones(len(linked), dtype=np.int8), (linked[:, 0], linked[:, 1])), shape=(n, n)
    )
    component: _I64 = connected_components(graph, directed=False)[1].astype(np.int64)
    return component


def number_clusters(cluster: _I64) -> _I64:
    """Cluster labels 0, 1, ... numbered by each cluster's first row, from any non-negative
    cluster ids (-1, no cluster, stays -1): the labels that :func:`cluster_texts` gives, so
    that they are small and do not depend on how the ids were found.

    >>> number_clusters(np.array([7, -1, 3, 7, 3])).tolist()
    [0, -1, 1, 0, 1]
    """
    labels = np.full(cluster.size, -1, dtype=np.int64)
    rows = np.flatnonzero(cluster >= 0)
    _, first, inverse = np.unique(cluster[rows], return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    labels[rows] = rank[inverse.ravel()]
    return labels


def label_components(n: int, linked: _I64) -> _I64:
    """Cluster label of each of ``n`` rows from linked pairs: the components of two or more
    rows, numbered by their first row (:func:`number_clusters`); -1 for rows linked to
    nothing. What a clustering that links rows elsewhere (Spark) turns into labels.

    >>> label_components(4, np.array([[1, 3]])).tolist()
    [-1, 0, -1, 0]
    """
    component = components(n, linked)
    sizes = np.bincount(component, minlength=1)
    return number_clusters(np.where(sizes[component] >= 2, component, -1))


def cluster_signature_counts(
    sig: npt.NDArray[np.uint16], copies: _I64, threshold: float
) -> npt.NDArray[np.int64]:
    """Cluster of each distinct signature (any non-negative number), -1 for none.

    ``copies[i]`` is how many texts have signature ``i``. The answer is the one banding
    every copy on its own gives: copies share every bucket, so they link to each other
    when the signature leads a bucket (its first copy is then every other copy's leader)
    and otherwise link only where the signature links to its buckets' leaders; they are
    one cluster when they link to each other or to another signature's texts.
    """
    n = sig.shape[0]
    pairs, leads = candidate_pairs(sig, signature_hashes(sig))
    component = components(n, pairs[estimated_jaccard(sig, pairs) >= threshold])
    sizes = np.bincount(component, minlength=1)
    clustered = (sizes[component] >= 2) | ((copies >= 2) & leads)
    return np.where(clustered, component, -1)


def cluster_text_batches(
    batches: Iterable[pa.Array | pa.ChunkedArray], params: NearDupParams
) -> npt.NDArray[np.int64]:
    """Near-duplicate cluster label of each text of ``batches``, concatenated in order.

    The streamed form of :func:`cluster_texts` (same labels for the same texts): batches
    are read ``params.workers + 1`` ahead; what stays is, per comparable text, its position
    and its distinct text, and one 128-byte signature per distinct text of each batch.
    """
    params.check()
    total = 0
    rows: list[_I64] = []
    text_of_row: list[_I64] = []
    sigs: list[npt.NDArray[np.uint16]] = []
    n_texts = 0
    for size, part in _parts(batches, params):
        rows.append(part.rows + total)
        text_of_row.append(part.text_of_row + n_texts)
        sigs.append(part.sig)
        total += size
        n_texts += part.sig.shape[0]
    labels = np.full(total, -1, dtype=np.int64)
    if n_texts == 0:
        return labels
    # the signatures are held once: each chunk's block is freed as soon as it is copied
    # (pages of np.empty are only taken when written), and equal signatures are then
    # compacted in place (leaders ascend, so a row is read before it is overwritten)
    sig = np.empty((n_texts, NUM_BINS), dtype=np.uint16)
    done = 0
    sigs.reverse()
    while sigs:
        block = sigs.pop()
        sig[done : done + block.shape[0]] = block
        done += block.shape[0]
        del block
    leaders, group = distinct_signatures(sig, signature_hashes(sig))
    for start in range(0, leaders.size, _HASH_BATCH):
        moved = leaders[start : start + _HASH_BATCH]
        sig[start : start + moved.size] = sig[moved]
    sig = sig[: leaders.size]
    signature_of_row = group[np.concatenate(text_of_row)]
    del text_of_row
    copies = np.bincount(signature_of_row, minlength=sig.shape[0]).astype(np.int64)
    # each comparable text's cluster at its position, then numbered by first text
    labels[np.concatenate(rows)] = cluster_signature_counts(sig, copies, params.threshold)[
        signature_of_row
    ]
    return number_clusters(labels)


def cluster_texts(
    texts: Sequence[str | None] | pa.Array | pa.ChunkedArray,
    *,
    threshold: float = 0.7,
    shingle: int = 5,
    min_chars: int = 25,
    seed: int = 0,
    chunk_size: int = 100_000,
    workers: int = 2,
) -> npt.NDArray[np.int64]:
    """Near-duplicate cluster label of each text: 0, 1, ... or -1 (no near-duplicate).

    ``None`` and texts shorter than ``min_chars`` characters after normalisation get -1.
    Labels are numbered by each cluster's first text; the partition itself does not depend
    on the order of ``texts``.
    """
    params = NearDupParams(threshold, shingle, min_chars, seed, chunk_size, workers)
    params.check()
    if not isinstance(texts, pa.Array | pa.ChunkedArray):
        texts = pa.array(texts, pa.string())
    column = texts
    starts = range(0, len(column), params.chunk_size)
    return cluster_text_batches((column.slice(s, params.chunk_size) for s in starts), params)
