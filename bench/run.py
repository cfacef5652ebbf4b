"""Earnest benchmarks: one command, figures printed (and saved as JSON under bench/results/).

    uv run python bench/run.py                       # everything, ~35 min on 2 cores
    uv run python bench/run.py --library /tmp/lib   # reuse a built library for query latency
    uv run python bench/run.py --library /tmp/lib --queries-only   # query latency alone

Reads ../shared/data (or --data); exits with a message when it is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import pct

from earnest import Earnest, Settings
from earnest.chunking import chunk_document
from earnest.embedding import OnnxEmbedder
from earnest.evaluation import fact_question
from earnest.readers import read_document

ROOT = Path(__file__).resolve().parents[1]


def bench_parse(pdfs: list[Path], settings: Settings) -> dict:
    pages = chunks = 0
    t0 = time.perf_counter()
    texts: list[str] = []
    for pdf in pdfs:
        doc = read_document(pdf.read_bytes(), pdf.name)
        cs = chunk_document(doc.pages, settings.chunk)
        pages += len(doc.pages)
        chunks += len(cs)
        texts.extend(c.text for c in cs)
    seconds = time.perf_counter() - t0
    return {"files": len(pdfs), "pages": pages, "chunks": chunks, "seconds": round(seconds, 2),
            "pages_per_s": round(pages / seconds, 1), "texts": texts}


def bench_embedding(texts: list[str], settings: Settings, rounds: int = 3) -> dict:
    """The bare model (fixed batches in document order, pre-tokenised) against the pipeline
    (Earnest's embed path: tokenise, length-sorted batches, model, vectors written to SQLite),
    on the same chunks, alternating, median of ``rounds``."""
    model = OnnxEmbedder(settings.embed)
    model.warm_up()
    ids = model.encode_ids(texts)
    size = settings.embed.batch_size
    bare, pipe = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for i in range(0, len(ids), size):
            model.run_model(ids[i:i + size])
        bare.append(len(ids) / (time.perf_counter() - t0))
        with tempfile.TemporaryDirectory() as tmp:
            lib = Earnest(Settings.load(tmp, env={}), embedder=model)
            folder = Path(tmp) / "in"
            folder.mkdir()
            # One text file per chunk so the stored chunks are exactly these texts.
            for n, text in enumerate(texts):
                (folder / f"c{n:05d}.txt").write_text(text, encoding="utf-8")
            lib.ingest([folder], embed=False)
            pending = lib.stats().chunks
            t0 = time.perf_counter()
            done = lib.embed_pending()
            pipe.append(done / (time.perf_counter() - t0))
            lib.close()
            assert done == pending
    tokens = float(np.mean([len(x) for x in ids]))
    b, p = statistics.median(bare), statistics.median(pipe)
    return {"chunks": len(texts), "mean_tokens": round(tokens, 1),
            "bare_chunks_per_s": round(b, 1), "pipeline_chunks_per_s": round(p, 1),
            "ratio": round(p / b, 3)}


def bench_ingest(pdf_dir: Path, library: Path) -> dict:
    lib = Earnest(Settings.load(library, env={}))
    t0 = time.perf_counter()
    report = lib.ingest([pdf_dir])
    seconds = time.perf_counter() - t0
    stats = lib.stats()
    lib.close()
    return {"files": len(report.files), "failed": report.count("failed"),
            "pages": stats.pages, "chunks": stats.chunks, "seconds": round(seconds, 1),
            "pages_per_s": round(stats.pages / seconds, 2)}


def bench_queries(library: Path, data: Path, n: int = 100) -> dict:
    questions = [json.loads(line)["question"] for line in
                 (data / "financebench/questions.jsonl").open(encoding="utf-8")]
    facts_file = data / "transcripts/motleyfool/facts.jsonl"
    if facts_file.exists():
        for line in facts_file.open(encoding="utf-8"):
            if len(questions) >= n:
                break
            f = json.loads(line)
            questions.append(fact_question(f["doc_name"], f["fact"], f["numbers"]))
    questions = questions[:n]
    lib = Earnest(Settings.load(library, env={}))
    lib.ask("warm up the model and the vector matrix")
    if hasattr(lib, "warm_up"):  # what `earnest serve` loads at start (older code has none)
        lib.warm_up()
    totals, stages = [], {}
    for q in questions:
        t0 = time.perf_counter()
        answer = lib.ask(q)
        totals.append((time.perf_counter() - t0) * 1000)
        for stage, ms in answer.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    stats = lib.stats()
    lib.close()
    return {"questions": len(questions), "chunks": stats.chunks,
            "p50_ms": round(statistics.median(totals), 1), "p95_ms": round(pct(totals, 0.95), 1),
            "max_ms": round(max(totals), 1),
            "stage_p50_ms": {k: round(statistics.median(v), 1) for k, v in stages.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--library", type=Path,
                        help="an already built library of the 117 filings: skip the ingest")
    parser.add_argument("--keep-library", type=Path,
                        help="build the whole-ingest library here (new folder) and keep it")
    parser.add_argument("--parse-files", type=int, default=10)
    parser.add_argument("--embed-chunks", type=int, default=600)
    parser.add_argument("--queries-only", action="store_true",
                        help="only the query latency of --library")
    args = parser.parse_args()
    if args.queries_only and args.library is None:
        sys.exit("--queries-only needs --library")
    pdf_dir = args.data / "financebench" / "pdfs"
    if not pdf_dir.is_dir():
        sys.exit(f"benchmark data not found at {pdf_dir}: run from a checkout beside ../shared")
    settings = Settings.load(tempfile.mkdtemp(), env={})
    results: dict = {"machine": {"cpus": __import__("os").cpu_count()}}
    pdfs = sorted(pdf_dir.glob("*.pdf"))
    results["load_average_start"] = os.getloadavg()[0]
    if args.queries_only:
        return report_queries(args.library, args.data, results)

    parse = bench_parse(pdfs[:: max(1, len(pdfs) // args.parse_files)][: args.parse_files],
                        settings)
    texts = parse.pop("texts")
    results["parse"] = parse
    print(f"parse+chunk: {parse['pages']} pages of {parse['files']} filings in "
          f"{parse['seconds']} s = {parse['pages_per_s']} pages/s", flush=True)

    step = max(1, len(texts) // args.embed_chunks)
    emb = bench_embedding(texts[::step][: args.embed_chunks], settings)
    results["embedding"] = emb
    print(f"embedding: pipeline {emb['pipeline_chunks_per_s']} chunks/s vs bare ONNX model "
          f"{emb['bare_chunks_per_s']} chunks/s = {emb['ratio']:.0%} "
          f"({emb['chunks']} chunks, {emb['mean_tokens']} tokens on average)", flush=True)

    library = args.library
    if library is None:
        library = args.keep_library or Path(tempfile.mkdtemp(prefix="earnest-bench-"))
        if (library / "library.sqlite").exists():
            sys.exit(f"{library} already holds a library; --keep-library wants a new folder")
        ing = bench_ingest(pdf_dir, library)
        results["ingest"] = ing
        print(f"whole ingest: {ing['files']} filings, {ing['pages']} pages, {ing['chunks']} "
              f"chunks in {ing['seconds']} s ({ing['seconds'] / 60:.1f} min)", flush=True)
    else:
        print(f"whole ingest: not measured (reusing {library})", flush=True)

    report_queries(library, args.data, results)


def report_queries(library: Path, data: Path, results: dict) -> None:
    q = bench_queries(library, data)
    results["queries"] = q
    results["load_average_end"] = os.getloadavg()[0]
    print(f"query latency over {q['questions']} questions ({q['chunks']} chunks): "
          f"p50 {q['p50_ms']} ms, p95 {q['p95_ms']} ms, max {q['max_ms']} ms; "
          f"stage medians {q['stage_p50_ms']} (load average {results['load_average_start']:.1f}"
          f" -> {results['load_average_end']:.1f})", flush=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
