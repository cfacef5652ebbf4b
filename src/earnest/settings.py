"""Typed settings, passed in; nothing here is read at import time."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)
from pydantic_settings.sources.utils import parse_env_vars

from earnest.errors import ConfigError

DEFAULT_HOME = Path("~/.earnest").expanduser()
ENV_PREFIX = "EARNEST_"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChunkSettings(_Section):
    # Word pieces of the embedding model's tokenizer; 240 fits MiniLM's 256 with room for
    # its two special tokens, so every word of a chunk is embedded.
    max_tokens: int = Field(240, ge=16, le=2000)
    overlap_sentences: int = Field(1, ge=0, le=5)


class EmbedSettings(_Section):
    # A registered embedder (embedding.embedder_factories): Earnest's own, or a package's.
    model: str = Field("minilm-int8", min_length=1)
    batch_size: int = Field(32, ge=1, le=512)
    max_tokens: int = Field(256, ge=16, le=512)
    threads: int = Field(0, ge=0, le=64)  # 0: onnxruntime decides (1 with parallel batches)
    # Model calls run at once from threads, each on `threads` intra-op threads; 0: one per
    # CPU, 1: one call at a time (docs/performance.md, "Model calls side by side").
    parallel_batches: int = Field(0, ge=0, le=64)
    # Vectors keyed by (model, text hash); shared between libraries when pointed at one file.
    cache_path: Path | None = None


class RetrieveSettings(_Section):
    k: int = Field(5, ge=1, le=100)
    candidates: int = Field(60, ge=5, le=1000)
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    keyword_weight: float = Field(1.0, ge=0)
    # Rerank score = these weights times: dense cosine, term coverage, fused rank score,
    # and how well the passage's document matches the names and years in the question.
    rerank_dense: float = Field(0.10, ge=0)
    rerank_coverage: float = Field(0.35, ge=0)
    rerank_fusion: float = Field(0.15, ge=0)
    # Bonus for the words of what is asked together in one sentence or table row. This and
    # rerank_dense were chosen together on the tune part (bench/tune.py, docs/accuracy.md).
    rerank_sentence: float = Field(0.2, ge=0)
    rerank_document: float = Field(0.45, ge=0)
    # Bonus for a table on the financial statement the question points at.
    rerank_statement: float = Field(0.25, ge=0)
    # Bonus for stating the kind of figure asked for (a percentage, an amount, EPS).
    rerank_figures: float = Field(0.15, ge=0)
    # Bonus when the speaker is who the question names ("the CFO", "analysts").
    rerank_speaker: float = Field(0.2, ge=0)
    # Bonus for a table headed by the span asked ("twelve months ended" for a year) where the
    # same document also has tables of the other span.
    rerank_span: float = Field(0.1, ge=0)
    # Bonus for a note to the financial statements titled by the question's subject.
    rerank_note: float = Field(0.05, ge=0)
    # Bonus, for a question about guidance, for a sentence stating an expectation with a
    # figure (statement_cues.outlook_statement).
    rerank_outlook: float = Field(0.1, ge=0)
    # Bonus for a passage in the form item or note whose title names the question's subject
    # ("risks" -> Item 1A Risk Factors), times its coverage. Off by default: on the embedded
    # FinanceBench library 0.1 lost a held-out question at @5 (docs/sections.md).
    rerank_section: float = Field(0.0, ge=0)
    # The same for the parts of an earnings release (Outlook for a guidance question, the
    # non-GAAP reconciliation for an adjusted measure), times its coverage (docs/sections.md).
    rerank_release_part: float = Field(0.2, ge=0)
    # Bonus for a passage whose neighbours (candidates of its document on its page or the
    # page either side) score high, times the best neighbour's score above the lowest
    # candidate's (retrieval.support_of_neighbours; chosen on the tune part, bench/tune.py).
    rerank_neighbours: float = Field(0.15, ge=0)
    # Malus for a near copy (cosine > 0.9) of a better-ranked passage on another page.
    rerank_repeat: float = Field(0.2, ge=0)
    # Stages, candidate generators or rerank features turned off by name (see
    # docs/retrieval.md): "rerank", "repeats", "periods", "keyword_focus", "note", ...
    disabled: list[str] = Field(default_factory=list)


class AnswerSettings(_Section):
    # Registered answerers (answer.registry): Earnest's own, or a package's. ``answerer``
    # answers unless an LLM answer is asked for; then ``llm_answerer`` (needs llm.base_url).
    answerer: str = Field("extractive", min_length=1)
    llm_answerer: str = Field("generative", min_length=1)
    max_sentences: int = Field(5, ge=1, le=20)
    # Calibrated on ../shared/data (see docs/calibration.md): below it the answer is "not found".
    min_relevance: float = Field(0.38, ge=0, le=1)


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Per upload request; each file is also held to max_file_mb.
    max_upload_files: int = Field(100, ge=1, le=10000)
    # Finished upload jobs kept for polling.
    keep_jobs: int = Field(200, ge=1, le=100000)
    # A whole upload request, by its Content-Length; refused before it is read.
    max_upload_mb: float = Field(1000.0, gt=0)
    # Host names the server answers to (DNS-rebinding guard). Empty: the loopback names and
    # `host`; "*": any (the default when `host` is not a loopback address).
    allowed_hosts: list[str] = Field(default_factory=list)
    # Page images rendered at once; more get 503 with Retry-After (pdfium renders one at a
    # time anyway, and each waiting request would hold a worker thread).
    max_renders: int = Field(2, ge=1, le=64)
    # Questions (asks and searches) admitted at once, answering or waiting for a thread; more
    # get 503 with Retry-After at once instead of joining a queue that only grows (200 askers
    # on two cores wait 10 s each; see docs/load.md).
    max_asks: int = Field(256, ge=1, le=100000)
    # `earnest ask` answers through a running `earnest serve` of the same library at
    # host:port when one is up (no model or library to load: well under a second).
    ask_via_server: bool = True


class StoreSettings(_Section):
    # Unset: SQLite in the library folder. "postgresql://user@host/db": a PostgreSQL
    # database with pgvector (pip install 'earnest[postgres]'); the folder keeps originals.
    url: str | None = None
    # Streaming replicas of that database (PostgreSQL only): searches, answers' retrieval and
    # document listings read one of them (each process keeps to one) when it has replayed the
    # newest generation the process knows; the primary is asked for that at most every
    # read_check_seconds. Writes always go to url. EARNEST_STORE__READ_URLS: comma-separated.
    read_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    read_check_seconds: float = Field(1.0, ge=0, le=3600)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("postgresql", "postgres"):
            raise ValueError("store.url must start with postgresql:// (or be unset for SQLite)")
        return value or None

    @field_validator("read_urls", mode="before")
    @classmethod
    def _replica_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        for url in value if isinstance(value, list) else []:
            if urlsplit(str(url)).scheme not in ("postgresql", "postgres"):
                raise ValueError(f"store.read_urls: {url!r} must start with postgresql://")
        return value

    @model_validator(mode="after")
    def _replicas_need_primary(self) -> "StoreSettings":
        if self.read_urls and not self.url:
            raise ValueError("store.read_urls needs store.url: read replicas are of a "
                             "PostgreSQL library")
        return self


class WorkerSettings(_Section):
    # PostgreSQL libraries only. A claimed upload is a worker's for this long, renewed while
    # it works; when a worker dies its file is taken again after at most this long.
    lease_seconds: float = Field(60.0, ge=1, le=86400)
    # How often an idle worker looks for new uploads.
    poll_seconds: float = Field(1.0, gt=0, le=600)
    # Each `earnest serve` process also ingests uploads itself; false when `earnest worker`
    # processes do it.
    in_server: bool = True


class AuthSettings(_Section):
    # Off by default on loopback; on as soon as any key exists, or always with this set.
    required: bool = False
    # Requests per minute per key (a token bucket); 0: no limit.
    rate_per_minute: float = Field(600.0, ge=0)
    rate_burst: int = Field(60, ge=1, le=100000)
    # A web sign-in lasts this long (sessions live in the server's memory).
    session_hours: float = Field(12.0, gt=0, le=24 * 30)


class AuditSettings(_Section):
    # Off only to measure what it costs (bench/audit.py); answers then have no lineage.
    enabled: bool = True


class LogSettings(_Section):
    # "json": one JSON object a line for a log shipper (Loki, Elasticsearch, CloudWatch), each
    # with its request id and, for the access line, method, route, status and duration.
    format: Literal["text", "json"] = "text"
    level: Literal["debug", "info", "warning", "error"] = "info"


class TraceSettings(_Section):
    # An OTLP/HTTP traces endpoint ("http://collector:4318/v1/traces"): `earnest serve` then
    # sends a trace of every answer and uploaded file (needs the otel extra). Unset: none.
    otlp_endpoint: str | None = None
    service_name: str = "earnest"


class ModelPrice(_Section):
    """List prices in US dollars per million tokens."""

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


# Example list prices (USD per million tokens, OpenAI's price page, 2025); local servers are
# free. Override or extend with [llm.prices."MODEL"] in earnest.toml.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(input_per_mtok=0.15, output_per_mtok=0.60),
    "gpt-4o": ModelPrice(input_per_mtok=2.50, output_per_mtok=10.00),
    "gpt-4.1": ModelPrice(input_per_mtok=2.00, output_per_mtok=8.00),
    "gpt-4.1-mini": ModelPrice(input_per_mtok=0.40, output_per_mtok=1.60),
    "gpt-4.1-nano": ModelPrice(input_per_mtok=0.10, output_per_mtok=0.40),
}


class LLMSettings(_Section):
    # An OpenAI-compatible endpoint, up to and including /v1; unset means no LLM at all.
    base_url: str | None = None
    model: str | None = None
    # The *name* of the variable holding the key, so the key never sits in a config file.
    # Unset: OPENAI_API_KEY, sent to https://api.openai.com only (see ``api_key``).
    api_key_env: str | None = None
    timeout_s: float = Field(60.0, gt=0)  # longest wait for the first or next streamed bytes
    connect_timeout_s: float = Field(5.0, gt=0)
    max_tokens: int = Field(400, ge=16, le=32000)
    temperature: float = Field(0.0, ge=0, le=2)
    # on 429, 5xx, refused / timed-out connects and dropped connections, before any text
    max_retries: int = Field(2, ge=0, le=10)
    retry_backoff_s: float = Field(0.5, ge=0, le=60)  # doubled each retry
    max_sources: int = Field(5, ge=1, le=50)  # passages given to the model, best first
    unsupported: Literal["flag", "remove"] = "flag"
    # Share of a sentence's content words that its cited passages must contain.
    min_support: float = Field(0.6, ge=0, le=1)
    prices: dict[str, ModelPrice] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    @field_validator("prices")
    @classmethod
    def _keep_default_prices(cls, value: dict[str, ModelPrice]) -> dict[str, ModelPrice]:
        return {**DEFAULT_PRICES, **value}  # a config file adds models, not replaces the table

    @property
    def configured(self) -> bool:
        return bool(self.base_url)

    def api_key(self, env: Mapping[str, str]) -> str | None:
        """The key to send as a Bearer token: the variable ``api_key_env`` names, when set;
        otherwise OPENAI_API_KEY, and only to https://api.openai.com - an OpenAI key set for
        other tools must not go to whatever host ``base_url`` names."""
        if self.api_key_env:
            return env.get(self.api_key_env) or None
        parts = urlsplit(self.base_url or "")
        if parts.scheme == "https" and parts.hostname == "api.openai.com":
            return env.get("OPENAI_API_KEY") or None
        return None

    def price(self, model: str | None) -> ModelPrice | None:
        """The price of ``model``; a dated snapshot ("gpt-4o-mini-2024-07-18") takes its
        family's (the longest name it starts with)."""
        if not model:
            return None
        if model in self.prices:
            return self.prices[model]
        names = [n for n in self.prices if model.startswith(n + "-")]
        return self.prices[max(names, key=len)] if names else None


# Set by Settings.load for the one construction it makes: (variables, TOML file).
_LAYERS: ContextVar[tuple[Mapping[str, str], Path | None] | None] = ContextVar(
    "earnest_settings_layers", default=None)


class _Variables(EnvSettingsSource):
    """EARNEST_* from the mapping given to ``Settings.load`` (os.environ by default)."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        self._variables = variables
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._variables, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)


class Settings(BaseSettings):
    # pydantic-settings layers arguments over EARNEST_* variables (EARNEST_RETRIEVE__K: a
    # section's field) over the TOML file; only Settings.load reads them: Settings(...) and
    # model_validate take what they are given and nothing else.
    model_config = SettingsConfigDict(extra="forbid", env_prefix=ENV_PREFIX,
                                      env_nested_delimiter="__", case_sensitive=False)

    library: Path = DEFAULT_HOME
    max_file_mb: float = Field(200.0, gt=0)
    # Characters of text in one document (a 10-K has about 1.5 million); ingesting costs
    # about 80 MB of memory per million, so the default keeps a file well under 1 GB.
    max_document_chars: int = Field(5_000_000, ge=1000)
    # Processes that parse files at once during an ingest (this one still writes the
    # library); 0: one per CPU, 1: parse in this process.
    parse_processes: int = Field(0, ge=0, le=256)
    chunk: ChunkSettings = ChunkSettings()
    embed: EmbedSettings = EmbedSettings()
    retrieve: RetrieveSettings = RetrieveSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    server: ServerSettings = ServerSettings()
    store: StoreSettings = StoreSettings()
    worker: WorkerSettings = WorkerSettings()
    auth: AuthSettings = AuthSettings()
    audit: AuditSettings = AuditSettings()
    log: LogSettings = LogSettings()
    trace: TraceSettings = TraceSettings()

    def index_identity(self) -> str:
        """Hash of the settings that change what is stored; a mismatch means re-ingest."""
        key = {"chunk": self.chunk.model_dump(), "embed_model": self.embed.model,
               "embed_max_tokens": self.embed.max_tokens}
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   **_: PydanticBaseSettingsSource
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        layers = _LAYERS.get()
        if layers is None:
            return (init_settings,)
        variables, toml_file = layers
        return (init_settings, _Variables(settings_cls, variables),
                TomlConfigSettingsSource(settings_cls, toml_file=toml_file))

    @classmethod
    def load(cls, library: str | Path | None = None, *, config_file: str | Path | None = None,
             env: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from (lowest first) defaults, a TOML file, EARNEST_* variables, arguments.

        The library is ``library`` if given, else ``EARNEST_HOME``, else ``~/.earnest``.
        The config file is ``config_file``, else ``EARNEST_CONFIG``, else ``<library>/earnest.toml``.
        """
        env = dict(os.environ if env is None else env)
        home = Path(library or env.get("EARNEST_HOME") or DEFAULT_HOME).expanduser()
        cfg = Path(config_file or env.get("EARNEST_CONFIG") or home / "earnest.toml")
        named = bool(config_file or env.get("EARNEST_CONFIG"))
        if named or cfg.exists():
            try:  # read here first: a missing or broken file is an error naming it
                tomllib.loads(cfg.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"cannot read config file: {exc}", path=str(cfg)) from exc
        variables = {_env_name(name): value for name, value in env.items()
                     if name not in ("EARNEST_HOME", "EARNEST_CONFIG")}
        data: dict[str, Any] = {}
        for name, value in overrides.items():
            if value is not None:
                _set_path(data, name.split("__"), value)
        data["library"] = home
        token = _LAYERS.set((variables, cfg if cfg.exists() else None))
        try:
            return cls(**data)
        except (ValidationError, SettingsError) as exc:
            raise ConfigError(f"invalid settings: {exc}") from exc
        finally:
            _LAYERS.reset(token)


def _env_name(name: str) -> str:
    """EARNEST_RETRIEVE_K names retrieve.k as EARNEST_RETRIEVE__K does: a shorthand the
    README has always taken, which pydantic-settings' one delimiter does not know."""
    upper = name.upper()
    if not upper.startswith(ENV_PREFIX) or "__" in upper:
        return name
    rest = upper[len(ENV_PREFIX):]
    for section in _SECTIONS:
        if rest.startswith(section.upper() + "_"):
            return f"{ENV_PREFIX}{section.upper()}__{rest[len(section) + 1:]}"
    return name


_SECTIONS = {"chunk", "embed", "retrieve", "answer", "llm", "server", "store", "auth",
             "audit", "worker", "log", "trace"}


def _set_path(data: dict[str, Any], parts: list[str], value: Any) -> None:
    """The argument retrieve__k=8 sets data['retrieve']['k']."""
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
