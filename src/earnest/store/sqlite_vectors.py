"""The SQLite store's vector matrix, kept in memory and renewed by library generation.

A generation in which vectors were only given to passages that had none (the embedding
phase of an ingest, a step of 256 at a time) extends the matrix with those rows; any other
change reads it whole again. Both give the same matrix (rows ascending by chunk id)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Iterator

import numpy as np
from threadpoolctl import ThreadpoolController


@dataclass(frozen=True, slots=True)
class VectorCache:
    """What dense search reads, kept between queries; one generation of the library."""

    generation: int
    ids: np.ndarray  # chunk ids, ascending
    docs: np.ndarray
    mat: np.ndarray
    pending: np.ndarray  # chunk ids without a vector at this generation

    @classmethod
    def read(cls, conn: sqlite3.Connection, old: VectorCache | None) -> VectorCache:
        """The matrix at the snapshot ``conn`` reads: ``old`` extended when every change
        since it only gave vectors to passages that had none, else read whole."""
        meta = dict(conn.execute("select key, value from meta where key in "
                                 "('generation', 'layout_generation')").fetchall())
        gen, layout = int(meta.get("generation", 0)), int(meta.get("layout_generation", 0))
        pending = np.fromiter((r[0] for r in conn.execute(
            "select id from chunks indexed by chunks_pending where vector is null")),
            dtype=np.int64)
        if old is not None and layout <= old.generation and len(old.mat):
            added = np.setdiff1d(old.pending, pending)
            rows = []
            for i in range(0, len(added), 500):
                part = ",".join(str(int(x)) for x in added[i:i + 500])
                rows += conn.execute(f"select id, doc_id, vector from chunks where id in "
                                     f"({part}) and vector is not null order by id").fetchall()
            ids, docs, mat = _rows_to_arrays(rows)
            if not len(ids):
                return cls(gen, old.ids, old.docs, old.mat, pending)
            ids, docs = np.concatenate([old.ids, ids]), np.concatenate([old.docs, docs])
            mat = np.concatenate([old.mat, mat])
            if not np.all(np.diff(ids) > 0):
                order = np.argsort(ids, kind="stable")  # not appended in id order
                ids, docs, mat = ids[order], docs[order], mat[order]
            return cls(gen, ids, docs, mat, pending)
        rows = conn.execute("select id, doc_id, vector from chunks where vector is not null "
                            "order by id").fetchall()
        return cls(gen, *_rows_to_arrays(rows), pending)


def _rows_to_arrays(rows: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    docs = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    if not rows:
        return ids, docs, np.zeros((0, 0), dtype=np.float32)
    mat = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float16)
    return ids, docs, mat.reshape(len(rows), -1).astype(np.float32)


_BLAS_LOCK = threading.Lock()  # the BLAS thread count is the process's: one change at a time


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()  # finds the loaded BLAS libraries once (~10 ms)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """The dense scan's product on one BLAS thread. A threaded OpenBLAS product leaves its
    helper threads spinning for a while after it returns, taking the CPU that the question's
    rerank and answer need next (docs/performance.md); one thread also gives the same scores
    whatever the machine's core count."""
    with _BLAS_LOCK, _blas().limit(limits=1, user_api="blas"):
        yield
