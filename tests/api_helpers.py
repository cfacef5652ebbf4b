"""Helpers for the HTTP API tests: real libraries behind the real app, job polling, the error
shape, Server-Sent Events parsing and a real uvicorn server on a loopback port."""

from __future__ import annotations

import json
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

import earnest
from earnest import Earnest, Settings

from .components import patience

SAMPLES = Path(earnest.__file__).parent / "samples" / "docs"
CALL = "NWIN_Q3_FY2024_earnings_call"  # .txt, one page
RELEASE = "NWIN_Q3_FY2024_earnings_release"  # .pdf, two pages
WHY_QUESTION = "Why did revenue decline in the third quarter?"


def make_service(root: Path, embedder: Any, **overrides: Any) -> Earnest:
    """A real SQLite library in ``root`` (environment variables ignored)."""
    return Earnest(Settings.load(root, env={}, **overrides), embedder=embedder)


def sample_service(root: Path, embedder: Any, **overrides: Any) -> Earnest:
    """A library holding the two bundled sample documents, embedded."""
    service = make_service(root, embedder, **overrides)
    report = service.ingest([SAMPLES])
    assert [f.status for f in report.files] == ["ingested", "ingested"], report.to_dict()
    return service


def wait_for_job(client: Any, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll GET /v1/jobs/{id} until the job is done; the finished job."""
    deadline = time.monotonic() + patience(timeout)
    while True:
        response = client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] == "done":
            return job
        assert time.monotonic() < deadline, f"job {job_id} did not finish: {job}"
        time.sleep(0.05)


def wait_for_file_status(client: Any, job_id: str, index: int, status: str,
                         timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + patience(timeout)
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["files"][index]["status"] == status:
            return job
        assert time.monotonic() < deadline, f"file {index} never reached {status}: {job}"
        time.sleep(0.02)


def upload(client: Any, *files: tuple[str, bytes]) -> Any:
    return client.post("/v1/documents", files=[("files", (name, data)) for name, data in files])


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "details"?, "request_id"}} with a
    JSON type; the request id is also the X-Request-Id header."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "details", "request_id"}, error
    assert error.get("request_id") == response.headers.get("x-request-id"), error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if code is not None:
        assert error["code"] == code, error
    return error


def parse_sse(lines: Iterable[str]) -> Iterator[tuple[str, Any]]:
    """(event, data) pairs from the lines of a text/event-stream."""
    kind, data = None, []
    for line in lines:
        if line == "":
            if kind is not None or data:
                yield kind or "message", json.loads("\n".join(data))
            kind, data = None, []
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    if kind is not None or data:
        yield kind or "message", json.loads("\n".join(data))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields the base URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="error",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + patience(30)
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive(), "uvicorn did not stop"


def metric_value(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text, 0 when absent."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v
                                           for k, v in labels.items()):
                return sample.value
    return 0.0


def metric_labels(text: str, name: str) -> list[dict[str, str]]:
    from prometheus_client.parser import text_string_to_metric_families

    return [dict(s.labels) for f in text_string_to_metric_families(text)
            for s in f.samples if s.name == name]
