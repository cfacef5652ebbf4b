"""Request ids: each request gets one (in the ``X-Request-Id`` response header, every error
body and the server's log line for it), so a user's report finds the log entry."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import IO, Any

from earnest.settings import LogSettings

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("earnest_request_id",
                                                                       default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = logging.getLogger("earnest.access")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record made while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class RequestIds:
    """Outermost middleware: takes a well-formed incoming X-Request-Id (a proxy's) or makes
    one, and logs one line per request: id, key id, method, route, status, time. Never a
    header's value: keys and cookies stay out of the log."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex[:16]
        token = REQUEST_ID.set(rid)
        started, status = time.perf_counter(), 500

        async def tagged(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            principal = (scope.get("state") or {}).get("principal")
            route = getattr(scope.get("route"), "path", None) or scope["path"][:200]
            ms = (time.perf_counter() - started) * 1000
            key = getattr(principal, "actor", "-")
            log.info("request_id=%s key=%s %s %s %s %.1fms", rid, key, scope["method"], route,
                     status, ms, extra={"key": key, "http_method": scope["method"],
                                        "http_route": route, "http_status": status,
                                        "duration_ms": round(ms, 1)})
            REQUEST_ID.reset(token)




class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and the access
    line's fields; an exception as its formatted traceback."""

    FIELDS = ("key", "http_method", "http_route", "http_status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get()}
        entry.update({f: getattr(record, f) for f in self.FIELDS if hasattr(record, f)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_handler(settings: LogSettings | None = None,
                stream: IO[str] | None = None) -> logging.Handler:
    """A handler in the configured format, each record tagged with its request id."""
    settings = settings or LogSettings()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if settings.format == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    return handler


def configure_logging(settings: LogSettings | None = None) -> None:
    """`earnest serve` and `earnest worker`: Earnest's log lines on stderr, each with its
    request id, as text or JSON (``log.format``)."""
    settings = settings or LogSettings()
    logger = logging.getLogger("earnest")
    if any(getattr(h, "_earnest", False) for h in logger.handlers):
        return
    handler = log_handler(settings)
    handler._earnest = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(settings.level.upper())


__all__ = ["REQUEST_ID", "JsonFormatter", "RequestIdFilter", "RequestIds", "configure_logging",
           "log_handler"]
