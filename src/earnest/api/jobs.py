"""Upload jobs: files are accepted at once, parsed and keyword-indexed one at a time by a
worker thread, embedded when no file waits (earnest.ingest_pipeline), and polled by job id. A document becomes visible only when its transaction commits (the store's
rule), so a poll never sees half a document."""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from earnest.api.metrics import Metrics
from earnest.inputs import FileOutcome
from earnest.service import Earnest


def spool_dir(home: Path) -> Path:
    """This process's spooled uploads: incoming/<pid>, so a server can tell its own."""
    return home / "incoming" / str(os.getpid())


@dataclass(slots=True, kw_only=True)
class JobFile(FileOutcome):
    """A file of an upload job: the service's outcome, its upload name and size, and how
    many of its passages are embedded."""

    filename: str
    size: int
    # queued | ingesting | embedding | done | unchanged | failed | cancelled
    status: str = "queued"
    embedded: int = 0

    @property
    def finished(self) -> bool:
        return self.status in ("done", "unchanged", "failed", "cancelled")


@dataclass(slots=True)
class Job:
    id: str
    created_at: float
    files: list[JobFile]
    finished_at: float | None = None
    collection: str = "default"
    owner: str = "local"  # the key id that uploaded: only it (or an admin) polls the job
    principal: Any = None
    cancelled: bool = False

    @property
    def status(self) -> str:
        if all(f.finished for f in self.files):
            return "cancelled" if self.cancelled else "done"
        return "running" if any(f.status != "queued" for f in self.files) else "queued"

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return {"id": self.id, "status": self.status, "created_at": self.created_at,
                "collection": self.collection,
                "finished_at": self.finished_at, "counts": counts,
                "files": [asdict(f) for f in self.files]}


_STOP = object()


class IngestJobs:
    def __init__(self, service: Earnest, metrics: Metrics, keep: int = 200) -> None:
        self.service, self.metrics, self.keep = service, metrics, keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._seq = itertools.count(1)
        self._worker: threading.Thread | None = None
        # Files keyword-indexed whose passages are not all embedded yet (the worker's own).
        self._embedding: list[tuple[Job, JobFile]] = []
        self.start()

    def start(self) -> None:
        """Start the worker unless it runs (again after ``close``: an app's lifespan may run
        more than once, e.g. one test client after another)."""
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="earnest-ingest",
                                                daemon=True)
                self._worker.start()

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def submit(self, files: list[tuple[JobFile, Path | None]], *, collection: str = "default",
               principal: Any = None) -> Job:
        """Queue files; a JobFile already marked failed (refused at upload) is only reported.
        ``principal`` (the uploader) is who the ingest runs as and who may poll the job."""
        job = Job(id=f"{next(self._seq)}-{uuid.uuid4().hex[:8]}", created_at=time.time(),
                  files=[f for f, _ in files], collection=collection,
                  owner=getattr(principal, "actor", "local"), principal=principal)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished_at and self._jobs[oldest].status != "done":
                    break
                self._jobs.popitem(last=False)
        for job_file, data in files:
            if job_file.status == "failed":
                self.metrics.ingest_files.labels("failed").inc()
            else:
                self._queue.put((job, job_file, data))
        self._maybe_finish(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def cancel(self, job: Job) -> Job:
        """Files not yet started are dropped with their spools; the file being ingested
        finishes (a document is committed whole or not at all)."""
        with self._lock:
            job.cancelled = True
            for job_file in job.files:
                if job_file.status == "queued":
                    job_file.status = "cancelled"
        self._drop_cancelled()
        self._maybe_finish(job)
        return job

    def close(self) -> None:
        """Stop the worker once the file in hand is done; what is still queued is cancelled
        (``start`` runs the worker again)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            if job.finished_at is None:
                self.cancel(job)
        worker = self._worker
        if worker is not None and worker.is_alive():
            self._queue.put(_STOP)
            worker.join(timeout=30)

    def _drop_cancelled(self) -> None:
        """Take cancelled files off the queue and delete their spools."""
        keep = []
        with self._queue.mutex:
            pending = list(self._queue.queue)
            self._queue.queue.clear()
        for item in pending:
            if item is not _STOP and item[1].status == "cancelled":
                item[2].unlink(missing_ok=True)
                self.metrics.ingest_files.labels("cancelled").inc()
                self._queue.task_done()
            else:
                keep.append(item)
        with self._queue.mutex:
            self._queue.queue.extendleft(reversed(keep))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self._traced(*item)
                if self._queue.empty():
                    # Every queued file is keyword-searchable: now embed, pausing as soon as
                    # another file arrives (it is parsed first, then embedding goes on).
                    self._embed_parsed()
            finally:
                self._queue.task_done()

    def _traced(self, job: Job, job_file: JobFile, spool: Path) -> None:
        """One file's ingest, in an ``ingest`` span when tracing is on."""
        tracing = self.metrics.tracing
        if tracing is None:
            self._ingest(job, job_file, spool)
            return
        with tracing.ingest(job_file.filename, job.collection) as span:
            self._ingest(job, job_file, spool)
            span.set_attributes({"earnest.status": job_file.status,
                                 "earnest.pages": job_file.pages or 0,
                                 "earnest.chunks": job_file.chunks or 0,
                                 "earnest.doc_name": job_file.doc_name or ""})

    def _ingest(self, job: Job, job_file: JobFile, spool: Path) -> None:
        with self._lock:
            if job_file.status != "queued":  # cancelled while it waited
                spool.unlink(missing_ok=True)
                return
            job_file.status = "ingesting"
        try:
            data = spool.read_bytes()
            spool.unlink(missing_ok=True)
            # The upload route refused a different document of the same name unless the
            # caller asked to replace it.
            options: dict[str, Any] = {"collection": job.collection}
            if job.principal is not None:
                options["principal"] = job.principal
            result = self.service.ingest_bytes(data, job_file.filename,
                                               source_path=job_file.filename, replace=True,
                                               **options)
            job_file.take(result)
            if result.status == "unchanged":
                job_file.status = "unchanged"
            else:
                self.metrics.ingest_pages.inc(result.pages)
                self.metrics.ingest_chunks.inc(result.chunks)
                job_file.status = "embedding"  # keyword-searchable now
                self._embedding.append((job, job_file))
                return
        except Exception as exc:  # noqa: BLE001 - one file's failure is that file's result
            job_file.status = "failed"
            job_file.error_code = getattr(exc, "code", "internal_error")
            job_file.error = str(exc) if hasattr(exc, "code") else \
                f"{job_file.filename}: internal error ({type(exc).__name__}: {exc})"
        self.metrics.ingest_files.labels(job_file.status).inc()
        self._maybe_finish(job)

    def _embed_parsed(self) -> None:
        """Embed the library's pending chunks (those of the files parsed, and any an earlier
        run left) until done or a file or a stop is queued; files whose passages all have
        vectors are done."""
        jobs = self

        class Progress:
            def file_started(self, *a: Any) -> None: ...
            def file_done(self, *a: Any) -> None: ...
            def keyword_done(self, *a: Any) -> None: ...

            def embedding(self, done: int, total: int) -> None:
                jobs._refresh_embedding()

        stats = self.service.embed(Progress(), stop=lambda: not self._queue.empty())
        self.metrics.embedded.inc(stats.embedded)
        self._refresh_embedding()

    def _refresh_embedding(self) -> None:
        for job, job_file in list(self._embedding):
            info = self.service.store.get_document(job_file.doc_name or "")
            job_file.embedded = min(info.embedded_count, job_file.chunks) if info else 0
            # A document replaced or removed meanwhile is no longer this file's to embed.
            if info is None or info.embedded_count >= info.chunk_count:
                job_file.status, job_file.embedded = "done", job_file.chunks
                self._embedding.remove((job, job_file))
                self.metrics.ingest_files.labels("done").inc()
                self._maybe_finish(job)

    @staticmethod
    def _maybe_finish(job: Job) -> None:
        if job.finished_at is None and all(f.finished for f in job.files):
            job.finished_at = time.time()


__all__ = ["IngestJobs", "Job", "JobFile"]
