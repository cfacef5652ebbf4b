"""An LLM answer over the HTTP API, from the real local llama.cpp server: streamed, verified,
accounted in /metrics; the model's unchecked text only to a client that asks for it."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from earnest import Earnest, Settings
from earnest.api import create_app

from .conftest import copy_library

QUESTION = "Why did revenue decline in the third quarter?"


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder, llama_server, sample_library):
    home = copy_library(sample_library, tmp_path_factory.mktemp("api-llm") / "lib")
    settings = Settings.load(home, env={}, llm__base_url=llama_server.base_url,
                             llm__model="smollm2", llm__max_tokens=60, llm__max_sources=2)
    service = Earnest(settings, embedder=embedder)
    with TestClient(create_app(service=service)) as c:
        yield c


def _events(response) -> list[tuple[str, dict]]:
    out = []
    for block in response.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_streamed_llm_answer_hides_raw_tokens_unless_asked(client) -> None:
    plain = _events(client.post("/v1/ask", json={"question": QUESTION, "stream": True}))
    kinds = [k for k, _ in plain]
    assert "token" not in kinds and kinds[-1] == "answer"
    answer = plain[-1][1]
    assert answer["usage"]["completion_tokens"] > 0 and "ttft_ms" in answer["usage"]
    # Every sentence the model wrote was judged before it was shown.
    for kind, data in plain:
        if kind == "sentence":
            assert data.get("status") in ("verified", "flagged", "removed", "abstention", None)
    with_tokens = _events(client.post("/v1/ask", json={"question": QUESTION, "stream": True,
                                                       "include_tokens": True}))
    kinds = [k for k, _ in with_tokens]
    assert "token" in kinds and kinds.index("token") < kinds.index("answer")


def test_llm_use_is_per_request_and_counted_in_metrics(client) -> None:
    extractive = client.post("/v1/ask", json={"question": QUESTION, "llm": False}).json()
    assert extractive["answerer"] == "extractive" and "usage" not in extractive
    info = client.get("/v1/info").json()
    assert info["llm"] == {"configured": True, "default": True, "model": "smollm2",
                           "unsupported": "flag"}
    metrics = client.get("/metrics").text
    tokens = [line for line in metrics.splitlines()
              if line.startswith("gen_ai_client_token_usage_sum")]
    assert any('gen_ai_token_type="output"' in line and float(line.split()[-1]) > 0
               for line in tokens)
    assert "gen_ai_client_operation_time_to_first_chunk_seconds_count" in metrics
    assert "earnest_answer_sentences_total" in metrics
