"""The FastAPI application: ``create_app(settings)``. One service object behind every route."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from earnest import __version__
from earnest.api import errors, routes_ask, routes_documents, routes_info, routes_system
from earnest.api.jobs import IngestJobs
from earnest.api.metrics import Metrics
from earnest.service import Earnest
from earnest.settings import Settings

STATIC = resources.files("earnest.web") / "static"


class _MetricsMiddleware:
    """Counts and times every request by its route template (not its raw path)."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = getattr(scope.get("route"), "path", None) or (
                "/static" if scope["path"].startswith("/static/") else "unmatched")
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(
                time.perf_counter() - started)


def create_app(settings: Settings | None = None, *, service: Earnest | None = None) -> FastAPI:
    """The web app and HTTP API over one library. ``service`` wins over ``settings``."""
    service = service or Earnest(settings or Settings.load())
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.jobs.start()  # again, if an earlier lifespan stopped it
        yield
        app.state.jobs.close()
        service.close()

    app = FastAPI(title="Earnest", version=__version__, lifespan=lifespan,
                  description="Answers about financial documents, with citations for every "
                              "claim. Errors are `{\"error\": {\"code\", \"message\"}}`.")
    app.state.service = service
    app.state.metrics = metrics
    app.state.jobs = IngestJobs(service, metrics, keep=service.settings.server.keep_jobs)
    errors.install(app)
    app.include_router(routes_ask.router)
    app.include_router(routes_documents.router)
    app.include_router(routes_system.router)
    app.include_router(routes_info.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), headers={"Cache-Control": "no-cache"})

    app.add_middleware(_MetricsMiddleware, metrics=metrics)
    return app
