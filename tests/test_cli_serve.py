"""`earnest serve` starts the app on the asked port and stops cleanly on SIGINT."""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request

from .server_process import start_server


def test_serve_answers_on_its_port_and_stops(tmp_path) -> None:
    server = start_server(tmp_path / "lib")
    port = server.port
    try:
        with urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as r:
            ready = json.loads(r.read())
        assert ready["status"] == "ready" and ready["documents"] == 0
        with urllib.request.urlopen(f"{server.url}/", timeout=5) as r:
            assert b"Earnest" in r.read()
        try:
            urllib.request.urlopen(f"{server.url}/v1/documents/nope", timeout=5)
        except urllib.error.HTTPError as missing:
            request_id = missing.headers["x-request-id"]
            assert json.loads(missing.read())["error"]["request_id"] == request_id
    finally:
        code = server.stop()
    err = server.output()
    assert f"127.0.0.1:{port}" in err
    # the server's log has the request's line, by its id
    assert f"request_id={request_id} key=local GET /v1/documents/{{doc_name}} 404" in err, err
    assert code == 0, err


def test_sigterm_cancels_queued_uploads_and_leaves_no_spooled_files(tmp_path) -> None:
    import sqlite3

    import httpx

    library = tmp_path / "lib"
    server = start_server(library)
    try:
        slow = "".join(f"Line {n}: revenue rose {n % 40}% in the quarter.\n" for n in range(40000))
        files = [("files", ("slow.txt", slow.encode()))] + [
            ("files", (f"queued{i}.txt", f"Queued {i}: margins rose.\n".encode()))
            for i in range(3)]
        job = httpx.post(f"{server.url}/v1/documents", files=files).json()
        assert job["status"] in ("queued", "running")
        assert any((library / "incoming").rglob("*.txt"))
    finally:
        code = server.stop(signal.SIGTERM)
    err = server.output()
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert code in (0, -signal.SIGTERM), err
    assert "Traceback" not in err, err
    assert not [p for p in (library / "incoming").rglob("*") if p.is_file()]
    db = sqlite3.connect(library / "library.sqlite")
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    names = {row[0] for row in db.execute("select doc_name from documents")}
    assert not names & {"queued0", "queued1", "queued2"}, names


def test_spools_of_a_killed_server_are_deleted_by_the_next(tmp_path) -> None:
    library = tmp_path / "lib"
    server = start_server(library)
    body = "".join(f"Line {n}: revenue rose {n % 40}% in the quarter.\n" for n in range(40000))
    import httpx

    httpx.post(f"{server.url}/v1/documents",
               files=[("files", (f"f{i}.txt", f"{i} {body}".encode())) for i in range(4)])
    server.kill()
    assert [p for p in (library / "incoming").rglob("*") if p.is_file()]  # left behind
    start_server(library).stop()
    assert not [p for p in (library / "incoming").rglob("*") if p.is_file()]
