"""Collections are walls: with two collections and keys for each, nothing of B reaches a
caller of A through any route. The routes come from the app's OpenAPI schema, so a new route
fails here until it is listed with the request that would try to reach B through it. On SQLite
and on PostgreSQL."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from earnest.store import Filters

from .api_helpers import wait_for_job
from .trust_helpers import ALPHA, B_CALL, B_MARKERS, B_PDF, BETA

QUESTION = "What was plasma revenue and the backlog?"  # no word of B_MARKERS: answers echo it


@pytest.fixture(scope="module")
def b_objects(trust_lib, trust_client) -> dict[str, str]:
    """Things of B a caller of A might try to reach: a document, a job, an answer, a key."""
    answer = trust_client.post("/v1/ask", json={"question": QUESTION},
                         headers=trust_lib.headers("reader_b")).json()
    assert answer["status"] == "answered" and B_CALL in answer["answer"] + str(
        answer["citations"]), answer
    upload = trust_client.post("/v1/documents?collection=" + BETA, headers=trust_lib.headers("editor_b"),
                         files=[("files", ("ZORB_notes.txt",
                                           b"Zorbatron Quasar notes: margin 41.9%."))])
    assert upload.status_code == 202, upload.text
    wait_for_job(_As(trust_client, trust_lib.headers("editor_b")), upload.json()["id"])
    return {"doc_name": B_PDF, "job_id": upload.json()["id"], "answer_id": answer["answer_id"],
            "key_id": trust_lib.key_ids["reader_b"], "page": "1"}


class _As:
    """A trust_client that sends one key's header on every request."""

    def __init__(self, trust_client: TestClient, headers: dict[str, str]) -> None:
        self.trust_client, self.headers = trust_client, headers

    def get(self, url: str, **kw: Any) -> Any:
        return self.trust_client.get(url, headers=self.headers, **kw)


def ghosts(b: dict[str, str]) -> dict[str, str]:
    """Values of the same shape naming nothing at all."""
    return {"doc_name": "ZORB_2025_10X", "job_id": "999-0badf00d", "answer_id": uuid.uuid4().hex,
            "key_id": "0123456789ab", "page": "1"}


# (method, route template) -> request variants (json / params / files); {name} in a path is
# filled with B's object, then with a ghost of the same shape.
def _upload(collection: str, name: str) -> dict[str, Any]:
    return {"params": {"collection": collection},
            "files": [("files", (name, b"Alpha plans for the next quarter."))]}


REQUESTS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("POST", "/v1/ask"): [
        {"json": {"question": QUESTION}},
        {"json": {"question": QUESTION, "stream": True}},
        {"json": {"question": QUESTION, "filters": {"doc_names": ["ZORB_2025_10R"]}}},
        {"json": {"question": QUESTION, "filters": {"collections": [BETA]}}},
        {"json": {"question": QUESTION, "filters": {"company": ["Zorbatron Corp"]}}},
        # a company only B holds, and a misspelling of it: "not held" names A's only
        {"json": {"question": "What was Zorbatron Corp's plasma revenue in 2025?"}},
        {"json": {"question": "What was Zorbatrn Corp's plasma revenue in 2025?"}},
        {"json": {"question": "What was Apple's revenue in fiscal 2025?"}},
    ],
    ("POST", "/v1/search"): [
        {"json": {"query": "plasma revenue backlog"}},
        {"json": {"query": "plasma revenue backlog", "mode": "keyword"}},
        {"json": {"query": "plasma revenue backlog", "mode": "dense"}},
        {"json": {"query": "backlog", "filters": {"doc_names": ["ZORB_Q2_2025_cal"]}}},
    ],
    ("POST", "/v1/documents"): [_upload(ALPHA, "ALPHA_plans.txt"),
                                _upload(BETA, "ALPHA_plans2.txt")],
    ("GET", "/v1/jobs/{job_id}"): [{}],
    ("DELETE", "/v1/jobs/{job_id}"): [{}],
    ("POST", "/v1/jobs/{job_id}/cancel"): [{}],
    ("GET", "/v1/documents"): [{}],
    ("GET", "/v1/documents/{doc_name}"): [{}],
    ("PATCH", "/v1/documents/{doc_name}"): [{"json": {"fiscal_year": 2020}}],
    ("DELETE", "/v1/documents/{doc_name}"): [{}],
    ("GET", "/v1/documents/{doc_name}/file"): [{}],
    ("GET", "/v1/documents/{doc_name}/pages/{page}"): [{"params": {"quote": "Quasar"}}],
    ("GET", "/v1/documents/{doc_name}/pages/{page}/image"): [{"params": {"quote": "Quasar"}}],
    ("GET", "/v1/documents/{doc_name}/pages/{page}/highlights"): [{"params": {"quote": "x"}}],
    ("GET", "/v1/info"): [{}],
    ("GET", "/healthz"): [{}],
    ("GET", "/readyz"): [{}],
    ("GET", "/metrics"): [{}],
    ("POST", "/v1/session"): [{"json": {"key": "ek_000000000000_" + "x" * 43}}],
    ("GET", "/v1/session"): [{}],
    ("DELETE", "/v1/session"): [{}],
    ("GET", "/v1/keys"): [{}],
    ("POST", "/v1/keys"): [{"json": {"role": "reader", "collections": [BETA]}}],
    ("DELETE", "/v1/keys/{key_id}"): [{}],
    ("GET", "/v1/audit"): [{}],
    ("GET", "/v1/answers/{answer_id}/lineage"): [{}],
    ("POST", "/v1/answers/{answer_id}/replay"): [{}],
}


def schema_routes(trust_client: TestClient) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in trust_client.get("/openapi.json").json()[
        "paths"].items() for method in ops}


def test_every_route_of_the_schema_is_tried(trust_client):
    missing = schema_routes(trust_client) - set(REQUESTS)
    assert not missing, f"add these routes to REQUESTS (how would A reach B by them?): {missing}"


def _send(trust_client: TestClient, method: str, path: str, headers: dict[str, str],
          variant: dict[str, Any]) -> Any:
    return trust_client.request(method, path, headers=headers, json=variant.get("json"),
                          params=variant.get("params"), files=variant.get("files"))


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def _ids(values: dict[str, str]) -> list[str]:
    return [v for k, v in values.items() if k != "page"]


def _normal(response: Any, echoed: list[str], words: bool = False) -> str:
    """The response as text without what the caller itself sent (with ``words``, also each
    word of it, in any case: the understanding lists a question's terms) and the request id."""
    text = response.text
    for value in sorted(echoed, key=len, reverse=True):
        text = text.replace(value, "<T>")
    if words:
        for word in {w for value in echoed for w in re.findall(r"\w+", value)}:
            text = re.sub(rf"(?i)\b{re.escape(word)}\b", "<W>", text)
    return re.sub(r'"request_id":\s*"[^"]*"', "", text)


@pytest.mark.parametrize("who", ["reader_a", "editor_a"])
def test_nothing_of_b_reaches_a_caller_of_a(trust_lib, trust_client, b_objects, who):
    """Every route, as reader and editor of A: no word, name or hash of B in any answer;
    B's objects are answered exactly like objects that do not exist."""
    b_hashes = [d.content_hash for d in trust_lib.service.documents() if d.collection == BETA]
    markers = B_MARKERS + b_hashes + [trust_lib.key_ids["reader_b"] + '"', "zorb_notes"]
    ghost = ghosts(b_objects)
    tried = 0
    for (method, template), variants in REQUESTS.items():
        for variant in variants:
            # what this request sent comes back (the question, its terms, a name asked for)
            echoed = [str(v) for v in (variant.get("json") or {}).values()] + [
                str(v) for v in (variant.get("params") or {}).values()]
            real = _send(trust_client, method, _fill(template, b_objects), trust_lib.headers(who), variant)
            text = _normal(real, echoed + _ids(b_objects), words=True).lower()
            for marker in markers:
                assert marker.lower() not in text, (who, method, template, variant, marker,
                                                    real.text[:500])
            if "{" in template:
                fake = _send(trust_client, method, _fill(template, ghost), trust_lib.headers(who), variant)
                assert real.status_code == fake.status_code, (method, template, real.text)
                assert _normal(real, _ids(b_objects)) == _normal(fake, _ids(ghost)), \
                    (method, template, real.text, fake.text)
            tried += 1
    assert tried >= len(REQUESTS)
    # B is still whole: no A caller removed or changed it.
    assert trust_lib.service.document(B_PDF).corrections == {}


def test_a_sees_only_a_in_lists_counts_and_suggestions(trust_lib, trust_client):
    docs = trust_client.get("/v1/documents", headers=trust_lib.headers("reader_a")).json()
    names = {d["doc_name"] for d in docs["documents"]}
    assert {"NWIN_Q3_FY2024_earnings_call", "NWIN_Q3_FY2024_earnings_release"} <= names
    assert all(d.collection == ALPHA for d in trust_lib.service.documents() if d.doc_name in names)
    assert docs["stats"]["documents"] == len(names)
    assert docs["stats"]["pages"] == sum(d["page_count"] for d in docs["documents"])
    # "did you mean" suggests A's names only, and a name close to B's suggests nothing of B
    error = trust_client.post("/v1/ask", json={"question": "revenue", "filters": {
        "doc_names": ["NWIN_Q3_FY2024_earnings_cal"]}}, headers=trust_lib.headers("reader_a")).json()
    assert "NWIN_Q3_FY2024_earnings_call" in error["error"]["message"]


def test_the_service_scopes_every_call(trust_lib):
    """The same walls for Python callers that pass a principal."""
    service, reader_a = trust_lib.service, trust_lib.principal("reader_a")
    assert all(d.collection == ALPHA for d in service.documents(reader_a))
    hits = service.search("plasma revenue backlog", principal=reader_a)
    assert hits.passages and all(not p.doc_name.startswith("ZORB") for p in hits.passages)
    answer = service.ask(QUESTION, principal=reader_a)
    assert "ZORB" not in str(answer.to_dict())
    # a requested collection outside the grant is one that holds nothing
    scoped = service.scoped(Filters(collections=[BETA]), reader_a)
    assert service.store.list_documents(scoped) == []
    # the owner (no key) sees both
    assert {d.collection for d in service.documents()} == {ALPHA, BETA}


def test_b_reader_gets_b_answers(trust_lib, trust_client):
    body = trust_client.post("/v1/ask", json={"question": QUESTION},
                       headers=trust_lib.headers("reader_b")).json()
    assert body["citations"] and all(c["doc_name"].startswith("ZORB")
                                     for c in body["citations"])


def test_a_taken_name_is_all_an_editor_of_a_learns(trust_lib, trust_client):
    """Names are unique per library (this round): uploading B's name into A is refused as
    "taken", without B's collection, content or hash."""
    response = trust_client.post(f"/v1/documents?collection={ALPHA}", headers=trust_lib.headers("editor_a"),
                           files=[("files", (f"{B_CALL}.txt", b"Alpha text."))])
    assert response.status_code == 409, response.text
    text = response.text.lower()
    assert "is taken" in text
    for marker in ["zorbatron", "quasar", "777.7", BETA]:
        assert marker not in text


def test_an_upload_joins_the_keys_only_collection_by_default(trust_lib, trust_client):
    response = trust_client.post("/v1/documents", headers=trust_lib.headers("editor_a"),
                           files=[("files", ("ALPHA_memo.txt", b"An alpha memo on margins."))])
    assert response.status_code == 202, response.text
    job = wait_for_job(_As(trust_client, trust_lib.headers("editor_a")), response.json()["id"])
    assert job["collection"] == ALPHA
    shown = trust_client.get("/v1/documents/ALPHA_memo", headers=trust_lib.headers("editor_a")).json()
    assert shown["collection"] == ALPHA and shown["added_by"] == trust_lib.key_ids["editor_a"]
