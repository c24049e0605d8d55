"""cibwatch: find, explain and report coordinated inauthentic behavior.

The library is the product; the CLI, reports and web service are thin clients of
:class:`cibwatch.workspace.Workspace`. ``Workspace`` is imported on first use (PEP 562), so
that importing the package (and ``cibwatch --help``) does not load DuckDB.
"""

from typing import TYPE_CHECKING, Any

from cibwatch.errors import CibwatchError

if TYPE_CHECKING:
    from cibwatch.workspace import Workspace

__all__ = ["CibwatchError", "Workspace", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "Workspace":
        from cibwatch.workspace import Workspace

        return Workspace
    raise AttributeError(f"module 'cibwatch' has no attribute {name!r}")
