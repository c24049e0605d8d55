"""List cells are parsed, never evaluated, and round-trip whatever Python wrote."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cibwatch.ingest.listcells import parse_string_list


@given(st.lists(st.text(max_size=20), max_size=6))
def test_any_list_of_strings_written_by_python_reads_back(values: list[str]) -> None:
    assert parse_string_list(repr(values)) == values


def test_hostile_or_other_literals_are_not_lists_of_strings() -> None:
    assert parse_string_list("[" * 100_000 + "]" * 100_000) is None  # no recursion blow-up
    assert parse_string_list("['a'] + ['b']") is None
    assert parse_string_list("[__import__('os').system('x')]") is None
    assert parse_string_list("['a' 'b']") is None  # implicit concatenation is not a list item
    assert parse_string_list("['unterminated]") is None
    assert parse_string_list("['a',]") == ["a"]
    assert parse_string_list("[ 'a' ,  \"b\" ]") == ["a", "b"]
