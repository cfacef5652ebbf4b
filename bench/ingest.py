"""Ingest phases, before and after the two-phase pipeline, in one run on the same files.

    uv run python bench/ingest.py [--filings 6] [--calls 40] [--rounds 1]
    uv run python bench/ingest.py --keyword-only --filings 0    # all 117 filings, parse+keyword

--parallel-batches: the two-phase pipeline with the model's calls one at a time
(embed.parallel_batches = 1, intra-op threads as ORT decides, as it was) and side by side
(the default: one call per CPU, one intra-op thread each), alternating, fresh libraries.

--keyword-only: the parse+keyword phase in one process (parse_processes=1, as it was) and with
files parsed in parser processes (--processes, default one per CPU), alternating, each in a
fresh library; the CPU seconds of the parsers (child processes) are printed beside this
process's.

"before": each file parsed, keyword-indexed, then embedded (the library's pending chunks in
batches of 256 by id, every text) before the next file is read: the pipeline as it was.
"after": every file parsed and keyword-indexed (searchable), then the pending chunks embedded
in windows of 2,048 sorted by length across documents, a text already embedded copied
(earnest.ingest_pipeline). Both in fresh libraries, alternating, with the same model object.
Also the bare model's chunks/s on the same chunk texts (pre-tokenised, batches of 32 in
document order) and the machine's load average, since the machine is shared. Wall and CPU
seconds are printed: on a loaded machine the CPU seconds compare better.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from earnest import Earnest, Settings
from earnest.embedding import OnnxEmbedder
from earnest.settings import EmbedSettings

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


class Clock:
    """Wall seconds, this process's CPU seconds and its finished children's (parsers)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.children = _children_cpu()

    def read(self) -> dict:
        out = {"wall_s": round(time.perf_counter() - self.wall, 1),
               "cpu_s": round(time.process_time() - self.cpu, 1)}
        if children := round(_children_cpu() - self.children, 1):
            out["children_cpu_s"] = children
        return out


def before(files: list[Path], home: Path, model: OnnxEmbedder) -> dict:
    lib = Earnest(Settings.load(home, env={}), embedder=model)
    clock = Clock()
    keyword_at = None
    for n, path in enumerate(files):
        lib.ingest_file(path)
        if n == len(files) - 1:
            keyword_at = clock.read()  # the last file searchable: all before it embedded
        while rows := lib.store.chunks_without_vectors(256):
            lib.store.set_vectors([i for i, _ in rows],
                                  model.embed_batch([t for _, t in rows]))
    total = clock.read()
    stats = lib.stats()
    lib.close()
    return {"all_keyword_searchable": keyword_at, "total": total, "chunks": stats.chunks,
            "model_texts": stats.chunks, "reused": 0}


def after(files: list[Path], home: Path, model: OnnxEmbedder) -> dict:
    lib = Earnest(Settings.load(home, env={}), embedder=model)
    clock = Clock()
    lib.ingest(files, embed=False)
    keyword_at = clock.read()
    embed_clock = Clock()
    stats = lib.embed()
    out = {"all_keyword_searchable": keyword_at, "embed": embed_clock.read(),
           "total": clock.read(), "chunks": lib.stats().chunks, "model_texts": stats.model,
           "reused": stats.reused}
    texts = [t for _, t in lib.store._conn().execute("select id, text from chunks order by id")]
    lib.close()
    return {**out, "texts": texts}


def bare(model: OnnxEmbedder, texts: list[str]) -> dict:
    ids = model.encode_ids(texts)
    clock = Clock()
    for i in range(0, len(ids), 32):
        model.run_model(ids[i:i + 32])
    took = clock.read()
    return {**took, "chunks_per_s": round(len(ids) / took["wall_s"], 1),
            "chunks_per_cpu_s": round(len(ids) / max(took["cpu_s"], 1e-9), 1)}


def keyword_phase(files: list[Path], rounds: int, processes: int) -> dict:
    """The parse+keyword phase in one process and in parser processes, alternating."""
    model = OnnxEmbedder()  # its tokenizer counts the chunks' word pieces
    model.warm_up()
    runs: dict = {"one_process": [], "parser_processes": []}
    for r in range(rounds):
        order = ("one_process", "parser_processes") if r % 2 == 0 else \
            ("parser_processes", "one_process")
        for which in order:
            n = 1 if which == "one_process" else processes
            with tempfile.TemporaryDirectory(prefix="earnest-bench-") as tmp:
                lib = Earnest(Settings.load(tmp, env={}, parse_processes=n), embedder=model)
                clock = Clock()
                report = lib.ingest(files, embed=False)
                took = clock.read()
                stats = lib.stats()
                lib.close()
            took["total_cpu_s"] = round(took["cpu_s"] + took.get("children_cpu_s", 0.0), 1)
            got = {**took, "parse_processes": n or os.cpu_count(), "files": len(files),
                   "pages": stats.pages, "chunks": stats.chunks,
                   "failed": report.count("failed"), "unchanged": report.count("unchanged")}
            runs[which].append(got)
            print(f"parse+keyword, {which}: {len(files)} filings, {stats.pages} pages, "
                  f"{stats.chunks} chunks keyword-searchable in {took['wall_s']} s wall "
                  f"({took['cpu_s']} s CPU here + {took.get('children_cpu_s', 0.0)} s in "
                  f"parsers = {took['total_cpu_s']} s)", flush=True)
    one, many = (sorted(r["wall_s"] for r in runs[k]) for k in runs)
    print(f"parse+keyword median wall: one process {one[len(one) // 2]} s, parser processes "
          f"{many[len(many) // 2]} s (ratio {many[len(many) // 2] / one[len(one) // 2]:.2f})")
    return runs


def parallel_ab(sets: dict[str, list[Path]], rounds: int) -> dict:
    """The whole pipeline with model calls one at a time and side by side, alternating."""
    models = {"one_at_a_time": OnnxEmbedder(EmbedSettings(parallel_batches=1)),
              "side_by_side": OnnxEmbedder()}
    for model in models.values():
        model.warm_up()
    results: dict = {}
    for label, files in sets.items():
        if not files:
            continue
        runs: dict = {name: [] for name in models}
        for r in range(rounds):
            for name in (list(models) if r % 2 == 0 else list(models)[::-1]):
                with tempfile.TemporaryDirectory(prefix="earnest-bench-") as tmp:
                    got = after(files, Path(tmp), models[name])
                got.pop("texts")
                got["load"] = round(os.getloadavg()[0], 2)
                runs[name].append(got)
                print(f"{label} {name} (round {r + 1}): {json.dumps(got)}", flush=True)
        results[label] = {"files": len(files), **runs}
        for name, got in runs.items():
            walls = sorted(g["embed"]["wall_s"] for g in got)
            cpus = sorted(g["embed"]["cpu_s"] for g in got)
            totals = sorted(g["total"]["wall_s"] for g in got)
            print(f"{label} {name}: median embed phase {walls[len(walls) // 2]} s wall, "
                  f"{cpus[len(cpus) // 2]} s CPU; whole ingest {totals[len(totals) // 2]} s "
                  f"wall; {got[0]['model_texts']} texts to the model", flush=True)
    return results


def pick(folder: Path, n: int, pattern: str) -> list[Path]:
    files = sorted(folder.glob(pattern))
    return files[:: max(1, len(files) // n)][:n] if n else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--filings", type=int, default=6, help="FinanceBench PDFs (0: all)")
    parser.add_argument("--calls", type=int, default=40,
                        help="earnings calls, half Refinitiv PDFs, half Motley Fool texts")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keyword-only", action="store_true",
                        help="only the parse+keyword phase of the filings (all when --filings 0)")
    parser.add_argument("--parallel-batches", action="store_true",
                        help="model calls one at a time vs side by side, same pipeline")
    parser.add_argument("--processes", type=int, default=0,
                        help="parser processes for --keyword-only (0: one per CPU)")
    args = parser.parse_args()
    fb = args.data / "financebench" / "pdfs"
    if not fb.is_dir():
        sys.exit(f"benchmark data not found at {fb}: run from a checkout beside ../shared")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cpus, load average {load[0]:.1f} (1 min) "
          f"{load[1]:.1f} (5 min) at the start", flush=True)
    results: dict = {"load_at_start": load}
    if args.keyword_only:
        files = pick(fb, args.filings, "*.pdf") if args.filings else sorted(fb.glob("*.pdf"))
        results["keyword_phase"] = keyword_phase(files, args.rounds, args.processes)
    else:
        calls = (pick(args.data / "transcripts" / "refinitiv", args.calls // 2, "*.pdf")
                 + pick(args.data / "transcripts" / "motleyfool" / "transcripts",
                        args.calls - args.calls // 2, "*.txt"))
        sets = {"filings": pick(fb, args.filings, "*.pdf"), "calls": calls}
        if args.parallel_batches:
            results["parallel_batches"] = parallel_ab(sets, args.rounds)
            sets = {}
        model = OnnxEmbedder(EmbedSettings(parallel_batches=1))
        model.warm_up()
        for label, files in sets.items():
            if not files:
                continue
            runs: dict = {"before": [], "after": []}
            texts: list[str] = []
            for r in range(args.rounds):
                order = ("before", "after") if r % 2 == 0 else ("after", "before")
                for which in order:
                    with tempfile.TemporaryDirectory(prefix="earnest-bench-") as tmp:
                        got = (before if which == "before" else after)(files, Path(tmp), model)
                    texts = got.pop("texts", texts)
                    runs[which].append(got)
                    print(f"{label} {which}: {json.dumps(got)}", flush=True)
            model_rate = bare(model, texts)
            results[label] = {"files": len(files), **runs, "bare_model": model_rate}
            b, a = runs["before"][-1], runs["after"][-1]
            dup = a["reused"] / max(a["chunks"], 1)
            print(f"{label}: {len(files)} files, {a['chunks']} chunks, {a['reused']} duplicates "
                  f"skipped ({dup:.1%})\n"
                  f"  all keyword-searchable after: before {b['all_keyword_searchable']}, "
                  f"after {a['all_keyword_searchable']}\n"
                  f"  whole ingest: before {b['total']}, after {a['total']} "
                  f"(ratio {a['total']['wall_s'] / b['total']['wall_s']:.2f} wall, "
                  f"{a['total']['cpu_s'] / max(b['total']['cpu_s'], 1e-9):.2f} CPU)\n"
                  f"  embed phase after: {a['embed']}, "
                  f"{a['chunks'] / a['embed']['wall_s']:.1f} chunks/s vs the bare model's "
                  f"{model_rate['chunks_per_s']} chunks/s on the same texts "
                  f"({a['chunks'] / max(a['embed']['cpu_s'], 1e-9):.1f} vs "
                  f"{model_rate['chunks_per_cpu_s']} per CPU-second)", flush=True)
    load = os.getloadavg()
    results["load_at_end"] = load
    print(f"load average at the end: {load[0]:.1f} (1 min) {load[1]:.1f} (5 min)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"ingest-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
