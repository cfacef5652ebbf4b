"""The library check ("not found" for companies and periods the library does not hold): how
many ANSWERABLE questions it refuses (should be none) and what it costs per question.

    uv run python bench/scope.py --financebench /tmp/lib-fb --facts /tmp/lib-mf

Libraries may be keyword-only (`earnest ingest --no-embed`): the check reads only the
documents' metadata and the keyword index.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from earnest import Earnest, Settings
from earnest.evaluation import fact_question
from earnest.question_plan import plan_question
from earnest.store import Filters

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def measure(library: Path, questions: list[str], name: str) -> None:
    with Earnest(Settings.load(library, env={})) as lib:
        scope = lib.library_scope()
        warm = "warm up: What was Costco's revenue?"
        scope.check(warm, plan_question(warm), lib._appears)
        refused, times = [], []
        for q in questions:
            t0 = time.perf_counter()
            asked, _ = scope.correct(q, lib._appears)
            verdict = scope.check(asked, plan_question(asked), lib._appears,
                                  usage=lambda word: lib._usage(word, Filters()))
            times.append((time.perf_counter() - t0) * 1000)
            if verdict:
                refused.append((q, verdict.message))
    times.sort()
    print(f"{name}: {len(refused)} of {len(questions)} answerable questions refused; "
          f"check median {statistics.median(times):.2f} ms, "
          f"p95 {times[int(0.95 * (len(times) - 1))]:.2f} ms")
    for q, message in refused:
        print(f"  - {q[:120]} => {message[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--financebench", type=Path, help="library of financebench/pdfs")
    parser.add_argument("--facts", type=Path, help="library of the Motley Fool transcripts")
    parser.add_argument("--questions", type=Path, help="library of the transcripts "
                        "eval/transcript_questions.jsonl is about (its answerable questions, "
                        "and the same in lower case)")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if args.financebench:
        rows = [json.loads(line) for line in open(args.data / "financebench/questions.jsonl")]
        measure(args.financebench, [r["question"] for r in rows], "FinanceBench")
        measure(args.financebench, [r["question"].lower() for r in rows],
                "FinanceBench, lower case")
    if args.facts:
        rows = [json.loads(line) for line in
                open(args.data / "transcripts/motleyfool/facts.jsonl")]
        measure(args.facts, [fact_question(r["doc_name"], r["fact"], r["numbers"])
                             for r in rows], "transcript facts")
    if args.questions:
        path = Path(__file__).resolve().parents[1] / "eval" / "transcript_questions.jsonl"
        rows = [json.loads(line) for line in open(path)]
        asked = [r["question"] for r in rows if r["answerable"]]
        measure(args.questions, asked, "transcript questions")
        measure(args.questions, [q.lower() for q in asked], "transcript questions, lower case")


if __name__ == "__main__":
    main()
