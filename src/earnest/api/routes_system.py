"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from earnest.api.auth import MetricsReader
from earnest.api.deps import Jobs, MetricsDep, Service
from earnest.api.errors import error_body
from earnest.errors import EarnestError

router = APIRouter(tags=["system"])
log = logging.getLogger("earnest.api")


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the library's store answers a query",
            responses={503: {"description": "The store is not usable"}})
def readyz(service: Service, jobs: Jobs) -> Any:
    try:
        stats = service.stats()
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure as not ready
        log.warning("readiness: the store does not answer: %s", exc)
        # Our own errors are written for people; anything else stays in the server log.
        why = str(exc) if isinstance(exc, EarnestError) else type(exc).__name__
        return JSONResponse(error_body("not_ready", f"the store does not answer: {why}"),
                            status_code=503)
    if not jobs.running:
        return JSONResponse(error_body("not_ready", "the ingest worker is not running"),
                            status_code=503)
    if service.auth_enabled():  # open to anyone: no counts of anyone's collections
        return {"status": "ready"}
    return {"status": "ready", "documents": stats.documents, "chunks": stats.chunks,
            "embedded": stats.embedded, "ingesting": not jobs.idle()}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(metrics: MetricsDep, caller: MetricsReader) -> Response:
    return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
