"""Edit-distance machinery for typo look-alikes: distances, deletion keys, typo kinds.

Typo candidates are found with a *deletion neighbourhood* index (symmetric delete): every
brand key is stored under itself and each string made by deleting up to ``k`` letters; an
observed label looks up its own deletions, so only brands within ``k`` edits are ever
compared, whatever the size of the brand list. The few candidates are then verified with an
exact optimal-string-alignment distance and the edit is named (insertion, deletion,
substitution, keyboard neighbour, transposition, doubled letter).

>>> typo_kind("spigel", "spiegel"), typo_kind("speigel", "spiegel"), typo_kind("bildd", "bild")
('deletion', 'transposition', 'doubled-letter')
"""

from __future__ import annotations

from collections.abc import Iterator

from cibwatch.domains.vocabulary import COMBO_WORDS

_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, frozenset[str]]:
    pos = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
    table: dict[str, set[str]] = {ch: set() for ch in pos}
    for ch, (r, c) in pos.items():
        for other, (r2, c2) in pos.items():
            # Each row sits about half a key to the right of the row above it, so a key
            # touches columns c and c+1 of the row above and c-1 and c of the row below.
            same_row = r2 == r and abs(c2 - c) == 1
            above = r2 == r - 1 and c2 - c in (0, 1)
            below = r2 == r + 1 and c2 - c in (-1, 0)
            if same_row or above or below:
                table[ch].add(other)
    # QWERTZ and AZERTY layouts swap y/z and a/q, w/z: common typos in German and French.
    for a, b in (("y", "z"), ("a", "q"), ("w", "z")):
        table[a].add(b)
        table[b].add(a)
    return {ch: frozenset(n) for ch, n in table.items()}


#: Keys that touch each other on a QWERTY keyboard (plus QWERTZ/AZERTY swaps).
KEYBOARD_NEIGHBOURS = _keyboard_neighbours()


def deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made from it by deleting up to ``depth`` letters."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by at most one insertion, deletion, substitution or
    swap of neighbours: the common case, checked in one linear pass.

    >>> within_one_edit("spiegel", "speigel"), within_one_edit("spiegel", "spigle")
    (True, False)
    """
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def osa_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without re-edits).

    Returns ``limit`` when the distance is ``limit`` or more, which lets callers stop early.

    >>> osa_distance("theguardian", "theguardain")
    1
    """
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) >= limit:
            return limit
        prev2, prev = prev, cur
    return min(prev[len(b)], limit)


def _diff_positions(a: str, b: str) -> Iterator[int]:
    return (i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)


def typo_kind(observed: str, brand: str) -> str:
    """Name the single edit that turns ``brand`` into ``observed`` (``typo-2`` for two edits)."""
    if len(observed) == len(brand) + 1:
        for i in range(len(observed)):
            if observed[:i] + observed[i + 1 :] == brand:
                ch = observed[i]
                doubled = (i > 0 and observed[i - 1] == ch) or (
                    i + 1 < len(observed) and observed[i + 1] == ch
                )
                return "doubled-letter" if doubled else "insertion"
    elif len(observed) == len(brand) - 1:
        return "deletion"
    elif len(observed) == len(brand):
        diff = list(_diff_positions(observed, brand))
        if len(diff) == 1:
            i = diff[0]
            near = observed[i] in KEYBOARD_NEIGHBOURS.get(brand[i], frozenset())
            return "keyboard-neighbour" if near else "substitution"
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            i = diff[0]
            if observed[i] == brand[i + 1] and observed[i + 1] == brand[i]:
                return "transposition"
    return "typo-2"


def other_name(observed: str, cand: str, dist: int) -> bool:
    """Whether an edit of ``cand`` makes another name rather than a misspelling.

    - a digit added, dropped or swapped for a letter (fox4news and foxnews, europe1 and
      europer): digits that are not look-alikes change the name;
    - two letters replaced in place (franceeteu and francebleu): misspellings drop, add or
      swap letters, a double substitution is a different word;
    - the edit falls in a short abbreviation in front of or behind a news word (oz-online
      and op-online, nwaonline and nwzonline): another outlet's initials.
    """
    if len(observed) == len(cand):
        diff = [i for i, (x, y) in enumerate(zip(observed, cand, strict=True)) if x != y]
        if len(diff) == 2:
            i, j = diff
            swapped = j == i + 1 and observed[i] == cand[j] and observed[j] == cand[i]
            if not swapped:
                return True
        if any(observed[i].isdigit() or cand[i].isdigit() for i in diff):
            return True
    else:
        longer, shorter = (observed, cand) if len(observed) > len(cand) else (cand, observed)
        extra = [c for c in longer if c.isdigit()]
        if len(extra) != len([c for c in shorter if c.isdigit()]):
            return True
    for word in COMBO_WORDS:
        if len(word) < 4:
            continue
        if observed.endswith(word) and cand.endswith(word):
            rest = (observed[: -len(word)], cand[: -len(word)])
        elif observed.startswith(word) and cand.startswith(word):
            rest = (observed[len(word) :], cand[len(word) :])
        else:
            continue
        if rest[0] != rest[1] and max(len(rest[0]), len(rest[1])) <= 3:
            return True
    return False
