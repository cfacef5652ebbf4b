"""Documents over HTTP: upload as a job (good and bad files), poll, list, show, correct
metadata, download the original, delete. One real library for the module, built by upload."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient

from earnest.api import create_app

from .api_helpers import (
    CALL,
    RELEASE,
    SAMPLES,
    assert_error,
    make_service,
    upload,
    wait_for_file_status,
    wait_for_job,
)
from .pdfs import make_encrypted_pdf, make_pdf, make_scanned_pdf

MAX_MB = 0.05  # 51,200 bytes: the samples fit, a 60 kB file does not
MAX_FILES = 3


@pytest.fixture(scope="module")
def service(tmp_path_factory, embedder):
    lib = make_service(tmp_path_factory.mktemp("api-docs") / "library", embedder,
                       max_file_mb=MAX_MB, server__max_upload_files=MAX_FILES)
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def client(service):
    with TestClient(create_app(service=service)) as c:
        response = upload(c, *[(p.name, p.read_bytes()) for p in sorted(SAMPLES.iterdir())])
        assert response.status_code == 202, response.text
        job = wait_for_job(c, response.json()["id"])
        assert job["counts"] == {"done": 2}, job
        yield c


@pytest.fixture()
def pdf_bytes(tmp_path):
    def make(name: str, lines: list[str]) -> bytes:
        return make_pdf(tmp_path / name, [lines]).read_bytes()
    return make


# -- the happy path ------------------------------------------------------------------------

def test_upload_returns_a_job_that_ends_with_every_file_done(client, pdf_bytes):
    data = pdf_bytes("Polled_Q1_2024_10Q.pdf", ["Polled Corp quarterly report",
                                                "Net sales were $10.5 million."])
    response = upload(client, ("Polled_Q1_2024_10Q.pdf", data))
    assert response.status_code == 202
    job = response.json()
    assert job["status"] in ("queued", "running", "done")
    assert job["files"][0]["filename"] == "Polled_Q1_2024_10Q.pdf"
    assert job["files"][0]["size"] == len(data)
    done = wait_for_job(client, job["id"])
    assert done["id"] == job["id"] and done["finished_at"] is not None
    [result] = done["files"]
    assert result["status"] == "done", result
    assert result["doc_name"] == "Polled_Q1_2024_10Q"
    assert result["pages"] == 1 and result["chunks"] >= 1
    assert result["embedded"] == result["chunks"]
    shown = client.get("/v1/documents/Polled_Q1_2024_10Q").json()
    assert shown["chunk_count"] == result["chunks"]
    assert shown["embedded_count"] == shown["chunk_count"]


def test_a_document_is_visible_only_once_committed(client, service, pdf_bytes):
    """Another writer holds the database; the upload's transaction waits for it, and until it
    commits the document is absent, not half there."""
    data = pdf_bytes("Pending_FY2023_10K.pdf", ["Pending Inc annual report",
                                                "Revenue was $99.9 million in fiscal 2023."])
    other = sqlite3.connect(service.store.path, timeout=30, isolation_level=None)
    try:
        other.execute("begin immediate")  # the write lock, as another process would hold it
        response = upload(client, ("Pending_FY2023_10K.pdf", data))
        assert response.status_code == 202
        job_id = response.json()["id"]
        job = wait_for_file_status(client, job_id, 0, "ingesting")
        assert job["status"] == "running"
        assert_error(client.get("/v1/documents/Pending_FY2023_10K"), 404, "not_found")
        listed = [d["doc_name"] for d in client.get("/v1/documents").json()["documents"]]
        assert "Pending_FY2023_10K" not in listed
        assert client.get("/readyz").json()["ingesting"] is True
    finally:
        other.execute("rollback")
        other.close()
    done = wait_for_job(client, job_id)
    assert done["files"][0]["status"] == "done", done
    shown = client.get("/v1/documents/Pending_FY2023_10K").json()
    assert shown["chunk_count"] == done["files"][0]["chunks"]


def test_the_same_content_again_is_unchanged(client):
    data = (SAMPLES / f"{CALL}.txt").read_bytes()
    before = client.get(f"/v1/documents/{CALL}").json()
    job = wait_for_job(client, upload(client, (f"{CALL}.txt", data),
                                      ("Copy_of_call.txt", data)).json()["id"])
    first, second = job["files"]
    assert first["status"] == "unchanged" and first["doc_name"] == CALL
    assert second["status"] == "unchanged" and second["doc_name"] == CALL
    assert CALL in (second["note"] or "")
    after = client.get(f"/v1/documents/{CALL}").json()
    assert after["added_at"] == before["added_at"]
    assert_error(client.get("/v1/documents/Copy_of_call"), 404)


def test_new_content_under_a_known_name_replaces_the_document_only_when_asked(client):
    name = "Replaced_Q2_2024_call.txt"
    first = upload(client, (name, b"Operator\nRevenue grew 5%.\n"))
    first = wait_for_job(client, first.json()["id"])
    assert first["files"][0]["status"] == "done"
    newer = b"Operator\nRevenue grew 7% on strong demand.\n"
    # Another file of the same name is refused: a page elsewhere must not swap it silently.
    error = assert_error(upload(client, (name, newer)), 409, "conflict")
    assert "replace=true" in error["message"]
    assert "5%" in client.get("/v1/documents/Replaced_Q2_2024_call/pages/1").json()["text"]
    response = client.post("/v1/documents", params={"replace": "true"},
                           files=[("files", (name, newer))])
    second = wait_for_job(client, response.json()["id"])
    assert second["files"][0]["status"] == "done"
    text = client.get("/v1/documents/Replaced_Q2_2024_call/pages/1").json()["text"]
    assert "7%" in text and "5%" not in text
    names = [d["doc_name"] for d in client.get("/v1/documents").json()["documents"]]
    assert names.count("Replaced_Q2_2024_call") == 1


def test_list_shows_metadata_and_ingest_status(client):
    body = client.get("/v1/documents").json()
    docs = {d["doc_name"]: d for d in body["documents"]}
    assert {CALL, RELEASE} <= set(docs)
    release = docs[RELEASE]
    assert release["file_type"] == "pdf" and release["page_count"] == 2
    assert release["status"] == "ready"
    assert release["embedded_count"] == release["chunk_count"] > 0
    assert release["metadata"]["doc_type"] == "earnings_release"
    assert release["metadata"]["fiscal_year"] == 2024
    assert docs[CALL]["metadata"]["doc_type"] == "earnings_call"
    assert body["stats"]["documents"] == len(docs)
    assert body["stats"]["chunks"] == sum(d["chunk_count"] for d in docs.values())


def test_show_one_document(client):
    shown = client.get(f"/v1/documents/{RELEASE}").json()
    assert shown["doc_name"] == RELEASE
    assert shown["source_path"] == f"{RELEASE}.pdf"
    assert shown["extracted_metadata"]["doc_type"] == "earnings_release"
    assert_error(client.get("/v1/documents/No_such_document"), 404, "not_found")


def test_download_returns_the_original_bytes(client):
    for name, suffix, media in ((RELEASE, ".pdf", "application/pdf"), (CALL, ".txt", "text/plain")):
        response = client.get(f"/v1/documents/{name}/file")
        assert response.status_code == 200
        assert response.content == (SAMPLES / f"{name}{suffix}").read_bytes()
        assert response.headers["content-type"].startswith(media)
        assert f"{name}{suffix}" in response.headers["content-disposition"]
    assert_error(client.get("/v1/documents/No_such_document/file"), 404, "not_found")


# -- metadata corrections ------------------------------------------------------------------

def test_patch_corrects_metadata_and_null_restores_it(client):
    url = f"/v1/documents/{CALL}"
    extracted = client.get(url).json()["extracted_metadata"]
    response = client.patch(url, json={"company": "Northwind Instruments", "fiscal_quarter": 2,
                                       "doc_type": "other"})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["metadata"]["company"] == "Northwind Instruments"
    assert doc["metadata"]["fiscal_quarter"] == 2
    assert doc["metadata"]["doc_type"] == "other"
    assert doc["corrections"] == {"company": "Northwind Instruments", "fiscal_quarter": 2,
                                  "doc_type": "other"}
    assert client.get(url).json()["metadata"]["company"] == "Northwind Instruments"
    restored = client.patch(url, json={"company": None, "fiscal_quarter": None,
                                       "doc_type": None}).json()
    assert restored["corrections"] == {}
    assert restored["metadata"]["company"] == extracted["company"]
    assert restored["metadata"]["doc_type"] == extracted["doc_type"]


@pytest.mark.parametrize("body", [
    {"fiscal_year": "twenty twenty"},
    {"company": ["a", "list"]},
    {"fiscal_quarter": 2.5},
])
def test_patch_with_invalid_values_is_422(client, body):
    error = assert_error(client.patch(f"/v1/documents/{CALL}", json=body), 422, "invalid_request")
    assert error["details"][0]["where"].startswith("body.")
    assert client.get(f"/v1/documents/{CALL}").json()["corrections"] == {}


@pytest.mark.parametrize("body", [  # the service's checks, as for `earnest docs edit`
    {"doc_type": "annual-report"},
    {"fiscal_quarter": 5},
    {"fiscal_year": 3000},
    {"ticker": "X" * 50},
])
def test_patch_with_values_out_of_range_is_400(client, body):
    assert_error(client.patch(f"/v1/documents/{CALL}", json=body), 400, "bad_input")
    assert client.get(f"/v1/documents/{CALL}").json()["corrections"] == {}


def test_patch_with_an_unknown_field_is_422(client):
    error = assert_error(client.patch(f"/v1/documents/{CALL}", json={"colour": "blue"}), 422)
    assert "colour" in error["message"]


def test_patch_with_nothing_to_correct_is_400(client):
    assert_error(client.patch(f"/v1/documents/{CALL}", json={}), 422, "invalid_request")


def test_patch_of_an_unknown_document_is_404(client):
    assert_error(client.patch("/v1/documents/No_such_document", json={"company": "X"}), 404)


# -- delete --------------------------------------------------------------------------------

def test_delete_then_everything_about_the_document_is_404(client):
    name = "Doomed_Q4_2023_call"
    job = upload(client, (f"{name}.txt", b"Operator\nWe grew 3%.\n"))
    job = wait_for_job(client, job.json()["id"])
    assert job["files"][0]["status"] == "done"
    response = client.delete(f"/v1/documents/{name}")
    assert response.status_code == 204 and response.content == b""
    for url in (f"/v1/documents/{name}", f"/v1/documents/{name}/file",
                f"/v1/documents/{name}/pages/1"):
        assert_error(client.get(url), 404, "not_found")
    assert_error(client.delete(f"/v1/documents/{name}"), 404, "not_found")
    names = [d["doc_name"] for d in client.get("/v1/documents").json()["documents"]]
    assert name not in names


# -- bad uploads ---------------------------------------------------------------------------

def _only_error(response, status, code):
    error = assert_error(response, status, code)
    assert [f["code"] for f in error["details"]["files"]] == [code]
    return error


def test_wrong_file_type_is_415(client):
    error = _only_error(upload(client, ("deck.pptx", b"PK\x03\x04 not really")), 415,
                        "unsupported_file_type")
    assert "deck.pptx" in error["message"] and ".pdf" in error["message"]
    _only_error(upload(client, ("README", b"no extension")), 415, "unsupported_file_type")


def test_too_large_is_413(client):
    error = _only_error(upload(client, ("Huge_call.txt", b"revenue " * 8000)), 413, "too_large")
    assert "max_file_mb" in error["message"]
    assert "0.05 MB" in error["message"]


def test_empty_file_is_400(client):
    error = _only_error(upload(client, ("Empty_call.txt", b"")), 400, "empty_document")
    assert "Empty_call.txt" in error["message"]


def test_too_many_files_is_413(client):
    files = [(f"Many_{i}.txt", b"Operator\nHello.\n") for i in range(MAX_FILES + 1)]
    error = assert_error(upload(client, *files), 413, "too_many_files")
    assert "server.max_upload_files" in error["message"]
    names = [d["doc_name"] for d in client.get("/v1/documents").json()["documents"]]
    assert not any(n.startswith("Many_") for n in names)


def test_all_files_refused_for_different_reasons_is_400(client):
    error = assert_error(upload(client, ("a.exe", b"MZ"), ("b.txt", b"")), 400, "bad_upload")
    assert [f["code"] for f in error["details"]["files"]] == ["unsupported_file_type",
                                                               "empty_document"]


def test_missing_files_field_is_422(client):
    error = assert_error(client.post("/v1/documents", data={"file": "x"}), 422, "invalid_request")
    assert error["details"][0]["where"] == "body.files"
    assert_error(client.post("/v1/documents"), 422, "invalid_request")


def test_json_instead_of_multipart_is_422(client):
    error = assert_error(client.post("/v1/documents", json={"files": ["a.pdf"]}), 422,
                         "invalid_request")
    assert "files" in error["message"]


def test_a_part_without_a_file_name_is_a_4xx(client):
    response = client.post("/v1/documents", files=[("files", ("", b"abc"))])
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    _only_error(upload(client, (".pdf", b"%PDF-1.4")), 400, "bad_name")


@pytest.mark.parametrize("filename", ["..pdf", "...pdf", "a<b.txt", "a\tb.txt", "a\x00b.txt",
                                      "a\x1bb.txt", " .txt", "a\u202eb.txt"])
def test_bad_document_names_are_refused_at_upload(client, service, filename):
    # Raw bytes in the header (httpx would percent-escape them).
    body = (b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\""
            + filename.encode() + b"\"\r\nContent-Type: text/plain\r\n\r\n"
            b"Margins rose 2% this year.\n\r\n--x--\r\n")
    response = client.post("/v1/documents", content=body,
                           headers={"Content-Type": "multipart/form-data; boundary=x"})
    error = _only_error(response, 400, "bad_name")
    assert "rename" in error["message"] and repr(filename)[1:-1] in error["message"]
    assert all(d.doc_name.strip(".") for d in service.documents())


@pytest.mark.parametrize("filename", ["../../Escape_call.txt", "..\\..\\Escape_call.txt",
                                      "/etc/Escape_call.txt"])
def test_path_traversal_in_the_file_name_stays_a_plain_name(client, service, filename):
    data = f"Operator\nTraversal test {filename!r}: margins rose 2%.\n".encode()
    response = client.post("/v1/documents", params={"replace": "true"},
                           files=[("files", (filename, data))])
    assert response.status_code == 202, response.text
    job = wait_for_job(client, response.json()["id"])
    [result] = job["files"]
    assert result["filename"] == "Escape_call.txt"
    assert result["status"] == "done", result
    assert result["doc_name"] == "Escape_call"
    doc = client.get("/v1/documents/Escape_call").json()
    assert doc["source_path"] == "Escape_call.txt"
    library = service.home.resolve()
    assert not (library.parent / "Escape_call.txt").exists()
    assert not (library.parent.parent / "Escape_call.txt").exists()
    stored = service.original_path("Escape_call").resolve()
    assert stored.is_relative_to(library)
    assert client.get("/v1/documents/Escape_call/file").content == data


def test_bad_files_fail_in_the_job_each_with_its_reason(client, tmp_path):
    encrypted = make_encrypted_pdf(tmp_path / "Locked.pdf", ["Secret revenue $1 million"])
    scanned = make_scanned_pdf(tmp_path / "Scanned.pdf")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = upload(client,
                      ("Corrupt.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage"),
                      ("Locked.pdf", encrypted.read_bytes()),
                      ("Scanned.pdf", scanned.read_bytes()))
    assert response.status_code == 202, response.text
    job = wait_for_job(client, response.json()["id"])
    codes = {f["filename"]: f["error_code"] for f in job["files"]}
    assert codes == {"Corrupt.pdf": "corrupt_document", "Locked.pdf": "encrypted_document",
                     "Scanned.pdf": "needs_ocr"}, job
    for f in job["files"]:
        assert f["status"] == "failed" and f["filename"] in f["error"]
    assert job["counts"] == {"failed": 3}
    mislabelled = wait_for_job(client, upload(client, ("Picture.pdf", png)).json()["id"])
    [result] = mislabelled["files"]
    assert result["status"] == "failed" and result["error_code"] == "corrupt_document"
    assert "not a PDF" in result["error"]
    names = {d["doc_name"] for d in client.get("/v1/documents").json()["documents"]}
    assert not names & {"Corrupt", "Locked", "Scanned", "Picture"}


def test_good_and_bad_files_in_one_upload_is_202_with_per_file_errors(client, pdf_bytes):
    good = pdf_bytes("Mixed_Q3_2024_10Q.pdf", ["Mixed Corp", "Operating margin was 12%."])
    response = upload(client, ("Mixed_Q3_2024_10Q.pdf", good), ("notes.docx", b"PK"),
                      ("Empty.txt", b""))
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert [f["status"] for f in accepted["files"]][1:] == ["failed", "failed"]
    job = wait_for_job(client, accepted["id"])
    assert [(f["status"], f["error_code"]) for f in job["files"]] == [
        ("done", None), ("failed", "unsupported_file_type"), ("failed", "empty_document")]
    assert job["counts"] == {"done": 1, "failed": 2}
    assert client.get("/v1/documents/Mixed_Q3_2024_10Q").status_code == 200


def test_unknown_job_is_404(client):
    assert_error(client.get("/v1/jobs/123-nope"), 404, "not_found")
    assert_error(client.get("/v1/jobs/" + "x" * 101), 422, "invalid_request")


def test_finished_jobs_are_forgotten_beyond_keep_jobs(tmp_path, embedder):
    service = make_service(tmp_path / "library", embedder, server__keep_jobs=2)
    try:
        with TestClient(create_app(service=service)) as c:
            ids = []
            for i in range(3):
                response = upload(c, (f"Kept_{i}.txt", f"Operator\nRevenue rose {i}%.\n".encode()))
                ids.append(response.json()["id"])
                wait_for_job(c, ids[-1])
            assert_error(c.get(f"/v1/jobs/{ids[0]}"), 404, "not_found")
            assert [c.get(f"/v1/jobs/{i}").status_code for i in ids[1:]] == [200, 200]
            assert len({i.split("-")[0] for i in ids}) == 3  # ids never repeat
    finally:
        service.close()
