"""Erasure: a deleted document leaves no sentence of it in any file of the library - pages,
passages, vectors, keyword index, the stored original, answers that quoted it - while the
audit log keeps its ids and hashes."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from earnest.cli import app as cli

from .trust_helpers import B_CALL, B_PDF, B_SENTENCES, two_collections

runner = CliRunner()


def _library_bytes(home) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file())


def test_a_deleted_document_leaves_no_sentence_behind(tmp_path, embedder):
    lib = two_collections(tmp_path, embedder)
    service = lib.service
    home = service.home
    reader_b = lib.principal("reader_b")
    answer = service.ask("What was plasma revenue and the backlog?", principal=reader_b)
    assert any(c.doc_name == B_CALL for c in answer.citations)
    before = _library_bytes(home)
    words = [s.encode() for s in B_SENTENCES] + [b"Zorbatron Quasar line"]
    assert all(w in before for w in words)  # the check can see them while they are there
    info = service.document(B_CALL)
    original = home / "files" / f"{info.content_hash}.txt"
    assert original.exists()

    result = runner.invoke(cli, ["docs", "remove", B_CALL, "--compact", "--library", str(home)])
    assert result.exit_code == 0, result.output
    service.close()

    after = _library_bytes(home)
    for sentence in words:
        assert sentence not in after, sentence
    # the speaker's name is only in the deleted call: not even an index term (lower case)
    vance = re.compile(rb"\bvance\b")
    assert vance.search(before.lower()) and not vance.search(after.lower())
    assert not original.exists()
    # the answer that quoted it is erased; its audit record keeps ids and hashes only
    service = lib.service.__class__(service.settings, embedder=embedder)
    lineage = service.lineage(answer.answer_id)
    assert lineage["erased"] is True and lineage["sentences"] == []
    records = [e.record for e in service.audit_entries()]
    delete = [r for r in records if r["kind"] == "delete"][0]
    assert delete["doc_name"] == B_CALL and delete["content_sha256"] == info.content_hash
    ask = next(r for r in records if r.get("answer_id") == answer.answer_id)
    assert ask["answer_sha256"] and B_SENTENCES[0] not in json.dumps(ask)
    assert service.verify_audit().ok
    # the other documents are untouched
    assert service.document(B_PDF).chunk_count > 0
    service.close()
