"""Query latency of two versions of Earnest's code on copies of one library, alternating
question by question in one run (the machine is shared: both see the same load).

    git archive <commit> src | tar -x -C /tmp/before        # the code to compare against
    uv run python bench/query_ab.py --library /tmp/lib --before /tmp/before/src [--n 80]

Each version runs in its own process (``PYTHONPATH=<src>``) on its own copy of the library
(a newer schema migrates its copy), answers the same FinanceBench questions (extractive)
after one warm-up question, and reports p50/p95 of wall and CPU milliseconds.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from common import (
    Child,
    alternating,
    copy_for,
    financebench_questions,
    load_average,
    pct,
    versions_parser,
)

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


def main() -> None:
    parser = versions_parser(__doc__)
    parser.add_argument("--n", type=int, default=80)
    args = parser.parse_args()
    questions = financebench_questions(args.data)[:args.n]
    load_average("start")
    with tempfile.TemporaryDirectory(prefix="earnest-ab-") as tmp:
        procs = {name: Child(src, CHILD, str(copy_for(args.library, Path(tmp), name)))
                 for name, src in (("before", args.before), ("after", args.after))}
        times: dict[str, list[list[float]]] = {"before": [], "after": []}
        for n, order in alternating(len(questions)):
            for name in order:
                times[name].append(procs[name].ask(questions[n]))
        for proc in procs.values():
            proc.close()
    load_average("end")
    for name, rows in times.items():
        wall, cpu = [r[0] for r in rows], [r[1] for r in rows]
        print(f"{name}: {len(rows)} questions, wall p50 {statistics.median(wall):.1f} ms "
              f"p95 {pct(wall, 0.95):.1f} ms; CPU p50 {statistics.median(cpu):.1f} ms "
              f"p95 {pct(cpu, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
