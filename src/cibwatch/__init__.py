"""cibwatch: find, explain and report coordinated inauthentic behavior.

The library is the product; the CLI, reports and web service are thin clients of
:class:`cibwatch.workspace.Workspace`.
"""

from cibwatch.errors import CibwatchError
from cibwatch.workspace import Workspace

__all__ = ["CibwatchError", "Workspace", "__version__"]
__version__ = "0.1.0"
