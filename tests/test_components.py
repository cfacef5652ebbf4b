"""A skip is not a pass: the hooks of tests/components.py in a pytest run of their own (a
subprocess), with and without EARNEST_REQUIRE_ALL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INNER = '''
import pytest
from tests.components import missing, used

def test_uses_postgresql():
    used("postgresql")

def test_a_plain_skip():
    pytest.skip("no frobnicator here")

@pytest.mark.skipif(True, reason="a skipif marker")
def test_marked():
    pass

def test_chromium_absent():
    missing("chromium", "Chromium not found at /nowhere")

@pytest.mark.xfail(reason="a known failure stays an expected one")
def test_expected_failure():
    assert False
'''


def _run(tmp_path: Path, require_all: str | None, inner: str = INNER,
         extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    (tmp_path / "test_inner.py").write_text(inner)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "EARNEST_REQUIRE_ALL"}
    if require_all is not None:
        env["EARNEST_REQUIRE_ALL"] = require_all
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "pytest", "-c", str(tmp_path / "pytest.ini"),
                           "-p", "tests.components", "-p", "no:cacheprovider", "-rA", *extra,
                           str(tmp_path / "test_inner.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def _tail(out: str) -> list[str]:
    """The lines after the components heading: the end of the log."""
    lines = out.rstrip().splitlines()
    heading = max(i for i, line in enumerate(lines) if "components" in line and "=" in line)
    return lines[heading + 1:]


def test_without_require_all_skips_are_skips_and_the_log_ends_with_what_ran(tmp_path):
    run = _run(tmp_path, None)
    assert run.returncode == 0, run.stdout
    assert "1 passed, 3 skipped, 1 xfailed" in run.stdout
    assert _tail(run.stdout) == [
        "chromium: MISSING: Chromium not found at /nowhere", "llm-server: not needed by these tests",
        "postgresql: used", "shared-data: not needed by these tests",
        "namespaces: not needed by these tests",
        "skipped tests: 3 (EARNEST_REQUIRE_ALL unset: skips allowed)"]


def test_under_require_all_every_skip_fails_with_its_reason(tmp_path):
    run = _run(tmp_path, "1")
    assert run.returncode == 1, run.stdout
    # a skipif acts at setup, so it is an error there; the others fail in the call
    assert "2 failed, 1 passed, 1 xfailed, 1 error" in run.stdout
    for reason in ("no frobnicator here", "a skipif marker",
                   "chromium is required (EARNEST_REQUIRE_ALL is set) but Chromium not found"):
        assert reason in run.stdout, run.stdout
    assert _tail(run.stdout)[0] == "chromium: MISSING: Chromium not found at /nowhere"
    assert _tail(run.stdout)[-1] == "skipped tests: 0 (EARNEST_REQUIRE_ALL is set: a skip fails)"


def test_require_all_set_to_zero_is_unset(tmp_path):
    assert _run(tmp_path, "0").returncode == 0


def test_a_module_that_skips_while_collected_fails_under_require_all(tmp_path):
    inner = 'import pytest\npytest.importorskip("no_such_module_here")\n\ndef test_x():\n    pass\n'
    skipped = _run(tmp_path, None, inner)
    # (pytest's exit 5: no test was collected besides the skipped module)
    assert skipped.returncode in (0, 5) and "1 skipped" in skipped.stdout, skipped.stdout
    failed = _run(tmp_path, "1", inner)
    assert failed.returncode != 0 and "1 error" in failed.stdout, failed.stdout
    assert "EARNEST_REQUIRE_ALL is set: Skipped: could not import 'no_such_module_here'" in \
        failed.stdout
    assert _tail(failed.stdout)[-1].startswith("skipped tests: 0")


def test_in_two_processes_the_log_ends_with_what_each_ran(tmp_path):
    # pytest-xdist, as the suite runs: the workers' components reach the main process's log
    run = _run(tmp_path, None, extra=("-n", "2"))
    assert run.returncode == 0, run.stdout
    assert "1 passed, 3 skipped, 1 xfailed" in run.stdout
    tail = _tail(run.stdout)
    assert "chromium: MISSING: Chromium not found at /nowhere" in tail
    assert "postgresql: used" in tail
    assert tail[-1] == "skipped tests: 3 (EARNEST_REQUIRE_ALL unset: skips allowed)"
