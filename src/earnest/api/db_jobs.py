"""Upload jobs of a PostgreSQL library: kept in the database (store/pg_jobs.py), so any API
process answers `GET /v1/jobs/{id}` and any `earnest worker` ingests the files. The same
interface as ``IngestJobs`` (the in-process jobs of a SQLite library)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from earnest.api.jobs import Job, JobFile
from earnest.api.metrics import Metrics
from earnest.service import Earnest
from earnest.store.pg_jobs import PgJobQueue
from earnest.worker import Worker


class DbJobs:
    def __init__(self, service: Earnest, metrics: Metrics, keep: int = 200) -> None:
        self.service, self.metrics, self.keep = service, metrics, keep
        self.queue = PgJobQueue(service.store)
        # worker.in_server: this process also drains the queue (one `earnest serve` is
        # enough); otherwise `earnest worker` processes do.
        self.worker = Worker(service, metrics=metrics) \
            if service.settings.worker.in_server else None

    def start(self) -> None:
        if self.worker is not None:
            self.worker.start()

    @property
    def running(self) -> bool:
        return self.worker is None or self.worker.running

    def submit(self, files: list[tuple[JobFile, Path | None]], *, collection: str = "default",
               principal: Any = None) -> Job:
        """Move the spooled files into the job's rows (and off this machine's disk)."""
        rows: list[tuple[dict[str, Any], Path | None]] = []
        for job_file, spool in files:
            fields = {"filename": job_file.filename, "size": job_file.size,
                      "error": job_file.error, "error_code": job_file.error_code}
            if job_file.status == "failed" or spool is None:
                self.metrics.ingest_files.labels("failed").inc()
                rows.append((fields, None))
            else:
                rows.append((fields, spool))
        try:
            job_id = self.queue.submit(rows, collection=collection, principal=principal,
                                       keep=self.keep)
        finally:
            for _, spool in files:
                if spool is not None:
                    spool.unlink(missing_ok=True)
        found = self.get(job_id)
        assert found is not None
        return found

    def get(self, job_id: str) -> Job | None:
        row = self.queue.get(job_id)
        if row is None:
            return None
        return Job(id=row["id"], created_at=row["created_at"], finished_at=row["finished_at"],
                   collection=row["collection"], owner=row["owner"],
                   cancelled=row["cancelled"],
                   files=[JobFile(**f) for f in row["files"]])

    def cancel(self, job: Job) -> Job:
        self.queue.cancel(job.id)
        found = self.get(job.id)
        return found if found is not None else job

    def idle(self) -> bool:
        return self.queue.open_files() == 0

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()


__all__ = ["DbJobs"]
