"""Grid over the query-time retrieval weights on built libraries; prints recall per setting.

    uv run python bench/tune.py --financebench /tmp/lib-fb [--facts /tmp/lib-mf]

Only settings that do not change the index are varied, so no re-ingest is needed. Use it to
choose defaults, and report the chosen row next to its neighbours (not just the best)."""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from earnest import Earnest, Settings
from earnest.evaluation import eval_facts, eval_financebench

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--financebench", type=Path)
    parser.add_argument("--facts", type=Path)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--facts-limit", type=int, default=300)
    args = parser.parse_args()
    grid = {"rerank_dense": [0.25, 0.4, 0.55], "rerank_coverage": [0.2, 0.3, 0.45],
            "rerank_document": [0.1, 0.15, 0.25], "rerank_statement": [0.25]}
    keys = list(grid)
    for values in itertools.product(*grid.values()):
        over = {f"retrieve__{k}": v for k, v in zip(keys, values)}
        row = " ".join(f"{k.split('_')[1]}={v}" for k, v in zip(keys, values))
        if args.financebench:
            lib = Earnest(Settings.load(args.financebench, env={}, **over))
            r = eval_financebench(lib, args.data / "financebench")
            row += (f" | fb page@1 {r.recall[1]:.3f} @5 {r.recall[5]:.3f} @10 {r.recall[10]:.3f}"
                    f" doc@5 {r.extra['document_recall']['@5']:.3f}")
            lib.close()
        if args.facts:
            lib = Earnest(Settings.load(args.facts, env={}, **over))
            r = eval_facts(lib, args.data / "transcripts/motleyfool", limit=args.facts_limit)
            row += f" | facts @1 {r.recall[1]:.3f} @5 {r.recall[5]:.3f}"
            lib.close()
        print(row, flush=True)


if __name__ == "__main__":
    main()
