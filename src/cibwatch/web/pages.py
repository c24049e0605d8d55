"""The dashboard's reading pages: accounts, domains, narratives, the takedown list, the audit log.

Everything here only reads: each page looks its facts up through the library
(:mod:`cibwatch.report.lookup`, :mod:`cibwatch.cases`) and renders them with the dashboard's
templates (:func:`cibwatch.web.dashboard.page`), escaped like every page. Downloads (the
takedown list as CSV, a network's indicators) are here too; the case forms and the network
list and page stay in :mod:`cibwatch.web.dashboard`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse

from cibwatch.cases import audit_log, network_names, takedown_list
from cibwatch.cases.profile_urls import profile_url
from cibwatch.networks import SCORE_WEIGHTS
from cibwatch.report.lookup import (
    PAGE,
    account_evidence,
    account_posts,
    account_profile,
    domain_facts,
    handles,
    posts_by_key,
)
from cibwatch.report.reading import SCORE_PARTS
from cibwatch.web.access import Workspaces
from cibwatch.web.dashboard import _viewer, page, page_number, plain_text
from cibwatch.web.views import (
    TAKEDOWN_SORTS,
    csv_download,
    find_network,
    linking,
    network_indicators,
    networks_by_id,
    sorted_takedown,
    takedown_csv,
)

router = APIRouter(include_in_schema=False)
#: Assets per page of the takedown list (the CSV download holds them all).
TAKEDOWN_PAGE = 100


def change_text(before: str | None, after: str | None) -> str:
    """An audit row's change in words: ``status: new -> in_review; reason: ...``."""
    old = json.loads(before) if before else {}
    new = json.loads(after) if after else {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return f"{before or ''} -> {after or ''}"
    parts = []
    for key in dict.fromkeys([*new, *old]):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key in old and old[key] is not None:
            parts.append(f"{key}: {plain_text(a)} -> {plain_text(b)}")
        else:
            parts.append(f"{key}: {plain_text(b)}")
    return "; ".join(parts)


@router.get("/audit")
def audit_page(request: Request, store: Workspaces, subject: str = "") -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        entries = audit_log(ws, subject.strip() or None)
        names = network_names(ws)
    rows = [
        dict(asdict(e), change=change_text(e.before, e.after), name=names.get(e.subject))
        for e in reversed(entries)
    ]
    return page("audit.html", who=who, entries=rows, subject=subject)


@router.get("/takedown")
def takedown_page(
    request: Request,
    store: Workspaces,
    platform: str = "",
    kind: str = "",
    network: str = "",
    page_: Annotated[str, Query(alias="page")] = "",
    sort: str = "",
    order: str = "",
) -> Response:
    """The takedown list, filtered and sorted, a page of :data:`TAKEDOWN_PAGE` assets at a time.

    ``sort`` is a column of :data:`TAKEDOWN_SORTS` (any other value sorts by network) and
    ``order`` ``desc`` or ascending; both are kept by the pager and the filter form.
    """
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        items = takedown_list(
            ws,
            platform=platform or None,
            kind=kind or None,
            network_ids=[network] if network else None,
        )
        everything = takedown_list(ws)
    sort = sort if sort in TAKEDOWN_SORTS else "network"
    descending = order == "desc"
    items = sorted_takedown(items, sort, descending=descending)
    query = urlencode(
        {k: v for k, v in (("platform", platform), ("kind", kind), ("network", network)) if v}
    )
    number = page_number(page_)
    return page(
        "takedown.html",
        who=who,
        items=items[number * TAKEDOWN_PAGE : (number + 1) * TAKEDOWN_PAGE],
        total=len(items),
        page_number=number,
        pages=max(1, -(-len(items) // TAKEDOWN_PAGE)),
        query=query,
        platforms=sorted({i.platform for i in everything}),
        kinds=sorted({i.kind for i in everything}),
        networks=sorted({(i.network_id, i.network_name or i.network_id) for i in everything}),
        platform=platform,
        kind=kind,
        network=network,
        sort=sort,
        descending=descending,
        sorts=TAKEDOWN_SORTS,
        csv_link="/takedown.csv" + (f"?{query}" if query else ""),
    )


@router.get("/takedown.csv")
def takedown_download(
    request: Request, store: Workspaces, platform: str = "", kind: str = "", network: str = ""
) -> Response:
    """The takedown list as CSV, with the page's filters."""
    if _viewer(request) is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        text = takedown_csv(
            ws,
            platform=platform or None,
            kind=kind or None,
            network_ids=[network] if network else None,
        )
    return csv_download(text, f"takedown{'-' + platform if platform else ''}.csv")


@router.get("/networks/{network_id}/indicators.{fmt}")
def indicators_download(request: Request, network_id: str, fmt: str, store: Workspaces) -> Response:
    """The network's indicators as the platforms' CSV or a STIX 2.1 bundle.

    Marked unreviewed unless the network's case is confirmed (see docs/indicators.md).
    """
    if _viewer(request) is None:
        return RedirectResponse("/login", status_code=303)
    if fmt not in ("csv", "stix.json"):
        raise HTTPException(404, "indicators come as .csv or .stix.json")
    with store.read() as ws:
        find_network(store, ws, network_id)
        text = network_indicators(ws, network_id, fmt)
    if fmt == "csv":
        return csv_download(text, f"indicators-{network_id}.csv")
    return Response(
        text,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="indicators-{network_id}.stix.json"'
        },
    )


@router.get("/accounts/{account}")
def account_page(
    request: Request,
    account: str,
    store: Workspaces,
    page_: Annotated[str, Query(alias="page")] = "",
) -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    number = page_number(page_)
    with store.read() as ws:
        profile = account_profile(ws, account)
        posts, total = account_posts(ws, account, offset=number * PAGE)
        nets = [n for n in networks_by_id(store, ws).values() if account in n.members]
        runs = sorted(
            {
                r
                for n in networks_by_id(store, ws).values()
                for r in n.summary.get("evidence_runs", [])
            }
        )
        evidence = account_evidence(ws, account, runs)
        names = network_names(ws)
    if profile is None and not posts:
        return page(
            "error.html", 404, who=who, message=f"no account {account} in the workspace", back="/"
        )
    platform, _, account_id = account.partition(":")
    link = profile_url(
        platform,
        (profile or {}).get("kind") or "account",
        account_id,
        (profile or {}).get("handle"),
    )
    return page(
        "account.html",
        who=who,
        account=account,
        profile=profile or {},
        link=link,
        posts=posts,
        total=total,
        page_number=number,
        pages=max(1, -(-total // PAGE)),
        networks=[(n.network_id, names.get(n.network_id)) for n in nets],
        evidence=evidence,
    )


@router.get("/narratives/{narrative}")
def narrative_page(
    request: Request,
    narrative: str,
    store: Workspaces,
    page_: Annotated[str, Query(alias="page")] = "",
) -> Response:
    """One narrative (a claim across languages): its posts, who posted them, how it was linked."""
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    number = page_number(page_)
    with store.read() as ws:
        joined = linking(store, ws)
        keys = joined.posts_of(narrative)
        if not keys:
            message = f"no narrative {narrative} in the latest assembly"
            return page("error.html", 404, who=who, message=message, back="/")
        posts = posts_by_key(ws, keys, offset=number * PAGE)
        labels = handles(ws, [p["account"] for p in posts])
        members = {
            m: (n.network_id, names.get(n.network_id))
            for names in [network_names(ws)]
            for n in networks_by_id(store, ws).values()
            for m in n.members
        }
    return page(
        "narrative.html",
        who=who,
        narrative=narrative,
        total=len(keys),
        posts=posts,
        labels=labels,
        members=members,
        languages=joined.languages.get(narrative, []),
        links=joined.evidence(narrative)[:10],
        page_number=number,
        pages=max(1, -(-len(keys) // PAGE)),
    )


@router.get("/domains/{domain}")
def domain_page(request: Request, domain: str, store: Workspaces) -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    with store.read() as ws:
        nets = list(networks_by_id(store, ws).values())
        runs = sorted({r for n in nets for r in n.summary.get("evidence_runs", [])})
        facts = domain_facts(ws, domain, runs)
        names = network_names(ws)
        labels = handles(ws, [s["account"] for s in facts["sharers"]])
    linked = [
        (n.network_id, names.get(n.network_id))
        for n in nets
        if domain in n.summary.get("lookalike_domains", [])
    ]
    return page("domain.html", who=who, facts=facts, networks=linked, labels=labels)


@router.get("/glossary")
def glossary_page(request: Request) -> Response:
    """The terms the pages use, and how the score is made."""
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    text = (
        "A network's score, from 0 to 1, is a weighted sum of four parts, each from 0 to 1. "
        "It ranks networks for review; it is not a probability."
    )
    return page("glossary.html", who=who, score_text=text, parts=SCORE_PARTS, weights=SCORE_WEIGHTS)
