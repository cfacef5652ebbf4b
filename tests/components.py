"""What a test needs beyond Python: Chromium, the local LLM server, PostgreSQL, ../shared.

On a user's machine a missing component skips the test with the reason. Under
``EARNEST_REQUIRE_ALL=1`` (set by ``.ci/run``) it fails instead, so a green CI means every
component ran. Each component that a test did use is recorded and listed at the end of the run.
"""

from __future__ import annotations

import os

import pytest

USED: set[str] = set()
MISSING: dict[str, str] = {}


def require_all() -> bool:
    return os.environ.get("EARNEST_REQUIRE_ALL", "").strip() not in ("", "0", "false", "no")


def missing(component: str, reason: str) -> None:
    """Skip (or, under EARNEST_REQUIRE_ALL, fail) a test whose component is absent."""
    MISSING[component] = reason
    if require_all():
        pytest.fail(f"{component} is required (EARNEST_REQUIRE_ALL is set) but {reason}",
                    pytrace=False)
    pytest.skip(reason)


def used(component: str) -> None:
    USED.add(component)


def patience(seconds: float) -> float:
    """A wait scaled to how busy the machine is now (load per core, at least 1) and by
    ``EARNEST_TEST_PATIENCE`` (default 1): a slow or shared machine gets longer, not a failure."""
    try:
        busy = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        busy = 1.0
    return seconds * max(1.0, busy) * float(os.environ.get("EARNEST_TEST_PATIENCE", "") or 1)
