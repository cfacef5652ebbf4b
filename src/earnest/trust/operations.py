"""The service's trust operations (keys, audit, lineage, collection scope), mixed into
``Earnest`` so the CLI and HTTP adapters call one object."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from earnest.errors import NotFound
from earnest.models import Answer, DocumentInfo
from earnest.store import Filters
from earnest.trust.audit import AuditEntry, AuditLog, Verification
from earnest.trust.keys import LOCAL, ApiKey, KeyStore, Principal, check_collection
from earnest.trust.lineage import (
    AnswerStore,
    ask_audit_fields,
    document_provenance,
    find_answer,
    lineage,
    replay_key,
)

if TYPE_CHECKING:
    from earnest.settings import Settings
    from earnest.store import Store

_NOTHING = "\x00none"  # a collection no document has: an empty grant sees nothing


class TrustOperations:
    """Needs ``store``, ``settings``, ``keys``, ``audit_log`` and ``answers`` on self."""

    store: "Store"
    settings: "Settings"
    keys: KeyStore | None
    audit_log: AuditLog | None
    answers: AnswerStore | None

    # -- scope -------------------------------------------------------------------------------
    @staticmethod
    def scoped(filters: Filters | None, principal: Principal) -> Filters:
        """The caller's filters narrowed to the collections the caller may see. A collection
        asked for but not granted is treated as one that holds nothing."""
        filters = replace(filters) if filters is not None else Filters()
        asked = [check_collection(c) for c in filters.collections]
        if principal.collections is None:
            filters.collections = asked
        else:
            grant = list(principal.collections)
            filters.collections = [c for c in asked if c in grant] if asked else grant
            if not filters.collections:
                filters.collections = [_NOTHING]
        return filters

    def visible(self, doc: DocumentInfo | None, principal: Principal) -> DocumentInfo | None:
        return doc if doc is not None and principal.sees(doc.collection) else None

    def audit(self, kind: str, principal: Principal, fields: dict[str, Any]) -> None:
        if self.audit_log is not None and self.settings.audit.enabled:
            self.audit_log.append(kind, principal.actor, fields)

    def record_answer(self, answer: Answer, filters: Filters, k: int,
                      principal: Principal) -> None:
        """Give the answer its id; keep it for lineage and append its audit record."""
        answer.answer_id = uuid.uuid4().hex
        if self.answers is None or self.audit_log is None or not self.settings.audit.enabled:
            return
        docs = {d.id: d for d in self.store.list_documents()}
        used = sorted({p.doc_id for p in answer.passages})
        request = {"k": k, "filters": asdict(filters),
                   "llm": answer.answerer != "extractive"}
        body = {"answer": answer.to_dict(), "request": request,
                "documents": {str(i): document_provenance(docs[i]) for i in used if i in docs}}
        # The record first: an answer is kept only once its audit record is written.
        entry = self.audit_log.append("ask", principal.actor,
                                      ask_audit_fields(answer, answer.answer_id, request))
        self.answers.save(answer.answer_id, principal.actor, used, body, entry.seq)

    # -- erasure -----------------------------------------------------------------------------
    def _erase(self, info: DocumentInfo) -> None:
        """A deleted (or replaced) document's stored original, if nothing else uses it, and
        the words of kept answers that drew on it."""
        self._forget_original(info)  # type: ignore[attr-defined]
        if self.answers is not None:
            self.answers.erase_document(info.id)

    def compact(self) -> None:
        """Reclaim deleted space so no deleted text remains in the library's files."""
        if hasattr(self.store, "compact"):
            self.store.compact()  # type: ignore[attr-defined]

    # -- keys --------------------------------------------------------------------------------
    def _keys(self) -> KeyStore:
        if self.keys is None:
            raise NotFound("this library's store keeps no API keys")
        return self.keys

    def auth_enabled(self) -> bool:
        return self.settings.auth.required or (self.keys is not None and self.keys.any_active())

    def create_key(self, name: str, role: str, collections: Sequence[str] = (),
                   principal: Principal = LOCAL) -> tuple[ApiKey, str]:
        """A new key and its token, shown once (only its hash is kept)."""
        principal.require("admin")
        key, token = self._keys().create(name, role, collections, principal.actor)
        self.audit("key_create", principal, {"key_id": key.id, "name": key.name,
                                             "role": key.role, "collections": key.collections})
        return key, token

    def list_keys(self, principal: Principal = LOCAL) -> list[ApiKey]:
        principal.require("admin")
        return self._keys().list()

    def revoke_key(self, key_id: str, principal: Principal = LOCAL) -> ApiKey:
        principal.require("admin")
        key = self._keys().revoke(key_id)
        self.audit("key_revoke", principal, {"key_id": key.id})
        return key

    # -- audit -------------------------------------------------------------------------------
    def _audit_reader(self, principal: Principal) -> AuditLog:
        principal.require("admin")
        if not principal.all_collections:
            raise NotFound("the audit log is read by admin keys granted every collection")
        if self.audit_log is None:
            raise NotFound("this library's store keeps no audit log")
        return self.audit_log

    def audit_entries(self, since: str | None = None, after_seq: int = 0,
                      limit: int | None = None,
                      principal: Principal = LOCAL) -> Iterator[AuditEntry]:
        return self._audit_reader(principal).entries(since, after_seq, limit)

    def verify_audit(self, principal: Principal = LOCAL,
                     head: str | None = None) -> Verification:
        return self._audit_reader(principal).verify(head)

    # -- lineage -----------------------------------------------------------------------------
    def _stored_answer(self, answer_id: str, principal: Principal) -> dict[str, Any]:
        """An answer the caller asked (any, for an admin) whose documents it may all see;
        any other is answered exactly as one that does not exist."""
        if self.answers is None:
            raise NotFound(f"no answer {answer_id!r}")
        stored = find_answer(self.answers, answer_id)
        body = stored.get("body") or {}
        collections = {d.get("collection", "default")
                       for d in (body.get("documents") or {}).values()}
        mine = principal.can("admin") or stored["actor"] == principal.actor
        if not mine or not all(principal.sees(c) for c in collections):
            raise NotFound(f"no answer {answer_id!r}")
        return stored

    def lineage(self, answer_id: str, principal: Principal = LOCAL) -> dict[str, Any]:
        """Where each sentence of an answer came from (see earnest.trust.lineage)."""
        return lineage(self._stored_answer(answer_id, principal))

    def replay(self, answer_id: str, principal: Principal = LOCAL) -> dict[str, Any]:
        """Ask a kept answer's question again, as it was asked; same library generation,
        same citations."""
        stored = self._stored_answer(answer_id, principal)
        body = stored.get("body")
        if body is None:
            raise NotFound(f"answer {answer_id!r} was erased with a document it drew on")
        before, request = body["answer"], body["request"]
        again = self.ask(before["question"], k=request["k"],  # type: ignore[attr-defined]
                         filters=Filters(**request["filters"]), llm=request["llm"],
                         principal=principal)
        now = again.to_dict()
        return {"answer_id": answer_id, "replay_id": again.answer_id,
                "same_citations": replay_key(before) == replay_key(now),
                "generation_then": before["library_version"].get("generation"),
                "generation_now": now["library_version"].get("generation"),
                "citations_then": before["citations"], "citations_now": now["citations"]}


__all__ = ["TrustOperations"]
