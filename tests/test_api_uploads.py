"""The upload limit holds for any body (chunked, no Content-Length), an aborted upload leaves
nothing behind, jobs can be cancelled, and spooled files do not outlive their server. Real
uvicorn on loopback, raw sockets where the client must misbehave."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from earnest.api import create_app

from .api_helpers import live_server, make_service
from .components import patience

LIMIT_MB = 0.5


@pytest.fixture()
def service(tmp_path, embedder):
    lib = make_service(tmp_path / "library", embedder, server__max_upload_mb=LIMIT_MB)
    yield lib
    lib.close()


def _multipart(files: list[tuple[str, bytes]], boundary: str = "b0undary") -> bytes:
    out = b""
    for name, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def _raw_post(url: str, body: bytes, *, chunked: bool, stop_after: int | None = None) -> str:
    """POST /v1/documents by hand; ``stop_after`` bytes of the body, then hang up."""
    parts = urlsplit(url)
    head = (f"POST /v1/documents HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
            "Content-Type: multipart/form-data; boundary=b0undary\r\n")
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {len(body)}\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall((head + "\r\n").encode())
        sent = 0
        try:
            for i in range(0, len(body), 65536):
                piece = body[i:i + 65536]
                if stop_after is not None and sent >= stop_after:
                    return ""
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed
        sock.settimeout(30)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
                if b"\r\n\r\n" in data and b'"error"' in data or b'"id"' in data:
                    break
        except (ConnectionResetError, TimeoutError):
            pass
        return data.decode("latin-1")


def _text(i: int, lines: int = 3) -> bytes:
    return "".join(f"Document {i} line {n}: revenue rose {n}% in the quarter.\n"
                   for n in range(lines)).encode()


def _leftovers(service) -> list[Path]:
    incoming = service.home / "incoming"
    return [p for p in incoming.rglob("*") if p.is_file()] if incoming.exists() else []


def test_a_chunked_upload_over_the_limit_is_413_and_leaves_nothing(service):
    big = [(f"big{i}.txt", _text(i, 3000)) for i in range(4)]  # ~0.9 MB, over 0.5 MB
    with live_server(create_app(service=service)) as url:
        reply = _raw_post(url, _multipart(big), chunked=True)
        assert reply.startswith("HTTP/1.1 413"), reply[:300]
        assert "max_upload_mb" in reply
        small = _multipart([("small.txt", _text(1))])
        reply = _raw_post(url, small, chunked=True)
        assert reply.startswith("HTTP/1.1 202"), reply[:300]
    assert [d.doc_name for d in service.documents()] == ["small"]
    assert _leftovers(service) == []


@pytest.mark.parametrize("chunked", [True, False])
def test_an_upload_aborted_midway_leaves_nothing(service, chunked):
    body = _multipart([("half.txt", _text(2, 2500))])
    with live_server(create_app(service=service)) as url:
        _raw_post(url, body, chunked=chunked, stop_after=len(body) // 2)
        time.sleep(0.5)
        assert httpx.get(f"{url}/v1/documents").json()["documents"] == []
    assert _leftovers(service) == []
    assert service.documents() == []


def test_a_job_can_be_cancelled(service):
    files = [("slow.txt", _text(0, 1500))] + [(f"later{i}.txt", _text(i)) for i in range(3)]
    with live_server(create_app(service=service)) as url, httpx.Client(base_url=url) as http:
        job = http.post("/v1/documents", files=[("files", f) for f in files]).json()
        cancelled = http.delete(f"/v1/jobs/{job['id']}")
        assert cancelled.status_code == 200, cancelled.text
        statuses = [f["status"] for f in cancelled.json()["files"]]
        assert statuses[1:] == ["cancelled"] * 3, statuses
        deadline = time.monotonic() + patience(120)
        while (job := http.get(f"/v1/jobs/{job['id']}").json())["finished_at"] is None:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert job["status"] == "cancelled" and job["counts"]["cancelled"] == 3
        assert http.post(f"/v1/jobs/{job['id']}/cancel").json()["status"] == "cancelled"
        missing = http.delete("/v1/jobs/0-00000000")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    names = [d.doc_name for d in service.documents()]
    assert not any(n.startswith("later") for n in names)  # the first may have finished
    assert _leftovers(service) == []


def test_spools_of_a_dead_server_are_removed_at_startup(service):
    dead = service.home / "incoming" / "999999999"  # no such process
    dead.mkdir(parents=True)
    (dead / "x.pdf").write_bytes(b"%PDF-1.4 spooled")
    alive = service.home / "incoming" / str(os.getppid())
    alive.mkdir()
    (alive / "y.pdf").write_bytes(b"%PDF-1.4 another server's")
    create_app(service=service)
    assert not dead.exists()
    assert (alive / "y.pdf").exists()


def test_a_bomb_and_huge_text_uploaded_fail_with_a_true_reason(tmp_path, embedder):
    from .hostile import bomb_pdf, huge_text

    service = make_service(tmp_path / "big-limits", embedder)  # the default upload limits
    with live_server(create_app(service=service)) as url, httpx.Client(base_url=url) as http:
        files = [("files", ("bomb.pdf", bomb_pdf(150))), ("files", ("huge.txt", huge_text(30))),
                 ("files", ("fine.txt", _text(7)))]
        job = http.post("/v1/documents", files=files).json()
        deadline = time.monotonic() + patience(120)
        while (job := http.get(f"/v1/jobs/{job['id']}").json())["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    bomb, huge, fine = job["files"]
    assert bomb["error_code"] == "too_large" and bomb["error"].startswith("bomb.pdf: a compr")
    assert huge["error_code"] == "too_large" and "max_document_chars" in huge["error"]
    assert fine["status"] == "done"
    assert [d.doc_name for d in service.documents()] == ["fine"]
    assert _leftovers(service) == []
    service.close()
