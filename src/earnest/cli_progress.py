"""Ingest progress as plain lines (stderr is no terminal: logs, CI, a pipe): one when the
batch is keyword-searchable, then the embedding's progress now and then."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from earnest.inputs import FileResult


class PhaseLines:
    def __init__(self, console: Console, every_seconds: float = 30.0) -> None:
        self.console, self.every = console, every_seconds
        self.files = self.chunks = 0
        self._last = 0.0

    def file_started(self, path: Path, index: int, total: int) -> None: ...

    def file_done(self, result: FileResult) -> None:
        self.files += 1
        self.chunks += result.chunks

    def keyword_done(self, seconds: float) -> None:
        self.console.print(f"keyword-searchable: {self.files} files, {self.chunks} new "
                           f"passages in {seconds:.1f}s", highlight=False)
        self._last = time.monotonic()

    def embedding(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last >= self.every:
            self._last = now
            self.console.print(f"embedded: {done}/{total} passages", highlight=False)
