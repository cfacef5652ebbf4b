"""OpenTelemetry traces (the otel extra; its SDK is also in the dev group), caught with the
SDK's own in-memory exporter: an upload's files as `ingest` spans, an answer
as an `ask` span whose children are its stages, in order, inside it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from earnest import Earnest, Settings
from earnest.api import create_app
from earnest.samples import sample_dir
from earnest.settings import TraceSettings
from earnest.tracing import Tracing

from .api_helpers import upload, wait_for_job


def test_no_endpoint_no_tracing() -> None:
    assert Tracing.from_settings(TraceSettings()) is None
    assert Settings.load(env={"EARNEST_TRACE__OTLP_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}
                         ).trace.otlp_endpoint.endswith("/v1/traces")


def test_ingest_and_ask_are_traced(tmp_path, embedder) -> None:
    exporter = InMemorySpanExporter()
    service = Earnest(Settings.load(tmp_path / "lib", env={}), embedder=embedder)
    app = create_app(service=service)
    app.state.metrics.tracing = Tracing.from_settings(TraceSettings(), exporter=exporter)
    with TestClient(app) as client:
        job = upload(client, *[(p.name, p.read_bytes()) for p in sorted(sample_dir().iterdir())])
        assert wait_for_job(client, job.json()["id"])["counts"] == {"done": 2}
        answer = client.post("/v1/ask", json={"question": "Why did revenue decline?"}).json()
    spans = exporter.get_finished_spans()
    ingests = [s for s in spans if s.name == "ingest"]
    assert len(ingests) == 2
    # A file's span is its parse and keyword index; embedding follows for the whole queue.
    assert {s.attributes["earnest.status"] for s in ingests} == {"embedding"}
    assert all(s.attributes["earnest.chunks"] > 0 for s in ingests)
    (ask,) = [s for s in spans if s.name == "ask"]
    assert ask.attributes["earnest.answer_id"] == answer["answer_id"]
    assert ask.resource.attributes["service.name"] == "earnest"
    stages = sorted((s for s in spans if s.parent is not None
                     and s.parent.span_id == ask.context.span_id), key=lambda s: s.start_time)
    assert [s.name for s in stages] == ["understand", "retrieve", "rerank", "answer"]
    assert ask.start_time <= stages[0].start_time and stages[-1].end_time <= ask.end_time
    for before, after in zip(stages, stages[1:]):
        assert before.end_time <= after.start_time
    total_ns = ask.end_time - ask.start_time
    assert abs(total_ns / 1e6 - answer["timings_ms"]["total"]) < 1
