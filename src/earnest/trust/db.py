"""Connections to the library's SQLite file for the trust tables (the store's migrations
create them). One connection per thread; writes in an immediate transaction."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from earnest.errors import CorruptLibrary
from earnest.store.sqlite_conns import ThreadConnections


class SqliteDb:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conns = ThreadConnections(self._connect)

    def conn(self) -> sqlite3.Connection:
        return self._conns.get()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("pragma synchronous = normal")
            conn.execute("pragma secure_delete = on")
        except sqlite3.DatabaseError as exc:
            raise CorruptLibrary(f"cannot open the library database ({exc})",
                                 path=str(self.path)) from exc
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn()
        conn.execute("begin immediate")
        try:
            yield conn
            conn.execute("commit")
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back itself (disk full)
                conn.execute("rollback")
            raise

    def close(self) -> None:
        """Every thread's connection (the store's close checkpoints after them)."""
        self._conns.close()
