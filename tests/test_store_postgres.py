"""PostgresStore passes the store contract on a real PostgreSQL 18 + pgvector server."""

from __future__ import annotations

import psycopg
import pytest

from earnest.errors import StoreError
from earnest.store.pg_schema import MIGRATIONS
from earnest.store.postgres import PostgresStore

from .store_contract import StoreContract, new_doc


class TestPostgresStore(StoreContract):
    @pytest.fixture()
    def store(self, pg_url):
        s = PostgresStore(pg_url)
        yield s
        s.close()


def test_migrations_are_numbered_and_applied(pg_url) -> None:
    PostgresStore(pg_url).close()
    PostgresStore(pg_url).close()  # the second open applies nothing
    with psycopg.connect(pg_url) as conn:
        numbers = [r[0] for r in conn.execute("select number from schema_migrations "
                                              "order by number")]
        assert numbers == list(range(1, len(MIGRATIONS) + 1))
        indexes = {r[0] for r in conn.execute("select indexdef from pg_indexes "
                                              "where tablename = 'chunks'")}
        assert any("hnsw" in i and "halfvec_ip_ops" in i for i in indexes)


def test_migration_7_reads_title_and_headings_from_an_older_library(pg_url) -> None:
    """As SQLite's (test_store_sqlite): chunks of schema 6 read back with title and headings
    as fields, and the same joined text."""
    from earnest.store.pg_schema import migrate

    from .test_store_sqlite import OLD_CONTEXTS, OLD_MIGRATED

    with psycopg.connect(pg_url, autocommit=True) as conn:
        migrate(conn, upto=6)
        doc_id = conn.execute(
            "insert into documents (doc_name, source_path, content_hash, file_type, page_count,"
            " chunk_count, added_at) values ('OLD', '/in/OLD.pdf', 'h', 'pdf', 1, 4, "
            "'2025-01-01T00:00:00+00:00') returning id").fetchone()[0]
        for i, context in enumerate(OLD_CONTEXTS):
            conn.execute("insert into chunks (doc_id, ordinal, page_start, page_end, char_start,"
                         " char_end, text, context, n_tokens) values (%s, %s, 1, 1, 0, 13, "
                         "'Revenue grew.', %s, 2)", (doc_id, i, context))
    store = PostgresStore(pg_url)
    try:
        chunks = [c for _, c in store.document_chunks("OLD")]
        assert [(c.title, c.headings) for c in chunks] == OLD_MIGRATED
        assert [c.context for c in chunks] == OLD_CONTEXTS
    finally:
        store.close()


def test_newer_schema_is_refused(pg_url) -> None:
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("insert into schema_migrations (number) values (%s)", (len(MIGRATIONS) + 1,))
    with pytest.raises(StoreError, match="newer Earnest"):
        PostgresStore(pg_url)


def test_collection_leads_every_key(pg_url) -> None:
    """Ready for Citus: the distribution column is first in each content table's key."""
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        for table in ("documents", "pages", "chunks", "chunk_terms"):
            first = conn.execute(
                "select a.attname from pg_index i join pg_attribute a on a.attrelid = "
                "i.indrelid and a.attnum = i.indkey[0] where i.indrelid = %s::regclass "
                "and i.indisprimary", (table,)).fetchone()[0]
            assert first == "collection", table


def test_unreachable_server_is_a_store_error(tmp_path) -> None:
    with pytest.raises(StoreError, match="cannot open the PostgreSQL library"):
        PostgresStore(f"postgresql://nobody@/nothing?host={tmp_path}&connect_timeout=2")


def test_password_is_not_shown(pg_url) -> None:
    s = PostgresStore(pg_url)
    try:
        s.url = "postgresql://me:secret@db.example/lib"
        assert s.display_url == "postgresql://me@db.example/lib"
    finally:
        s.close()


def test_concurrent_writers_one_document_each(pg_url) -> None:
    """Threads of one process (and so processes) write through the pool without a lock."""
    import threading

    s = PostgresStore(pg_url)
    try:
        errors: list[Exception] = []

        def add(n: int) -> None:
            try:
                s.add_document(new_doc(f"D{n}", [f"page {n} words", "same name twice"]))
                s.add_document(new_doc("SAME", [f"version {n}"], content_hash=f"h{n}"))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
        threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(s.list_documents()) == 7
        assert s.stats()["chunks"] == 13
    finally:
        s.close()


def test_store_url_setting_picks_the_store(tmp_path, pg_url) -> None:
    from earnest.errors import ConfigError
    from earnest.settings import Settings
    from earnest.store import SqliteStore, open_store

    default = Settings.load(tmp_path / "lib", env={})
    assert default.store.url is None
    s = open_store(default.store, tmp_path / "lib")
    assert isinstance(s, SqliteStore)
    s.close()
    for name in ("EARNEST_STORE__URL", "EARNEST_STORE_URL"):
        chosen = Settings.load(tmp_path / "lib", env={name: pg_url})
        assert chosen.store.url == pg_url
    s = open_store(chosen.store, tmp_path / "lib")
    assert isinstance(s, PostgresStore) and s.stats()["documents"] == 0
    s.close()
    with pytest.raises(ConfigError, match="postgresql://"):
        Settings.load(tmp_path / "lib", env={"EARNEST_STORE__URL": "mysql://x/y"})


def test_filtered_dense_search_by_index_or_exact_scan_agree(pg_url) -> None:
    """A wide filter takes HNSW with pgvector's iterative scan, a narrow one an exact scan:
    the same neighbours either way, only from the allowed documents."""
    import numpy as np

    from earnest.store import Filters

    rng = np.random.default_rng(7)
    s = PostgresStore(pg_url)
    try:
        for n in range(6):
            s.add_document(new_doc(f"D{n}", [f"text {n} {i}" for i in range(40)],
                                   company="even" if n % 2 == 0 else "odd"))
        ids = [i for i, _ in s.chunks_without_vectors(1000)]
        vectors = rng.standard_normal((len(ids), 384)).astype(np.float32)
        s.set_vectors(ids, vectors / np.linalg.norm(vectors, axis=1)[:, None])
        flt = Filters(metadata={"company": ["odd"]})
        for _ in range(5):
            q = rng.standard_normal(384).astype(np.float32)
            q /= np.linalg.norm(q)
            s.exact_scan_max = 10**9
            exact = s.dense_search(q, flt, 10)
            s.exact_scan_max = 0
            indexed = s.dense_search(q, flt, 10)
            assert len(indexed) == 10
            assert {p.doc_name for p in s.get_passages([i for i, _ in indexed])} <= {
                "D1", "D3", "D5"}
            assert len({i for i, _ in exact} & {i for i, _ in indexed}) >= 8
    finally:
        s.close()


def test_readers_never_see_half_a_document(pg_url) -> None:
    """One transaction per document: while documents go in, every document a reader sees
    has all its pages and passages."""
    import threading

    s = PostgresStore(pg_url)
    done = threading.Event()
    seen: list[tuple[str, int, int]] = []

    def read() -> None:
        while not done.is_set():
            for d in s.list_documents():
                seen.append((d.doc_name, len(s.pages(d.doc_name)),
                             len(s.document_chunks(d.doc_name))))
    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(8):
            s.add_document(new_doc(f"D{n}", [f"page {i} of {n}" for i in range(60)]))
    finally:
        done.set()
        reader.join()
        s.close()
    assert seen and all(pages == chunks == 60 for _, pages, chunks in seen)


def test_bm25_statistics_come_from_one_snapshot(pg_url) -> None:
    """A document committed between reading the generation and the term counts must not
    count in the term counts but not in the number of passages (it once made idf's log
    argument negative under concurrent uploads and asks)."""
    from earnest.store import Filters

    s = PostgresStore(pg_url)
    try:
        s.add_document(new_doc("A", ["alpha words"]))
        assert len(s.keyword_search("alpha", Filters(), 5)) == 1
        before = s.generation()
        s.add_document(new_doc("B", ["beta"] * 5))  # commits after "before" was read
        rows, _, df = s._corpus(before, ["alpha", "beta"])
        assert (rows, df["alpha"], df["beta"]) == (6, 1, 5)
        assert len(s.keyword_search("alpha beta", Filters(), 10)) == 6
    finally:
        s.close()


def test_two_processes_share_one_library(pg_url) -> None:
    """Separate processes (as several API servers or workers would be) write and read one
    database; each sees the other's documents once they are committed."""
    import subprocess
    import sys
    from pathlib import Path

    from earnest.store import Filters

    script = (
        "import sys\n"
        "from earnest.store import Filters\n"
        "from earnest.store.postgres import PostgresStore\n"
        "from tests.store_contract import new_doc\n"
        "s = PostgresStore(sys.argv[1])\n"
        "for n in range(5):\n"
        "    s.add_document(new_doc(f'{sys.argv[2]}{n}', [f'shared words {n}', 'more']))\n"
        "    s.keyword_search('shared words', Filters(), 5)\n"
        "s.close()\n")
    root = str(Path(__file__).resolve().parents[1])
    procs = [subprocess.Popen([sys.executable, "-c", script, pg_url, prefix], cwd=root)
             for prefix in ("P", "Q")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    s = PostgresStore(pg_url)
    try:
        assert len(s.list_documents()) == 10 and s.stats()["chunks"] == 20
        assert len(s.keyword_search("shared", Filters(), 50)) == 10
    finally:
        s.close()


def test_compact_leaves_no_deleted_words_in_the_tables_files(pg_url) -> None:
    from pathlib import Path

    store = PostgresStore(pg_url)
    try:
        store.add_document(new_doc("GONE", ["Zanzibarquux revenue rose seventeen percent"]))
        store.add_document(new_doc("KEPT", ["other words entirely"]))
        store.remove_document("GONE")
        store.compact()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("checkpoint")  # what is in memory reaches the files
            base = Path(conn.execute("show data_directory").fetchone()[0])
            files = [base / conn.execute("select pg_relation_filepath(%s)", (t,)).fetchone()[0]
                     for t in ("pages", "chunks", "chunk_terms", "documents")]
        for path in files:
            assert b"zanzibarquux" not in path.read_bytes().lower(), path
        assert [d.doc_name for d in store.list_documents()] == ["KEPT"]
    finally:
        store.close()
