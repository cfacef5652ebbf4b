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


def test_serve_answers_on_its_port_and_stops(tmp_path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "earnest", "serve", "--library", str(tmp_path / "lib"),
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
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
