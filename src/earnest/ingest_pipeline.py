"""Ingest in two phases. Every file of a batch is parsed, chunked and keyword-indexed first,
so the whole batch is searchable (by keywords) in about the time parsing takes; then the
library's chunks without vectors are embedded, in windows across documents, sorted by
length. A text already embedded anywhere in the library (a boilerplate paragraph, the same
table in two years' filings, an operator's line) is copied, not embedded again. Chunks
without vectors are the to-do list: an interrupted embed resumes where it stopped, and a
search meanwhile is hybrid over what is embedded and keyword over everything."""

from __future__ import annotations

import hashlib
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np

from earnest.embedding import Embedder
from earnest.errors import DocumentError, storage_failure
from earnest.inputs import (
    FileResult,
    IngestProgress,
    IngestReport,
    _Silent,
    collect_files,
    document_name,
)
from earnest.parse_pool import ParsePool, parse_processes
from earnest.store import Store
from earnest.store.base import text_hash

if TYPE_CHECKING:
    from earnest.service import Earnest
    from earnest.trust import Principal

# Pending chunks read at once: their texts are sorted by length across documents, so a
# model batch pads little (per document, short and long chunks were mixed).
EMBED_WINDOW = 2048
# Chunks per model call and vector write: progress moves and a crash loses at most this.
EMBED_STEP = 256


@dataclass(slots=True)
class EmbedStats:
    embedded: int = 0  # chunks that got a vector
    model: int = 0  # texts the model embedded
    reused: int = 0  # vectors copied from an identical text already in the library
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": round(self.seconds, 2)}


def ingest_paths(service: Earnest, paths: Iterable[str | Path], *,
                 progress: IngestProgress | None, embed: bool, collection: str,
                 principal: Principal) -> IngestReport:
    """Keyword-index every file, then (with ``embed``) embed everything pending."""
    progress = progress or _Silent()
    report = IngestReport()
    started = time.perf_counter()
    files = collect_files(paths)
    processes = min(parse_processes(service.settings), len(files))
    if processes > 1:
        _keyword_pooled(service, files, processes, progress, report, collection=collection,
                        principal=principal)
    else:
        for index, path in enumerate(files):
            progress.file_started(path, index, len(files))
            result = service.ingest_file(path, collection=collection, principal=principal)
            report.files.append(result)
            progress.file_done(result)
    report.keyword_seconds = time.perf_counter() - started
    progress.keyword_done(report.keyword_seconds)
    if embed:  # also what an earlier, interrupted run left
        try:
            stats = embed_pending(service.store, service.embedder, progress)
        except Exception as exc:  # a full disk or read-only library: say so, not "internal"
            if (stop := storage_failure(exc, service.home)) is not None:
                raise stop from exc
            raise
        report.embedded, report.reused = stats.embedded, stats.reused
        report.embed_seconds = stats.seconds
    report.seconds = time.perf_counter() - started
    return report


@dataclass(slots=True)
class _Job:
    index: int
    path: Path
    data: bytes = b""
    doc_name: str = ""
    future: Future | None = None  # None: ingested here at its turn (known content, bad name)
    failed: FileResult | None = None


def _keyword_pooled(service: Earnest, files: list[Path], processes: int,
                    progress: IngestProgress, report: IngestReport, *, collection: str,
                    principal: Principal) -> None:
    """Parse up to ``processes`` files at once in other processes; commit each here, whole,
    in the order of ``files`` (the library has one writer; results are reported in order)."""
    pool = ParsePool(service.settings, processes)
    ahead = 2 * processes  # files read and parsing beyond the one being committed
    upcoming = iter(enumerate(files))
    queue: deque[_Job] = deque()
    try:
        while True:
            while len(queue) < ahead and (nxt := next(upcoming, None)) is not None:
                queue.append(_submit(service, pool, _Job(*nxt), principal))
            if not queue:
                break
            job = queue.popleft()
            progress.file_started(job.path, job.index, len(files))
            result = _commit(service, job, collection=collection, principal=principal)
            report.files.append(result)
            progress.file_done(result)
    finally:
        pool.close()


def _submit(service: Earnest, pool: ParsePool, job: _Job, principal: Principal) -> _Job:
    try:
        data = service.read_file_bytes(job.path)
    except DocumentError as exc:
        job.failed = FileResult(path=str(job.path), status="failed", error=str(exc),
                                error_code=exc.code)
        return job
    try:
        doc_name = document_name(job.path.name, str(job.path))
    except DocumentError:
        return job  # a bad name: refused at its turn, as in one process
    key = hashlib.sha256(data).hexdigest()
    if service.visible(service.store.find_by_hash(key), principal) is not None:
        return job  # unchanged: nothing to parse
    job.data, job.doc_name = data, doc_name
    job.future = pool.submit(data, str(job.path), doc_name)
    return job


def _commit(service: Earnest, job: _Job, *, collection: str, principal: Principal) -> FileResult:
    if job.failed is not None:
        return job.failed
    try:
        outcome = job.future.result() if job.future is not None else None
    except Exception:  # noqa: BLE001 - a parser could not be started: parse it here
        return service.ingest_file(job.path, collection=collection, principal=principal)
    if outcome is not None and outcome.error is not None:
        return FileResult(path=str(job.path), status="failed", error=outcome.error,
                          error_code=outcome.error_code)
    if job.future is not None and outcome is None:
        return FileResult(path=str(job.path), status="failed", error_code="internal_error",
                          error=f"{job.path}: the parser process stopped while reading this "
                                "file (out of memory, or a crash in the PDF library)")
    prepared = None
    if outcome is not None and outcome.parsed is not None and \
            outcome.model_id == service.embedder.model_id:  # else counted with another model
        prepared = (job.data, outcome.parsed)
    return service.ingest_file(job.path, collection=collection, principal=principal,
                               prepared=prepared)


def embed_pending(store: Store, embedder: Embedder, progress: IngestProgress | None = None,
                  *, window: int = EMBED_WINDOW, step: int = EMBED_STEP,
                  stop: Callable[[], bool] | None = None) -> EmbedStats:
    """Embed every chunk without a vector (until ``stop()`` says to pause, checked after
    each step); safe to interrupt and resume."""
    progress = progress or _Silent()
    counts = store.stats()
    total = counts["chunks"] - counts["embedded"]
    stats = EmbedStats()
    t0 = time.perf_counter()
    while not (stop and stop()):
        rows = store.chunks_without_vectors(window)
        if not rows:
            break
        for part in _steps(rows, step):
            embed_rows(store, embedder, part, stats)
            progress.embedding(stats.embedded, max(total, stats.embedded))
            if stop and stop():
                break
    stats.seconds = time.perf_counter() - t0
    return stats


def _steps(rows: list[tuple[int, str]], step: int) -> Iterable[list[tuple[int, str]]]:
    """The window's rows by text length, ``step`` at a time."""
    ordered = sorted(rows, key=lambda r: len(r[1]))
    for i in range(0, len(ordered), step):
        yield ordered[i:i + step]


def embed_rows(store: Store, embedder: Embedder, rows: Sequence[tuple[int, str]],
               stats: EmbedStats | None = None) -> EmbedStats:
    """Give ``rows`` (chunk id, text) their vectors: each distinct text not yet embedded in
    the library goes to the model once; the others' vectors are copied."""
    stats = stats if stats is not None else EmbedStats()
    if not rows:
        return stats
    keys = [text_hash(text) for _, text in rows]
    known = store.vectors_by_text_hash(keys)
    todo: dict[str, str] = {}
    for key, (_, text) in zip(keys, rows):
        if key not in known:
            todo.setdefault(key, text)
    if todo:
        known.update(zip(todo, embedder.embed_batch(list(todo.values()))))
    store.set_vectors([i for i, _ in rows], np.stack([known[k] for k in keys]))
    stats.embedded += len(rows)
    stats.model += len(todo)
    stats.reused += len(rows) - len(todo)
    return stats


__all__ = ["EMBED_STEP", "EMBED_WINDOW", "EmbedStats", "embed_pending", "embed_rows", "ingest_paths"]
