"""The service object. The CLI, the HTTP API and the web UI are thin adapters over it.

Its operations live by role: asking (service_ask), ingesting (service_ingest), trust
(trust.operations); this module holds the library itself and its documents."""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from earnest.answer import Answerer, ExtractiveAnswerer
from earnest.answer.registry import AnswererContext, make_answerer
from earnest.asked_subjects import asked_nouns
from earnest.chunking import leading_headings
from earnest.embedding import Embedder, make_embedder
from earnest.errors import IndexMismatch, InputError, NotFound

# Re-exported: the adapters and the package import these from the service.
from earnest.filing_sections import document_sections, relabel
from earnest.inputs import (  # noqa: F401
    MAX_NAME_CHARS,
    FileResult,
    IngestProgress,
    IngestReport,
    _Silent,
    collect_files,
    document_name,
    validate_correction,
)
from earnest.library_scope import LibraryScope
from earnest.metadata import describe, document_label
from earnest.models import DocumentInfo, Stats
from earnest.retrieval import HybridRetriever
from earnest.service_ask import NOT_FOUND_TEXT, AskOperations  # noqa: F401
from earnest.service_ingest import EXTRACTOR, IngestOperations  # noqa: F401
from earnest.settings import Settings
from earnest.store import SqliteStore, Store, open_store
from earnest.structure import transcript_segments
from earnest.trust import LOCAL, Principal, SqliteAnswerStore, SqliteAuditLog, SqliteKeyStore
from earnest.trust.audit import AuditLog
from earnest.trust.keys import KeyStore
from earnest.trust.lineage import AnswerStore
from earnest.trust.operations import TrustOperations

if TYPE_CHECKING:
    from earnest.llm import ChatClient


class Earnest(IngestOperations, AskOperations, TrustOperations):
    """One library: ``Earnest(Settings.load("~/my-library"))`` or ``Earnest.open(path)``.

    Every operation takes the caller as ``principal`` (default: the local owner, who may do
    anything); it sees only the collections the caller's key is granted."""

    def __init__(self, settings: Settings | None = None, *, store: Store | None = None,
                 embedder: Embedder | None = None,
                 llm_client: ChatClient | None = None, keys: KeyStore | None = None,
                 audit_log: AuditLog | None = None, answers: AnswerStore | None = None) -> None:
        self.settings = settings or Settings.load()
        self.home = Path(self.settings.library).expanduser()
        self.home.mkdir(parents=True, exist_ok=True)
        self.store: Store = store or open_store(self.settings.store, self.home)
        # The trust tables live in the store: the SQLite file (its migration 5) or the
        # PostgreSQL database (its migration 3, on the store's pool).
        path = getattr(self.store, "path", None) if isinstance(self.store, SqliteStore) else None
        pg = sys.modules.get("earnest.store.postgres")  # loaded if the store is one
        pool = self.store.pool if pg and isinstance(self.store, pg.PostgresStore) else None
        if pool is not None:
            from earnest.trust.postgres import (
                PostgresAnswerStore,
                PostgresAuditLog,
                PostgresKeyStore,
            )
            keys = keys or PostgresKeyStore(pool)
            audit_log = audit_log or PostgresAuditLog(pool)
            answers = answers or PostgresAnswerStore(pool)
        self.keys = keys or (SqliteKeyStore(path) if path else None)
        self.audit_log = audit_log or (SqliteAuditLog(path) if path else None)
        self.answers = answers or (SqliteAnswerStore(path) if path else None)
        self.embedder = embedder or make_embedder(self.settings.embed)
        self.retriever = HybridRetriever(self.store, self.embedder, self.settings.retrieve)
        self._llm_client = llm_client  # a ChatClient; made from settings.llm on first use
        self._extractive: ExtractiveAnswerer | None = None
        self._answerer_context = AnswererContext(
            self.settings,
            # Answerers read each document's fiscal period off the matcher's metadata.
            period_of=lambda doc_id: self.retriever.matcher().periods.get(doc_id, (None, None)),
            similarity=self._similarity, llm_client=self._chat_client,
            extractive=self._extractive_answerer)
        # The answerer when no LLM answer is asked for; the LLM's is made on first use.
        self.answerer: Answerer = make_answerer(self.settings.answer.answerer,
                                                self._answerer_context)
        self._generative: Answerer | None = None
        self._scopes: dict[tuple[str, ...], LibraryScope] = {}  # by collections seen
        # A warm-up (a server's, in a thread) is finished before the library closes: closing
        # a connection another thread is reading through crashes SQLite.
        self._warming = threading.Lock()
        self._check_index_identity()

    @classmethod
    def open(cls, library: str | Path | None = None, **overrides: Any) -> "Earnest":
        return cls(Settings.load(library, **overrides))

    def _check_index_identity(self) -> None:
        identity = self.settings.index_identity()
        stored = self.store.get_meta("index_identity")
        if stored is None:
            self.store.set_meta("index_identity", identity)
        elif stored != identity and self.store.stats()["documents"]:
            raise IndexMismatch(
                f"this library was built with other chunking/embedding settings "
                f"(index {stored}, now {identity}); use the settings it was built with, "
                "or ingest into a new library", path=str(self.home))
        elif stored != identity:
            self.store.set_meta("index_identity", identity)

    def close(self) -> None:
        with self._warming:
            if self._llm_client is not None and hasattr(self._llm_client, "close"):
                self._llm_client.close()
            for part in (self.keys, self.audit_log, self.answers):
                if hasattr(part, "db"):
                    part.db.close()  # type: ignore[union-attr]
            self.retriever.close()
            self.store.close()

    def warm_up(self) -> None:
        """Load now what the first questions would otherwise wait for: the embedding model,
        the store's in-memory indexes (SQLite's vector matrix and keyword index) and the
        document matcher, the parts-of-speech lexicon. Each is renewed by library generation
        afterwards, as before."""
        with self._warming:
            for part in (self.embedder, self.store):
                warm = getattr(part, "warm_up", None)  # optional: not every one keeps anything
                if warm is not None:
                    warm()
            self.library_scope()
            asked_nouns("What margin?")  # loads lemminflect's lexicon (~0.3 s)

    @property
    def llm_configured(self) -> bool:
        return self._llm_client is not None or self.settings.llm.configured

    def __enter__(self) -> "Earnest":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- documents ---------------------------------------------------------------------------
    def documents(self, principal: Principal = LOCAL) -> list[DocumentInfo]:
        return self.store.list_documents(self.scoped(None, principal))

    def document(self, doc_name: str, principal: Principal = LOCAL) -> DocumentInfo:
        """One document; one of a collection the caller may not see does not exist."""
        info = self.visible(self.store.get_document(doc_name), principal)
        if info is None:
            raise NotFound(f"no document named {doc_name!r} in the library")
        return info

    def sections(self, doc_name: str, principal: Principal = LOCAL) -> list[dict[str, Any]]:
        """A document's items and notes (a call's sections), in order, with their pages."""
        self.document(doc_name, principal)
        return document_sections(self.store.document_chunks(doc_name))

    def remove(self, doc_name: str, principal: Principal = LOCAL) -> None:
        """Delete a document: its pages, passages, vectors, keyword index, stored original
        and the words of answers that drew on it; the audit log keeps ids and hashes."""
        principal.require("editor")
        info = self.document(doc_name, principal)
        self.store.remove_document(doc_name)
        self._erase(info)
        self.audit("delete", principal, {"doc_id": info.id, "doc_name": info.doc_name,
                                         "collection": info.collection,
                                         "content_sha256": info.content_hash})

    def original_path(self, doc_name: str, principal: Principal = LOCAL) -> Path:
        """Where the ingested file's bytes are kept (for download and page images)."""
        info = self.document(doc_name, principal)
        path = self._original(info)
        if not path.exists():
            raise NotFound(f"the original file of {doc_name!r} is no longer stored; "
                           "ingest it again")
        return path

    def _original(self, info: DocumentInfo) -> Path:
        return self.home / "files" / f"{info.content_hash}{Path(info.source_path).suffix.lower()}"

    def _forget_original(self, info: DocumentInfo) -> None:
        """Delete a stored original once no document has its content."""
        original = self._original(info)
        if self.store.find_by_hash(info.content_hash) is None and original.exists():
            original.unlink()

    def correct_metadata(self, doc_name: str, values: dict[str, Any],
                         principal: Principal = LOCAL) -> DocumentInfo:
        """Correct extracted metadata (company, ticker, doc_type, fiscal_period, ...); a None
        value restores the extracted one. Corrections outlive re-ingest of the document."""
        principal.require("editor")
        info = self.document(doc_name, principal)
        values = validate_correction(values)
        updated = self.store.correct_metadata(doc_name, values)
        self.audit("metadata", principal, {"doc_id": info.id, "doc_name": doc_name,
                                           "values": values})
        return updated

    def refresh_metadata(self) -> int:
        """Re-extract every document's metadata, a filing's items and notes, and how each
        passage names its document, from its stored pages (after an upgrade of the
        extractor); no re-parsing or re-embedding: the chunks' text stays. Corrections
        stay."""
        count = 0
        for doc in self.documents():
            pages = self.store.pages(doc.doc_name)
            found = transcript_segments(pages)
            if not found:
                relabel(self.store, doc.doc_name, pages)
            metadata = describe(pages, doc.doc_name, found[1] if found else None)
            if "encoding" in doc.metadata.keys:
                metadata = metadata.updated({"encoding": doc.metadata.encoding})
            self.store.update_metadata(doc.doc_name, metadata)
            # Passages name their document as the text does (an older library: by file).
            label = document_label(metadata, doc.doc_name)
            texts = {p.number: p.text for p in pages}
            found_headings: dict[int, tuple[str, ...]] = {}
            titles = {}
            for cid, chunk in self.store.document_chunks(doc.doc_name):
                headings = chunk.headings
                # A library from before schema 7 kept a page's headings as one piece: split
                # them as chunking does when that joins to the same text (the index's).
                if len(headings) == 1 and " " in headings[0]:
                    page = chunk.page_start
                    if page not in found_headings:
                        found_headings[page] = leading_headings(texts.get(page, ""))
                    if " ".join(found_headings[page]) == headings[0]:
                        headings = found_headings[page]
                if (label, headings) != (chunk.title, chunk.headings):
                    titles[cid] = (label, headings)
            if titles:
                self.store.set_chunk_titles(doc.doc_name, titles)
            count += 1
        self.audit("metadata_refresh", LOCAL, {"documents": count})
        return count

    def page_text(self, doc_name: str, page: int, principal: Principal = LOCAL) -> str:
        self.document(doc_name, principal)
        text = self.store.page_text(doc_name, page)
        if text is None:
            raise NotFound(f"{doc_name!r} has no page {page}")
        return text

    def backup(self, dest: str | Path, principal: Principal = LOCAL) -> Any:
        """An online, consistent copy of this SQLite library in the new folder ``dest``
        (earnest.backup); a PostgreSQL library is refused with what to use instead."""
        from earnest.backup import POSTGRES_MESSAGE, backup_library
        if not isinstance(self.store, SqliteStore):
            raise InputError(POSTGRES_MESSAGE)
        report = backup_library(self.store.path, self.home, Path(dest))
        self.audit("backup", principal, {"path": report.path, "counts": report.counts})
        return report

    def stats(self, principal: Principal = LOCAL) -> Stats:
        """Counts of what the caller may see (the whole library for the local owner)."""
        stats = Stats(**self.store.stats())
        if principal.all_collections:
            return stats
        docs = self.documents(principal)
        return replace(stats, documents=len(docs), pages=sum(d.page_count for d in docs),
                       chunks=sum(d.chunk_count for d in docs),
                       embedded=sum(d.embedded_count for d in docs))


__all__ = ["Earnest", "FileResult", "IngestReport", "collect_files", "document_name"]
