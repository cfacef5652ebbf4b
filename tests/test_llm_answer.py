"""LLM answers end to end: the real SmolLM2 server for streaming, citations and what the
verifier does to a small model's inventions; a scripted server for fixed answers and
failures."""

from pathlib import Path

import pytest

from earnest import Earnest, Settings
from earnest.answer.generative import UNVERIFIED_MARK
from earnest.errors import LLMNotConfigured
from earnest.verify import Source, Verifier

from .conftest import copy_library
from .llm_server import Reply, sse, start_llama_server

QUESTION = "What were net sales in the third quarter and why did they decrease?"


def open_library(tmp_path: Path, embedder, base_url: str | None, **llm) -> Earnest:
    overrides = {f"llm__{k}": v for k, v in {"base_url": base_url, "model": "smollm2",
                                             "max_tokens": 60, "max_sources": 3,
                                             **llm}.items()}
    return Earnest(Settings.load(tmp_path / "lib", env={}, **overrides), embedder=embedder)


@pytest.fixture()
def docs_library(tmp_path: Path, acme_library: Path):
    """``sample_docs`` ingested with no LLM (a copy of the session's library); tests reopen
    it with their own settings."""
    copy_library(acme_library, tmp_path / "lib")
    return tmp_path


def assert_nothing_unsupported_is_shown(answer) -> None:
    """The promise: a sentence shown without the mark passed every check."""
    shown = answer.answer
    for d in answer.verification.details:
        if d.status == "verified":
            assert all(n.status != "unsupported" for n in d.numbers)
            assert d.citations and not d.issues
        elif d.status == "removed":
            assert d.text not in shown


def test_streamed_answer_from_the_real_model(docs_library: Path, embedder, llama_server) -> None:
    with open_library(docs_library, embedder, llama_server.base_url) as lib:
        events = list(lib.ask_stream(QUESTION))
    kinds = [e.kind for e in events]
    assert kinds[-1] == "answer" and "token" in kinds
    tokens = [e.data["text"] for e in events if e.kind == "token"]
    assert len(tokens) > 3  # streamed token by token
    answer = events[-1].data
    v = answer.verification
    assert v.sentences >= 1 and v.mode == "flag"
    assert v.sentences == v.verified + v.flagged + v.removed
    sentence_events = [e.data for e in events if e.kind == "sentence"]
    assert len(sentence_events) >= v.sentences  # every generated sentence was judged
    assert_nothing_unsupported_is_shown(answer)
    u = answer.usage
    assert u.prompt_tokens > 100 and u.completion_tokens >= 1
    assert u.to_dict()["total_tokens"] == u.prompt_tokens + u.completion_tokens
    assert u.cost_usd == 0.0 and u.priced is False  # a local model has no price
    assert u.ttft_ms is not None and u.llm_ms >= u.ttft_ms
    assert {"llm", "llm_ttft", "verify", "answer"} <= set(answer.timings_ms)
    if answer.answerer == "generative":
        assert answer.status == "answered" and answer.citations
        assert any(d.status == "verified" for d in v.details)
    else:  # nothing the model said survived: quotes instead, and a notice says so
        assert any(e.kind == "notice" and e.data["code"] == "llm_unverified" for e in events)
        assert answer.answerer == "extractive" and answer.citations


def test_invented_numbers_are_flagged_or_removed(docs_library: Path, embedder,
                                                 llama_server) -> None:
    """A 135M model invents figures; none reaches the user unmarked."""
    caught = 0
    for mode in ("flag", "remove"):
        with open_library(docs_library, embedder, llama_server.base_url, unsupported=mode,
                          max_tokens=80) as lib:
            answer = lib.ask("What was the backlog and the gross margin, in numbers?", llm=True)
        v = answer.verification
        assert v.mode == mode
        assert_nothing_unsupported_is_shown(answer)
        caught += v.unsupported_numbers
        if mode == "remove":
            assert v.flagged == 0
        if answer.answerer == "generative" and mode == "flag":
            for d in v.details:
                if d.status == "flagged":
                    assert d.text in answer.answer
            assert answer.answer.count(UNVERIFIED_MARK) == v.flagged
    assert caught > 0, "SmolLM2 invented no number in two answers: make the question harder"


def test_fixed_answer_flag_and_remove(docs_library: Path, embedder, scripted_llm) -> None:
    """A known answer through the whole path: one true sentence, one invented figure, one
    computed figure."""
    text = ("Net sales were $812.4 million in the third quarter [1]. Net sales were $3.5 "
            "billion [1]. The backlog reached $2.4 billion [9].")
    for mode, shown in (("flag", 3), ("remove", 1)):
        scripted_llm.replies = [Reply(body=sse([text[i:i + 7] for i in range(0, len(text), 7)],
                                               usage={"prompt_tokens": 900,
                                                      "completion_tokens": 40}))]
        with open_library(docs_library, embedder, scripted_llm.base_url, unsupported=mode,
                          model="gpt-4o-mini", max_sources=5) as lib:
            events = list(lib.ask_stream("What were ACME's net sales in Q3 2023?"))
        answer = events[-1].data
        deltas = "".join(e.data["text"] for e in events if e.kind == "delta")
        assert deltas.strip() == answer.answer  # the stream shows exactly the answer
        assert answer.answerer == "generative" and answer.status == "answered"
        assert len(answer.sentences) == shown
        v = answer.verification
        assert (v.verified, v.unsupported_numbers) == (1, 2)
        assert answer.answer.startswith("Net sales were $812.4 million in the third quarter.")
        if mode == "flag":
            assert answer.answer.count(UNVERIFIED_MARK) == 2 and "$3.5 billion" in answer.answer
        else:
            assert "$3.5 billion" not in answer.answer and v.removed == 2
        assert [c.number for c in answer.citations] == [1]
        # OpenAI's list price: 900 * $0.15 + 40 * $0.60 per million tokens
        assert answer.usage.cost_usd == pytest.approx(0.000159)
        assert answer.usage.estimated is False


def test_no_llm_call_when_nothing_is_relevant(docs_library: Path, embedder,
                                              scripted_llm) -> None:
    with open_library(docs_library, embedder, scripted_llm.base_url) as lib:
        answer = lib.ask("What is the best recipe for banana bread with walnuts?")
    assert answer.status == "not_found" and scripted_llm.requests == []
    assert answer.usage is None and answer.verification is None


@pytest.mark.parametrize("reply", [Reply(status=500, body=b"oops", content_type="text/plain"),
                                   Reply(body=b"data: garbage\n\n"),
                                   Reply(body=sse(["late"]), delay_s=3)])
def test_endpoint_failures_fall_back_to_extractive(docs_library: Path, embedder,
                                                   scripted_llm, reply: Reply) -> None:
    scripted_llm.replies = [reply]
    with open_library(docs_library, embedder, scripted_llm.base_url, timeout_s=0.5,
                      max_retries=1, retry_backoff_s=0) as lib:
        events = list(lib.ask_stream(QUESTION))
    notices = [e.data for e in events if e.kind == "notice"]
    assert notices and "extractive answer instead" in notices[0]["message"]
    answer = events[-1].data
    assert answer.answerer == "extractive" and answer.status == "answered"
    assert "driven by lower volumes" in answer.answer
    assert answer.usage.error == notices[0]["code"]
    assert any("could not answer" in n for n in answer.notes)


def test_stopped_real_server_falls_back(docs_library: Path, embedder, tmp_path: Path) -> None:
    server = start_llama_server(tmp_path)
    try:
        with open_library(docs_library, embedder, server.base_url, max_tokens=16) as lib:
            first = lib.ask(QUESTION)
            assert first.usage and first.usage.error is None
            server.stop()
            answer = lib.ask(QUESTION)
    finally:
        server.stop()
    assert answer.answerer == "extractive" and answer.usage.error == "llm_unavailable"
    assert answer.citations


def test_choosing_the_answerer_per_request(docs_library: Path, embedder, scripted_llm) -> None:
    with open_library(docs_library, embedder, None) as lib:
        assert lib.ask(QUESTION).answerer == "extractive"  # no LLM configured: as before
        with pytest.raises(LLMNotConfigured, match="llm.base_url"):
            lib.ask(QUESTION, llm=True)
    with open_library(docs_library, embedder, scripted_llm.base_url) as lib:
        answer = lib.ask(QUESTION, llm=False)
        assert answer.answerer == "extractive" and scripted_llm.requests == []
        assert answer.usage is None


def test_evidence_points_at_the_supporting_sentence() -> None:
    source = Source(1, "Intro words here. Net sales were $812.4 million. Other words.", "D", 1)
    result = Verifier({1: source}).check("Net sales were $812.4 million.", [1])
    assert result.evidence == "Net sales were $812.4 million."


def test_a_stream_that_breaks_after_a_shown_sentence_withdraws_it(
        docs_library: Path, embedder, scripted_llm) -> None:
    """Sentences already streamed are not in the extractive answer that replaces them: the
    notice says so (``retract``), so a client that printed them can take them back."""
    first = "Net sales were $812.4 million in the third quarter [1]. Gross "
    body = sse([first]).split(b"data: {\"choices\": [{\"index\": 0, \"delta\": {}")[0]
    scripted_llm.replies = [Reply(body=body + b"data: {broken\n\n")]
    with open_library(docs_library, embedder, scripted_llm.base_url, max_retries=0,
                      max_sources=5) as lib:
        events = list(lib.ask_stream("What were ACME's net sales in Q3 2023?"))
    shown = [e.data["text"] for e in events if e.kind == "delta"]
    assert shown and shown[0].startswith("Net sales were $812.4 million")
    notice = next(e.data for e in events if e.kind == "notice")
    assert notice["code"] == "llm_bad_response" and notice["retract"] is True
    assert "withdrawn" in notice["message"]
    assert events[-1].data.answerer == "extractive"


def test_a_sentence_cut_at_max_tokens_is_flagged(docs_library: Path, embedder,
                                                  scripted_llm) -> None:
    """Stopped at the token limit, the last sentence may have lost its end ("... a decrease",
    "billion"), so it is never shown as verified, even when what arrived checks out."""
    import json
    parts = ["Net sales were $812.4 million in the third quarter [1]. ",
             "In the third quarter net sales were $812.4 million [1]"]
    events = [{"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
              for p in parts]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    scripted_llm.replies = [Reply(body=body.encode())]
    with open_library(docs_library, embedder, scripted_llm.base_url, max_sources=5) as lib:
        answer = lib.ask("What were ACME's net sales in Q3 2023?")
    details = answer.verification.details
    assert [d.status for d in details] == ["verified", "flagged"]
    assert [i["code"] for i in details[1].issues] == ["truncated"]
    assert answer.answer.endswith(UNVERIFIED_MARK)
    assert answer.usage.finish_reason == "length"
