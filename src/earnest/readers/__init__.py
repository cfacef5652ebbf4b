"""Readers turn a file's bytes into text per page. Chosen by content, the name is only a hint;
other packages add readers through the registry (see registry.py)."""

from __future__ import annotations

from pathlib import Path

from earnest.errors import EmptyDocument, UnsupportedFileType
from earnest.models import ParsedDocument
from earnest.readers.pdf import PdfReader
from earnest.readers.registry import Reader, ReaderSpec, claiming, registered
from earnest.readers.text import TextReader


def supported_suffixes() -> list[str]:
    """Every suffix some registered reader takes, sorted."""
    return sorted(registered())


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in registered()


def check_supported(name: str) -> None:
    """Refuse a file no reader takes, before any of it is read or stored."""
    suffix = Path(name).suffix.lower()
    if suffix not in registered():
        raise UnsupportedFileType(
            f"unsupported file type {suffix or '(no extension)'}; "
            f"Earnest reads {', '.join(supported_suffixes())}", path=name)


def read_document(data: bytes, name: str, *, max_chars: int = 5_000_000) -> ParsedDocument:
    """Read ``data`` (the content of the file called ``name``) with the reader that fits it;
    text over ``max_chars`` characters is refused (TooLarge) before it costs much memory."""
    check_supported(name)
    if not data:
        raise EmptyDocument("the file is empty (0 bytes)", path=name)
    spec = claiming(data[:1024]) or registered()[Path(name).suffix.lower()]
    return spec.reader.read(data, name, max_chars=max_chars)


__all__ = ["PdfReader", "Reader", "ReaderSpec", "TextReader", "check_supported",
           "is_supported", "read_document", "supported_suffixes"]
