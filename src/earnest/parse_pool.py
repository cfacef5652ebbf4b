"""Parsing a file into pages, chunks and metadata, in this process or in parser processes.

Parsing (pypdfium2's page reading above all) is most of the keyword phase of an ingest and
needs nothing of the library, so several files are parsed at once in other processes while
this one, the library's single writer, commits each parsed document whole.

A parser is ``python -m earnest.parse_pool``, a fresh interpreter fed pickled jobs on its
stdin, one at a time, by a thread of this process: not multiprocessing, whose ``fork`` would
copy this process's ONNX Runtime threads and database connections and whose ``spawn``
re-imports the caller's main script (a script without a ``__main__`` guard would ingest again
in every parser). A parser that dies (out of memory, a crash in the PDF library) fails only
the file it was reading, and is replaced."""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

from earnest.chunking import TokenCounter, chunk_document
from earnest.errors import DocumentError
from earnest.filing_sections import find_headings, label_chunks
from earnest.metadata import describe, document_label
from earnest.models import Chunk, DocumentMetadata, Page
from earnest.readers import read_document
from earnest.settings import Settings
from earnest.structure import transcript_segments


@dataclass(slots=True)
class ParsedDocument:
    file_type: str
    pages: list[Page]
    chunks: list[Chunk]
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    note: str | None = None


def parse_document(data: bytes, where: str, doc_name: str, settings: Settings,
                   count_tokens: TokenCounter) -> ParsedDocument:
    """Read, chunk and describe one file; raises DocumentError naming ``where``."""
    parsed = read_document(data, where, max_chars=settings.max_document_chars)
    found = transcript_segments(parsed.pages)
    metadata = describe(parsed.pages, doc_name, found[1] if found else None)
    chunks = chunk_document(parsed.pages, settings.chunk,
                            title=document_label(metadata, doc_name),
                            segments=found[0] if found else None,
                            count_tokens=count_tokens)
    if not found:  # a filing's items and notes; a call has its own sections
        label_chunks(chunks, find_headings(parsed.pages))
    if parsed.encoding:
        metadata = metadata.updated({"encoding": parsed.encoding})
    return ParsedDocument(file_type=parsed.file_type, pages=parsed.pages, chunks=chunks,
                          metadata=metadata, note=parsed.note)


def parse_processes(settings: Settings) -> int:
    """Processes that parse files at once: ``parse_processes``, 0 meaning one per CPU this
    process may run on (a container's CPU set, not the host's count)."""
    if settings.parse_processes:
        return settings.parse_processes
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


@dataclass(slots=True)
class ParseOutcome:
    """What a parser sends back: the parsed document, or why the file failed."""
    model_id: str  # the token counter's model: chunks fit it, not necessarily the library's
    parsed: ParsedDocument | None = None
    error: str | None = None
    error_code: str | None = None


class ParsePool:
    """``processes`` parsers; ``submit`` returns a Future of a ParseOutcome, or of None if
    the file stopped its parser."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self._settings = settings
        self._idle: queue.SimpleQueue[_Parser | None] = queue.SimpleQueue()
        for _ in range(processes):
            self._idle.put(None)  # started on first use
        self._threads = ThreadPoolExecutor(processes, thread_name_prefix="earnest-parse")
        self._parsers: list[_Parser] = []

    def submit(self, data: bytes, where: str, doc_name: str) -> Future:
        return self._threads.submit(self._run, (data, where, doc_name))

    def _run(self, job: tuple[bytes, str, str]) -> ParseOutcome | None:
        parser = self._idle.get()
        try:
            if parser is None:
                parser = _Parser(self._settings)
                self._parsers.append(parser)
            return parser.call(job)
        except _ParserDied:
            parser.stop()
            parser = None
            return None
        finally:
            self._idle.put(parser)

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
        for parser in self._parsers:
            parser.stop()


class _ParserDied(Exception):
    pass


class _Parser:
    def __init__(self, settings: Settings) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.proc = subprocess.Popen([sys.executable, "-m", "earnest.parse_pool"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.settings: Settings | None = settings  # sent with the first job

    def call(self, job: tuple[bytes, str, str]) -> ParseOutcome:
        try:
            if self.settings is not None:
                _send(self.proc.stdin, self.settings)
                self.settings = None
            _send(self.proc.stdin, job)
            return _receive(self.proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            raise _ParserDied() from exc

    def stop(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # a parser exits at the end of its input
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_HEADER = struct.Struct("<Q")


def _send(stream: IO[bytes] | None, value: object) -> None:
    assert stream is not None
    blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(blob)) + blob)
    stream.flush()


def _receive(stream: IO[bytes] | None) -> Any:
    assert stream is not None
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError("the parser closed its output")
    size = _HEADER.unpack(head)[0]
    blob = stream.read(size)
    if len(blob) < size:
        raise EOFError("the parser closed its output")
    return pickle.loads(blob)  # noqa: S301 - our own child process, over a private pipe


def _parse_job(job: tuple[bytes, str, str], settings: Settings, embedder: Any) -> ParseOutcome:
    data, where, doc_name = job
    try:
        parsed = parse_document(data, where, doc_name, settings, embedder.count_tokens)
    except DocumentError as exc:
        return ParseOutcome(embedder.model_id, error=str(exc), error_code=exc.code)
    except Exception as exc:  # noqa: BLE001 - reported for this file; the batch goes on
        return ParseOutcome(embedder.model_id, error=f"{where}: internal error while "
                            f"ingesting ({type(exc).__name__}: {exc})",
                            error_code="internal_error")
    return ParseOutcome(embedder.model_id, parsed=parsed)


def _serve() -> None:
    """A parser's loop: settings, then jobs until the input ends."""
    from earnest.embedding import make_embedder

    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a library's print must not corrupt
    try:
        settings: Settings = _receive(inp)
    except EOFError:
        return
    # Only the tokenizer is used; no vector cache is opened by a parser.
    embedder = make_embedder(settings.embed.model_copy(update={"cache_path": None}))
    while True:
        try:
            job = _receive(inp)
        except EOFError:
            return
        _send(out, _parse_job(job, settings, embedder))


if __name__ == "__main__":  # the parser's classes must pickle as earnest.parse_pool's
    from earnest.parse_pool import _serve as serve

    serve()


__all__ = ["ParseOutcome", "ParsePool", "ParsedDocument", "parse_document", "parse_processes"]
