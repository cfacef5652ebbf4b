"""Query latency of two versions of Earnest's code on copies of one library, alternating
question by question in one run (the machine is shared: both see the same load).

    git archive <commit> src | tar -x -C /tmp/before        # the code to compare against
    uv run python bench/query_ab.py --library /tmp/lib --before /tmp/before/src [--n 80]

Each version runs in its own process (``PYTHONPATH=<src>``) on its own copy of the library
(a newer schema migrates its copy), answers the same FinanceBench questions (extractive)
after one warm-up question, and reports p50/p95 of wall and CPU milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from earnest import Earnest, Settings
lib = Earnest(Settings.load(sys.argv[1], env={}))
lib.ask("warm up the model and the vector matrix")
if hasattr(lib, "warm_up"):  # what a server loads at start (older code has none)
    lib.warm_up()
print("ready", flush=True)
for line in sys.stdin:
    q = json.loads(line)
    t0, c0 = time.perf_counter(), time.process_time()
    lib.ask(q)
    print(json.dumps([(time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000]),
          flush=True)
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def start(src: Path, library: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(library)], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--before", type=Path, required=True, help="the other code's src/")
    parser.add_argument("--after", type=Path, default=ROOT / "src")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=80)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in
                 (args.data / "financebench" / "questions.jsonl").open(encoding="utf-8")]
    questions = questions[:args.n]
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="earnest-ab-") as tmp:
        procs = {}
        for name, src in (("before", args.before), ("after", args.after)):
            copy = Path(tmp) / name
            shutil.copytree(args.library, copy)
            procs[name] = start(src, copy)
        times: dict[str, list[list[float]]] = {"before": [], "after": []}
        for n, q in enumerate(questions):
            order = ("before", "after") if n % 2 == 0 else ("after", "before")
            for name in order:
                proc = procs[name]
                proc.stdin.write(json.dumps(q) + "\n")
                proc.stdin.flush()
                times[name].append(json.loads(proc.stdout.readline()))
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=60)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for name, rows in times.items():
        wall, cpu = [r[0] for r in rows], [r[1] for r in rows]
        print(f"{name}: {len(rows)} questions, wall p50 {statistics.median(wall):.1f} ms "
              f"p95 {pct(wall, 0.95):.1f} ms; CPU p50 {statistics.median(cpu):.1f} ms "
              f"p95 {pct(cpu, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
