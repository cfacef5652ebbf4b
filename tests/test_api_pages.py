"""Pages over HTTP: stored text with a quote's span, PDF pages rendered to PNG with the quote
highlighted, and the highlight boxes as JSON. Quotes come from real answers' citations."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageStat

from earnest.api import create_app

from .api_helpers import CALL, RELEASE, WHY_QUESTION, assert_error, sample_service
from .pdfs import make_pdf

PNG = b"\x89PNG\r\n\x1a\n"


ROTATED = "Rotated_FY2023_10K"
QUOTE = "Revenue was $412.6 million"


@pytest.fixture(scope="module")
def client(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("api-pages")
    service = sample_service(root / "library", embedder)
    odd = _odd_pages_pdf(root / f"{ROTATED}.pdf")
    big = make_pdf_sized(root / "Poster_FY2023_10K.pdf", (14400, 14400), ["Poster revenue."])
    report = service.ingest([odd, big])
    assert [f.status for f in report.files] == ["ingested", "ingested"], report.to_dict()
    with TestClient(create_app(service=service)) as c:
        yield c
    service.close()


def _odd_pages_pdf(path):
    """Pages turned by /Rotate 0, 90, 180, 270, and one with a crop box off the origin."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import RectangleObject

    plain = make_pdf(path.with_suffix(".plain.pdf"), [
        [f"Rotated Corp annual report, page {n}", f"{QUOTE} in fiscal 2023.",
         "Other words follow on the next line."] for n in range(1, 6)])
    writer = PdfWriter()
    for n, page in enumerate(PdfReader(str(plain)).pages):
        if n < 4:
            page.rotate(90 * n)
        else:
            page.cropbox = RectangleObject([50, 300, 500, 760])
        writer.add_page(page)
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path


def make_pdf_sized(path, size, lines):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=size)
    for i, line in enumerate(lines):
        c.drawString(72, size[1] - 72 - 16 * i, line)
    c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def pdf_citation(client):
    """A citation of the sample PDF from a real answer."""
    answer = client.post("/v1/ask", json={"question": WHY_QUESTION,
                                          "filters": {"doc_names": [RELEASE]}}).json()
    cited = [c for c in answer["citations"] if c["doc_name"] == RELEASE]
    assert cited, answer
    return cited[0]


def _page(c: dict) -> str:
    return f"/v1/documents/{c['doc_name']}/pages/{c['page']}"


def test_page_text_with_the_quote_span(client, pdf_citation):
    c = pdf_citation
    body = client.get(_page(c), params={"quote": c["quote"], "start": c["char_start"],
                                        "end": c["char_end"]}).json()
    assert body["doc_name"] == RELEASE and body["page"] == c["page"]
    assert body["page_count"] == 2 and body["file_type"] == "pdf"
    assert body["highlight"] == [c["char_start"], c["char_end"]]
    start, end = body["highlight"]
    assert body["text"][start:end] == c["quote"]


def test_page_text_finds_a_quote_without_offsets_across_white_space(client, pdf_citation):
    c = pdf_citation
    loose = "  ".join(c["quote"].split())  # other white space than the page has
    body = client.get(_page(c), params={"quote": loose}).json()
    start, end = body["highlight"]
    assert " ".join(body["text"][start:end].split()) == " ".join(c["quote"].split())


def test_page_text_without_or_with_an_absent_quote_has_no_highlight(client):
    url = f"/v1/documents/{CALL}/pages/1"
    plain = client.get(url).json()
    assert plain["highlight"] is None and plain["file_type"] == "txt"
    assert "Northwind" in plain["text"]
    assert client.get(url, params={"quote": "words that are not on the page"}).json()[
        "highlight"] is None
    # offsets that do not hold the quote lose to the quote's own place
    found = client.get(url, params={"quote": "Book-to-bill was 1.08", "start": 0, "end": 5}).json()
    start, end = found["highlight"]
    assert found["text"][start:end] == "Book-to-bill was 1.08"


def test_page_image_is_a_png_with_the_cited_quote_highlighted(client, pdf_citation):
    c = pdf_citation
    response = client.get(_page(c) + "/image", params={"quote": c["quote"],
                                                       "start": c["char_start"],
                                                       "end": c["char_end"]})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG)
    assert int(response.headers["x-earnest-highlights"]) >= 1
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.width > 0
    # the highlight is drawn: the highlighted page differs from the plain one
    plain = client.get(_page(c) + "/image")
    assert plain.headers["x-earnest-highlights"] == "0"
    assert plain.content != response.content


def test_page_image_scale_changes_the_size(client):
    url = f"/v1/documents/{RELEASE}/pages/1/image"
    small = Image.open(io.BytesIO(client.get(url, params={"scale": 0.5}).content))
    large = Image.open(io.BytesIO(client.get(url, params={"scale": 2}).content))
    assert large.width == pytest.approx(4 * small.width, rel=0.02)
    # US Letter at 72 dpi * scale
    assert small.size == pytest.approx((306, 396), abs=2)


def test_highlight_boxes_as_json(client, pdf_citation):
    c = pdf_citation
    body = client.get(_page(c) + "/highlights", params={"quote": c["quote"]}).json()
    assert body["found"] is True and body["doc_name"] == RELEASE and body["page"] == c["page"]
    assert body["boxes"]
    for box in body["boxes"]:
        assert 0 <= box["left"] < box["right"] <= 1
        assert 0 <= box["top"] < box["bottom"] <= 1
    by_offsets = client.get(_page(c) + "/highlights",
                            params={"start": c["char_start"], "end": c["char_end"]}).json()
    assert by_offsets["boxes"] == body["boxes"]
    absent = client.get(_page(c) + "/highlights", params={"quote": "not printed anywhere"})
    assert absent.json() == {"doc_name": RELEASE, "page": c["page"], "boxes": [],
                             "found": False}


def test_a_text_document_has_no_page_image(client):
    for suffix in ("/image", "/highlights"):
        error = assert_error(client.get(f"/v1/documents/{CALL}/pages/1{suffix}"), 409,
                             "no_page_image")
        assert CALL in error["message"]


@pytest.mark.parametrize("suffix", ["", "/image", "/highlights"])
def test_a_page_out_of_range_is_404(client, suffix):
    error = assert_error(client.get(f"/v1/documents/{RELEASE}/pages/3{suffix}"), 404,
                         "not_found")
    assert "3" in error["message"]
    assert_error(client.get(f"/v1/documents/No_such_doc/pages/1{suffix}"), 404, "not_found")


@pytest.mark.parametrize("suffix", ["", "/image", "/highlights"])
@pytest.mark.parametrize("page", ["0", "-1", "one", "1.5", "100001"])
def test_a_malformed_page_number_is_422(client, suffix, page):
    assert_error(client.get(f"/v1/documents/{RELEASE}/pages/{page}{suffix}"), 422,
                 "invalid_request")


@pytest.mark.parametrize("scale", ["0", "0.1", "4.5", "-1", "big", "nan", "inf"])
def test_a_bad_scale_is_422(client, scale):
    error = assert_error(client.get(f"/v1/documents/{RELEASE}/pages/1/image",
                                    params={"scale": scale}), 422, "invalid_request")
    assert error["details"][0]["where"] == "query.scale"


@pytest.mark.parametrize("params", [{"start": -1}, {"end": "x"}, {"quote": "q" * 5001},
                                    {"start": 10_000_001}])
def test_bad_highlight_parameters_are_422(client, params):
    for suffix in ("", "/image", "/highlights"):
        assert_error(client.get(f"/v1/documents/{RELEASE}/pages/1{suffix}", params=params),
                     422, "invalid_request")


@pytest.mark.parametrize("params", [{"start": 50, "end": 10}, {"start": 0, "end": 10**6},
                                    {"quote": "   "}, {"start": 5}, {"end": 5},
                                    {"quote": "Revenue", "start": 10**6, "end": 10**6 + 5}])
def test_odd_but_valid_highlight_parameters_are_answered(client, params):
    for suffix in ("", "/image", "/highlights"):
        response = client.get(f"/v1/documents/{RELEASE}/pages/1{suffix}", params=params)
        assert response.status_code == 200, (suffix, params, response.text)


def test_the_highlight_is_drawn_over_the_quoted_words(client, pdf_citation):
    c = pdf_citation
    boxes = client.get(_page(c) + "/highlights", params={"quote": c["quote"]}).json()["boxes"]
    marked = Image.open(io.BytesIO(client.get(_page(c) + "/image", params={
        "quote": c["quote"], "scale": 1}).content)).convert("RGB")
    plain = Image.open(io.BytesIO(client.get(_page(c) + "/image", params={"scale": 1}).content)
                       ).convert("RGB")
    w, h = marked.size
    for box in boxes:
        area = (int(box["left"] * w), int(box["top"] * h), int(box["right"] * w),
                int(box["bottom"] * h))
        before, after = plain.crop(area), marked.crop(area)
        # the plain page has dark glyphs there (the quoted words are printed in the box) ...
        assert ImageStat.Stat(before.convert("L")).extrema[0][0] < 100
        # ... and the highlighted one is tinted yellow: blue drops, red stays
        (r0, _, b0), (r1, _, b1) = ImageStat.Stat(before).mean, ImageStat.Stat(after).mean
        assert b1 < b0 - 20 and r1 > r0 - 20


def test_stored_pdf_text_and_highlight_positions_agree(client, tmp_path):
    """Highlights redo the reader's text normalisation with positions: both must give the
    same text, or every box would be shifted."""
    import pypdfium2 as pdfium

    from earnest.page_images import normalize_with_positions

    path = tmp_path / "release.pdf"
    path.write_bytes(client.get(f"/v1/documents/{RELEASE}/file").content)
    pdf = pdfium.PdfDocument(str(path))
    try:
        for number in range(1, len(pdf) + 1):
            textpage = pdf[number - 1].get_textpage()
            text, where = normalize_with_positions(textpage.get_text_range())
            stored = client.get(f"/v1/documents/{RELEASE}/pages/{number}").json()["text"]
            assert text == stored
            assert len(where) == len(text) and where == sorted(where)
    finally:
        pdf.close()


@pytest.mark.parametrize("page", [1, 2, 3, 4, 5])
def test_highlights_land_on_the_words_of_turned_and_cropped_pages(client, page):
    url = f"/v1/documents/{ROTATED}/pages/{page}"
    boxes = client.get(url + "/highlights", params={"quote": QUOTE}).json()["boxes"]
    assert len(boxes) == 1
    marked = client.get(url + "/image", params={"quote": QUOTE, "scale": 1})
    assert marked.status_code == 200, marked.text
    assert marked.headers["x-earnest-highlights"] == "1"
    plain = Image.open(io.BytesIO(client.get(url + "/image", params={"scale": 1}).content))
    w, h = plain.size
    assert (w > h) == (page in (2, 4))  # turned a quarter: landscape
    box = boxes[0]
    area = plain.convert("L").crop((int(box["left"] * w), int(box["top"] * h),
                                    int(box["right"] * w), int(box["bottom"] * h)))
    # the box holds the printed quote: dark glyphs, and about as much ink as upright text
    assert ImageStat.Stat(area).extrema[0][0] < 100
    assert 150 < ImageStat.Stat(area).mean[0] < 240
    long_side = max(area.size) / max(w, h)
    assert 0.15 < long_side < 0.4  # one line of ~26 characters, not the page


def test_a_huge_page_is_rendered_at_a_bounded_size(client):
    response = client.get("/v1/documents/Poster_FY2023_10K/pages/1/image",
                          params={"scale": 4, "quote": "Poster revenue."})
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    assert image.width * image.height <= 16_000_000
    assert image.width == image.height
    assert response.headers["x-earnest-highlights"] == "1"


def test_a_huge_page_costs_a_bounded_render(client):
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF)
    response = client.get("/v1/documents/Poster_FY2023_10K/pages/1/image", params={"scale": 4})
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    assert image.width * image.height <= 8_500_000  # about US Letter at scale 4
    assert after.ru_utime - before.ru_utime < 4.0


def test_renders_beyond_the_concurrency_cap_get_503_with_retry_after(client):
    renders = client.app.state.renders
    held = 0
    while renders.acquire(blocking=False):  # what in-flight renders would hold
        held += 1
    try:
        response = client.get(f"/v1/documents/{RELEASE}/pages/1/image")
        error = assert_error(response, 503, "busy")
        assert response.headers["retry-after"] == "1" and "server.max_renders" in error["message"]
    finally:
        for _ in range(held):
            renders.release()
    assert held == 2  # the default server.max_renders
    assert client.get(f"/v1/documents/{RELEASE}/pages/1/image").status_code == 200
