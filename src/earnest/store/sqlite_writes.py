"""How SqliteStore writes: one transaction helper that every write path goes through, the
numbered migrations applied, and the statements a document's insert and delete run. The
caller holds the store's write lock (SqliteStore._write)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from earnest.errors import StoreError
from earnest.store.base import NewDocument, headings_json, text_hash
from earnest.store.sqlite_schema import MIGRATIONS


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``begin immediate`` ... ``commit``, or a rollback on any exception — only if SQLite has
    not already rolled back itself (a full disk does): a second rollback would raise "no
    transaction is active" and hide the error that matters."""
    conn.execute("begin immediate")
    try:
        yield conn
        conn.execute("commit")
    except BaseException:
        if conn.in_transaction:
            conn.execute("rollback")
        raise


def migrate(conn: sqlite3.Connection, where: str) -> None:
    """Apply the migrations this library lacks, each in its own transaction."""
    version = conn.execute("pragma user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(f"the library was written by a newer Earnest (schema {version})",
                         path=where)
    for number in range(version, len(MIGRATIONS)):
        with transaction(conn):
            # Another process may have migrated while we waited for the lock.
            if conn.execute("pragma user_version").fetchone()[0] > number:
                continue
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"pragma user_version = {number + 1}")


def bump(conn: sqlite3.Connection, vectors_added: bool = False) -> None:
    """Count a change (the library's generation)."""
    conn.execute("insert into meta values ('generation', '1') on conflict(key) do update "
                 "set value = cast(value as integer) + 1")
    if not vectors_added:
        # The last change that was not only vectors given to passages without one: up to it
        # the vector matrix must be read again, after it only extended (SqliteStore._matrix).
        conn.execute("insert or replace into meta values ('layout_generation', "
                     "(select value from meta where key = 'generation'))")


def doc_id(conn: sqlite3.Connection, doc_name: str) -> int | None:
    row = conn.execute("select id from documents where doc_name = ?", (doc_name,)).fetchone()
    return row[0] if row else None


def insert_document(conn: sqlite3.Connection, doc: NewDocument) -> None:
    """A document, its pages, passages and their keyword index (replacing one of its name)."""
    old = doc_id(conn, doc.doc_name)
    if old is not None:
        delete_document(conn, old)
    cur = conn.execute(
        "insert into documents (doc_name, source_path, content_hash, file_type, page_count, "
        "chunk_count, added_at, metadata, collection, added_by, extractor) "
        "values (?,?,?,?,?,?,?,?,?,?,?)",
        (doc.doc_name, doc.source_path, doc.content_hash, doc.file_type, len(doc.pages),
         len(doc.chunks), datetime.now(timezone.utc).isoformat(timespec="seconds"),
         json.dumps(doc.metadata.to_dict()), doc.collection, doc.added_by, doc.extractor))
    new_id = cur.lastrowid
    conn.executemany("insert into pages values (?, ?, ?)",
                     [(new_id, p.number, p.text) for p in doc.pages])
    for c in doc.chunks:
        cur = conn.execute(
            "insert into chunks (doc_id, ordinal, page_start, page_end, char_start, char_end, "
            "text, title, headings, section, speaker, role, text_hash) "
            "values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (new_id, c.ordinal, c.page_start, c.page_end, c.char_start, c.char_end, c.text,
             c.title, headings_json(c.headings), c.section, c.speaker, c.role,
             text_hash(c.text)))
        conn.execute("insert into chunk_fts (rowid, body, context) values (?, ?, ?)",
                     (cur.lastrowid, c.text, c.context))


def delete_document(conn: sqlite3.Connection, doc_id: int) -> None:
    conn.execute("delete from chunk_fts where rowid in (select id from chunks where doc_id = ?)",
                 (doc_id,))
    conn.execute("delete from documents where id = ?", (doc_id,))


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
