"""The report's indicators appendix: what ``cibwatch export`` shares, made unclickable.

The indicators come from :func:`cibwatch.indicators.collect.collect`, the same function the
STIX and CSV exports use, so the appendix lists exactly what is shared. Values are defanged
the way platform threat reports write them (``hxxps://``, ``example[.]com``): in a URL only
the scheme and the host are touched, so the path stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cibwatch.errors import WorkspaceError
from cibwatch.indicators.collect import collect

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

_SCHEMES = {"http": "hxxp", "https": "hxxps", "ftp": "fxp"}


def defang_indicator(kind: str, value: str) -> str:
    """``value`` written so that no viewer turns it into a live link.

    >>> defang_indicator("domain", "spiegel.ltd")
    'spiegel[.]ltd'
    >>> defang_indicator("url", "https://www.spiegel.ltd/a.html?x=1")
    'hxxps://www[.]spiegel[.]ltd/a.html?x=1'
    """
    if kind in ("domain", "ip"):
        return value.replace(".", "[.]")
    if kind not in ("url", "account_url"):
        return value
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        return value.replace(".", "[.]").replace("://", "[://]")
    scheme = _SCHEMES.get(parts.scheme.lower(), parts.scheme)
    rest = value[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{scheme}://{parts.netloc.replace('.', '[.]')}{rest}"


def indicator_appendix(workspace: Workspace) -> dict[str, list[dict[str, Any]]]:
    """Network id -> its shared indicators ``{type, value, defanged, comment}``."""
    try:
        shareable = collect(workspace, include="all")
    except WorkspaceError:  # nothing assembled: nothing is shared
        return {}
    return {
        facts.network.network_id: [
            {
                "type": i.type,
                "value": i.value,
                "defanged": defang_indicator(i.type, i.value),
                "comment": i.comment,
            }
            for i in facts.indicators
        ]
        for facts in shareable.networks
    }
