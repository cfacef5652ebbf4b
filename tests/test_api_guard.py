"""Requests refused before any work: another site's page changing the library, a Host the
server does not go by (DNS rebinding), an upload over the request size limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from earnest.api import create_app

from .api_helpers import CALL, assert_error, make_service, sample_service


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    service = sample_service(tmp_path_factory.mktemp("guard") / "lib", embedder)
    return create_app(service=service)


def test_another_sites_page_cannot_change_the_library(app) -> None:
    with TestClient(app) as client:
        files = [("files", (f"{CALL}.txt", b"Operator\nRevenue was $9.9 billion.\n"))]
        for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                        {"Origin": "null"}):
            assert_error(client.post("/v1/documents", params={"replace": "true"}, files=files,
                                     headers=headers), 403, "cross_site_request")
            assert_error(client.delete(f"/v1/documents/{CALL}", headers=headers), 403,
                         "cross_site_request")
            assert_error(client.patch(f"/v1/documents/{CALL}", json={"ticker": "X"},
                                      headers=headers), 403, "cross_site_request")
        assert "9.9" not in client.get(f"/v1/documents/{CALL}/pages/1").json()["text"]
        # Reading stays open to any page's GET (it changes nothing), and the app itself,
        # which sends its own origin, may change things.
        assert client.get("/v1/documents", headers={"Origin": "http://evil.example"}) \
            .status_code == 200
        same = client.patch(f"/v1/documents/{CALL}", json={"ticker": "NWN"},
                            headers={"Origin": "http://testserver",
                                     "Sec-Fetch-Site": "same-origin"})
        assert same.status_code == 200 and same.json()["metadata"]["ticker"] == "NWN"


def test_an_unknown_host_name_is_refused(app) -> None:
    with TestClient(app, base_url="http://rebound.example") as client:
        assert_error(client.get("/v1/documents"), 400, "untrusted_host")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/healthz").status_code == 200
    with TestClient(app, base_url="http://localhost:8000") as client:
        assert client.get("/healthz").status_code == 200


def test_allowed_hosts_and_any_host_when_not_on_loopback(tmp_path, embedder) -> None:
    named = create_app(service=make_service(tmp_path / "a", embedder,
                                            server__allowed_hosts=["earnest.internal"]))
    with TestClient(named, base_url="http://earnest.internal") as client:
        assert client.get("/healthz").status_code == 200
    with TestClient(named, base_url="http://localhost") as client:
        assert_error(client.get("/healthz"), 400, "untrusted_host")
    exposed = create_app(service=make_service(tmp_path / "b", embedder,
                                              server__host="0.0.0.0"))
    with TestClient(exposed, base_url="http://10.1.2.3:8000") as client:
        assert client.get("/healthz").status_code == 200


def test_an_upload_over_the_request_limit_is_refused_unread(tmp_path, embedder) -> None:
    app = create_app(service=make_service(tmp_path / "lib", embedder,
                                          server__max_upload_mb=0.01))
    with TestClient(app) as client:
        big = [("files", ("Big_call.txt", b"Operator\n" + b"x" * 20_000))]
        error = assert_error(client.post("/v1/documents", files=big), 413, "too_large")
        assert "server.max_upload_mb" in error["message"]
