"""One error tree for the whole library.

Every error cibwatch raises derives from :class:`CibwatchError` and from the built-in
exception it most resembles, so callers can catch either. Errors about input carry where
the problem came from (file, row, field) because analysts must be able to find the bad row.
"""

from __future__ import annotations


class CibwatchError(Exception):
    """Root of every error raised on purpose by cibwatch."""


class InputError(CibwatchError, ValueError):
    """Bad input, located as precisely as we can: file, row (1-based data row) and field.

    >>> str(InputError("not a timestamp", file="posts.csv", row=12, field="created_at"))
    'posts.csv, row 12, field created_at: not a timestamp'
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class IngestError(InputError):
    """A source file cannot be ingested at all (wrong format, missing columns, empty...)."""


class ConfigError(CibwatchError, ValueError):
    """A parameter or option is invalid (checked when the work runs, not at construction)."""


class SchemaVersionError(CibwatchError, RuntimeError):
    """The workspace was written by a schema version this cibwatch does not read."""


class WorkspaceError(CibwatchError, RuntimeError):
    """The workspace is missing something a step needs (e.g. detectors before ingest)."""


class WorkspaceLockedError(WorkspaceError):
    """Another process has the workspace open; ``pid`` and ``program`` name it when known."""

    pid: int | None = None
    program: str | None = None


class WorkspaceCorruptError(WorkspaceError):
    """The workspace file is cut short or damaged; nothing is written to it."""


class WorkspaceReadOnlyError(WorkspaceError):
    """The workspace file may not be written (or read) by this user."""


class ForeignFileError(SchemaVersionError, WorkspaceError):
    """The file is not a cibwatch workspace at all (another kind of file, or another DuckDB
    database): refused untouched."""


class UnsupportedOperationError(CibwatchError, NotImplementedError):
    """An engine or exporter cannot do a step; we never fall back silently."""


class DependencyError(CibwatchError, ImportError):
    """An optional dependency is missing; the message says what to install."""
