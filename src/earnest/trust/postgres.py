"""The trust tables in PostgreSQL (migration 3 of earnest.store.pg_schema), through the
PostgresStore's connection pool: keys, the audit log and kept answers behave as the SQLite
ones do, and any number of processes may append to one audit chain."""

from __future__ import annotations

import json
from contextlib import closing, contextmanager
from typing import Any, Iterator, Sequence

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from earnest.errors import AuditError, StoreError
from earnest.trust.audit import (
    AuditEntry,
    Verification,
    _iso,
    canonical,
    check_chain,
    next_entry,
    now_iso,
    with_head,
)
from earnest.trust.keys import StoredKeys

# Appenders queue on this transaction-level lock ("earnesta"; the migrations use "earnest"),
# so the log has one total order across every process using the database.
AUDIT_LOCK = 0x6561726E65737461
READ_BATCH = 2000  # rows a server-side cursor fetches at a time: the log can be long


class _Db:
    """Transactions on the store's pool. Not named ``db``: Earnest.close closes a part's
    ``db``, and this pool is the store's to close."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    @contextmanager
    def tx(self) -> Iterator[psycopg.Connection]:
        try:
            with self.pool.connection() as conn, conn.transaction():
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"database error: {exc}") from exc

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        with self.tx() as conn:
            return conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.tx() as conn:
            return conn.execute(sql, params).fetchall()


class PostgresKeyStore(StoredKeys):
    """Keys in table api_keys; as SqliteKeyStore (only the token's sha256 is stored)."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._db = _Db(pool)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self._db.one(sql.replace("?", "%s"), params)

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._db.all(sql.replace("?", "%s"), params)

    def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._db.tx() as conn:
            return conn.execute(sql.replace("?", "%s"), params).rowcount

    def _store_grant(self, collections: list[str]) -> Any:
        return Jsonb(collections)

    def _read_grant(self, value: Any) -> list[str]:
        return list(value)

    def close(self) -> None:
        """Nothing to close: the pool is the store's."""


class PostgresAuditLog:
    """The log in table audit_log; records and hashes exactly as SqliteAuditLog's."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._db = _Db(pool)

    def append(self, kind: str, actor: str, fields: dict[str, Any]) -> AuditEntry:
        try:
            with self._db.pool.connection() as conn, conn.transaction():
                conn.execute("select pg_advisory_xact_lock(%s)", (AUDIT_LOCK,))
                # The number follows the newest record, read under the lock, rather than a
                # PostgreSQL sequence: a sequence leaves gaps on rollback, and a gap in seq
                # is what verify reports as a removed record.
                entry = next_entry(conn.execute("select seq, hash from audit_log order by "
                                                "seq desc limit 1").fetchone(),
                                   kind, actor, fields)
                conn.execute("insert into audit_log values (%s,%s,%s,%s)",
                             (entry.seq, canonical(entry.record), entry.prev_hash,
                              entry.hash))
        except Exception as exc:
            raise AuditError(f"cannot write the audit log ({type(exc).__name__}: {exc})") \
                from exc
        return entry

    def entries(self, since: str | None = None, after_seq: int = 0,
                limit: int | None = None) -> Iterator[AuditEntry]:
        where, params = "seq > %s", [after_seq]
        if since:
            # collate "C": byte order, as SQLite compares the ISO texts
            where += " and (record::jsonb ->> 'at') collate \"C\" >= %s"
            params.append(_iso(since))
        sql = (f"select seq, record, prev_hash, hash from audit_log where {where} order by seq"
               + (" limit %s" if limit is not None else ""))
        if limit is not None:
            params.append(limit)
        for seq, text, prev_hash, digest in self._stream(sql, params):
            yield AuditEntry(seq, json.loads(text), prev_hash, digest)

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        with self._db.tx() as conn, conn.cursor(name="earnest_audit") as cur:
            cur.itersize = READ_BATCH
            cur.execute(sql, params)
            yield from cur

    def verify(self, head: str | None = None) -> Verification:
        with closing(self._stream("select seq, record, prev_hash, hash from audit_log "
                                  "order by seq")) as rows:
            result = check_chain(rows)

        def seq_of(digest: str) -> int | None:
            row = self._db.one("select seq from audit_log where hash = %s", (digest,))
            return row[0] if row else None

        return with_head(result, head, seq_of)

    def close(self) -> None:
        """Nothing to close: the pool is the store's."""


class PostgresAnswerStore:
    """Answers in table answers; as SqliteAnswerStore (body null once erased)."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._db = _Db(pool)

    def save(self, answer_id: str, actor: str, doc_ids: list[int], body: dict[str, Any],
             audit_seq: int | None) -> None:
        with self._db.tx() as conn:
            conn.execute("insert into answers values (%s,%s,%s,%s,%s,%s)",
                         (answer_id, now_iso(), actor, Jsonb(sorted(set(doc_ids))),
                          audit_seq, json.dumps(body, ensure_ascii=False)))

    def get(self, answer_id: str) -> dict[str, Any] | None:
        row = self._db.one("select id, created_at, actor, audit_seq, body from answers "
                           "where id = %s", (answer_id,))
        if row is None:
            return None
        return {"id": row[0], "created_at": row[1], "actor": row[2], "audit_seq": row[3],
                "body": json.loads(row[4]) if row[4] else None}

    def erase_document(self, doc_id: int) -> int:
        with self._db.tx() as conn:
            cur = conn.execute("update answers set body = null where body is not null and "
                               "doc_ids @> %s", (Jsonb([doc_id]),))
            return cur.rowcount

    def close(self) -> None:
        """Nothing to close: the pool is the store's."""


__all__ = ["AUDIT_LOCK", "PostgresAnswerStore", "PostgresAuditLog", "PostgresKeyStore"]
