"""OpenTelemetry traces of answers and uploads, sent to an OTLP endpoint when
``trace.otlp_endpoint`` is set (optional extra ``otel``); without it, nothing is imported.

An answer's spans are made when it is finished, from the stage timings it measured
(``timings_ms``): an ``ask`` span with one child per stage in order, and for an LLM answer a
``chat MODEL`` span under ``answer`` with the GenAI attributes (model, input and output tokens).
The stages run one after another, so their offsets are exact to rounding; this keeps the
answer pipeline free of tracing calls. An upload's file is one ``ingest`` span as it runs.

The same spans come from `earnest ingest` and `earnest ask` (``CommandTraces``, flushed when
the command ends) and from `earnest worker` (a file's keyword phase).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from earnest.errors import MissingDependency
from earnest.models import Answer, Usage
from earnest.settings import TraceSettings

if TYPE_CHECKING:
    from earnest.inputs import FileResult, IngestProgress

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


class CommandTraces:
    """The spans of one command of the CLI; nothing without ``trace.otlp_endpoint``."""

    def __init__(self, settings: TraceSettings, exporter: Any = None) -> None:
        self.tracing = Tracing.from_settings(settings, exporter)

    def __enter__(self) -> "CommandTraces":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tracing is not None:
            self.tracing.close()

    def progress(self, inner: IngestProgress | None,
                 collection: str = "default") -> IngestProgress | None:
        """``inner`` reporting an ingest, and each file in an ``ingest`` span."""
        if self.tracing is None:
            return inner
        return _TracedProgress(self.tracing, inner, collection)

    def answer(self, answer: Any) -> None:
        if self.tracing is not None:
            self.tracing.answer(answer)


class _TracedProgress:
    """A file's span runs from its turn (parsing may have begun earlier, in a parser
    process) to its commit; its attributes are those of an uploaded file's span."""

    def __init__(self, tracing: Tracing, inner: IngestProgress | None, collection: str) -> None:
        from earnest.inputs import _Silent

        self.tracing, self.inner = tracing, inner or _Silent()
        self.collection = collection
        self.span: Any = None

    def file_started(self, path: Path, index: int, total: int) -> None:
        self.span = self.tracing.tracer.start_span("ingest", attributes={
            "earnest.file": path.name, "earnest.collection": self.collection})
        self.inner.file_started(path, index, total)

    def file_done(self, result: FileResult) -> None:
        if self.span is not None:
            self.span.set_attributes({"earnest.status": result.status,
                                      "earnest.pages": result.pages or 0,
                                      "earnest.chunks": result.chunks or 0,
                                      "earnest.doc_name": result.doc_name or ""})
            if result.error_code:
                self.span.set_attribute("error.type", result.error_code)
            self.span.end()
            self.span = None
        self.inner.file_done(result)

    def keyword_done(self, seconds: float) -> None:
        self.inner.keyword_done(seconds)

    def embedding(self, done: int, total: int) -> None:
        self.inner.embedding(done, total)


__all__ = ["CommandTraces", "Tracing"]
