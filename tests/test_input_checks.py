"""Each input check lives in the service, once: the same bad input through the Python API, the
CLI (typer's runner, in process) and the HTTP API (the real app) is refused with the same
code and message. The adapters only translate (exit 1; the status the error maps to)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from earnest.api import create_app
from earnest.api.errors import status_for
from earnest.cli import app as cli_app
from earnest.errors import EarnestError
from earnest.store import Filters

from .api_helpers import CALL, RELEASE, make_service, sample_service

# (id, the Python call's keyword arguments, the CLI's extra arguments, the HTTP body's extra
# fields, the error's code, the message). Each is a value the API's schema lets through as
# JSON (a year is a number there, text on the command line): what it refuses is the
# service's to refuse.
ASK_CASES = [
    ("role", {"filters": Filters(roles=["ceo"])}, ["--filter", "role=ceo"],
     {"filters": {"roles": ["ceo"]}}, "bad_input",
     "unknown speaker role 'ceo'; roles: executive, analyst, operator"),
    ("quarter", {"filters": Filters(metadata={"fiscal_quarter": ["5"]})},
     ["--filter", "fiscal_quarter=5"], {"filters": {"fiscal_quarter": [5]}}, "bad_input",
     "fiscal_quarter must be 1 to 4, got '5'"),
    ("year", {"filters": Filters(metadata={"fiscal_year": ["1800"]})},
     ["--filter", "fiscal_year=1800"], {"filters": {"fiscal_year": [1800]}}, "bad_input",
     "fiscal_year must be 1900 to 2200, got '1800'"),
    ("absent year", {"filters": Filters(metadata={"fiscal_year": ["2031"]})},
     ["--filter", "fiscal_year=2031"], {"filters": {"fiscal_year": [2031]}}, "not_found",
     "no document has fiscal_year = '2031'; did you mean '2024'?"),
    ("collection", {"filters": Filters(collections=["no such!"])},
     ["--filter", "collection=no such!"], {"filters": {"collections": ["no such!"]}},
     "bad_input", "bad collection name 'no such!': letters, digits, '.', '_' and '-', up to "
     "64 characters"),
    ("document", {"filters": Filters(doc_names=["NWIN_Q3_FY2024_call"])},
     ["--filter", "doc=NWIN_Q3_FY2024_call"], {"filters": {"doc_names": ["NWIN_Q3_FY2024_call"]}},
     "not_found", f"no document named 'NWIN_Q3_FY2024_call' in the library; did you mean "
     f"'{CALL}', '{RELEASE}'?"),
    ("k zero", {"k": 0}, ["--k", "0"], {"k": 0}, "bad_input", "k must be between 1 and 100, got 0"),
    ("k too big", {"k": 101}, ["--k", "101"], {"k": 101}, "bad_input",
     "k must be between 1 and 100, got 101"),
]
QUESTIONS = [("empty", "  ", "the question is empty"),
             ("too long", "x" * 2001, "the question is longer than 2,000 characters")]


@pytest.fixture(scope="module")
def service(tmp_path_factory, embedder):
    lib = sample_service(tmp_path_factory.mktemp("inputs") / "library", embedder)
    yield lib
    lib.close()


def _python(call: Any) -> tuple[str, str]:
    with pytest.raises(EarnestError) as caught:
        call()
    return caught.value.code, str(caught.value)


def _cli(*args: str) -> tuple[str, str]:
    result = CliRunner().invoke(cli_app, [*args, "--json"], env={"EARNEST_HOME": None})
    assert result.exit_code == 1, result.output
    error = json.loads(result.stdout)["error"]
    return error["code"], error["message"]


def _http(response: Any, expected: tuple[str, str]) -> tuple[str, str]:
    error = response.json()["error"]
    # The status the one translation gives this error (400 for bad input, 404 not found, ...)
    kind = next(k for k in _error_kinds() if k.code == error["code"])
    assert response.status_code == status_for(kind("x")), response.text
    return error["code"], error["message"]


def _error_kinds() -> list[type[EarnestError]]:
    from earnest import errors

    return [v for v in vars(errors).values()
            if isinstance(v, type) and issubclass(v, EarnestError) and v is not errors.RemoteError]


@pytest.mark.parametrize("verb", ["ask", "search"])
@pytest.mark.parametrize("case", ASK_CASES, ids=[c[0] for c in ASK_CASES])
def test_a_bad_question_input_gets_one_answer_everywhere(service, client, verb, case):
    _, kwargs, cli_args, body, code, message = case
    expected = (code, message)
    call = service.ask if verb == "ask" else service.search
    assert _python(lambda: call("revenue", **kwargs)) == expected
    assert _cli(verb, "revenue", "--library", str(service.home), *cli_args) == expected
    key = "question" if verb == "ask" else "query"
    assert _http(client.post(f"/v1/{verb}", json={key: "revenue", **body}), expected) == expected


@pytest.mark.parametrize("case", QUESTIONS, ids=[c[0] for c in QUESTIONS])
def test_a_bad_question_gets_one_answer_everywhere(service, client, case):
    _, question, message = case
    expected = ("bad_input", message)
    assert _python(lambda: service.ask(question)) == expected
    assert _cli("ask", question, "--library", str(service.home)) == expected
    assert _http(client.post("/v1/ask", json={"question": question}), expected) == expected


CORRECTIONS = [  # (field, value, message)
    ("fiscal_quarter", 5, "fiscal_quarter must be 1 to 4, got 5"),
    ("fiscal_year", 3000, "fiscal_year must be 1900 to 2200, got 3000"),
    ("doc_type", "annual-report", "unknown doc_type 'annual-report'; types: 10-K, 10-Q, 8-K, "
     "earnings_release, earnings_call, other"),
    ("ticker", "X" * 21, "ticker is longer than 20 characters"),
]


@pytest.mark.parametrize("case", CORRECTIONS, ids=[c[0] for c in CORRECTIONS])
def test_a_bad_correction_gets_one_answer_everywhere(service, client, case):
    field, value, message = case
    expected = ("bad_input", message)
    assert _python(lambda: service.correct_metadata(CALL, {field: value})) == expected
    # The CLI's value is text: the same message but for the value's quotes.
    cli_expected = ("bad_input", message.replace(f"got {value}", f"got '{value}'"))
    assert _cli("docs", "edit", CALL, "--set", f"{field}={value}",
                "--library", str(service.home)) == cli_expected
    response = client.patch(f"/v1/documents/{CALL}", json={field: value})
    assert _http(response, expected) == expected
    assert service.document(CALL).corrections == {}


# -- files: `earnest ingest` and lib.ingest vs an upload ------------------------------------

FILES = [  # (file name, content, code, message after "NAME: ")
    ("notes.docx", b"PK\x03\x04 not read", "unsupported_file_type",
     "unsupported file type .docx; Earnest reads .markdown, .md, .pdf, .text, .txt"),
    ("empty.txt", b"", "empty_document", "the file is empty (0 bytes)"),
    ("big.txt", b"Revenue grew.\n" * 5000, "too_large",
     "the file is over the 0.05 MB limit (max_file_mb)"),
    ("bad|name.txt", b"Revenue grew.", "bad_name", "the name holds '|'; rename the file"),
    (" padded.txt", b"Revenue grew.", "bad_name",
     "the name starts or ends with white space, or starts with a dot; rename the file"),
]


@pytest.fixture(scope="module")
def small_library(tmp_path_factory, embedder):
    """An empty library whose earnest.toml (read by all three) allows 0.05 MB files."""
    root = tmp_path_factory.mktemp("inputs-files") / "library"
    root.mkdir()
    (root / "earnest.toml").write_text("max_file_mb = 0.05\n")
    lib = make_service(root, embedder)
    with TestClient(create_app(service=lib)) as http:
        yield lib, http
    lib.close()


@pytest.mark.parametrize("case", FILES, ids=[c[0] for c in FILES])
def test_a_bad_file_gets_one_answer_everywhere(small_library, tmp_path, monkeypatch, case):
    name, data, code, problem = case
    lib, http = small_library
    expected = (code, f"{name}: {problem}")
    monkeypatch.chdir(tmp_path)  # the CLI and Python name the file as given: by its name
    Path(name).write_bytes(data)

    failed = lib.ingest([name]).files[0]
    assert (failed.status, failed.error_code, failed.error) == ("failed", *expected)
    result = CliRunner().invoke(cli_app, ["ingest", name, "--library", str(lib.home), "--json"],
                                env={"EARNEST_HOME": None})
    assert result.exit_code == 1, result.output
    failed = json.loads(result.stdout)["files"][0]
    assert (failed["status"], failed["error_code"], failed["error"]) == ("failed", *expected)
    response = http.post("/v1/documents", files=[("files", (name, data))])
    error = response.json()["error"]
    assert (error["code"], error["message"]) == expected, response.text
    assert 400 <= response.status_code < 500, response.text


def test_a_bad_collection_is_refused_before_any_file_everywhere(small_library, tmp_path):
    lib, http = small_library
    path = tmp_path / "fine.txt"
    path.write_text("Revenue grew.")
    expected = ("bad_input", "bad collection name 'no such!': letters, digits, '.', '_' and "
                "'-', up to 64 characters")
    assert _python(lambda: lib.ingest([path], collection="no such!")) == expected
    assert _cli("ingest", str(path), "--library", str(lib.home),
                "--collection", "no such!") == expected
    response = http.post("/v1/documents", params={"collection": "no such!"},
                         files=[("files", ("fine.txt", b"Revenue grew."))])
    assert _http(response, expected) == expected
    assert lib.documents() == []
