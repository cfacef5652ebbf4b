"""The PostgreSQL upload queue itself (real server): claims never overlap, a lapsed lease is
taken again and its old holder cannot record a result, a file whose workers keep dying is
failed, refused files are reported, and finished jobs are forgotten beyond `keep`."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from earnest import Earnest, Settings
from earnest.store.pg_jobs import MAX_ATTEMPTS, PgJobQueue


def _queue(tmp_path, url):
    service = Earnest(Settings.load(tmp_path / "lib", env={}, store__url=url))
    return service, PgJobQueue(service.store)


def test_claims_leases_and_results(tmp_path, pg_url) -> None:
    service, queue = _queue(tmp_path, pg_url)
    try:
        files = [({"filename": f"F{n}.txt", "size": 3}, b"abc") for n in range(8)]
        job_id = queue.submit(files, collection="default", principal=None)
        with ThreadPoolExecutor(max_workers=8) as pool:
            claims = list(pool.map(lambda n: queue.claim(f"w{n}", 60), range(8)))
        assert sorted(c.seq for c in claims) == sorted({c.seq for c in claims})
        assert queue.claim("late", 60) is None  # all held
        first = claims[0]
        assert first.data == b"abc" and first.principal.role == "admin"
        # w0's lease lapses: another takes the file; w0 can neither renew nor finish it
        queue.renew(first.seq, "w0", 0.05)
        time.sleep(0.2)
        again = queue.claim("w9", 60)
        assert again.seq == first.seq and again.attempts == 2
        assert not queue.renew(first.seq, "w0", 60)
        assert not queue.finish(first.seq, "w0", status="failed", error="stale")
        assert queue.finish(first.seq, "w9", status="done", doc_name="F0")
        for n, claim in enumerate(claims[1:], 1):
            assert queue.finish(claim.seq, f"w{n}", status="done")
        job = queue.get(job_id)
        assert job["finished_at"] is not None
        assert [f["status"] for f in job["files"]] == ["done"] * 8
        assert queue.open_files() == 0
    finally:
        service.close()


def test_a_file_that_kills_its_workers_is_failed(tmp_path, pg_url) -> None:
    service, queue = _queue(tmp_path, pg_url)
    try:
        job_id = queue.submit([({"filename": "POISON.pdf", "size": 1}, b"x")],
                              collection="default", principal=None)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            claim = queue.claim(f"w{attempt}", 0.05)
            assert claim.attempts == attempt
            time.sleep(0.1)  # the worker "dies": its lease runs out
        assert queue.claim("w-last", 60) is None
        file = queue.get(job_id)["files"][0]
        assert file["status"] == "failed" and file["error_code"] == "worker_died"
        assert queue.get(job_id)["finished_at"] is not None
    finally:
        service.close()


def test_refused_files_and_keep(tmp_path, pg_url) -> None:
    service, queue = _queue(tmp_path, pg_url)
    try:
        refused = queue.submit([({"filename": "x.exe", "size": 4, "error": "x.exe: no",
                                  "error_code": "unsupported_file_type"}, None)],
                               collection="default", principal=None)
        job = queue.get(refused)
        assert job["finished_at"] is not None
        assert job["files"][0]["error_code"] == "unsupported_file_type"
        for _ in range(3):
            queue.submit([({"filename": "y.exe", "size": 1}, None)], collection="default",
                         principal=None, keep=2)
        assert queue.get(refused) is None  # forgotten: beyond the newest 2 finished jobs
        assert queue.get("nope") is None
    finally:
        service.close()


def test_caches_follow_the_library_generation(tmp_path, pg_url, embedder) -> None:
    """Two services over one database, as two API processes: what one ingests or removes,
    the other's cached document list, statistics, keyword counts and matcher see at once."""
    from .api_helpers import CALL, RELEASE, SAMPLES

    one = Earnest(Settings.load(tmp_path / "a", env={}, store__url=pg_url), embedder=embedder)
    two = Earnest(Settings.load(tmp_path / "b", env={}, store__url=pg_url), embedder=embedder)
    try:
        one.ingest([SAMPLES / f"{CALL}.txt"])
        question = "What was Northwind's revenue guidance?"
        assert [d.doc_name for d in two.documents()] == [CALL]
        assert {c.doc_name for c in two.search(question).passages} == {CALL}
        assert two.retriever.matcher().docs[0].doc_name == CALL
        one.ingest([SAMPLES / f"{RELEASE}.pdf"])
        assert sorted(d.doc_name for d in two.documents()) == sorted([CALL, RELEASE])
        assert two.stats().documents == 2
        assert RELEASE in {c.doc_name for c in two.search(question, k=10).passages}
        assert len(two.retriever.matcher().docs) == 2
        one.remove(CALL)
        assert {c.doc_name for c in two.search(question, k=10).passages} == {RELEASE}
    finally:
        one.close()
        two.close()


def test_a_lapsed_lease_of_a_live_worker_is_not_taken(tmp_path, pg_url) -> None:
    """The lease says when to look again; the worker's file lock (held by its connection)
    says whether it is really gone, so a stalled worker's file is not ingested twice."""
    from earnest.store.pg_jobs import FileLocks

    service, queue = _queue(tmp_path, pg_url)
    live, other = FileLocks(pg_url), FileLocks(pg_url)
    try:
        queue.submit([({"filename": "SLOW.txt", "size": 1}, b"x")], collection="default",
                     principal=None)
        first = queue.claim("stalled", 0.05, live.take)
        time.sleep(0.2)  # its lease lapses, but it is alive and holds its lock
        assert queue.claim("other", 60, other.take) is None
        assert queue.renew(first.seq, "stalled", 60)  # it is still the stalled worker's
        queue.renew(first.seq, "stalled", 0.05)
        live.close()  # the stalled worker dies: its connection, and lock, go
        time.sleep(0.2)
        again = queue.claim("other", 60, other.take)
        assert again is not None and again.seq == first.seq and again.attempts == 2
    finally:
        live.close()
        other.close()
        service.close()


def test_cancel_drops_unclaimed_files(tmp_path, pg_url) -> None:
    service, queue = _queue(tmp_path, pg_url)
    try:
        job_id = queue.submit([({"filename": f"C{n}.txt", "size": 1}, b"x") for n in range(3)],
                              collection="default", principal=None)
        claim = queue.claim("w", 60)
        queue.cancel(job_id)
        job = queue.get(job_id)
        assert job["cancelled"] and job["finished_at"] is None  # the claimed file runs on
        assert [f["status"] for f in job["files"]] == ["ingesting", "cancelled", "cancelled"]
        assert queue.claim("w2", 60) is None
        assert queue.finish(claim.seq, "w", status="done")
        assert queue.get(job_id)["finished_at"] is not None
    finally:
        service.close()
