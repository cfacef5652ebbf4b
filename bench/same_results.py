"""Do two versions of Earnest's code retrieve and answer the same? For a speed change that must
not change results: the top-10 chunk ids (in order, with their scores) and the extractive
answer of every FinanceBench question, from each version in its own process on its own copy
of one library.

    git archive <commit> src | tar -x -C /tmp/before
    uv run python bench/same_results.py --library /tmp/lib --before /tmp/before/src
    uv run python bench/same_results.py --library /tmp/calls --before /tmp/before/src \
        --questions eval/transcript_questions.jsonl

Each version asks after ``Earnest.warm_up`` when it has one (so the in-memory keyword index
answers, not FTS5). Prints how many questions differ (and which); exits 1 when any does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import child_env, copy_for, versions_parser

CHILD = r"""
import json, sys
from earnest import Earnest, Settings
lib = Earnest(Settings.load(sys.argv[1], env={}))
if hasattr(lib, "warm_up"):
    lib.warm_up()
out = []
for q in json.load(sys.stdin):
    found = lib.search(q, k=10)
    answer = lib.ask(q)
    out.append({"top10": [[p.chunk_id, round(p.score, 9)] for p in found.passages],
                "answer": answer.answer,
                "citations": [[c.doc_name, c.page] for c in answer.citations]})
keywords = getattr(lib.store, "_keywords", None)  # SqliteStore's in-memory index, if any
warm = getattr(keywords, "index", None) is not None
lib.close()
print(json.dumps({"keyword_index_in_memory": warm, "answers": out}))
"""


def run(src: Path, library: Path, questions: list[str], label: str) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="earnest-same-") as tmp:
        copy = copy_for(library, Path(tmp), "lib")
        done = subprocess.run([sys.executable, "-c", CHILD, str(copy)], text=True,
                              input=json.dumps(questions), capture_output=True,
                              env=child_env(src), check=True)
    result = json.loads(done.stdout)
    print(f"{label}: keyword index in memory: {result['keyword_index_in_memory']}", flush=True)
    return result["answers"]


def main() -> None:
    parser = versions_parser(__doc__)
    parser.add_argument("--questions", type=Path,
                        help="a JSON-lines file of {\"question\": ...} (default: FinanceBench's)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    source = args.questions or args.data / "financebench" / "questions.jsonl"
    questions = [json.loads(line)["question"] for line in source.open(encoding="utf-8")
                 if line.strip()]
    questions = questions[:args.limit] if args.limit else questions
    before = run(args.before, args.library, questions, "before")
    after = run(args.after, args.library, questions, "after")
    differ = [i for i, (b, a) in enumerate(zip(before, after)) if b != a]
    for i in differ:
        print(f"differs: {questions[i]!r}\n  before {before[i]}\n  after  {after[i]}")
    print(f"{len(questions)} questions: {len(questions) - len(differ)} with the same top-10 "
          f"ids, scores, answer and citations; {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
