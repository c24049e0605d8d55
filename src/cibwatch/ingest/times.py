"""Times as real exports write them, read by one SQL expression for every format.

Notations read (each in tests/test_ingest_times.py with a row in the format that writes it):

- ISO 8601 with ``T`` or a space, seconds and fractions optional, and a zone written
  ``Z``, ``+0000``, ``+00:00``, ``+00`` or after a space (``2015-02-24 11:35:52 -0800``,
  as some tweet exports write it);
- Twitter API v1.1 ``created_at``: ``Tue Feb 24 11:35:52 +0000 2015``;
- RFC 2822 (e-mail, RSS): ``Tue, 24 Feb 2015 11:35:52 +0000``, day name optional;
- a zone *name* instead of an offset, from the explicit table :data:`ZONE_NAMES` only: the
  names RFC 2822 defines (``UT``, ``GMT``, ``EST`` ... ``PDT``) and a few that mean one
  offset everywhere. Names that mean several (``IST``: India, Israel or Ireland; ``BST``;
  ``MSK``, which moved in 2011 and 2014) are rejected with that reason, never guessed;
- UNIX time as a number: seconds when its magnitude is below :data:`MS_FROM` (10**11,
  i.e. up to the year 5138), milliseconds from there up to :data:`MS_UNTIL` (10**14, also
  the year 5138); anything larger is not a time. (Seconds and milliseconds of any real post
  are 1,000 times apart, around 1.5 * 10**9 and 1.5 * 10**12, so the rule cannot confuse
  them.)
- a time without zone only with ``--assume-tz`` (never guessed; see the loader).

Impossible times are rejected with a reason: before 1990 or more than a day after the
ingest (year 0001 and 9999 sentinels, a milliseconds value read as seconds), and posts
dated before their platform launched (:data:`LAUNCHED`).

>>> ZONE_NAMES["PST"], "IST" in ZONE_NAMES
('-08:00', False)
"""

from __future__ import annotations

from datetime import date
from typing import Final

from cibwatch.sqltext import literal

#: UNIX numbers at or above this magnitude are milliseconds, below it seconds.
MS_FROM: Final = 10**11
#: UNIX numbers at or above this magnitude are no time cibwatch reads.
MS_UNTIL: Final = 10**14
#: No post or account of any platform is older than this.
EARLIEST: Final = date(1990, 1, 1)
#: Times more than this many hours after the ingest are in the future: a wrong value.
FUTURE_SLACK_HOURS: Final = 24

#: Zone names read, with their offsets: RFC 2822's (section 4.3) and unambiguous others.
ZONE_NAMES: Final[dict[str, str]] = {
    "UT": "+00:00",
    "UTC": "+00:00",
    "GMT": "+00:00",
    "Z": "+00:00",
    "EST": "-05:00",
    "EDT": "-04:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "AKST": "-09:00",
    "AKDT": "-08:00",
    "HST": "-10:00",
    "WET": "+00:00",
    "WEST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "EET": "+02:00",
    "EEST": "+03:00",
    "JST": "+09:00",
}

#: When each platform opened to the public (its first public post): earlier posts are errors.
LAUNCHED: Final[dict[str, date]] = {
    "x": date(2006, 3, 21),
    "twitter": date(2006, 3, 21),
    "facebook": date(2004, 2, 4),
    "instagram": date(2010, 10, 6),
    "telegram": date(2013, 8, 14),
    "youtube": date(2005, 4, 23),
    "reddit": date(2005, 6, 23),
    "vk": date(2006, 10, 10),
    "tiktok": date(2016, 9, 1),
    "threads": date(2023, 7, 5),
}

_SPACE_OFFSET = (
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s+([+-]\d{2}(?::?\d{2})?)$"
)
_ISO_ZONED = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)"
_ISO_NAIVE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
# Twitter v1.1 and RFC 2822 both name the month in letters and end with an offset.
_WORDY = (
    r"([A-Za-z]{3},?\s+)?([A-Za-z]{3}\s+\d{1,2}|\d{1,2}\s+[A-Za-z]{3}).*[+-]\d{2}:?\d{2}(\s+\d{4})?"
)
_WORDY_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",
    "%a, %d %b %Y %H:%M:%S %z",
    "%d %b %Y %H:%M:%S %z",
    "%a, %d %b %Y %H:%M %z",
    "%d %b %Y %H:%M %z",
    "%a %d %b %Y %H:%M:%S %z",
)
_NUMBER = r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?"
# A trailing zone name: letters after a clock time (and optional space).
_NAME_TAIL = r"^(.*\d:\d\d(?::\d\d)?(?:\.\d+)?)\s*([A-Za-z]{1,5})$"


def zoned_text(s: str) -> str:
    """SQL: the string ``s`` with a known zone name replaced by its offset."""
    name = f"upper(regexp_extract({s}, {literal(_NAME_TAIL)}, 2))"
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in ZONE_NAMES.items())
    offset = f"CASE {name} {cases} END"
    # "Z" right after the time is ISO's own; only a separated or longer name is rewritten.
    return (
        f"CASE WHEN regexp_full_match({s}, {literal(_NAME_TAIL)}) AND {offset} IS NOT NULL "
        f"AND NOT regexp_full_match({s}, {literal(_ISO_ZONED)}) "
        f"THEN regexp_extract({s}, {literal(_NAME_TAIL)}, 1) || ' ' || {offset} ELSE {s} END"
    )


def unknown_zone_name(s: str) -> str:
    """SQL condition: ``s`` ends in a zone name that :data:`ZONE_NAMES` does not hold."""
    # The names between bars: a name (letters only) is known if it stands between two.
    names = literal("|" + "|".join(ZONE_NAMES) + "|")
    # An ISO time with its zone (the usual case) ends in digits or in "Z": never an unknown
    # name, and one cheap match settles it. A CASE, and no NOT IN: DuckDB turns a long
    # NOT IN (or list_contains of a constant list) into a join whose key, the
    # regexp_extract, it computes for every row, while a CASE branch runs only for the rows
    # that reach it. On ISO times, that join was the costliest step of a CSV ingest.
    # NULL stays NULL, as before.
    name = f"upper(regexp_extract({s}, {literal(_NAME_TAIL)}, 2))"
    return (
        f"(CASE WHEN regexp_full_match({s}, {literal(_ISO_ZONED)}) THEN false "
        f"ELSE regexp_full_match({s}, {literal(_NAME_TAIL)}) "
        f"AND NOT contains({names}, '|' || {name} || '|') END)"
    )


def unix_expr(value: str) -> str:
    """SQL: a UNIX number (DOUBLE) as UTC time by the seconds/milliseconds rule."""
    return (
        f"CASE WHEN abs({value}) < {MS_FROM} THEN timezone('UTC', to_timestamp({value})) "
        f"WHEN abs({value}) < {MS_UNTIL} THEN timezone('UTC', to_timestamp({value} / 1000)) END"
    )


def too_large(col: str, numeric: bool) -> str:
    """SQL condition: a UNIX number beyond milliseconds (microseconds, or no time at all)."""
    value = f"CAST({col} AS DOUBLE)"
    if not numeric:
        raw = f"trim(CAST({col} AS VARCHAR))"
        number = f"TRY_CAST({raw} AS DOUBLE)"
        value = f"CASE WHEN regexp_full_match({raw}, {literal(_NUMBER)}) THEN {number} END"
    return f"coalesce(abs({value}) >= {MS_UNTIL}, false)"


#: The reason :func:`too_large` gives.
TOO_LARGE_REASON: Final = (
    "number too large for a UNIX time (read: seconds below 10^11, milliseconds below 10^14)"
)


def text_expr(col: str, assume_tz: str | None) -> str:
    """SQL: a time written as text (any notation above) as naive UTC, NULL when unreadable."""
    raw = f"trim(CAST({col} AS VARCHAR))"
    s = f"regexp_replace({zoned_text(raw)}, {literal(_SPACE_OFFSET)}, '\\1\\2')"
    number = f"TRY_CAST({raw} AS DOUBLE)"
    formats = "[" + ", ".join(literal(f) for f in _WORDY_FORMATS) + "]"
    # First the usual case, an ISO time with its zone, read by one match and one cast. It is
    # exact: such a text is no number, has no zone name to replace and no space before its
    # offset, so the branches below would read it the same way, at several times the cost.
    parts = [
        f"CASE WHEN regexp_full_match({raw}, {literal(_ISO_ZONED)}) "
        f"THEN timezone('UTC', TRY_CAST({raw} AS TIMESTAMPTZ))",
        f"WHEN regexp_full_match({raw}, {literal(_NUMBER)}) THEN {unix_expr(number)}",
        f"WHEN regexp_full_match({s}, {literal(_ISO_ZONED)}) "
        f"THEN timezone('UTC', TRY_CAST({s} AS TIMESTAMPTZ))",
        f"WHEN regexp_full_match({s}, {literal(_WORDY)}) "
        f"THEN timezone('UTC', try_strptime({s}, {formats}))",
    ]
    if assume_tz is not None:
        parts.append(
            f"WHEN regexp_full_match({raw}, {literal(_ISO_NAIVE)}) "
            f"THEN timezone('UTC', timezone({literal(assume_tz)}, TRY_CAST({raw} AS TIMESTAMP)))"
        )
    return " ".join(parts) + " END"


def naive_pattern() -> str:
    """The regular expression of an ISO time without zone (the loader asks for --assume-tz)."""
    return _ISO_NAIVE


def range_rules(col: str, platform: str | None, now: str) -> list[tuple[str, str]]:
    """``(SQL condition, reason)`` for times no post or account can have.

    ``platform`` is the SQL of the row's platform (posts only: an account's creation time
    is a profile field some platforms backdate); ``now`` the SQL of the ingest time.
    """
    rules = [
        (f"{col} < TIMESTAMP '{EARLIEST.isoformat()}'", f"before {EARLIEST.year}: not a real time"),
        (
            f"{col} > {now} + INTERVAL {FUTURE_SLACK_HOURS} HOUR",
            "in the future (after the ingest): not a real time",
        ),
    ]
    if platform is not None:
        for name, day in LAUNCHED.items():
            rules.append(
                (
                    f"lower({platform}) = {literal(name)} "
                    f"AND {col} < TIMESTAMP '{day.isoformat()}'",
                    f"before {name} existed (launched {day.isoformat()})",
                )
            )
    return rules
