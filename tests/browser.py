"""A real uvicorn server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

from .components import missing, patience, used

CHROMIUM = Path(os.environ.get("EARNEST_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# offline machine refuses; the page itself only talks to loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a thread, on a free loopback port, stopped at the end."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + patience(30)
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def chromium_or_skip() -> Path:
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        missing("chromium", f"Chromium not found at {CHROMIUM}: run `python3 "
                "scripts/setup_tests.py` (installs Debian's chromium) or set EARNEST_CHROMIUM")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("chromium", "playwright is not installed: `uv sync` installs the dev dependencies")
    used("chromium")
    return CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium"))


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
