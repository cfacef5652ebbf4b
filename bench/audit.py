"""What the audit log costs: ask latency (p50, p95) with and without it, on a built library.

    uv run python bench/audit.py --library ~/.earnest-quickstart
    uv run python bench/audit.py --library /tmp/financebench-lib --questions 100

The library is copied first (SQLite backup into a temporary directory), so its own audit log
gets no benchmark records. Asks alternate between the two services, so caches warm both alike.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import pct

from earnest import Earnest, Settings
from earnest.embedding import OnnxEmbedder

QUESTIONS = [
    "What was revenue in the latest quarter?",
    "Why did gross margin change?",
    "What did the CFO say about guidance?",
    "What was net income?",
    "How much cash did operating activities provide?",
    "What did analysts ask about?",
    "What was capital expenditure?",
    "What is the outlook for next quarter?",
    "How did operating expenses change?",
    "What was earnings per share?",
]


def copy_library(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source / "library.sqlite"))
    dst = sqlite3.connect(str(target / "library.sqlite"))
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    config = source / "earnest.toml"
    if config.exists():
        (target / "earnest.toml").write_text(config.read_text())


def run(library: Path, questions: list[str], rounds: int) -> dict:
    embedder = OnnxEmbedder()
    embedder.warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "library"
        copy_library(library, copy)
        on = Earnest(Settings.load(copy), embedder=embedder)
        off = Earnest(Settings.load(copy, audit__enabled=False), embedder=embedder)
        try:
            for service in (on, off):  # warm-up: caches, matcher, vector matrix
                service.ask(questions[0])
            times: dict[str, list[float]] = {"with_audit": [], "without_audit": []}
            for _ in range(rounds):
                for q in questions:
                    for name, service in (("with_audit", on), ("without_audit", off)):
                        t0 = time.perf_counter()
                        service.ask(q)
                        times[name].append((time.perf_counter() - t0) * 1000)
            records = sum(1 for _ in on.audit_entries())
            verify_ms = time.perf_counter()
            assert on.verify_audit().ok
            verify_ms = (time.perf_counter() - verify_ms) * 1000
        finally:
            on.close()
            off.close()
    out = {name: {"asks": len(v), "p50_ms": round(statistics.median(v), 2),
                  "p95_ms": round(pct(v, 0.95), 2)} for name, v in times.items()}
    out["added_p50_ms"] = round(out["with_audit"]["p50_ms"] - out["without_audit"]["p50_ms"], 2)
    out["added_p95_ms"] = round(out["with_audit"]["p95_ms"] - out["without_audit"]["p95_ms"], 2)
    out["audit_records"] = records
    out["verify_ms"] = round(verify_ms, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--library", type=Path, required=True, help="A built library")
    parser.add_argument("--questions", type=int, default=len(QUESTIONS),
                        help="How many questions of the built-in list (cycled)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, help="Also write the figures as JSON here")
    args = parser.parse_args()
    library = args.library.expanduser()
    if not (library / "library.sqlite").exists():
        sys.exit(f"no library at {library} (build one: earnest quickstart --library {library})")
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(max(1, args.questions))]
    result = run(library, questions, args.rounds)
    for name in ("with_audit", "without_audit"):
        r = result[name]
        print(f"{name:>14}: {r['asks']} asks, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms")
    print(f"{'added':>14}: p50 {result['added_p50_ms']} ms, p95 {result['added_p95_ms']} ms "
          f"({result['audit_records']} records, verified in {result['verify_ms']} ms)")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
