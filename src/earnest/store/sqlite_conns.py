"""One SQLite connection per thread, all of them closed by ``close``: a connection left open
in another thread (the keyword pool's, a server's request threads) keeps SQLite from
checkpointing, so a closed library could keep its data in the WAL and a copy of its
``library.sqlite`` alone would be empty."""

from __future__ import annotations

import sqlite3
import threading
from typing import Callable


class ThreadConnections:
    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._local = threading.local()
        self._open: set[sqlite3.Connection] = set()
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        """This thread's connection (a new one after ``close``)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn not in self._open:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._open.add(conn)
        return conn

    def close(self, checkpoint: bool = False) -> None:
        """Close every thread's connection; with ``checkpoint``, the last one first moves the
        WAL into the database and truncates it (skipped when another process holds the
        library busy, or it is read-only: the data is then safe in the WAL, as before)."""
        with self._lock:
            conns, self._open = list(self._open), set()
        self._local.conn = None
        for conn in conns[1:]:
            conn.close()
        if conns and checkpoint:
            try:
                conns[0].execute("pragma busy_timeout = 1000")
                conns[0].execute("pragma wal_checkpoint(truncate)")
            except sqlite3.Error:
                pass
        if conns:
            conns[0].close()
