"""The HTTP translation of the error hierarchy: one JSON shape, a stable code, 4xx for the
caller's mistakes. Installed once on the app."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from earnest import errors
from earnest.api.requests import REQUEST_ID

log = logging.getLogger("earnest.api")

_STATUS: list[tuple[type[errors.EarnestError], int]] = [
    (errors.NotFound, 404),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.RateLimited, 429),
    (errors.UnsupportedFileType, 415),
    # A valid request the server is not set up for (no llm.base_url): not the caller's syntax.
    (errors.LLMNotConfigured, 409),
    (errors.DocumentError, 422),
    (errors.ConfigError, 400),
    (errors.InputError, 400),
    (errors.IndexMismatch, 409),
    (errors.CorruptLibrary, 503),
    (errors.StoreError, 503),
    (errors.MissingDependency, 501),
    (errors.RemoteError, 502),  # another server's failure, relayed (the CLI's; not the API's)
]

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
               413: "too_large", 415: "unsupported_media_type", 422: "invalid_request",
               429: "too_many_requests", 503: "unavailable"}


class ApiError(Exception):
    """An HTTP-level refusal that is not one of the service's errors (e.g. upload limits)."""

    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.details = status, code, details
        self.headers = headers


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    request_id = REQUEST_ID.get()
    if request_id:
        body["error"]["request_id"] = request_id
    return body


def _headers(exc: errors.EarnestError) -> dict[str, str] | None:
    if isinstance(exc, errors.Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, errors.RateLimited):
        return {"Retry-After": str(max(1, round(exc.retry_after + 0.5)))}
    return None


def status_for(exc: errors.EarnestError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 400 if exc.user_error else 500


@lru_cache(maxsize=64)
def _template(path: str) -> re.Pattern[str]:
    return re.compile("".join("[^/]+" if part.startswith("{") else re.escape(part)
                              for part in re.split(r"(\{[^}]+\})", path)))


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the schema documents for ``path``. Starlette's own 405 names only the
    methods of the first route that matched the path (POST for /v1/documents, not GET too)."""
    methods = {method.upper() for template, operations in app.openapi()["paths"].items()
               if _template(template).fullmatch(path) for method in operations}
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.EarnestError)
    async def _earnest(request: Request, exc: errors.EarnestError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(error_body(exc.code, str(exc)), status_code=status,
                            headers=_headers(exc))

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, str(exc), exc.details), status_code=exc.status,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"where": ".".join(str(p) for p in e.get("loc", ())),
                     "problem": e.get("msg", "")} for e in exc.errors()]
        first = problems[0] if problems else {"where": "request", "problem": "invalid"}
        return JSONResponse(
            error_body("invalid_request", f"{first['where']}: {first['problem']}", problems),
            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            path, root = request.scope["path"], request.scope.get("root_path", "")
            allowed = allowed_methods(request.app, path.removeprefix(root) if root else path)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=headers or None)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal_error",
                                       f"internal error ({type(exc).__name__})"),
                            status_code=500)
