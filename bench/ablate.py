"""What each retrieval stage and rerank feature contributes: evidence-page recall@1/@5 on the
tune and held-out parts of FinanceBench with everything on, then with one stage, candidate
generator or feature turned off at a time (``retrieve.disabled``).

    uv run python bench/ablate.py [--library /tmp/evallibs/kw-fb]
        [--questions --questions-library /tmp/evallibs/kw-tr]

Asking logs answers into a library, so each library is copied to a temporary directory first
and the copy is removed at the end: the libraries named are never written. On a
keyword-only library the dense generators and the near-copy demotion ("repeats") have
nothing to work with, so they show no effect there.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from earnest import Earnest, Settings
from earnest.eval_questions import eval_questions
from earnest.evaluation import eval_financebench
from earnest.retrieval import RERANK_FEATURES, STAGES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def configurations() -> list[tuple[str, list[str]]]:
    """(label, names turned off): all on, each stage or generator off, "no rerank", "no
    diversity", then each rerank feature off."""
    rows: list[tuple[str, list[str]]] = [("all on", [])]
    rows += [(f"no {stage}", [stage]) for stage in STAGES]
    rows.append(("no diversity", ["repeats", "periods"]))
    rows += [(f"no feature {name}", [name]) for name in RERANK_FEATURES]
    return rows


def financebench(library: Path, off: list[str], data: Path) -> dict[str, tuple[float, ...]]:
    out = {}
    with Earnest(Settings.load(library, env={}, retrieve__disabled=off)) as lib:
        for split in ("tune", "holdout"):
            r = eval_financebench(lib, data / "financebench", split=split, llm=False)
            out[split] = (r.recall[1], r.recall[5])
    return out


def questions(library: Path, off: list[str], path: Path) -> dict[str, tuple[float, ...]]:
    out = {}
    with Earnest(Settings.load(library, env={}, retrieve__disabled=off)) as lib:
        for split in ("tune", "holdout"):
            r = eval_questions(lib, path, split=split, llm=False)
            out[split] = (r.recall[5],)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", type=Path, default=Path("/tmp/evallibs/kw-fb"))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--questions", action="store_true",
                        help="also the transcript questions' recall@5")
    parser.add_argument("--questions-library", type=Path, default=Path("/tmp/evallibs/kw-tr"))
    parser.add_argument("--questions-file", type=Path,
                        default=ROOT / "eval" / "transcript_questions.jsonl")
    parser.add_argument("--only", nargs="*", help="labels to run (default: all)")
    args = parser.parse_args()
    rows = [r for r in configurations() if not args.only or r[0] in args.only]
    scratch = Path(tempfile.mkdtemp(prefix="earnest-ablate-"))
    try:
        library = _copy(args.library, scratch / "fb")
        calls = _copy(args.questions_library, scratch / "calls") if args.questions else None
        _table(args, rows, library, calls)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _copy(library: Path, dest: Path) -> Path:
    if not (library / "library.sqlite").exists():
        raise SystemExit(f"{library}: no library.sqlite there")
    shutil.copytree(library, dest, ignore=shutil.ignore_patterns("files"))
    return dest


def _table(args: argparse.Namespace, rows: list[tuple[str, list[str]]], library: Path,
           calls: Path | None) -> None:
    head = "| configuration | FB tune @1 | @5 | FB held-out @1 | @5 |"
    rule = "|---|---|---|---|---|"
    if args.questions:
        head += " calls tune @5 | calls held-out @5 |"
        rule += "---|---|"
    print(f"library {args.library}" + (f"; questions on {args.questions_library}"
                                       if args.questions else ""))
    print("differences are against 'all on' (negative: the part helps)\n")
    print(head)
    print(rule, flush=True)
    base: list[float] = []
    for label, off in rows:
        t0 = time.perf_counter()
        fb = financebench(library, off, args.data)
        values = [*fb["tune"], *fb["holdout"]]
        if calls is not None:
            qs = questions(calls, off, args.questions_file)
            values += [*qs["tune"], *qs["holdout"]]
        if not base:
            base = values
            cells = [f"{v:.3f}" for v in values]
        else:
            cells = [f"{v:.3f} ({v - b:+.3f})" for v, b in zip(values, base)]
        print(f"| {label} | " + " | ".join(cells) + f" |  <!-- {time.perf_counter() - t0:.0f} s -->",
              flush=True)


if __name__ == "__main__":
    main()
