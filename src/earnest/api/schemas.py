"""Request and response schemas of the HTTP API (``XCreate`` in, ``XPublic`` out)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from earnest.api.jobs import JobFile
from earnest.inputs import (
    DOC_TYPES,
    ROLES,
    SEARCH_MODES,
    TEXT_LIMIT,
    TEXT_LIMITS,
    WHOLE_FIELDS,
    filters_from,
)
from earnest.store import Filters

COLLECTION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"  # as keys.check_collection accepts
# A collection's name, as keys.check_collection accepts it (the schema says what is valid).
CollectionName = Annotated[str, StringConstraints(pattern=COLLECTION_PATTERN)]

class _Strict(BaseModel):
    """Request bodies: unknown fields refused, and no coercion (``true`` is not a number,
    ``0`` not a boolean, ``"5"`` not an integer), so the schema says exactly what passes."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _whole(value: Any) -> Any:
    """JSON has one number type: 32.0 is the integer 32 (JSON Schema agrees); 32.5 is not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Value rules the service checks for every caller (so the API, the CLI and Python refuse a
# bad value with the same message): the schema only documents them. JSON types stay the
# schema's to enforce.
def _int_in(low: int, high: int) -> Any:
    return Annotated[int, BeforeValidator(_whole),
                     WithJsonSchema({"type": "integer", "minimum": low, "maximum": high})]


def _unicode(value: str) -> str:
    """Text a JSON string may carry but Unicode may not (a lone surrogate, ``"\\ud800"``) is a
    malformed body: refused here (422), never passed on to be stored or logged."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text (a lone surrogate)") from None
    return value


def _text(schema: dict[str, Any]) -> Any:
    return Annotated[str, AfterValidator(_unicode), WithJsonSchema({"type": "string", **schema})]


Year = _int_in(*WHOLE_FIELDS["fiscal_year"])
Quarter = _int_in(*WHOLE_FIELDS["fiscal_quarter"])
K = _int_in(1, 100)
Role = _text({"enum": list(ROLES)})
Collection = _text({"pattern": COLLECTION_PATTERN})
Question = _text({"minLength": 1, "maxLength": 2000})
DocType = _text({"enum": list(DOC_TYPES)})
Mode = _text({"enum": list(SEARCH_MODES), "default": "hybrid"})


def _Text(field: str) -> Any:  # noqa: N802 - a type
    return _text({"maxLength": TEXT_LIMITS.get(field, TEXT_LIMIT)})


class FiltersIn(_Strict):
    """Strict filters; each list matches any of its values. Empty means everything."""

    doc_names: list[str] = Field(default_factory=list, max_length=500)
    company: list[str] = Field(default_factory=list, max_length=50)
    ticker: list[str] = Field(default_factory=list, max_length=50)
    doc_type: list[str] = Field(default_factory=list, max_length=10)
    fiscal_year: list[Year] = Field(default_factory=list, max_length=50)
    fiscal_quarter: list[Quarter] = Field(default_factory=list, max_length=4)
    roles: list[Role] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list, max_length=10)
    speakers: list[str] = Field(default_factory=list, max_length=20)
    collections: list[Collection] = Field(default_factory=list, max_length=50,
                                   description="Narrow to these collections (of those the "
                                   "key may see)")

    def to_filters(self) -> Filters:
        return filters_from(self.model_dump())


class AskCreate(_Strict):
    question: Question
    k: K | None = None
    filters: FiltersIn = Field(default_factory=FiltersIn)
    stream: bool = Field(False, description="Stream Server-Sent Events instead of one JSON "
                                            "object (also chosen by Accept: text/event-stream)")
    llm: bool | None = Field(None, description="Use the configured LLM (true), the extractive "
                                               "answerer (false), or the library default")
    include_tokens: bool = Field(False, description="When streaming an LLM answer, also send "
                                 "the model's raw text as `token` events, for progress only: "
                                 "it is NOT verified. Sentences come as `sentence`/`delta` "
                                 "events once checked.")


class SearchCreate(_Strict):
    query: Question
    k: K | None = None
    mode: Mode = "hybrid"
    filters: FiltersIn = Field(default_factory=FiltersIn)


class MetadataUpdate(_Strict):
    """Corrections; null restores the extracted value. At least one field."""

    model_config = ConfigDict(extra="forbid", strict=True,
                              json_schema_extra={"minProperties": 1})

    company: _Text("company") | None = None
    ticker: _Text("ticker") | None = None
    doc_type: DocType | None = None
    fiscal_year: Year | None = None
    fiscal_quarter: Quarter | None = None
    fiscal_period: _Text("fiscal_period") | None = None
    period_end: _Text("period_end") | None = None
    doc_date: _Text("doc_date") | None = None

    def values(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None
    request_id: str | None = Field(None, description="Also the X-Request-Id header, and in "
                                   "the server's log line for the request")


class ErrorPublic(BaseModel):
    error: ErrorDetail


class DocumentPublic(BaseModel):
    doc_name: str
    file_type: str
    page_count: int
    chunk_count: int
    embedded_count: int
    status: str
    added_at: str
    source_path: str
    metadata: dict[str, Any]
    extracted_metadata: dict[str, Any]
    corrections: dict[str, Any]
    collection: str = "default"
    added_by: str | None = None
    extractor: str | None = None


class DocumentsPublic(BaseModel):
    documents: list[DocumentPublic]
    stats: dict[str, Any]


class JobPublic(BaseModel):
    id: str
    status: str
    created_at: float
    finished_at: float | None
    collection: str = "default"
    counts: dict[str, int]
    files: list[JobFile]  # the jobs' own record (api.jobs), as JSON


class PageTextPublic(BaseModel):
    doc_name: str
    page: int
    page_count: int
    file_type: str
    text: str
    highlight: list[int] | None = Field(None, description="[start, end) of the quote in text")


class HighlightPublic(BaseModel):
    doc_name: str
    page: int
    boxes: list[dict[str, float]]
    found: bool


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "Bad input"},
    401: {"model": ErrorPublic, "description": "No valid API key (auth is on)"},
    403: {"model": ErrorPublic, "description": "The key's role does not allow this"},
    429: {"model": ErrorPublic, "description": "Too many requests for this key"},
    404: {"model": ErrorPublic, "description": "Not found"},
    422: {"model": ErrorPublic, "description": "Invalid request"},
}
