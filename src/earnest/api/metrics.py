"""Prometheus metrics, one registry per app (so tests and two apps in a process don't mix)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("earnest_http_requests", "HTTP requests by route and status",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("earnest_http_request_seconds", "HTTP request latency by route",
                                 ["method", "route"], buckets=_LATENCY, registry=r)
        self.ingest_files = Counter("earnest_ingest_files", "Uploaded files by outcome",
                                    ["status"], registry=r)
        self.ingest_pages = Counter("earnest_ingest_pages", "Pages ingested", registry=r)
        self.ingest_chunks = Counter("earnest_ingest_chunks", "Chunks ingested", registry=r)
        self.embedded = Counter("earnest_embedded_chunks", "Chunks embedded", registry=r)
        self.answers = Counter("earnest_answers", "Answers by status and answerer",
                               ["status", "answerer"], registry=r)
        self.stage = Histogram("earnest_answer_stage_seconds", "Answer time per stage",
                               ["stage"], buckets=_LATENCY, registry=r)
        self.tokens = Counter("earnest_llm_tokens", "LLM tokens by kind", ["kind"], registry=r)
        self.cost = Counter("earnest_llm_cost_usd", "LLM cost in US dollars (price table)",
                            registry=r)
        self.sentences = Counter("earnest_answer_sentences",
                                 "Generated sentences by verification outcome", ["outcome"],
                                 registry=r)

    def observe_answer(self, answer: dict[str, Any]) -> None:
        """Count one finished answer (the ``Answer.to_dict()`` shape)."""
        self.answers.labels(answer.get("status", "?"), answer.get("answerer", "?")).inc()
        for stage, ms in (answer.get("timings_ms") or {}).items():
            if isinstance(ms, (int, float)):
                self.stage.labels(stage).observe(ms / 1000)
        usage = answer.get("usage") or {}
        for kind in ("prompt_tokens", "completion_tokens"):
            if isinstance(usage.get(kind), int):
                self.tokens.labels(kind.removesuffix("_tokens")).inc(usage[kind])
        if isinstance(usage.get("cost_usd"), (int, float)):
            self.cost.inc(usage["cost_usd"])
        verification = answer.get("verification") or {}
        for outcome in ("verified", "flagged", "removed"):
            if isinstance(verification.get(outcome), int):
                self.sentences.labels(outcome).inc(verification[outcome])

    def render(self) -> bytes:
        return generate_latest(self.registry)
