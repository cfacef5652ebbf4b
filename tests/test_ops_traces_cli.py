"""`earnest ingest`, `earnest ask` and `earnest worker` send the same spans as `earnest serve`,
to a real OTLP/HTTP receiver on loopback (a small HTTP server decoding the protobuf export
requests the OpenTelemetry exporter posts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from earnest import Earnest, Settings
from earnest.samples import sample_dir
from earnest.store.pg_jobs import PgJobQueue


def _value(v):
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


class Receiver:
    """An OTLP/HTTP traces endpoint on 127.0.0.1: every span it was sent, decoded."""

    def __init__(self) -> None:
        self.spans: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for rs in request.resource_spans:
                    resource = {a.key: _value(a.value) for a in rs.resource.attributes}
                    for ss in rs.scope_spans:
                        for s in ss.spans:
                            receiver.spans.append({
                                "name": s.name, "span_id": s.span_id.hex(),
                                "parent": s.parent_span_id.hex(), "trace": s.trace_id.hex(),
                                "start": s.start_time_unix_nano, "end": s.end_time_unix_nano,
                                "attributes": {a.key: _value(a.value) for a in s.attributes},
                                "resource": resource, "path": self.path})
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/v1/traces"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _earnest(*args: str, endpoint: str, home: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARNEST_")}
    env["EARNEST_TRACE__OTLP_ENDPOINT"] = endpoint
    env["EARNEST_TRACE__SERVICE_NAME"] = "earnest-cli-test"
    if home is not None:
        env["EARNEST_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "earnest", *args], env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_ingest_and_ask_send_their_spans(tmp_path) -> None:
    receiver = Receiver()
    library = tmp_path / "lib"
    try:
        done = _earnest("ingest", str(sample_dir()), "--library", str(library), "--no-embed",
                        "--json", endpoint=receiver.endpoint)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        ingests = [s for s in receiver.spans if s["name"] == "ingest"]
        asked = _earnest("ask", "Why did revenue decline?", "--library", str(library),
                         "--json", endpoint=receiver.endpoint)
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
    finally:
        receiver.close()
    assert {s["path"] for s in receiver.spans} == {"/v1/traces"}
    assert sorted(s["attributes"]["earnest.file"] for s in ingests) == sorted(
        Path(f["path"]).name for f in report["files"])
    assert {s["attributes"]["earnest.status"] for s in ingests} == {"ingested"}
    for span in ingests:
        assert span["attributes"]["earnest.chunks"] > 0 and span["attributes"]["earnest.pages"]
        assert span["attributes"]["earnest.collection"] == "default"
        assert span["resource"]["service.name"] == "earnest-cli-test"
    (ask,) = [s for s in receiver.spans if s["name"] == "ask"]
    assert ask["attributes"]["earnest.answer_id"] == answer["answer_id"]
    stages = sorted((s for s in receiver.spans if s["parent"] == ask["span_id"]),
                    key=lambda s: s["start"])
    assert [s["name"] for s in stages] == ["understand", "retrieve", "rerank", "answer"]
    assert all(s["trace"] == ask["trace"] for s in stages)
    assert abs((ask["end"] - ask["start"]) / 1e6 - answer["timings_ms"]["total"]) < 1


def test_worker_sends_an_ingest_span_per_file(tmp_path, pg_url) -> None:
    receiver = Receiver()
    home = tmp_path / "lib"
    service = Earnest(Settings.load(home, env={}, store__url=pg_url))
    try:
        files = sorted(sample_dir().iterdir())
        PgJobQueue(service.store).submit(
            [({"filename": p.name, "size": p.stat().st_size}, p.read_bytes()) for p in files],
            collection="default", principal=None)
        done = _earnest("worker", "--library", pg_url, "--once", endpoint=receiver.endpoint,
                        home=home)
        assert done.returncode == 0, done.stderr
        assert service.stats().embedded == service.stats().chunks > 0
    finally:
        service.close()
        receiver.close()
    ingests = [s for s in receiver.spans if s["name"] == "ingest"]
    assert sorted(s["attributes"]["earnest.file"] for s in ingests) == [p.name for p in files]
    # A file's span is its keyword phase; its vectors follow once no file waits.
    assert {s["attributes"]["earnest.status"] for s in ingests} == {"embedding"}
    assert all(s["attributes"]["earnest.chunks"] > 0 for s in ingests)
    assert {s["resource"]["service.name"] for s in ingests} == {"earnest-cli-test"}
