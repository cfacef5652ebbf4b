"""What a test needs beyond Python: Chromium, the local LLM server, PostgreSQL, ../shared.

On a user's machine a missing component skips the test with the reason. Under
``EARNEST_REQUIRE_ALL=1`` (set by ``.ci/run``) it fails instead, so a green CI means every
component ran. Each component that a test did use is recorded and listed at the end of the run.

The hooks at the end are pytest's (tests/conftest.py takes them in): under
EARNEST_REQUIRE_ALL any other skip fails too (a ``pytest.skip`` or ``skipif`` that bypassed
``missing``); the test processes (pytest-xdist's workers) hand what they used to the main
one; and the log ends with each component's state and the count of skipped tests.
"""

from __future__ import annotations

import os

import pytest

USED: set[str] = set()
MISSING: dict[str, str] = {}
COMPONENTS = ("chromium", "llm-server", "postgresql", "shared-data", "namespaces")


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under EARNEST_REQUIRE_ALL a skip of any kind is a failure that keeps its reason."""
    report = yield
    if report.skipped and require_all() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but EARNEST_REQUIRE_ALL is set: {reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """The same for a module that skips itself while collected (``importorskip``)."""
    report = yield
    if report.skipped and require_all():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but EARNEST_REQUIRE_ALL is set: {reason}"
    return report


def pytest_sessionfinish(session) -> None:
    """An xdist worker hands what its tests used (or lacked) to the main process."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["earnest_components"] = {"used": sorted(USED), "missing": dict(MISSING)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """The main process gathers each worker's components (only with pytest-xdist)."""
    found = getattr(node, "workeroutput", {}).get("earnest_components", {})
    USED.update(found.get("used", ()))
    MISSING.update(found.get("missing", {}))


def pytest_unconfigure(config) -> None:
    """End the log with what ran (after pytest's own summary line), so a green run shows it
    was not green by skipping."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    reporter.section("components")
    for name in COMPONENTS + tuple(sorted((USED | set(MISSING)) - set(COMPONENTS))):
        state = ("used" if name in USED else
                 f"MISSING: {MISSING[name]}" if name in MISSING else "not needed by these tests")
        reporter.write_line(f"{name}: {state}")
    skipped = len(reporter.stats.get("skipped", []))
    reporter.write_line(f"skipped tests: {skipped}" + (
        " (EARNEST_REQUIRE_ALL is set: a skip fails)" if require_all() else
        " (EARNEST_REQUIRE_ALL unset: skips allowed)"))
