"""Answers kept for lineage, and the audit record of an ask.

The audit log is never edited, so it holds only ids and hashes of what documents say; the
answer's words (quotes of documents) are kept here, beside it, and erased with the documents
they quote. An erased answer still has its audit record, whose hashes prove what it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from earnest.errors import NotFound
from earnest.models import Answer, DocumentInfo
from earnest.trust.audit import canonical, now_iso, sha256_text
from earnest.trust.db import SqliteDb


class AnswerStore(Protocol):
    def save(self, answer_id: str, actor: str, doc_ids: list[int], body: dict[str, Any],
             audit_seq: int | None) -> None: ...

    def get(self, answer_id: str) -> dict[str, Any] | None:
        """{"id", "created_at", "actor", "audit_seq", "body"} (body None once erased)."""
        ...

    def erase_document(self, doc_id: int) -> int:
        """Forget the words of every answer drawing on this document; returns how many."""
        ...


class SqliteAnswerStore:
    """Answers in the library's SQLite file (table answers, migration 5 of the store)."""

    def __init__(self, path: str | Path) -> None:
        self.db = SqliteDb(path)

    def save(self, answer_id: str, actor: str, doc_ids: list[int], body: dict[str, Any],
             audit_seq: int | None) -> None:
        with self.db.write() as conn:
            conn.execute("insert into answers values (?,?,?,?,?,?)",
                         (answer_id, now_iso(), actor, json.dumps(sorted(set(doc_ids))),
                          audit_seq, json.dumps(body, ensure_ascii=False)))

    def get(self, answer_id: str) -> dict[str, Any] | None:
        row = self.db.conn().execute("select id, created_at, actor, audit_seq, body from "
                                     "answers where id = ?", (answer_id,)).fetchone()
        if row is None:
            return None
        return {"id": row[0], "created_at": row[1], "actor": row[2], "audit_seq": row[3],
                "body": json.loads(row[4]) if row[4] else None}

    def erase_document(self, doc_id: int) -> int:
        with self.db.write() as conn:
            cur = conn.execute("update answers set body = null where body is not null and "
                               "exists (select 1 from json_each(answers.doc_ids) "
                               "where value = ?)", (doc_id,))
        return cur.rowcount

    def close(self) -> None:
        self.db.close()


def document_provenance(doc: DocumentInfo) -> dict[str, Any]:
    return {"doc_id": doc.id, "doc_name": doc.doc_name, "collection": doc.collection,
            "content_sha256": doc.content_hash, "file_name": Path(doc.source_path).name,
            "file_type": doc.file_type, "added_by": doc.added_by, "added_at": doc.added_at,
            "extractor": doc.extractor}


def ask_audit_fields(answer: Answer, answer_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of an ask: the question and how it was read, ids and hashes
    of the evidence and the answer, who answered with what, and the library's identity."""
    usage = answer.usage.to_dict() if answer.usage else {}
    verification = answer.verification.counts() if answer.verification else {}
    return {
        "answer_id": answer_id, "question": answer.question, "status": answer.status,
        "understanding": answer.understanding, "request": request,
        "retrieved": [{"chunk_id": p.chunk_id, "doc_id": p.doc_id,
                       "text_sha256": sha256_text(p.text), "score": round(p.score, 6)}
                      for p in answer.passages],
        "answer_sha256": sha256_text(answer.answer),
        "citations": [{"number": c.number, "chunk_id": c.chunk_id, "page": c.page,
                       "char_start": c.char_start, "char_end": c.char_end,
                       "quote_sha256": sha256_text(c.quote)} for c in answer.citations],
        "answerer": answer.answerer, "model": usage.get("model"),
        "prompt_sha256": usage.get("prompt_sha256"),
        "usage": {k: usage.get(k) for k in ("prompt_tokens", "completion_tokens",
                                            "cost_usd", "estimated")} if usage else None,
        "verification": {k: verification.get(k) for k in (
            "sentences", "verified", "flagged", "removed", "unsupported_numbers")}
        if verification else None,
        "library": answer.library_version,
    }


def lineage(stored: dict[str, Any]) -> dict[str, Any]:
    """Per sentence: the cited chunk -> its page and span -> the document -> the embedding
    model and index it was retrieved with, and the scores that ranked it."""
    body = stored.get("body")
    out: dict[str, Any] = {"answer_id": stored["id"], "created_at": stored["created_at"],
                           "asked_by": stored["actor"], "audit_seq": stored.get("audit_seq")}
    if body is None:
        out.update(erased=True, sentences=[], note="a document this answer drew on was "
                   "deleted, and the answer's words with it; the audit record keeps its hashes")
        return out
    answer, docs = body["answer"], body["documents"]
    library = answer.get("library_version", {})
    passages = {p["chunk_id"]: (rank, p) for rank, p in enumerate(answer["passages"], 1)}
    citations = {c["number"]: c for c in answer["citations"]}

    def link(number: int) -> dict[str, Any] | None:
        c = citations.get(number)
        if c is None:
            return None
        rank, p = passages.get(c["chunk_id"], (None, {}))
        doc = docs.get(str(p.get("doc_id")), {}) if p else {}
        return {"number": number, "chunk_id": c["chunk_id"], "page": c["page"],
                "char_start": c["char_start"], "char_end": c["char_end"], "quote": c["quote"],
                "quote_sha256": sha256_text(c["quote"]), "document": doc,
                "retrieval": {"embedder": library.get("embedder"),
                              "index": library.get("index"),
                              "generation": library.get("generation"),
                              "mode": answer.get("retrieval_mode"), "rank": rank,
                              "score": p.get("score"), "dense_score": p.get("dense_score")}}

    sentences = []
    for s in answer.get("sentences", []):
        links = [x for x in (link(n) for n in s.get("citations", [])) if x is not None]
        sentences.append({"text": s.get("text", ""), "citations": links})
    out.update(erased=False, question=answer["question"], status=answer["status"],
               answerer=answer.get("answerer"), library=library, request=body["request"],
               sentences=sentences, answer_sha256=sha256_text(answer["answer"]))
    return out


def replay_key(answer: dict[str, Any]) -> str:
    """What must be equal for a replay to count as the same answer."""
    return canonical([[c["doc_name"], c["page"], c["char_start"], c["char_end"], c["chunk_id"]]
                      for c in answer["citations"]])


def find_answer(store: AnswerStore, answer_id: str) -> dict[str, Any]:
    stored = store.get(answer_id) if answer_id else None
    if stored is None:
        raise NotFound(f"no answer {answer_id!r}")
    return stored


__all__ = ["AnswerStore", "SqliteAnswerStore", "ask_audit_fields", "document_provenance",
           "find_answer", "lineage", "replay_key"]
