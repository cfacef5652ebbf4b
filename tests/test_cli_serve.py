"""`earnest serve` starts the app on the asked port and stops cleanly on SIGINT."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from .browser import free_port
from .components import patience


def test_serve_answers_on_its_port_and_stops(tmp_path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "earnest", "serve", "--library", str(tmp_path / "lib"),
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + patience(60)
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    ready = json.loads(r.read())
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "earnest serve did not start"
                time.sleep(0.3)
        assert ready["status"] == "ready" and ready["documents"] == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert b"Earnest" in r.read()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/documents/nope", timeout=5)
        except urllib.error.HTTPError as missing:
            request_id = missing.headers["x-request-id"]
            assert json.loads(missing.read())["error"]["request_id"] == request_id
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert f"127.0.0.1:{port}" in err
    # the server's log has the request's line, by its id
    assert f"request_id={request_id} key=local GET /v1/documents/{{doc_name}} 404" in err, err
    assert process.returncode == 0, err


def _start(library, port):
    process = subprocess.Popen(
        [sys.executable, "-m", "earnest", "serve", "--library", str(library), "--port",
         str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + patience(60)
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).close()
            return process
        except OSError:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "earnest serve did not start"
            time.sleep(0.3)


def test_sigterm_cancels_queued_uploads_and_leaves_no_spooled_files(tmp_path) -> None:
    import sqlite3

    import httpx

    port = free_port()
    library = tmp_path / "lib"
    process = _start(library, port)
    try:
        slow = "".join(f"Line {n}: revenue rose {n % 40}% in the quarter.\n" for n in range(40000))
        files = [("files", ("slow.txt", slow.encode()))] + [
            ("files", (f"queued{i}.txt", f"Queued {i}: margins rose.\n".encode()))
            for i in range(3)]
        job = httpx.post(f"http://127.0.0.1:{port}/v1/documents", files=files).json()
        assert job["status"] in ("queued", "running")
        assert any((library / "incoming").rglob("*.txt"))
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Traceback" not in err, err
    assert not [p for p in (library / "incoming").rglob("*") if p.is_file()]
    db = sqlite3.connect(library / "library.sqlite")
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    names = {row[0] for row in db.execute("select doc_name from documents")}
    assert not names & {"queued0", "queued1", "queued2"}, names


def test_spools_of_a_killed_server_are_deleted_by_the_next(tmp_path) -> None:
    library = tmp_path / "lib"
    port = free_port()
    process = _start(library, port)
    body = "".join(f"Line {n}: revenue rose {n % 40}% in the quarter.\n" for n in range(40000))
    import httpx

    httpx.post(f"http://127.0.0.1:{port}/v1/documents",
               files=[("files", (f"f{i}.txt", f"{i} {body}".encode())) for i in range(4)])
    process.kill()
    process.communicate(timeout=30)
    assert [p for p in (library / "incoming").rglob("*") if p.is_file()]  # left behind
    process = _start(library, free_port())
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert not [p for p in (library / "incoming").rglob("*") if p.is_file()]
