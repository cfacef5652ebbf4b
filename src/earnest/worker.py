"""An ingestion worker over the PostgreSQL upload queue: `earnest worker`, or a thread of
`earnest serve` (worker.in_server). Any number run at once, on any machine that reaches the
database. Like a SQLite ingest, in two phases: every queued file is keyword-indexed (and so
searchable) before any worker embeds; an embedding worker pauses when a file is queued."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from earnest.ingest_pipeline import EmbedStats, embed_rows
from earnest.service import Earnest
from earnest.store.pg_jobs import Claim, FileLocks, PgJobQueue, worker_name
from earnest.tracing import Tracing

log = logging.getLogger("earnest.worker")
WORKER_STEP = 64  # chunks per model call: the job's progress (and a takeover's loss) unit


class _Lease(threading.Thread):
    """Renews a claimed file's lease every third of it, with the progress to report."""

    def __init__(self, queue: PgJobQueue, claim: Claim, worker: str, seconds: float) -> None:
        super().__init__(name="earnest-lease", daemon=True)
        self.queue, self.claim, self.worker, self.seconds = queue, claim, worker, seconds
        self.progress: dict[str, Any] = {}
        self.lost = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.seconds / 3):
            try:
                if not self.queue.renew(self.claim.seq, self.worker, self.seconds,
                                        **dict(self.progress)):
                    self.lost = True  # taken over: the result will not be recorded
                    return
            except Exception:  # noqa: BLE001 - a missed renewal is retried next time
                log.warning("could not renew the lease of %s", self.claim.filename,
                            exc_info=True)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


class Worker:
    """Claims files one at a time and ingests them with ``service`` (a PostgreSQL library)."""

    def __init__(self, service: Earnest, *, name: str | None = None,
                 metrics: Any = None, tracing: Tracing | None = None) -> None:
        self.service, self.metrics = service, metrics
        # A file's keyword phase is an ``ingest`` span, as an upload's in `earnest serve`.
        self.tracing = tracing or getattr(metrics, "tracing", None)
        self.queue = PgJobQueue(service.store)
        self.locks = FileLocks(service.store.url)
        self.name = name or worker_name()
        self.lease_seconds = service.settings.worker.lease_seconds
        self.poll_seconds = service.settings.worker.poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- running -----------------------------------------------------------------------------
    def run(self, *, once: bool = False) -> int:
        """Work until stopped (or, with ``once``, until the queue is empty); files done."""
        count = 0
        while not self._stop.is_set():
            taken: list[int] = []

            def take(seq: int) -> bool:
                if self.locks.take(seq):
                    taken.append(seq)
                    return True
                return False
            try:
                claim = self.queue.claim(self.name, self.lease_seconds, take)
            except Exception:  # noqa: BLE001 - the database may be back on the next poll
                log.warning("could not claim a file", exc_info=True)
                claim = None
                for seq in taken:  # locked, then the claim failed: not ours after all
                    self.locks.release(seq)
            if claim is None:
                if once:
                    break
                self._stop.wait(self.poll_seconds)
                continue
            try:
                status = self.process(claim)
            finally:
                self.locks.release(claim.seq)
            count += status != "embedding"  # released to be embedded: not done yet
        self.locks.close()
        return count

    def start(self) -> None:
        """Run in a thread (the API process's own worker)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self.run, name="earnest-worker",
                                            daemon=True)
            self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def request_stop(self) -> None:
        """Stop after the current file (safe in a signal handler)."""
        self._stop.set()

    def stop(self) -> None:
        """Stop after the current file, and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    # -- one file ----------------------------------------------------------------------------
    def process(self, claim: Claim) -> str:
        lease = _Lease(self.queue, claim, self.name, self.lease_seconds)
        lease.start()
        result: dict[str, Any] | None
        try:
            if claim.status == "embedding":
                result = self._embed_phase(claim, lease)
            elif self.tracing is None:
                result = self._ingest(claim, lease)
            else:
                with self.tracing.ingest(claim.filename, claim.collection) as span:
                    result = self._ingest(claim, lease)
                    span.set_attributes({
                        "earnest.status": "embedding" if result is None else result["status"],
                        **{f"earnest.{k}": lease.progress.get(k) or 0
                           for k in ("pages", "chunks")},
                        "earnest.doc_name": lease.progress.get("doc_name") or ""})
        except Exception as exc:  # noqa: BLE001 - one file's failure is that file's result
            code = getattr(exc, "code", "internal_error")
            result = {"status": "failed", "error_code": code,
                      "error": str(exc) if hasattr(exc, "code") else
                      f"{claim.filename}: internal error ({type(exc).__name__}: {exc})"}
        finally:
            lease.stop()
        if result is None:  # keyword-indexed, or paused: its vectors later
            try:
                if lease.lost or not self.queue.release(claim.seq, self.name,
                                                        **lease.progress):
                    log.warning("%s was taken over by another worker", claim.filename)
            except Exception:  # noqa: BLE001 - the lease runs out and the file is taken again
                log.warning("could not release %s", claim.filename, exc_info=True)
            log.info("%s: keyword-searchable, %s/%s passages embedded (worker %s)",
                     claim.filename, lease.progress.get("embedded", 0),
                     lease.progress.get("chunks"), self.name)
            return "embedding"
        if self.metrics is not None:
            self.metrics.ingest_files.labels(result["status"]).inc()
        try:
            if lease.lost or not self.queue.finish(claim.seq, self.name, **result):
                log.warning("%s was taken over by another worker; its result stands",
                            claim.filename)
        except Exception:  # noqa: BLE001 - the lease runs out and the file is taken again
            log.warning("could not record the result of %s", claim.filename, exc_info=True)
        log.info("%s: %s (attempt %d, worker %s)", claim.filename, result["status"],
                 claim.attempts, self.name)
        return result["status"]

    def _ingest(self, claim: Claim, lease: _Lease) -> dict[str, Any] | None:
        """The keyword phase; None when the file is to be embedded later (released)."""
        # replace=True: the upload route refused a different document of the same name
        # unless the caller asked to replace it.
        found = self.service.ingest_bytes(claim.data, claim.filename,
                                          source_path=claim.filename, replace=True,
                                          collection=claim.collection,
                                          principal=claim.principal)
        out: dict[str, Any] = {"doc_name": found.doc_name, "note": found.note,
                               "pages": found.pages, "chunks": found.chunks}
        status = found.status
        if status == "unchanged" and claim.attempts > 1 and found.note is None:
            # An earlier attempt of this file stored it and then died: that was this
            # upload's ingest, so the file is done, not "unchanged".
            status = "ingested"
        if status == "ingested" and self.metrics is not None:
            self.metrics.ingest_pages.inc(found.pages)
            self.metrics.ingest_chunks.inc(found.chunks)
        lease.progress.update(doc_name=found.doc_name, pages=found.pages, chunks=found.chunks,
                              note=found.note, embedded=0)
        if status == "ingested":
            return None  # searchable now; embedded once no file waits to be indexed
        # "unchanged": embed at once what a worker that died while embedding left (usually
        # nothing), so the file's result is final.
        self._embed(lease, found.doc_name, found.chunks, pause=False)
        out["embedded"] = found.chunks
        out["status"] = "unchanged"
        return out

    def _embed_phase(self, claim: Claim, lease: _Lease) -> dict[str, Any] | None:
        """Embed a keyword-indexed file; None if paused because a file waits."""
        doc_name = claim.doc_name or ""
        info = self.service.store.get_document(doc_name)
        chunks = info.chunk_count if info is not None else 0
        lease.progress.update(chunks=chunks)
        if not self._embed(lease, doc_name, chunks, pause=True):
            return None
        return {"status": "done", "embedded": chunks}

    def _embed(self, lease: _Lease, doc_name: str, chunks: int, *, pause: bool) -> bool:
        """Only this document's passages (not the library's), so two workers never embed
        the same ones; a file taken over finishes what its dead worker left. False if it
        paused (with ``pause``, when a file is queued) before the end."""
        stats = EmbedStats()
        # Sorted by length (one document's chunks): a model batch pads little. A text the
        # library already embedded is copied (embed_rows).
        rows = sorted(self.queue.pending_chunks(doc_name, 1_000_000), key=lambda r: len(r[1]))
        done_before = max(chunks - len(rows), 0)
        lease.progress["embedded"] = done_before
        try:
            for start in range(0, len(rows), WORKER_STEP):
                embed_rows(self.service.store, self.service.embedder,
                           rows[start:start + WORKER_STEP], stats)
                lease.progress["embedded"] = done_before + stats.embedded
                if pause and start + WORKER_STEP < len(rows) and self.queue.waiting():
                    return False
            return True
        finally:
            if self.metrics is not None:
                self.metrics.embedded.inc(stats.embedded)


def wait_idle(queue: PgJobQueue, timeout: float = 120.0) -> bool:
    """True once no file is open (for tests and scripts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if queue.open_files() == 0:
            return True
        time.sleep(0.2)
    return False
