"""Move a library between stores (SQLite <-> PostgreSQL) through one archive file.

The archive is a zip: ``manifest.json`` (format, index identity, counts, a checksum per
document), one JSON file per document (pages, chunks, float16 vectors, metadata, users'
corrections) and the original files. Both ends compute the checksums from the store through
the same function, so an import proves it holds what the export read."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from earnest.errors import IndexMismatch, InputError, StoreError
from earnest.models import Chunk, DocumentMetadata, Page, matched_text
from earnest.store.base import NewDocument, Store

FORMAT = "earnest-library"
VERSION = 2  # 2: a chunk's title and headings as fields (1: joined in "context")
READABLE = (1, 2)


@dataclass(slots=True)
class TransferReport:
    documents: int = 0
    pages: int = 0
    chunks: int = 0
    vectors: int = 0
    corrections: int = 0
    files: int = 0
    checksum: str = ""  # over every document's checksum, in name order
    checksums: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("documents", "pages", "chunks", "vectors",
                                              "corrections")}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _chunk_record(chunk: Chunk, version: int) -> dict[str, Any]:
    out = asdict(chunk)
    if version < 2:  # an archive of version 1 holds what the keyword index does, joined
        out["context"] = matched_text(out.pop("title"), out.pop("headings"))
    return out


def _document(store: Store, doc_name: str, version: int = VERSION
              ) -> tuple[dict[str, Any], np.ndarray | None]:
    """A document as stored, in the archive's form (of ``version``); vectors float16 by chunk
    order."""
    info = store.get_document(doc_name)
    if info is None:
        raise StoreError(f"document {doc_name!r} disappeared during the copy")
    chunks = store.document_chunks(doc_name)
    vectors = store.vectors([i for i, _ in chunks])
    embedded = [i in vectors for i, _ in chunks]
    matrix = (np.stack([vectors[i] for i, _ in chunks if i in vectors]).astype(np.float16)
              if vectors else None)
    record = {
        "doc_name": info.doc_name, "collection": info.collection,
        "source_path": info.source_path, "content_hash": info.content_hash,
        "file_type": info.file_type, "added_at": info.added_at,
        "metadata": info.metadata.to_dict(), "corrections": info.corrections,
        "pages": [[p.number, p.text] for p in store.pages(doc_name)],
        "chunks": [_chunk_record(c, version) for _, c in chunks], "embedded": embedded,
    }
    return record, matrix


def _checksum(record: dict[str, Any], matrix: np.ndarray | None) -> str:
    body = {k: v for k, v in record.items() if k not in ("added_at", "vectors")}
    h = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())
    if matrix is not None:
        h.update(np.ascontiguousarray(matrix, dtype="<f2").tobytes())
    return h.hexdigest()


def _tally(report: TransferReport, record: dict[str, Any], checksum: str) -> None:
    report.documents += 1
    report.pages += len(record["pages"])
    report.chunks += len(record["chunks"])
    report.vectors += sum(record["embedded"])
    report.corrections += len(record["corrections"])
    report.checksums[record["doc_name"]] = checksum


def _finish(report: TransferReport) -> TransferReport:
    h = hashlib.sha256()
    for name in sorted(report.checksums):
        h.update(f"{name}\t{report.checksums[name]}\n".encode())
    report.checksum = h.hexdigest()
    return report


def library_report(store: Store, names: list[str] | None = None, version: int = VERSION
                   ) -> TransferReport:
    """Counts and checksums of the library's documents (or of ``names``), as stored (in the
    form of an archive of ``version``)."""
    report = TransferReport()
    for name in names if names is not None else [d.doc_name for d in store.list_documents()]:
        record, matrix = _document(store, name, version)
        _tally(report, record, _checksum(record, matrix))
    return _finish(report)


def export_library(store: Store, files_dir: Path, index_identity: str | None,
                   path: Path) -> TransferReport:
    """Write the whole library to ``path`` (a zip archive)."""
    report = TransferReport()
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, info in enumerate(store.list_documents()):
            record, matrix = _document(store, info.doc_name)
            _tally(report, record, _checksum(record, matrix))
            out = dict(record, vectors=base64.b64encode(
                matrix.astype("<f2").tobytes()).decode() if matrix is not None else None)
            zf.writestr(f"documents/{n:06d}.json", json.dumps(out, ensure_ascii=False))
            original = files_dir / f"{info.content_hash}{Path(info.source_path).suffix.lower()}"
            if original.is_file() and f"files/{original.name}" not in zf.namelist():
                zf.write(original, f"files/{original.name}")
                report.files += 1
        _finish(report)
        zf.writestr("manifest.json", json.dumps({
            "format": FORMAT, "version": VERSION, "index_identity": index_identity,
            **report.to_dict()}, indent=1))
    tmp.replace(path)
    return report


def import_library(store: Store, files_dir: Path, index_identity: str | None,
                   path: Path) -> TransferReport:
    """Copy an archive's documents into ``store`` (a document of the same name is replaced),
    then check the counts and checksums read back from the store against the manifest."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"not an Earnest library archive ({exc})", path=str(path)) from exc
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise InputError("not an Earnest library archive (no manifest)",
                             path=str(path)) from exc
        if manifest.get("format") != FORMAT or manifest.get("version") not in READABLE:
            raise InputError(f"unsupported archive format {manifest.get('format')!r} "
                             f"version {manifest.get('version')!r}", path=str(path))
        if index_identity and manifest.get("index_identity") not in (None, index_identity):
            raise IndexMismatch(
                f"the archive was built with other chunking/embedding settings (index "
                f"{manifest['index_identity']}, target {index_identity})", path=str(path))
        files_dir.mkdir(parents=True, exist_ok=True)
        for name in sorted(zf.namelist()):
            if name.startswith("files/") and not name.endswith("/"):
                target = files_dir / Path(name).name
                if not target.exists():
                    target.write_bytes(zf.read(name))
            elif name.startswith("documents/"):
                _import_document(store, json.loads(zf.read(name)))
    got = library_report(store, sorted(manifest["checksums"]), manifest["version"])
    want = {k: manifest[k] for k in got.counts()}
    if got.counts() != want or got.checksum != manifest["checksum"]:
        bad = sorted(n for n, c in manifest["checksums"].items() if got.checksums.get(n) != c)
        raise StoreError(f"the imported library does not match the archive: counts "
                         f"{got.counts()} against {want}; documents differing: {bad[:10]}",
                         path=str(path))
    got.files = manifest.get("files", 0)
    return got


def _import_document(store: Store, record: dict[str, Any]) -> None:
    chunks = [Chunk.from_dict(c) for c in record["chunks"]]
    store.add_document(NewDocument(
        doc_name=record["doc_name"], source_path=record["source_path"],
        content_hash=record["content_hash"], file_type=record["file_type"],
        pages=[Page(n, t) for n, t in record["pages"]], chunks=chunks,
        metadata=DocumentMetadata.from_dict(record["metadata"]), collection=record.get("collection", "default")))
    if record.get("vectors"):
        matrix = np.frombuffer(base64.b64decode(record["vectors"]), dtype="<f2")
        matrix = matrix.reshape(sum(record["embedded"]), -1)
        ids = [i for (i, _), e in zip(store.document_chunks(record["doc_name"]),
                                      record["embedded"]) if e]
        store.set_vectors(ids, matrix.astype(np.float32))
    # The archive's corrections replace any the target kept under this name.
    info = store.get_document(record["doc_name"])
    stale = {k: None for k in (info.corrections if info else {}) if k not in record["corrections"]}
    if stale or record["corrections"]:
        store.correct_metadata(record["doc_name"], {**stale, **record["corrections"]})
