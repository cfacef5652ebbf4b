"""Request and response schemas of the HTTP API (``XCreate`` in, ``XPublic`` out)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from earnest.api.jobs import JobFile
from earnest.inputs import filters_from
from earnest.store import Filters

# A collection's name, as keys.check_collection accepts it (the schema says what is valid).
CollectionName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]

class _Strict(BaseModel):
    """Request bodies: unknown fields refused, and no coercion (``true`` is not a number,
    ``0`` not a boolean, ``"5"`` not an integer), so the schema says exactly what passes."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _whole(value: Any) -> Any:
    """JSON has one number type: 32.0 is the integer 32 (JSON Schema agrees); 32.5 is not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Year = Annotated[int, Field(ge=1900, le=2200), BeforeValidator(_whole)]
Quarter = Annotated[int, Field(ge=1, le=4), BeforeValidator(_whole)]
K = Annotated[int, Field(ge=1, le=100), BeforeValidator(_whole)]


class FiltersIn(_Strict):
    """Strict filters; each list matches any of its values. Empty means everything."""

    doc_names: list[str] = Field(default_factory=list, max_length=500)
    company: list[str] = Field(default_factory=list, max_length=50)
    ticker: list[str] = Field(default_factory=list, max_length=50)
    doc_type: list[str] = Field(default_factory=list, max_length=10)
    fiscal_year: list[Year] = Field(default_factory=list, max_length=50)
    fiscal_quarter: list[Quarter] = Field(default_factory=list, max_length=4)
    roles: list[Literal["executive", "analyst", "operator"]] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list, max_length=10)
    speakers: list[str] = Field(default_factory=list, max_length=20)
    collections: list[CollectionName] = Field(default_factory=list, max_length=50,
                                   description="Narrow to these collections (of those the "
                                   "key may see)")

    def to_filters(self) -> Filters:
        return filters_from(self.model_dump())


class AskCreate(_Strict):
    question: str = Field(min_length=1, max_length=2000)
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
    query: str = Field(min_length=1, max_length=2000)
    k: K | None = None
    mode: Literal["hybrid", "keyword", "dense"] = "hybrid"
    filters: FiltersIn = Field(default_factory=FiltersIn)


class MetadataUpdate(_Strict):
    """Corrections; null restores the extracted value. At least one field."""

    model_config = ConfigDict(extra="forbid", strict=True,
                              json_schema_extra={"minProperties": 1})

    company: str | None = Field(None, max_length=300)
    ticker: str | None = Field(None, max_length=20)
    doc_type: Literal["10-K", "10-Q", "8-K", "earnings_release", "earnings_call",
                      "other"] | None = None
    fiscal_year: Year | None = None
    fiscal_quarter: Quarter | None = None
    fiscal_period: str | None = Field(None, max_length=40)
    period_end: str | None = Field(None, max_length=40)
    doc_date: str | None = Field(None, max_length=40)

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
