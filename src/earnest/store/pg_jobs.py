"""The upload queue in PostgreSQL (migration 3): API processes add jobs, workers claim files.

A worker claims one file with ``SELECT … FOR UPDATE SKIP LOCKED`` and a lease (a time until
which the file is its own); it renews the lease while it works. Two phases, as in a SQLite
ingest: a queued file is claimed, keyword-indexed and released as ``embedding`` (searchable);
a file in ``embedding`` is claimed for its vectors only when no queued file waits, and is
released again (``pause``) as soon as one does. A file whose lease ran out
(its worker died) is claimed again by the next worker. Ingesting is idempotent by content hash,
and every update after the claim names the worker, so a worker that lost its lease cannot
overwrite the result of the one that took the file over."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from earnest.trust.keys import Principal

OPEN = ("queued", "ingesting", "embedding")
FINISHED = ("done", "unchanged", "failed", "cancelled")
# A file whose worker died this many times is failed rather than claimed again: it may be
# what kills them.
MAX_ATTEMPTS = 3


@dataclass(slots=True)
class Claim:
    seq: int
    job_id: str
    filename: str
    data: bytes
    attempts: int
    collection: str
    principal: Principal
    status: str = "ingesting"  # or "embedding": keyword-indexed, its vectors to make
    doc_name: str | None = None


def principal_json(principal: Principal | None) -> dict[str, Any]:
    if principal is None:
        return {"key_id": None, "role": "admin", "collections": None, "name": "local"}
    return {"key_id": principal.key_id, "role": principal.role, "name": principal.name,
            "collections": None if principal.collections is None
            else list(principal.collections)}


def principal_from(value: dict[str, Any]) -> Principal:
    cols = value.get("collections")
    return Principal(value.get("key_id"), value["role"],
                     None if cols is None else tuple(cols), value.get("name", ""))


class PgJobQueue:
    """The queue over a ``PostgresStore``'s connection pool."""

    def __init__(self, store: Any) -> None:
        self.store = store

    # -- the API's side ----------------------------------------------------------------------
    def submit(self, files: list[tuple[dict[str, Any], bytes | Path | None]], *,
               collection: str, principal: Principal | None, keep: int = 200) -> str:
        """One job: each file as (fields, bytes or a spooled file, read one at a time); a file
        without bytes was refused at upload and is stored already failed. Finished jobs beyond
        the newest ``keep`` are forgotten."""
        from psycopg.types.json import Jsonb

        job_id = uuid.uuid4().hex
        owner = getattr(principal, "actor", "local")
        with self.store._tx() as conn:
            conn.execute("insert into jobs (id, collection, owner, principal) "
                         "values (%s, %s, %s, %s)",
                         (job_id, collection, owner, Jsonb(principal_json(principal))))
            for ordinal, (f, data) in enumerate(files):
                failed = data is None
                if isinstance(data, Path):
                    data = data.read_bytes()
                conn.execute(
                    "insert into job_files (job_id, ordinal, filename, size, status, data, "
                    "error, error_code) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (job_id, ordinal, f["filename"], f["size"],
                     "failed" if failed else "queued", data, f.get("error"),
                     f.get("error_code")))
            self._maybe_finish(conn, job_id)
            conn.execute(
                "delete from jobs where finished_at is not null and id not in "
                "(select id from jobs order by created_at desc limit %s)", (keep,))
        return job_id

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job and its files as stored, or None."""
        with self.store._tx() as conn:
            job = conn.execute(
                "select id, collection, owner, extract(epoch from created_at)::float8, "
                "extract(epoch from finished_at)::float8, cancelled from jobs where id = %s",
                (job_id,)).fetchone()
            if job is None:
                return None
            files = conn.execute(
                "select filename, size, status, doc_name, pages, chunks, embedded, error, "
                "error_code, note from job_files where job_id = %s order by ordinal",
                (job_id,)).fetchall()
        keys = ("filename", "size", "status", "doc_name", "pages", "chunks", "embedded",
                "error", "error_code", "note")
        return {"id": job[0], "collection": job[1], "owner": job[2], "created_at": job[3],
                "finished_at": job[4], "cancelled": job[5],
                "files": [dict(zip(keys, f)) for f in files]}

    def cancel(self, job_id: str) -> None:
        """Files not yet claimed are cancelled (their bytes dropped); a claimed one finishes
        (a document is committed whole or not at all)."""
        with self.store._tx() as conn:
            conn.execute("update jobs set cancelled = true where id = %s", (job_id,))
            conn.execute("update job_files set status = 'cancelled', data = null "
                         "where job_id = %s and status = 'queued'", (job_id,))
            self._maybe_finish(conn, job_id)

    def open_files(self) -> int:
        return self.store._run("select count(*) from job_files where status = any(%s)",
                               (list(OPEN),))[0][0]

    # -- the worker's side -------------------------------------------------------------------
    def claim(self, worker: str, lease_seconds: float,
              take: Callable[[int], bool] | None = None) -> Claim | None:
        """The oldest open file that nobody holds (never claimed, or its lease ran out) and
        that ``take`` accepts (a worker's file lock: false while a live worker holds it)."""
        with self.store._tx() as conn:
            self._give_up_on_poison(conn)
            # One row at a time: locking several would hide them from the other workers.
            refused: list[int] = []
            while True:
                row = conn.execute(  # files to keyword-index first, then to embed
                    "select f.seq from job_files f where f.status = any(%s) "
                    "and (f.lease_until is null or f.lease_until < now()) "
                    "and f.seq <> all(%s) order by f.status = 'embedding', f.seq limit 1 "
                    "for update skip locked",
                    (list(OPEN), refused)).fetchone()
                if row is None or len(refused) >= 8:
                    return None
                if take is None or take(row[0]):
                    break
                refused.append(row[0])
            got = conn.execute(
                "update job_files f set worker = %s, status = case f.status when "
                "'embedding' then 'embedding' else 'ingesting' end, "
                "lease_until = now() + make_interval(secs => %s), claimed_at = now(), "
                "attempts = attempts + 1 "
                "from jobs j where f.seq = %s and j.id = f.job_id "
                "returning f.seq, f.job_id, f.filename, f.data, f.attempts, j.collection, "
                "j.principal, f.status, f.doc_name", (worker, lease_seconds, row[0])).fetchone()
        return Claim(got[0], got[1], got[2], bytes(got[3] or b""), got[4], got[5],
                     principal_from(got[6]), got[7], got[8])

    def renew(self, seq: int, worker: str, lease_seconds: float, **progress: Any) -> bool:
        """Extend the lease (and record progress); False if the file is no longer ours."""
        sets = "".join(f", {k} = %s" for k in progress)
        rows = self.store._run(
            f"update job_files set lease_until = now() + make_interval(secs => %s){sets} "
            "where seq = %s and worker = %s and status = any(%s) returning seq",
            (lease_seconds, *progress.values(), seq, worker, list(OPEN)))
        return bool(rows)

    def finish(self, seq: int, worker: str, **result: Any) -> bool:
        """Record the file's result and drop its bytes, if the file is still ours."""
        sets = ", ".join(f"{k} = %s" for k in result)
        with self.store._tx() as conn:
            row = conn.execute(
                f"update job_files set {sets}, data = null, lease_until = null "
                "where seq = %s and worker = %s and status = any(%s) returning job_id",
                (*result.values(), seq, worker, list(OPEN))).fetchone()
            if row is None:
                return False
            self._maybe_finish(conn, row[0])
        return True

    def release(self, seq: int, worker: str, **progress: Any) -> bool:
        """Hand the file back as ``embedding`` (keyword-indexed; its bytes dropped), for any
        worker to embed when no queued file waits; False if it is no longer ours. A release
        is no death: the count of attempts starts again."""
        sets = "".join(f", {k} = %s" for k in progress)
        rows = self.store._run(
            f"update job_files set status = 'embedding', data = null, lease_until = null, "
            f"worker = null, attempts = 0{sets} where seq = %s and worker = %s "
            "and status = any(%s) returning seq", (*progress.values(), seq, worker, list(OPEN)))
        return bool(rows)

    def waiting(self) -> bool:
        """A file waits to be keyword-indexed (an embedding worker then pauses)."""
        return bool(self.store._run(
            "select exists (select 1 from job_files where status in ('queued', 'ingesting') "
            "and (lease_until is null or lease_until < now()))")[0][0])

    def pending_chunks(self, doc_name: str, limit: int) -> list[tuple[int, str]]:
        """One document's passages without a vector: each worker embeds its own file's."""
        return self.store._run(
            "select c.id, c.text from chunks c join documents d on d.collection = c.collection"
            " and d.id = c.doc_id where d.doc_name = %s and c.embedding is null "
            "order by c.id limit %s", (doc_name, limit))

    @staticmethod
    def _maybe_finish(conn: Any, job_id: str) -> None:
        # Two workers finishing a job's last two files at once each saw the other's file still
        # open, and neither closed the job: the job's row lock orders them, and the second's
        # next statement then sees the first's file done.
        conn.execute("select 1 from jobs where id = %s for update", (job_id,))
        conn.execute("update jobs set finished_at = now() where id = %s and finished_at is null "
                     "and not exists (select 1 from job_files where job_id = %s "
                     "and status = any(%s))", (job_id, job_id, list(OPEN)))

    def _give_up_on_poison(self, conn: Any) -> None:
        rows = conn.execute(
            "update job_files set status = 'failed', error_code = 'worker_died', data = null, "
            "error = filename || ': its worker stopped ' || attempts || ' times while "
            "ingesting it', lease_until = null where status = any(%s) and attempts >= %s "
            "and lease_until < now() returning job_id", (list(OPEN), MAX_ATTEMPTS)).fetchall()
        for (job_id,) in rows:
            self._maybe_finish(conn, job_id)


class FileLocks:
    """Session advisory locks, one per file being worked on, on a connection of the worker's
    own. PostgreSQL releases them when that connection ends (the worker died), so a file
    whose lease lapsed under a live but stalled worker is not taken again and ingested twice."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None

    def _execute(self, sql: str, key: int) -> Any:
        import psycopg

        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self.url, autocommit=True)
            return self._conn.execute(sql, (-key,)).fetchone()[0]
        except psycopg.Error:
            self.close()  # the locks went with the connection; reconnect next time
            raise

    def take(self, seq: int) -> bool:
        # Negative keys: apart from the migration lock and the name locks' hashes.
        return bool(self._execute("select pg_try_advisory_lock(%s)", seq))

    def release(self, seq: int) -> None:
        try:
            self._execute("select pg_advisory_unlock(%s)", seq)
        except Exception:  # noqa: BLE001 - a closed connection released it anyway
            pass

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


__all__ = ["Claim", "FileLocks", "PgJobQueue", "principal_json", "worker_name"]
