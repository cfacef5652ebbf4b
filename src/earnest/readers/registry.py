"""Which reader reads which file: Earnest's own and any a package registers.

A package adds a reader by declaring an entry point in the ``earnest.readers`` group that
names a ``ReaderSpec`` (or a function returning one); Earnest finds it at the first read, no
edit of Earnest needed. The same mechanism as ``llm``'s and datasette's plugins, without a
plugin framework: ``importlib.metadata`` is all it takes for one hook.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Callable, Protocol

from earnest.models import ParsedDocument

ENTRY_POINT_GROUP = "earnest.readers"
log = logging.getLogger(__name__)


class Reader(Protocol):
    def read(self, data: bytes, name: str, *, max_chars: int = 5_000_000) -> ParsedDocument: ...


@dataclass(frozen=True)
class ReaderSpec:
    """A reader and the files it takes: by suffix, or by content whatever the name
    (``claims``: a PDF named .txt is still a PDF)."""

    file_type: str  # stored on the document ("pdf", "md", "html", ...)
    suffixes: tuple[str, ...]
    reader: Reader
    claims: Callable[[bytes], bool] | None = field(default=None, compare=False)


def _builtin() -> list[ReaderSpec]:
    from earnest.readers.pdf import PdfReader
    from earnest.readers.text import TextReader

    return [
        ReaderSpec("pdf", (".pdf",), PdfReader(),
                   claims=lambda head: head.lstrip().startswith(b"%PDF")),
        ReaderSpec("txt", (".txt", ".text"), TextReader(file_type="txt")),
        ReaderSpec("md", (".md", ".markdown"), TextReader(file_type="md")),
    ]


def _plugins() -> list[ReaderSpec]:
    """Readers other packages register; one that fails to load is skipped with a warning
    naming it, so a broken plugin never stops ingestion of the files Earnest reads itself."""
    out = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            spec = ep.load()
            spec = spec() if callable(spec) and not isinstance(spec, ReaderSpec) else spec
            if not isinstance(spec, ReaderSpec):
                raise TypeError(f"{ep.value} is not a ReaderSpec")
        except Exception as exc:  # a third party's error of any kind
            log.warning("reader plugin %r (%s) not loaded: %s", ep.name, ep.value, exc)
            continue
        out.append(spec)
    return out


@lru_cache(maxsize=1)
def registered() -> dict[str, ReaderSpec]:
    """Suffix (".pdf") -> the reader for it. Earnest's own readers keep their suffixes: a
    plugin cannot silently change how a PDF is read."""
    by_suffix: dict[str, ReaderSpec] = {}
    for spec in _builtin() + _plugins():
        for suffix in spec.suffixes:
            suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
            if suffix in by_suffix:
                log.warning("reader for %s from %r ignored: %r reads it", suffix,
                            spec.file_type, by_suffix[suffix].file_type)
                continue
            by_suffix[suffix] = spec
    return by_suffix


def claiming(head: bytes) -> ReaderSpec | None:
    """The reader whose content check takes these first bytes, if any."""
    seen = set()
    for spec in registered().values():
        if spec.claims is not None and id(spec) not in seen:
            seen.add(id(spec))
            if spec.claims(head):
                return spec
    return None
