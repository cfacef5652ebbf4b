"""One error shape for every refusal: malformed bodies, wrong methods, unknown routes, wrong
content types. 4xx for the caller's mistakes, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from earnest import errors
from earnest.api import create_app
from earnest.api.errors import status_for

from .api_helpers import RELEASE, assert_error, sample_service


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder):
    service = sample_service(tmp_path_factory.mktemp("api-errors") / "library", embedder)
    with TestClient(create_app(service=service), raise_server_exceptions=False) as c:
        yield c
    service.close()


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("route", ["/v1/ask", "/v1/search"])
@pytest.mark.parametrize("raw", [b"{bad json", b"", b"{\"question\": \"x\",}",
                                 b"[1, 2]", b"\"just a string\"", b"null", b"42",
                                 b"{\"question\": \"\\ud800\"}", b"{\"query\": \"\\ud800\"}"])
def test_malformed_json_is_422_not_500(client, route, raw):
    error = assert_error(client.post(route, content=raw, headers=JSON), 422, "invalid_request")
    assert error["details"], error


@pytest.mark.parametrize("route", ["/v1/ask", "/v1/search"])
def test_a_body_that_is_not_even_text_is_400(client, route):
    assert_error(client.post(route, content=b"\xff\xfe\x00", headers=JSON), 400, "bad_request")


def test_malformed_json_in_a_patch_is_422(client):
    assert_error(client.patch(f"/v1/documents/{RELEASE}", content=b"{nope", headers=JSON), 422,
                 "invalid_request")
    assert_error(client.patch(f"/v1/documents/{RELEASE}", content=b'{"company": "\\udfff"}',
                              headers=JSON), 422, "invalid_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml"])
def test_a_body_that_is_not_json_is_a_4xx(client, content_type):
    response = client.post("/v1/ask", content=b'{"question": "revenue"}',
                           headers={"content-type": content_type})
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


def test_a_broken_multipart_upload_is_a_4xx(client):
    for body, ctype in ((b"--x\r\nnot a part", "multipart/form-data; boundary=x"),
                        (b"garbage", "multipart/form-data"),
                        (b"files=a.pdf", "application/x-www-form-urlencoded")):
        response = client.post("/v1/documents", content=body, headers={"content-type": ctype})
        assert 400 <= response.status_code < 500, (ctype, response.text)
        assert_error(response, response.status_code)


@pytest.mark.parametrize("method,url", [
    ("PUT", "/v1/ask"), ("GET", "/v1/ask"), ("DELETE", "/v1/search"),
    ("PUT", "/v1/documents"), ("POST", f"/v1/documents/{RELEASE}"),
    ("PUT", "/v1/jobs/1"), ("POST", "/healthz"), ("POST", "/metrics"),
    ("PATCH", f"/v1/documents/{RELEASE}/pages/1/image"),
])
def test_a_wrong_method_is_405_in_the_error_shape(client, method, url):
    response = client.request(method, url)
    assert_error(response, 405, "method_not_allowed")
    assert response.headers.get("allow")


@pytest.mark.parametrize("url,allowed", [
    ("/v1/documents", "GET, POST"),
    (f"/v1/documents/{RELEASE}", "DELETE, GET, PATCH"),
    ("/v1/ask", "POST"),
    ("/healthz", "GET"),
])
def test_405_allows_every_method_the_path_has(client, url, allowed):
    for method in ("OPTIONS", "PUT"):
        response = client.request(method, url)
        assert_error(response, 405, "method_not_allowed")
        assert response.headers["allow"] == allowed


@pytest.mark.parametrize("url", ["/v1/nope", "/v2/ask", "/v1", "/v1/documents/a/b/c/d",
                                 "/v1/documents/x/pages", "/api/ask", "/static/no-such-file.js"])
def test_an_unknown_route_is_404_in_the_error_shape(client, url):
    assert_error(client.get(url), 404, "not_found")


def test_the_error_shape_is_documented_in_the_schema(client):
    schema = client.get("/openapi.json").json()
    assert set(schema["components"]["schemas"]["ErrorPublic"]["properties"]) == {"error"}
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert {"code", "message"} <= set(detail["required"])


def test_validation_errors_say_where_and_what(client):
    error = assert_error(client.post("/v1/ask", json={"question": "revenue", "k": "five"}), 422)
    assert error["message"].startswith("body.k:")
    assert error["details"] == [{"where": "body.k", "problem": "Input should be a valid integer"}]


def test_every_service_error_maps_to_a_4xx_or_a_deliberate_5xx():
    """The caller's errors are 4xx; a damaged library is 503; only the LLM family (which the
    answerer turns into a notice and the extractive answer) and the bare base class are 500."""
    def family(cls):
        return [cls] + [leaf for sub in cls.__subclasses__() for leaf in family(sub)]

    for kind in family(errors.EarnestError):
        status = status_for(kind("x"))
        if issubclass(kind, errors.StoreError):
            assert status in (409, 503), (kind, status)
        elif kind is errors.RemoteError:
            assert status == 502
        elif kind.user_error:
            assert 400 <= status < 500 or (kind, status) == (errors.MissingDependency, 501)
        else:
            assert status == 500 and (kind is errors.EarnestError
                                      or issubclass(kind, errors.LLMError)), (kind, status)
