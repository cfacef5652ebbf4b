"""Asking a running `earnest serve` instead of loading the library in this process.

`earnest ask` pays for Python, numpy, ONNX Runtime and the embedding model each time it starts;
a server of the same library has them loaded already. Standard library only, so the CLI need
not import the rest of Earnest to use it.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from earnest.errors import InputError, RemoteError
from earnest.settings import Settings

# The filter keys the HTTP API takes; others (any metadata field) make the CLI answer itself.
API_FILTERS = {"doc_names", "roles", "sections", "speakers", "collections", "company",
               "ticker", "doc_type", "fiscal_year", "fiscal_quarter"}
PROBE_SECONDS = 0.5


def library_id(settings: Settings) -> str:
    """Names a library without saying where it is (a server shows it in /v1/info)."""
    where = settings.store.url or str(Path(settings.library).expanduser().resolve())
    return hashlib.sha256(where.encode()).hexdigest()[:16]


def _call(url: str, body: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def server_for(settings: Settings) -> tuple[str, dict[str, Any]] | None:
    """The base URL and /v1/info of a server of this very library, if one answers on
    server.host:server.port without a key; else None."""
    if not settings.server.ask_via_server:
        return None
    host = settings.server.host
    base = f"http://{'[' + host + ']' if ':' in host else host}:{settings.server.port}"
    try:
        info = _call(f"{base}/v1/info", None, PROBE_SECONDS)
    except (OSError, ValueError):  # nothing listening, a key needed, not Earnest
        return None
    if not isinstance(info, dict) or info.get("library_id") != library_id(settings):
        return None
    return base, info


def ask(base: str, question: str, k: int | None, filters: dict[str, list[str]],
        llm: bool | None, timeout: float) -> dict[str, Any] | None:
    """The answer as ``Answer.to_dict`` gives it; None when the server cannot be reached (the
    caller answers itself); RemoteError when it refused the question."""
    if set(filters) - API_FILTERS:
        return None
    filters = dict(filters)
    for key in ("fiscal_year", "fiscal_quarter"):  # numbers in the API
        if key in filters:
            if not all(v.isdigit() for v in filters[key]):
                return None
            filters[key] = [int(v) for v in filters[key]]  # type: ignore[misc]
    body: dict[str, Any] = {"question": question, "filters": filters}
    if k is not None:
        body["k"] = k
    if llm is not None:
        body["llm"] = llm
    try:
        return _call(f"{base}/v1/ask", body, timeout)
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read())["error"]
        except (ValueError, KeyError, TypeError):
            raise RemoteError(f"the server at {base} answered {exc.code}",
                              code="internal_error") from None
        if exc.code == 422:  # the API's schema refused what the CLI let through
            raise InputError(error.get("message", "invalid request")) from None
        raise RemoteError(error.get("message", ""), code=error.get("code", "error"),
                          user_error=exc.code < 500) from None
    except (OSError, ValueError):
        return None
