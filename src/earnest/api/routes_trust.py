"""Sign-in for the web app, API keys, the audit log, and answers' lineage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from earnest.api.auth import CSRF_COOKIE, SESSION_COOKIE, Caller
from earnest.api.deps import Service
from earnest.api.schemas import ERRORS, CollectionName
from earnest.errors import Forbidden, Unauthorized

router = APIRouter(prefix="/v1", tags=["trust"], responses=ERRORS)

AnswerId = Annotated[str, PathParam(min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SessionCreate(_Strict):
    key: str = Field(min_length=1, max_length=200, description="An API key (ek_...)")


class KeyCreate(_Strict):
    name: str = Field("", max_length=100)
    role: Literal["reader", "editor", "admin"]
    collections: list[CollectionName] = Field(default_factory=list, max_length=100,
                                   description="Granted collections; empty or [\"*\"]: all")


def _key_admin(caller: Any) -> Any:
    """Keys are managed over HTTP with an admin key only: with auth off (no key yet) the
    first key comes from `earnest keys create`, so a stray local request cannot lock the
    owner out or mint keys."""
    if caller.key_id is None:
        raise Forbidden("manage keys over HTTP with an admin key; make the first one with "
                        "`earnest keys create --role admin`")
    return caller


def _who(principal: Any, auth: bool) -> dict[str, Any]:
    return {"auth": auth, "key_id": principal.key_id, "name": principal.name,
            "role": principal.role,
            "collections": None if principal.collections is None else
            list(principal.collections)}


@router.post("/session", summary="Sign in with an API key: sets an HttpOnly session cookie "
             "and returns the CSRF token to send as X-CSRF-Token")
def sign_in(body: SessionCreate, request: Request, response: Response,
            service: Service) -> dict[str, Any]:
    if service.keys is None:
        raise Unauthorized("this library keeps no API keys")
    principal = service.keys.authenticate(body.key)
    auth = request.app.state.auth
    sid, session = auth.sessions.create(principal.key_id)
    secure = request.url.scheme == "https"
    age = int(auth.sessions.seconds)
    response.set_cookie(SESSION_COOKIE, sid, max_age=age, httponly=True, samesite="strict",
                        secure=secure, path="/")
    # Readable by the page's script (double submit); useless to another site, which can
    # neither read it nor make the browser send it (SameSite=Strict).
    response.set_cookie(CSRF_COOKIE, session.csrf, max_age=age, httponly=False,
                        samesite="strict", secure=secure, path="/")
    return {**_who(principal, service.auth_enabled()), "csrf": session.csrf}


@router.get("/session", summary="Who the caller is, and whether the server needs a key")
def whoami(caller: Caller, service: Service) -> dict[str, Any]:
    return _who(caller, service.auth_enabled())


@router.delete("/session", status_code=204, summary="Sign out (ends the session)")
def sign_out(request: Request, caller: Caller) -> Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        request.app.state.auth.sessions.drop(sid)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/keys", summary="API keys (admin): ids, names, roles, collections; never secrets")
def keys(caller: Caller, service: Service) -> dict[str, Any]:
    return {"keys": [k.to_dict() for k in service.list_keys(principal=_key_admin(caller))]}


@router.post("/keys", status_code=201, summary="Create an API key (admin); the token is in "
             "this response only")
def create_key(body: KeyCreate, caller: Caller, service: Service) -> dict[str, Any]:
    key, token = service.create_key(body.name, body.role, body.collections,
                                    principal=_key_admin(caller))
    return {**key.to_dict(), "token": token}


@router.delete("/keys/{key_id}", summary="Revoke an API key (admin)")
def revoke_key(key_id: Annotated[str, PathParam(max_length=64)], caller: Caller,
               service: Service) -> dict[str, Any]:
    return service.revoke_key(key_id, principal=_key_admin(caller)).to_dict()


@router.get("/audit", summary="Audit log records (admin granted every collection), oldest "
            "first, with the chain's verification")
def audit(caller: Caller, service: Service,
          since: Annotated[datetime | None, Query(
              description="Records from this date or time (ISO 8601)")] = None,
          after: Annotated[int, Query(ge=0, description="Records after this seq")] = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    # The schema says what a date is (the service reads the ISO text it is given).
    when = since.isoformat() if since is not None else None
    entries = [e.to_dict() for e in service.audit_entries(when, after, limit,
                                                          principal=caller)]
    return {"entries": entries, "verification": service.verify_audit(caller).to_dict()}


@router.get("/answers/{answer_id}/lineage", summary="Where each sentence of an answer came "
            "from: chunk, page and span, document, embedding model and index, scores")
def answer_lineage(answer_id: AnswerId, caller: Caller, service: Service) -> dict[str, Any]:
    return service.lineage(answer_id, principal=caller)


@router.post("/answers/{answer_id}/replay", summary="Ask an answer's question again, as it "
             "was asked, and compare the citations")
def replay(answer_id: AnswerId, caller: Caller, service: Service) -> dict[str, Any]:
    return service.replay(answer_id, principal=caller)
