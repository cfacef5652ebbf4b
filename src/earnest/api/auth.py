"""Who is calling: an API key (``Authorization: Bearer``) or the web app's session cookie,
checked on every /v1 route. Sessions live in the server's memory (a restart signs everyone
out); a session's unsafe requests must carry its CSRF token in a header, which a page of
another site cannot read."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from earnest.errors import Forbidden, Unauthorized
from earnest.service import Earnest
from earnest.trust import LOCAL, Principal
from earnest.trust.ratelimit import TokenBuckets

SESSION_COOKIE = "earnest_session"
CSRF_COOKIE = "earnest_csrf"
CSRF_HEADER = "x-csrf-token"
_SAFE = {"GET", "HEAD", "OPTIONS"}


@dataclass(slots=True)
class Session:
    key_id: str
    csrf: str
    expires: float


class Sessions:
    """Session ids are kept by their hash only, like keys."""

    def __init__(self, hours: float) -> None:
        self.seconds = hours * 3600
        self._items: dict[str, Session] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _id(sid: str) -> str:
        return hashlib.sha256(sid.encode()).hexdigest()

    def create(self, key_id: str) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        session = Session(key_id, secrets.token_urlsafe(24), time.time() + self.seconds)
        with self._lock:
            now = time.time()
            for k in [k for k, s in self._items.items() if s.expires < now]:
                del self._items[k]
            self._items[self._id(sid)] = session
        return sid, session

    def get(self, sid: str) -> Session | None:
        with self._lock:
            session = self._items.get(self._id(sid))
        return session if session is not None and session.expires > time.time() else None

    def drop(self, sid: str) -> None:
        with self._lock:
            self._items.pop(self._id(sid), None)


class Auth:
    """The app's authentication state: sessions and the per-key rate limits."""

    def __init__(self, service: Earnest) -> None:
        settings = service.settings.auth
        self.service = service
        self.sessions = Sessions(settings.session_hours)
        self.buckets = TokenBuckets(settings.rate_per_minute, settings.rate_burst)

    def principal(self, request: Request) -> Principal:
        service = self.service
        header = request.headers.get("authorization")
        sid = request.cookies.get(SESSION_COOKIE)
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("send the key as `Authorization: Bearer KEY`")
            if service.keys is None:
                raise Unauthorized("this library keeps no API keys")
            principal = service.keys.authenticate(token)
        elif sid and (session := self.sessions.get(sid)) is not None and service.keys:
            principal = service.keys.principal(session.key_id)
            if request.method not in _SAFE and not hmac.compare_digest(
                    request.headers.get(CSRF_HEADER, ""), session.csrf):
                raise Forbidden("the request lacks this session's CSRF token "
                                f"({CSRF_HEADER} header)")
        elif not service.auth_enabled():
            principal = LOCAL
        else:
            raise Unauthorized("this server needs an API key: send `Authorization: Bearer "
                               "KEY`, or sign in in the web app")
        if principal.key_id is not None:
            self.buckets.take(principal.key_id)
        request.state.principal = principal
        return principal


def caller(request: Request) -> Principal:
    return request.app.state.auth.principal(request)


def metrics_reader(principal: Annotated[Principal, Depends(caller)]) -> Principal:
    """Metrics count every collection's activity: admins granted every collection."""
    principal.require("admin")
    if not principal.all_collections:
        raise Forbidden("metrics are for admin keys granted every collection")
    return principal


Caller = Annotated[Principal, Depends(caller)]
MetricsReader = Annotated[Principal, Depends(metrics_reader)]

__all__ = ["Auth", "CSRF_COOKIE", "CSRF_HEADER", "Caller", "MetricsReader", "SESSION_COOKIE",
           "Sessions"]
