"""Earnest: answers about financial documents, every claim cited.

    from earnest import Earnest
    with Earnest.open("~/filings") as lib:
        lib.ingest(["reports/"])
        print(lib.ask("What was 3M's capital expenditure in FY2018?").answer)
"""

__version__ = "0.1.0"  # before the imports: the service records it with each document

from typing import TYPE_CHECKING, Any

from earnest.errors import EarnestError

if TYPE_CHECKING:
    from earnest.service import Earnest, FileResult, IngestReport
    from earnest.settings import Settings
    from earnest.store import Filters

# Loaded on first use (PEP 562): the CLI parses its arguments, or asks a running server,
# without importing numpy, ONNX Runtime and the rest.
_LAZY = {"Earnest": "earnest.service", "FileResult": "earnest.service",
         "IngestReport": "earnest.service", "Settings": "earnest.settings",
         "Filters": "earnest.store"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'earnest' has no attribute {name!r}")


__all__ = ["Earnest", "EarnestError", "FileResult", "Filters", "IngestReport", "Settings"]
