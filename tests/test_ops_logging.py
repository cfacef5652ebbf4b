"""Structured logs: with log.format = "json" each line is one JSON object carrying the
request's id (the X-Request-Id the caller sees) and the access line's route template."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi.testclient import TestClient

from earnest import Earnest, Settings
from earnest.api import create_app
from earnest.api.requests import log_handler


@pytest.fixture()
def client(tmp_path, embedder):
    service = Earnest(Settings.load(tmp_path / "lib", env={}), embedder=embedder)
    with TestClient(create_app(service=service)) as c:
        yield c


def _captured(settings: Settings, client, *requests: tuple[str, str, dict]) -> list[str]:
    stream = io.StringIO()
    handler = log_handler(settings.log, stream)
    logger = logging.getLogger("earnest")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        for method, path, headers in requests:
            client.request(method, path, headers=headers)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return stream.getvalue().splitlines()


def test_json_log_lines_carry_the_request_id_and_route(client) -> None:
    settings = Settings.load(env={"EARNEST_LOG__FORMAT": "json"})
    assert settings.log.format == "json"
    lines = _captured(settings, client,
                      ("GET", "/v1/documents/Some_doc", {"X-Request-Id": "caller-1234567"}),
                      ("GET", "/healthz", {}))
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r["logger"] == "earnest.access"]
    assert len(access) == 2
    first, second = access
    assert first["request_id"] == "caller-1234567"
    assert first["http_route"] == "/v1/documents/{doc_name}" and first["http_status"] == 404
    assert first["http_method"] == "GET" and first["duration_ms"] >= 0
    assert second["request_id"] and second["request_id"] != first["request_id"]
    assert {"time", "level", "message"} <= set(first)


def test_text_log_is_the_default(client) -> None:
    settings = Settings.load(env={})
    assert settings.log.format == "text"
    (line,) = _captured(settings, client, ("GET", "/healthz", {"X-Request-Id": "abcdefgh1"}))
    assert "[abcdefgh1]" in line and "GET /healthz 200" in line
    with pytest.raises(Exception, match="log"):
        Settings.load(env={"EARNEST_LOG__FORMAT": "xml"})
