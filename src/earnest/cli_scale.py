"""`earnest serve` (one process, or N over a PostgreSQL library) and `earnest worker`."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from earnest.cli import ConfigOpt, _run, app, err
from earnest.cli_trust import check_exposure
from earnest.errors import InputError
from earnest.settings import Settings

if TYPE_CHECKING:
    pass

LibraryOrUrlOpt = Annotated[Optional[str], typer.Option(
    "--library", "-L", help="Library directory, or a postgresql:// URL (store.url) whose "
    "originals go to $EARNEST_HOME (else ~/.earnest).")]


def load_settings(library: str | None, config: Path | None, **overrides: Any) -> Settings:
    """A directory is the library; a postgresql:// URL is its store (the folder stays the
    default one, which keeps the original files)."""
    if library and library.split("://", 1)[0] in ("postgresql", "postgres"):
        return Settings.load(None, config_file=config, store__url=library, **overrides)
    return Settings.load(Path(library) if library else None, config_file=config, **overrides)


@app.command()
def serve(library: LibraryOrUrlOpt = None, config: ConfigOpt = None,
          host: Annotated[Optional[str], typer.Option(
              help="Interface to listen on (server.host; default 127.0.0.1).")] = None,
          port: Annotated[Optional[int], typer.Option(
              help="Port (server.port; default 8000).")] = None,
          workers: Annotated[int, typer.Option(
              "--workers", min=1, max=64, help="API processes (PostgreSQL libraries only; "
              "each answers any request, uploads are queued in the database).")] = 1,
          insecure_no_auth: Annotated[bool, typer.Option(
              "--insecure-no-auth", help="Listen on a non-loopback address although no API "
              "key exists (anyone who reaches the port can read and delete everything).")]
          = False) -> None:
    """Serve the web app and the HTTP API (docs at /docs, schema at /openapi.json)."""
    def body() -> None:
        import uvicorn

        from earnest.api import create_app
        from earnest.api.requests import configure_logging

        settings = load_settings(library, config, server__host=host, server__port=port)
        if workers > 1 and not settings.store.url:
            raise InputError(f"--workers {workers} needs a PostgreSQL library (store.url, or "
                             "--library postgresql://...): a SQLite library is served by one "
                             "process. Leave out --workers, or move the library to PostgreSQL")
        from earnest.service import Earnest

        service = Earnest(settings)
        check_exposure(service, settings.server.host, insecure_no_auth)
        configure_logging(settings.log)
        url = f"http://{settings.server.host}:{settings.server.port}"
        where = service.store.display_url if settings.store.url else service.home
        err.print(f"Earnest serving {where} at [bold]{url}[/] with {workers} "
                  f"process{'es' if workers > 1 else ''} (API docs {url}/docs); Ctrl-C stops")
        if workers == 1:
            uvicorn.run(create_app(service=service), host=settings.server.host,
                        port=settings.server.port, log_level="warning")
            return
        service.close()
        # Each process builds its app from the same settings, passed by the environment.
        os.environ["EARNEST_HOME"] = str(settings.library)
        os.environ["EARNEST_STORE__URL"] = settings.store.url or ""
        os.environ["EARNEST_SERVER__HOST"] = settings.server.host
        os.environ["EARNEST_SERVER__PORT"] = str(settings.server.port)
        if config:
            os.environ["EARNEST_CONFIG"] = str(config)
        uvicorn.run("earnest.api.app:create_app_from_env", factory=True, workers=workers,
                    host=settings.server.host, port=settings.server.port,
                    log_level="warning")
    _run(False, body)


@app.command()
def worker(library: LibraryOrUrlOpt = None, config: ConfigOpt = None,
           once: Annotated[bool, typer.Option(
               "--once", help="Stop when the queue is empty instead of waiting.")] = False
           ) -> None:
    """Ingest uploads queued in a PostgreSQL library; run any number, on any machine that
    reaches the database. SIGTERM or Ctrl-C stops after the current file."""
    def body() -> None:
        from earnest.worker import Worker

        settings = load_settings(library, config)
        if not settings.store.url:
            raise InputError("earnest worker needs a PostgreSQL library (--library "
                             "postgresql://... or store.url); a SQLite library's uploads are "
                             "ingested by `earnest serve` itself")
        from earnest.api.requests import configure_logging
        from earnest.service import Earnest
        from earnest.tracing import CommandTraces

        configure_logging(settings.log)
        with Earnest(settings) as service, CommandTraces(settings.trace) as traces:
            runner = Worker(service, tracing=traces.tracing)
            signal.signal(signal.SIGTERM, lambda *_: runner.request_stop())
            err.print(f"Earnest worker {runner.name} on {service.store.display_url} "
                      f"(lease {runner.lease_seconds:g} s)", highlight=False)
            try:
                done = runner.run(once=once)
            except KeyboardInterrupt:
                done = None
            err.print(f"worker {runner.name} stopped"
                      + (f" after {done} files" if done is not None else ""), highlight=False)
    _run(False, body)
