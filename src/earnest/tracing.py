"""OpenTelemetry traces of answers and uploads, sent to an OTLP endpoint when
``trace.otlp_endpoint`` is set (optional extra ``otel``); without it, nothing is imported.

An answer's spans are made when it is finished, from the stage timings it measured
(``timings_ms``): an ``ask`` span with one child per stage in order, and for an LLM answer a
``chat MODEL`` span under ``answer`` with the GenAI attributes (model, input and output tokens).
The stages run one after another, so their offsets are exact to rounding; this keeps the
answer pipeline free of tracing calls. An upload's file is one ``ingest`` span as it runs.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Iterator

from earnest.errors import MissingDependency
from earnest.models import Answer, Usage
from earnest.settings import TraceSettings

_STAGES = ("understand", "retrieve", "rerank", "answer")


class Tracing:
    def __init__(self, tracer: Any, provider: Any = None) -> None:
        self.tracer, self.provider = tracer, provider

    @classmethod
    def from_settings(cls, settings: TraceSettings, exporter: Any = None) -> "Tracing | None":
        """Tracing to ``settings.otlp_endpoint`` (or to ``exporter``, e.g. the SDK's
        in-memory one); None when neither is given."""
        if not settings.otlp_endpoint and exporter is None:
            return None
        try:
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
        except ImportError as exc:
            raise MissingDependency("trace.otlp_endpoint needs the otel extra: uv sync "
                                    "--extra otel (or pip install 'earnest[otel]')") from exc
        provider = TracerProvider(resource=Resource.create(
            {"service.name": settings.service_name}))
        if exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(
                OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
        else:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        return cls(provider.get_tracer("earnest"), provider)

    def answer(self, answer: Answer, ended_ns: int | None = None) -> None:
        """The spans of one finished answer."""
        from opentelemetry import trace

        timings = answer.timings_ms
        end = ended_ns or time.time_ns()
        start = end - int(float(timings.get("total") or 0) * 1e6)
        root = self.tracer.start_span("ask", start_time=start, attributes={
            "earnest.status": answer.status, "earnest.answerer": answer.answerer,
            "earnest.retrieval_mode": answer.mode, "earnest.passages": len(answer.passages),
            "earnest.answer_id": str(answer.answer_id)})
        context = trace.set_span_in_context(root)
        at = start
        for stage in _STAGES:
            ms = timings.get(stage)
            if not isinstance(ms, (int, float)):
                continue
            span = self.tracer.start_span(stage, context=context, start_time=at)
            if stage == "answer":
                self._chat(answer.usage, trace.set_span_in_context(span), at)
            at += int(ms * 1e6)
            span.end(end_time=min(at, end))
        root.end(end_time=end)

    def _chat(self, usage: Usage | None, context: Any, start: int) -> None:
        if usage is None or usage.llm_ms is None:
            return
        model = usage.model or "unknown"
        attributes: dict[str, Any] = {"gen_ai.operation.name": "chat",
                                      "gen_ai.request.model": model,
                                      "gen_ai.usage.input_tokens": usage.prompt_tokens,
                                      "gen_ai.usage.output_tokens": usage.completion_tokens}
        if usage.error is not None:
            attributes["error.type"] = usage.error
        span = self.tracer.start_span(f"chat {model}", context=context, start_time=start,
                                      attributes=attributes)
        span.end(end_time=start + int(usage.llm_ms * 1e6))

    @contextmanager
    def ingest(self, filename: str, collection: str) -> Iterator[Any]:
        """A span around one uploaded file's ingest; the caller sets its outcome."""
        with self.tracer.start_as_current_span("ingest", attributes={
                "earnest.file": filename, "earnest.collection": collection}) as span:
            yield span

    def close(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()  # flushes what the batch still holds


__all__ = ["Tracing"]
