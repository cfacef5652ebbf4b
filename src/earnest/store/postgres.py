"""The scale-out store: PostgreSQL with pgvector, through a psycopg 3 connection pool.

Behaves as SqliteStore does, call for call: the keyword index holds SQLite FTS5's own terms and
ranks them with FTS5's BM25 (store/terms.py); vectors are float16 (``halfvec``) as in SQLite,
found by an HNSW index and re-scored exactly with the same float32 product.

With ``read_urls`` (streaming replicas of the primary), the read-only calls of a search, an
answer and a document listing go to a replica as long as it has replayed at least the newest
generation this process knows of: the one it last wrote, or the primary's, looked up at most
every ``read_check_seconds``. A request therefore reads its own writes, and another process's
within that interval; a replica that is behind or unreachable is passed over for the primary."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Sequence, TypeVar
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from earnest.errors import MissingDependency, NotFound, StoreError
from earnest.models import Chunk, DocumentInfo, DocumentMetadata, Page, Passage, matched_text
from earnest.store.base import (
    CHUNK_COLUMNS,
    PASSAGE_COLUMNS,
    Filters,
    NewDocument,
    chunk_of,
    headings_json,
    passage_of,
    text_hash,
)
from earnest.store.pg_schema import DIMENSIONS, migrate
from earnest.store.terms import Fts5Tokenizer

try:
    import psycopg
    from pgvector import HalfVector
    from pgvector.psycopg import register_vector
    from psycopg.types.json import Jsonb
    from psycopg_pool import ConnectionPool
except ImportError as exc:  # pragma: no cover - the extra is not installed
    raise MissingDependency("PostgreSQL support needs its extra: pip install "
                            "'earnest[postgres]' (psycopg, psycopg_pool, pgvector)") from exc

from earnest.store.pg_search import EXACT_SCAN_MAX, PostgresSearch  # noqa: E402 - needs pgvector

log = logging.getLogger(__name__)
T = TypeVar("T")

POOL_MAX = 10
# A replica that failed is not asked again for this long.
REPLICA_RETRY_SECONDS = 10.0


class PostgresStore(PostgresSearch):
    """Safe for many threads and many processes: every call takes a pooled connection, every
    change is one transaction, and the generation row orders them."""

    def __init__(self, url: str, *, pool_max: int = POOL_MAX, read_urls: Sequence[str] = (),
                 read_check_seconds: float = 1.0) -> None:
        self.url = url
        self.read_check_seconds = read_check_seconds
        self.exact_scan_max = EXACT_SCAN_MAX
        self._terms = Fts5Tokenizer()
        self._docs_cache: tuple[int, list[DocumentInfo]] | None = None
        self._stats_cache: tuple[int, dict[str, Any]] | None = None
        # generation, rows, average length, document frequency by term
        self._bm25_cache: tuple[int, int, float, dict[str, int]] | None = None
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                self.schema_version = migrate(conn)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the PostgreSQL library ({exc})".strip(),
                             path=self.display_url) from exc
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_max, open=True,
                                    configure=register_vector, name="earnest",
                                    kwargs={"application_name": "earnest"})
        # Each process keeps to one replica (by pid), so what it reads never goes back in time.
        self._replica: ConnectionPool | None = None
        if read_urls:
            self._replica = ConnectionPool(
                read_urls[os.getpid() % len(read_urls)], min_size=1, max_size=pool_max,
                open=True, configure=register_vector, name="earnest-read", timeout=5,
                kwargs={"application_name": "earnest-read"})
        self._floor_lock = threading.Lock()  # the floor only rises, whichever thread sets it
        self._floor = 0  # the newest generation this process wrote or saw on the primary
        self._floor_at = -math.inf
        self._replica_seen = -1  # the replica's generation when last asked
        self._replica_down_until = -math.inf
        self.reads = {"replica": 0, "primary": 0}  # read calls by where they went

    @property
    def display_url(self) -> str:
        """The URL without its password, for logs and stats."""
        parts = urlsplit(self.url)
        netloc = parts.netloc.rsplit("@", 1)
        if len(netloc) == 2:
            netloc[0] = netloc[0].split(":", 1)[0]
        return urlunsplit(parts._replace(netloc="@".join(netloc)))

    @property
    def pool(self) -> ConnectionPool:
        """The connection pool, shared with the trust tables (earnest.trust.postgres)."""
        return self._pool

    def close(self) -> None:
        self._pool.close()
        if self._replica is not None:
            self._replica.close()

    def compact(self) -> None:
        """VACUUM FULL the tables that hold documents' words, so a deleted document's text
        leaves their files (the server's write-ahead log keeps it until its segments are
        recycled: that is the database administrator's, see the README)."""
        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                for table in ("pages", "chunks", "chunk_terms", "documents", "answers"):
                    conn.execute(f"vacuum full {table}")  # noqa: S608 - fixed names
        except psycopg.Error as exc:
            raise StoreError(f"database error: {exc}") from exc

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """A pooled connection in one transaction; database errors become StoreError."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"database error: {exc}") from exc

    def _run(self, sql: str, params: Any = None, binary: bool = False) -> list[tuple]:
        try:
            with self._pool.connection() as conn:
                cur = conn.execute(sql, params, binary=binary)
                return cur.fetchall() if cur.description else []
        except psycopg.Error as exc:
            raise StoreError(f"database error: {exc}") from exc

    # -- reads: a replica when it is current enough, else the primary -------------------------
    def _read(self, work: Callable[[Any], T]) -> T:
        """``work(conn)`` in one read-only transaction, on a replica if one may serve it."""
        if self._replica_current():
            try:
                with self._replica.connection() as conn, conn.transaction():
                    result = work(conn)
                self.reads["replica"] += 1
                return result
            except psycopg.Error as exc:  # down, or a query cancelled by replay: the primary
                log.warning("read replica failed, reading the primary: %s", exc)
                self._replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        try:
            with self._pool.connection() as conn, conn.transaction():
                result = work(conn)
            self.reads["primary"] += 1
            return result
        except psycopg.Error as exc:
            raise StoreError(f"database error: {exc}") from exc

    def _read_rows(self, sql: str, params: Any = None, binary: bool = False) -> list[tuple]:
        return self._read(lambda conn: conn.execute(sql, params, binary=binary).fetchall())

    def _replica_current(self) -> bool:
        if self._replica is None or time.monotonic() < self._replica_down_until:
            return False
        now = time.monotonic()
        if now - self._floor_at >= self.read_check_seconds:
            try:
                self._wrote(self._generation_on(self._pool))
            except psycopg.Error as exc:  # the replica goes on serving what it has
                log.warning("primary unreachable, reads stay on the replica: %s", exc)
            self._floor_at = now
        if self._replica_seen < self._floor:  # replay only goes forward: ask only then
            try:
                self._replica_seen = self._generation_on(self._replica)
            except psycopg.Error as exc:
                log.warning("read replica unreachable, reading the primary: %s", exc)
                self._replica_down_until = now + REPLICA_RETRY_SECONDS
                return False
        return self._replica_seen >= self._floor

    @staticmethod
    def _generation_on(pool: ConnectionPool) -> int:
        with pool.connection() as conn:
            row = conn.execute("select value from meta where key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def _wrote(self, generation: int) -> None:
        with self._floor_lock:
            self._floor = max(self._floor, generation)

    # -- meta --------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._run("select value from meta where key = %s", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._run("insert into meta values (%s, %s) on conflict (key) do update "
                  "set value = excluded.value", (key, value))

    def generation(self) -> int:
        """The generation of what this process reads (a replica's, when it reads one)."""
        rows = self._read_rows("select value from meta where key = 'generation'")
        return int(rows[0][0]) if rows else 0

    def _bump(self, conn: Any) -> None:
        gen = conn.execute("insert into meta values ('generation', '1') on conflict (key) do "
                           "update set value = (meta.value::bigint + 1)::text returning value"
                           ).fetchone()[0]
        self._wrote(int(gen))

    # -- documents ---------------------------------------------------------------------------
    def add_document(self, doc: NewDocument) -> DocumentInfo:
        # Tokenised before the transaction: SQLite's tokenizer, so both stores hold one index.
        terms = self._terms.chunk_terms([(c.text, c.context) for c in doc.chunks])
        col = doc.collection
        with self._tx() as conn:
            # Names are unique in the library, across collections: one writer per name.
            conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))",
                         (doc.doc_name,))
            for old_col, old_id in conn.execute(
                    "select collection, id from documents where doc_name = %s",
                    (doc.doc_name,)).fetchall():
                self._delete(conn, old_col, old_id)
            doc_id = conn.execute(
                "insert into documents (collection, doc_name, source_path, content_hash, "
                "file_type, page_count, chunk_count, added_at, metadata, added_by, extractor) "
                "values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) returning id",
                (col, doc.doc_name, doc.source_path, doc.content_hash, doc.file_type,
                 len(doc.pages), len(doc.chunks),
                 datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 Jsonb(doc.metadata.to_dict()), doc.added_by, doc.extractor)).fetchone()[0]
            ids = [r[0] for r in conn.execute(
                "select nextval(pg_get_serial_sequence('chunks', 'id')) "
                "from generate_series(1, %s)", (len(doc.chunks),))]
            with conn.cursor() as cur:
                with cur.copy("copy pages (collection, doc_id, page, text) from stdin") as cp:
                    for p in doc.pages:
                        cp.write_row((col, doc_id, p.number, _text(p.text)))
                with cur.copy("copy chunks (collection, id, doc_id, ordinal, page_start, "
                              "page_end, char_start, char_end, text, title, headings, "
                              "section, speaker, role, n_tokens, text_hash) from stdin") as cp:
                    for i, c, t in zip(ids, doc.chunks, terms):
                        text = _text(c.text)
                        cp.write_row((col, i, doc_id, c.ordinal, c.page_start, c.page_end,
                                      c.char_start, c.char_end, text,
                                      _text(c.title), _text(headings_json(c.headings)),
                                      c.section, c.speaker, c.role,
                                      t.length, text_hash(text or "")))
                with cur.copy("copy chunk_terms (collection, term, chunk_id, doc_id, tf, dl) "
                              "from stdin") as cp:
                    for i, t in zip(ids, terms):
                        for term, tf in t.freqs.items():
                            cp.write_row((col, term, i, doc_id, tf, t.length))
            self._bump(conn)
        info = self.get_document(doc.doc_name)
        assert info is not None
        return info

    @staticmethod
    def _delete(conn: Any, collection: str, doc_id: int) -> None:
        conn.execute("delete from chunk_terms where collection = %s and doc_id = %s",
                     (collection, doc_id))
        conn.execute("delete from documents where collection = %s and id = %s",
                     (collection, doc_id))

    def remove_document(self, doc_name: str) -> bool:
        with self._tx() as conn:
            rows = conn.execute("select collection, id from documents where doc_name = %s",
                                (doc_name,)).fetchall()
            for col, doc_id in rows:
                self._delete(conn, col, doc_id)
            if rows:
                self._bump(conn)
        return bool(rows)

    _DOC_SELECT = (
        "select d.id, d.doc_name, d.source_path, d.content_hash, d.file_type, d.page_count, "
        "d.chunk_count, (select count(*) from chunks c where c.collection = d.collection "
        "and c.doc_id = d.id and c.embedding is not null), d.added_at, d.metadata, "
        "(select jsonb_object_agg(o.key, o.value) from metadata_overrides o "
        "where o.doc_name = d.doc_name), d.collection, d.added_by, d.extractor "
        "from documents d")

    @staticmethod
    def _doc(row: tuple) -> DocumentInfo:
        embedded = row[7]
        return DocumentInfo(
            id=row[0], doc_name=row[1], source_path=row[2], content_hash=row[3],
            file_type=row[4], page_count=row[5], chunk_count=row[6], embedded_count=embedded,
            status="ready" if embedded >= row[6] else "embedding", added_at=row[8],
            metadata=DocumentMetadata.from_dict(row[9]), corrections=row[10] or {},
            collection=row[11],
            added_by=row[12], extractor=row[13])

    def find_by_hash(self, content_hash: str) -> DocumentInfo | None:
        rows = self._run(self._DOC_SELECT + " where d.content_hash = %s order by d.id limit 1",
                         (content_hash,))
        return self._doc(rows[0]) if rows else None

    def get_document(self, doc_name: str) -> DocumentInfo | None:
        rows = self._run(self._DOC_SELECT + " where d.doc_name = %s", (doc_name,))
        return self._doc(rows[0]) if rows else None

    def list_documents(self, filters: Filters | None = None) -> list[DocumentInfo]:
        gen = self.generation()
        cached = self._docs_cache
        if cached is None or cached[0] != gen:
            rows = self._read_rows(self._DOC_SELECT + " order by d.doc_name")
            cached = self._docs_cache = (gen, [self._doc(r) for r in rows])
        if filters is not None and filters.collections:
            return [d for d in cached[1] if d.collection in filters.collections]
        return list(cached[1])

    def correct_metadata(self, doc_name: str, values: dict[str, Any]) -> DocumentInfo:
        """Record users' corrections (a None value removes one); they outlive re-ingest."""
        with self._tx() as conn:
            if not conn.execute("select 1 from documents where doc_name = %s",
                                (doc_name,)).fetchone():
                raise NotFound(f"no document named {doc_name!r}")
            for key, value in values.items():
                if value is None:
                    conn.execute("delete from metadata_overrides where doc_name = %s and "
                                 "key = %s", (doc_name, key))
                else:
                    conn.execute("insert into metadata_overrides values (%s, %s, %s) "
                                 "on conflict (doc_name, key) do update set value = "
                                 "excluded.value", (doc_name, key, Jsonb(value)))
            self._bump(conn)
        info = self.get_document(doc_name)
        assert info is not None
        return info

    def update_metadata(self, doc_name: str, metadata: DocumentMetadata) -> DocumentInfo:
        with self._tx() as conn:
            row = conn.execute("select collection from documents where doc_name = %s",
                               (doc_name,)).fetchone()
            cur = conn.execute("update documents set metadata = %s where collection = %s and "
                               "doc_name = %s", (Jsonb(metadata.to_dict()), row and row[0], doc_name))
            if not cur.rowcount:
                raise NotFound(f"no document named {doc_name!r}")
            self._bump(conn)
        info = self.get_document(doc_name)
        assert info is not None
        return info

    def set_chunk_titles(self, doc_name: str,
                         titles: dict[int, tuple[str, tuple[str, ...]]]) -> None:
        with self._tx() as conn:
            row = conn.execute("select id, collection from documents where doc_name = %s",
                               (doc_name,)).fetchone()
            if row is None:
                raise NotFound(f"no document named {doc_name!r}")
            doc_id, col = row
            texts = dict(conn.execute(
                "select id, text from chunks where collection = %s and doc_id = %s and "
                "id = any(%s)", (col, doc_id, list(titles))).fetchall())
            ids = sorted(texts)
            terms = self._terms.chunk_terms([(texts[i], matched_text(*titles[i])) for i in ids])
            conn.execute("delete from chunk_terms where collection = %s and chunk_id = any(%s)",
                         (col, ids))
            with conn.cursor() as cur:
                cur.executemany("update chunks set title = %s, headings = %s, n_tokens = %s "
                                "where collection = %s and id = %s",
                                [(_text(titles[i][0]), _text(headings_json(titles[i][1])),
                                  t.length, col, i)
                                 for i, t in zip(ids, terms)])
                with cur.copy("copy chunk_terms (collection, term, chunk_id, doc_id, tf, dl) "
                              "from stdin") as cp:
                    for i, t in zip(ids, terms):
                        for term, tf in t.freqs.items():
                            cp.write_row((col, term, i, doc_id, tf, t.length))
            self._bump(conn)

    def set_sections(self, doc_name: str, sections: dict[int, str | None]) -> None:
        with self._tx() as conn:
            row = conn.execute("select id, collection from documents where doc_name = %s",
                               (doc_name,)).fetchone()
            if row is None:
                raise NotFound(f"no document named {doc_name!r}")
            with conn.cursor() as cur:
                cur.executemany(
                    "update chunks set section = %s where id = %s and doc_id = %s and "
                    "collection = %s",
                    [(label, cid, row[0], row[1]) for cid, label in sections.items()])
            self._bump(conn)

    def pages(self, doc_name: str) -> list[Page]:
        return [Page(n, t) for n, t in self._read_rows(
            "select p.page, p.text from pages p join documents d on d.collection = "
            "p.collection and d.id = p.doc_id where d.doc_name = %s order by p.page",
            (doc_name,))]

    def document_chunks(self, doc_name: str) -> list[tuple[int, Chunk]]:
        return [(r[0], chunk_of(r[1:])) for r in self._read_rows(
            f"select c.id, {CHUNK_COLUMNS} from chunks c join documents d "
            "on d.collection = c.collection and d.id = c.doc_id where d.doc_name = %s "
            "order by c.ordinal", (doc_name,))]

    def page_text(self, doc_name: str, page: int) -> str | None:
        rows = self._read_rows(
            "select p.text from pages p join documents d on d.collection = p.collection "
            "and d.id = p.doc_id where d.doc_name = %s and p.page = %s", (doc_name, page))
        return rows[0][0] if rows else None

    # -- vectors -----------------------------------------------------------------------------
    def chunks_without_vectors(self, limit: int) -> list[tuple[int, str]]:
        return self._run("select id, text from chunks where embedding is null order by id "
                         "limit %s", (limit,))

    def set_vectors(self, chunk_ids: Sequence[int], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float16)
        if len(chunk_ids) and vectors.shape[1] != DIMENSIONS:
            raise StoreError(f"vectors have {vectors.shape[1]} dimensions; this PostgreSQL "
                             f"library holds {DIMENSIONS}")
        with self._tx() as conn:
            # Addressed by (collection, id): with Citus, each update goes to one shard.
            where = dict(conn.execute("select id, collection from chunks where id = any(%s)",
                                      ([int(i) for i in chunk_ids],)).fetchall())
            with conn.cursor() as cur:
                cur.executemany("update chunks set embedding = %s where collection = %s and "
                                "id = %s", [(HalfVector(v), where.get(int(i)), int(i))
                                            for i, v in zip(chunk_ids, vectors)])
            self._bump(conn)

    def vectors_by_text_hash(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        if not len(hashes):
            return {}
        rows = self._run("select distinct on (text_hash) text_hash, embedding from chunks "
                         "where text_hash = any(%s) and embedding is not null",
                         (list(dict.fromkeys(hashes)),), binary=True)
        return {h: v.to_numpy().astype(np.float32) for h, v in rows}

    # -- passages ----------------------------------------------------------------------------
    def get_passages(self, chunk_ids: Sequence[int]) -> list[Passage]:
        if not chunk_ids:
            return []
        rows = self._read_rows(
            f"select {PASSAGE_COLUMNS} from chunks c "
            "join documents d on d.collection = c.collection and d.id = c.doc_id "
            "where c.id = any(%s)", ([int(i) for i in chunk_ids],))
        by_id = {r[0]: passage_of(r) for r in rows}
        return [by_id[i] for i in chunk_ids if i in by_id]

    def stats(self) -> dict[str, Any]:
        # Every search asks; counting a large table is not free, so the counts are kept
        # with the generation they were read at (one statement, one snapshot).
        cached = self._stats_cache
        if cached is None or cached[0] != self.generation():
            gen, docs, pages, chunks, pending = self._read_rows(
                "select (select value from meta where key = 'generation'), "
                "(select count(*) from documents), "
                "(select coalesce(sum(page_count), 0) from documents), "
                "(select count(*) from chunks), "
                "(select count(*) from chunks where embedding is null)")[0]
            cached = self._stats_cache = (int(gen or 0), {
                "documents": docs, "pages": int(pages), "chunks": chunks,
                "embedded": chunks - pending, "generation": int(gen or 0),
                "schema_version": self.schema_version, "path": self.display_url})
        return dict(cached[1])


def _text(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; a space keeps every character offset.
    return value.replace("\x00", " ") if value else value

