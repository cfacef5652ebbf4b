"""Choose the rerank weights on the tune part, report the held-out part: coordinate ascent
over ``retrieve.rerank_*`` on FinanceBench, every transcript question set
(``eval/transcript_questions*.jsonl``) and the transcript facts, each question's candidate
pool captured once and re-scored offline.

    uv run python bench/tune.py --financebench /tmp/evallibs/ltr-fb --calls /tmp/evallibs/ltr-tr
        [--save /tmp/pools.pkl | --load /tmp/pools.pkl] [--sweep sentence=0,0.05,0.1]

``--save`` keeps the capture, ``--load`` re-scores a kept one (made by the same code: the
feature values are today's; the first check compares it with today's default weights, so a
capture kept before a default changed reports differences). ``--sweep FEATURE=V1,V2,...``
prints each value's figures with the other weights as today, instead of the ascent.

Each question is asked once with today's weights; the reranker's pool (every candidate's
feature values, its vector, the periods the diversity stage reads) is kept, and a weight
vector is then scored by the real rerank sum and diversity stage, without asking again. The
first check printed is that this offline ranking equals what the eval saw. The objective is
the mean over the sets of (@1 + 2 x @5 + @10 + MRR) / 5 on the tune part; the held-out part is
only reported. A weight change is worth keeping only when the held-out line gains as well.
Libraries are copied to a temporary directory first (asking logs answers into a library).
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from earnest import Earnest, Settings
from earnest.eval_questions import holds, read_questions, select
from earnest.eval_split import load_splits, select_facts, select_financebench
from earnest.evaluation import EVIDENCE_K, _content_aliases, _read_jsonl, corpus_dir, fact_question
from earnest.figures import contains_numbers
from earnest.models import Passage
from earnest.retrieval import (
    RERANK_FEATURES,
    HybridRetriever,
    cover_each_period,
    demote_repeats,
    rerank_features,
    rerank_input,
    support_of_neighbours,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FEATURES = list(RERANK_FEATURES)
AFTER = ("neighbours", "repeat")  # weights of the steps after the feature sum
GRID = (0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45, 0.6, 0.8, 1.0)
# transcript_questions.jsonl, _2, _3, ...: in the order of their number
QUESTION_FILES = sorted((ROOT / "eval").glob("transcript_questions*.jsonl"),
                        key=lambda p: (len(p.name), p.name))
SETS = ("financebench", *(f"questions {i}" for i in range(1, len(QUESTION_FILES) + 1)),
        "facts")


class CapturingRetriever(HybridRetriever):
    """The shipped retriever, keeping the last question's reranked pool."""

    last: dict[str, Any]

    def _rerank(self, passages, plan, fused, doc_scores):  # type: ignore[no-untyped-def]
        given = rerank_input(passages, plan, fused, doc_scores)
        self.last = {"features": {p.chunk_id: rerank_features(p, given) for p in passages},
                     "plan": plan}
        return super()._rerank(passages, plan, fused, doc_scores)

    def _diversify(self, passages, plan, vectors, k, matcher):  # type: ignore[no-untyped-def]
        self.last.update(pool=list(passages), vectors=vectors, k=k, matcher=matcher)
        return super()._diversify(passages, plan, vectors, k, matcher)


@dataclass
class Question:
    """One question's captured pool and how its gold evidence is recognised."""

    set: str
    split: str
    gold: Callable[[Passage], bool] | set[tuple[str, int]] | None  # None: kept, see hits
    online: int | None = None  # the rank the eval saw
    pool: list[Passage] = field(default_factory=list)
    matrix: Any = None  # pool x FEATURES
    context: dict[str, Any] = field(default_factory=dict)
    hits: set[int] = field(default_factory=set)  # chunk ids holding the gold

    def rank(self, ranked: list[Passage]) -> int | None:
        if isinstance(self.gold, set):  # FinanceBench: the first gold page among the pages
            pages = list(dict.fromkeys((p.doc_name, page) for p in ranked
                                       for page in range(p.page_start, p.page_end + 1)))
            return next((i + 1 for i, x in enumerate(pages) if x in self.gold), None)
        return next((i + 1 for i, p in enumerate(ranked) if p.chunk_id in self.hits), None)

    def rerank(self, weights: dict[str, float]) -> int | None:
        if not self.pool:
            return None  # answered "not found" before retrieval: no weight changes that
        scores = self.matrix @ np.array([weights[f] for f in FEATURES])
        for p, s in zip(self.pool, scores):
            p.score = float(s)
        support_of_neighbours(self.pool, weights["neighbours"])
        c = self.context
        ranked = sorted(self.pool, key=lambda p: -p.score)
        ranked = demote_repeats(ranked, c["vectors"], weights["repeat"], depth=max(40, c["k"]))
        return self.rank(cover_each_period(ranked, c["plan"], c["k"], c["matcher"])[:c["k"]])


def ask(lib: Earnest, retriever: CapturingRetriever, q: Question, question: str, k: int
        ) -> Question:
    retriever.last = {}
    answer = lib.ask(question, k=k, llm=False)
    if "pool" in retriever.last:
        last = retriever.last
        q.pool = last["pool"]
        q.matrix = np.array([[last["features"][p.chunk_id][f] for f in FEATURES]
                             for p in q.pool])
        q.context = {k: last[k] for k in ("vectors", "k", "matcher", "plan")}
        if not isinstance(q.gold, set):
            q.hits = {p.chunk_id for p in q.pool if q.gold(p)}
    if isinstance(q.gold, set):
        q.online = q.rank(answer.passages)
    else:
        q.online = next((i + 1 for i, p in enumerate(answer.passages) if q.gold(p)), None)
    return q


def open_library(path: Path) -> tuple[Earnest, CapturingRetriever]:
    lib = Earnest(Settings.load(path, env={}))
    lib.retriever.close()
    lib.retriever = CapturingRetriever(lib.store, lib.embedder, lib.settings.retrieve)
    return lib, lib.retriever


def capture(fb_lib: Path, calls_lib: Path, data: Path) -> list[Question]:
    out: list[Question] = []
    lib, retriever = open_library(fb_lib)
    with lib:
        folder = data / "financebench"
        aliases = _content_aliases(lib, corpus_dir("financebench", folder))
        for split in ("tune", "holdout"):
            for q in select_financebench(_read_jsonl(folder / "questions.jsonl"), folder, split):
                gold = {(aliases.get(n, n), int(e["evidence_page_num"]) + 1)
                        for e in q["evidence"] for n in [e.get("doc_name", q["doc_name"])]}
                out.append(ask(lib, retriever, Question("financebench", split, gold),
                               q["question"], EVIDENCE_K))
    lib, retriever = open_library(calls_lib)
    with lib:
        splits = load_splits()
        for i, path in enumerate(QUESTION_FILES, 1):
            name = f"questions {i}"
            for split in ("tune", "holdout"):
                for q in select(read_questions(path), split, splits):
                    if q["answerable"]:
                        gold = _quote_gold(q["doc_name"], q["gold_quotes"])
                        out.append(ask(lib, retriever, Question(name, split, gold),
                                       q["question"], EVIDENCE_K))
        folder = data / "transcripts" / "motleyfool"
        aliases = _content_aliases(lib, corpus_dir("facts", folder))
        for split in ("tune", "holdout"):
            for f in select_facts(_read_jsonl(folder / "facts.jsonl"), folder, split):
                gold = _number_gold(aliases.get(f["doc_name"], f["doc_name"]), f["numbers"])
                out.append(ask(lib, retriever, Question("facts", split, gold),
                               fact_question(f["doc_name"], f["fact"], f["numbers"]), 10))
    return out


def _quote_gold(doc: str, quotes: list[str]) -> Callable[[Passage], bool]:
    return lambda p: p.doc_name == doc and any(holds(p.text, q) for q in quotes)


def _number_gold(doc: str, numbers: list[str]) -> Callable[[Passage], bool]:
    return lambda p: p.doc_name == doc and contains_numbers(p.text, numbers)


def measure(questions: list[Question], weights: dict[str, float]) -> dict[tuple[str, str], dict]:
    ranks: dict[tuple[str, str], list[int | None]] = {}
    for q in questions:
        ranks.setdefault((q.set, q.split), []).append(q.rerank(weights))
    return {key: {"@1": _at(r, 1), "@5": _at(r, 5), "@10": _at(r, 10),
                  "mrr": sum(1 / h for h in r if h) / len(r)} for key, r in ranks.items()}


def _at(ranks: list[int | None], k: int) -> float:
    return sum(1 for h in ranks if h and h <= k) / len(ranks)


def objective(m: dict[tuple[str, str], dict], split: str) -> float:
    rows = [m[(s, split)] for s in SETS if (s, split) in m]
    return sum((r["@1"] + 2 * r["@5"] + r["@10"] + r["mrr"]) / 5 for r in rows) / len(rows)


def show(label: str, m: dict[tuple[str, str], dict]) -> None:
    for split in ("tune", "holdout"):
        cells = " ".join(f"{s} {m[(s, split)]['@1']:.3f}/{m[(s, split)]['@5']:.3f}"
                         for s in SETS if (s, split) in m)
        at5 = [m[(s, split)]["@5"] for s in SETS if (s, split) in m]
        print(f"{label:>24} {split:>7}: {cells}  mean@5 {sum(at5) / len(at5):.3f} "
              f"objective {objective(m, split):.4f}", flush=True)


def ascend(questions: list[Question], start: dict[str, float], rounds: int
           ) -> dict[str, float]:
    """Each weight in turn set to the grid value best on the tune part, until none moves."""
    weights, best = dict(start), objective(measure(questions, start), "tune")
    for _ in range(rounds):
        moved = False
        for name in list(weights):
            trials = [(objective(measure(questions, {**weights, name: v}), "tune"),
                       -abs(v - weights[name]), v) for v in GRID]
            score, _, value = max(trials)
            if score > best + 5e-4 and value != weights[name]:
                best, weights, moved = score, {**weights, name: value}, True
                show(f"{name}={value}", measure(questions, weights))
        if not moved:
            break
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--financebench", type=Path, required=True,
                        help="an embedded library of the FinanceBench filings")
    parser.add_argument("--calls", type=Path, required=True,
                        help="an embedded library of the development calls")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rounds", type=int, default=4)
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--save", type=Path, help="keep the capture in this file")
    kept.add_argument("--load", type=Path, help="re-score a capture kept with --save")
    parser.add_argument("--sweep", metavar="FEATURE=V1,V2,...", type=_sweep,
                        help="score these values of one weight instead of the ascent")
    args = parser.parse_args()
    if args.sweep and args.sweep[0] not in [*FEATURES, *AFTER]:
        parser.error(f"--sweep: no weight {args.sweep[0]!r}; known: "
                     f"{', '.join([*FEATURES, *AFTER])}")
    questions = _captured(args)
    with Earnest(Settings.load(args.financebench, env={})) as lib:
        today = {f: getattr(lib.settings.retrieve, f"rerank_{f}") for f in FEATURES}
        today["repeat"] = lib.settings.retrieve.rerank_repeat
        today["neighbours"] = lib.settings.retrieve.rerank_neighbours
    differ = sum(1 for q in questions if q.rerank(today) != q.online)
    print(f"{len(questions)} questions; offline ranking differs from the eval's on {differ}")
    print("cells: @1/@5 per set\n")
    show("today's weights", measure(questions, today))
    if args.sweep:
        name, values = args.sweep
        for value in values:
            show(f"{name}={value}", measure(questions, {**today, name: value}))
        return
    learned = ascend(questions, today, args.rounds)
    show("learned on tune", measure(questions, learned))
    print("learned:", {k: v for k, v in learned.items() if v != today[k]})


def _sweep(text: str) -> tuple[str, list[float]]:
    name, _, values = text.partition("=")
    try:
        return name, [float(v) for v in values.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("expected FEATURE=V1,V2,... (numbers)") from None


def _captured(args: argparse.Namespace) -> list[Question]:
    if args.load:
        with args.load.open("rb") as f:
            return pickle.load(f)
    if not args.data.is_dir():
        raise SystemExit(f"{args.data}: no development data (../shared/data) here")
    scratch = Path(tempfile.mkdtemp(prefix="earnest-tune-"))
    try:
        fb = _copy(args.financebench, scratch / "fb")
        calls = _copy(args.calls, scratch / "calls")
        questions = capture(fb, calls, args.data)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.save:
        for q in questions:  # a quote's test is a closure; ``hits`` keeps what it found
            if not isinstance(q.gold, set):
                q.gold = None
        with args.save.open("wb") as f:
            pickle.dump(questions, f)
    return questions


def _copy(library: Path, dest: Path) -> Path:
    if not (library / "library.sqlite").exists():
        raise SystemExit(f"{library}: no library.sqlite there")
    shutil.copytree(library, dest, ignore=shutil.ignore_patterns("files"))
    return dest


if __name__ == "__main__":
    main()
