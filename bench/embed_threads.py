"""Embedding throughput by how ONNX Runtime uses the cores, in one run on real chunk texts.

    uv run python bench/embed_threads.py [--texts 400] [--rounds 3] [--variants today,2x1,...]

Each variant embeds the same texts the way the ingest's embed phase does (steps of 256 sorted
by length; in a step, model batches of at most ``batch_size`` rows and MAX_BATCH_TOKENS padded
word pieces), pre-tokenised once (tokenising is the same for all). Variants, alternating in
every round (the order rotates), each warmed up first:

  today        one session, intra-op threads as ORT decides (embed.threads = 0), batches in turn
  1s-2t        one session, 2 intra-op threads set explicitly
  2s-1t        two sessions of 1 intra-op thread, two threads each running different batches
  1s-shared    one session of 1 intra-op thread, run from two threads at once
  1s-shared-0t one session, intra-op threads as ORT decides, run from two threads at once
  4s-1t        four sessions of 1 intra-op thread in four threads
  1s-1t        one session of 1 intra-op thread, batches in turn (one core's figure)
  ort-parallel today's session with execution_mode ORT_PARALLEL (2 inter-op threads)
  opt-basic / opt-extended   today's session with a lower graph optimisation level
  tokens-1024 / tokens-4096  today's session, model calls of at most this many word pieces

Texts: --texts/2 chunk texts of earnings calls and --texts/2 of filings, a fixed random sample
of the chunks of two embedded evaluation libraries (read-only; --calls-library,
--filings-library). Prints, per variant, medians over the rounds of wall seconds, this
process's CPU seconds (all its threads), chunks/s, and chunks/s relative to ``today`` (the
median of each round's ratio, which the load's drift between rounds affects less); the
largest difference of any vector from today's; the median milliseconds of one question's
embedding (one text, one model call); and the load average at the start and end.
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import sqlite3
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402

from earnest import embedding  # noqa: E402
from earnest.embedding import OnnxEmbedder, _batches, _model_files, forward, session_options  # noqa: E402

STEP = 256  # the embed phase's chunks per embed_batch call (ingest_pipeline.EMBED_STEP)


@dataclass
class Variant:
    name: str
    sessions: int = 1
    threads: int = 0  # intra-op threads per session; 0: ORT decides
    workers: int = 1  # batches run at once (Python threads)
    opt_level: str = "ORT_ENABLE_ALL"
    parallel_mode: bool = False
    max_tokens: int = embedding.MAX_BATCH_TOKENS
    opened: list = field(default_factory=list, repr=False)
    free: queue.Queue = field(default_factory=queue.Queue, repr=False)

    def open(self) -> None:
        import onnxruntime as ort

        for _ in range(self.sessions):
            options = session_options(self.threads)
            options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, self.opt_level)
            if self.parallel_mode:
                options.execution_mode = ort.ExecutionMode.ORT_PARALLEL
                options.inter_op_num_threads = 2
            self.opened.append(ort.InferenceSession(str(_model_files()[0]), options,
                                                    providers=["CPUExecutionProvider"]))
            self.free.put(self.opened[-1])

    def run(self, ids: list[list[int]]) -> np.ndarray:
        """Vectors of every text, the embed phase's way: steps of STEP, each in batches."""
        out = np.zeros((len(ids), OnnxEmbedder.dim), dtype=np.float32)
        by_chars = list(range(len(ids)))  # already in the texts' length order
        with ThreadPoolExecutor(self.workers) as workers:
            for start in range(0, len(by_chars), STEP):
                step = by_chars[start:start + STEP]
                order = sorted(step, key=lambda i: len(ids[i]))
                batches = list(_batches(order, ids, 32, self.max_tokens))
                if self.workers == 1 or len(batches) == 1:
                    for rows in batches:
                        out[rows] = self._one(ids, rows)
                else:
                    for rows, vecs in zip(batches, workers.map(
                            lambda rows: self._one(ids, rows), batches)):
                        out[rows] = vecs
        return out

    def _one(self, ids: list[list[int]], rows: list[int]) -> np.ndarray:
        if len(self.opened) < self.workers:  # one session run from several threads at once
            return forward(self.opened[0], [ids[r] for r in rows])
        session = self.free.get()  # a session per thread: take a free one
        try:
            return forward(session, [ids[r] for r in rows])
        finally:
            self.free.put(session)


VARIANTS = {
    "today": Variant("today"),
    "1s-2t": Variant("1s-2t", threads=2),
    "2s-1t": Variant("2s-1t", sessions=2, threads=1, workers=2),
    "1s-shared": Variant("1s-shared", threads=1, workers=2),
    "1s-shared-0t": Variant("1s-shared-0t", workers=2),
    "4s-1t": Variant("4s-1t", sessions=4, threads=1, workers=4),
    "1s-1t": Variant("1s-1t", threads=1),
    "ort-parallel": Variant("ort-parallel", parallel_mode=True),
    "opt-basic": Variant("opt-basic", opt_level="ORT_ENABLE_BASIC"),
    "opt-extended": Variant("opt-extended", opt_level="ORT_ENABLE_EXTENDED"),
    "tokens-1024": Variant("tokens-1024", max_tokens=1024),
    "tokens-4096": Variant("tokens-4096", max_tokens=4096),
}
DEFAULT = "today,1s-2t,2s-1t,1s-shared,4s-1t,1s-1t"
# A question's embedding is one model call of one short text: its latency, per variant.
QUESTIONS = ["What was Apple's gross margin in the third quarter of fiscal 2023?",
             "Why did NVIDIA's networking revenue decline sequentially in Q1 FY2025?",
             "What did the CFO say about capital expenditure guidance for next year?"]
QUERY_REPEATS = 20


def sample_texts(library: Path, n: int, seed: int = 13) -> list[str]:
    db = sqlite3.connect(f"file:{library}?mode=ro", uri=True)
    try:
        ids = [r[0] for r in db.execute("select id from chunks order by id")]
        chosen = random.Random(seed).sample(ids, min(n, len(ids)))
        marks = ",".join("?" * len(chosen))
        return [r[0] for r in db.execute(f"select text from chunks where id in ({marks})", chosen)]
    finally:
        db.close()


def main() -> None:
    evallibs = Path("/tmp/evallibs")
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=DEFAULT, help=f"'all' or of: {', '.join(VARIANTS)}")
    parser.add_argument("--calls-library", type=Path,
                        default=evallibs / "lead5-tr" / "library.sqlite")
    parser.add_argument("--filings-library", type=Path,
                        default=evallibs / "int5-fb" / "library.sqlite")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    chosen = ",".join(VARIANTS) if args.variants == "all" else args.variants
    names = ["today", *[v for v in chosen.split(",") if v and v != "today"]]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants: {', '.join(unknown)}")
    for lib in (args.calls_library, args.filings_library):
        if not lib.is_file():
            parser.error(f"{lib}: no such library (give --calls-library/--filings-library)")

    texts = (sample_texts(args.calls_library, args.texts // 2)
             + sample_texts(args.filings_library, args.texts - args.texts // 2))
    texts.sort(key=len)  # the embed phase sorts its window by length before its steps
    tokenizer = OnnxEmbedder()
    ids = tokenizer.encode_ids(texts)
    pieces = sum(len(x) for x in ids)
    variants = [VARIANTS[n] for n in names]
    for v in variants:
        v.open()
        v.run(ids[:64])  # warm-up: arenas allocated, kernels chosen
    load_start = os.getloadavg()
    print(f"{len(texts)} texts, {pieces} word pieces; {os.cpu_count()} CPUs; "
          f"load average at the start {load_start[0]:.2f}", flush=True)

    question_ids = tokenizer.encode_ids(QUESTIONS)
    query_ms: dict[str, list[float]] = {n: [] for n in names}
    walls: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    ratios: dict[str, list[float]] = {n: [] for n in names}
    diffs: dict[str, float] = {n: 0.0 for n in names}
    reference = None
    for rnd in range(args.rounds):
        shift = rnd % len(variants)
        round_wall: dict[str, float] = {}
        for v in variants[shift:] + variants[:shift]:
            wall, cpu = time.perf_counter(), time.process_time()
            vectors = v.run(ids)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            for _ in range(QUERY_REPEATS):
                for q in question_ids:
                    t0 = time.perf_counter()
                    v.run([q])
                    query_ms[v.name].append((time.perf_counter() - t0) * 1000)
            walls[v.name].append(wall)
            cpus[v.name].append(cpu)
            round_wall[v.name] = wall
            if v.name == "today" and reference is None:
                reference = vectors
            elif reference is not None:
                diffs[v.name] = max(diffs[v.name], float(np.abs(vectors - reference).max()))
            print(f"round {rnd + 1} {v.name:>12}: {wall:7.1f} s wall, {cpu:7.1f} s CPU, "
                  f"{len(texts) / wall:6.2f} chunks/s, load {os.getloadavg()[0]:.2f}", flush=True)
        for n in names:
            ratios[n].append(round_wall["today"] / round_wall[n])
    load_end = os.getloadavg()

    results = {"texts": len(texts), "word_pieces": pieces, "rounds": args.rounds,
               "cpus": os.cpu_count(), "load_start": round(load_start[0], 2),
               "load_end": round(load_end[0], 2), "variants": {}}
    print(f"\n{'variant':>12} | wall s | CPU s | chunks/s | chunks/CPU-s | vs today | "
          "max |diff| | one question ms (p50)")
    for n in names:
        wall, cpu = statistics.median(walls[n]), statistics.median(cpus[n])
        row = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
               "chunks_per_s": round(len(texts) / wall, 2),
               "chunks_per_cpu_s": round(len(texts) / cpu, 2),
               "vs_today": round(statistics.median(ratios[n]), 3),
               "max_abs_diff": diffs[n],
               "query_ms_p50": round(statistics.median(query_ms[n]), 2),
               "walls": [round(w, 2) for w in walls[n]]}
        results["variants"][n] = row
        print(f"{n:>12} | {wall:6.1f} | {cpu:5.1f} | {row['chunks_per_s']:8.2f} | "
              f"{row['chunks_per_cpu_s']:12.2f} | {row['vs_today']:7.3f}x | {diffs[n]:.1e} | "
              f"{row['query_ms_p50']:.1f}")
    print(f"load average at the end {load_end[0]:.2f}")
    if args.out:
        report(results, args.out)


if __name__ == "__main__":
    main()
