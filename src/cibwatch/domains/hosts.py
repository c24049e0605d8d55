"""Turning an observed domain or URL into a host and its registered domain.

The Public Suffix List decides where the registered domain starts, including its private
section: ``co.com``, ``eu.com`` and ``com.de`` are suffixes sold to anyone, so
``theguardian.co.com`` is a registration of the label ``theguardian`` under ``co.com``, not
a subdomain of ``co.com``. The list ships with the ``publicsuffixlist`` package, so nothing
is fetched.

>>> p = split_host("https://www.spiegel.de.example.com/politik")
>>> (p.host, p.registered, p.suffix, p.label, p.subdomain)
('spiegel.de.example.com', 'example.com', 'com', 'example', 'spiegel.de')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from cibwatch.errors import InputError

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@lru_cache(maxsize=1)
def public_suffix_list() -> PublicSuffixList:
    """The bundled Public Suffix List (ICANN and private sections), parsed once."""
    return PublicSuffixList()


@dataclass(frozen=True)
class HostParts:
    """A host cut at the public suffix: ``subdomain.label.suffix``."""

    host: str
    registered: str
    suffix: str
    label: str
    subdomain: str


def normalize_host(text: str) -> str:
    """Return the lower-case ASCII (punycode) host of a domain or URL.

    Drops scheme, credentials, port, path, a trailing dot and a leading ``www.``; encodes
    Unicode labels with IDNA so that a Unicode look-alike and its ``xn--`` form are
    the same host. Raises :class:`ValueError` when the text is not a host name.

    >>> normalize_host("HTTP://WWW.Bild.de:443/news?x=1")
    'bild.de'
    """
    value = text.strip()
    if not value:
        raise ValueError("empty line")
    value = _SCHEME.sub("", value)
    value = re.split(r"[/?#]", value, maxsplit=1)[0]
    value = value.rsplit("@", 1)[-1]
    if value.startswith("["):
        raise ValueError("an IP address is not a domain")
    value = value.split(":", 1)[0].rstrip(".").lower()
    if value.startswith("www."):
        value = value[4:]
    if not value.isascii():
        try:
            value = ".".join(
                label.encode("idna").decode("ascii") if not label.isascii() else label
                for label in value.split(".")
            )
        except UnicodeError as exc:
            raise ValueError(f"not a valid internationalised domain name: {exc}") from exc
    labels = value.split(".")
    if len(labels) < 2 or len(value) > 253:
        raise ValueError(f"not a domain name: {text.strip()[:80]!r}")
    for label in labels:
        if not _LABEL.match(label):
            raise ValueError(f"not a domain name: {text.strip()[:80]!r}")
    if all(label.isdigit() for label in labels):
        raise ValueError("an IP address is not a domain")
    return value


@lru_cache(maxsize=65_536)
def split_host(text: str) -> HostParts:
    """Normalise ``text`` and cut it at its public suffix (see the module docstring).

    Raises :class:`ValueError` when the host is itself a public suffix (``co.uk``).
    Remembered per text (the result is immutable): the brand list's 2,600 domains are cut
    when the list is read and again when the look-alike index is built, two Public Suffix
    List lookups of some 30 microseconds each, and observed domains repeat.
    """
    host = normalize_host(text)
    psl = public_suffix_list()
    registered = psl.privatesuffix(host)
    suffix = psl.publicsuffix(host)
    if registered is None or suffix is None:
        raise ValueError(f"{host} is a public suffix, not a registered domain")
    label = registered[: -len(suffix) - 1]
    subdomain = host[: -len(registered) - 1] if host != registered else ""
    return HostParts(host, registered, suffix, label, subdomain)


def parse_domain(text: str, *, file: str | None = None, row: int | None = None) -> HostParts:
    """:func:`split_host`, raising :class:`~cibwatch.errors.InputError` located at file/row."""
    try:
        return split_host(text)
    except ValueError as exc:
        raise InputError(str(exc), file=file, row=row, field="domain") from exc
