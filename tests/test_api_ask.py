"""Ask (JSON and Server-Sent Events) and search over HTTP, on the bundled sample library; the
streaming tests also go through a real uvicorn on a loopback port."""

from __future__ import annotations

import httpx
import pytest

from .api_helpers import (
    CALL,
    RELEASE,
    WHY_QUESTION,
    assert_error,
    live_server,
    parse_sse,
    sample_service,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory, embedder):
    lib = sample_service(tmp_path_factory.mktemp("api-ask") / "library", embedder)
    yield lib
    lib.close()


def _words(text: str) -> str:
    return " ".join(text.split())


def _check_stream(events: list[tuple[str, dict]]) -> dict:
    """Order and content of an answer's events; the final answer."""
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "stage", kinds
    assert kinds[-1] == "answer" and kinds.count("answer") == 1, kinds
    assert "error" not in kinds
    assert kinds.index("understanding") < kinds.index("passages") < kinds.index("answer")
    stages = [(d["stage"], d["status"]) for k, d in events if k == "stage"]
    assert stages[0] == ("retrieve", "started")
    assert ("retrieve", "done") in stages and stages[-1] == ("answer", "done")
    answer = events[-1][1]
    deltas = "".join(d["text"] for k, d in events if k == "delta")
    assert _words(deltas) == _words(answer["answer"])
    sentences = [d for k, d in events if k == "sentence"]
    assert [s["text"] for s in sentences] == [s["text"] for s in answer["sentences"]]
    first_delta = kinds.index("delta")
    assert kinds.index("passages") < first_delta < kinds.index("answer")
    return answer


# -- JSON ----------------------------------------------------------------------------------

def test_ask_answers_with_citations_and_timings(client):
    response = client.post("/v1/ask", json={"question": WHY_QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert answer["status"] == "answered"
    assert "412.6" in answer["answer"]
    assert answer["citations"], answer
    for c in answer["citations"]:
        assert c["doc_name"] in (CALL, RELEASE) and c["page"] >= 1
        assert c["quote"] and 0 <= c["char_start"] < c["char_end"]
        page = client.get(f"/v1/documents/{c['doc_name']}/pages/{c['page']}").json()["text"]
        assert page[c["char_start"]:c["char_end"]] == c["quote"]
    assert {"understand", "retrieve", "rerank", "answer", "total"} <= set(answer["timings_ms"])
    assert answer["library_version"]["answerer"] == "extractive"


def test_ask_with_filters_k_and_llm_false(client):
    answer = client.post("/v1/ask", json={"question": WHY_QUESTION, "k": 2, "llm": False,
                                          "filters": {"doc_names": [RELEASE]}}).json()
    assert answer["status"] == "answered"
    assert {c["doc_name"] for c in answer["citations"]} == {RELEASE}
    assert {p["doc_name"] for p in answer["passages"]} == {RELEASE}
    assert len(answer["passages"]) <= 2


def test_ask_about_something_absent_is_not_found_with_closest_passages(client):
    answer = client.post("/v1/ask", json={
        "question": "What did the company say about its cryptocurrency mining subsidiary in Peru?"}
    ).json()
    assert answer["status"] == "not_found"
    assert answer["citations"] == []
    assert answer["answer"].startswith("Not found")


def test_a_filter_naming_nothing_in_the_library_is_refused_with_suggestions(client):
    response = client.post("/v1/ask", json={"question": WHY_QUESTION,
                                            "filters": {"doc_names": ["Nothing_here"]}})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    typo = client.post("/v1/ask", json={"question": WHY_QUESTION,
                                        "filters": {"doc_names": ["NWIN_Q3_FY2024_earning_call"]}})
    assert typo.status_code == 404 and "did you mean 'NWIN_Q3_FY2024_earnings_call'" in \
        typo.json()["error"]["message"]
    company = client.post("/v1/search", json={"query": WHY_QUESTION,
                                              "filters": {"doc_type": ["10-K"]}})
    assert company.status_code == 404 and "doc_type = '10-K'" in company.json()["error"]["message"]


def test_filters_that_exist_but_match_nothing_together_find_nothing(client):
    answer = client.post("/v1/ask", json={"question": WHY_QUESTION, "filters": {
        "doc_names": [CALL], "doc_type": ["earnings_release"]}}).json()
    assert answer["status"] == "not_found" and answer["passages"] == []


@pytest.mark.parametrize("body", [
    {},
    {"question": 42},
    {"question": "revenue", "k": "five"},
    {"question": "revenue", "colour": "blue"},
    {"question": "revenue", "filters": {"fiscal_year": ["twenty"]}},
    {"question": "revenue", "filters": {"planet": ["mars"]}},
    {"question": "revenue", "filters": "doc=X"},
    {"question": "revenue", "stream": "maybe"},
    {"question": "revenue", "stream": 1},
    {"question": "revenue", "llm": 0},
    {"question": "revenue", "k": "3"},
    {"question": "revenue", "k": True},
    {"question": "revenue", "filters": {"fiscal_quarter": [False]}},
])
def test_ask_rejects_invalid_bodies_with_422(client, body):
    error = assert_error(client.post("/v1/ask", json=body), 422, "invalid_request")
    assert error["details"] and all("where" in d and "problem" in d for d in error["details"])


# JSON of the right shape with values out of range: the service's checks (the same message
# as for the CLI and Python: tests/test_input_checks.py), as 400.
@pytest.mark.parametrize("body", [
    {"question": ""},
    {"question": "x" * 2001},
    {"question": "revenue", "k": 0},
    {"question": "revenue", "k": 101},
    {"question": "revenue", "filters": {"roles": ["ceo"]}},
    {"question": "revenue", "filters": {"fiscal_quarter": [5]}},
    {"question": "revenue", "filters": {"fiscal_year": [20]}},
])
def test_ask_refuses_values_out_of_range_with_400(client, body):
    assert_error(client.post("/v1/ask", json=body), 400, "bad_input")


def test_ask_with_only_white_space_is_400(client):
    error = assert_error(client.post("/v1/ask", json={"question": "   \n\t"}), 400, "bad_input")
    assert "empty" in error["message"]


def test_ask_for_an_llm_when_none_is_configured_is_409(client):
    error = assert_error(client.post("/v1/ask", json={"question": "revenue", "llm": True}), 409,
                         "llm_not_configured")
    assert "llm.base_url" in error["message"]


# -- Server-Sent Events --------------------------------------------------------------------

def test_ask_streams_events_when_asked_in_the_body(client):
    with client.stream("POST", "/v1/ask", json={"question": WHY_QUESTION, "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = list(parse_sse(r.iter_lines()))
    answer = _check_stream(events)
    assert answer["status"] == "answered" and answer["citations"]
    assert "total" in answer["timings_ms"]


def test_the_event_stream_frames_events_with_lf_only(client):
    """Every event ends in a blank LF line, no CR anywhere: sse-starlette frames an event
    object with CRLF whatever the response's ``sep``, and the web app's reader once waited
    forever for a blank LF line (routes_ask._sse)."""
    with client.stream("POST", "/v1/ask", json={"question": WHY_QUESTION, "stream": True}) as r:
        raw = b"".join(r.iter_raw())
    assert b"\r" not in raw and raw.endswith(b"\n\n")
    blocks = raw.decode().split("\n\n")[:-1]
    assert blocks and all(b.startswith("event: ") and "\ndata: " in b for b in blocks), blocks
    assert blocks[-1].startswith("event: answer\n")


def test_ask_streams_events_when_the_client_accepts_an_event_stream(client):
    with client.stream("POST", "/v1/ask", json={"question": WHY_QUESTION},
                       headers={"Accept": "text/event-stream"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = list(parse_sse(r.iter_lines()))
    _check_stream(events)


def test_a_not_found_stream_still_ends_with_the_answer(client):
    with client.stream("POST", "/v1/ask", json={
            "question": "What about the cryptocurrency mining subsidiary in Peru?",
            "stream": True}) as r:
        events = list(parse_sse(r.iter_lines()))
    kinds = [k for k, _ in events]
    assert kinds[0] == "stage" and kinds[-1] == "answer" and "delta" not in kinds
    assert events[-1][1]["status"] == "not_found"


def test_a_bad_streamed_request_is_a_json_error_not_a_stream(client):
    for body in ({"question": "", "stream": True}, {"question": "  ", "stream": True}):
        response = client.post("/v1/ask", json=body, headers={"Accept": "text/event-stream"})
        assert 400 <= response.status_code < 500
        assert_error(response, response.status_code)


def test_sse_through_a_real_server_read_incrementally(app):
    with live_server(app) as base:
        events = []
        with httpx.Client(base_url=base, timeout=60) as http:
            with http.stream("POST", "/v1/ask", json={"question": WHY_QUESTION},
                             headers={"Accept": "text/event-stream"}) as r:
                assert r.status_code == 200
                assert r.headers["content-type"].startswith("text/event-stream")
                assert r.headers["cache-control"] == "no-cache"
                for event in parse_sse(r.iter_lines()):
                    events.append(event)
                    if event[0] == "answer":
                        break
            answer = _check_stream(events)
            assert answer["status"] == "answered"
            # The same answer as the JSON route (same library generation, same question).
            plain = http.post("/v1/ask", json={"question": WHY_QUESTION}).json()
            assert plain["answer"] == answer["answer"]
            assert plain["citations"] == answer["citations"]


def test_a_client_leaving_mid_stream_does_not_hurt_the_server(app):
    with live_server(app) as base:
        with httpx.Client(base_url=base, timeout=60) as http:
            with http.stream("POST", "/v1/ask", json={"question": WHY_QUESTION,
                                                      "stream": True}) as r:
                first = next(parse_sse(r.iter_lines()))
                assert first[0] == "stage"
            # left after the first event
            assert http.get("/healthz").json() == {"status": "ok"}
            again = http.post("/v1/ask", json={"question": WHY_QUESTION}).json()
            assert again["status"] == "answered"


# -- search --------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["hybrid", "keyword", "dense"])
def test_search_returns_ranked_passages_with_provenance(client, mode):
    response = client.post("/v1/search", json={"query": "gross margin", "mode": mode, "k": 3})
    assert response.status_code == 200
    result = response.json()
    assert result["mode"] == mode
    assert 1 <= len(result["passages"]) <= 3
    for p in result["passages"]:
        assert p["doc_name"] in (CALL, RELEASE)
        assert p["page_start"] >= 1 and p["char_start"] < p["char_end"] and p["text"]
    assert any("margin" in p["text"].lower() for p in result["passages"])


def test_search_filters_by_document_and_role(client):
    result = client.post("/v1/search", json={
        "query": "revenue", "filters": {"doc_names": [CALL], "roles": ["executive"]}}).json()
    assert result["passages"]
    assert {p["doc_name"] for p in result["passages"]} == {CALL}
    assert {p["role"] for p in result["passages"]} == {"executive"}


@pytest.mark.parametrize("body", [
    {}, {"query": "revenue", "mode": 3}, {"query": "revenue", "k": "five"},
    {"query": "revenue", "filters": {"roles": "analyst"}}, {"question": "revenue"},
])
def test_search_rejects_invalid_bodies_with_422(client, body):
    assert_error(client.post("/v1/search", json=body), 422, "invalid_request")


@pytest.mark.parametrize("body", [  # the service's checks, as for the CLI and Python
    {"query": ""}, {"query": "revenue", "mode": "fuzzy"}, {"query": "revenue", "k": -1},
])
def test_search_refuses_values_out_of_range_with_400(client, body):
    assert_error(client.post("/v1/search", json=body), 400, "bad_input")


@pytest.mark.parametrize("query", ['"', "*", "AND OR NOT", "NEAR(", "^col:", "\x00", "%_'--"])
def test_search_with_query_syntax_characters_is_not_an_error(client, query):
    for mode in ("keyword", "hybrid"):
        response = client.post("/v1/search", json={"query": query, "mode": mode})
        assert response.status_code == 200, (query, mode, response.text)


def test_a_streamed_ask_with_an_unknown_filter_is_refused_before_the_stream(client):
    response = client.post("/v1/ask", json={"question": WHY_QUESTION, "stream": True,
                                            "filters": {"doc_names": ["No_such_doc"]}})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


def test_whole_number_floats_are_integers_as_json_schema_says(client):
    response = client.post("/v1/search", json={"query": "revenue", "k": 2.0,
                                               "filters": {"fiscal_quarter": [3.0]}})
    assert response.status_code in (200, 404), response.text
    assert client.post("/v1/ask", json={"question": "revenue", "k": 2.0}).status_code == 200
    for bad in (2.5, True, "2"):
        assert_error(client.post("/v1/search", json={"query": "revenue", "k": bad}), 422,
                     "invalid_request")


def test_a_filter_on_a_field_no_document_has_is_404_like_a_missing_value(client):
    error = assert_error(client.post("/v1/search", json={"query": "revenue",
                                                         "filters": {"ticker": ["ZZZZ"]}}),
                         404, "not_found")
    assert "ticker" in error["message"]
