"""Every answer has an id; its lineage goes sentence -> cited chunk -> page and span ->
document -> embedding model and index, with the scores; a replay against the same library
generation gives the same citations. On SQLite and on PostgreSQL."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from earnest.cli import app as cli
from earnest.service import EXTRACTOR

from .api_helpers import assert_error
from .trust_helpers import ALPHA

runner = CliRunner()
QUESTION = "What did the CFO say about gross margin?"


def test_lineage_of_each_sentence(trust_lib, trust_client):
    answer = trust_client.post("/v1/ask", json={"question": QUESTION},
                         headers=trust_lib.headers("reader_a")).json()
    assert answer["status"] == "answered" and len(answer["answer_id"]) == 32
    lineage = trust_client.get(f"/v1/answers/{answer['answer_id']}/lineage",
                         headers=trust_lib.headers("reader_a")).json()
    assert lineage["asked_by"] == trust_lib.key_ids["reader_a"] and not lineage["erased"]
    assert [s["text"] for s in lineage["sentences"]] == [s["text"] for s in answer["sentences"]]
    docs = {d.doc_name: d for d in trust_lib.service.documents()}
    citations = {c["number"]: c for c in answer["citations"]}
    passages = [p["chunk_id"] for p in answer["passages"]]
    for sentence in lineage["sentences"]:
        assert sentence["citations"]
        for link in sentence["citations"]:
            cited = citations[link["number"]]
            assert (link["chunk_id"], link["page"], link["char_start"], link["char_end"]) == (
                cited["chunk_id"], cited["page"], cited["char_start"], cited["char_end"])
            page = trust_lib.service.page_text(cited["doc_name"], cited["page"])
            assert page[link["char_start"]:link["char_end"]] == link["quote"]
            doc, info = link["document"], docs[cited["doc_name"]]
            assert doc["content_sha256"] == info.content_hash
            assert doc["file_name"] == f"{info.doc_name}.{info.file_type}"
            assert doc["added_by"] == "local" and doc["added_at"] == info.added_at
            assert doc["extractor"] == EXTRACTOR and doc["collection"] == ALPHA
            r = link["retrieval"]
            assert r["embedder"] == trust_lib.service.embedder.model_id
            assert r["index"] == trust_lib.service.settings.index_identity()
            assert r["rank"] == passages.index(link["chunk_id"]) + 1
            assert isinstance(r["score"], float) and r["mode"] == answer["retrieval_mode"]
    # another reader of the same collection does not read this analyst's questions
    _, token = trust_lib.service.create_key("colleague", "reader", [ALPHA])
    assert_error(trust_client.get(f"/v1/answers/{answer['answer_id']}/lineage",
                            headers={"Authorization": f"Bearer {token}"}), 404, "not_found")
    assert trust_client.get(f"/v1/answers/{answer['answer_id']}/lineage",
                      headers=trust_lib.headers("admin")).json()["audit_seq"] > 0


def test_replay_gives_the_same_citations(trust_lib, trust_client):
    answer = trust_lib.service.ask(QUESTION, principal=trust_lib.principal("reader_a"))
    replay = trust_client.post(f"/v1/answers/{answer.answer_id}/replay",
                         headers=trust_lib.headers("reader_a")).json()
    assert replay["generation_then"] == replay["generation_now"]
    assert replay["same_citations"] is True
    assert replay["citations_now"] == replay["citations_then"]
    assert replay["replay_id"] != answer.answer_id


def test_cli_lineage(trust_lib):
    answer = trust_lib.service.ask(QUESTION)
    home = str(trust_lib.service.home)
    shown = runner.invoke(cli, ["lineage", answer.answer_id, "--library", home])
    assert shown.exit_code == 0, shown.output
    first = answer.citations[0]
    assert f"chunk {first.chunk_id} -> p. {first.page}" in shown.output
    assert "sha256" in shown.output and trust_lib.service.settings.index_identity() in shown.output
    as_json = runner.invoke(cli, ["lineage", answer.answer_id, "--library", home, "--json",
                                  "--replay"])
    body = json.loads(as_json.output)
    assert body["answer_id"] == answer.answer_id and body["replay"]["same_citations"]
    missing = runner.invoke(cli, ["lineage", "nope", "--library", home, "--json"])
    assert missing.exit_code == 1 and json.loads(missing.output)["error"]["code"] == "not_found"
