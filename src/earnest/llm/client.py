"""A client for OpenAI-compatible chat completions (OpenAI, vLLM, Ollama, llama.cpp, LM Studio).

Streams Server-Sent Events, retries what is worth retrying (429, 5xx, refused connections) a
bounded number of times with exponential backoff, and turns every failure into one of the
``LLMError`` classes so the answerer can fall back with a clear message.
"""

from __future__ import annotations

import ipaddress
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from earnest.errors import (
    LLMBadResponse,
    LLMError,
    LLMNotConfigured,
    LLMRateLimited,
    LLMTimeout,
    LLMUnavailable,
)
from earnest.settings import LLMSettings

MAX_RETRY_AFTER_S = 30.0  # a server asking us to wait longer is treated as unavailable


@dataclass(slots=True)
class ChatResult:
    """What a finished completion cost: returned by ``stream_chat`` after the last delta."""

    text: str
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    estimated: bool  # the server sent no usage; counts are estimates
    finish_reason: str | None
    ttft_ms: float | None
    total_ms: float
    attempts: int
    extra: dict[str, Any] = field(default_factory=dict)


ChatStream = Generator[str, None, ChatResult]


class ChatClient(Protocol):
    """Streams the text of one chat completion, then returns its ``ChatResult``."""

    model: str | None

    def stream_chat(self, messages: list[dict[str, str]], *, max_tokens: int,
                    temperature: float) -> ChatStream: ...


class _Retry(Exception):
    def __init__(self, error: LLMError, wait: float | None = None) -> None:
        self.error, self.wait = error, wait


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OpenAIChatClient:
    """``POST {base_url}/chat/completions`` with ``stream: true``."""

    def __init__(self, settings: LLMSettings, *, api_key: str | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not settings.base_url:
            raise LLMNotConfigured("no LLM endpoint configured: set llm.base_url "
                                   "(EARNEST_LLM_BASE_URL), e.g. http://127.0.0.1:8080/v1")
        self.settings = settings
        self.model = settings.model
        self.url = settings.base_url.rstrip("/") + "/chat/completions"
        self._sleep = sleep
        headers = {"Accept": "text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        # A proxy from the environment must never carry loopback traffic elsewhere.
        self._http = httpx.Client(
            headers=headers, trust_env=not _is_loopback(self.url),
            timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s))

    def close(self) -> None:
        self._http.close()

    def stream_chat(self, messages: list[dict[str, str]], *, max_tokens: int,
                    temperature: float) -> ChatStream:
        body: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens,
                                "temperature": temperature, "stream": True,
                                "stream_options": {"include_usage": True}}
        if self.model:
            body["model"] = self.model
        started = time.perf_counter()
        states: list[_StreamState] = []
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_retries + 1), wait=self._wait,
            sleep=self._sleep, reraise=True,
            # Only before any text arrived: a half-streamed answer is not started again.
            retry=retry_if_exception(lambda exc: isinstance(exc, _Retry)
                                     and not states[-1].chunks))
        try:
            for attempt in retrying:
                with attempt:
                    states.append(_StreamState(started))
                    yield from self._attempt(body, states[-1])
        except _Retry as retry:
            raise retry.error from None
        return states[-1].result(self.model, messages, len(states))

    def _wait(self, retry_state: RetryCallState) -> float:
        """The server's Retry-After when it gave one, else retry_backoff_s doubled each time."""
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, _Retry) and error.wait is not None:
            return error.wait
        return self.settings.retry_backoff_s * 2 ** (retry_state.attempt_number - 1)

    def _attempt(self, body: dict[str, Any], state: "_StreamState") -> Generator[str, None, None]:
        where = f"the LLM endpoint {_public_url(self.settings.base_url or '')}"
        try:
            with self._http.stream("POST", self.url, json=body) as response:
                if response.status_code == 429:
                    wait = _retry_after(response)
                    error = LLMRateLimited(f"{where} is rate limiting requests (429)")
                    if wait is not None and wait > MAX_RETRY_AFTER_S:
                        raise error
                    raise _Retry(error, wait)
                if response.status_code >= 500:
                    detail = _error_detail(response)
                    raise _Retry(LLMUnavailable(f"{where} failed with HTTP "
                                                f"{response.status_code}{detail}"))
                if response.status_code >= 400:
                    hint = " (llm.base_url usually ends in /v1)" \
                        if response.status_code == 404 else ""
                    raise LLMBadResponse(f"{where} refused the request with HTTP "
                                         f"{response.status_code}{_error_detail(response)}"
                                         f"{hint}")
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    # A server that ignores "stream": one JSON completion.
                    response.read()
                    state.take(_json(response.text, where), where)
                    if state.text:
                        yield state.text
                    return
                for line in response.iter_lines():
                    line = line.strip()
                    if not line.startswith("data:"):
                        continue  # comments, event names, keep-alives
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    delta = state.take(_json(data, where), where)
                    if delta:
                        yield delta
        except httpx.ConnectTimeout as exc:
            raise _Retry(LLMTimeout(f"{where} did not accept a connection within "
                                    f"{self.settings.connect_timeout_s:g}s")) from exc
        except httpx.ConnectError as exc:
            raise _Retry(LLMUnavailable(f"cannot connect to {where} ({exc})")) from exc
        except httpx.TimeoutException as exc:
            # A slow server does not get faster by asking again.
            raise LLMTimeout(f"{where} sent nothing for {self.settings.timeout_s:g}s "
                             "(llm.timeout_s)") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise _Retry(LLMUnavailable(f"{where} closed the connection ({exc})")) from exc
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"{where}: {exc}") from exc
        if state.finish is None and not state.text:
            raise LLMBadResponse(f"{where} ended the stream without a completion")


class _StreamState:
    def __init__(self, started: float) -> None:
        self.started = started
        self.parts: list[str] = []
        self.chunks = 0
        self.usage: dict[str, Any] | None = None
        self.finish: str | None = None
        self.model: str | None = None
        self.ttft: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def take(self, payload: Any, where: str) -> str:
        """The text in one chunk (or a whole non-streamed completion)."""
        if not isinstance(payload, dict):
            raise LLMBadResponse(f"{where} sent a chunk that is not a JSON object")
        if "error" in payload:
            error = payload["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise LLMBadResponse(f"{where} reported an error: {message}")
        if isinstance(payload.get("usage"), dict):
            self.usage = payload["usage"]
        self.model = payload.get("model") or self.model
        choices = payload.get("choices")
        if choices is None:
            if self.usage is None:
                raise LLMBadResponse(f"{where} sent a chunk without choices")
            return ""
        if not isinstance(choices, list):
            raise LLMBadResponse(f"{where} sent malformed choices")
        if not choices:
            return ""
        choice = choices[0]
        if not isinstance(choice, dict):
            raise LLMBadResponse(f"{where} sent malformed choices")
        self.finish = choice.get("finish_reason") or self.finish
        part = choice.get("delta") or choice.get("message") or {}
        text = part.get("content") if isinstance(part, dict) else None
        if text is None and isinstance(choice.get("text"), str):
            text = choice["text"]
        if text is not None and not isinstance(text, str):
            raise LLMBadResponse(f"{where} sent content that is not text")
        if text:
            self.chunks += 1
            self.parts.append(text)
            if self.ttft is None:
                self.ttft = (time.perf_counter() - self.started) * 1000
        return text or ""

    def result(self, model: str | None, messages: list[dict[str, str]],
               attempts: int) -> ChatResult:
        usage = self.usage or {}
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        estimated = not isinstance(prompt, int) or not isinstance(completion, int)
        if estimated:
            # About four characters a token in English; a streamed chunk is about a token.
            prompt = sum(len(m["content"]) for m in messages) // 4 + 4 * len(messages)
            completion = max(self.chunks, len(self.text) // 4)
        return ChatResult(text=self.text, model=self.model or model, prompt_tokens=prompt,
                          completion_tokens=completion, estimated=estimated,
                          finish_reason=self.finish, ttft_ms=self.ttft,
                          total_ms=(time.perf_counter() - self.started) * 1000,
                          attempts=attempts)


def _public_url(url: str) -> str:
    """``url`` fit for messages and logs: no user:password@, no query (``?api-key=...``)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _json(data: str, where: str) -> Any:
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise LLMBadResponse(f"{where} sent malformed data ({exc.msg}): {data[:80]!r}") from exc


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _error_detail(response: httpx.Response) -> str:
    try:
        response.read()
        text = response.text.strip()
    except httpx.HTTPError:
        return ""
    try:
        error = json.loads(text).get("error")
        text = error.get("message", "") if isinstance(error, dict) else str(error or text)
    except (json.JSONDecodeError, AttributeError):
        pass
    return f": {text[:200]}" if text else ""


__all__ = ["ChatClient", "ChatResult", "ChatStream", "OpenAIChatClient"]
