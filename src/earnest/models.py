"""The data that flows between the parts. Plain dataclasses; the chunk is the unit of citation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Page:
    number: int  # 1-based, as a PDF viewer shows it
    text: str


@dataclass(slots=True)
class ParsedDocument:
    """What a reader returns: text per page, nothing interpreted yet."""

    pages: list[Page]
    file_type: str  # pdf | txt | md, or a plugin reader's (see readers/registry.py)
    encoding: str | None = None
    note: str | None = None  # a warning for the ingest result (e.g. the encoding was guessed)


@dataclass(slots=True)
class Chunk:
    """A span of one page (or, recorded as such, two): what gets indexed and cited."""

    ordinal: int
    page_start: int
    page_end: int
    char_start: int  # offset into the text of page_start
    char_end: int  # offset into the text of page_end (exclusive)
    text: str
    section: str | None = None
    speaker: str | None = None
    role: str | None = None  # the speaker's: executive | analyst | operator
    context: str = ""  # document-level words (name, company, period) indexed with the chunk


@dataclass(slots=True)
class DocumentInfo:
    id: int
    doc_name: str
    source_path: str
    content_hash: str
    file_type: str
    page_count: int
    chunk_count: int
    embedded_count: int
    status: str  # ready | embedding
    added_at: str
    metadata: dict[str, Any] = field(default_factory=dict)  # as extracted
    corrections: dict[str, Any] = field(default_factory=dict)  # by users; they win
    collection: str = "default"
    added_by: str | None = None  # key id, or "local" (CLI / no auth)
    extractor: str | None = None  # extraction version

    def effective_metadata(self) -> dict[str, Any]:
        return {**self.metadata, **self.corrections}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["metadata"] = self.effective_metadata()
        out["extracted_metadata"] = self.metadata
        return out


@dataclass(slots=True)
class Passage:
    """A retrieved chunk with its provenance and scores."""

    chunk_id: int
    doc_id: int
    doc_name: str
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    text: str
    section: str | None = None
    speaker: str | None = None
    role: str | None = None
    context: str = ""  # page headings and document words: matched, never quoted
    score: float = 0.0
    dense_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Citation:
    number: int
    doc_name: str
    page: int
    quote: str  # verbatim text of the page
    char_start: int
    char_end: int
    chunk_id: int
    speaker: str | None = None
    section: str | None = None
    role: str | None = None
    columns: str | None = None  # for a table row: the column headings it belongs under

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class SearchResult:
    query: str
    mode: str  # hybrid | keyword | dense
    passages: list[Passage]
    filters: dict[str, Any]
    timings_ms: dict[str, float]
    notes: list[str] = field(default_factory=list)
    understanding: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "mode": self.mode, "filters": self.filters,
                "passages": [p.to_dict() for p in self.passages],
                "understanding": self.understanding,
                "timings_ms": self.timings_ms, "notes": self.notes}


@dataclass(slots=True)
class Answer:
    question: str
    status: str  # answered | not_found | empty_library
    answer: str
    sentences: list[dict[str, Any]]  # {"text", "citations": [numbers]}
    citations: list[Citation]
    passages: list[Passage]  # ranked evidence the answer drew on (or the closest, if not found)
    understanding: dict[str, Any]
    timings_ms: dict[str, float]
    mode: str
    relevance: float
    library_version: dict[str, Any]
    answerer: str = "extractive"
    usage: dict[str, Any] | None = None  # LLM answers: tokens, cost, time to first token
    verification: dict[str, Any] | None = None  # LLM answers: what the verifier found
    notes: list[str] = field(default_factory=list)
    answer_id: str | None = None  # for lineage (`earnest lineage ID`) and the audit log

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Answer":
        """The inverse of ``to_dict`` (an answer from the HTTP API)."""
        return cls(question=data["question"], status=data["status"], answer=data["answer"],
                   sentences=data["sentences"],
                   citations=[Citation(**c) for c in data["citations"]],
                   passages=[Passage(**p) for p in data["passages"]],
                   understanding=data["understanding"], timings_ms=data["timings_ms"],
                   mode=data["retrieval_mode"], relevance=data["relevance"],
                   library_version=data["library_version"], answerer=data["answerer"],
                   usage=data.get("usage"), verification=data.get("verification"),
                   notes=data["notes"], answer_id=data["answer_id"])

    def to_dict(self) -> dict[str, Any]:
        out = {
            "answer_id": self.answer_id, "question": self.question, "status": self.status, "answer": self.answer,
            "sentences": self.sentences, "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "understanding": self.understanding, "timings_ms": self.timings_ms,
            "retrieval_mode": self.mode, "relevance": round(self.relevance, 4),
            "library_version": self.library_version, "answerer": self.answerer,
            "notes": self.notes,
        }
        if self.usage is not None:
            out["usage"] = self.usage
        if self.verification is not None:
            out["verification"] = self.verification
        return out
