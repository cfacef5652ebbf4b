"""Fuzz the API from its own OpenAPI schema: schemathesis (the real CLI, every phase: coverage,
fuzzing, stateful) against a real uvicorn on loopback, valid and invalid inputs for every
operation, checking that nothing answers 5xx. Then random files through the upload route,
checking that no ingest ends in an internal error. Its own library, so the uploads and deletes
here touch no other test's state. Bounded (MAX_EXAMPLES per operation) and deterministic.

(schemathesis' pytest integration with a fixture-made schema, ``schemathesis.pytest.
from_fixture``, fails under pytest 9.2 with ``'Function' object has no attribute '_nodeid'``,
hence the CLI.)"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

from earnest.api import create_app

from .api_helpers import live_server, sample_service, wait_for_job

MAX_EXAMPLES = 40
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = ("not_a_server_error,status_code_conformance,response_schema_conformance,"
          "content_type_conformance,positive_data_acceptance")
# What OpenAPI cannot say of a multipart upload: a part's file name must end in .pdf, .txt or
# .md (415), and the number of files per request is a setting (413). Nor can it say which key
# a request carries: a made-up key (401) or a route for admins (403) are refused whatever the
# data.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "413", "415", "429", "503"]
"""


class _Answers:
    """An ASGI wrapper counting what the server answered each operation (method, route
    template, status class): whether the fuzzer's requests got past the refusals."""

    def __init__(self, app) -> None:
        self.app, self.seen = app, Counter()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def record(message) -> None:
            if message["type"] == "http.response.start":
                route = getattr(scope.get("route"), "path", "(no route)")
                self.seen[(scope["method"], route, f"{message['status'] // 100}xx")] += 1
            await send(message)
        await self.app(scope, receive, record)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, embedder):
    service = sample_service(tmp_path_factory.mktemp("api-fuzz") / "library", embedder,
                             max_file_mb=1, server__max_upload_files=5)
    yield create_app(service=service)
    service.close()


@pytest.fixture()
def hypothesis_home(tmp_path):
    """Hypothesis' caches in tmp, not in the working tree."""
    before = storage_directory()
    set_hypothesis_home_dir(str(tmp_path / ".hypothesis"))
    yield
    set_hypothesis_home_dir(str(before))


# No wall-clock limit: the work is bounded (MAX_EXAMPLES per operation, deterministic, and
# --request-timeout per request), so a slow machine takes longer rather than failing.
@pytest.mark.timeout(0)
def test_schemathesis_finds_no_server_errors_and_no_disagreement(fuzz_app, tmp_path, capsys):
    report = tmp_path / "schemathesis.json"
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    answers = _Answers(fuzz_app)
    with live_server(answers) as base:
        operations = sum(len(ops) for ops in
                         TestClient(fuzz_app).get("/openapi.json").json()["paths"].values())
        run = subprocess.run(
            [str(SCHEMATHESIS), "--config-file", str(tmp_path / "schemathesis.toml"), "run",
             f"{base}/openapi.json", "--checks", CHECKS,
             "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic",
             "--continue-on-failure", "--workers", "1", "--no-color", "--request-timeout", "60",
             "--report", "json", "--report-json-path", str(report)],
            cwd=tmp_path, capture_output=True, text=True)
        # the server is still healthy after the run
        assert TestClient(fuzz_app).get("/readyz").status_code == 200
    assert report.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(report.read_text())
    cases = result["test_cases"]
    with capsys.disabled():
        print(f"\nschemathesis {result['schemathesis_version']}: {cases['generated']} cases over "
              f"{result['operations']['tested']} operations, {len(result['failures'])} "
              f"failures ({CHECKS}), {cases['errored']} errored, phases "
              f"{ {k: v['status'] for k, v in result['phases'].items()} }")
        schema_ops = {(m.upper(), path) for path, ops in
                      TestClient(fuzz_app).get("/openapi.json").json()["paths"].items()
                      for m in ops}
        accepted = {(m, r) for m, r, status in answers.seen if status == "2xx"}
        print(f"operations answered 2xx at least once: {len(schema_ops & accepted)} of "
              f"{len(schema_ops)}; never: {sorted(schema_ops - accepted)}")
    assert run.returncode == 0 and result["exit_code"] == 0, run.stdout[-6000:]
    assert result["failures"] == [] and result["errors"] == []
    assert cases["with_failures"] == 0 and cases["errored"] == 0
    assert result["operations"]["tested"] == result["operations"]["selected"] == operations
    assert {result["phases"][p]["status"] for p in ("coverage", "fuzzing", "stateful")} == {
        "success"}
    assert cases["generated"] >= 10 * operations
    # Generated requests get past the refusals: an upload is accepted and its job, an answer
    # and its lineage are followed by link (once every GET /v1/jobs/{id} was 404). Only the
    # routes that need a key the fuzzer has not got (admin, sign-in) are never 2xx.
    assert schema_ops - accepted <= {("GET", "/v1/keys"), ("POST", "/v1/keys"),
                                     ("DELETE", "/v1/keys/{key_id}"), ("POST", "/v1/session")}


_NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                 max_size=40).map(lambda s: s.replace("/", "_").replace("\\", "_").strip() or "x")
_PDFISH = st.binary(max_size=2048).map(lambda b: b"%PDF-1.4\n" + b)
_TEXTISH = st.one_of(st.binary(max_size=2048),
                     st.text(max_size=1500).map(lambda s: s.encode("utf-8", "surrogatepass")))


@st.composite
def _upload(draw):
    suffix = draw(st.sampled_from([".pdf", ".txt", ".md", ".PDF"]))
    body = draw(_PDFISH if suffix.lower() == ".pdf" else st.one_of(_TEXTISH, _PDFISH))
    return draw(_NAMES) + suffix, body


def test_random_uploads_never_end_in_an_internal_error(fuzz_app, hypothesis_home, capsys):
    outcomes: dict[str, int] = {}
    with TestClient(fuzz_app) as client:
        @given(files=st.lists(_upload(), min_size=1, max_size=3))
        @settings(max_examples=30, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def upload_random(files):
            response = client.post("/v1/documents",
                                   files=[("files", (name, data)) for name, data in files])
            assert response.status_code < 500, response.text
            if response.status_code != 202:
                assert response.json()["error"]["code"], response.text
                outcomes[response.json()["error"]["code"]] = outcomes.get(
                    response.json()["error"]["code"], 0) + 1
                return
            job = wait_for_job(client, response.json()["id"], timeout=60)
            for f in job["files"]:
                outcomes[f["error_code"] or f["status"]] = outcomes.get(
                    f["error_code"] or f["status"], 0) + 1
                assert f["error_code"] != "internal_error", f
                # (Starlette's TestClient decodes a path twice, so a name with "%" in it
                # cannot be asked for through it; a real server is fine.)
                if f["status"] in ("done", "unchanged") and "%" not in f["doc_name"]:
                    name = quote(f["doc_name"], safe="")
                    for url in (f"/v1/documents/{name}", f"/v1/documents/{name}/pages/1",
                                f"/v1/documents/{name}/file"):
                        assert client.get(url).status_code == 200, (url, f)

        upload_random()
        assert client.get("/readyz").status_code == 200
    with capsys.disabled():
        print(f"\nrandom uploads: {sum(outcomes.values())} files, outcomes {outcomes}")
    assert sum(outcomes.values()) >= 30, outcomes
