"""The service object. The CLI, the HTTP API and the web UI are thin adapters over it."""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from earnest import __version__ as _version
from earnest.answer import AnswerDraft, Answerer, AskEvent, ExtractiveAnswerer
from earnest.answer.registry import AnswererContext, make_answerer
from earnest.chunking import chunk_document
from earnest.embedding import Embedder, make_embedder
from earnest.errors import (
    DocumentError,
    IndexMismatch,
    InputError,
    LLMNotConfigured,
    NotFound,
    TooLarge,
    storage_failure,
)

# Re-exported: the adapters and the package import these from the service.
from earnest.filing_sections import document_sections, find_headings, label_chunks, relabel
from earnest.ingest_pipeline import EmbedStats, embed_pending, ingest_paths
from earnest.inputs import (  # noqa: E402,F401
    MAX_NAME_CHARS,
    FileResult,
    IngestProgress,
    IngestReport,
    _Silent,
    check_roles,
    collect_files,
    document_name,
    validate_correction,
)
from earnest.library_scope import Correction, LibraryScope, ScopeVerdict
from earnest.metadata import describe
from earnest.models import Answer, DocumentInfo, SearchResult
from earnest.question_plan import QuestionPlan, plan_question
from earnest.readers import read_document
from earnest.retrieval import HybridRetriever, check_filters, relevance
from earnest.settings import Settings
from earnest.store import Filters, NewDocument, SqliteStore, Store, open_store
from earnest.structure import transcript_segments
from earnest.trust import LOCAL, Principal, SqliteAnswerStore, SqliteAuditLog, SqliteKeyStore
from earnest.trust.audit import AuditLog
from earnest.trust.keys import KeyStore, check_collection
from earnest.trust.lineage import AnswerStore
from earnest.trust.operations import TrustOperations

if TYPE_CHECKING:
    from earnest.llm import ChatClient

NOT_FOUND_TEXT = ("Not found in your documents: no passage in the library answers this "
                  "question closely enough. The closest passages are listed below.")


EXTRACTOR = f"earnest {_version}"  # recorded with each document, shown in lineage


class Earnest(TrustOperations):
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
        if self._llm_client is not None and hasattr(self._llm_client, "close"):
            self._llm_client.close()
        for part in (self.keys, self.audit_log, self.answers):
            if hasattr(part, "db"):
                part.db.close()  # type: ignore[union-attr]
        self.store.close()

    @property
    def llm_configured(self) -> bool:
        return self._llm_client is not None or self.settings.llm.configured

    def _answerer_for(self, llm: bool | None) -> Answerer:
        """The extractive answerer, or the LLM's when asked for (default: when configured)."""
        if llm is False or (llm is None and not self.llm_configured):
            return self.answerer
        if not self.llm_configured:
            raise LLMNotConfigured("an LLM answer was asked for, but no LLM is configured: "
                                   "set llm.base_url and llm.model (EARNEST_LLM_BASE_URL, "
                                   "EARNEST_LLM_MODEL)")
        if self._generative is None:
            self._generative = make_answerer(self.settings.answer.llm_answerer,
                                             self._answerer_context)
        return self._generative

    def _chat_client(self) -> ChatClient:
        if self._llm_client is None:
            from earnest.llm import OpenAIChatClient

            llm = self.settings.llm
            self._llm_client = OpenAIChatClient(llm, api_key=llm.api_key(os.environ))
        return self._llm_client

    def _extractive_answerer(self) -> ExtractiveAnswerer:
        """Earnest's extractive answerer (the LLM's falls back to it): the default one when
        that is it, else one of its own."""
        if isinstance(self.answerer, ExtractiveAnswerer):
            return self.answerer
        if self._extractive is None:
            self._extractive = ExtractiveAnswerer(self.settings.answer,
                                                  self._answerer_context.period_of)
        return self._extractive

    def _similarity(self, sentence: str, texts: Any) -> float:
        """Best cosine between a sentence and candidate texts (the verifier's semantic check)."""
        texts = list(texts)
        if not texts:
            return 0.0
        vectors = self.embedder.embed_batch([sentence, *texts])
        return float(max(vectors[1:] @ vectors[0]))

    def __enter__(self) -> "Earnest":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingest ------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, progress: IngestProgress | None = None,
               embed: bool = True, collection: str = "default",
               principal: Principal = LOCAL) -> IngestReport:
        """Ingest files and folders. Each document is committed whole or not at all; a bad
        file is reported and the rest go on. Every file is keyword-searchable before any is
        embedded (earnest.ingest_pipeline)."""
        return ingest_paths(self, paths, progress=progress, embed=embed,
                            collection=collection, principal=principal)


    def ingest_file(self, path: Path, *, name: str | None = None, collection: str = "default",
                    principal: Principal = LOCAL) -> FileResult:
        t0 = time.perf_counter()
        result = FileResult(path=str(path), status="failed")
        try:
            data = self._read_bytes(path)
            result = self.ingest_bytes(data, name or path.name, source_path=str(path),
                                       collection=collection, principal=principal)
        except DocumentError as exc:
            result.status, result.error, result.error_code = "failed", str(exc), exc.code
        except Exception as exc:  # noqa: BLE001 - one file's surprise must not stop the batch
            if (stop := storage_failure(exc, self.home)) is not None:
                raise stop from exc  # a full or read-only disk stops the batch, not one file
            result.status, result.error_code = "failed", "internal_error"
            result.error = f"{path}: internal error while ingesting ({type(exc).__name__}: {exc})"
        result.seconds = round(time.perf_counter() - t0, 3)
        return result

    def _read_bytes(self, path: Path) -> bytes:
        try:
            info = path.stat()
        except FileNotFoundError:
            raise DocumentError("no such file", path=str(path)) from None
        except OSError as exc:  # permission denied, name too long, ...
            raise DocumentError(f"cannot read the file: {exc.strerror}", path=str(path)) from None
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError("not a regular file", path=str(path))
        limit = int(self.settings.max_file_mb * 1024 * 1024)
        size = info.st_size
        if size > limit:
            raise TooLarge(f"the file is {size / 2**20:.1f} MB, over the "
                                f"{self.settings.max_file_mb:g} MB limit (max_file_mb)",
                                path=str(path))
        try:
            with path.open("rb") as fh:
                data = fh.read(limit + 1)  # the file may grow while it is read
        except OSError as exc:
            raise DocumentError(f"cannot read the file: {exc.strerror}", path=str(path)) from exc
        if len(data) > limit:
            raise TooLarge(f"the file grew past the {self.settings.max_file_mb:g} MB limit "
                                "(max_file_mb) while it was read", path=str(path))
        return data

    def ingest_bytes(self, data: bytes, filename: str, *, source_path: str = "",
                     replace: bool = False, collection: str = "default",
                     principal: Principal = LOCAL) -> FileResult:
        """Parse, chunk and store one document (not yet embedded) in ``collection``. A
        document of the same name from another path is refused unless ``replace`` (the
        caller has checked)."""
        t0 = time.perf_counter()
        principal.require("editor")
        collection = check_collection(collection)
        if not principal.sees(collection):
            raise NotFound(f"no collection {collection!r} for this key")
        doc_name = document_name(filename, source_path or filename)
        content_hash = hashlib.sha256(data).hexdigest()
        existing = self.visible(self.store.find_by_hash(content_hash), principal)
        if existing is not None:
            same = existing.doc_name == doc_name
            return FileResult(path=source_path or filename, status="unchanged",
                              doc_name=existing.doc_name, pages=existing.page_count,
                              chunks=existing.chunk_count,
                              note=None if same else f"same content as {existing.doc_name}")
        current = self.store.get_document(doc_name)
        if current is not None and not principal.sees(current.collection):
            # Names are unique per library: say only that the name is taken.
            raise DocumentError(f"the name {doc_name!r} is taken in this library (names are "
                                "unique across collections); rename the file", path=source_path)
        if current is not None and not replace and source_path and current.source_path and \
                Path(current.source_path).resolve() != Path(source_path).resolve():
            raise DocumentError(
                f"the library already holds a document named {doc_name!r}, from "
                f"{current.source_path}; names are file names without extension: rename one "
                f"file, or `earnest docs remove {doc_name}` first", path=source_path)
        parsed = read_document(data, source_path or filename,
                               max_chars=self.settings.max_document_chars)
        found = transcript_segments(parsed.pages)
        chunks = chunk_document(parsed.pages, self.settings.chunk,
                                doc_context=doc_name.replace("_", " "),
                                segments=found[0] if found else None,
                                count_tokens=self.embedder.count_tokens)
        suffix = Path(filename).suffix.lower()
        original = self.home / "files" / f"{content_hash}{suffix}"
        original.parent.mkdir(parents=True, exist_ok=True)
        if not original.exists():
            tmp = original.with_suffix(".part")
            try:
                tmp.write_bytes(data)
                tmp.replace(original)
            except BaseException:  # a full disk: no half-written copy left behind
                tmp.unlink(missing_ok=True)
                raise
        if not found:  # a filing's items and notes; a call has its own sections
            label_chunks(chunks, find_headings(parsed.pages))
        metadata = describe(parsed.pages, doc_name, found[1] if found else None)
        if parsed.encoding:
            metadata["encoding"] = parsed.encoding
        info = self.store.add_document(NewDocument(
            doc_name=doc_name, source_path=source_path or filename, content_hash=content_hash,
            file_type=parsed.file_type, pages=parsed.pages, chunks=chunks, metadata=metadata,
            collection=collection, added_by=principal.actor, extractor=EXTRACTOR))
        if current is not None:
            self._erase(current)  # the replaced version's copy and answers, if nothing uses it
        self.audit("ingest", principal, {
            "doc_id": info.id, "doc_name": info.doc_name, "collection": collection,
            "content_sha256": content_hash, "file_name": Path(filename).name,
            "pages": info.page_count, "chunks": info.chunk_count,
            "replaced": None if current is None else {"doc_id": current.id,
                                                      "content_sha256": current.content_hash}})
        return FileResult(path=source_path or filename, status="ingested",
                          doc_name=info.doc_name, pages=info.page_count, chunks=info.chunk_count,
                          note=parsed.note, seconds=round(time.perf_counter() - t0, 3))

    def embed_pending(self, progress: IngestProgress | None = None) -> int:
        """Embed every chunk that has no vector yet; safe to interrupt and resume."""
        return self.embed(progress).embedded

    def embed(self, progress: IngestProgress | None = None, *,
              stop: Callable[[], bool] | None = None) -> EmbedStats:
        """``embed_pending`` with its figures (texts the model embedded, vectors reused);
        ``stop()`` is asked between steps whether to pause (new files wait to be parsed)."""
        return embed_pending(self.store, self.embedder, progress, stop=stop)

    # -- query -------------------------------------------------------------------------------
    def search(self, query: str, *, k: int | None = None, filters: Filters | None = None,
               mode: str = "hybrid", principal: Principal = LOCAL) -> SearchResult:
        query = self._check_query(query)
        self._check_k(k)
        filters = self.scoped(filters, principal)
        self._check_filters(filters)
        if mode not in ("hybrid", "keyword", "dense"):
            raise InputError(f"unknown search mode {mode!r}; use hybrid, keyword or dense")
        return self.retriever.search(query, filters, k, mode)

    def ask(self, question: str, *, k: int | None = None, filters: Filters | None = None,
            llm: bool | None = None, principal: Principal = LOCAL) -> Answer:
        """Answer a question with citations (the whole answer at once). ``llm``: True for
        the LLM's answer, False for the extractive one, None for the LLM iff configured."""
        for event in self.ask_stream(question, k=k, filters=filters, llm=llm,
                                     principal=principal):
            if event.kind == "answer":
                return event.answer
        raise AssertionError("ask_stream ended without an answer")  # pragma: no cover

    def ask_stream(self, question: str, *, k: int | None = None,
                   filters: Filters | None = None, llm: bool | None = None,
                   principal: Principal = LOCAL) -> Iterator[AskEvent]:
        """Answer a question as a stream of events: stages with their timings, how the
        question was understood, the evidence, answer text as it is produced, and last the
        whole ``Answer`` (event kind ``answer``; the object is on ``event.answer``).
        Input is checked before the first event, so a bad request raises at once.

        LLM answers add ``token`` events (the model's raw text: a draft, not yet checked)
        and ``notice`` events (e.g. the endpoint failed and the extractive answer follows);
        ``delta`` and ``sentence`` events carry only verified (or flagged) sentences."""
        question = self._check_query(question)
        self._check_k(k)
        filters = self.scoped(filters, principal)
        self._check_filters(filters)
        answerer = self._answerer_for(llm)
        return self._ask_events(question, k or self.settings.retrieve.k, filters, answerer,
                                principal)

    def _ask_events(self, question: str, k: int, filters: Filters,
                    answerer: Answerer, principal: Principal) -> Iterator[AskEvent]:
        t0 = time.perf_counter()
        # What "the library holds" is what the caller's collections hold.
        scope = self.library_scope(filters.collections)

        def appears(word: str, doc_names: list[str] | None = None) -> bool:
            return self._appears(word, filters, doc_names)

        asked, corrections = scope.correct(question, appears)
        plan = plan_question(asked)
        # Filters naming documents or their company, period or type: the user chose.
        verdict = None if filters.doc_names or filters.metadata else \
            scope.check(asked, plan, appears, corrections)
        if verdict is not None:
            yield from self._not_held(question, asked, plan, verdict, answerer, t0,
                                      corrections, filters, k, principal)
            return
        yield AskEvent("stage", {"stage": "retrieve", "status": "started"})
        result = self.retriever.search(asked, filters, k, plan=plan)
        timings = dict(result.timings_ms)
        understanding = {**result.understanding, "filters": result.filters,
                         "notes": result.notes}
        if corrections:
            understanding["corrections"] = [c.to_dict() for c in corrections]
        yield AskEvent("stage", {"stage": "retrieve", "status": "done",
                                 "ms": round((time.perf_counter() - t0) * 1000, 2)})
        yield AskEvent("understanding", understanding)
        yield AskEvent("passages", {"passages": [p.to_dict() for p in result.passages]})
        t1 = time.perf_counter()
        stats = self.stats(principal)
        best = max((relevance(p, plan) for p in result.passages), default=0.0)
        status, draft = "not_found", AnswerDraft(NOT_FOUND_TEXT, [], [],
                                                 answerer=answerer.name)
        if not stats["documents"]:
            status, draft.text = "empty_library", "The library is empty: ingest documents first."
        elif best >= self.settings.answer.min_relevance:
            # Below the threshold nothing is drafted at all (and no LLM is ever called).
            yield AskEvent("stage", {"stage": "answer", "status": "started",
                                     "answerer": answerer.name})
            draft = yield from answerer.stream(asked, plan, result.passages)
            status = "answered" if draft.citations else "not_found"
            draft.text = draft.text or NOT_FOUND_TEXT
        timings.update(draft.timings_ms)
        timings["answer"] = round((time.perf_counter() - t1) * 1000, 2)
        timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
        yield AskEvent("stage", {"stage": "answer", "status": "done", "ms": timings["answer"]})
        answer = Answer(
            question=question, status=status, answer=draft.text, sentences=draft.sentences,
            citations=draft.citations, passages=result.passages, understanding=understanding,
            timings_ms=timings, mode=result.mode, relevance=best,
            library_version={"generation": self.store.generation(),
                             "index": self.settings.index_identity(),
                             "embedder": self.embedder.model_id,
                             "answerer": draft.answerer or answerer.name},
            answerer=draft.answerer or answerer.name, usage=draft.usage,
            verification=draft.verification, notes=draft.notes)
        self.record_answer(answer, filters, k, principal)
        yield AskEvent("answer", answer.to_dict(), answer=answer)

    def library_scope(self, collections: Sequence[str] = ()) -> LibraryScope:
        """What the library (its ``collections``; all when empty) holds by company and
        period, rebuilt with the matcher, i.e. when the library generation changes."""
        matcher = self.retriever.matcher(collections)
        key = tuple(sorted(collections))
        if key not in self._scopes or self._scopes[key].matcher is not matcher:
            if len(self._scopes) > 64:
                self._scopes.clear()
            self._scopes[key] = LibraryScope(matcher)
        return self._scopes[key]

    def _appears(self, word: str, filters: Filters | None = None,
                 doc_names: list[str] | None = None) -> bool:
        """Whether any document (of the filters' collections, of ``doc_names``) contains
        ``word``."""
        return bool(self.store.keyword_search(
            word, Filters(collections=filters.collections if filters else [],
                          doc_names=doc_names or []), 1))

    def _not_held(self, question: str, asked: str, plan: QuestionPlan, verdict: ScopeVerdict,
                  answerer: Answerer, t0: float, corrections: list[Correction],
                  filters: Filters, k: int, principal: Principal) -> Iterator[AskEvent]:
        """The question is about a company or period the library lacks: say so and what it
        holds, without retrieving (another company's words are no evidence) or calling an
        LLM."""
        matcher = self.retriever.matcher(filters.collections)
        understanding = {**plan.to_dict(), **matcher.describe(plan),
                         "documents": [], "filters": {}, "notes": [],
                         "library_scope": verdict.to_dict()}
        if corrections:
            understanding["corrections"] = [c.to_dict() for c in corrections]
        yield AskEvent("understanding", understanding)
        yield AskEvent("passages", {"passages": []})
        total = round((time.perf_counter() - t0) * 1000, 2)
        answer = Answer(
            question=question, status="not_found", answer=verdict.message, sentences=[],
            citations=[], passages=[], understanding=understanding,
            timings_ms={"understand": total, "retrieve": 0.0, "rerank": 0.0, "answer": 0.0,
                        "total": total},
            mode="scope", relevance=0.0,
            library_version={"generation": self.store.generation(),
                             "index": self.settings.index_identity(),
                             "embedder": self.embedder.model_id, "answerer": answerer.name},
            answerer=answerer.name)
        self.record_answer(answer, filters, k, principal)
        yield AskEvent("answer", answer.to_dict(), answer=answer)

    def _check_filters(self, filters: Filters | None) -> None:
        """A filter naming what the library lacks is refused with suggestions, before any
        work (and before a stream opens)."""
        if filters is not None:
            check_roles(filters)
            check_filters(filters, self.retriever.matcher(filters.collections).docs)

    @staticmethod
    def _check_k(k: int | None) -> None:
        if k is not None and not 1 <= k <= 100:
            raise InputError(f"k must be between 1 and 100, got {k}")

    @staticmethod
    def _check_query(query: str) -> str:
        query = (query or "").strip()
        if not query:
            raise InputError("the question is empty")
        if len(query) > 2000:
            raise InputError("the question is longer than 2,000 characters")
        return query

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
        """Re-extract every document's metadata, and a filing's items and notes, from its
        stored pages (after an upgrade of the extractor); no re-parsing or re-embedding: the
        chunks' text stays. Corrections stay."""
        count = 0
        for doc in self.documents():
            pages = self.store.pages(doc.doc_name)
            found = transcript_segments(pages)
            if not found:
                relabel(self.store, doc.doc_name, pages)
            metadata = describe(pages, doc.doc_name, found[1] if found else None)
            for key in ("encoding",):
                if key in doc.metadata:
                    metadata[key] = doc.metadata[key]
            self.store.update_metadata(doc.doc_name, metadata)
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

    def stats(self, principal: Principal = LOCAL) -> dict[str, Any]:
        """Counts of what the caller may see (the whole library for the local owner)."""
        stats = self.store.stats()
        if principal.all_collections:
            return stats
        docs = self.documents(principal)
        return {**stats, "documents": len(docs), "pages": sum(d.page_count for d in docs),
                "chunks": sum(d.chunk_count for d in docs),
                "embedded": sum(d.embedded_count for d in docs)}


__all__ = ["Earnest", "FileResult", "IngestReport", "collect_files", "document_name"]
