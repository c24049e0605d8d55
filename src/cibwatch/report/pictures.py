"""The report's pictures as inline SVG, drawn in Python: no JavaScript, no external files.

Each function returns a :class:`markupsafe.Markup` string, so the HTML template can insert it
without ``|safe`` while every text node and attribute value built from data goes through
:func:`markupsafe.escape` here: an account called ``</svg><script>`` stays text. The
pictures are deterministic (the graph layout starts from a fixed circle and Kamada-Kawai
uses no random numbers), so two renderings of one workspace are byte-identical.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Final

import igraph as ig
from markupsafe import Markup, escape

#: Colours per platform (colour-blind-safe Okabe-Ito palette); unknown platforms cycle.
PLATFORM_COLOURS: Final = {
    "x": "#0072B2",
    "facebook": "#E69F00",
    "instagram": "#CC79A7",
    "telegram": "#009E73",
    "youtube": "#D55E00",
    "tiktok": "#56B4E9",
    "vk": "#F0E442",
}
_SPARE_COLOURS: Final = ("#999999", "#332288", "#882255", "#117733", "#44AA99")
#: Beyond this many days the timeline counts posts per week, so bars stay visible.
DAILY_LIMIT: Final = 180
#: Legibility caps for the network graph.
GRAPH_NODES: Final = 60
GRAPH_EDGES: Final = 300
_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def platform_colour(platform: str, order: list[str]) -> str:
    """The colour of ``platform``; platforms outside the palette get spare colours in order."""
    if platform in PLATFORM_COLOURS:
        return PLATFORM_COLOURS[platform]
    spare = [p for p in order if p not in PLATFORM_COLOURS]
    index = spare.index(platform) if platform in spare else 0
    return _SPARE_COLOURS[index % len(_SPARE_COLOURS)]


def _text(x: float, y: float, value: object, **attrs: object) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(value)}</text>'


def standalone(svg: str) -> str:
    """``svg`` as a file of its own: an SVG file needs the namespace that inline SVG omits."""
    return '<svg xmlns="http://www.w3.org/2000/svg" ' + svg.removeprefix("<svg ")


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    head = (
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        'font-family="system-ui, sans-serif" font-size="11">'
        f"<title>{escape(label)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _legend(x: float, y: float, platforms: list[str]) -> list[str]:
    out = []
    for i, p in enumerate(platforms):
        colour = platform_colour(p, platforms)
        out.append(
            f'<rect x="{x:.1f}" y="{y + 16 * i:.1f}" width="10" height="10" fill="{colour}"/>'
        )
        out.append(_text(x + 14, y + 16 * i + 9, p))
    return out


def timeline_bins(rows: list[dict[str, Any]]) -> tuple[str, list[date], dict[str, list[int]]]:
    """Posts per day (or per week beyond :data:`DAILY_LIMIT` days) and platform.

    ``rows`` hold ``day`` (a date), ``platform`` and ``posts``. Returns the bin unit, the
    first day of every bin (gaps included, so the x axis is true time) and the counts per
    platform in bin order.
    """
    if not rows:
        return "day", [], {}
    first = min(r["day"] for r in rows)
    last = max(r["day"] for r in rows)
    span = (last - first).days + 1
    step = 1 if span <= DAILY_LIMIT else 7
    n = (span + step - 1) // step
    starts = [first + timedelta(days=step * i) for i in range(n)]
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    for r in rows:
        counts[str(r["platform"])][(r["day"] - first).days // step] += int(r["posts"])
    return ("day" if step == 1 else "week"), starts, dict(sorted(counts.items()))


def timeline_svg(rows: list[dict[str, Any]], *, width: int = 760, height: int = 220) -> Markup:
    """Stacked bars of posts per day (or week) by platform, with axes and a legend."""
    unit, starts, counts = timeline_bins(rows)
    label = f"Posts per {unit} by platform"
    if not starts:
        return _svg(width, 40, label, [_text(8, 24, "No posts.")])
    platforms = list(counts)
    left, right, top, bottom = 48, 110, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(c[i] for c in counts.values()) for i in range(len(starts))]
    peak = max(totals) or 1
    bar_w = plot_w / len(starts)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        body.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#333"/>')
        body.append(_text(left - 6, y + 4, f"{tick:,}", text_anchor="end"))
    for i, start in enumerate(starts):
        base = float(top + plot_h)
        bar = max(bar_w - 0.5, 0.5)
        for p in platforms:
            c = counts[p][i]
            if not c:
                continue
            h = plot_h * c / peak
            base -= h
            body.append(
                f'<rect x="{left + i * bar_w:.2f}" y="{base:.2f}" width="{bar:.2f}" '
                f'height="{h:.2f}" fill="{platform_colour(p, platforms)}">'
                f"<title>{escape(f'{start.isoformat()} {p}: {c} posts')}</title></rect>"
            )
    ticks = min(6, len(starts))
    for k in range(ticks):
        i = round(k * (len(starts) - 1) / max(ticks - 1, 1))
        x = left + (i + 0.5) * bar_w
        body.append(
            f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 4}" '
            'stroke="#333"/>'
        )
        body.append(_text(x, top + plot_h + 16, starts[i].isoformat(), text_anchor="middle"))
    body.append(_text(left + plot_w / 2, height - 4, f"{unit} (UTC)", text_anchor="middle"))
    body.append(
        _text(
            12,
            top + plot_h / 2,
            f"posts per {unit}",
            text_anchor="middle",
            transform=f"rotate(-90 12 {top + plot_h / 2:.1f})",
        )
    )
    body.extend(_legend(width - right + 12, top, platforms))
    return _svg(width, height, label, body)


def _graph_subset(
    members: list[str], edges: list[dict[str, Any]]
) -> tuple[list[str], list[dict[str, Any]], int]:
    """The strongest nodes (by summed edge weight) and edges within the legibility caps.

    Also returns how many edges join the kept nodes before the edge cap.
    """
    degree: dict[str, float] = defaultdict(float)
    for e in edges:
        degree[e["a"]] += e["weight"]
        degree[e["b"]] += e["weight"]
    nodes = sorted(members, key=lambda m: (-degree.get(m, 0.0), m))[:GRAPH_NODES]
    keep = set(nodes)
    inside = [e for e in edges if e["a"] in keep and e["b"] in keep]
    inside.sort(key=lambda e: (-e["weight"], e["a"], e["b"]))
    return sorted(nodes), inside[:GRAPH_EDGES], len(inside)


#: Hubs (most strongly tied accounts) named on the network picture.
HUBS = 5


def graph_picture(
    members: list[str],
    edges: list[dict[str, Any]],
    *,
    size: int = 520,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The network drawn as nodes (colour = platform) and edges (width = fused strength).

    ``edges`` hold ``a``, ``b`` (account keys) and ``weight``. The layout is a weighted
    force layout, so groups of accounts more tied to each other than to the rest (the
    communities, found by multilevel modularity and counted in the caption) sit together;
    the :data:`HUBS` most strongly tied accounts are named (``labels``: key -> handle).
    Returns the SVG and a caption that says what is shown, and whether caps cut anything.
    """
    nodes, shown, between = _graph_subset(members, edges)
    index = {m: i for i, m in enumerate(nodes)}
    platforms = sorted({m.split(":", 1)[0] for m in nodes})
    graph = ig.Graph(n=len(nodes), edges=[(index[e["a"]], index[e["b"]]) for e in shown])
    weights = [e["weight"] for e in shown]
    communities = 1
    if len(nodes) > 1:
        seed = graph.layout_circle().coords
        if shown:
            # igraph draws from one process-wide generator: a seeded one for this picture
            # makes the same workspace give the same picture, then the default comes back
            ig.set_random_number_generator(random.Random(0))
            try:
                coords = graph.layout_fruchterman_reingold(
                    seed=seed, weights=weights, niter=500
                ).coords
                parts = graph.community_multilevel(weights=weights)
            finally:
                ig.set_random_number_generator(random)
            communities = sum(1 for c in parts if len(c) > 1)
        else:
            coords = seed
    else:
        coords = [[0.0, 0.0] for _ in nodes]
    strength: dict[str, float] = defaultdict(float)
    for e in shown:
        strength[e["a"]] += e["weight"]
        strength[e["b"]] += e["weight"]
    hubs = sorted(nodes, key=lambda m: (-strength.get(m, 0.0), m))[:HUBS]
    legend_w = 170
    pad = 16
    xs = [c[0] for c in coords] or [0.0]
    ys = [c[1] for c in coords] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)

    def at(i: int) -> tuple[float, float]:
        x = pad + (coords[i][0] - min(xs)) / span * (size - 2 * pad)
        y = pad + (coords[i][1] - min(ys)) / span * (size - 2 * pad)
        return x, y

    top_weight = max((e["weight"] for e in shown), default=1.0) or 1.0
    body: list[str] = []
    for e in shown:
        (x1, y1), (x2, y2) = at(index[e["a"]]), at(index[e["b"]])
        w = 0.4 + 3.6 * math.sqrt(e["weight"] / top_weight)
        edge_title = f"{e['a']} - {e['b']}: {e['weight']:.1f}"
        body.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#777" '
            f'stroke-opacity="0.55" stroke-width="{w:.2f}">'
            f"<title>{escape(edge_title)}</title></line>"
        )
    for m, i in index.items():
        x, y = at(i)
        colour = platform_colour(m.split(":", 1)[0], platforms)
        hub = m in hubs
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{8 if hub else 5}" fill="{colour}" '
            f'stroke="{"#222" if hub else "#fff"}" stroke-width="{1.5 if hub else 1}">'
            f"<title>{escape(m)}</title></circle>"
        )
    for rank, m in enumerate(hubs, start=1):
        x, y = at(index[m])
        body.append(
            _text(
                x,
                y + 3.5,
                rank,
                text_anchor="middle",
                font_size="9",
                font_weight="bold",
                fill="#fff",
            )
        )
    hub_top = pad + 18 * (len(platforms) + 1)
    if hubs:
        body.append(_text(size + 8, hub_top, "Hubs", font_weight="bold"))
    for rank, m in enumerate(hubs, start=1):
        name = (labels or {}).get(m, m)
        short = name if len(name) <= 22 else name[:21] + "…"
        body.append(_text(size + 8, hub_top + 16 * rank, f"{rank} {short}"))
    body.extend(_legend(size + 8, pad, platforms))
    label = "Network graph: accounts and the evidence linking them"
    caption = (
        f"{len(nodes)} accounts and {len(shown)} links (significant pair evidence; "
        "line width = fused strength, sum of -log10 q over signals). Accounts close together "
        f"are tied more strongly; {communities} group{'' if communities == 1 else 's'} of "
        "accounts more tied to each other than to the rest. Named: the "
        f"{len(hubs)} most strongly tied accounts (hubs)."
    )
    cut = []
    if len(nodes) < len(members):
        cut.append(f"the {len(nodes)} most linked of {len(members)} accounts")
    if len(shown) < between:
        cut.append(f"the {len(shown)} strongest of the {between} links between them")
    if cut:
        caption += " Capped for legibility: " + " and ".join(cut) + " are drawn."
    return {"svg": _svg(size + legend_w, size, label, body), "caption": caption}


def heatmap_svg(heatmap: list[list[int]], offset: int | None) -> Markup:
    """The hour-of-week heatmap (rows Mon-Sun, columns hours) in the operator's time."""
    zone = f"UTC{offset:+d}" if offset is not None else "UTC"
    label = f"Posts per hour of the week, in {zone}"
    cell, left, top = 22, 36, 20
    peak = max((max(r) for r in heatmap), default=0) or 1
    body = [
        _text(left + i * cell + cell / 2, top - 6, f"{i:02d}", text_anchor="middle", font_size="9")
        for i in range(24)
    ]
    for d, row in enumerate(heatmap):
        y = top + d * cell
        body.append(_text(left - 4, y + cell / 2 + 4, _DAYS[d], text_anchor="end"))
        for h, c in enumerate(row):
            body.append(
                f'<rect x="{left + h * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="#a01414" fill-opacity="{c / peak:.2f}" stroke="#eee">'
                f"<title>{escape(f'{_DAYS[d]} {h:02d}:00: {c} posts')}</title></rect>"
            )
    return _svg(left + 24 * cell + 4, top + 7 * cell + 4, label, body)
