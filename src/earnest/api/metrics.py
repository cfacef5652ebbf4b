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

from earnest.models import Answer, Stats, Usage

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

    def observe_answer(self, answer: Answer) -> None:
        """Count one finished answer."""
        self.answers.labels(answer.status, answer.answerer).inc()
        timings = answer.timings_ms
        for stage, ms in timings.items():
            self.stage.labels(stage).observe(ms / 1000)
        retrieval = [timings[s] for s in _RETRIEVAL_STAGES if s in timings]
        if retrieval:
            self.retrieval.labels("retrieval").observe(sum(retrieval) / 1000)
        if answer.usage is not None:
            self._observe_llm(answer.usage)
        if answer.verification is not None:
            v = answer.verification
            for outcome, count in (("verified", v.verified), ("flagged", v.flagged),
                                   ("removed", v.removed)):
                self.sentences.labels(outcome).inc(count)
        if self.tracing is not None:
            self.tracing.answer(answer)

    def _observe_llm(self, usage: Usage) -> None:
        if usage.error is not None:
            return  # the LLM did not answer; its zero counts would skew the histograms
        genai = ("chat", "openai", usage.model or "unknown")
        self.tokens.labels(*genai, "input").observe(usage.prompt_tokens)
        self.tokens.labels(*genai, "output").observe(usage.completion_tokens)
        if usage.llm_ms is not None:
            self.llm_duration.labels(*genai).observe(usage.llm_ms / 1000)
        if usage.ttft_ms is not None:
            self.ttft.labels(*genai).observe(usage.ttft_ms / 1000)
        self.cost.inc(usage.cost_usd)

    def watch_library(self, stats: Callable[[], Stats]) -> None:
        """Gauges of what the library holds, read from ``stats()`` at each scrape."""
        self.registry.register(_LibraryCollector(stats))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LibraryCollector(Collector):
    _GAUGES = (("documents", "earnest_library_documents", "Documents in the library"),
               ("chunks", "earnest_library_chunks", "Passages in the library"),
               ("embedded", "earnest_library_chunks_embedded", "Passages with a vector"))

    def __init__(self, stats: Callable[[], Stats]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            stats = self.stats()
        except Exception:  # noqa: BLE001 - /readyz reports a store that does not answer
            return
        for key, name, doc in self._GAUGES:
            yield GaugeMetricFamily(name, doc, value=getattr(stats, key))

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # names only known by collecting; registering must not query
