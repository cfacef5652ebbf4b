"""Prometheus metrics, one registry per app (so tests and two apps in a process don't mix).

Names follow the OpenTelemetry semantic conventions as their Prometheus exporter spells them
(dots become underscores, the unit "s" becomes a ``_seconds`` suffix): the HTTP server
histogram ``http.server.request.duration`` and the GenAI client metrics
``gen_ai.client.token.usage``, ``gen_ai.client.operation.duration``,
``gen_ai.client.operation.time_to_first_chunk`` and ``gen_ai.retrieval.duration``. So a
dashboard written for any OTel-instrumented service reads these too. Earnest's own counts
(ingest, answers, verification) keep the ``earnest_`` prefix.

We use the maintained ``prometheus-client`` package rather than writing the exposition format
by hand: it gets escaping, ``_total``/``_bucket`` suffixes and content negotiation right, and
it is a small pure-Python wheel with no dependencies.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# The OTel HTTP semantic conventions' advised buckets, up to the 60 s of a slow LLM answer.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60)
# gen_ai.client.token.usage's advised buckets (powers of four), up to a 1M-token prompt.
_TOKENS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576)
_GENAI = ["gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model"]
# The stages of an answer that are retrieval (gen_ai.retrieval.duration): find, then rank.
_RETRIEVAL_STAGES = ("retrieve", "rerank")


class Metrics:
    def __init__(self, tracing: Any = None) -> None:
        self.tracing = tracing  # earnest.tracing.Tracing when trace.otlp_endpoint is set
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_duration = Histogram(
            "http_server_request_duration_seconds", "Duration of HTTP server requests",
            ["http_request_method", "http_route", "http_response_status_code"],
            buckets=_LATENCY, registry=r)
        self.http_active = Gauge("http_server_active_requests",
                                 "HTTP server requests being handled",
                                 ["http_request_method"], registry=r)
        self.ingest_files = Counter("earnest_ingest_files", "Uploaded files by outcome",
                                    ["status"], registry=r)
        self.ingest_pages = Counter("earnest_ingest_pages", "Pages ingested", registry=r)
        self.ingest_chunks = Counter("earnest_ingest_chunks", "Chunks ingested", registry=r)
        self.embedded = Counter("earnest_embedded_chunks", "Chunks embedded", registry=r)
        self.answers = Counter("earnest_answers", "Answers by status and answerer",
                               ["status", "answerer"], registry=r)
        self.stage = Histogram("earnest_answer_stage_seconds", "Answer time per stage",
                               ["stage"], buckets=_LATENCY, registry=r)
        self.retrieval = Histogram("gen_ai_retrieval_duration_seconds",
                                   "Duration of retrieval (search and rerank) for an answer",
                                   ["gen_ai_operation_name"], buckets=_LATENCY, registry=r)
        self.tokens = Histogram("gen_ai_client_token_usage",
                                "Input and output tokens per LLM call",
                                [*_GENAI, "gen_ai_token_type"], buckets=_TOKENS, registry=r)
        self.llm_duration = Histogram("gen_ai_client_operation_duration_seconds",
                                      "Duration of an LLM call", _GENAI, buckets=_LATENCY,
                                      registry=r)
        self.ttft = Histogram("gen_ai_client_operation_time_to_first_chunk_seconds",
                              "Time from sending an LLM request to its first streamed chunk",
                              _GENAI, buckets=_LATENCY, registry=r)
        self.cost = Counter("earnest_llm_cost_usd", "LLM cost in US dollars (price table)",
                            registry=r)
        self.sentences = Counter("earnest_answer_sentences",
                                 "Generated sentences by verification outcome", ["outcome"],
                                 registry=r)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_duration.labels(method, route, str(status)).observe(seconds)

    def observe_answer(self, answer: dict[str, Any]) -> None:
        """Count one finished answer (the ``Answer.to_dict()`` shape)."""
        self.answers.labels(answer.get("status", "?"), answer.get("answerer", "?")).inc()
        timings = answer.get("timings_ms") or {}
        for stage, ms in timings.items():
            if isinstance(ms, (int, float)):
                self.stage.labels(stage).observe(ms / 1000)
        retrieval = [timings[s] for s in _RETRIEVAL_STAGES
                     if isinstance(timings.get(s), (int, float))]
        if retrieval:
            self.retrieval.labels("retrieval").observe(sum(retrieval) / 1000)
        self._observe_llm(answer.get("usage") or {})
        verification = answer.get("verification") or {}
        for outcome in ("verified", "flagged", "removed"):
            if isinstance(verification.get(outcome), int):
                self.sentences.labels(outcome).inc(verification[outcome])
        if self.tracing is not None:
            self.tracing.answer(answer)

    def _observe_llm(self, usage: dict[str, Any]) -> None:
        if not usage or "error" in usage:
            return  # the LLM did not answer; its zero counts would skew the histograms
        genai = ("chat", "openai", str(usage.get("model") or "unknown"))
        for kind, token_type in (("prompt_tokens", "input"), ("completion_tokens", "output")):
            if isinstance(usage.get(kind), int):
                self.tokens.labels(*genai, token_type).observe(usage[kind])
        if isinstance(usage.get("llm_ms"), (int, float)):
            self.llm_duration.labels(*genai).observe(usage["llm_ms"] / 1000)
        if isinstance(usage.get("ttft_ms"), (int, float)):
            self.ttft.labels(*genai).observe(usage["ttft_ms"] / 1000)
        if isinstance(usage.get("cost_usd"), (int, float)):
            self.cost.inc(usage["cost_usd"])

    def watch_library(self, stats: Callable[[], dict[str, Any]]) -> None:
        """Gauges of what the library holds, read from ``stats()`` at each scrape."""
        self.registry.register(_LibraryCollector(stats))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LibraryCollector(Collector):
    _GAUGES = (("documents", "earnest_library_documents", "Documents in the library"),
               ("chunks", "earnest_library_chunks", "Passages in the library"),
               ("embedded", "earnest_library_chunks_embedded", "Passages with a vector"))

    def __init__(self, stats: Callable[[], dict[str, Any]]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            stats = self.stats()
        except Exception:  # noqa: BLE001 - /readyz reports a store that does not answer
            return
        for key, name, doc in self._GAUGES:
            if isinstance(stats.get(key), int):
                yield GaugeMetricFamily(name, doc, value=stats[key])

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # names only known by collecting; registering must not query
