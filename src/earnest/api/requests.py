"""Request ids: each request gets one (in the ``X-Request-Id`` response header, every error
body and the server's log line for it), so a user's report finds the log entry."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from typing import Any

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
            log.info("request_id=%s key=%s %s %s %s %.1fms", rid,
                     getattr(principal, "actor", "-"), scope["method"], route, status,
                     (time.perf_counter() - started) * 1000)
            REQUEST_ID.reset(token)




def configure_logging(level: int = logging.INFO) -> None:
    """`earnest serve`: Earnest's log lines on stderr, each with its request id."""
    logger = logging.getLogger("earnest")
    if any(getattr(h, "_earnest", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler._earnest = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


__all__ = ["REQUEST_ID", "RequestIdFilter", "RequestIds", "configure_logging"]
