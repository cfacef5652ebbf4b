"""Do two versions of Earnest's code retrieve and answer the same? For a speed change that must
not change results: the top-10 chunk ids (in order, with their scores) and the extractive
answer of every FinanceBench question, from each version in its own process on its own copy
of one library.

    git archive <commit> src | tar -x -C /tmp/before
    uv run python bench/same_results.py --library /tmp/lib --before /tmp/before/src

Prints how many questions differ (and which); exits 1 when any does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import child_env, copy_for, financebench_questions, versions_parser

CHILD = r"""
import json, sys
from earnest import Earnest, Settings
lib = Earnest(Settings.load(sys.argv[1], env={}))
out = []
for q in json.load(sys.stdin):
    found = lib.search(q, k=10)
    answer = lib.ask(q)
    out.append({"top10": [[p.chunk_id, round(p.score, 9)] for p in found.passages],
                "answer": answer.answer,
                "citations": [[c.doc_name, c.page] for c in answer.citations]})
lib.close()
print(json.dumps(out))
"""


def run(src: Path, library: Path, questions: list[str]) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="earnest-same-") as tmp:
        copy = copy_for(library, Path(tmp), "lib")
        done = subprocess.run([sys.executable, "-c", CHILD, str(copy)], text=True,
                              input=json.dumps(questions), capture_output=True,
                              env=child_env(src), check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = versions_parser(__doc__)
    parser.add_argument("--n", type=int, default=None, help="only the first N questions")
    args = parser.parse_args()
    questions = financebench_questions(args.data)[:args.n]
    before = run(args.before, args.library, questions)
    after = run(args.after, args.library, questions)
    differ = [i for i, (b, a) in enumerate(zip(before, after)) if b != a]
    for i in differ:
        print(f"differs: {questions[i]!r}\n  before {before[i]}\n  after  {after[i]}")
    print(f"{len(questions)} questions: {len(questions) - len(differ)} with the same top-10 "
          f"ids, scores, answer and citations; {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
