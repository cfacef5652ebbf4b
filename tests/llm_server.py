"""LLM servers for the tests, all on loopback.

- ``llama_server``: the real thing, llama-cpp-python's OpenAI-compatible server with
  SmolLM2-135M-Instruct, built by ``scripts/setup_tests.py`` (the tests skip without it).
- ``scripted_llm``: a tiny HTTP server of our own for what a real model cannot be made to do
  on demand: answer 429/500, send garbage, sleep past the timeout, or stream a fixed answer.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from .components import missing, patience, used

CACHE = Path(os.environ.get("EARNEST_TEST_CACHE", Path.home() / ".cache" / "earnest-test"))
LLAMA_PYTHON = CACHE / "llama-server-portable" / "bin" / "python"  # scripts/setup_tests.py
MODEL_FILE = CACHE / "models" / "SmolLM2-135M-Instruct.gguf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LlamaServer:
    base_url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_llama_server(log_dir: Path) -> LlamaServer:
    """Start the real server on a free loopback port and wait until it answers."""
    if not (LLAMA_PYTHON.exists() and MODEL_FILE.exists()):
        missing("llm-server", f"the local LLM server is not installed ({LLAMA_PYTHON}, "
                f"{MODEL_FILE}): run `python3 scripts/setup_tests.py`")
    used("llm-server")
    port = free_port()
    log = log_dir / f"llama-server-{port}.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        [str(LLAMA_PYTHON), "-m", "llama_cpp.server", "--model", str(MODEL_FILE),
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2",
         "--verbose", "False"], stdout=handle, stderr=subprocess.STDOUT)
    handle.close()
    server = LlamaServer(f"http://127.0.0.1:{port}/v1", process, log)
    deadline = time.monotonic() + patience(120)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/models", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"llama server did not start in time: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = start_llama_server(tmp_path_factory.mktemp("llama"))
    yield server
    server.stop()


# -- the scripted server ---------------------------------------------------------------------
def sse(text_parts: list[str], usage: dict[str, int] | None = None) -> bytes:
    """A chat-completions event stream that says ``text_parts``."""
    events = [{"choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}]}
              for part in text_parts]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if usage:
        events.append({"choices": [], "usage": usage})
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return body.encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/event-stream"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the headers: a server that is thinking too long


@dataclass
class ScriptedLLM:
    """Answers requests with ``replies`` in order (the last one repeats)."""

    base_url: str = ""
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _handler(script: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("content-length", 0))
            script.requests.append(json.loads(self.rfile.read(length) or b"{}"))
            reply = script.next_reply()
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(reply.body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up (timeout): nothing to tell it

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture()
def scripted_llm() -> Iterator[ScriptedLLM]:
    script = ScriptedLLM(replies=[Reply(body=sse(["Nothing to say."]))])
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(script))
    server.daemon_threads = True
    script.server = server
    script.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield script
    script.stop()
