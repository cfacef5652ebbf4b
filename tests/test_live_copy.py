"""A library copied with plain file copies while `earnest serve` ingests and answers (issue 14):
the database alone, the database with its -wal and -shm, and the database copied before a
checkpoint with its WAL copied after it. Each copy must either open whole (integrity check
ok, no half document, the same answer) or be refused with a message naming the file and
`earnest backup` — never served torn."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from earnest.errors import CorruptLibrary
from earnest.samples import SAMPLE_QUESTIONS
from earnest.service import Earnest
from earnest.settings import Settings

from .conftest import copy_library
from .server_process import start_server
from .test_backup import _answer_key, _cli

SEED = 1414
COPIES = 12
QUESTION = SAMPLE_QUESTIONS[0]


def _note(i: int) -> bytes:
    return "".join(f"Division {i} line {n}: unit {n % 9} shipped {n * 7 + i} crates and margin "
                   f"was {n % 30 + i}.{n % 10}% in quarter {n % 4 + 1}.\n"
                   for n in range(300)).encode()


def _slow_copy(src: Path, dest: Path, rng: random.Random) -> None:
    """A file copy that takes a while, as a big library's would: a writer moves on meanwhile."""
    with src.open("rb") as fin, dest.open("wb") as fout:
        while block := fin.read(64 * 1024):
            fout.write(block)
            time.sleep(rng.uniform(0, 0.004))


def _copy(library: Path, dest: Path, kind: str, rng: random.Random) -> None:
    dest.mkdir()
    db = library / "library.sqlite"
    _slow_copy(db, dest / db.name, rng)
    if kind == "with_wal":
        for suffix in ("-wal", "-shm"):
            side = db.with_name(db.name + suffix)
            if side.exists():
                _slow_copy(side, dest / side.name, rng)
    elif kind == "wal_after_checkpoint":
        # The database as it was, then its WAL after a checkpoint reset it and new writes
        # began in it: SQLite cannot tell this WAL does not belong to that database.
        wal = db.with_name(db.name + "-wal")
        before = wal.read_bytes()[:32] if wal.exists() else b""
        conn = sqlite3.connect(db, timeout=60)
        conn.execute("pragma wal_checkpoint(restart)")
        conn.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = wal.read_bytes()[:32] if wal.exists() else b""
            if now and now != before:  # a new WAL header: new salts, new frames
                break
            time.sleep(0.01)
        if wal.exists():
            _slow_copy(wal, dest / wal.name, rng)
    shutil.copytree(library / "files", dest / "files")


def _whole(db: Path) -> int:
    """Checked from outside Earnest: the number of documents of a whole library."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        conn.execute("insert into chunk_fts(chunk_fts) values ('integrity-check')")
        partial = conn.execute(
            "select d.doc_name from documents d where d.page_count != (select count(*) from "
            "pages p where p.doc_id = d.id) or d.chunk_count != (select count(*) from chunks c "
            "where c.doc_id = d.id)").fetchall()
        assert not partial, f"half documents: {partial}"
        assert conn.execute("select count(*) from chunks c where not exists (select 1 from "
                            "chunk_fts f where f.rowid = c.id)").fetchone()[0] == 0
        return conn.execute("select count(*) from documents").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.timeout(1800)
def test_library_copied_while_the_server_writes(tmp_path: Path, embedder,
                                                sample_library) -> None:
    rng = random.Random(SEED)
    library = copy_library(sample_library, tmp_path / "lib")
    with Earnest(Settings.load(library, env={}), embedder=embedder) as lib:
        clean = _answer_key(lib.ask(QUESTION).to_dict())
    server = start_server(library)
    stop = threading.Event()
    errors: list[str] = []
    answers: list[tuple] = []

    def ask_in_a_loop() -> None:  # each answer is also written to the library (lineage)
        try:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                while not stop.is_set():
                    response = client.post("/v1/ask", json={"question": QUESTION})
                    response.raise_for_status()
                    answers.append(_answer_key(response.json()))
        except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in the thread
            errors.append(repr(exc))

    def upload_in_a_loop() -> None:  # documents, passages, keyword index and vectors written
        try:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                for batch in range(100):
                    if stop.is_set():
                        break
                    files = [("files", (f"division{batch}_{i}.txt", _note(batch * 3 + i),
                                        "text/plain")) for i in range(3)]
                    job = client.post("/v1/documents", files=files).json()
                    while client.get(f"/v1/jobs/{job['id']}").json()["finished_at"] is None:
                        if stop.wait(0.2):
                            return
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    workers = [threading.Thread(target=ask_in_a_loop), threading.Thread(target=upload_in_a_loop)]
    for w in workers:
        w.start()
    kinds = ["db_only", "with_wal", "wal_after_checkpoint"]
    copies: list[tuple[str, Path]] = []
    try:
        for n in range(COPIES):
            stop.wait(rng.uniform(0.1, 1.0))  # the writers never pause: any moment will do
            assert not errors, errors
            kind = kinds[n % len(kinds)]
            dest = tmp_path / f"copy{n}-{kind}"
            _copy(library, dest, kind, rng)
            copies.append((kind, dest))
    finally:
        stop.set()
        for w in workers:
            w.join()
        server.stop()
    assert not errors, errors
    assert set(answers) == {clean}

    tally = {"opened whole": 0, "refused": 0}
    for kind, dest in copies:
        db = dest / "library.sqlite"
        try:
            with Earnest(Settings.load(dest, env={}), embedder=embedder) as lib:
                documents = len(lib.documents())
                answer = _answer_key(lib.ask(QUESTION).to_dict())
        except CorruptLibrary as exc:
            message = str(exc)
            assert str(db) in message and "earnest backup" in message, message
            tally["refused"] += 1
            continue
        assert _whole(db) == documents, kind
        # Never empty: the library closed after its first ingest had checkpointed it.
        assert documents >= 2 and answer == clean, kind
        tally["opened whole"] += 1
    print(f"{len(copies)} copies: {tally}")


def test_a_torn_copy_is_refused_by_every_entry_point(tmp_path: Path, embedder,
                                                    sample_library) -> None:
    """The torn pair built on purpose: the database copied while its WAL held two ingests,
    then a checkpoint, then a third ingest, then the WAL copied."""
    library, copy = copy_library(sample_library, tmp_path / "lib"), tmp_path / "copy"
    copy.mkdir()
    db = library / "library.sqlite"
    with Earnest(Settings.load(library, env={}), embedder=embedder) as lib:
        for i in range(2):
            (tmp_path / f"d{i}.txt").write_bytes(_note(i))
            lib.ingest([tmp_path / f"d{i}.txt"])
        shutil.copy(db, copy / db.name)  # the WAL's frames are not in it yet
        conn = sqlite3.connect(db)
        conn.execute("pragma wal_checkpoint(truncate)")
        conn.close()
        (tmp_path / "d2.txt").write_bytes(_note(2))
        lib.ingest([tmp_path / "d2.txt"])
        shutil.copy(db.with_name(db.name + "-wal"), copy / (db.name + "-wal"))
    shutil.copytree(library / "files", copy / "files")
    with pytest.raises(CorruptLibrary) as refused:
        Earnest(Settings.load(copy, env={}), embedder=embedder)
    assert str(copy / db.name) in str(refused.value) and "earnest backup" in str(refused.value)
    done = _cli("search", "revenue", "--library", str(copy))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "earnest backup" in done.stderr and "library.sqlite" in done.stderr, done.stderr
    done = _cli("doctor", "--library", str(copy), "--json")
    checks = {c["name"]: c for c in json.loads(done.stdout.strip().splitlines()[-1])["checks"]}
    assert done.returncode == 1 and checks["library integrity"]["status"] == "fail", checks
    assert "earnest backup" in checks["library integrity"]["fix"]
    # The library itself was never torn: it opens, checked once, and answers.
    with Earnest(Settings.load(library, env={}), embedder=embedder) as lib:
        assert lib.ask(QUESTION).citations
