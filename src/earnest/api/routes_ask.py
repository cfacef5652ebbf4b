"""Ask (JSON or Server-Sent Events) and search."""

from __future__ import annotations

import json
from typing import Annotated, Any, AsyncIterator, Iterator

from fastapi import APIRouter, Depends, Request
from sse_starlette import EventSourceResponse

from earnest.api.auth import Caller
from earnest.api.deps import MetricsDep, Service
from earnest.api.errors import ApiError, error_body
from earnest.api.schemas import ERRORS, AskCreate, SearchCreate
from earnest.errors import EarnestError

router = APIRouter(prefix="/v1", tags=["ask"], responses=ERRORS)


def _sse(kind: str, data: Any) -> dict[str, str]:
    """One event for EventSourceResponse. A dict, not a ServerSentEvent: sse-starlette frames
    a ServerSentEvent with that object's own separator (CRLF by default), ignoring the
    response's ``sep``; CRLF-framed events were what hung the web app's reader, which split
    on a blank LF line (it now takes any line end, as the SSE spec allows)."""
    return {"event": kind, "data": json.dumps(data, ensure_ascii=False)}


# One Server-Sent Event as a client's parser sees it (schemathesis checks each against this).
_SSE_EVENT = {"type": "object", "required": ["data"],
              "properties": {"event": {"type": "string", "enum": [
                  "stage", "understanding", "passages", "token", "delta", "sentence", "notice",
                  "answer", "error"]}, "data": {"type": "string"}, "id": {"type": "string"}}}


async def _admitted(request: Request) -> AsyncIterator[None]:
    """A question's place, taken in the event loop before it waits for a worker thread and
    held until its response (or stream) is sent: past ``server.max_asks`` a 503 at once."""
    places = request.app.state.asks
    if not places.acquire(blocking=False):
        raise ApiError(503, "busy", "too many questions are being answered or waiting "
                       "(server.max_asks); retry in a moment", headers={"Retry-After": "1"})
    try:
        yield
    finally:
        places.release()


Admitted = Annotated[None, Depends(_admitted)]


# Where an answer's id leads, for clients and schema-driven tests that follow links.
_ANSWER_LINKS = {name: {"operationId": op, "parameters": {"answer_id": "$response.body#/answer_id"}}
                 for name, op in (("Lineage", "answer_lineage_v1_answers__answer_id__lineage_get"),
                                  ("Replay", "replay_v1_answers__answer_id__replay_post"))}


@router.post("/ask", summary="Answer a question with citations",
             responses={200: {"content": {"text/event-stream": {"schema": _SSE_EVENT}},
                              "links": _ANSWER_LINKS},
                        409: ERRORS[400], 503: ERRORS[400]},
             response_description="The answer (JSON), or a text/event-stream of events: "
             "stage, understanding, passages, delta, sentence, notice, answer (last), error")
def ask(body: AskCreate, request: Request, service: Service, metrics: MetricsDep,
        caller: Caller, _: Admitted):
    options: dict[str, Any] = {"k": body.k, "filters": body.filters.to_filters(),
                               "principal": caller}
    if body.llm is not None:
        options["llm"] = body.llm
    # Bad input raises here, before any byte is streamed, so it gets a proper 4xx.
    events = service.ask_stream(body.question, **options)
    wants_stream = body.stream or "text/event-stream" in request.headers.get("accept", "")
    if not wants_stream:
        for event in events:
            if event.kind == "answer":
                metrics.observe_answer(event.data)  # type: ignore[arg-type]
                return event.to_dict()
        raise RuntimeError("the answer stream ended without an answer")  # pragma: no cover

    def stream() -> Iterator[dict[str, str]]:
        try:
            for event in events:
                if event.kind == "answer":
                    metrics.observe_answer(event.data)  # type: ignore[arg-type]
                if event.kind == "token" and not body.include_tokens:
                    continue  # unchecked model text goes only to who asks for it
                yield _sse(event.kind, event.to_dict())
        except EarnestError as exc:
            yield _sse("error", error_body(exc.code, str(exc))["error"])
        except Exception as exc:  # noqa: BLE001 - the stream is already open: report, don't drop
            yield _sse("error", {"code": "internal_error",
                                 "message": f"internal error ({type(exc).__name__})"})

    # sse-starlette: a comment line every 15 s keeps a slow (LLM) answer's stream open
    # through proxies, and the stream stops when the client leaves or the server shuts down.
    return EventSourceResponse(stream(), sep="\n", headers={"Cache-Control": "no-cache"})


@router.post("/search", summary="Ranked passages with provenance",
             responses={503: ERRORS[400]})
def search(body: SearchCreate, service: Service, caller: Caller,
           _: Admitted) -> dict[str, Any]:
    return service.search(body.query, k=body.k, filters=body.filters.to_filters(),
                          mode=body.mode, principal=caller).to_dict()
