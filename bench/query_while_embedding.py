"""Query latency while a library is being embedded: every step of the embedding phase writes
vectors and bumps the library generation, and the first question after it pays for whatever
the caches read again. Two versions of the code, each in its own process on its own copy of
one fully embedded library whose last ``--pending`` passages have their vectors taken away;
then, alternating, each version gives ``--step`` of them their vectors back (the store's
``set_vectors``, as the pipeline does) and answers the next question.

    git archive <commit> src | tar -x -C /tmp/before
    uv run python bench/query_while_embedding.py --library /tmp/lib --before /tmp/before/src

Prints p50/p95 of the wall milliseconds of the question right after each step.
"""

from __future__ import annotations

import json
import sqlite3
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
import numpy as np
from earnest import Earnest, Settings
lib = Earnest(Settings.load(sys.argv[1], env={}))
held = json.load(open(sys.argv[2]))
lib.ask("warm up the model and the vector matrix")
print("ready", flush=True)
for line in sys.stdin:
    q, start, stop = json.loads(line)
    part = held[start:stop]
    lib.store.set_vectors([i for i, _ in part],
                          np.array([np.frombuffer(bytes.fromhex(v), dtype=np.float16)
                                    for _, v in part], dtype=np.float32))
    t0 = time.perf_counter()
    lib.ask(q)
    print(json.dumps((time.perf_counter() - t0) * 1000), flush=True)
"""


def main() -> None:
    parser = versions_parser(__doc__)
    parser.add_argument("--pending", type=int, default=5120)
    parser.add_argument("--step", type=int, default=256)
    args = parser.parse_args()
    questions = financebench_questions(args.data)
    load_average("start")
    with tempfile.TemporaryDirectory(prefix="earnest-qwe-") as tmp:
        procs = {}
        for name, src in (("before", args.before), ("after", args.after)):
            copy = copy_for(args.library, Path(tmp), name)
            conn = sqlite3.connect(copy / "library.sqlite", isolation_level=None)
            rows = conn.execute("select id, hex(vector) from chunks where vector is not null "
                                "order by id desc limit ?", (args.pending,)).fetchall()
            conn.execute("update chunks set vector = null where id >= ?", (rows[-1][0],))
            conn.close()
            held = Path(tmp) / f"{name}.json"
            held.write_text(json.dumps(rows[::-1]))
            procs[name] = Child(src, CHILD, str(copy), str(held))
        times: dict[str, list[float]] = {"before": [], "after": []}
        starts = list(range(0, args.pending, args.step))
        for n, order in alternating(len(starts)):
            job = [questions[n % len(questions)], starts[n], starts[n] + args.step]
            for name in order:
                times[name].append(procs[name].ask(job))
        for proc in procs.values():
            proc.close()
    load_average("end")
    for name, wall in times.items():
        print(f"{name}: {len(wall)} steps of {args.step} vectors, the next question's wall "
              f"p50 {statistics.median(wall):.1f} ms p95 {pct(wall, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
