"""Organic users: the ordinary background the planted operations hide in.

Three populations, all generated block by block with numpy and Arrow compute:

* *organic accounts*, indices ``0..n_accounts-1``: every attribute (platform, time zone,
  language, name...) is a hash of the index, so posts can look up their author without a
  table in memory; about a third of Instagram users link their own Facebook account
  (:func:`linked_facebook`), the innocent twin of an operation's linked personas;
* *celebrities*: a fixed set of popular accounts whose *pool posts* everybody shares, with
  Zipf-like popularity; a share happens a log-normal delay after the pool post;
* *organic posts*: originals (news links with Zipf popularity, hashtags, media), shares of
  pool posts and replies to them, at each author's local daily rhythm.

Block ``b`` of any population is drawn from ``default_rng([seed, population, b])`` with a
fixed block size, so the output is the same however many blocks a writer groups together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cibwatch.synthetic import vocabulary as voc
from cibwatch.synthetic.sampling import (
    I64,
    hex_hashes,
    local_rhythm_seconds,
    mix,
    pick,
    unit,
    zipf_cdf,
    zipf_ranks,
)
from cibwatch.synthetic.tables import ACCOUNTS_SCHEMA, POSTS_SCHEMA

#: Rows per generation block (fixed: changing it changes the world).
BLOCK_ROWS = 16_384
#: Popular accounts whose posts organic users share.
CELEBRITIES = 200
ORGANIC_ACCOUNT_BASE = 100_000_000
CELEBRITY_ACCOUNT_BASE = 50_000_000
ORGANIC_POST_BASE = 10_000_000_000
POOL_POST_BASE = 5_000_000_000
#: Organic posts that carry a hostile string (downstream escaping must cope).
HOSTILE_EVERY = 5_000
_ARTICLES_PER_DOMAIN = 5_000
_MEMES = 2_000
_TS = pa.timestamp("s", tz="UTC")


@dataclass(frozen=True)
class OrganicPlan:
    """Sizes and clock of the organic population, derived from the world parameters."""

    seed: int
    start: int  # epoch seconds, UTC
    days: int
    weekday0: int  # weekday of the start date, Monday = 0
    posts: int

    @property
    def accounts(self) -> int:
        """Organic accounts grow with posts (about a dozen posts each on average)."""
        return max(1_000, self.posts // 12)

    @property
    def pool_posts(self) -> int:
        """Shareable posts by celebrities; a multiple of four (one per platform in turn)."""
        return 4 * max(100, self.posts // 400)

    def blocks(self, rows: int) -> int:
        """Number of generation blocks for ``rows`` rows."""
        return (rows + BLOCK_ROWS - 1) // BLOCK_ROWS


def _lang_codes(tz: I64, u: np.ndarray) -> I64:
    cdf = np.cumsum(np.asarray(voc.LANGUAGE_MIX, dtype=np.float64), axis=1)
    cdf /= cdf[:, -1:]
    codes: I64 = np.minimum((u[:, None] >= cdf[tz]).sum(axis=1), len(voc.LANGUAGES) - 1)
    return codes


def account_traits(idx: I64) -> tuple[I64, I64, I64]:
    """Return (platform code, time-zone code, language code) of organic accounts ``idx``."""
    platform = pick(voc.PLATFORM_WEIGHTS, unit(idx, 1))
    tz = pick(tuple(w for _, w, _ in voc.TIME_ZONES), unit(idx, 2))
    return platform, tz, _lang_codes(tz, unit(idx, 3))


def _flat(table: dict[str, tuple[str, ...]]) -> tuple[pa.Array, I64, I64]:
    """Flatten per-language lists into one array with each language's offset and length."""
    values: list[str] = []
    offsets: list[int] = []
    for lang in voc.LANGUAGES:
        offsets.append(len(values))
        values.extend(table[lang])
    lengths = [len(table[lang]) for lang in voc.LANGUAGES]
    return pa.array(values), np.asarray(offsets, np.int64), np.asarray(lengths, np.int64)


_FEMALE = _flat(voc.FIRST_NAMES_FEMALE)
_MALE = _flat(voc.FIRST_NAMES_MALE)
_SURNAMES = _flat(voc.SURNAMES)
_OPENERS = _flat(voc.OPENERS)
_TOPICS = _flat(voc.TOPICS)
_HASHTAGS = _flat(voc.HASHTAGS)


def _choose(flat: tuple[pa.Array, I64, I64], lang: I64, u: np.ndarray) -> pa.Array:
    values, offsets, lengths = flat
    index = offsets[lang] + np.minimum((u * lengths[lang]).astype(np.int64), lengths[lang] - 1)
    return values.take(pa.array(index))


def _ids(base: int, idx: I64) -> pa.Array:
    return pa.array(idx + base).cast(pa.string())


def _names(idx: I64, lang: I64) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """Return (display names, handles, is-female) for organic-like people ``idx``."""
    female = unit(idx, 4) < 0.5
    first = pc.if_else(
        pa.array(female),
        _choose(_FEMALE, lang, unit(idx, 5)),
        _choose(_MALE, lang, unit(idx, 5)),
    )
    surname = _choose(_SURNAMES, lang, unit(idx, 6))
    display = pc.utf8_trim_whitespace(pc.binary_join_element_wise(first, surname, " "))
    stem = pc.replace_substring(pc.utf8_lower(display), " ", "_")
    handle = pc.binary_join_element_wise(stem, pa.array(idx % 100_000).cast(pa.string()), "")
    return display, handle, female


def _photos(idx: I64, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (profile photo hash or None, labelled photo gender or None) of people ``idx``."""
    has_photo = unit(idx, 11) < 0.9
    photo_hash = np.asarray(hex_hashes(mix(idx, 12)), dtype=object)
    gender = np.where(female, "female", "male").astype(object)
    gender[unit(idx, 13) < 0.15] = None
    gender[~has_photo] = None
    photo_hash[~has_photo] = None
    return photo_hash, gender


def linked_facebook(plan: OrganicPlan, idx: I64, platform: I64) -> I64:
    """The organic Facebook account each Instagram account ``idx`` links to, or -1.

    About a quarter of ordinary Instagram users link their profile to their own Facebook
    account (one person, two platforms). The Facebook account is the next index when that one
    is on Facebook: a rule any block computes alone, and one Facebook account is linked by
    at most one Instagram account, as one person has one of each.
    """
    following = idx + 1
    on_facebook = (account_traits(following)[0] == 1) & (following < plan.accounts)
    wanted = (platform == 2) & on_facebook & (unit(idx, 16) < 0.8)
    return np.where(wanted, following, -1)


def organic_accounts(plan: OrganicPlan, block: int) -> pa.Table:
    """Return organic accounts of generation block ``block``."""
    lo = block * BLOCK_ROWS
    idx = np.arange(lo, min(lo + BLOCK_ROWS, plan.accounts), dtype=np.int64)
    platform, tz, lang = account_traits(idx)
    display, handle, female = _names(idx, lang)
    n = len(idx)
    cities = np.asarray([city for _, _, city in voc.TIME_ZONES], dtype=object)
    located = unit(idx, 7) < 0.6
    created = plan.start - 86_400 * (60 + (unit(idx, 8) * 5_000).astype(np.int64))
    followers = np.floor(10 ** (0.5 + 3.5 * unit(idx, 9) ** 1.6)).astype(np.int64)
    following = np.floor(10 ** (1.0 + 2.5 * unit(idx, 10))).astype(np.int64)
    photo_hash, gender = _photos(idx, female)
    url = pa.nulls(n, pa.string())
    target = linked_facebook(plan, idx, platform)
    linked = target >= 0
    if linked.any():
        # The linked Instagram profile is the same person: their Facebook name, and for
        # about half of them the same photo; its link field names the Facebook profile.
        other = target[linked]
        other_display, other_handle, other_female = _names(other, account_traits(other)[2])
        display_values = display.to_numpy(zero_copy_only=False).astype(object)
        display_values[linked] = other_display.to_numpy(zero_copy_only=False)
        display = pa.array(display_values, type=pa.string())
        other_photo, other_gender = _photos(other, other_female)
        same_photo = unit(idx[linked], 17) < 0.5
        rows = np.flatnonzero(linked)[same_photo]
        photo_hash[rows] = other_photo[same_photo]
        gender[np.flatnonzero(linked)] = other_gender
        gender[np.asarray([h is None for h in photo_hash], dtype=bool)] = None
        links = np.full(n, None, dtype=object)
        links[linked] = [f"https://www.facebook.com/{h}" for h in other_handle.to_pylist()]
        url = pa.array(links, type=pa.string())
    bio = _choose(_TOPICS, lang, unit(idx, 14))
    no_bio = unit(idx, 15) < 0.5
    columns = {
        "platform": pa.array(np.asarray(voc.PLATFORMS, dtype=object)[platform]),
        "account_id": _ids(ORGANIC_ACCOUNT_BASE, idx),
        "kind": pa.array(np.asarray(voc.PLATFORM_KIND, dtype=object)[platform]),
        "handle": handle,
        "display_name": display,
        "created_at": pa.array(created, type=_TS),
        "claimed_location": pa.array(cities[tz], mask=~located, type=pa.string()),
        "bio": pc.if_else(pa.array(no_bio), pa.nulls(n, pa.string()), bio),
        "followers": pa.array(followers),
        "following": pa.array(following),
        "profile_image_hash": pa.array(photo_hash, type=pa.string()),
        "photo_gender": pa.array(gender, type=pa.string()),
        "language": pa.array(np.asarray(voc.LANGUAGES, dtype=object)[lang]),
        "url": url,
    }
    return pa.table(columns, schema=ACCOUNTS_SCHEMA)


def celebrity_of(pool: I64) -> I64:
    """Return the celebrity index that wrote each pool post (same platform: index % 4)."""
    per_platform = CELEBRITIES // 4
    return (mix(pool, 20) % np.uint64(per_platform)).astype(np.int64) * 4 + pool % 4


def celebrity_handles(celeb: I64) -> pa.Array:
    """Return the handles of celebrities ``celeb``."""
    return pc.binary_join_element_wise("daily_voice_", pa.array(celeb).cast(pa.string()), "")


def celebrity_accounts(plan: OrganicPlan) -> pa.Table:
    """Return the popular accounts (news people, pages, channels) that pool posts belong to."""
    idx = np.arange(CELEBRITIES, dtype=np.int64)
    platform = idx % 4
    lang = np.where(idx % 5 == 1, 1, 0)
    kinds = np.asarray(("account", "page", "account", "channel"), dtype=object)
    columns = {
        "platform": pa.array(np.asarray(voc.PLATFORMS, dtype=object)[platform]),
        "account_id": _ids(CELEBRITY_ACCOUNT_BASE, idx),
        "kind": pa.array(kinds[platform]),
        "handle": celebrity_handles(idx),
        "display_name": pc.binary_join_element_wise(
            "Daily Voice ", pa.array(idx).cast(pa.string()), ""
        ),
        "created_at": pa.array(plan.start - 86_400 * (3_000 + idx * 7), type=_TS),
        "claimed_location": pa.nulls(CELEBRITIES, pa.string()),
        "bio": pa.array(["News and opinion, every day."] * CELEBRITIES),
        "followers": pa.array(np.floor(10 ** (5 + 2 * unit(idx, 21))).astype(np.int64)),
        "following": pa.array((unit(idx, 22) * 500).astype(np.int64)),
        "profile_image_hash": pa.array(hex_hashes(mix(idx, 23))),
        "photo_gender": pa.nulls(CELEBRITIES, pa.string()),
        "language": pa.array(np.asarray(voc.LANGUAGES, dtype=object)[lang]),
        "url": pa.array(["https://dailyvoice.example"] * CELEBRITIES),
    }
    return pa.table(columns, schema=ACCOUNTS_SCHEMA)


def pool_seconds(plan: OrganicPlan, pool: I64) -> I64:
    """Seconds after start at which pool posts appear (leaving two days to be shared)."""
    span = max(1, plan.days - 2) * 86_400
    return (unit(pool, 24) * span).astype(np.int64)


def _news(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    """Return (url, registered domain) of ``n`` news links with Zipf popularity."""
    domain_rank = zipf_ranks(rng, zipf_cdf(len(voc.NEWS_DOMAINS), 1.0), n)
    article = zipf_ranks(rng, zipf_cdf(_ARTICLES_PER_DOMAIN, 1.1), n)
    domain = pa.array(voc.NEWS_DOMAINS).take(pa.array(domain_rank))
    section = pa.array(voc.NEWS_SECTIONS).take(pa.array(article % len(voc.NEWS_SECTIONS)))
    story = pa.array(article * 31 + domain_rank).cast(pa.string())
    url = pc.binary_join_element_wise(
        "https://www.", domain, "/", section, "/2024/story-", story, ""
    )
    return url, domain


def _single_lists(values: pa.Array, present: np.ndarray) -> pa.ListArray:
    """Lists holding ``values[i]`` where ``present[i]``, else empty."""
    offsets = np.concatenate(([0], np.cumsum(present))).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.filter(pa.array(present)))


def _hashtag_lists(rng: np.random.Generator, lang: I64, count: I64) -> pa.ListArray:
    per_tag_lang = np.repeat(lang, count)
    skewed = rng.random(len(per_tag_lang)) ** 2.5
    tags = _choose(_HASHTAGS, per_tag_lang, skewed)
    offsets = np.concatenate(([0], np.cumsum(count))).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), tags)


def _engagement(rng: np.random.Generator, n: int, platform: I64) -> dict[str, pa.Array]:
    likes = np.floor(rng.lognormal(1.0, 1.6, n)).astype(np.int64)
    views = (likes + 1) * rng.integers(20, 120, n)
    has_views = (platform == 0) | (platform == 3)
    return {
        "likes": pa.array(likes),
        "shares": pa.array((likes * rng.random(n) * 0.3).astype(np.int64)),
        "comments": pa.array((likes * rng.random(n) * 0.2).astype(np.int64)),
        "views": pa.array(np.where(has_views, views, 0), mask=~has_views),
    }


def _texts(rng: np.random.Generator, lang: I64, url: pa.Array, tags: pa.ListArray) -> pa.Array:
    opener = _choose(_OPENERS, lang, rng.random(len(lang)))
    topic = _choose(_TOPICS, lang, rng.random(len(lang)))
    tag_text = pc.binary_join(tags, " ")
    joined = pc.binary_join_element_wise(
        opener, topic, url, tag_text, " ", null_handling="replace", null_replacement=""
    )
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, "  +", " "))


def _media(rng: np.random.Generator, present: np.ndarray) -> pa.ListArray:
    memes = pa.array(hex_hashes(mix(np.arange(_MEMES, dtype=np.int64), 30)))
    ranks = zipf_ranks(rng, zipf_cdf(_MEMES, 1.0), len(present))
    return _single_lists(memes.take(pa.array(ranks)), present)


def pool_posts(plan: OrganicPlan, block: int) -> pa.Table:
    """Return the celebrities' shareable posts of generation block ``block``."""
    rng = np.random.default_rng([plan.seed, 2, block])
    lo = block * BLOCK_ROWS
    pool = np.arange(lo, min(lo + BLOCK_ROWS, plan.pool_posts), dtype=np.int64)
    n = len(pool)
    platform = pool % 4
    celeb = celebrity_of(pool)
    lang = np.where(celeb % 5 == 1, 1, 0)
    url, domain = _news(rng, n)
    has_url = rng.random(n) < 0.6
    urls = _single_lists(url, has_url)
    tags = _hashtag_lists(rng, lang, (rng.random(n) < 0.3).astype(np.int64))
    text = _texts(rng, lang, pc.if_else(pa.array(has_url), url, None), tags)
    columns = {
        "platform": pa.array(np.asarray(voc.PLATFORMS, dtype=object)[platform]),
        "post_id": _ids(POOL_POST_BASE, pool),
        "account_id": _ids(CELEBRITY_ACCOUNT_BASE, celeb),
        "created_at": pa.array(plan.start + pool_seconds(plan, pool), type=_TS),
        "text": text,
        "language": pa.array(np.asarray(voc.LANGUAGES, dtype=object)[lang]),
        "kind": pa.array(["original"] * n),
        "urls": urls,
        "domains": _single_lists(domain, has_url),
        "hashtags": tags,
        "media_hashes": _media(rng, rng.random(n) < 0.2),
    }
    columns |= _engagement(rng, n, platform)
    return _complete(columns, n)


def _complete(columns: dict[str, pa.Array], n: int) -> pa.Table:
    """Fill the columns a generator did not set with nulls / empty lists, in schema order."""
    arrays = []
    for field in POSTS_SCHEMA:
        if field.name in columns:
            arrays.append(columns[field.name])
        elif pa.types.is_list(field.type):
            arrays.append(
                pa.ListArray.from_arrays(
                    pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string())
                )
            )
        else:
            arrays.append(pa.nulls(n, field.type))
    return pa.Table.from_arrays(arrays, schema=POSTS_SCHEMA)


def organic_posts(plan: OrganicPlan, block: int) -> pa.Table:
    """Return organic posts of generation block ``block`` (rows ``block * BLOCK_ROWS ...``)."""
    rng = np.random.default_rng([plan.seed, 3, block])
    lo = block * BLOCK_ROWS
    row = np.arange(lo, min(lo + BLOCK_ROWS, plan.posts), dtype=np.int64)
    n = len(row)
    author = np.floor(plan.accounts * rng.random(n) ** 1.5).astype(np.int64)
    platform, tz, lang = account_traits(author)
    tz_hours = np.asarray([h for h, _, _ in voc.TIME_ZONES], dtype=np.int64)[tz]
    kind = pick((0.62, 0.28, 0.10), rng.random(n))  # original, share, reply
    period = plan.days * 86_400

    # Originals and replies follow the author's local rhythm; shares follow the pool post.
    days = rng.integers(0, plan.days, n)
    seconds = local_rhythm_seconds(rng, days, plan.weekday0, tz_hours) % period
    per_platform = plan.pool_posts // 4
    pool = zipf_ranks(rng, zipf_cdf(per_platform, 1.0), n) * 4 + platform
    delay = np.minimum(rng.lognormal(np.log(3 * 3600), 1.3, n), 40 * 3600).astype(np.int64)
    shared_at = pool_seconds(plan, pool) + 1 + delay
    seconds = np.where(kind == 1, shared_at, seconds)

    is_original = kind == 0
    has_url = is_original & (rng.random(n) < 0.35)
    url, domain = _news(rng, n)
    tag_count = np.where(is_original, pick((0.72, 0.2, 0.08), rng.random(n)), 0)
    tags = _hashtag_lists(rng, lang, tag_count)
    text = _texts(rng, lang, pc.if_else(pa.array(has_url), url, None), tags)
    hostile = row % HOSTILE_EVERY == 0
    if hostile.any():
        choice = (row[hostile] // HOSTILE_EVERY) % len(voc.HOSTILE_TEXTS)
        texts = text.to_numpy(zero_copy_only=False).astype(object)
        texts[hostile] = np.asarray(voc.HOSTILE_TEXTS, dtype=object)[choice]
        text = pa.array(texts, type=pa.string())
    is_share = kind == 1
    is_reply = kind == 2
    celeb = celebrity_of(pool)
    pool_ids = _ids(POOL_POST_BASE, pool)
    media = is_original & ((platform == 2) | (rng.random(n) < 0.08))
    columns = {
        "platform": pa.array(np.asarray(voc.PLATFORMS, dtype=object)[platform]),
        "post_id": _ids(ORGANIC_POST_BASE, row),
        "account_id": _ids(ORGANIC_ACCOUNT_BASE, author),
        "created_at": pa.array(plan.start + seconds, type=_TS),
        "text": pc.if_else(pa.array(is_share), pa.nulls(n, pa.string()), text),
        "language": pa.array(np.asarray(voc.LANGUAGES, dtype=object)[lang]),
        "kind": pa.array(np.asarray(("original", "share", "reply"), dtype=object)[kind]),
        "shared_post_id": pc.if_else(pa.array(is_share), pool_ids, None),
        "shared_account_id": pc.if_else(
            pa.array(is_share), _ids(CELEBRITY_ACCOUNT_BASE, celeb), None
        ),
        "reply_to_post_id": pc.if_else(pa.array(is_reply), pool_ids, None),
        "urls": _single_lists(url, has_url),
        "domains": _single_lists(domain, has_url),
        "hashtags": tags,
        "mentions": _single_lists(celebrity_handles(celeb), is_reply),
        "media_hashes": _media(rng, media),
    }
    columns |= _engagement(rng, n, platform)
    return _complete(columns, n)
