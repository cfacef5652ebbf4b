"""`earnest serve` as a real process for the tests that need one (backup, live copy, the API
under fire, the CLI through a server, serve's own signals, PostgreSQL workers): started on a
free port, ready when /readyz answers, its log in a file (a pipe nobody reads fills up with a
line per request and then blocks the server), and never left running after a test."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from .browser import free_port
from .components import patience


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        """Send ``sig`` (SIGINT: a clean stop), wait for the exit; its return code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=patience(timeout))
        except subprocess.TimeoutExpired:
            self.process.kill()  # not left running after the test
            self.process.wait()
            raise

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def start_server(library: str | Path, *args: str, port: int | None = None,
                 env: dict[str, str] | None = None, log: Path | None = None) -> Server:
    """`earnest serve --library LIBRARY --port PORT ARGS...`, once it answers /readyz.
    ``library`` may be a PostgreSQL URL; then give ``log``."""
    port = port or free_port()
    log = log or Path(library).parent / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "earnest", "serve", "--library", str(library), "--port",
         str(port), *args], env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    server = Server(process, port, log)
    deadline = time.monotonic() + patience(120)  # loading the model on a busy machine
    while True:
        try:
            httpx.get(server.url + "/readyz", timeout=5).raise_for_status()
            return server
        except httpx.HTTPError:
            if process.poll() is not None:
                raise AssertionError(f"earnest serve exited: {server.output()}") from None
            if time.monotonic() > deadline:
                server.kill()
                raise AssertionError(f"earnest serve did not start: {server.output()}") \
                    from None
            time.sleep(0.1)
