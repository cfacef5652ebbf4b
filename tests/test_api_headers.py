"""Security headers on the web app, the API and downloaded originals; no inline script in the
page (so the Content-Security-Policy can forbid it); no CORS."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from earnest.api import create_app

from .api_helpers import CALL, RELEASE, sample_service


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder):
    service = sample_service(tmp_path_factory.mktemp("headers") / "library", embedder)
    with TestClient(create_app(service=service)) as c:
        yield c


def _secure(response) -> str:
    h = response.headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in h
    csp = h["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    return csp


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/static/style.css", "/v1/documents",
                                  "/v1/health", "/v1/documents/nope", "/nowhere",
                                  f"/v1/documents/{CALL}/pages/1",
                                  f"/v1/documents/{RELEASE}/pages/1/image"])
def test_every_response_carries_the_headers(client, path):
    response = client.get(path, headers={"Origin": "https://evil.example"})
    csp = _secure(response)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"


def test_the_api_docs_page_still_loads_its_scripts(client):
    response = client.get("/docs")
    assert response.status_code == 200
    _secure(response)


@pytest.mark.parametrize("doc, kind", [(RELEASE, "application/pdf"), (CALL, "text/plain")])
def test_originals_download_as_attachments_of_a_safe_type(client, doc, kind):
    response = client.get(f"/v1/documents/{doc}/file")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == kind
    assert response.headers["content-disposition"].startswith("attachment")
    assert _secure(response).startswith("sandbox")


def test_the_page_has_no_inline_script_handlers_or_styles():
    static = resources.files("earnest.web") / "static"
    html = (static / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script from a file
    assert not re.search(r"\son[a-z]+\s*=", html, re.I)
    assert not re.search(r"\sstyle\s*=|<style", html, re.I)
    assert "javascript:" not in html
    js = (static / "app.js").read_text()
    assert not re.search(r"setAttribute\(\s*['\"](style|on)", js)
    assert "innerHTML" not in js and "eval(" not in js


def test_a_preflight_gets_no_cors_allowance(client):
    response = client.options("/v1/ask", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers
