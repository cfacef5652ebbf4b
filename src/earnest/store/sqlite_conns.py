"""How a library's SQLite connection is opened (WAL, pragmas, Earnest's SQL functions), and
one per thread, all of them closed by ``close``: a connection left open in another thread
(the keyword pool's, a server's request threads) keeps SQLite from checkpointing, so a
closed library could keep its data in the WAL and a copy of its ``library.sqlite`` alone
would be empty."""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

from earnest.errors import CorruptLibrary, storage_failure
from earnest.store.base import text_hash


def open_connection(path: Path) -> sqlite3.Connection:
    """A connection to the library at ``path``; CorruptLibrary when it is no SQLite file."""
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None,
                               check_same_thread=False)
        _enter_wal(conn)
        conn.execute("pragma synchronous = normal")
        conn.execute("pragma foreign_keys = on")
        # Deleted text is overwritten, not left in free pages (erasure).
        conn.execute("pragma secure_delete = on")
        conn.create_function("earnest_text_hash", 1, text_hash, deterministic=True)
        # SQLite's lower() folds ASCII only; passage filters fold as Python does.
        conn.create_function("earnest_lower", 1, _lower, deterministic=True)
    except sqlite3.DatabaseError as exc:
        if _read_only(path.parent):
            raise storage_failure(OSError(errno.EROFS, "read-only file system"),
                                  path.parent) from exc
        raise CorruptLibrary(f"cannot open the library database ({exc}); is this an "
                             "Earnest library? Restore it or use another --library",
                             path=str(path)) from exc
    return conn


def _enter_wal(conn: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Switch to WAL, waiting for other openers: SQLite answers "locked" at once, without its
    busy handler, while another connection is making a new file a WAL database."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn.execute("pragma journal_mode = wal")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _lower(text: str | None) -> str | None:
    return None if text is None else text.lower()




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
