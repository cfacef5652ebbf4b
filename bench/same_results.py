"""Do two versions of Earnest's code retrieve and answer the same? For a speed change that must
not change results: the top-10 chunk ids (in order, with their scores) and the extractive
answer of every FinanceBench question, from each version in its own process on its own copy
of one library.

    git archive <commit> src | tar -x -C /tmp/before
    uv run python bench/same_results.py --library /tmp/lib --before /tmp/before/src

Prints how many questions differ (and which); exits 1 when any does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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
        copy = Path(tmp) / "lib"
        shutil.copytree(library, copy)
        done = subprocess.run([sys.executable, "-c", CHILD, str(copy)], text=True,
                              input=json.dumps(questions), capture_output=True,
                              env={**os.environ, "PYTHONPATH": str(src)}, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--before", type=Path, required=True, help="the other code's src/")
    parser.add_argument("--after", type=Path, default=ROOT / "src")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in
                 (args.data / "financebench" / "questions.jsonl").open(encoding="utf-8")]
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
