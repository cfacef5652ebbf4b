"""Flame graphs (pyinstrument) of one ingest and of queries, as HTML and text.

    uv run python bench/profile.py --ingest ../shared/data/financebench/pdfs/X.pdf \
        --library /tmp/lib-copy --questions 40 --out /tmp/profiles

The ingest goes into a new temporary library (parse, keyword index, embed); the queries are
FinanceBench questions asked of ``--library`` (a copy: a newer schema migrates it) after one
warm-up question. pyinstrument is in the dev group.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from pyinstrument import Profiler

from earnest import Earnest, Settings

ROOT = Path(__file__).resolve().parents[1]


def profile(label: str, out: Path, work) -> None:
    profiler = Profiler(interval=0.001)
    profiler.start()
    work()
    profiler.stop()
    (out / f"{label}.html").write_text(profiler.output_html(), encoding="utf-8")
    text = profiler.output_text(unicode=False, color=False)
    (out / f"{label}.txt").write_text(text, encoding="utf-8")
    print(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ingest", type=Path, nargs="*", default=[])
    parser.add_argument("--library", type=Path)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path("/tmp/earnest-profiles"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.ingest:
        with tempfile.TemporaryDirectory(prefix="earnest-profile-") as tmp:
            lib = Earnest(Settings.load(tmp, env={}))
            lib.embedder.warm_up()  # the model's load is not the ingest's
            profile("ingest", args.out, lambda: lib.ingest(args.ingest))
            lib.close()
    if args.library:
        questions = [json.loads(line)["question"] for line in
                     (args.data / "financebench" / "questions.jsonl").open(encoding="utf-8")]
        lib = Earnest(Settings.load(args.library, env={}))
        lib.ask("warm up the model and the vector matrix")
        lib.warm_up()  # the model, the vector matrix and the keyword index
        profile("query", args.out,
                lambda: [lib.ask(q) for q in questions[:args.questions]])
        lib.close()


if __name__ == "__main__":
    main()
