"""The trust layer on the PostgreSQL store (real PostgreSQL 18): keys, the audit log - its chain
kept by writers in several threads and processes, and tampering done in SQL named by verify as
on SQLite - kept answers, and a service over ``store.url`` that audits and traces its answers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import psycopg
import pytest
from typer.testing import CliRunner

from earnest import Earnest, Settings
from earnest.cli import app as cli
from earnest.errors import InputError, NotFound, Unauthorized
from earnest.samples import sample_dir
from earnest.store.pg_schema import MIGRATIONS
from earnest.store.postgres import PostgresStore
from earnest.trust.audit import record_hash, sha256_text
from earnest.trust.postgres import PostgresAnswerStore, PostgresAuditLog, PostgresKeyStore

runner = CliRunner()
QUESTION = "What did the CFO say about gross margin?"


@pytest.fixture()
def store(pg_url):
    s = PostgresStore(pg_url)
    yield s
    s.close()


@pytest.fixture()
def log(store):
    return PostgresAuditLog(store.pool)


def _sql(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def test_the_trust_tables_come_with_migration_3(store, pg_url):
    assert "create table audit_log" in MIGRATIONS[2]
    assert 3 in {r[0] for r in _sql(pg_url, "select number from schema_migrations")}
    tables = {r[0] for r in _sql(pg_url, "select tablename from pg_tables where "
                                         "schemaname = 'public'")}
    assert {"api_keys", "audit_log", "answers"} <= tables


# -- keys -----------------------------------------------------------------------------------
def test_keys_create_list_revoke_authenticate(store):
    keys = PostgresKeyStore(store.pool)
    assert keys.list() == [] and not keys.any_active()
    reader, token = keys.create(" analyst ", "reader", ["beta", "alpha", "alpha"], "local")
    admin, admin_token = keys.create("", "admin", ["alpha", "*"], reader.id)
    assert reader.name == "analyst" and reader.collections == ["alpha", "beta"]
    assert admin.name == admin.id and admin.collections == ["*"] and admin.created_by == reader.id
    assert keys.any_active()
    assert {k.id for k in keys.list()} == {reader.id, admin.id}
    who = keys.authenticate(f"  {token} ")
    assert (who.key_id, who.role, who.collections) == (reader.id, "reader", ("alpha", "beta"))
    assert keys.authenticate(admin_token).collections is None
    assert keys.principal(reader.id).key_id == reader.id
    with pytest.raises(Unauthorized, match="not an Earnest API key"):
        keys.authenticate("Bearer nonsense")
    with pytest.raises(Unauthorized, match="unknown API key"):
        keys.authenticate(token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(InputError, match="unknown role"):
        keys.create("x", "owner", [], "local")
    with pytest.raises(InputError, match="bad collection name"):
        keys.create("x", "reader", ["no spaces"], "local")

    revoked = keys.revoke(reader.id)
    assert revoked.revoked_at and keys.get(reader.id).revoked_at == revoked.revoked_at
    with pytest.raises(Unauthorized, match="revoked"):
        keys.authenticate(token)
    with pytest.raises(Unauthorized, match="revoked"):
        keys.principal(reader.id)
    with pytest.raises(NotFound):
        keys.revoke("000000000000")
    assert keys.any_active()  # the admin key
    keys.revoke(admin.id)
    assert not keys.any_active()
    # only the token's hash is in the database
    rows = _sql(store.url, "select secret_sha256 from api_keys")
    assert token not in json.dumps(rows) and len(rows[0][0]) == 64


def test_a_key_made_by_another_process_switches_auth_on(store, pg_url):
    mine = PostgresKeyStore(store.pool)
    assert not mine.any_active()
    other = PostgresStore(pg_url)
    try:
        _, token = PostgresKeyStore(other.pool).create("elsewhere", "reader", [], "local")
    finally:
        other.close()
    assert mine.any_active() and mine.authenticate(token).role == "reader"


# -- audit ----------------------------------------------------------------------------------
def _fill(log: PostgresAuditLog, n: int = 10) -> None:
    for i in range(n):
        log.append("ask", "k1", {"question": f"gross margin {i}", "i": i})
    assert log.verify().ok


def test_append_entries_and_verify(log):
    first = log.append("ingest", "local", {"doc": "A", "note": "naïve ✓"})
    second = log.append("ask", "k1", {"question": QUESTION})
    assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
    assert first.prev_hash == "0" * 64 and first.hash == record_hash(first.prev_hash, first.record)
    entries = list(log.entries())
    assert [e.to_dict() for e in entries] == [first.to_dict(), second.to_dict()]
    assert [e.seq for e in log.entries(after_seq=1)] == [2]
    assert [e.seq for e in log.entries(limit=1)] == [1]
    assert [e.seq for e in log.entries(since="2000-01-01")] == [1, 2]
    assert list(log.entries(since="2999-01-01T00:00:00Z")) == []
    with pytest.raises(InputError, match="ISO date"):
        list(log.entries(since="yesterday"))
    result = log.verify()
    assert result.ok and result.records == 2 and result.head == second.hash
    assert log.verify(head=first.hash).ok


def test_a_changed_record_is_named(log, store):
    _fill(log)
    _sql(store.url, "update audit_log set record = replace(record, 'gross margin', "
                    "'net margin') where seq = 4")
    result = log.verify()
    assert not result.ok and (result.problem, result.seq) == ("changed", 4)
    assert "record 4 was changed" in result.message


def test_a_changed_record_with_a_recomputed_hash_breaks_the_next_link(log, store):
    _fill(log)
    text, prev = _sql(store.url, "select record, prev_hash from audit_log where seq = 6")[0]
    record = json.loads(text)
    record["question"] = "something else"
    _sql(store.url, "update audit_log set record = %s, hash = %s where seq = 6",
         (json.dumps(record), record_hash(prev, record)))
    result = log.verify()
    assert not result.ok and (result.problem, result.seq) == ("changed", 6), result


def test_a_removed_record_is_named(log, store):
    _fill(log)
    _sql(store.url, "delete from audit_log where seq = 7")
    result = log.verify()
    assert not result.ok and (result.problem, result.seq) == ("removed", 7)
    assert "record 7 was removed" in result.message


def test_reordered_records_are_named(log, store):
    _fill(log)
    # swap the contents of 5 and 6 (seq is the key, so the rows trade places)
    _sql(store.url, "update audit_log a set record = b.record, prev_hash = b.prev_hash, "
                    "hash = b.hash from audit_log b where (a.seq, b.seq) in ((5, 6), (6, 5))")
    result = log.verify()
    assert not result.ok and (result.problem, result.seq) == ("reordered", 5)
    assert "record 5 was reordered" in result.message


def test_records_cut_from_the_end_are_found_against_a_kept_head(log, store):
    _fill(log, 4)
    head = log.verify().head
    _sql(store.url, "delete from audit_log where seq = 4")
    assert log.verify().ok  # a shorter chain is still a chain...
    cut = log.verify(head=head)
    assert not cut.ok and "no record has the head hash" in cut.message  # ...but not ours


def test_concurrent_appends_from_several_connections_keep_one_chain(store, pg_url):
    """Two stores (two pools: separate connections, as separate processes have) and two
    threads on each append to one unbroken chain, in order, without gaps."""
    other = PostgresStore(pg_url)
    logs = [PostgresAuditLog(s.pool) for s in (store, store, other, other)]
    errors: list[BaseException] = []

    def write(log, n):
        try:
            for i in range(25):
                log.append("test", f"writer-{n}", {"i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(log, n)) for n, log in enumerate(logs)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.close()
    assert not errors, errors
    result = logs[0].verify()
    assert result.ok and result.records == 100, result
    entries = list(logs[0].entries())
    assert [e.seq for e in entries] == list(range(1, 101))
    for n in range(4):  # each writer's records are in its own order
        assert [e.record["i"] for e in entries if e.record["actor"] == f"writer-{n}"] == \
            list(range(25))


_WRITER = """
import sys
from earnest.store.postgres import PostgresStore
from earnest.trust.postgres import PostgresAuditLog
store = PostgresStore(sys.argv[1])
log = PostgresAuditLog(store.pool)
for i in range(20):
    log.append("test", sys.argv[2], {"i": i})
store.close()
"""


def test_concurrent_appends_from_two_processes_keep_one_chain(store, log):
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, store.url, f"proc-{n}"])
             for n in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    result = log.verify()
    assert result.ok and result.records == 40, result
    actors = [e.record["actor"] for e in log.entries()]
    assert sorted(set(actors)) == ["proc-0", "proc-1"]


def test_a_failed_write_is_an_audit_error(pg_url):
    from earnest.errors import AuditError

    s = PostgresStore(pg_url)
    log = PostgresAuditLog(s.pool)
    s.close()  # the pool is closed: the append cannot be written
    with pytest.raises(AuditError, match="cannot write the audit log"):
        log.append("ask", "k1", {})


# -- kept answers ---------------------------------------------------------------------------
def test_answers_save_get_erase(store):
    answers = PostgresAnswerStore(store.pool)
    body = {"answer": {"question": "Wie hoch war die Marge?", "quote": "41.2 % — gross"}}
    answers.save("a1", "k1", [3, 1, 3], body, 7)
    answers.save("a2", "k2", [2], {"answer": {}}, None)
    got = answers.get("a1")
    assert got["body"] == body and (got["actor"], got["audit_seq"]) == ("k1", 7)
    assert got["created_at"].endswith("+00:00")
    assert answers.get("nope") is None
    assert _sql(store.url, "select doc_ids from answers where id = 'a1'")[0][0] == [1, 3]
    assert answers.erase_document(3) == 1
    assert answers.get("a1")["body"] is None and answers.get("a2")["body"] is not None
    assert answers.erase_document(3) == 0  # already erased
    assert answers.erase_document(13) == 0  # 13 contains "3" as text, not as an id


# -- the service over store.url -------------------------------------------------------------
def test_a_service_on_postgres_audits_asks_and_traces_answers(tmp_path, embedder,
                                                            pg_url):
    service = Earnest(Settings.load(tmp_path / "lib", env={}, store__url=pg_url),
                      embedder=embedder)
    try:
        assert isinstance(service.keys, PostgresKeyStore)
        assert isinstance(service.audit_log, PostgresAuditLog)
        assert isinstance(service.answers, PostgresAnswerStore)
        assert not service.auth_enabled()
        report = service.ingest([sample_dir()], collection="alpha")
        assert report.count("ingested") == 2, report.to_dict()
        key, token = service.create_key("analyst", "reader", ["alpha"])
        assert service.auth_enabled()
        reader = service.keys.authenticate(token)

        answer = service.ask(QUESTION, principal=reader)
        assert answer.status == "answered" and len(answer.answer_id) == 32
        record = [e.record for e in service.audit_entries() if e.record["kind"] == "ask"][-1]
        assert record["answer_id"] == answer.answer_id and record["actor"] == key.id
        assert record["question"] == QUESTION
        assert record["request"]["filters"]["collections"] == ["alpha"]
        assert record["answer_sha256"] == sha256_text(answer.answer)
        assert answer.citations[0].quote not in json.dumps(record)
        kinds = [e.record["kind"] for e in service.audit_entries()]
        assert kinds == ["ingest", "ingest", "key_create", "ask"]

        lineage = service.lineage(answer.answer_id, principal=reader)
        assert lineage["asked_by"] == key.id and not lineage["erased"]
        assert lineage["audit_seq"] == 4
        first = lineage["sentences"][0]["citations"][0]
        cited = answer.citations[0]
        assert (first["chunk_id"], first["page"]) == (cited.chunk_id, cited.page)
        assert first["document"]["collection"] == "alpha"
        assert first["document"]["content_sha256"] == service.document(cited.doc_name
                                                                        ).content_hash
        assert first["retrieval"]["index"] == service.settings.index_identity()
        assert service.replay(answer.answer_id, principal=reader)["same_citations"]

        # the CLI, pointed at the same database, reads the same log and answer
        env = {"EARNEST_STORE__URL": pg_url}
        home = str(service.home)
        verified = runner.invoke(cli, ["audit", "verify", "--library", home], env=env)
        assert verified.exit_code == 0 and "chain intact" in verified.output, verified.output
        shown = runner.invoke(cli, ["lineage", answer.answer_id, "--library", home, "--json"],
                              env=env)
        assert shown.exit_code == 0 and json.loads(shown.output)["answer_id"] == \
            answer.answer_id, shown.output

        made = runner.invoke(cli, ["keys", "create", "--role", "editor", "-c", "alpha",
                                   "--library", home, "--json"], env=env)
        assert made.exit_code == 0, made.output
        assert service.keys.authenticate(json.loads(made.output)["token"]).role == "editor"
        assert list(service.audit_entries())[-1].record["kind"] == "key_create"

        # erasure: deleting the cited document forgets the answer's words, not its record
        service.remove(cited.doc_name)
        assert service.lineage(answer.answer_id)["erased"] is True
        assert service.audit_entries().__next__().record["kind"] == "ingest"
        assert service.verify_audit().ok
    finally:
        service.close()
