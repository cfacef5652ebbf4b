"""The FastAPI application: ``create_app(settings)``. One service object behind every route."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from earnest import __version__
from earnest.api import (
    errors,
    routes_ask,
    routes_documents,
    routes_info,
    routes_system,
    routes_trust,
)
from earnest.api.auth import Auth
from earnest.api.jobs import IngestJobs, spool_dir
from earnest.api.metrics import Metrics
from earnest.api.requests import RequestIdFilter, RequestIds
from earnest.library_scope import public_companies
from earnest.service import Earnest
from earnest.settings import Settings
from earnest.tracing import Tracing

STATIC = resources.files("earnest.web") / "static"


# Own, not an instrumentator package: 25 lines give the metric names and labels the Grafana
# dashboard and docs use (tests/test_ops_dashboard.py scrapes them).
class _MetricsMiddleware:
    """Times every request by its route template (not its raw path), OTel-style."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        active = self.metrics.http_active.labels(scope["method"])
        active.inc()

        async def record(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            active.dec()
            route = getattr(scope.get("route"), "path", None) or (
                "/static" if scope["path"].startswith("/static/") else "unmatched")
            self.metrics.observe_request(scope["method"], route, status,
                                         time.perf_counter() - started)


# No inline script or style, nothing from elsewhere, never framed (clickjacking).
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'")
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from a CDN with an inline script.
_DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
             "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net "
             "https://fonts.googleapis.com; "
             "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https:; "
             "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
_DOCS_PATHS = ("/docs", "/redoc")


class _SecurityHeaders:
    """Headers every response carries, unless a route set its own (a download's sandbox)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = _DOCS_CSP if scope["path"].startswith(_DOCS_PATHS) else APP_CSP
        extra = [(b"content-security-policy", csp.encode()),
                 (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                 (b"referrer-policy", b"no-referrer")]

        async def add(message: dict) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in extra if k not in have)]
            await send(message)

        await self.app(scope, receive, add)


_MAX_BODY = 1 << 20  # of any request but an upload (a question, a metadata correction)
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "testserver"}  # testserver: Starlette's client
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# Not Starlette's TrustedHostMiddleware: it refuses in plain text where every client of ours
# parses the API's JSON error, and this one pass also guards cross-site writes and body size.
class _RequestGuard:
    """Refuses, before any work: a Host the server does not go by (a DNS-rebinding page
    reaching a loopback server), a state-changing request from another site's page (an
    upload from any web page the analyst visits would otherwise replace a document), and an
    upload larger than server.max_upload_mb by its Content-Length."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        server = settings.server
        hosts = set(server.allowed_hosts)
        if not hosts:
            hosts = _LOOPBACK | {server.host} if server.host in _LOOPBACK else {"*"}
        self.hosts = {h.lower().strip("[]") for h in hosts}
        self.max_upload = int(server.max_upload_mb * 2**20)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = _hostname(headers.get("host", ""))
        refusal = None
        if "*" not in self.hosts and host not in self.hosts:
            refusal = (400, "untrusted_host", f"this server does not answer to host {host!r} "
                       "(server.allowed_hosts)")
        elif scope["method"] not in _SAFE_METHODS and _cross_site(headers, host):
            refusal = (403, "cross_site_request", "a page from another site may not change "
                       "this library; use the Earnest web app or call the API directly")
        elif scope["path"] == "/v1/documents" and scope["method"] == "POST" and \
                int(headers.get("content-length") or 0) > self.max_upload:
            refusal = (413, "too_large", f"the upload is over the "
                       f"{self.max_upload / 2**20:g} MB limit (server.max_upload_mb)")
        if refusal is None:
            upload = scope["path"] == "/v1/documents"
            await self._limited(scope, receive, send,
                                self.max_upload if upload else _MAX_BODY, upload)
            return
        status, code, message = refusal
        response = JSONResponse(errors.error_body(code, message), status_code=status)
        await response(scope, receive, send)

    async def _limited(self, scope: dict, receive: Any, send: Any, limit: int,
                       upload: bool) -> None:
        """Count the body as it arrives (chunked uploads have no Content-Length): past the
        limit the app sees the client hang up, and the caller gets 413."""
        received, over, sent = 0, False, False

        async def counted() -> dict:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def relay(message: dict) -> None:
            nonlocal sent
            if not over:
                sent = True
                await send(message)

        try:
            await self.app(scope, counted, relay)
        except Exception:
            if not over:
                raise
        if over and not sent:
            what = ("the upload is over the {:g} MB limit (server.max_upload_mb)" if upload
                    else "the request body is over {:g} MB")
            response = JSONResponse(
                errors.error_body("too_large", what.format(limit / 2**20)), status_code=413,
                headers={"Connection": "close"})
            await response(scope, receive, send)


def _hostname(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _cross_site(headers: dict[str, str], host: str) -> bool:
    """Browsers say where a request comes from; scripts and curl say nothing (and pass)."""
    if headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return True
    origin = headers.get("origin")
    if not origin:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


def _forget_stale_uploads(incoming: Path) -> None:
    """Spooled uploads of servers that are gone (killed before they could clean up): their
    jobs went with them. Another live server's spools stay."""
    if not incoming.is_dir():
        return
    for entry in incoming.iterdir():
        if entry.is_dir() and entry.name.isdigit() and _alive(int(entry.name)):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:  # the flat layout of earlier versions
            entry.unlink(missing_ok=True)


def _warm_up(service: Earnest) -> None:
    try:
        service.warm_up()
    except Exception:  # the questions load what they need themselves, as without it
        logging.getLogger("earnest.api").warning("warming up the library failed",
                                                 exc_info=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def create_app(settings: Settings | None = None, *, service: Earnest | None = None) -> FastAPI:
    """The web app and HTTP API over one library. ``service`` wins over ``settings``."""
    service = service or Earnest(settings or Settings.load())
    metrics = Metrics(Tracing.from_settings(service.settings.trace))
    metrics.watch_library(service.stats)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.jobs.start()  # again, if an earlier lifespan stopped it
        # The list of listed companies takes up to a second to load: not on a first question.
        threading.Thread(target=public_companies, daemon=True, name="warm-up").start()
        # The model, the vector matrix and the keyword index: not on the first questions.
        threading.Thread(target=_warm_up, args=(service,), daemon=True,
                         name="warm-up-library").start()
        yield
        app.state.jobs.close()  # cancels what is still queued
        if metrics.tracing is not None:
            metrics.tracing.close()
        shutil.rmtree(spool_dir(service.home), ignore_errors=True)
        service.close()

    app = FastAPI(title="Earnest", version=__version__, lifespan=lifespan,
                  description="Answers about financial documents, with citations for every "
                              "claim. Errors are `{\"error\": {\"code\", \"message\"}}`.")
    app.state.service = service
    app.state.metrics = metrics
    app.state.renders = threading.BoundedSemaphore(service.settings.server.max_renders)
    app.state.asks = threading.BoundedSemaphore(service.settings.server.max_asks)
    app.state.jobs = _jobs(service, metrics)
    app.state.auth = Auth(service)
    _tag_logs()
    _forget_stale_uploads(service.home / "incoming")
    errors.install(app)
    app.include_router(routes_ask.router)
    app.include_router(routes_documents.router)
    app.include_router(routes_system.router)
    app.include_router(routes_info.router)
    app.include_router(routes_trust.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), headers={"Cache-Control": "no-cache"})

    app.add_middleware(_RequestGuard, settings=service.settings)
    app.add_middleware(_SecurityHeaders)  # outside the guard: its refusals get them too
    app.add_middleware(_MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIds)  # outermost: even a refused request gets an id
    return app


def _jobs(service: Earnest, metrics: Metrics) -> Any:
    """In the database for a PostgreSQL library (any process and worker shares them), else
    in this process."""
    keep = service.settings.server.keep_jobs
    if type(service.store).__name__ == "PostgresStore":  # not imported: it needs psycopg
        from earnest.api.db_jobs import DbJobs

        return DbJobs(service, metrics, keep=keep)
    return IngestJobs(service, metrics, keep=keep)


def create_app_from_env() -> FastAPI:
    """The app factory of `earnest serve --workers N`: each process opens the library its
    environment names (EARNEST_HOME, EARNEST_CONFIG, EARNEST_STORE__URL)."""
    from earnest.api.requests import configure_logging

    settings = Settings.load()
    configure_logging(settings.log)  # each process of `serve --workers N` logs as configured
    return create_app(settings)


def _tag_logs() -> None:
    """Every earnest log record carries the id of the request it was made for."""
    for name in ("earnest", "earnest.api", "earnest.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RequestIdFilter) for f in logger.filters):
            logger.addFilter(RequestIdFilter())
