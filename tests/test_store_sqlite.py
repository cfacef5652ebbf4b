import sqlite3
from pathlib import Path

import pytest

from earnest.errors import StoreError
from earnest.store import SqliteStore
from earnest.store.sqlite import MIGRATIONS

from .store_contract import StoreContract


class TestSqliteStore(StoreContract):
    @pytest.fixture()
    def store(self, tmp_path: Path):
        s = SqliteStore(tmp_path / "lib.sqlite")
        yield s
        s.close()


def test_migrations_are_numbered_and_applied(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("pragma user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


# Chunks as schema 6 (before title and headings were fields) held them: one joined context.
OLD_CONTEXTS = ["ACME 10-K FY2023 | Consolidated Balance Sheets (In millions) 2023 2022",
                "ACME 10-K FY2023", "", "ACME 10-K FY2023 | Note 7. Debt | 2023 2022"]
# What migration 7 reads back from them: the joined headings come back as one piece.
OLD_MIGRATED = [
    ("ACME 10-K FY2023", ("Consolidated Balance Sheets (In millions) 2023 2022",)),
    ("ACME 10-K FY2023", ()), ("", ()),
    ("ACME 10-K FY2023", ("Note 7. Debt | 2023 2022",))]


def test_migration_7_reads_title_and_headings_from_an_older_library(tmp_path: Path) -> None:
    """A library written before migration 7 opens with each chunk's title and headings as
    fields, the keyword index's text unchanged, and a new chunk written the new way."""
    from earnest.store.base import text_hash
    from earnest.store.sqlite_writes import _statements

    from .store_contract import new_doc

    path = tmp_path / "lib.sqlite"
    conn = sqlite3.connect(path)
    conn.create_function("earnest_text_hash", 1, text_hash, deterministic=True)
    for number, script in enumerate(MIGRATIONS[:6]):
        for statement in _statements(script):
            conn.execute(statement)
        conn.execute(f"pragma user_version = {number + 1}")
    conn.execute("insert into documents (doc_name, source_path, content_hash, file_type, "
                 "page_count, chunk_count, added_at) values ('OLD', '/in/OLD.pdf', 'h', 'pdf', "
                 "1, 4, '2025-01-01T00:00:00+00:00')")
    conn.execute("insert into pages values (1, 1, 'Revenue grew.')")
    for i, context in enumerate(OLD_CONTEXTS):  # as main's sqlite_writes.add wrote them
        conn.execute("insert into chunks (doc_id, ordinal, page_start, page_end, char_start, "
                     "char_end, text, context, text_hash) values (1, ?, 1, 1, 0, 13, "
                     "'Revenue grew.', ?, ?)", (i, context, text_hash("Revenue grew.")))
        conn.execute("insert into chunk_fts (rowid, body, context) values (?, ?, ?)",
                     (i + 1, "Revenue grew.", context))
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    try:
        chunks = [c for _, c in store.document_chunks("OLD")]
        assert [(c.title, c.headings) for c in chunks] == OLD_MIGRATED
        assert [c.context for c in chunks] == OLD_CONTEXTS
        fts = [r[0] for r in store._conn().execute(
            "select context from chunk_fts order by rowid")]
        assert fts == OLD_CONTEXTS
        columns = {r[1] for r in store._conn().execute("pragma table_info(chunks)")}
        assert {"title", "headings"} <= columns and "context" not in columns
        store.add_document(new_doc("NEW", ["Margins fell."]))
        assert store.document_chunks("NEW")[0][1].title == "NEW"
    finally:
        store.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"pragma user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer Earnest"):
        SqliteStore(path)


def test_two_stores_opening_a_new_library_migrate_once(tmp_path: Path) -> None:
    import threading

    # The race (one opener making the file WAL or migrating while another checks it) lost
    # about one time in ten; twenty new libraries make a miss unlikely.
    errors = []
    for attempt in range(20):
        path = tmp_path / f"lib{attempt}.sqlite"

        def open_it(path: Path = path) -> None:
            try:
                SqliteStore(path).close()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert SqliteStore(path).generation() == 0
    assert errors == []


def test_the_vector_matrix_kept_while_embedding_equals_one_read_whole(tmp_path: Path) -> None:
    """Steps that only give vectors extend the cached matrix; any other change, or a vector
    replaced, reads it whole. Either way it equals what a fresh store reads, and the
    document list's embedded counts are the counted ones."""
    import numpy as np

    from .store_contract import new_doc

    rng = np.random.default_rng(7)
    path = tmp_path / "lib.sqlite"
    store = SqliteStore(path)
    ids = []
    for d in range(3):
        doc = store.add_document(new_doc(f"doc{d}", [f"doc {d} text {i}" for i in range(40)]))
        ids += [i for i, _ in store.document_chunks(doc.doc_name)]

    def vectors(n: int) -> np.ndarray:
        v = rng.normal(size=(n, 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def same_as_fresh() -> None:
        fresh = SqliteStore(path)
        try:
            for mine, whole in zip(store._matrix(), fresh._matrix()):
                assert np.array_equal(mine, whole)
            conn = sqlite3.connect(path)
            counted = dict(conn.execute("select d.doc_name, count(c.vector) from documents d "
                                        "join chunks c on c.doc_id = d.id group by d.id"))
            conn.close()
            assert {d.doc_name: d.embedded_count for d in store.list_documents()} == counted
        finally:
            fresh.close()

    store.set_vectors(ids[:10], vectors(10))
    same_as_fresh()
    store.set_vectors(ids[10:30], vectors(20))  # appended in id order
    same_as_fresh()
    store.set_vectors(ids[100:110], vectors(10))
    same_as_fresh()
    cached = store._vectors
    store.set_vectors(ids[40:45], vectors(5))  # below rows already cached: re-sorted
    assert store._vectors is cached  # not read yet
    same_as_fresh()
    store.set_vectors(ids[:5], vectors(5))  # replaced: read whole
    same_as_fresh()
    store.add_document(new_doc("doc3", ["more text"] * 5))  # another change: read whole
    store.set_vectors(ids[60:70], vectors(10))
    same_as_fresh()
    store.close()


def test_a_closed_library_is_whole_in_its_database_file_alone(tmp_path: Path, sample_docs,
                                                              embedder) -> None:
    """Once closed, ``library.sqlite`` alone holds every document: every thread's connection
    (the keyword pool's, the askers') is closed and the last checkpoints the WAL."""
    import shutil
    import threading

    from earnest import Earnest, Settings

    library = tmp_path / "lib"
    lib = Earnest(Settings.load(library, env={}), embedder=embedder)
    lib.ingest([sample_docs])
    askers = [threading.Thread(target=lib.ask, args=("Why did net sales decrease?",))
              for _ in range(3)]  # each thread its own connection, and the keyword pool's
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    names = sorted(d.doc_name for d in lib.documents())
    assert names == ["ACME_2023Q3_10Q", "ACME_Q3_2023_call"]
    held = lib.store.stats()
    lib.close()
    (tmp_path / "copy").mkdir()
    shutil.copy(library / "library.sqlite", tmp_path / "copy" / "library.sqlite")
    conn = sqlite3.connect(tmp_path / "copy" / "library.sqlite")
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert sorted(r[0] for r in conn.execute("select doc_name from documents")) == names
        assert conn.execute("select count(*) from chunks where vector is not null"
                            ).fetchone()[0] == held["chunks"] == held["embedded"]
        # the answers the askers kept are there too
        assert conn.execute("select count(*) from answers").fetchone()[0] >= 3
    finally:
        conn.close()
    wal = library / "library.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0
