"""Readers turn a file's bytes into text per page. Chosen by content, the name is only a hint."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from earnest.errors import EmptyDocument, UnsupportedFileType
from earnest.models import ParsedDocument
from earnest.readers.pdf import PdfReader
from earnest.readers.text import TextReader

SUPPORTED_SUFFIXES = {".pdf": "pdf", ".txt": "txt", ".text": "txt", ".md": "md",
                      ".markdown": "md"}


class Reader(Protocol):
    def read(self, data: bytes, name: str) -> ParsedDocument: ...


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def read_document(data: bytes, name: str, *, max_chars: int = 5_000_000) -> ParsedDocument:
    """Read ``data`` (the content of the file called ``name``) with the reader that fits it;
    text over ``max_chars`` characters is refused (TooLarge) before it costs much memory."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileType(
            f"unsupported file type {suffix or '(no extension)'}; "
            f"Earnest reads {', '.join(sorted(SUPPORTED_SUFFIXES))}", path=name)
    if not data:
        raise EmptyDocument("the file is empty (0 bytes)", path=name)
    if data[:1024].lstrip().startswith(b"%PDF") or SUPPORTED_SUFFIXES[suffix] == "pdf":
        return PdfReader().read(data, name, max_chars=max_chars)
    return TextReader(file_type=SUPPORTED_SUFFIXES[suffix]).read(data, name, max_chars=max_chars)


__all__ = ["PdfReader", "Reader", "TextReader", "is_supported", "read_document",
           "SUPPORTED_SUFFIXES"]
