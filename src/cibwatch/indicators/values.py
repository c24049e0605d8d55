"""Refanging and classifying the values found in indicator files.

Published indicator files defang values so that nobody clicks them (``example[.]com``,
``hxxps://``) and mix real indicators with free text ("37 accounts", "Facebook Pages").
:func:`classify` turns one cell into an indicator type and a canonical value, or says why
the text is not an indicator. Export and import use the same :func:`url_type`, so a link
exported as an account URL comes back as one.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import quote, urlsplit

# (defanged, refanged), applied in order; matched case-insensitively.
_REFANG: Final = (
    ("[://]", "://"),
    ("[:]", ":"),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("[/]", "/"),
)
_HXXP = re.compile(r"^h(?:xx|\*\*|XX)p(s?)(?=://|\[:)", re.IGNORECASE)
_LABEL = r"(?:xn--)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+(?:xn--[a-z0-9-]+|[a-z]{{2,63}})$")
_COUNT = re.compile(r"^\s*(?:~|approx\.?|about|over|more than)?\s*[\d][\d,.]*\+?\s+\S")
_HEX = re.compile(r"^[0-9a-f]+$")

#: Hosts whose links are profiles, pages or channels rather than content sites.
SOCIAL_HOSTS: Final = frozenset(
    {
        "facebook.com",
        "fb.com",
        "instagram.com",
        "x.com",
        "twitter.com",
        "t.me",
        "telegram.me",
        "tiktok.com",
        "youtube.com",
        "vk.com",
        "ok.ru",
        "linkedin.com",
        "threads.net",
        "reddit.com",
        "medium.com",
    }
)

#: How each platform's profile link is written (``{h}`` is the handle, ``{i}`` the id).
PROFILE_URLS: Final = {
    "x": "https://x.com/{h}",
    "twitter": "https://x.com/{h}",
    "instagram": "https://www.instagram.com/{h}",
    "telegram": "https://t.me/{h}",
    "tiktok": "https://www.tiktok.com/@{h}",
    "youtube": "https://www.youtube.com/@{h}",
    "vk": "https://vk.com/{h}",
}


def refang(text: str) -> str:
    """Undo the usual defanging of domains and URLs.

    >>> refang("hxxps://example[.]com/a"), refang("news(.)example[.]org")
    ('https://example.com/a', 'news.example.org')
    """
    out = _HXXP.sub(lambda m: "http" + m.group(1).lower(), text.strip())
    for defanged, plain in _REFANG:
        out = re.sub(re.escape(defanged), plain, out, flags=re.IGNORECASE)
    return out


def _host(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
    return host


def _site(host: str) -> str:
    for prefix in ("www.", "m.", "mobile.", "web."):
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host


def url_type(url: str) -> str:
    """``account_url`` for a link to a profile on a social platform, else ``url``.

    >>> url_type("https://t.me/somechannel"), url_type("https://news.example/a")
    ('account_url', 'url')
    """
    parts = urlsplit(url)
    if _site(_host(parts.netloc)) in SOCIAL_HOSTS and parts.path.strip("/"):
        return "account_url"
    return "url"


def profile_url(platform: str, account_id: str, handle: str | None, kind: str | None) -> str | None:
    """The public link of an account, or None where cibwatch cannot write one.

    >>> profile_url("x", "1", "some_user", "account")
    'https://x.com/some_user'
    >>> profile_url("facebook", "100", None, "account")
    'https://www.facebook.com/profile.php?id=100'
    """
    platform = platform.lower()
    if platform == "facebook":
        if handle and kind in ("page", "group"):
            prefix = "groups/" if kind == "group" else ""
            return f"https://www.facebook.com/{prefix}{quote(handle, safe='')}"
        return f"https://www.facebook.com/profile.php?id={quote(account_id, safe='')}"
    template = PROFILE_URLS.get(platform)
    if template is None or not handle:
        return None
    return template.format(h=quote(handle.lstrip("@"), safe=""))


def classify(cell: str) -> tuple[str | None, str]:
    """Return ``(type, canonical value)`` for an indicator, or ``(None, reason)``.

    >>> classify("example[.]com")
    ('domain', 'example.com')
    >>> classify("facebook.com/SomePage")
    ('account_url', 'https://facebook.com/SomePage')
    >>> classify("37 accounts")
    (None, 'a count of assets, not an indicator')
    """
    text = refang(cell)
    if not text:
        return None, "empty cell"
    if _COUNT.match(text):
        return None, "a count of assets, not an indicator"
    if any(ch.isspace() for ch in text):
        return None, "free text, not an indicator"
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        return _url(text)
    try:
        return "ip", str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if _HEX.match(lowered) and len(lowered) in (32, 64):
        return ("md5" if len(lowered) == 32 else "sha256"), lowered
    head = lowered.split("/", 1)[0]
    if "/" in lowered and _DOMAIN.match(head):
        return _url("https://" + text)
    if _DOMAIN.match(lowered.rstrip(".")):
        return "domain", lowered.rstrip(".")
    if re.fullmatch(r"@[A-Za-z0-9_.]{1,64}", text):
        return "handle", text
    return None, "not a domain, URL, address or hash"


def _url(text: str) -> tuple[str | None, str]:
    parts = urlsplit(text)
    host = _host(parts.netloc)
    if not (_DOMAIN.match(host) or _is_ip(host)):
        return None, "a link without a valid host"
    canonical = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
    return url_type(canonical), canonical


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
