"""Kill the CLI mid-ingest (SIGKILL, no clean-up) and check no partial document is visible."""

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .components import patience
from .pdfs import make_pdf


def _consistent(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    bad = conn.execute(
        "select d.doc_name from documents d where d.page_count != "
        "(select count(*) from pages p where p.doc_id = d.id) or d.chunk_count != "
        "(select count(*) from chunks c where c.doc_id = d.id)").fetchall()
    fts = conn.execute("select count(*) from chunk_fts").fetchone()[0]
    chunks = conn.execute("select count(*) from chunks").fetchone()[0]
    names = [r[0] for r in conn.execute("select doc_name from documents")]
    conn.close()
    assert not bad, f"partial documents: {bad}"
    assert fts == chunks
    return names


def test_kill_mid_ingest_then_resume(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        # Many pages with enough text that writing the batch takes a while, so the kill
        # lands mid-way (with 3 lines a page, a quiet machine wrote all 12 before the kill).
        make_pdf(folder / f"doc{i:02d}.pdf",
                 [[f"Document {i} page {p} says revenue was {i * 10 + p}.5 million dollars, "
                   "up from the prior year because of pricing." for _ in range(30)]
                  for p in range(12)])
    lib = tmp_path / "lib"
    cmd = [sys.executable, "-m", "earnest", "ingest", str(folder), "--library", str(lib)]
    # Keywords only on the first run, so the kill lands while documents are being parsed and
    # written, not while vectors are computed.
    proc = subprocess.Popen(cmd + ["--no-embed"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    db = lib / "library.sqlite"
    deadline = time.time() + patience(120)
    while time.time() < deadline:  # wait until something is committed, then pull the plug
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    if conn.execute("select count(*) from documents").fetchone()[0] >= 2:
                        break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _consistent(db)
    assert 2 <= len(before) < 12

    done = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=patience(600))
    assert done.returncode == 0, done.stdout + done.stderr
    after = _consistent(db)
    assert sorted(after) == [f"doc{i:02d}" for i in range(12)]
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from chunks where vector is null").fetchone()[0] == 0
