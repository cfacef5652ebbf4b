"""The Store protocol: narrow enough that SQLite and PostgreSQL both implement it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from earnest.models import Chunk, DocumentInfo, DocumentMetadata, Page, Passage


def text_hash(text: str) -> str:
    """The key under which a chunk's text is embedded once per library (SHA-256, hex of its
    UTF-8): PostgreSQL computes the same with sha256(convert_to(text, 'UTF8'))."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The columns a chunk and a passage are read from, in both stores. A page's headings are
# kept as a JSON list in a text column, the same in both.
CHUNK_COLUMNS = ("c.ordinal, c.page_start, c.page_end, c.char_start, c.char_end, c.text, "
                 "c.section, c.speaker, c.role, c.title, c.headings")
PASSAGE_COLUMNS = ("c.id, c.doc_id, d.doc_name, c.page_start, c.page_end, c.char_start, "
                   "c.char_end, c.text, c.section, c.speaker, c.role, c.title, c.headings")


def headings_json(headings: Sequence[str]) -> str:
    return json.dumps(list(headings), ensure_ascii=False)


def chunk_of(row: Sequence[Any]) -> Chunk:
    """A chunk from a row of ``CHUNK_COLUMNS``."""
    *fields, title, headings = row
    return Chunk(*fields, title=title, headings=tuple(json.loads(headings)))


def passage_of(row: Sequence[Any]) -> Passage:
    """A passage from a row of ``PASSAGE_COLUMNS``."""
    *fields, title, headings = row
    return Passage(*fields, title=title, headings=tuple(json.loads(headings)))


@dataclass(slots=True)
class Filters:
    """Restrict a search. Empty means everything. Metadata values match any of a list."""

    doc_names: list[str] = field(default_factory=list)
    metadata: dict[str, list[str]] = field(default_factory=dict)
    # Passage-level: the speaker's role (executive/analyst/operator), the section (a call's
    # "Prepared remarks" or "Q&A", a filing's "Item 1A" or "Note 12"), words of the
    # speaker's name or title ("CFO", "Kress").
    roles: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    # The collections a caller may see (the service injects a key's grant); empty: all.
    collections: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        """No restriction on documents (passage-level fields aside)."""
        return not self.doc_names and not self.metadata and not self.collections

    def restricts_passages(self) -> bool:
        return bool(self.roles or self.sections or self.speakers)

    def matches_passage(self, role: str | None, section: str | None,
                        speaker: str | None) -> bool:
        low = (speaker or "").lower()
        return ((not self.roles or (role or "") in self.roles)
                and (not self.sections or any(_names_section(s, section)
                                              for s in self.sections))
                and (not self.speakers or any(s.lower() in low for s in self.speakers)))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.doc_names:
            out["doc_names"] = self.doc_names
        out.update(self.metadata)
        for key in ("roles", "sections", "speakers", "collections"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def meta_matches(value: Any, wanted: list[str]) -> bool:
    """A document's metadata value (or any of a list) equals one wanted, ignoring case."""
    if value is None:
        return False
    values = value if isinstance(value, list) else [value]
    return any(str(v).lower() == str(w).lower() for v in values for w in wanted)


def _names_section(wanted: str, section: str | None) -> bool:
    """"Q&A" names the section "Q&A"; "Item 1A" or "Note 12" names "Item 1A. Risk Factors",
    "Part II, Item 1A. Risk Factors" or "Note 12. Debt" (filings' labels put numbers first)."""
    have, wanted = (section or "").lower(), wanted.lower().rstrip(".")
    return have == wanted or have.startswith(wanted + ".") or f", {wanted}." in have


def passage_condition(filters: Filters, mark: Callable[[int], str],
                      lower: str = "lower") -> tuple[str, list[Any]]:
    """``filters``' passage-level restriction as SQL over ``chunks c`` (the same rules as
    ``Filters.matches_passage``), for both stores: ``mark(i)`` writes the i-th placeholder,
    ``lower`` names a Unicode-aware lower-casing function. ("", []) when there is none."""
    parts: list[str] = []
    params: list[Any] = []

    def bind(value: Any) -> str:
        params.append(value)
        return mark(len(params) - 1)

    if filters.roles:
        parts.append(f"coalesce(c.role, '') in ({', '.join(bind(r) for r in filters.roles)})")
    if filters.sections:
        have = f"{lower}(coalesce(c.section, ''))"
        names = []
        for wanted in filters.sections:
            w = wanted.lower().rstrip(".")
            names.append(f"{have} = {bind(w)} or {have} like {bind(_like(w) + '.%')} "
                         f"escape '\\' or {have} like {bind('%, ' + _like(w) + '.%')} "
                         "escape '\\'")
        parts.append("(" + " or ".join(names) + ")")
    if filters.speakers:
        have = f"{lower}(coalesce(c.speaker, ''))"
        parts.append("(" + " or ".join(
            f"{have} like {bind('%' + _like(s.lower()) + '%')} escape '\\'"
            for s in filters.speakers) + ")")
    return " and ".join(parts), params


def _like(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(slots=True)
class NewDocument:
    doc_name: str
    source_path: str
    content_hash: str
    file_type: str
    pages: list[Page]
    chunks: list[Chunk]
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    collection: str = "default"
    added_by: str | None = None  # the key id (or "local") that added it, for lineage
    extractor: str | None = None  # the extraction version that read it, for lineage


class Store(Protocol):
    def add_document(self, doc: NewDocument) -> DocumentInfo:
        """Insert pages, chunks and keyword index in ONE transaction, replacing any document
        of the same name. Vectors come later through ``set_vectors``."""
        ...

    def find_by_hash(self, content_hash: str) -> DocumentInfo | None: ...
    def get_document(self, doc_name: str) -> DocumentInfo | None: ...
    def list_documents(self, filters: Filters | None = None) -> list[DocumentInfo]:
        """Every document, or those in ``filters.collections`` when it names any."""
        ...
    def remove_document(self, doc_name: str) -> bool: ...
    def update_metadata(self, doc_name: str, metadata: DocumentMetadata) -> DocumentInfo:
        """Replace the extracted metadata."""
        ...

    def correct_metadata(self, doc_name: str, values: dict[str, Any]) -> DocumentInfo:
        """Users' corrections, kept by document name across re-ingest; None removes one."""
        ...
    def set_sections(self, doc_name: str, sections: dict[int, str | None]) -> None:
        """Relabel chunks (by id) of a document with their form item or note; the text,
        bounds and vectors stay."""
        ...
    def set_chunk_titles(self, doc_name: str,
                         titles: dict[int, tuple[str, tuple[str, ...]]]) -> None:
        """Rewrite chunks' (by id) title and headings, which the keyword index searches with
        their text (``models.matched_text``; a library labelled by an older metadata
        extractor); text and vectors stay."""
        ...
    def page_text(self, doc_name: str, page: int) -> str | None: ...
    def pages(self, doc_name: str) -> list[Page]: ...
    def document_chunks(self, doc_name: str) -> list[tuple[int, Chunk]]:
        """(chunk id, chunk) of a document in order: what an export copies."""
        ...

    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...

    def generation(self) -> int:
        """Bumped by every change; caches and answers carry it."""
        ...

    def chunks_without_vectors(self, limit: int) -> list[tuple[int, str]]: ...
    def set_vectors(self, chunk_ids: Sequence[int], vectors: np.ndarray) -> None: ...

    def vectors_by_text_hash(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """A vector already stored for each ``text_hash`` that has one (others left out):
        the same text is embedded once per library."""
        ...

    def keyword_search(self, query: str, filters: Filters, limit: int) -> list[tuple[int, float]]:
        """(chunk id, score) best first; ``query`` is a list of terms joined by spaces."""
        ...

    def dense_search(self, vector: np.ndarray, filters: Filters,
                     limit: int) -> list[tuple[int, float]]: ...

    def vectors(self, chunk_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The unit vector of each given chunk that has one (others are left out)."""
        ...

    def get_passages(self, chunk_ids: Sequence[int]) -> list[Passage]: ...
    def stats(self) -> dict[str, Any]: ...
    def close(self) -> None: ...
