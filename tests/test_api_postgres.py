"""The HTTP API over a PostgreSQL library, on a real uvicorn: uploads ingested by the job
thread while questions are asked in parallel through the connection pool."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from earnest import Earnest, Settings
from earnest.api import create_app
from earnest.store.postgres import PostgresStore

from .api_helpers import CALL, RELEASE, SAMPLES, WHY_QUESTION, live_server, wait_for_job
from .pdfs import make_pdf


def test_upload_ask_correct_remove_on_postgres(tmp_path, embedder, pg_url) -> None:
    service = Earnest(Settings.load(tmp_path / "lib", env={}, store__url=pg_url),
                      embedder=embedder)
    assert isinstance(service.store, PostgresStore)
    big = make_pdf(tmp_path / "BIG_2023_10K.pdf", [
        [f"Big Corp annual report page {n}", f"Net sales were ${n},000 million in segment {n}.",
         "Property, plant and equipment, net 4,321 4,123"] for n in range(1, 21)])
    try:
        with live_server(create_app(service=service)) as url, httpx.Client(
                base_url=url, timeout=120) as client:
            files = [("files", (p.name, p.read_bytes())) for p in sorted(SAMPLES.iterdir())]
            job = client.post("/v1/documents", files=files).json()
            assert [f["status"] for f in wait_for_job(client, job["id"])["files"]] == [
                "done", "done"]
            big_job = client.post("/v1/documents",
                                  files=[("files", (big.name, big.read_bytes()))]).json()

            def ask(i: int) -> tuple[str, list]:
                body = client.post("/v1/ask", json={"question": WHY_QUESTION}).json()
                return body["status"], [(c["doc_name"], c["page"]) for c in body["citations"]]
            with ThreadPoolExecutor(max_workers=6) as pool:
                answers = list(pool.map(ask, range(12)))
            assert {a[0] for a in answers} == {"answered"}
            assert any(doc in (CALL, RELEASE) for doc, _ in answers[0][1])
            assert wait_for_job(client, big_job["id"])["files"][0]["status"] == "done"
            assert ask(0)[0] == "answered"

            docs = client.get("/v1/documents").json()["documents"]
            assert sorted(d["doc_name"] for d in docs) == sorted([CALL, RELEASE, "BIG_2023_10K"])
            assert client.get(f"/v1/documents/{RELEASE}/pages/1").status_code == 200
            image = client.get(f"/v1/documents/{RELEASE}/pages/1/image")
            assert image.status_code == 200 and image.content[:4] == b"\x89PNG"
            fixed = client.patch(f"/v1/documents/{CALL}", json={"ticker": "NWN"}).json()
            assert fixed["metadata"]["ticker"] == "NWN"
            assert client.delete("/v1/documents/BIG_2023_10K").status_code == 204
            assert client.get("/readyz").json()["documents"] == 2
    finally:
        service.close()
