"""Page evidence: does a saved copy of a suspect site look like the outlet's own page?

Compares two HTML snapshots (files an analyst saved; nothing is fetched) on four parts:
the title, the logo (image and icon file names, ``og:image``), the layout (the sequence of
structural tags) and the visible text (word shingles). Clones of news sites copy the
outlet's markup and assets wholesale, so several parts agree at once.

>>> brand = "<html><head><title>DER SPIEGEL | Nachrichten</title></head><body>"
>>> brand += "<header><img src='/logo-spiegel.svg'></header><main><p>Die Regierung plant "
>>> brand += "neue Gesetze für das kommende Jahr.</p></main></body></html>"
>>> compare_pages(brand.replace("/logo", "https://cdn.x/logo"), brand).score >= 0.9
True
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from cibwatch.errors import InputError

_LAYOUT_TAGS = frozenset(
    [
        "html",
        "head",
        "body",
        "header",
        "nav",
        "main",
        "article",
        "section",
        "aside",
        "footer",
        "div",
        "ul",
        "ol",
        "li",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "table",
        "figure",
        "img",
        "a",
        "p",
    ]
)
_SKIP_TEXT = frozenset({"script", "style", "noscript", "template"})
_WORD = re.compile(r"\w+", re.UNICODE)
#: Weight of each part in the overall score.
WEIGHTS = {"title": 0.25, "logo": 0.25, "layout": 0.2, "text": 0.3}


@dataclass
class PageFeatures:
    """What a snapshot is compared on."""

    title: str = ""
    assets: set[str] = field(default_factory=set)
    layout: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.features = PageFeatures()
        self._stack: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _LAYOUT_TAGS and len(self.features.layout) < 2000:
            self.features.layout.append(tag)
        if tag == "title":
            self._in_title = True
        src = None
        if tag == "img":
            src = values.get("src")
        elif tag == "link" and "icon" in (values.get("rel") or ""):
            src = values.get("href")
        elif tag == "meta" and values.get("property") == "og:image":
            src = values.get("content")
        if src:
            name = src.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()
            if name:
                self.features.assets.add(name)
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.features.title += data
        elif not (self._stack and self._stack[-1] in _SKIP_TEXT):
            self.features.text.extend(w.lower() for w in _WORD.findall(data))


def page_features(html: str) -> PageFeatures:
    """Extract the compared features from HTML text."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    parser.features.title = " ".join(parser.features.title.split())
    return parser.features


def _jaccard(a: set[str] | set[tuple[str, ...]], b: set[str] | set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _shingles(words: list[str], size: int = 4) -> set[tuple[str, ...]]:
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


@dataclass(frozen=True)
class PageComparison:
    """Similarity of a suspect page to a brand page, per part and overall (0 to 1)."""

    title: float
    logo: float
    layout: float
    text: float

    @property
    def score(self) -> float:
        parts = {"title": self.title, "logo": self.logo, "layout": self.layout, "text": self.text}
        return round(sum(WEIGHTS[k] * v for k, v in parts.items()), 3)

    def explanation(self) -> str:
        """Which parts match, in words, e.g. ``same title, same logo, similar layout``."""
        said = []
        for name, value in (
            ("title", self.title),
            ("logo", self.logo),
            ("layout", self.layout),
            ("text", self.text),
        ):
            if value >= 0.8:
                said.append(f"same {name}")
            elif value >= 0.4:
                said.append(f"similar {name}")
        return ", ".join(said) if said else "no resemblance"


def compare_pages(suspect_html: str, brand_html: str) -> PageComparison:
    """Compare a suspect page with the brand's own page (HTML texts)."""
    s, b = page_features(suspect_html), page_features(brand_html)
    title = _jaccard(set(_WORD.findall(s.title.lower())), set(_WORD.findall(b.title.lower())))
    logo = _jaccard(s.assets, b.assets)
    layout = difflib.SequenceMatcher(None, s.layout, b.layout, autojunk=False).ratio()
    text = _jaccard(_shingles(s.text), _shingles(b.text))
    return PageComparison(round(title, 3), round(logo, 3), round(layout, 3), round(text, 3))


def compare_snapshots(suspect: str | Path, brand: str | Path) -> PageComparison:
    """:func:`compare_pages` on two saved HTML files."""
    texts = []
    for path in (Path(suspect), Path(brand)):
        try:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            raise InputError(f"cannot read HTML snapshot: {exc.strerror}", file=str(path)) from exc
    return compare_pages(texts[0], texts[1])
