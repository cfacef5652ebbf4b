"""Uploads queued in PostgreSQL and ingested by `earnest worker` processes (real processes,
a real server): two workers share a queue, a worker killed with SIGKILL mid-job has its file
finished by another after the lease ran out, and an upload to `earnest serve --workers 2`
is ingested by a separate worker. Every document exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

from earnest import Earnest, Settings
from earnest.store.pg_jobs import PgJobQueue

from .server_process import start_server

TOPICS = ["revenue", "margins", "cash flow", "guidance", "buybacks", "debt", "capex", "hiring"]


def _text(n: int, paragraphs: int = 3) -> bytes:
    """A small filing of its own, different from every other one."""
    return "\n\n".join(
        f"Company {n} quarterly report, part {p}. Our {TOPICS[(n + p) % len(TOPICS)]} grew "
        f"by {n * 7 + p} percent to ${n * 100 + p} million in fiscal {2000 + n}. "
        + " ".join(f"Segment {n}-{p}-{i} contributed ${i + n} million." for i in range(40))
        for p in range(paragraphs)).encode()


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARNEST_")}
    env.update({"EARNEST_HOME": str(home), "EARNEST_WORKER__POLL_SECONDS": "0.2", **extra})
    return env


def _worker(url: str, home: Path, log: Path, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "earnest", "worker", "--library", url],
                            env=_env(home, **extra), stdout=subprocess.DEVNULL,
                            stderr=log.open("w"))


def _wait_started(log: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while "Earnest worker" not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.1)


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def _rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def _wait(url: str, job_id: str, timeout: float = 180) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while _rows(url, "select finished_at from jobs where id = %s", (job_id,))[0][0] is None:
        assert time.monotonic() < deadline, _rows(
            url, "select filename, status, worker, attempts from job_files")
        time.sleep(0.2)
    return _rows(url, "select filename, status, worker, attempts, doc_name from job_files "
                      "where job_id = %s order by ordinal", (job_id,))


def _exactly_once(url: str, names: list[str]) -> None:
    """Each file one document, inserted once: the identity counter moved once per file (a
    second ingest would have replaced the row under a new id)."""
    docs = _rows(url, "select doc_name, id from documents order by id")
    assert sorted(d for d, _ in docs) == sorted(names)
    assert [i for _, i in docs] == list(range(1, len(names) + 1)), docs
    pending = _rows(url, "select count(*) from chunks where embedding is null")[0][0]
    assert pending == 0


def _queue(tmp_path: Path, url: str, files: list[tuple[str, bytes]]) -> str:
    """Queue one upload job as the API does."""
    service = Earnest(Settings.load(tmp_path / "lib", env={}, store__url=url))
    try:
        return PgJobQueue(service.store).submit(
            [({"filename": name, "size": len(data)}, data) for name, data in files],
            collection="default", principal=None)
    finally:
        service.close()


def test_two_workers_share_the_queue_and_ingest_each_file_once(tmp_path, pg_url) -> None:
    home = tmp_path / "lib"
    Earnest(Settings.load(home, env={}, store__url=pg_url)).close()  # the schema, once
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers = [_worker(pg_url, home, log) for log in logs]
    try:
        for log, process in zip(logs, workers):
            _wait_started(log, process)
        files = [(f"CO{n}_2024_Q{n % 4 + 1}.txt", _text(n)) for n in range(8)]
        job_id = _queue(tmp_path, pg_url, files)
        rows = _wait(pg_url, job_id)
    finally:
        _stop(*workers)
    assert [r[1] for r in rows] == ["done"] * 8, rows
    assert {r[3] for r in rows} == {1}, rows  # nobody claimed a file twice
    by = {r[2].split(":")[1] for r in rows}
    assert by == {str(p.pid) for p in workers}, rows  # both took part
    _exactly_once(pg_url, [name.removesuffix(".txt") for name, _ in files])
    assert all(p.returncode == 0 for p in workers), [log.read_text() for log in logs]
    # the bytes are dropped once a file is finished
    assert _rows(pg_url, "select count(*) from job_files where data is not null")[0][0] == 0


def test_a_worker_killed_mid_job_has_its_file_finished_by_another(tmp_path, pg_url) -> None:
    home = tmp_path / "lib"
    lease = "3"
    Earnest(Settings.load(home, env={}, store__url=pg_url)).close()
    # One long filing (about 130 passages: two embedding steps of WORKER_STEP, the kill lands
    # in the second) and three short ones.
    big = ("BIG_2024_10K.txt", _text(99, paragraphs=60))
    small = [(f"SMALL{n}_2024_Q1.txt", _text(n)) for n in range(3)]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [_worker(pg_url, home, log, EARNEST_WORKER__LEASE_SECONDS=lease)
               for log in logs]
    try:
        for log, process in zip(logs, workers):
            _wait_started(log, process)
        job_id = _queue(tmp_path, pg_url, [big, *small])
        # Kill whichever worker embeds the long filing, mid-way: the document is stored,
        # part of its vectors not. The other goes on with the short ones.
        deadline = time.monotonic() + 120
        while True:
            row = _rows(pg_url, "select status, worker, embedded, chunks, lease_until "
                                "from job_files where filename = %s", (big[0],))[0]
            if row[0] == "embedding" and row[2] > 0:
                break
            assert time.monotonic() < deadline and row[0] != "done", row
            time.sleep(0.05)
        a, b = workers if row[1].split(":")[1] == str(workers[0].pid) else workers[::-1]
        os.kill(a.pid, signal.SIGKILL)
        killed_at = time.time()
        a.wait(timeout=30)
        pending = _rows(pg_url, "select count(*) from chunks where embedding is null")[0][0]
        rows = _wait(pg_url, job_id)
        retaken = _rows(pg_url, "select claimed_at from job_files where filename = %s",
                        (big[0],))[0][0]
        assert retaken > row[4]  # taken again only once A's lease had run out
    finally:
        _stop(*workers)
    assert a.returncode == -signal.SIGKILL
    assert pending > 0  # A died with work left
    status = {r[0]: r for r in rows}
    assert [r[1] for r in rows] == ["done"] * 4, rows
    finished_by = status[big[0]][2].split(":")[1]
    assert finished_by == str(b.pid) and status[big[0]][3] == 2, rows
    _exactly_once(pg_url, [name.removesuffix(".txt") for name, _ in [big, *small]])
    evidence = {"killed": f"worker pid {a.pid} (SIGKILL) while embedding "
                          f"{big[0]}: {row[2]}/{row[3]} passages embedded, {pending} left "
                          f"without vectors; its lease ran to {row[4]}",
                "finished_by": f"worker pid {b.pid} on attempt 2",
                "taken_again_at": str(retaken),
                "seconds_from_kill_to_retake": round(retaken.timestamp() - killed_at, 1),
                "documents": _rows(pg_url, "select id, doc_name from documents order by id")}
    print("kill -9 evidence:", json.dumps(evidence, default=str))
    (Path(os.environ.get("EARNEST_EVIDENCE_DIR", tmp_path)) / "kill9.json").write_text(
        json.dumps(evidence, default=str, indent=1))


def test_upload_to_serve_workers_2_is_ingested_by_a_worker(tmp_path, pg_url) -> None:
    home = tmp_path / "lib"
    # The API processes only queue: a separate worker must do the ingest.
    server = start_server(pg_url, "--workers", "2", log=tmp_path / "serve.log",
                          env=_env(home, EARNEST_WORKER__IN_SERVER="false"))
    worker = None
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            job = client.post("/v1/documents", files=[
                ("files", ("ACME_2024_Q1.txt", _text(1))),
                ("files", ("ACME_2024_Q2.txt", _text(2)))])
            assert job.status_code == 202, job.text
            job_id = job.json()["id"]
            time.sleep(1)
            # Nobody ingests it yet: the API processes only queue it.
            queued = client.get(f"/v1/jobs/{job_id}").json()
            assert queued["status"] == "queued", queued
            worker = _worker(pg_url, home, tmp_path / "w.log")
            deadline = time.monotonic() + 180
            seen = []
            while True:
                # polls spread over both API processes: each reads the database
                body = client.get(f"/v1/jobs/{job_id}").json()
                seen.append(body["status"])
                if body["status"] == "done":
                    break
                assert time.monotonic() < deadline, body
                time.sleep(0.2)
            assert [f["status"] for f in body["files"]] == ["done", "done"], body
            assert body["finished_at"] is not None
            docs = client.get("/v1/documents").json()["documents"]
            assert sorted(d["doc_name"] for d in docs) == ["ACME_2024_Q1", "ACME_2024_Q2"]
            answer = client.post("/v1/ask", json={"question": "How much did Company 2's "
                                                  "revenue grow?"}).json()
            assert answer["status"] in ("answered", "not_found"), answer
    finally:
        _stop(*(p for p in (server.process, worker) if p is not None))
    _exactly_once(pg_url, ["ACME_2024_Q1", "ACME_2024_Q2"])


def test_serve_workers_on_sqlite_is_refused(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "earnest", "serve", "--library", str(tmp_path / "lib"),
         "--workers", "2"], env=_env(tmp_path / "lib"), capture_output=True, text=True,
        timeout=60)
    assert done.returncode == 1
    assert "--workers 2 needs a PostgreSQL library" in done.stderr, done.stderr
    refused = subprocess.run(
        [sys.executable, "-m", "earnest", "worker", "--library", str(tmp_path / "lib")],
        env=_env(tmp_path / "lib"), capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "needs a PostgreSQL library" in refused.stderr
