"""`earnest backup` while `earnest serve` answers questions, then `earnest restore`."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from earnest.backup import POSTGRES_MESSAGE
from earnest.errors import InputError
from earnest.samples import SAMPLE_QUESTIONS
from earnest.service import Earnest
from earnest.settings import Settings

from .conftest import copy_library
from .server_process import start_server

QUESTION = SAMPLE_QUESTIONS[0]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "earnest", *args], capture_output=True,
                          text=True, timeout=300)


def _answer_key(answer: dict) -> tuple:
    return (answer["answer"], tuple((c["doc_name"], c["page"]) for c in answer["citations"]))


def test_backup_while_serving_then_restore(tmp_path: Path, embedder, sample_library) -> None:
    library = copy_library(sample_library, tmp_path / "lib")
    server = start_server(library)
    answers: list[tuple] = []
    errors: list[str] = []
    stop = threading.Event()

    def ask_in_a_loop() -> None:  # each answer is also written to the library (lineage)
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                while not stop.is_set():
                    response = client.post("/v1/ask", json={"question": QUESTION})
                    response.raise_for_status()
                    answers.append(_answer_key(response.json()))
        except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in the thread
            errors.append(repr(exc))

    asker = threading.Thread(target=ask_in_a_loop)
    asker.start()
    try:
        while len(answers) < 2 and not errors:
            stop.wait(0.1)
        done = _cli("backup", str(tmp_path / "bk"), "--library", str(library), "--json")
        asked_during = len(answers)
        while len(answers) < asked_during + 2 and not errors:
            stop.wait(0.1)
    finally:
        stop.set()
        asker.join()
        server.stop()
    assert not errors, errors
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["counts"]["documents"] == 2 and report["counts"]["answers"] >= 2
    assert report["counts"]["vectors"] == report["counts"]["chunks"] > 0
    assert not report["missing_originals"]
    assert len(set(answers)) == 1  # the server answered the same thing throughout
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["integrity_check"] == "ok" and len(manifest["sha256"]) == 3

    # Restoring over a library that is there is refused without --force.
    refused = _cli("restore", str(tmp_path / "bk"), "--library", str(library))
    assert refused.returncode == 1 and "--force" in refused.stderr, refused.stderr
    restored = tmp_path / "restored"
    done = _cli("restore", str(tmp_path / "bk"), "--library", str(restored))
    assert done.returncode == 0, done.stdout + done.stderr
    conn = sqlite3.connect(restored / "library.sqlite")
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    conn.close()
    with Earnest(Settings.load(restored, env={}), embedder=embedder) as lib:
        again = lib.ask(QUESTION)
        assert _answer_key({"answer": again.answer, "citations": [
            {"doc_name": c.doc_name, "page": c.page} for c in again.citations]}) == answers[0]
        assert all(lib.original_path(d.doc_name).is_file() for d in lib.documents())
    done = _cli("restore", str(tmp_path / "bk"), "--library", str(restored), "--force")
    assert done.returncode == 0, done.stderr


def test_restore_refuses_a_damaged_backup_and_leaves_nothing(tmp_path: Path, embedder,
                                                            sample_library) -> None:
    library = copy_library(sample_library, tmp_path / "lib")
    with Earnest(Settings.load(library, env={}), embedder=embedder) as lib:
        lib.backup(tmp_path / "bk")
        with pytest.raises(InputError, match="not empty"):
            lib.backup(tmp_path / "bk")
    original = next((tmp_path / "bk" / "files").iterdir())
    original.write_bytes(original.read_bytes() + b"x")
    done = _cli("restore", str(tmp_path / "bk"), "--library", str(tmp_path / "restored"))
    assert done.returncode == 1
    assert original.name in done.stderr and "checksum" in done.stderr, done.stderr
    assert not (tmp_path / "restored").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bk", "lib"]  # no temporary left
    done = _cli("restore", str(tmp_path / "lib"), "--library", str(tmp_path / "restored"))
    assert done.returncode == 1 and "not an Earnest backup" in done.stderr, done.stderr


def test_backup_of_a_postgresql_library_says_what_to_use(tmp_path: Path, pg_url,
                                                         embedder) -> None:
    settings = Settings.load(tmp_path / "home", env={}, store__url=pg_url)
    with Earnest(settings, embedder=embedder) as lib:
        with pytest.raises(InputError) as refused:
            lib.backup(tmp_path / "bk")
    assert str(refused.value) == POSTGRES_MESSAGE and "pg_dump" in POSTGRES_MESSAGE
    assert not (tmp_path / "bk").exists()
