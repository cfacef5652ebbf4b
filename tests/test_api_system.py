"""Health, readiness, Prometheus metrics and the served OpenAPI schema."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from earnest.api import create_app

from .api_helpers import (
    CALL,
    RELEASE,
    SAMPLES,
    WHY_QUESTION,
    assert_error,
    make_service,
    metric_labels,
    metric_value,
    upload,
    wait_for_job,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory, embedder):
    lib = make_service(tmp_path_factory.mktemp("api-system") / "library", embedder)
    yield lib
    lib.close()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_the_store(client):
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert {"documents", "chunks", "embedded", "ingesting"} <= set(body)


def test_metrics_count_requests_by_route_template_ingest_and_answer_stages(client):
    before = client.get("/metrics").text
    job = wait_for_job(client, upload(client, *[(p.name, p.read_bytes())
                                               for p in sorted(SAMPLES.iterdir())]).json()["id"])
    assert job["counts"] == {"done": 2}
    upload(client, ("bad.exe", b"MZ"))
    client.get(f"/v1/documents/{RELEASE}")
    client.get(f"/v1/documents/{CALL}")
    client.get("/v1/documents/No_such_doc")
    client.post("/v1/ask", json={"question": WHY_QUESTION})
    with client.stream("POST", "/v1/ask", json={"question": WHY_QUESTION, "stream": True}) as r:
        r.read()
    client.post("/v1/ask", json={"question": 42})
    client.get("/no/such/route")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text

    def grew(name: str, by: float = 1, **labels: str) -> None:
        delta = metric_value(after, name, **labels) - metric_value(before, name, **labels)
        assert delta >= by, (name, labels, delta)

    requests = "http_server_request_duration_seconds_count"

    def grew_route(by: int, method: str, route: str, status: str) -> None:
        grew(requests, by, http_request_method=method, http_route=route,
             http_response_status_code=status)

    grew_route(2, "GET", "/v1/documents/{doc_name}", "200")
    grew_route(1, "GET", "/v1/documents/{doc_name}", "404")
    grew_route(2, "POST", "/v1/ask", "200")
    grew_route(1, "POST", "/v1/ask", "422")
    grew_route(1, "POST", "/v1/documents", "202")
    grew_route(1, "POST", "/v1/documents", "415")
    grew_route(1, "GET", "unmatched", "404")
    routes = {labels["http_route"] for labels in metric_labels(after, requests)}
    assert not any(RELEASE in r or "No_such" in r or r.startswith("/no/") for r in routes)
    assert metric_value(after, "http_server_request_duration_seconds_sum",
                        http_request_method="POST", http_route="/v1/ask",
                        http_response_status_code="200") > 0
    grew("earnest_ingest_files_total", 2, status="done")
    grew("earnest_ingest_files_total", 1, status="failed")
    grew("earnest_ingest_pages_total", 3)
    grew("earnest_ingest_chunks_total", 3)
    grew("earnest_embedded_chunks_total", 3)
    grew("earnest_answers_total", 2, status="answered", answerer="extractive")
    for stage in ("retrieve", "rerank", "answer", "total"):
        grew("earnest_answer_stage_seconds_count", 2, stage=stage)
    assert metric_value(after, "earnest_answer_stage_seconds_sum", stage="total") > 0
    grew("gen_ai_retrieval_duration_seconds_count", 2, gen_ai_operation_name="retrieval")
    assert metric_value(after, "earnest_library_documents") >= 2
    assert metric_value(after, "earnest_library_chunks_embedded") >= 3


def test_two_apps_keep_their_own_metrics(service):
    first, second = create_app(service=service), create_app(service=service)
    with TestClient(first) as a, TestClient(second) as b:
        a.get("/healthz")
        a.get("/healthz")
        b.get("/healthz")
        def count(client):
            return metric_value(client.get("/metrics").text,
                                "http_server_request_duration_seconds_count",
                                http_request_method="GET", http_route="/healthz",
                                http_response_status_code="200")
        assert (count(a), count(b)) == (2, 1)


ROUTES = {
    ("/v1/ask", "POST"), ("/v1/search", "POST"),
    ("/v1/documents", "POST"), ("/v1/documents", "GET"), ("/v1/jobs/{job_id}", "GET"),
    ("/v1/documents/{doc_name}", "GET"), ("/v1/documents/{doc_name}", "PATCH"),
    ("/v1/documents/{doc_name}", "DELETE"), ("/v1/documents/{doc_name}/file", "GET"),
    ("/v1/documents/{doc_name}/pages/{page}", "GET"),
    ("/v1/documents/{doc_name}/pages/{page}/image", "GET"),
    ("/v1/documents/{doc_name}/pages/{page}/highlights", "GET"),
    ("/healthz", "GET"), ("/readyz", "GET"), ("/metrics", "GET"),
}


def test_openapi_schema_documents_every_route(client):
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "Earnest" and schema["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in schema["paths"].items()
                  for method in ops}
    assert ROUTES <= documented, ROUTES - documented
    for path, method in documented:
        op = schema["paths"][path][method.lower()]
        assert op.get("summary"), (path, method)
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in op["responses"], (path, method)
    upload_body = schema["paths"]["/v1/documents"]["post"]["requestBody"]["content"]
    ref = upload_body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["required"] == ["files"]
    assert client.get("/docs").status_code == 200
    ask = schema["paths"]["/v1/ask"]["post"]["responses"]["200"]["content"]
    assert {"application/json", "text/event-stream"} <= set(ask)
    patch = schema["paths"]["/v1/documents/{doc_name}"]["patch"]["requestBody"]["content"]
    ref = patch["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["minProperties"] == 1


def test_uploads_still_run_after_the_app_restarts(service):
    """The lifespan stops the ingest worker; starting the app again must start it again."""
    app = create_app(service=service)
    with TestClient(app) as c:
        assert c.get("/readyz").status_code == 200
    with TestClient(app) as c:
        assert c.get("/readyz").status_code == 200
        job = wait_for_job(c, upload(c, ("Restart_Q1_2024_call.txt",
                                         b"Operator\nRevenue rose 4% after the restart.\n")
                                     ).json()["id"], timeout=60)
        assert job["files"][0]["status"] == "done"


def test_readyz_is_503_when_the_library_file_is_broken(tmp_path, embedder):
    """The library file is replaced by garbage under a running server (a botched restore);
    connections opened from then on find no database."""
    service = make_service(tmp_path / "library", embedder)
    app = create_app(service=service)
    with TestClient(app) as c:
        assert c.get("/readyz").status_code == 200
    db = service.store.path
    garbage = db.with_name("garbage")
    garbage.write_bytes(b"this is not a database " * 400)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    os.replace(garbage, db)
    with TestClient(app) as c:  # new threads, new connections
        error = assert_error(c.get("/readyz"), 503, "not_ready")
        assert "not a database" in error["message"]
        assert c.get("/healthz").status_code == 200  # alive, not ready
        assert_error(c.get("/v1/documents"), 503, "corrupt_library")
        assert_error(c.post("/v1/ask", json={"question": "revenue"}), 503, "corrupt_library")
