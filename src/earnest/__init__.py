"""Earnest: answers about financial documents, every claim cited.

    from earnest import Earnest
    with Earnest.open("~/filings") as lib:
        lib.ingest(["reports/"])
        print(lib.ask("What was 3M's capital expenditure in FY2018?").answer)
"""

__version__ = "0.1.0"  # before the imports: the service records it with each document

from earnest.errors import EarnestError
from earnest.service import Earnest, FileResult, IngestReport
from earnest.settings import Settings
from earnest.store import Filters

__all__ = ["Earnest", "EarnestError", "FileResult", "Filters", "IngestReport", "Settings"]
