"""Honest exits: an ingest that stores nothing, or loses most of its rows, is an error.

A file of which every row was rejected used to end "read 40, stored 0", exit status 0, and
an investigation then reported "no network met the significance threshold" about data it
never loaded. The loader now calls :func:`check_ingest` before it commits a file: a file
that stores nothing, or rejects more than ``max_reject_share`` of its rows (default
:data:`DEFAULT_MAX_REJECT_SHARE`), raises :class:`IngestShortfallError` with the counts, the
top reasons and an example row of each, and its transaction is rolled back, so the
workspace is as it was. Rows that were already in the workspace (duplicates) are not
losses: re-reading a file is not an error.

:func:`require_posts` is the same rule for an analysis: with no posts in the workspace
there is nothing to analyse, and saying "no networks" would be a claim about data that
is not there.

>>> from cibwatch.ingest.loader import IngestReport
>>> share_rejected(IngestReport(1, "a.csv", "csv", rows_read=4, rows_rejected=3))
0.75
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cibwatch.errors import IngestError

if TYPE_CHECKING:
    import duckdb

    from cibwatch.ingest.loader import IngestReport
    from cibwatch.workspace import Workspace

#: Share of a file's rows that may be rejected before the ingest is refused.
DEFAULT_MAX_REJECT_SHARE: Final = 0.5
#: How many reasons, and examples per reason, an error lists.
TOP_REASONS: Final = 5
#: Longest raw value quoted in an example.
EXAMPLE_CHARS: Final = 80


class IngestShortfallError(IngestError):
    """A file stored nothing or lost too many rows; nothing of it was kept.

    ``reasons`` holds ``(reason, rows, example)`` for the most frequent reasons, the
    example being ``"row N, field F: raw value"``.
    """

    def __init__(self, message: str, *, file: str, reasons: list[tuple[str, int, str]]) -> None:
        self.reasons = reasons
        super().__init__(message, file=file)


def share_rejected(report: IngestReport) -> float:
    """Rejected rows as a share of the rows read (0 for a file without rows)."""
    return report.rows_rejected / report.rows_read if report.rows_read else 0.0


def check_ingest(
    con: duckdb.DuckDBPyConnection, report: IngestReport, max_reject_share: float | None
) -> None:
    """Raise :class:`IngestShortfallError` when ``report`` stored nothing or lost too much.

    ``max_reject_share`` ``None`` checks only that something was stored or already known.
    Examples are read from the ``rejects`` rows of this ingest (still in its transaction).
    """
    new_or_known = report.rows_stored + report.rows_duplicate
    share = share_rejected(report)
    if new_or_known > 0 and (max_reject_share is None or share <= max_reject_share):
        return
    reasons = _reasons(con, report.ingest_id)
    if new_or_known == 0:
        what = f"nothing stored: all {report.rows_read:,} rows were rejected"
    else:
        what = (
            f"{report.rows_rejected:,} of {report.rows_read:,} rows rejected ({share:.0%}, "
            f"more than the {max_reject_share:.0%} allowed)"
        )
    lines = [f"{what}; the file was not loaded (the workspace is unchanged)"]
    lines.extend(f"  {rows:,} x {reason} (e.g. {example})" for reason, rows, example in reasons)
    lines.append(
        "Fix the file or the options (--format, --assume-tz, --encoding, --column-map); "
        "--max-reject-share 1 keeps the rows that pass."
    )
    raise IngestShortfallError("\n".join(lines), file=report.source_file, reasons=reasons)


def _reasons(con: duckdb.DuckDBPyConnection, ingest_id: int) -> list[tuple[str, int, str]]:
    rows: list[Any] = con.execute(
        "SELECT reason, count(*) AS n, arg_min(source_row, source_row) AS row, "
        "arg_min(field, source_row) AS field, arg_min(raw, source_row) AS raw "
        "FROM rejects WHERE ingest_id = ? AND reason <> 'duplicate post' "
        "GROUP BY reason ORDER BY n DESC, reason LIMIT ?",
        [ingest_id, TOP_REASONS],
    ).fetchall()
    found = []
    for reason, count, row, field, raw in rows:
        where = "" if row is None else f"row {row}"
        if field:
            where += f"{', ' if where else ''}field {field}"
        value = "" if raw is None else repr(str(raw)[:EXAMPLE_CHARS])
        example = f"{where}: {value}" if where and value else (where or value or "no detail")
        found.append((str(reason), int(count), example))
    return found


def require_posts(workspace: Workspace) -> None:
    """Refuse to analyse a workspace without posts: say what is missing instead.

    A file of accounts alone (a users file without its tweets) stores rows but gives the
    detectors nothing to compare.
    """
    if workspace.count("posts") > 0:
        return
    accounts = workspace.count("accounts")
    held = f"it holds {accounts:,} accounts but " if accounts else "it holds "
    raise IngestError(
        f"nothing to analyse: {held}no posts; ingest the posts (tweets, messages) of these "
        "accounts as well",
        file=workspace.path,
    )
