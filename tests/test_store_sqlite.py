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

    path = tmp_path / "lib.sqlite"
    errors = []

    def open_it() -> None:
        try:
            SqliteStore(path).close()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
