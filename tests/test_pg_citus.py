"""Ready for Citus, checked on a real PostgreSQL (Citus itself has no build on PyPI or in this
Debian's packages, so ``create_distributed_table`` is not run): every table has a declared role,
the distributed tables' keys and joins all carry the distribution column, and every statement
the store runs keeps a join on one shard and a change addressed by collection. A library made
at schema 4 is migrated in place."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import psycopg
import pytest

from earnest.models import DocumentMetadata
from earnest.store import Filters
from earnest.store.pg_schema import (
    DISTRIBUTED,
    LOCAL,
    MIGRATIONS,
    REFERENCE,
    citus_plan,
    citus_roles,
    migrate,
)
from earnest.store.postgres import PostgresStore
from earnest.store.terms import Fts5Tokenizer

from .store_contract import new_doc, unit

COLUMN = "collection"


def _constraints(conn, kind: str) -> list[tuple[str, str, list[str], str | None, list[str]]]:
    """(table, name, columns, referenced table, referenced columns) of each constraint."""
    return conn.execute(
        "select c.conrelid::regclass::text, c.conname, "
        "array(select a.attname from unnest(c.conkey) k join pg_attribute a on "
        "a.attrelid = c.conrelid and a.attnum = k), c.confrelid::regclass::text, "
        "array(select a.attname from unnest(c.confkey) k join pg_attribute a on "
        "a.attrelid = c.confrelid and a.attnum = k) from pg_constraint c join pg_namespace n "
        "on n.oid = c.connamespace where n.nspname = current_schema() and c.contype = %s",
        (kind,)).fetchall()


def test_every_table_has_a_role_and_the_keys_follow_it(pg_url) -> None:
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        roles = citus_roles(conn)
        tables = {r[0] for r in conn.execute(
            "select tablename from pg_tables where schemaname = current_schema()")}
        assert set(roles) == tables, "a table without a Citus role"
        assert {t for t, r in roles.items() if r == DISTRIBUTED} == {
            "documents", "pages", "chunks", "chunk_terms"}
        # Primary keys and unique constraints of a distributed table include the column.
        for kind in ("p", "u"):
            for table, name, cols, _, _ in _constraints(conn, kind):
                if roles[table] == DISTRIBUTED:
                    assert COLUMN in cols, f"{name} on {table}: {cols}"
        for table, name, cols, target, target_cols in _constraints(conn, "f"):
            if roles[table] == DISTRIBUTED:
                # To a co-located table, through the distribution column on both sides.
                assert roles[target] in (DISTRIBUTED, REFERENCE), name
                if roles[target] == DISTRIBUTED:
                    assert cols.index(COLUMN) == target_cols.index(COLUMN), name
            else:  # a reference or local table never points into the distributed ones
                assert roles[target] != DISTRIBUTED, name
        # The distribution column is not null in every distributed table.
        for table in (t for t, r in roles.items() if r == DISTRIBUTED):
            nullable = conn.execute(
                "select is_nullable from information_schema.columns where table_schema = "
                "current_schema() and table_name = %s and column_name = %s",
                (table, COLUMN)).fetchone()[0]
            assert nullable == "NO", table


def test_citus_plan_distributes_reference_tables_first(pg_url) -> None:
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        plan = citus_plan(conn)
    assert plan[:2] == ["select create_reference_table('meta')",
                        "select create_reference_table('metadata_overrides')"]
    assert plan[2] == "select create_distributed_table('documents', 'collection')"
    assert sorted(plan[3:]) == [
        f"select create_distributed_table('{t}', 'collection', colocate_with => 'documents')"
        for t in ("chunk_terms", "chunks", "pages")]
    assert not any(t in " ".join(plan) for t in ("jobs", "api_keys", "audit_log", "answers"))


@pytest.fixture()
def statements(monkeypatch):
    """Every SQL text the store sends to the server (the real server runs them)."""
    sent: list[str] = []
    for name in ("execute", "executemany", "copy"):
        original = getattr(psycopg.Cursor, name)

        def spy(self, query, *args, _original=original, **kwargs):
            sent.append(" ".join(str(query).split()).lower())
            return _original(self, query, *args, **kwargs)
        monkeypatch.setattr(psycopg.Cursor, name, spy)
    return sent


def _tables(sql: str) -> set[str]:
    return set(re.findall(r"\b(?:from|join|into|update|copy)\s+([a-z_]+)", sql))


def test_every_statement_keeps_joins_on_one_shard(pg_url, statements) -> None:
    store = PostgresStore(pg_url)
    with psycopg.connect(pg_url) as conn:
        roles = citus_roles(conn)
    statements.clear()  # the migrations' DDL is not a query
    store.exact_scan_max = 1  # the HNSW path for filtered searches too
    for name, col in (("ACME_2023_10K", "default"), ("BETA_2023_10K", "research")):
        doc = replace(new_doc(name, ["revenue grew 10%", "margins fell", "cash rose"],
                              company=name[:4]), collection=col)
        store.add_document(doc)
    pending = store.chunks_without_vectors(100)
    store.set_vectors([i for i, _ in pending],
                      np.stack([unit(1, i) for i in range(len(pending))]))
    for flt in (Filters(), Filters(metadata={"company": ["ACME"]}),
                Filters(collections=["research"])):
        ids = [i for i, _ in store.keyword_search("revenue margins", flt, 10)]
        ids += [i for i, _ in store.dense_search(unit(1, 0.5), flt, 10)]
        assert store.get_passages(ids) and store.vectors(ids)
    store.exact_scan_max = 10**6
    assert store.dense_search(unit(1), Filters(doc_names=["ACME_2023_10K"]), 5)
    assert store.pages("ACME_2023_10K") and store.page_text("ACME_2023_10K", 1)
    assert store.document_chunks("BETA_2023_10K")
    assert store.find_by_hash(store.get_document("ACME_2023_10K").content_hash)
    store.correct_metadata("ACME_2023_10K", {"year": 2022})
    store.update_metadata("BETA_2023_10K",
                          DocumentMetadata.from_dict({"company": "BETA", "year": 2023}))
    store.stats()
    store.remove_document("BETA_2023_10K")
    store.add_document(new_doc("ACME_2023_10K", ["replaced"]))
    store.close()
    distributed = {t for t, r in roles.items() if r == DISTRIBUTED}
    seen = set()
    for sql in statements:
        tables = _tables(sql)
        seen |= tables & distributed
        if tables & distributed:
            # A distributed query may join co-located or reference tables, never a local one.
            assert all(roles.get(t) != LOCAL for t in tables), sql
        # A join between two distributed tables' rows (a.doc_id = b.id, ...) is on the
        # distribution column too, so it stays on one shard.
        for a, _, b, _ in re.findall(r"\b(\w+)\.(id|doc_id|chunk_id) = (\w+)\.(id|doc_id"
                                     r"|chunk_id)\b", sql):
            assert (f"{a}.collection = {b}.collection" in sql
                    or f"{b}.collection = {a}.collection" in sql), sql
        # A change to distributed rows names the collection it changes.
        m = re.match(r"(update|delete from) (\w+)\b(.*)", sql)
        if m and m.group(2) in distributed:
            assert re.search(r"\bwhere\b.*\bcollection\s*=", m.group(3)), sql
    assert seen == distributed  # the statements did reach every distributed table


def test_a_schema_4_library_is_migrated_in_place(pg_url) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert migrate(conn, upto=4) == 4
        assert citus_roles(conn) == {}
        # A document as schema 4 held it: one page, one pending chunk, its keyword postings.
        conn.execute("insert into documents (collection, id, doc_name, source_path, "
                     "content_hash, file_type, page_count, chunk_count, added_at) values "
                     "('default', 1, 'OLD_2020_10K', '/in/old.pdf', 'h-old', 'pdf', 1, 1, "
                     "'2024-01-01T00:00:00+00:00')")
        conn.execute("insert into pages values ('default', 1, 1, 'old revenue grew')")
        conn.execute("insert into chunks (collection, id, doc_id, ordinal, page_start, "
                     "page_end, char_start, char_end, text, n_tokens) values "
                     "('default', 1, 1, 0, 1, 1, 0, 16, 'old revenue grew', 3)")
        posting = Fts5Tokenizer().chunk_terms([("old revenue grew", "")])[0]
        for term, tf in posting.freqs.items():
            conn.execute("insert into chunk_terms values ('default', %s, 1, 1, %s, %s)",
                         (term, tf, posting.length))
        conn.execute("insert into meta values ('generation', '1')")
        for table in ("documents", "chunks"):  # as the identity columns had handed them out
            conn.execute("select setval(pg_get_serial_sequence(%s, 'id'), 1)", (table,))
    store = PostgresStore(pg_url)  # applies migrations 5 on
    try:
        assert store.schema_version == len(MIGRATIONS)
        with psycopg.connect(pg_url) as conn:
            assert citus_roles(conn)["chunks"] == DISTRIBUTED
            assert [r[0] for r in conn.execute(
                "select number from schema_migrations order by number")] == \
                list(range(1, len(MIGRATIONS) + 1))
            pending_index = conn.execute(
                "select indexdef from pg_indexes where indexname = 'chunks_pending'"
            ).fetchone()[0]
            assert "(collection, id)" in pending_index and "embedding IS NULL" in pending_index
        assert [d.doc_name for d in store.list_documents()] == ["OLD_2020_10K"]
        chunk = store.document_chunks("OLD_2020_10K")[0][1]  # no context then: no title
        assert (chunk.title, chunk.headings) == ("", ())
        assert [i for i, _ in store.keyword_search("revenue", Filters(), 5)] == [1]
        assert store.chunks_without_vectors(10) == [(1, "old revenue grew")]
        store.set_vectors([1], np.stack([unit(1)]))
        assert store.chunks_without_vectors(10) == []
        assert store.dense_search(unit(1), Filters(), 1)[0][0] == 1
        # New documents' ids continue after the old ones.
        info = store.add_document(new_doc("NEW_2024_10K", ["new revenue"]))
        assert info.id > 1 and store.get_document("OLD_2020_10K").status == "ready"
    finally:
        store.close()
