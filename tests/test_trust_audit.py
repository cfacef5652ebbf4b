"""The audit log: what an ask and each change record, the hash chain, and tampering with the
database directly - a record changed, removed, or two swapped - found and named by
`earnest audit verify`; on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from earnest.api import create_app
from earnest.cli import app as cli
from earnest.trust.audit import sha256_text

from .api_helpers import assert_error
from .trust_helpers import ALPHA, STORES, store_url, two_collections

runner = CliRunner()
QUESTION = "What did the CFO say about gross margin?"


@pytest.fixture(params=STORES)
def lib(request, tmp_path, embedder):
    lib = two_collections(tmp_path, embedder, store_url(request))
    yield lib
    lib.service.close()


def _sql(lib, sql: str, params: tuple = ()) -> list[tuple]:
    """A statement run on the library's database behind Earnest's back ("?" placeholders)."""
    url = lib.service.settings.store.url
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            cur = conn.execute(sql.replace("?", "%s"), params)
            return cur.fetchall() if cur.description else []
    db = sqlite3.connect(str(lib.service.store.path), isolation_level=None)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def _verify(lib) -> tuple[int, str]:
    result = runner.invoke(cli, ["audit", "verify", "--library", str(lib.service.home)])
    return result.exit_code, result.output


def test_an_ask_is_recorded_with_ids_and_hashes(lib):
    reader = lib.principal("reader_a")
    answer = lib.service.ask(QUESTION, principal=reader)
    record = [e.record for e in lib.service.audit_entries() if e.record["kind"] == "ask"][-1]
    assert record["actor"] == lib.key_ids["reader_a"] and record["answer_id"] == answer.answer_id
    assert record["question"] == QUESTION and record["understanding"]
    assert record["request"]["filters"]["collections"] == [ALPHA]
    assert [r["chunk_id"] for r in record["retrieved"]] == [p.chunk_id for p in answer.passages]
    assert record["retrieved"][0]["text_sha256"] == sha256_text(answer.passages[0].text)
    assert record["answer_sha256"] == sha256_text(answer.answer)
    assert [c["quote_sha256"] for c in record["citations"]] == [
        sha256_text(c.quote) for c in answer.citations]
    assert record["answerer"] == "extractive"
    assert record["library"]["generation"] == answer.library_version["generation"]
    assert record["library"]["index"] == lib.service.settings.index_identity()
    for key in ("model", "prompt_sha256", "usage", "verification", "at", "seq"):
        assert key in record
    # the log holds no quote of a document, only hashes
    assert answer.citations[0].quote not in json.dumps(record)


def test_changes_are_recorded(lib):
    service, editor = lib.service, lib.principal("editor_a")
    service.correct_metadata("NWIN_Q3_FY2024_earnings_call", {"fiscal_year": 2024}, editor)
    service.remove("NWIN_Q3_FY2024_earnings_release", editor)
    kinds = [(e.record["kind"], e.record["actor"]) for e in service.audit_entries()]
    assert kinds.count(("ingest", "local")) == 4
    assert ("key_create", "local") in kinds
    assert ("metadata", lib.key_ids["editor_a"]) in kinds
    assert ("delete", lib.key_ids["editor_a"]) in kinds
    key = service.list_keys()[0]
    service.revoke_key(key.id)
    last = list(service.audit_entries())[-1].record
    assert last["kind"] == "key_revoke" and last["key_id"] == key.id
    assert _verify(lib)[0] == 0


def _fill(lib, asks: int = 3) -> None:
    for _ in range(asks):
        lib.service.ask(QUESTION, principal=lib.principal("reader_a"))
    assert _verify(lib)[0] == 0


def test_a_changed_record_is_named(lib):
    _fill(lib)
    _sql(lib, "update audit_log set record = replace(record, 'gross margin', "
              "'net margin') where seq = 10")  # the first ask
    code, output = _verify(lib)
    assert code == 1 and "record 10 was changed" in output


def test_a_changed_record_with_a_recomputed_hash_breaks_the_next_link(lib):
    from earnest.trust.audit import record_hash

    _fill(lib)
    text, prev = _sql(lib, "select record, prev_hash from audit_log where seq = 8")[0]
    record = json.loads(text)
    record["question"] = "something else"
    _sql(lib, "update audit_log set record = ?, hash = ? where seq = 8",
         (json.dumps(record), record_hash(prev, record)))
    code, output = _verify(lib)
    assert code == 1 and "record 8 was changed" in output


def test_a_removed_record_is_named(lib):
    _fill(lib)
    _sql(lib, "delete from audit_log where seq = 7")
    code, output = _verify(lib)
    assert code == 1 and "record 7 was removed" in output


def test_reordered_records_are_named(lib):
    _fill(lib)
    a = _sql(lib, "select record, prev_hash, hash from audit_log where seq = 8")[0]
    b = _sql(lib, "select record, prev_hash, hash from audit_log where seq = 9")[0]
    _sql(lib, "update audit_log set record = ?, prev_hash = ?, hash = ? where seq = 8", b)
    _sql(lib, "update audit_log set record = ?, prev_hash = ?, hash = ? where seq = 9", a)
    code, output = _verify(lib)
    assert code == 1 and "record 8 was reordered" in output


def test_export_since_and_the_admin_route(lib, tmp_path):
    _fill(lib, asks=1)
    out = tmp_path / "audit.jsonl"
    result = runner.invoke(cli, ["audit", "export", "--since", "2000-01-01", "--out", str(out),
                                 "--library", str(lib.service.home)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [x["seq"] for x in lines] == list(range(1, len(lines) + 1))
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    future = runner.invoke(cli, ["audit", "export", "--since", "2999-01-01",
                                 "--library", str(lib.service.home)])
    assert future.exit_code == 0 and future.output == ""
    bad = runner.invoke(cli, ["audit", "export", "--since", "yesterday",
                              "--library", str(lib.service.home)])
    assert bad.exit_code == 1 and "ISO date" in bad.output
    with TestClient(create_app(service=lib.service)) as c:
        body = c.get("/v1/audit?limit=2&after=1", headers=lib.headers("admin")).json()
        assert [e["seq"] for e in body["entries"]] == [2, 3]
        assert body["verification"]["ok"] is True
        assert_error(c.get("/v1/audit", headers=lib.headers("reader_a")), 403, "forbidden")
        # an admin granted only some collections does not read everyone's questions
        _, token = lib.service.create_key("partial", "admin", [ALPHA])
        assert_error(c.get("/v1/audit", headers={"Authorization": f"Bearer {token}"}), 404)


def test_audit_can_be_switched_off(tmp_path, embedder):
    lib = two_collections(tmp_path, embedder, audit__enabled=False)
    answer = lib.service.ask(QUESTION)
    assert answer.answer_id  # still an id, but nothing kept
    assert list(lib.service.audit_entries()) == []
    lib.service.close()


def test_an_llm_answer_is_recorded_with_model_prompt_hash_tokens_and_verification(
        tmp_path, embedder, scripted_llm):
    from earnest import Earnest, Settings
    from earnest.samples import sample_dir

    from .llm_server import Reply, sse

    text = "Gross margin was 41.2% in the third quarter [1]."
    scripted_llm.replies = [Reply(body=sse([text], usage={
        "prompt_tokens": 900, "completion_tokens": 14, "total_tokens": 914}))]
    service = Earnest(Settings.load(tmp_path / "lib", env={}, llm__base_url=scripted_llm.base_url,
                                    llm__model="gpt-4o-mini"), embedder=embedder)
    service.ingest([sample_dir()])
    answer = service.ask(QUESTION, llm=True)
    record = [e.record for e in service.audit_entries() if e.record["kind"] == "ask"][-1]
    assert record["answerer"] == answer.answerer != "extractive"
    assert record["model"] == "gpt-4o-mini"
    assert len(record["prompt_sha256"]) == 64 and record["prompt_sha256"] == \
        answer.usage.prompt_sha256
    assert record["usage"]["prompt_tokens"] == 900 and record["usage"]["cost_usd"] > 0
    assert record["verification"]["sentences"] == answer.verification.sentences >= 1
    assert record["request"]["llm"] is True
    service.close()


def test_concurrent_appends_keep_one_chain(tmp_path):
    """Threads (and processes: the same immediate transactions) append to one unbroken
    chain, in order, without gaps."""
    import threading

    from earnest.store import SqliteStore
    from earnest.trust import SqliteAuditLog

    path = tmp_path / "library.sqlite"
    SqliteStore(path).close()  # the migrations make the table
    logs = [SqliteAuditLog(path) for _ in range(4)]

    def write(log, n):
        for i in range(25):
            log.append("test", f"writer-{n}", {"i": i})

    threads = [threading.Thread(target=write, args=(log, n)) for n, log in enumerate(logs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = logs[0].verify()
    assert result.ok and result.records == 100, result
    assert [e.seq for e in logs[0].entries()] == list(range(1, 101))
    for log in logs:
        log.close()


def test_records_cut_from_the_end_are_found_against_a_kept_head(lib):
    _fill(lib, asks=2)
    code, output = _verify(lib)
    head = output.split("head ")[-1].split()[0]
    assert len(head) == 64
    home = str(lib.service.home)
    ok = runner.invoke(cli, ["audit", "verify", "--head", head, "--library", home])
    assert ok.exit_code == 0, ok.output
    _sql(lib, "delete from audit_log where seq = (select max(seq) from audit_log)")
    assert _verify(lib)[0] == 0  # a shorter chain is still a chain...
    cut = runner.invoke(cli, ["audit", "verify", "--head", head, "--library", home])
    assert cut.exit_code == 1 and "no record has the head hash" in cut.output  # ...but not ours
