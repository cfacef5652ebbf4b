"""Is this SQLite library file whole? Checked once per database file.

A library copied with ``cp`` while a process writes to it can be torn: the database file
copied mid-checkpoint (some pages new, some old), or copied before a checkpoint and its
``-wal`` after it (SQLite cannot tell that WAL does not belong to that file). SQLite opens
such a copy without a word. So the first open of a database file that is not the one the
library last checked (another inode: a copy, a restore) runs SQLite's integrity check, FTS5's
own, and the library's counts; a copy that fails them is refused, naming the file and saying
to copy a live library with ``earnest backup``. A file that passes records its identity
and is not checked again (about 3 s for 48,723 passages)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from earnest.errors import CorruptLibrary

IDENTITY_KEY = "file_identity"

COPY_ADVICE = ("a library copied (cp, rsync, a file sync) while Earnest was writing to it can "
               "be torn like this: copy a library in use with `earnest backup DIR` (a "
               "consistent snapshot; `earnest restore` brings it back), or restore the last "
               "backup")


def file_identity(db_path: Path) -> str:
    st = os.stat(db_path)
    return f"{st.st_dev}:{st.st_ino}"


def identity_to_check(conn: sqlite3.Connection, db_path: Path) -> str | None:
    """The file's identity when it is not the one last checked (a copy, a restore), after
    checking it is whole; None when it is the one. Raises CorruptLibrary when torn."""
    identity = file_identity(db_path)
    try:
        if _checked(conn, identity):  # the usual open: no lock taken
            return None
    except sqlite3.DatabaseError:
        pass  # torn or half built: looked at below
    try:
        # Under the write lock: another process may be migrating this very file, and a check
        # that reads between its steps sees a schema half built.
        conn.execute("begin immediate")
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc) and "read-only" not in str(exc):
            raise
    try:
        if _checked(conn, identity):  # checked by another opener while we waited
            return None
        problems = consistency_problems(conn)
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    finally:
        if conn.in_transaction:
            conn.execute("rollback")  # the check only reads (FTS5's check writes nothing)
    if problems:
        raise CorruptLibrary(f"{db_path} is not a whole library: {'; '.join(problems[:3])}. "
                             f"{COPY_ADVICE}", path=str(db_path))
    return identity


def _checked(conn: sqlite3.Connection, identity: str) -> bool:
    """Whether this file's identity is the one last checked and recorded."""
    has_meta = conn.execute("select 1 from sqlite_master where type = 'table' and "
                            "name = 'meta'").fetchone()
    return bool(has_meta and conn.execute("select 1 from meta where key = ? and value = ?",
                                          (IDENTITY_KEY, identity)).fetchone())


def consistency_problems(conn: sqlite3.Connection) -> list[str]:
    """What is torn or damaged, in words; empty when the library is whole. Reads only."""
    problems = [r[0] for r in conn.execute("pragma integrity_check").fetchall() if r[0] != "ok"]
    if problems:
        return problems
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if not {"documents", "pages", "chunks", "chunk_fts"} <= tables:
        return []  # not migrated yet: nothing of the library's own to check
    try:
        # FTS5 compares its index with the text it holds (not in integrity_check before 3.44).
        conn.execute("insert into chunk_fts(chunk_fts) values ('integrity-check')")
    except sqlite3.DatabaseError as exc:
        if "readonly" not in str(exc):  # read-only: the row checks below still run
            problems.append(f"the keyword index does not match its text ({exc})")
    partial = [r[0] for r in conn.execute(
        "select d.doc_name from documents d where d.page_count != (select count(*) from pages p "
        "where p.doc_id = d.id) or d.chunk_count != (select count(*) from chunks c "
        "where c.doc_id = d.id) order by d.doc_name limit 5")]
    if partial:
        problems.append(f"documents with missing pages or passages: {', '.join(partial)}")
    unindexed = conn.execute(
        "select (select count(*) from chunks c where not exists (select 1 from chunk_fts f "
        "where f.rowid = c.id)) + (select count(*) from chunk_fts f where not exists "
        "(select 1 from chunks c where c.id = f.rowid))").fetchone()[0]
    if unindexed:
        problems.append(f"{unindexed} passages missing from the keyword index or left in it")
    orphans = conn.execute("select count(*) from chunks where doc_id not in "
                           "(select id from documents)").fetchone()[0]
    if orphans:
        problems.append(f"{orphans} passages without their document")
    return problems
