"""Ingest in two phases. Every file of a batch is parsed, chunked and keyword-indexed first,
so the whole batch is searchable (by keywords) in about the time parsing takes; then the
library's chunks without vectors are embedded, in windows across documents, sorted by
length. A text already embedded anywhere in the library (a boilerplate paragraph, the same
table in two years' filings, an operator's line) is copied, not embedded again. Chunks
without vectors are the to-do list: an interrupted embed resumes where it stopped, and a
search meanwhile is hybrid over what is embedded and keyword over everything."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np

from earnest.embedding import Embedder
from earnest.errors import storage_failure
from earnest.inputs import IngestProgress, IngestReport, _Silent, collect_files
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
