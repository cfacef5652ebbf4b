"""A real `earnest serve` against clients that misbehave: slow senders that hold connections,
oversized headers, an upload cut off midway. Others keep getting answers; nothing is left
behind."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections import Counter

import httpx
import pytest

from .components import patience
from .conftest import copy_library
from .server_process import start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory, sample_library):
    library = copy_library(sample_library, tmp_path_factory.mktemp("fire") / "lib")
    serving = start_server(library)
    yield serving.url, serving.port, library
    serving.stop()


def _timed_ask(url: str) -> float:
    t0 = time.perf_counter()
    r = httpx.post(url + "/v1/ask", json={"question": "Why did revenue drop?"}, timeout=30)
    assert r.status_code == 200, r.text
    return time.perf_counter() - t0


def test_slow_clients_holding_connections_do_not_stall_others(server) -> None:
    url, port, _ = server
    baseline = _timed_ask(url)
    slow = []
    for _ in range(64):  # each sends a request line and a header, then a byte now and then
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
        slow.append(s)
    try:
        for round_ in range(3):
            for s in slow:
                s.sendall(b" ")
            took = _timed_ask(url)
            assert took < max(5.0, 10 * baseline), (round_, took, baseline)
    finally:
        for s in slow:
            s.close()
    assert _timed_ask(url) < max(5.0, 10 * baseline)


def test_oversized_header_is_refused_and_the_server_goes_on(server) -> None:
    url, port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 200_000
                  + b"\r\n\r\n")
        reply = b""
        try:
            while chunk := s.recv(4096):
                reply += chunk
        except ConnectionResetError:
            pass
    assert reply.startswith(b"HTTP/1.1 4"), reply[:200]  # refused, not served
    r = httpx.get(url + "/readyz", headers={"X-Many": "b" * 8000}, timeout=10)
    assert r.status_code == 200  # an ordinary large header is fine
    assert _timed_ask(url) < 10


def test_an_upload_cut_off_midway_leaves_nothing_behind(server) -> None:
    url, port, library = server
    before = httpx.get(url + "/v1/documents", timeout=10).json()
    boundary = "xyzzy"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"cut.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()
    body_size = 8 * 2**20
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(f"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  f"multipart/form-data; boundary={boundary}\r\nContent-Length: "
                  f"{len(head) + body_size + 40}\r\n\r\n".encode() + head)
        line = b"Revenue rose 5% in the quarter on pricing.\n"
        for _ in range(3 * 2**20 // len(line)):  # 3 MB of the promised 8, then hang up
            s.sendall(line)
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    # (The body is parsed into an unnamed temporary file, O_TMPFILE, which cannot outlive
    # the request; what could stay is a spooled upload under incoming/.)
    while time.monotonic() < deadline and any(
            p.is_file() for p in (library / "incoming").rglob("*")):
        time.sleep(0.2)
    assert not [p for p in (library / "incoming").rglob("*") if p.is_file()]
    assert httpx.get(url + "/v1/documents", timeout=10).json() == before
    assert _timed_ask(url) < 10


def test_questions_past_max_asks_get_503_at_once_and_places_come_back(tmp_path,
                                                                      sample_library) -> None:
    """40 questions at once against server.max_asks = 2: each is answered or refused with 503
    busy and Retry-After (none waits in a queue that only grows), and once they are done,
    JSON answers and streams alike give their places back."""
    library = copy_library(sample_library, tmp_path / "lib")
    serving = start_server(library, env={**os.environ, "EARNEST_SERVER__MAX_ASKS": "2"})
    question = {"question": "Why did revenue drop?"}
    try:
        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=serving.url, timeout=patience(120),
                                         limits=httpx.Limits(max_connections=40)) as client:
                return await asyncio.gather(*(client.post("/v1/ask", json=question)
                                              for _ in range(40)))
        responses = asyncio.run(burst())
        codes = Counter(r.status_code for r in responses)
        assert set(codes) == {200, 503}, codes
        for r in responses:
            if r.status_code == 503:
                assert r.headers["retry-after"] == "1", r.headers
                assert r.json()["error"]["code"] == "busy"
                assert "server.max_asks" in r.json()["error"]["message"]
        for _ in range(3):  # streams end, and give their places back
            with httpx.stream("POST", serving.url + "/v1/ask", json={**question, "stream": True},
                              timeout=patience(60)) as r:
                assert r.status_code == 200 and "event: answer" in r.read().decode()
        for path, body in (("/v1/ask", question), ("/v1/search", {"query": "revenue"})):
            for _ in range(3):
                assert httpx.post(serving.url + path, json=body,
                                  timeout=patience(60)).status_code == 200
    finally:
        serving.stop()
