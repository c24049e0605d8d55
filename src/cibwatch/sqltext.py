"""Quoting for the names and values that SQL text built by cibwatch must inline.

Values are passed to DuckDB as parameters wherever it takes them; column names, file paths
given to table functions and constants inside expressions built once per query cannot be.
One quoting rule in one place, rather than a private copy in every module that builds SQL.

>>> print(literal("it's"), identifier('a"b'))
'it''s' "a""b"
"""

from __future__ import annotations


def literal(value: str) -> str:
    """``value`` as a SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (double quotes doubled): any column name, even
    one holding spaces or quotes, names that column and nothing else."""
    return '"' + name.replace('"', '""') + '"'
