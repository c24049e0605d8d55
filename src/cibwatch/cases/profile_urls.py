"""The canonical address of an asset, built from its platform, kind, id and handle.

A takedown list is acted on: a link must point at the asset itself. The ``url`` column of
``accounts`` is the link an account *shows* in its profile (a website, or another account),
written by whoever runs the account, so it is never used here. The address is built from
the platform's own URL scheme instead, preferring the numeric id (handles change, and an
operator can take over a handle once an account is renamed) and falling back to the handle
where the platform has no address by id (Instagram, Telegram, TikTok).

Every part is checked before it goes into an address: an id or a handle with anything but
letters, digits, ``.``, ``_`` or ``-`` gives no address (``None``) rather than a link built
from hostile text.

>>> profile_url("x", "account", "2244994945", "XDevelopers")
'https://x.com/i/user/2244994945'
>>> profile_url("instagram", "account", "70000113", "stefan.weber0")
'https://www.instagram.com/stefan.weber0/'
>>> profile_url("facebook", "group", "70000112", None)
'https://www.facebook.com/groups/70000112'
>>> profile_url("telegram", "channel", "123", None) is None
True
"""

from __future__ import annotations

import re
from typing import Final

_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,128}")
_HANDLE: Final = re.compile(r"[A-Za-z0-9._-]{1,100}")
_DIGITS: Final = re.compile(r"[0-9]{1,30}")
_DOMAIN: Final = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")

#: Platforms and kinds :func:`profile_url` knows (documented in docs/web.md).
PLATFORMS: Final = (
    "facebook",
    "instagram",
    "x",
    "twitter",
    "telegram",
    "youtube",
    "tiktok",
    "web",
)
#: Kinds that are websites: their asset is a domain name.
WEBSITE_KINDS: Final = frozenset({"website", "domain"})


def _ok(pattern: re.Pattern[str], value: str | None) -> str | None:
    value = (value or "").strip().lstrip("@")
    return value if pattern.fullmatch(value) else None


def website_url(domain: str) -> str | None:
    """``https://domain/`` for a well-formed domain name, else ``None``."""
    name = domain.strip().lower().rstrip(".")
    return f"https://{name}/" if _DOMAIN.fullmatch(name) else None


def profile_url(platform: str, kind: str, account_id: str | None, handle: str | None) -> str | None:
    """The platform's own address of the asset, or ``None`` when none can be built safely."""
    platform, kind = platform.lower(), (kind or "account").lower()
    ident, name = _ok(_ID, account_id), _ok(_HANDLE, handle)
    number = _ok(_DIGITS, account_id)
    if kind in WEBSITE_KINDS or platform == "web":
        return website_url(account_id or handle or "")
    if platform == "facebook":
        if kind == "group":
            return f"https://www.facebook.com/groups/{ident}" if ident else None
        if number:  # pages and profiles both answer at their numeric id
            if kind == "page":
                return f"https://www.facebook.com/{number}"
            return f"https://www.facebook.com/profile.php?id={number}"
        return f"https://www.facebook.com/{name}" if name else None
    if platform == "instagram":
        return f"https://www.instagram.com/{name}/" if name else None
    if platform in ("x", "twitter"):
        if number:
            return f"https://x.com/i/user/{number}"
        return f"https://x.com/{name}" if name else None
    if platform == "telegram":
        return f"https://t.me/{name}" if name else None
    if platform == "youtube":
        if ident and ident.startswith("UC") and len(ident) == 24:
            return f"https://www.youtube.com/channel/{ident}"
        return f"https://www.youtube.com/@{name}" if name else None
    if platform == "tiktok":
        return f"https://www.tiktok.com/@{name}" if name else None
    return None
