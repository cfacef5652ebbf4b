"""The data that flows between the parts. Plain dataclasses; the chunk is the unit of citation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence


def matched_text(title: str, headings: Sequence[str]) -> str:
    """What the keyword index searches with a passage's text (and the reranker reads): the
    document's title, then the page's headings joined by spaces, "title | headings". Every
    library has indexed this form, so it must not change; vectors are of the text alone."""
    return " | ".join(x for x in (title, " ".join(headings)) if x)


def split_matched_text(context: str) -> tuple[str, tuple[str, ...]]:
    """Title and headings of the joined form stored before schema 7 (and in answers kept
    then): the headings come back as one piece, which joins to the same text."""
    title, _, headings = context.partition(" | ")
    return title, (headings,) if headings else ()


def _with_typed_fields(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``title`` and ``headings`` (a tuple); a record written before they were
    fields has the joined ``context`` instead."""
    data = dict(data)
    context = data.pop("context", "")
    if "title" not in data:
        data["title"], data["headings"] = split_matched_text(context)
    data["headings"] = tuple(data.get("headings", ()))
    return data


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
    title: str = ""  # what the document is (company, ticker, type, period): indexed, not cited
    headings: tuple[str, ...] = ()  # the page's leading headings and header rows: likewise

    @property
    def context(self) -> str:
        """The words indexed with the text: ``matched_text`` of title and headings."""
        return matched_text(self.title, self.headings)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        """A chunk of an export archive; one of version 1 has ``context`` instead."""
        return cls(**_with_typed_fields(data))


_METADATA_FIELDS = ("company", "ticker", "doc_type", "fiscal_year", "fiscal_quarter",
                    "fiscal_period", "period_end", "doc_date", "sec_file_number", "speakers",
                    "encoding", "metadata_source")


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """What a document is, as its text states it (metadata.py, filing_cover.py) or a user
    corrected it. ``to_dict`` gives back the keys it was given, nulls included (a year
    without a quarter keeps ``fiscal_quarter: null``), so stored JSON and the API's do not
    change; keys Earnest does not know (a user's, a plugin reader's) ride in ``extra``."""

    company: str | None = None
    ticker: str | None = None
    doc_type: str | None = None  # 10-K | 10-Q | 8-K | earnings_release | earnings_call | other
    fiscal_year: int | None = None
    fiscal_quarter: int | None = None
    fiscal_period: str | None = None  # "Q3 FY2024", "FY2023"
    period_end: str | None = None  # ISO date: the end of a filing's period
    doc_date: str | None = None  # ISO date the document is dated
    sec_file_number: str | None = None  # stays when a registrant is renamed
    speakers: tuple[str, ...] | None = None  # a call's
    encoding: str | None = None  # a text file's, when it was guessed
    metadata_source: dict[str, str] | None = None  # field -> text | filename | ticker | default
    extra: dict[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = ()  # the keys given, in order

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DocumentMetadata":
        known = {k: v for k, v in data.items() if k in _METADATA_FIELDS}
        if known.get("speakers") is not None:
            known["speakers"] = tuple(known["speakers"])
        if known.get("metadata_source") is not None:
            known["metadata_source"] = dict(known["metadata_source"])
        return cls(**known, extra={k: v for k, v in data.items() if k not in _METADATA_FIELDS},
                   keys=tuple(data))

    def get(self, key: str, default: Any = None) -> Any:
        """The value of a field named at run time (a metadata filter's, a correction's)."""
        if key in _METADATA_FIELDS:
            value = getattr(self, key)
            return default if value is None and key not in self.keys else value
        return self.extra.get(key, default)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the keys given, then any field set since (``dataclasses.replace``)."""
        names = list(self.keys) + [k for k in _METADATA_FIELDS
                                   if k not in self.keys and getattr(self, k) is not None]
        out: dict[str, Any] = {}
        for key in names:
            value = self.extra[key] if key in self.extra else getattr(self, key)
            out[key] = list(value) if isinstance(value, tuple) else \
                dict(value) if isinstance(value, dict) else value
        return out

    def updated(self, values: dict[str, Any]) -> "DocumentMetadata":
        """These values over this metadata (a user's corrections, a reader's encoding)."""
        return DocumentMetadata.from_dict({**self.to_dict(), **values})


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
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)  # as extracted
    corrections: dict[str, Any] = field(default_factory=dict)  # by users; they win
    collection: str = "default"
    added_by: str | None = None  # key id, or "local" (CLI / no auth)
    extractor: str | None = None  # extraction version

    def effective_metadata(self) -> DocumentMetadata:
        return self.metadata.updated(self.corrections) if self.corrections else self.metadata

    def to_dict(self) -> dict[str, Any]:
        out = {f: getattr(self, f) for f in self.__dataclass_fields__}
        out["metadata"] = self.effective_metadata().to_dict()
        out["extracted_metadata"] = self.metadata.to_dict()
        out["corrections"] = dict(self.corrections)
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
    title: str = ""  # what the document is: matched, never quoted
    headings: tuple[str, ...] = ()  # the page's headings: likewise
    score: float = 0.0
    dense_score: float | None = None

    @property
    def context(self) -> str:
        """The words the keyword index matched with the text (``matched_text``)."""
        return matched_text(self.title, self.headings)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["headings"] = list(self.headings)
        out["context"] = self.context  # the joined form, for clients of earlier versions
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Passage":
        """The inverse of ``to_dict``; an answer kept before schema 7 has only ``context``."""
        return cls(**_with_typed_fields(data))


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


@dataclass(slots=True, frozen=True)
class Stats:
    """What a library (or the part of it a caller may see) holds."""

    documents: int
    pages: int
    chunks: int
    embedded: int  # chunks with a vector
    generation: int  # bumped by every change to the library
    schema_version: int
    path: str  # the SQLite file, or the PostgreSQL URL without its password

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class NumberCheck:
    """A figure of a generated sentence and where the verifier found it."""

    text: str
    status: str  # quoted | rounded | computed | unsupported
    source: int | None = None
    computation: str | None = None
    contradicted: int | None = None  # the cited source stating it in the opposite direction

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in {"text": self.text, "status": self.status,
                                  "source": self.source, "computation": self.computation,
                                  "contradicted": self.contradicted}.items() if v is not None}


@dataclass(slots=True)
class Sentence:
    """A sentence of an answer and the sources it cites. A generated sentence also carries
    what the verifier found (``status`` and after); a quoted one has no ``status``."""

    text: str
    citations: list[int]
    status: str | None = None  # verified | flagged | removed | abstention
    issues: list[dict[str, str]] = field(default_factory=list)  # {code, detail}
    numbers: list[NumberCheck] = field(default_factory=list)
    support: float = 0.0
    semantic: float | None = None
    evidence: str | None = None  # the cited words that best support the sentence

    @property
    def ok(self) -> bool:
        return not self.issues

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "citations": self.citations}
        if self.status is None:
            return out
        out.update({"status": self.status, "issues": self.issues,
                    "numbers": [n.to_dict() for n in self.numbers],
                    "support": round(self.support, 3)})
        if self.semantic is not None:
            out["semantic"] = round(self.semantic, 3)
        if self.evidence:
            out["evidence"] = self.evidence
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Sentence":
        return cls(data["text"], list(data["citations"]), data.get("status"),
                   list(data.get("issues", [])),
                   [NumberCheck(**n) for n in data.get("numbers", [])],
                   data.get("support", 0.0), data.get("semantic"), data.get("evidence"))


@dataclass(slots=True)
class Verification:
    """What the verifier found over an LLM answer's sentences."""

    sentences: int  # generated sentences that claim something (abstentions aside)
    verified: int
    flagged: int
    removed: int
    abstentions: int
    unsupported_numbers: int
    computed_numbers: int
    details: list[Sentence]  # every generated sentence, abstentions included
    mode: str | None = None  # llm.unsupported: flag | remove

    @classmethod
    def of(cls, checks: list[Sentence], mode: str | None = None) -> "Verification":
        claims = [c for c in checks if c.status != "abstention"]
        count = lambda status: sum(1 for c in claims if c.status == status)  # noqa: E731
        numbers = [n.status for c in claims for n in c.numbers]
        return cls(len(claims), count("verified"), count("flagged"), count("removed"),
                   len(checks) - len(claims), numbers.count("unsupported"),
                   numbers.count("computed"), list(checks), mode)

    def counts(self) -> dict[str, Any]:
        """The block without its details."""
        return {k: v for k, v in self.to_dict().items() if k != "details"}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sentences": self.sentences, "verified": self.verified, "flagged": self.flagged,
            "removed": self.removed, "abstentions": self.abstentions,
            "unsupported_numbers": self.unsupported_numbers,
            "computed_numbers": self.computed_numbers,
            "details": [d.to_dict() for d in self.details]}
        if self.mode is not None:
            out["mode"] = self.mode
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Verification":
        return cls(**{**{k: 0 for k in ("sentences", "verified", "flagged", "removed",
                                         "abstentions", "unsupported_numbers",
                                         "computed_numbers")},
                      **{k: v for k, v in data.items() if k != "details"},
                      "details": [Sentence.from_dict(d) for d in data.get("details", [])]})


@dataclass(slots=True)
class Usage:
    """One LLM call: tokens, cost, time; ``error`` when the call failed (then the extractive
    answer was shown)."""

    model: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    priced: bool = False
    estimated: bool = True  # tokens counted by Earnest, the server sent none
    ttft_ms: float | None = None
    llm_ms: float | None = None
    attempts: int | None = None
    finish_reason: str | None = None
    error: str | None = None  # the LLMError code
    prompt_sha256: str | None = None  # the audit log keeps this, not the prompt

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model, "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens, "total_tokens": self.total_tokens,
            "cost_usd": self.cost_usd, "priced": self.priced, "estimated": self.estimated,
            "ttft_ms": self.ttft_ms, "llm_ms": self.llm_ms}
        if self.error is not None:
            out["error"] = self.error
        else:  # a call that answered
            out.update({"attempts": self.attempts, "finish_reason": self.finish_reason})
        if self.prompt_sha256 is not None:
            out["prompt_sha256"] = self.prompt_sha256
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Usage":
        return cls(**{k: v for k, v in data.items() if k != "total_tokens"})


@dataclass(slots=True)
class Answer:
    question: str
    status: str  # answered | not_found | empty_library
    answer: str
    sentences: list[Sentence]
    citations: list[Citation]
    passages: list[Passage]  # ranked evidence the answer drew on (or the closest, if not found)
    understanding: dict[str, Any]
    timings_ms: dict[str, float]
    mode: str
    relevance: float
    library_version: dict[str, Any]
    answerer: str = "extractive"
    usage: Usage | None = None  # LLM answers: tokens, cost, time to first token
    verification: Verification | None = None  # LLM answers: what the verifier found
    notes: list[str] = field(default_factory=list)
    answer_id: str | None = None  # for lineage (`earnest lineage ID`) and the audit log

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Answer":
        """The inverse of ``to_dict`` (an answer from the HTTP API)."""
        return cls(question=data["question"], status=data["status"], answer=data["answer"],
                   sentences=[Sentence.from_dict(s) for s in data["sentences"]],
                   citations=[Citation(**c) for c in data["citations"]],
                   passages=[Passage.from_dict(p) for p in data["passages"]],
                   understanding=data["understanding"], timings_ms=data["timings_ms"],
                   mode=data["retrieval_mode"], relevance=data["relevance"],
                   library_version=data["library_version"], answerer=data["answerer"],
                   usage=Usage.from_dict(data["usage"]) if data.get("usage") is not None else None,
                   verification=Verification.from_dict(data["verification"])
                   if data.get("verification") is not None else None,
                   notes=data["notes"], answer_id=data["answer_id"])

    def to_dict(self) -> dict[str, Any]:
        out = {
            "answer_id": self.answer_id, "question": self.question, "status": self.status, "answer": self.answer,
            "sentences": [s.to_dict() for s in self.sentences], "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "understanding": self.understanding, "timings_ms": self.timings_ms,
            "retrieval_mode": self.mode, "relevance": round(self.relevance, 4),
            "library_version": self.library_version, "answerer": self.answerer,
            "notes": self.notes,
        }
        if self.usage is not None:
            out["usage"] = self.usage.to_dict()
        if self.verification is not None:
            out["verification"] = self.verification.to_dict()
        return out
