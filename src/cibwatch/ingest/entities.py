"""Hashtags, mentions, links and retweets read from a post's text, and derived post ids.

Some sources give only the text of a post (FiveThirtyEight's troll tweets, CSV exports,
generic files without entity columns): the hashtags, mentions and links then exist only
inside the text, and a retweet is a text beginning ``RT @handle:``. Without reading them
the co-action detectors see nothing of what the accounts did together, so every such
source reads them here, with one set of rules:

- hashtags: ``#`` then letters, digits or ``_`` with at least one letter (``#2016`` is not a
  hashtag on Twitter), not preceded by a letter, digit or ``&`` (``&#39;`` is an entity);
  lower-cased by the loader;
- mentions: ``@`` then 1-15 of ``A-Z a-z 0-9 _`` not preceded by a word character (so an
  e-mail address is not a mention) nor followed by one (longer names are not handles);
- links: ``http://`` or ``https://`` up to white space, without trailing punctuation, kept
  as written (``t.co`` links are not expanded: we never fetch); a link cut by truncation
  (``https://t…``) whose host has no dot is dropped;
- retweets: a text beginning ``RT @handle:`` or ``MT @handle`` (colon optional; also
  ``RT handle:``, as some exports write it without the ``@``) shares that
  account's text. Retweets of one tweet by different accounts carry the same text, so the
  shared post's id is derived from the handle and the retweeted text (white space collapsed,
  case folded): :func:`shared_post_id`. Two accounts retweeting the same tweet then act on
  the same ``shared_post`` object, whatever the source's ids. A source that marks a row as
  a retweet but gives only the retweeted text (FiveThirtyEight's ``post_type`` ``R``: no
  ``RT @handle:``) gets an id from the text alone, so its retweeters meet too.

A post id derived from the post itself (source without ids) starts with
:data:`DERIVED_PREFIX`, so that every output can tell it from an id the platform gave.

>>> hashtags("Vote! #MAGA #2016 &#39; #tcot")
['MAGA', 'tcot']
>>> mentions("RT @TEN_GOP: ask a@b.com or @fox_news")
['TEN_GOP', 'fox_news']
>>> urls("see https://t.co/abc, and https://t…")
['https://t.co/abc']
>>> retweet_of("RT @TEN_GOP: Breaking news"), retweet_of("RT mkues65: Look")
(('TEN_GOP', 'Breaking news'), ('mkues65', 'Look'))
>>> retweet_of("RT this if you agree: yes") is None
True
>>> shared_post_id("ten_gop", "Breaking  news") == shared_post_id("TEN_GOP", "breaking news")
True
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

#: Every derived id starts with this: the source gave no id for the post.
DERIVED_PREFIX: Final = "derived:"

# Twitter also takes the full-width signs U+FF03 and U+FF20; a link ends at any quote mark.
_HASHTAG = re.compile(r"(?<![\w&])[#\uff03](\w*[^\W\d]\w*)")
_MENTION = re.compile(r"(?<![\w@])[@\uff20]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")
_URL = re.compile(r"https?://[^\s<>\"'\u201c\u201d\u2018\u2019]+", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)]}…"
_HOST = re.compile(r"^https?://([^/?#:]+)", re.IGNORECASE)
# ``RT @handle: text``, ``MT @handle text``, and ``RT handle: text`` (the "@" lost in export).
_RETWEET = re.compile(
    r"^\s*(?:RT|MT)\s*(?:@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_]):?|\s([A-Za-z0-9_]{1,15}):)"
    r"\s*(.*)$",
    re.S,
)
_SPACE = re.compile(r"\s+")
#: Link shorteners whose host says nothing about where the link leads.
SHORTENER_HOSTS: Final = frozenset({"t.co"})


def hashtags(text: str | None) -> list[str]:
    """Hashtags in ``text``, without ``#``, in order of appearance (repeats kept once)."""
    # most texts hold no sign at all: a substring test is far cheaper than the search
    if not text or ("#" not in text and "\uff03" not in text):
        return []
    return _unique(_HASHTAG.findall(text))


def mentions(text: str | None) -> list[str]:
    """Mentioned handles in ``text``, without ``@``, in order (repeats kept once)."""
    if not text or ("@" not in text and "\uff20" not in text):
        return []
    return _unique(_MENTION.findall(text))


def urls(text: str | None) -> list[str]:
    """Links in ``text`` as written (no expansion), in order (repeats kept once)."""
    if not text or "://" not in text:
        return []
    found = []
    for match in _URL.findall(text):
        url = match.rstrip(_URL_TRAIL)
        host = _HOST.match(url)
        if host is not None and "." in host.group(1):
            found.append(url)
    return _unique(found)


def host(url: str) -> str | None:
    """The lower-cased host of an ``http(s)`` link, without ``www.``; ``None`` if none."""
    match = _HOST.match(url)
    if match is None:
        return None
    name = match.group(1).lower()
    return name[4:] if name.startswith("www.") else name


def domains(links: list[str]) -> list[str]:
    """Hosts of ``links`` that say where a link leads (shorteners such as t.co left out)."""
    # most links of a tweet dataset are t.co links: known without a regular expression
    hosts = (None if _on_tco(url) else host(url) for url in links)
    return _unique([h for h in hosts if h and h not in SHORTENER_HOSTS])


def _on_tco(url: str) -> bool:
    """Whether ``url`` begins ``http(s)://t.co/`` (any case), so that its host is t.co."""
    head = url[:13].lower()
    return head == "https://t.co/" or head[:12] == "http://t.co/"


def retweet_of(text: str | None) -> tuple[str, str] | None:
    """``(handle, retweeted text)`` when ``text`` is a ``RT @handle:``/``MT @handle`` share."""
    match = _RETWEET.match(text) if text else None
    if match is None:
        return None
    return match.group(1) or match.group(2), match.group(3)


def shared_post_id(handle: str | None, text: str) -> str:
    """The derived id of the post that a retweet of ``handle``'s ``text`` shares.

    Every retweet of one tweet carries the same handle and text, so every retweeter gets
    the same id; white space and case are folded because manual retweets vary in both.
    Without a handle (the source gave only the retweeted text) the id is the text's alone.

    >>> shared_post_id(None, "Same text") == shared_post_id(None, " same  TEXT ")
    True
    """
    normal = _SPACE.sub(" ", text).strip().casefold()
    who = f"{handle.lower()}:" if handle else ""
    return f"{DERIVED_PREFIX}rt:{who}{_digest(normal)}"


def post_id(account: str, created_at: str, text: str | None) -> str:
    """A stable id for a post whose source gives none: from its author, time and text.

    Two rows with the same author, time and text get the same id and are counted as
    duplicates (the loader keeps the first), which is what a repeated row in an export is.
    """
    return DERIVED_PREFIX + _digest(f"{account.lower()}\x1f{created_at}\x1f{text or ''}")


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
