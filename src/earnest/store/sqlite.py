"""The default store: one SQLite file (WAL), FTS5 for BM25, vectors as float16 BLOBs searched
exactly with numpy: 50k x 384 is one matrix product, and the whole retrieve stage (BM25 and
dense, two scopes) measured 75 ms median on 48,723 chunks (bench/run.py). sqlite-vec would
need apsw or sqlean.py here and has not been compared yet."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from earnest.errors import CorruptLibrary, NotFound, StoreError
from earnest.models import Chunk, DocumentInfo, DocumentMetadata, Page, Passage, matched_text
from earnest.store.base import (
    CHUNK_COLUMNS,
    PASSAGE_COLUMNS,
    Filters,
    NewDocument,
    chunk_of,
    headings_json,
    meta_matches,
    passage_condition,
    passage_of,
)
from earnest.store.sqlite_checks import IDENTITY_KEY, identity_to_check
from earnest.store.sqlite_conns import ThreadConnections, open_connection
from earnest.store.sqlite_keywords import KeywordCache
from earnest.store.sqlite_schema import MIGRATIONS
from earnest.store.sqlite_vectors import VectorCache, one_blas_thread
from earnest.store.sqlite_writes import (
    bump,
    delete_document,
    doc_id,
    insert_document,
    migrate,
    transaction,
)

_FTS_TERM = re.compile(r"[^\W_]+", re.UNICODE)


class SqliteStore:
    """Thread-safe enough for one writer and many readers: writes hold a lock, WAL lets
    readers run beside them."""

    def __init__(self, path: str | Path, memory_keywords: bool = True) -> None:
        """``memory_keywords=False``: every keyword search by FTS5 (sqlite_keywords)."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.RLock()
        self._conns = ThreadConnections(lambda: open_connection(self.path))
        self._vectors: VectorCache | None = None
        self._vector_lock = threading.Lock()
        self._last_scores: tuple[np.ndarray, bytes, np.ndarray] | None = None
        self._docs_cache: tuple[int, list[DocumentInfo]] | None = None
        self._stats_cache: tuple[int, dict[str, Any]] | None = None
        self._keywords = KeywordCache(self.path) if memory_keywords else None
        try:
            identity = identity_to_check(self._conn(), self.path)
        except CorruptLibrary:
            self.close()
            raise
        self._migrate()
        if identity is not None:
            self._record_identity(identity)

    # -- connections -------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        return self._conns.get()

    def _migrate(self) -> None:
        with self._write_lock:
            migrate(self._conn(), str(self.path))

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the write lock (sqlite_writes.transaction)."""
        with self._write_lock, transaction(self._conn()) as conn:
            yield conn

    def _record_identity(self, identity: str) -> None:
        try:
            self.set_meta(IDENTITY_KEY, identity)
        except sqlite3.OperationalError:
            pass  # read-only: checked again at the next open, which is all it costs

    def close(self) -> None:
        """Every thread's connection; the last checkpoints, so ``library.sqlite`` alone is
        whole once the library is closed."""
        self._conns.close(checkpoint=True)

    # -- meta --------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._conn().execute("select value from meta where key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write_lock:
            self._conn().execute("insert or replace into meta values (?, ?)", (key, value))

    def generation(self) -> int:
        """Bumped by every change; caches and answers carry it as the library version."""
        return int(self.get_meta("generation") or 0)

    # -- documents ---------------------------------------------------------------------------
    def add_document(self, doc: NewDocument) -> DocumentInfo:
        with self._write() as conn:
            insert_document(conn, doc)
            bump(conn)
        info = self.get_document(doc.doc_name)
        assert info is not None
        return info

    def remove_document(self, doc_name: str) -> bool:
        with self._write() as conn:
            found = doc_id(conn, doc_name)
            if found is not None:
                delete_document(conn, found)
                bump(conn)
        return found is not None

    def compact(self) -> None:
        """Merge the keyword index, VACUUM and truncate the WAL: after a delete, no byte of
        the deleted text is left in the library's files."""
        conn = self._conn()
        with self._write_lock:
            conn.execute("insert into chunk_fts(chunk_fts) values ('optimize')")
            conn.execute("vacuum")
            conn.execute("pragma wal_checkpoint(truncate)")

    _EMBEDDED_COUNT = ("(select count(*) from chunks c where c.doc_id = d.id and c.vector is "
                       "not null)")
    _DOC_SELECT = (
        "select d.id, d.doc_name, d.source_path, d.content_hash, d.file_type, d.page_count, "
        "d.chunk_count, " + _EMBEDDED_COUNT + ", d.added_at, d.metadata, "
        "(select json_group_object(o.key, json(o.value)) from metadata_overrides o "
        "where o.doc_name = d.doc_name), d.collection, d.added_by, d.extractor "
        "from documents d")

    def _doc(self, row: tuple) -> DocumentInfo:
        embedded = row[7]
        return DocumentInfo(
            id=row[0], doc_name=row[1], source_path=row[2], content_hash=row[3],
            file_type=row[4], page_count=row[5], chunk_count=row[6], embedded_count=embedded,
            status="ready" if embedded >= row[6] else "embedding", added_at=row[8],
            metadata=DocumentMetadata.from_dict(json.loads(row[9])),
            corrections=json.loads(row[10] or "{}"),
            collection=row[11], added_by=row[12], extractor=row[13])

    def find_by_hash(self, content_hash: str) -> DocumentInfo | None:
        row = self._conn().execute(self._DOC_SELECT + " where d.content_hash = ?",
                                   (content_hash,)).fetchone()
        return self._doc(row) if row else None

    def get_document(self, doc_name: str) -> DocumentInfo | None:
        row = self._conn().execute(self._DOC_SELECT + " where d.doc_name = ?",
                                   (doc_name,)).fetchone()
        return self._doc(row) if row else None

    def list_documents(self, filters: Filters | None = None) -> list[DocumentInfo]:
        gen = self.generation()
        cached = self._docs_cache
        if cached is None or cached[0] != gen:
            # Embedded counts as passages less those without a vector (a few, or none once
            # embedded): counting vectors read every passage, ~0.2 s at each generation.
            conn = self._conn()
            rows = conn.execute(self._DOC_SELECT.replace(self._EMBEDDED_COUNT, "0")
                                + " order by d.doc_name").fetchall()
            pending = dict(conn.execute("select doc_id, count(*) from chunks indexed by "
                                        "chunks_pending where vector is null group by doc_id"))
            rows = [(*r[:7], r[6] - pending.get(r[0], 0), *r[8:]) for r in rows]
            cached = self._docs_cache = (gen, [self._doc(r) for r in rows])
        if filters is not None and filters.collections:
            return [d for d in cached[1] if d.collection in filters.collections]
        return list(cached[1])

    def correct_metadata(self, doc_name: str, values: dict[str, Any]) -> DocumentInfo:
        """Record users' corrections (a None value removes one); they outlive re-ingest."""
        with self._write() as conn:
            self._doc_id(conn, doc_name)
            for key, value in values.items():
                if value is None:
                    conn.execute("delete from metadata_overrides where doc_name = ? and "
                                 "key = ?", (doc_name, key))
                else:
                    conn.execute("insert or replace into metadata_overrides values (?,?,?)",
                                 (doc_name, key, json.dumps(value)))
            bump(conn)
        info = self.get_document(doc_name)
        assert info is not None
        return info

    def update_metadata(self, doc_name: str, metadata: DocumentMetadata) -> DocumentInfo:
        with self._write() as conn:
            conn.execute("update documents set metadata = ? where id = ?",
                         (json.dumps(metadata.to_dict()), self._doc_id(conn, doc_name)))
            bump(conn)
        info = self.get_document(doc_name)
        assert info is not None
        return info

    def set_chunk_titles(self, doc_name: str,
                         titles: dict[int, tuple[str, tuple[str, ...]]]) -> None:
        with self._write() as conn:
            mine = {r[0] for r in conn.execute("select id from chunks where doc_id = ?",
                                                (self._doc_id(conn, doc_name),))}
            rows = [(cid, title, headings) for cid, (title, headings) in titles.items()
                    if cid in mine]
            conn.executemany("update chunks set title = ?, headings = ? where id = ?",
                             [(t, headings_json(h), cid) for cid, t, h in rows])
            conn.executemany("update chunk_fts set context = ? where rowid = ?",
                             [(matched_text(t, h), cid) for cid, t, h in rows])
            bump(conn)

    def set_sections(self, doc_name: str, sections: dict[int, str | None]) -> None:
        with self._write() as conn:
            found = self._doc_id(conn, doc_name)
            conn.executemany("update chunks set section = ? where id = ? and doc_id = ?",
                             [(label, cid, found) for cid, label in sections.items()])
            bump(conn)

    @staticmethod
    def _doc_id(conn: sqlite3.Connection, doc_name: str) -> int:
        found = doc_id(conn, doc_name)
        if found is None:
            raise NotFound(f"no document named {doc_name!r}")
        return found

    def pages(self, doc_name: str) -> list[Page]:
        return [Page(n, t) for n, t in self._conn().execute(
            "select p.page, p.text from pages p join documents d on d.id = p.doc_id "
            "where d.doc_name = ? order by p.page", (doc_name,))]

    def document_chunks(self, doc_name: str) -> list[tuple[int, Chunk]]:
        return [(r[0], chunk_of(r[1:])) for r in self._conn().execute(
            f"select c.id, {CHUNK_COLUMNS} from chunks c join documents d "
            "on d.id = c.doc_id where d.doc_name = ? order by c.ordinal", (doc_name,))]

    def page_text(self, doc_name: str, page: int) -> str | None:
        row = self._conn().execute(
            "select p.text from pages p join documents d on d.id = p.doc_id "
            "where d.doc_name = ? and p.page = ?", (doc_name, page)).fetchone()
        return row[0] if row else None

    # -- vectors -----------------------------------------------------------------------------
    def chunks_without_vectors(self, limit: int) -> list[tuple[int, str]]:
        return self._conn().execute(
            "select id, text from chunks where vector is null order by id limit ?",
            (limit,)).fetchall()

    def set_vectors(self, chunk_ids: Sequence[int], vectors: np.ndarray) -> None:
        blobs = [(np.asarray(v, dtype=np.float16).tobytes(), int(i))
                 for i, v in zip(chunk_ids, vectors)]
        with self._write() as conn:
            replaced = conn.execute(
                "select count(*) from chunks where vector is not null and id in (%s)"
                % ",".join(str(i) for _, i in blobs)).fetchone()[0] if blobs else 0
            conn.executemany("update chunks set vector = ? where id = ?", blobs)
            bump(conn, vectors_added=not replaced)

    def vectors_by_text_hash(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        hashes = list(dict.fromkeys(hashes))
        for i in range(0, len(hashes), 500):
            part = hashes[i:i + 500]
            rows = self._conn().execute(
                "select text_hash, vector from chunks indexed by chunks_text_hash where "
                f"vector is not null and text_hash in ({','.join('?' * len(part))})",
                part).fetchall()
            out.update((h, np.frombuffer(v, dtype=np.float16).astype(np.float32))
                       for h, v in rows)
        return out

    def _matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(chunk ids, doc ids, float32 unit vectors) of every embedded chunk, cached by
        generation; extended, not read whole, while passages are embedded (sqlite_vectors)."""
        gen = self.generation()
        with self._vector_lock:
            cached = self._vectors
            if cached is None or cached.generation != gen:
                conn = self._conn()
                conn.execute("begin")  # one snapshot: generation, pending ids and vectors agree
                try:
                    self._vectors = cached = VectorCache.read(conn, cached)
                finally:
                    conn.execute("commit")
            return cached.ids, cached.docs, cached.mat

    def dense_search(self, vector: np.ndarray, filters: Filters,
                     limit: int) -> list[tuple[int, float]]:
        ids, docs, mat = self._matrix()
        if not len(ids):
            return []
        scores = self._scores(mat, np.asarray(vector, dtype=np.float32))
        allowed = self._allowed_doc_ids(filters)
        if allowed is not None:
            scores = np.where(np.isin(docs, np.fromiter(allowed, dtype=np.int64)), scores, -2.0)
        if filters.restricts_passages():
            keep = [r[0] for r in self._conn().execute(*self._passage_ids(filters, allowed))]
            scores = np.where(np.isin(ids, np.asarray(keep, dtype=np.int64)), scores, -2.0)
        top = np.argpartition(-scores, min(limit, len(scores) - 1))[:limit]
        top = top[np.argsort(-scores[top])]
        return [(int(ids[i]), float(scores[i])) for i in top if scores[i] > -2.0]

    def _scores(self, mat: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Every chunk's cosine with ``vector``; the last query's are reused, since a question
        is searched over the library and again over the documents it names."""
        key = vector.tobytes()
        last = self._last_scores
        if last is not None and last[0] is mat and last[1] == key:
            return last[2]
        with one_blas_thread():
            scores = mat @ vector
        self._last_scores = (mat, key, scores)
        return scores

    def vectors(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        ids, _, mat = self._matrix()
        wanted = np.fromiter(chunk_ids, dtype=np.int64)
        if not len(ids) or not len(wanted):
            return {}
        rows = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        found = ids[rows] == wanted
        return {int(i): mat[r] for i, r in zip(wanted[found], rows[found])}

    # -- keyword search ----------------------------------------------------------------------
    def keyword_search(self, query: str, filters: Filters,
                       limit: int) -> list[tuple[int, float]]:
        words = list(dict.fromkeys(_FTS_TERM.findall(query.lower())))
        if not words:
            return []
        allowed = self._allowed_doc_ids(filters)
        if allowed is not None and not allowed:
            return []
        if filters.restricts_passages():
            # Ranked within the passages that pass, so k of them come back when k match.
            return self._bm25(words, limit, ids=self._passage_ids(filters, allowed))
        if allowed is not None and len(allowed) <= 8:
            # A document's chunk ids are contiguous (one transaction), and FTS5 serves a
            # rowid range fast where "rowid in (...)" would rank every match first.
            hits: list[tuple[int, float]] = []
            for low, high in self._conn().execute(
                    "select min(id), max(id) from chunks where doc_id in (%s) group by doc_id"
                    % ",".join(str(int(d)) for d in allowed)):
                hits += self._bm25(words, limit, between=(low, high))
            return sorted(hits, key=lambda h: -h[1])[:limit]
        if allowed is None:
            return self._bm25(words, limit)
        ok = self._chunk_doc_filter(allowed)
        wide = self._bm25(words, limit * 20)
        hits = [h for h in wide if ok(h[0])][:limit]
        if len(hits) < limit and len(wide) == limit * 20:
            # A small collection in a big library: its matches may all rank below the wide
            # cut; rank within its documents instead (slower, complete).
            docs = ",".join(str(int(d)) for d in allowed)
            hits = self._bm25(words, limit, ids=(
                f"select id from chunks where doc_id in ({docs})", []), check_each=False)
        return hits

    def _bm25(self, words: list[str], limit: int, between: tuple[int, int] | None = None,
              ids: tuple[str, list[Any]] | None = None, check_each: bool = True
              ) -> list[tuple[int, float]]:
        """The ``limit`` best rows for the OR of ``words`` (of a rowid range, or of the ids
        an SQL query returns) with FTS5's bm25, body 1 and context 2: from the in-memory
        index when it is warm for this generation (the same scores and order), else FTS5."""
        conn = self._conn()
        index, scores = (self._keywords.scores(conn, words) if self._keywords is not None
                         else (None, None))
        if index is not None and scores is not None:
            rows = (None if between is None and ids is None else
                    index.row_range(*between) if between is not None else
                    index.rows_of([r[0] for r in conn.execute(*ids)]))  # type: ignore[misc]
            return index.top(scores, limit, rows)
        where, params = "", []
        if between is not None:
            where, params = "and f.rowid between ? and ?", list(between)
        elif ids is not None:
            # "+": checked on each match, not handed to FTS5 as rowids to look up one by one.
            where, params = f"and {'+' if check_each else ''}f.rowid in ({ids[0]})", ids[1]
        match = " OR ".join(f'"{t}"' for t in words)
        sql = (f"select f.rowid, -bm25(chunk_fts, 1.0, 2.0) from chunk_fts f "
               f"where chunk_fts match ? {where} order by bm25(chunk_fts, 1.0, 2.0) limit ?")
        try:
            rows = conn.execute(sql, [match, *params, limit])
            return [(int(r[0]), float(r[1])) for r in rows]
        except sqlite3.OperationalError as exc:
            raise StoreError(f"keyword search failed: {exc}") from exc

    def warm_up(self) -> None:
        """Read what a question needs into memory now (the vector matrix and the keyword
        index), not at the first questions after a change."""
        self._matrix()
        if self._keywords is not None:
            self._keywords.build(wait=True)

    @staticmethod
    def _passage_ids(filters: Filters, allowed: set[int] | None) -> tuple[str, list[Any]]:
        """SQL for the ids of the chunks that pass ``filters``' passage-level fields."""
        cond, params = passage_condition(filters, lambda _: "?", "earnest_lower")
        if allowed is not None:
            cond += " and c.doc_id in (%s)" % ",".join(str(int(d)) for d in allowed)
        return f"select c.id from chunks c where {cond}", params

    def _chunk_doc_filter(self, allowed: set[int]):
        keep = {r[0] for r in self._conn().execute(
            "select id from chunks where doc_id in (%s)" % ",".join(str(int(d)) for d in allowed))}
        return keep.__contains__

    def _allowed_doc_ids(self, filters: Filters) -> set[int] | None:
        if filters.is_empty():
            return None
        allowed = set()
        for doc in self.list_documents(filters):
            doc_id, name, metadata = doc.id, doc.doc_name, doc.effective_metadata()
            if filters.collections and doc.collection not in filters.collections:
                continue
            if filters.doc_names and name not in filters.doc_names:
                continue
            if all(meta_matches(metadata.get(k), v) for k, v in filters.metadata.items()):
                allowed.add(doc_id)
        return allowed

    # -- passages ----------------------------------------------------------------------------
    def get_passages(self, chunk_ids: Sequence[int]) -> list[Passage]:
        if not chunk_ids:
            return []
        marks = ",".join("?" * len(chunk_ids))
        rows = self._conn().execute(
            f"select {PASSAGE_COLUMNS} from chunks c join documents d "
            f"on d.id = c.doc_id where c.id in ({marks})", list(chunk_ids)).fetchall()
        by_id = {r[0]: passage_of(r) for r in rows}
        return [by_id[i] for i in chunk_ids if i in by_id]

    def stats(self) -> dict[str, Any]:
        # Counted once per generation: two counts over every chunk cost a query ~15 ms.
        gen = self.generation()
        cached = self._stats_cache
        if cached is not None and cached[0] == gen:
            return dict(cached[1])
        conn = self._conn()
        docs, pages = conn.execute(
            "select count(*), coalesce(sum(page_count), 0) from documents").fetchone()
        chunks = conn.execute("select count(*) from chunks").fetchone()[0]
        pending = conn.execute(
            "select count(*) from chunks indexed by chunks_pending where vector is null"
        ).fetchone()[0]
        embedded = chunks - pending
        out = {"documents": docs, "pages": pages, "chunks": chunks, "embedded": embedded,
               "generation": gen, "schema_version": len(MIGRATIONS), "path": str(self.path)}
        self._stats_cache = (gen, out)
        return dict(out)
