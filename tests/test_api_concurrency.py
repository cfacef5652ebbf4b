"""Many requests at once on a real server: page images rendered in parallel while a PDF is
ingested (pdfium is not thread-safe; it once crashed the process), and asks beside them."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from earnest.api import create_app

from .api_helpers import RELEASE, WHY_QUESTION, live_server, sample_service, wait_for_job
from .pdfs import make_pdf


def test_parallel_page_images_and_asks_during_an_ingest(tmp_path, embedder) -> None:
    service = sample_service(tmp_path / "lib", embedder)
    big = make_pdf(tmp_path / "BIG_2023_10K.pdf", [
        [f"Big Corp annual report page {n}", f"Net sales were ${n},000 million in segment {n}.",
         "Property, plant and equipment, net 4,321 4,123"] for n in range(1, 41)])
    with live_server(create_app(service=service)) as url, httpx.Client(base_url=url,
                                                                        timeout=120) as client:
        job = client.post("/v1/documents",
                          files=[("files", (big.name, big.read_bytes()))]).json()

        busy = []

        def image(i: int) -> tuple[int, bytes]:
            # Beyond server.max_renders at once: 503 with Retry-After, which a client honours.
            while True:
                r = client.get(f"/v1/documents/{RELEASE}/pages/{1 + i % 2}/image",
                               params={"quote": "Revenue was $412.6 million", "scale": 1})
                if r.status_code != 503:
                    return r.status_code, r.content[:8]
                assert r.json()["error"]["code"] == "busy"
                busy.append(i)
                time.sleep(float(r.headers["retry-after"]))

        def highlights(i: int) -> int:
            return client.get(f"/v1/documents/{RELEASE}/pages/1/highlights",
                              params={"quote": "Revenue was $412.6 million"}).status_code

        def ask(i: int) -> str:
            return client.post("/v1/ask", json={"question": WHY_QUESTION}).json()["status"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            images = list(pool.map(image, range(24)))
            boxes = list(pool.map(highlights, range(16)))
            asks = list(pool.map(ask, range(6)))
        assert all(status == 200 and head == b"\x89PNG\r\n\x1a\n" for status, head in images)
        print(f"{len(busy)} renders were asked to retry")
        assert boxes == [200] * 16 and asks == ["answered"] * 6
        done = wait_for_job(client, job["id"])
        assert done["files"][0]["status"] == "done", done
        assert client.get("/readyz").status_code == 200  # the server is still whole
