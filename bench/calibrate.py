"""Calibrate answer.min_relevance: relevance of the best passage for answerable questions
(FinanceBench, transcript facts) against questions the library cannot answer.

    uv run python bench/calibrate.py --financebench /tmp/lib-fb --facts /tmp/lib-mf
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from earnest import Earnest, Settings
from earnest.evaluation import fact_question
from earnest.question_plan import plan_question
from earnest.relevance import relevance

ROOT = Path(__file__).resolve().parents[1]

# Questions no financial filing or earnings call answers.
UNANSWERABLE = [
    "What is the capital of Australia?", "How do I bake sourdough bread at home?",
    "Who wrote the novel Pride and Prejudice?", "What is the boiling point of water on Mars?",
    "How many legs does a spider have?", "What is the best way to train a puppy?",
    "Who won the 1998 FIFA World Cup final?", "How tall is Mount Everest in feet?",
    "What is the plot of Hamlet?", "Which planet has the most moons?",
    "How do you say thank you in Japanese?", "What is photosynthesis?",
    "What are good exercises for lower back pain?", "When did the Roman Empire fall?",
    "What is the chemical formula of table salt?", "Who painted the Mona Lisa?",
    "How do I change a flat bicycle tire?", "What is the recipe for banana bread with walnuts?",
    "What language is spoken in Brazil?", "How long do elephants live in the wild?",
    "What is the speed of light in a vacuum?", "Who discovered penicillin?",
    "What is a haiku?", "How many players are on a rugby union team?",
    "What is the difference between a violin and a viola?", "Why is the sky blue?",
    "What should I pack for a camping trip in the mountains?", "How do volcanoes form?",
    "What is the tallest tree species in the world?", "Who invented the telephone?",
    "What is the best season to visit Iceland?", "How do bees make honey?",
    "What does a marine biologist do?", "How many strings does a standard guitar have?",
    "What is the population of the moon?", "What colour are flamingos and why?",
    "How do I knit a scarf for beginners?", "What is the rule of three in photography?",
    "Which dinosaur had the longest neck?", "How do I grow tomatoes on a balcony?",
]


def best_relevance(lib: Earnest, question: str, mode: str = "hybrid") -> float:
    plan = plan_question(question)
    result = lib.retriever.search(question, k=5, plan=plan, mode=mode)
    return max((relevance(p, plan) for p in result.passages), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--financebench", type=Path, required=True)
    parser.add_argument("--facts", type=Path)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--facts-limit", type=int, default=200)
    parser.add_argument("--mode", choices=["hybrid", "keyword"], default="hybrid",
                        help="keyword: as a library whose passages are not embedded yet")
    args = parser.parse_args()
    positives: list[float] = []
    negatives: list[float] = []
    lib = Earnest(Settings.load(args.financebench, env={}))
    for line in (args.data / "financebench/questions.jsonl").open():
        positives.append(best_relevance(lib, json.loads(line)["question"], args.mode))
    negatives += [best_relevance(lib, q, args.mode) for q in UNANSWERABLE]
    lib.close()
    if args.facts:
        lib = Earnest(Settings.load(args.facts, env={}))
        for line in list((args.data / "transcripts/motleyfool/facts.jsonl").open())[
                :args.facts_limit]:
            f = json.loads(line)
            positives.append(best_relevance(lib, fact_question(f["doc_name"], f["fact"],
                                                               f["numbers"]), args.mode))
        negatives += [best_relevance(lib, q, args.mode) for q in UNANSWERABLE]
        lib.close()
    print(f"answerable: {len(positives)}, unanswerable: {len(negatives)}")
    print(f"answerable relevance min {min(positives):.3f}, 5th pct "
          f"{sorted(positives)[len(positives) // 20]:.3f}; unanswerable max "
          f"{max(negatives):.3f}")
    print("threshold | answerable kept | unanswerable rejected")
    for t in [x / 100 for x in range(10, 50, 2)]:
        kept = sum(p >= t for p in positives) / len(positives)
        rejected = sum(n < t for n in negatives) / len(negatives)
        print(f"{t:.2f} | {kept:.3f} | {rejected:.3f}")


if __name__ == "__main__":
    main()
