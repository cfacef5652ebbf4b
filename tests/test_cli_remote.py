"""`earnest ask` through a running `earnest serve` of the same library (real server, real CLI
processes): the same answer, said to come from the server; another library's server is not
used; with server.ask_via_server off the CLI answers itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from earnest import Earnest, Settings

from .server_process import start_server


def _ask(library: Path, port: int, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "earnest", "ask", "--library", str(library), *args],
        capture_output=True, text=True,
        env={**os.environ, "EARNEST_SERVER__PORT": str(port), **env})


def test_ask_uses_a_running_server_of_the_same_library(tmp_path: Path, sample_docs: Path,
                                                      embedder) -> None:
    library, other = tmp_path / "lib", tmp_path / "other"
    with Earnest(Settings.load(library, env={}), embedder=embedder) as lib:
        lib.ingest([sample_docs])
    shutil.copytree(library, other)  # the same documents in another library (closed: whole)
    server = start_server(library)
    port = server.port
    try:
        question = "Why did net sales decrease?"
        served = _ask(library, port, question)
        assert served.returncode == 0, served.stderr
        assert f"answered by the server at http://127.0.0.1:{port}" in served.stdout
        assert "ACME_2023Q3_10Q, p. 1" in served.stdout

        as_json = json.loads(_ask(library, port, question, "--json", "--k", "3").stdout)
        local = _ask(library, port, question, "--json", "--k", "3",
                     EARNEST_SERVER__ASK_VIA_SERVER="false")
        assert local.returncode == 0, local.stderr
        mine = json.loads(local.stdout)
        assert as_json["status"] == mine["status"] == "answered"
        assert [c["quote"] for c in as_json["citations"]] == [
            c["quote"] for c in mine["citations"]]

        refused = _ask(library, port, question, "--filter", "doc=NOPE", "--json")
        assert refused.returncode == 1
        assert json.loads(refused.stdout)["error"]["code"] == "not_found"

        elsewhere = _ask(other, port, question)  # the server holds another library
        assert elsewhere.returncode == 0, elsewhere.stderr
        assert "answered by the server" not in elsewhere.stdout
    finally:
        server.stop()
