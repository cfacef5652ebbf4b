"""The OpenAI-compatible client: streaming from the real llama.cpp server, and every way an
endpoint fails (a server of our own on loopback for 429, 5xx, garbage and slowness)."""

import pytest

from earnest.errors import LLMBadResponse, LLMRateLimited, LLMTimeout, LLMUnavailable
from earnest.llm import ChatResult, OpenAIChatClient
from earnest.settings import LLMSettings

from .llm_server import Reply, free_port, sse

MESSAGES = [{"role": "user", "content": "Say hello."}]


def drain(client: OpenAIChatClient, **kw) -> tuple[list[str], ChatResult]:
    parts: list[str] = []
    stream = client.stream_chat(MESSAGES, max_tokens=kw.get("max_tokens", 16), temperature=0)
    while True:
        try:
            parts.append(next(stream))
        except StopIteration as stop:
            return parts, stop.value


def client_for(base_url: str, **settings) -> tuple[OpenAIChatClient, list[float]]:
    waits: list[float] = []
    client = OpenAIChatClient(LLMSettings(base_url=base_url, model="m", **settings),
                              api_key="sk-test", sleep=waits.append)
    return client, waits


def test_streams_from_the_real_server(llama_server) -> None:
    client, _ = client_for(llama_server.base_url)
    parts, result = drain(client, max_tokens=12)
    assert len(parts) > 1  # token by token, not one block
    assert result.text == "".join(parts) and result.text.strip()
    assert result.completion_tokens >= 1 and result.prompt_tokens >= 1
    assert result.finish_reason in ("stop", "length") and result.ttft_ms is not None
    assert result.attempts == 1


def test_usage_from_the_server_is_used(scripted_llm) -> None:
    scripted_llm.replies = [Reply(body=sse(["Hel", "lo"], usage={
        "prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13}))]
    client, _ = client_for(scripted_llm.base_url)
    parts, result = drain(client)
    assert parts == ["Hel", "lo"]
    assert (result.prompt_tokens, result.completion_tokens, result.estimated) == (11, 2, False)
    sent = scripted_llm.requests[0]
    assert sent["stream"] is True and sent["model"] == "m" and sent["messages"] == MESSAGES


def test_429_and_5xx_are_retried_with_backoff(scripted_llm) -> None:
    scripted_llm.replies = [Reply(status=429, body=b"{}", content_type="application/json"),
                            Reply(status=503, body=b"busy", content_type="text/plain"),
                            Reply(body=sse(["ok"]))]
    client, waits = client_for(scripted_llm.base_url, max_retries=2, retry_backoff_s=0.25)
    parts, result = drain(client)
    assert parts == ["ok"] and result.attempts == 3
    assert waits == [0.25, 0.5]  # doubled each time


def test_retries_are_bounded(scripted_llm) -> None:
    scripted_llm.replies = [Reply(status=500, body=b'{"error": {"message": "model crashed"}}',
                                  content_type="application/json")]
    client, waits = client_for(scripted_llm.base_url, max_retries=2)
    with pytest.raises(LLMUnavailable, match="HTTP 500: model crashed"):
        drain(client)
    assert len(scripted_llm.requests) == 3 and len(waits) == 2


def test_rate_limit_honours_retry_after_and_gives_up(scripted_llm) -> None:
    scripted_llm.replies = [Reply(status=429, body=b"{}", headers={"Retry-After": "1"})]
    client, waits = client_for(scripted_llm.base_url, max_retries=1)
    with pytest.raises(LLMRateLimited, match="429"):
        drain(client)
    assert waits == [1.0]
    scripted_llm.replies = [Reply(status=429, body=b"{}", headers={"Retry-After": "3600"})]
    with pytest.raises(LLMRateLimited):
        drain(client)  # an hour is not worth waiting for: no retry


def test_client_errors_are_not_retried(scripted_llm) -> None:
    scripted_llm.replies = [Reply(status=404, body=b"not here", content_type="text/plain")]
    client, waits = client_for(scripted_llm.base_url)
    with pytest.raises(LLMBadResponse, match="404.*ends in /v1"):
        drain(client)
    assert waits == [] and len(scripted_llm.requests) == 1


@pytest.mark.parametrize("body", [b"data: {not json\n\n", b'data: {"choices": 7}\n\n',
                                  b'data: {"error": {"message": "boom"}}\n\n', b"data: [DONE]\n\n"])
def test_malformed_streams(scripted_llm, body: bytes) -> None:
    scripted_llm.replies = [Reply(body=body)]
    client, _ = client_for(scripted_llm.base_url)
    with pytest.raises(LLMBadResponse):
        drain(client)


def test_a_server_that_ignores_stream_still_works(scripted_llm) -> None:
    scripted_llm.replies = [Reply(content_type="application/json", body=(
        b'{"choices": [{"message": {"content": "Whole answer."}, "finish_reason": "stop"}],'
        b' "usage": {"prompt_tokens": 5, "completion_tokens": 3}}'))]
    client, _ = client_for(scripted_llm.base_url)
    parts, result = drain(client)
    assert parts == ["Whole answer."] and result.completion_tokens == 3


def test_slow_server_times_out_without_retry(scripted_llm) -> None:
    scripted_llm.replies = [Reply(body=sse(["late"]), delay_s=3)]
    client, waits = client_for(scripted_llm.base_url, timeout_s=0.5, max_retries=2)
    with pytest.raises(LLMTimeout, match="llm.timeout_s"):
        drain(client)
    assert waits == [] and len(scripted_llm.requests) == 1


def test_connection_refused(scripted_llm) -> None:
    url = scripted_llm.base_url
    scripted_llm.stop()  # nothing listens there any more
    client, waits = client_for(url, max_retries=1)
    with pytest.raises(LLMUnavailable, match="cannot connect"):
        drain(client)
    assert len(waits) == 1
    client, _ = client_for(f"http://127.0.0.1:{free_port()}/v1", max_retries=0)
    with pytest.raises(LLMUnavailable):
        drain(client)


def test_credentials_in_the_url_never_reach_a_message(scripted_llm) -> None:
    """A base URL may carry user:key@; errors (shown to users, put in answers) must not."""
    scripted_llm.replies = [Reply(status=500, body=b"down", content_type="text/plain")]
    url = scripted_llm.base_url.replace("http://", "http://user:sk-secret-123@")
    client, _ = client_for(url, max_retries=0)
    with pytest.raises(LLMUnavailable) as caught:
        drain(client)
    assert "sk-secret-123" not in str(caught.value) and "user" not in str(caught.value)
    assert scripted_llm.base_url in str(caught.value)  # still says which endpoint
