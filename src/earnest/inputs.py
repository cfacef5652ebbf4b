"""What the service takes in, checked once for the CLI and the API alike: the files of a
path, a document's name, metadata corrections, search filters; and what an ingest reports
back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol

from earnest.errors import BadName, InputError

if TYPE_CHECKING:
    from earnest.store.base import Filters


@dataclass(slots=True, kw_only=True)
class FileOutcome:
    """What became of one file: the one record the CLI's ingest report and the API's upload
    jobs (and so their JSON) share."""

    status: str
    doc_name: str | None = None
    pages: int = 0
    chunks: int = 0
    error: str | None = None
    error_code: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def take(self, other: "FileOutcome") -> None:
        """This file's outcome as ``other`` says (its status aside)."""
        self.doc_name, self.note = other.doc_name, other.note
        self.pages, self.chunks = other.pages, other.chunks
        self.error, self.error_code = other.error, other.error_code


@dataclass(slots=True, kw_only=True)
class FileResult(FileOutcome):
    """A file the service ingested (or not): ingested | unchanged | failed."""

    path: str
    seconds: float = 0.0


@dataclass(slots=True)
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    embedded: int = 0
    seconds: float = 0.0
    keyword_seconds: float = 0.0  # until every file was keyword-searchable
    embed_seconds: float = 0.0
    reused: int = 0  # of ``embedded``: vectors copied from a text already embedded

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {"files": [f.to_dict() for f in self.files], "embedded": self.embedded,
                "reused": self.reused, "seconds": round(self.seconds, 2),
                "phases": {"keyword_seconds": round(self.keyword_seconds, 2),
                           "embed_seconds": round(self.embed_seconds, 2)},
                "summary": {s: self.count(s) for s in ("ingested", "unchanged", "failed")}}


class IngestProgress(Protocol):
    """Receives progress events; the CLI draws bars from them."""

    def file_started(self, path: Path, index: int, total: int) -> None: ...
    def file_done(self, result: FileResult) -> None: ...
    def keyword_done(self, seconds: float) -> None:
        """Every file of the batch is keyword-searchable; embedding follows."""
        ...
    def embedding(self, done: int, total: int) -> None: ...


class _Silent:
    def file_started(self, path: Path, index: int, total: int) -> None: ...
    def file_done(self, result: FileResult) -> None: ...
    def keyword_done(self, seconds: float) -> None: ...
    def embedding(self, done: int, total: int) -> None: ...


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, plus the supported files under named folders, sorted, without repeats."""
    from earnest.readers import is_supported  # here: `earnest ask` via a server reads none

    out: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            is_dir = path.is_dir()
        except OSError:  # unreadable: ingest_file reports it, and the others go on
            is_dir = False
        if is_dir:
            for child in sorted(path.rglob("*")):
                if child.is_file() and is_supported(child) and not child.name.startswith("."):
                    out.setdefault(child, None)
        else:
            out.setdefault(path, None)
    return list(out)


MAX_NAME_CHARS = 200  # of a document name (the file name without its extension)
# Characters no document name may hold: they break URLs, shells, terminals or file systems.
_BAD_NAME_CHARS = set('<>:"|?*\\/') | {"\u2028", "\u2029"} | {
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}  # bidi overrides


def document_name(filename: str, where: str | None = None) -> str:
    """The document name of a file (its name without extension), or BadName naming
    ``where`` (the path given, else the file name). The one input check of names, for the
    CLI and the API alike."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    where = where or base
    # Control characters escaped, so the message is one honest line.
    shown = where if where.isprintable() else repr(where)[1:-1]
    stem = Path(base).stem if base not in (".", "..") else base
    bad = sorted({c for c in base if c in _BAD_NAME_CHARS or ord(c) < 32 or 0x7F <= ord(c) < 0xA0})
    problem = None
    if bad:
        problem = f"the name holds {', '.join(repr(c) for c in bad)}"
    elif not stem.strip(". "):
        problem = "the name has nothing but dots and spaces before its extension"
    elif stem != stem.strip() or stem.startswith("."):
        problem = "the name starts or ends with white space, or starts with a dot"
    elif len(stem) > MAX_NAME_CHARS:
        problem = f"the name is longer than {MAX_NAME_CHARS} characters"
    if problem:
        raise BadName(f"{problem}; rename the file", path=shown)
    return stem


# The whole-number fields of document metadata, with their ranges: for corrections and
# filters alike (the API's schema documents the same ranges; the service enforces them).
WHOLE_FIELDS = {"fiscal_year": (1900, 2200), "fiscal_quarter": (1, 4)}


def whole_field(key: str, value: Any) -> int:
    """A year or quarter as a whole number ("FY2024", "Q3" and 3.0 too), within its range."""
    low, high = WHOLE_FIELDS[key]
    text = str(value).strip().upper().removeprefix("FY").removeprefix("Q")
    try:
        number = int(float(text)) if text.endswith(".0") else int(text)
    except ValueError:
        raise InputError(f"{key} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise InputError(f"{key} must be {low} to {high}, got {value!r}")
    return number


DOC_TYPES = ("10-K", "10-Q", "8-K", "earnings_release", "earnings_call", "other")
# The longest text a correction of these fields may hold (other fields: TEXT_LIMIT).
TEXT_LIMITS = {"ticker": 20, "fiscal_period": 40, "period_end": 40, "doc_date": 40}
TEXT_LIMIT = 300


def validate_correction(values: dict[str, Any]) -> dict[str, Any]:
    """Years and quarters are whole numbers in range, a document type one of DOC_TYPES;
    everything else is text of a bounded length."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or key in WHOLE_FIELDS:
            out[key] = None if value is None else whole_field(key, value)
            continue
        out[key] = text = str(value)
        if key == "doc_type" and text not in DOC_TYPES:
            raise InputError(f"unknown doc_type {text!r}; types: {', '.join(DOC_TYPES)}")
        if len(text) > (limit := TEXT_LIMITS.get(key, TEXT_LIMIT)):
            raise InputError(f"{key} is longer than {limit} characters")
    return out


# Filter field names as the CLI's --filter KEY=VALUE and the API's JSON give them; any other
# key is a document metadata field (company, ticker, fiscal_year, ...).
FILTER_ALIASES = {"doc": "doc_names", "doc_name": "doc_names", "document": "doc_names",
                  "role": "roles", "section": "sections", "speaker": "speakers",
                  "collection": "collections"}
_LIST_FIELDS = ("doc_names", "roles", "sections", "speakers", "collections")
SEARCH_MODES = ("hybrid", "keyword", "dense")
ROLES = ("executive", "analyst", "operator")  # a transcript speaker's, as chunking labels them


def filter_fields(items: Iterable[str]) -> dict[str, list[str]]:
    """KEY=VALUE items (the CLI's --filter) as lists by field, aliases resolved: the shape
    of the API's ``filters`` object."""
    fields: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"--filter takes KEY=VALUE, got {item!r}")
        key, value = key.strip().lower(), value.strip()
        name = FILTER_ALIASES.get(key, key)
        fields.setdefault(name, []).append(value.lower() if name == "roles" else value)
    return fields


def filters_from(fields: Mapping[str, Iterable[Any]]) -> Filters:
    """Filters from fields by name (``filter_fields``' or the API's): the passage and
    document fields as given, every other field matched against metadata as text."""
    from earnest.store.base import Filters

    filters = Filters()
    for name, values in fields.items():
        values = [str(v) for v in values]
        if not values:
            continue
        name = FILTER_ALIASES.get(name, name)
        if name in _LIST_FIELDS:
            getattr(filters, name).extend(values)
        else:
            filters.metadata.setdefault(name, []).extend(values)
    return filters


def check_filter_values(filters: Filters) -> Filters:
    """The values of filters checked, whoever sent them: speaker roles known, years and
    quarters whole numbers in range (given as text, they are normalised: "Q3" is 3).
    Collections are checked where they are scoped (trust.operations)."""
    unknown = [r for r in filters.roles if r not in ROLES]
    if unknown:
        raise InputError(f"unknown speaker role {unknown[0]!r}; roles: {', '.join(ROLES)}")
    metadata = {key: [str(whole_field(key, v)) for v in values] if key in WHOLE_FIELDS
                else values for key, values in filters.metadata.items()}
    return replace(filters, metadata=metadata)
