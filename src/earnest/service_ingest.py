"""The service's ingest: files, bytes and folders into the store, checked once for the CLI and
the API alike, then embedded (earnest.ingest_pipeline runs the batch). Mixed into
``Earnest`` (service.py) like its trust operations."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from earnest import __version__ as _version
from earnest.errors import (
    DocumentError,
    EmptyDocument,
    NameTaken,
    NotFound,
    TooLarge,
    storage_failure,
)
from earnest.ingest_pipeline import EmbedStats, embed_pending, ingest_paths
from earnest.inputs import FileResult, IngestProgress, IngestReport, document_name
from earnest.parse_pool import ParsedDocument, parse_document
from earnest.readers import check_supported
from earnest.store import NewDocument
from earnest.trust.keys import LOCAL, Principal, check_collection

if TYPE_CHECKING:
    from earnest.embedding import Embedder
    from earnest.settings import Settings
    from earnest.store import DocumentInfo, Store

EXTRACTOR = f"earnest {_version}"  # recorded with each document, shown in lineage


class IngestOperations:
    """Needs ``settings``, ``home``, ``store`` and ``embedder`` on self, and the trust
    operations (``visible``, ``audit``) and ``_erase``."""

    settings: Settings
    home: Path
    store: Store
    embedder: Embedder

    # -- ingest ------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], *, progress: IngestProgress | None = None,
               embed: bool = True, collection: str = "default",
               principal: Principal = LOCAL) -> IngestReport:
        """Ingest files and folders. Each document is committed whole or not at all; a bad
        file is reported and the rest go on. Every file is keyword-searchable before any is
        embedded (earnest.ingest_pipeline)."""
        collection = self.target_collection(collection, principal)
        return ingest_paths(self, paths, progress=progress, embed=embed,
                            collection=collection, principal=principal)

    def target_collection(self, collection: str | None, principal: Principal = LOCAL) -> str:
        """The collection new documents join, checked before any file is read: the caller
        may add documents, the name is valid and the caller sees it. None: the key's only
        collection, else ``default``."""
        principal.require("editor")
        if collection is None:
            grant = principal.collections
            collection = grant[0] if grant is not None and len(grant) == 1 else "default"
        collection = check_collection(collection)
        if not principal.sees(collection):
            raise NotFound(f"no collection {collection!r} for this key")
        return collection


    @property
    def max_file_bytes(self) -> int:
        return int(self.settings.max_file_mb * 2**20)

    def check_upload(self, filename: str, *, size: int | None = None,
                     content_hash: str | None = None, replace: bool = False,
                     principal: Principal = LOCAL) -> str:
        """The checks an upload passes before it is queued, with what is known so far: its
        name and type first, its size as it arrives (within max_file_mb; at the end, not
        empty), and with its content hash, a name no other document holds (unless
        ``replace``). Returns its document name; raises DocumentError naming the file."""
        if not filename.strip():
            raise DocumentError("the upload has no file name", path="(unnamed)")
        doc_name = document_name(filename)
        check_supported(filename)
        if size is not None:
            self._check_size(size, filename)
        if content_hash is None:
            return doc_name
        if not size:
            raise EmptyDocument("the file is empty (0 bytes)", path=filename)
        existing = self._check_name_free(doc_name, principal, filename)
        if existing is not None and existing.content_hash != content_hash and not replace:
            raise NameTaken(f"the library already holds a different document named "
                            f"{existing.doc_name!r}; upload with replace=true to replace it "
                            "(its metadata corrections stay), or rename the file",
                            path=filename)
        return doc_name

    def _check_size(self, size: int, where: str) -> None:
        if size > self.max_file_bytes:
            raise TooLarge(f"the file is over the {self.settings.max_file_mb:g} MB limit "
                           "(max_file_mb)", path=where)

    def _check_name_free(self, doc_name: str, principal: Principal,
                         where: str) -> DocumentInfo | None:
        """The document of that name, if the caller sees it; a name held in a collection
        the caller does not see is refused without saying more (names are unique per
        library)."""
        existing = self.store.get_document(doc_name)
        if existing is not None and not principal.sees(existing.collection):
            raise NameTaken(f"the name {existing.doc_name!r} is taken in this library (names "
                            "are unique across collections); rename the file", path=where)
        return existing

    def ingest_file(self, path: Path, *, name: str | None = None, collection: str = "default",
                    principal: Principal = LOCAL,
                    prepared: tuple[bytes, ParsedDocument] | None = None) -> FileResult:
        """Ingest one file; a failure is reported in the result. ``prepared``: its bytes and
        their parse, done elsewhere (a parser process of earnest.parse_pool)."""
        t0 = time.perf_counter()
        result = FileResult(path=str(path), status="failed")
        try:
            data, parsed = prepared if prepared is not None else (self.read_file_bytes(path), None)
            result = self.ingest_bytes(data, name or path.name, source_path=str(path),
                                       collection=collection, principal=principal,
                                       parsed=parsed)
        except DocumentError as exc:
            result.status, result.error, result.error_code = "failed", str(exc), exc.code
        except Exception as exc:  # noqa: BLE001 - one file's surprise must not stop the batch
            if (stop := storage_failure(exc, self.home)) is not None:
                raise stop from exc  # a full or read-only disk stops the batch, not one file
            result.status, result.error_code = "failed", "internal_error"
            result.error = f"{path}: internal error while ingesting ({type(exc).__name__}: {exc})"
        result.seconds = round(time.perf_counter() - t0, 3)
        return result

    def read_file_bytes(self, path: Path) -> bytes:
        """A file's bytes for ingest; DocumentError naming it if missing, unreadable, too big."""
        try:
            info = path.stat()
        except FileNotFoundError:
            raise DocumentError("no such file", path=str(path)) from None
        except OSError as exc:  # permission denied, name too long, ...
            raise DocumentError(f"cannot read the file: {exc.strerror}", path=str(path)) from None
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError("not a regular file", path=str(path))
        self._check_size(info.st_size, str(path))
        limit = self.max_file_bytes
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
                     principal: Principal = LOCAL,
                     parsed: ParsedDocument | None = None) -> FileResult:
        """Parse, chunk and store one document (not yet embedded) in ``collection``. A
        document of the same name from another path is refused unless ``replace`` (the
        caller has checked). ``parsed``: ``data`` already parsed (by a parser process)."""
        t0 = time.perf_counter()
        collection = self.target_collection(collection, principal)
        doc_name = document_name(filename, source_path or filename)
        content_hash = hashlib.sha256(data).hexdigest()
        existing = self.visible(self.store.find_by_hash(content_hash), principal)
        if existing is not None:
            same = existing.doc_name == doc_name
            return FileResult(path=source_path or filename, status="unchanged",
                              doc_name=existing.doc_name, pages=existing.page_count,
                              chunks=existing.chunk_count,
                              note=None if same else f"same content as {existing.doc_name}")
        current = self._check_name_free(doc_name, principal, source_path or filename)
        if current is not None and not replace and source_path and current.source_path and \
                Path(current.source_path).resolve() != Path(source_path).resolve():
            raise DocumentError(
                f"the library already holds a document named {doc_name!r}, from "
                f"{current.source_path}; names are file names without extension: rename one "
                f"file, or `earnest docs remove {doc_name}` first", path=source_path)
        if parsed is None:
            parsed = parse_document(data, source_path or filename, doc_name, self.settings,
                                    self.embedder.count_tokens)
        suffix = Path(filename).suffix.lower()
        original = self.home / "files" / f"{content_hash}{suffix}"
        original.parent.mkdir(parents=True, exist_ok=True)
        if not original.exists():
            # A name of this process and thread's own: two ingests of the same file at once
            # must not write (and move) one temporary file.
            tmp = original.with_name(f"{original.name}.{os.getpid()}-{threading.get_ident()}"
                                     ".part")
            try:
                tmp.write_bytes(data)
                tmp.replace(original)
            except BaseException:  # a full disk: no half-written copy left behind
                tmp.unlink(missing_ok=True)
                raise
        info = self.store.add_document(NewDocument(
            doc_name=doc_name, source_path=source_path or filename, content_hash=content_hash,
            file_type=parsed.file_type, pages=parsed.pages, chunks=parsed.chunks,
            metadata=parsed.metadata,
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
