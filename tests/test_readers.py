from pathlib import Path

import pytest

from earnest.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    NoTextLayer,
    UnsupportedFileType,
)
from earnest.readers import read_document

from .pdfs import make_encrypted_pdf, make_pdf, make_scanned_pdf


def test_pdf_text_per_page(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "a.pdf", [["Revenue was $10.5 million."], ["Second page text."]])
    doc = read_document(path.read_bytes(), path.name)
    assert doc.file_type == "pdf"
    assert [p.number for p in doc.pages] == [1, 2]
    assert "Revenue was $10.5 million." in doc.pages[0].text
    assert "Second page text." in doc.pages[1].text
    assert "\r" not in doc.pages[0].text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_text_encodings(tmp_path: Path, encoding: str) -> None:
    text = "Caf\u00e9 revenue rose 5% \u2013 the \u201cbest\u201d quarter.\nSecond line."
    doc = read_document(text.encode(encoding), "notes.txt")
    assert doc.pages[0].text == text


def test_form_feed_splits_pages_and_markdown_is_text() -> None:
    doc = read_document(b"# Title\npage one\f page two", "notes.md")
    assert doc.file_type == "md"
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.pages[1].text.strip() == "page two"


def test_zero_byte_file() -> None:
    with pytest.raises(EmptyDocument, match="empty.pdf: the file is empty"):
        read_document(b"", "empty.pdf")


def test_whitespace_only_text() -> None:
    with pytest.raises(EmptyDocument, match="blank.txt"):
        read_document(b"  \n\n  ", "blank.txt")


def test_truncated_pdf(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "t.pdf", [["hello world " * 20]] * 3).read_bytes()
    with pytest.raises(CorruptDocument, match="cut.pdf: corrupt or truncated PDF"):
        read_document(data[: len(data) // 3], "cut.pdf")


def test_garbage_after_pdf_header() -> None:
    with pytest.raises(CorruptDocument, match="bad.pdf"):
        read_document(b"%PDF-1.7\n" + bytes(range(256)) * 10, "bad.pdf")


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = make_encrypted_pdf(tmp_path / "locked.pdf", ["secret numbers 1,234"])
    with pytest.raises(EncryptedDocument, match="locked.pdf: the PDF is encrypted"):
        read_document(path.read_bytes(), path.name)


def test_scanned_pdf_says_ocr_is_needed(tmp_path: Path) -> None:
    path = make_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(NoTextLayer, match="scan.pdf: no extractable text.*OCR"):
        read_document(path.read_bytes(), path.name)


def test_binary_named_pdf() -> None:
    with pytest.raises(CorruptDocument, match="photo.pdf: not a PDF"):
        read_document(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "photo.pdf")


def test_text_named_pdf() -> None:
    with pytest.raises(CorruptDocument, match="holds text"):
        read_document(b"just some words, not a pdf at all\n" * 5, "notes.pdf")


def test_binary_named_txt() -> None:
    with pytest.raises(CorruptDocument, match="data.txt: binary data"):
        read_document(bytes(range(256)) * 8, "data.txt")


def test_unsupported_extension() -> None:
    with pytest.raises(UnsupportedFileType, match="sheet.xlsx: unsupported file type .xlsx"):
        read_document(b"PK\x03\x04", "sheet.xlsx")


def test_a_compression_bomb_is_refused_as_one_before_it_inflates() -> None:
    import resource

    from earnest.errors import TooLarge

    from .hostile import bomb_pdf

    data = bomb_pdf(256)  # 256 KB inflating to 256 MB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(TooLarge) as info:
        read_document(data, "bomb.pdf")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, grown_mb
    message = str(info.value)
    assert message.startswith("bomb.pdf: ") and "compression bomb" in message
    assert "scanned" not in message


def test_a_text_layer_of_garbage_glyphs_needs_ocr() -> None:
    from earnest.errors import NoTextLayer

    from .hostile import garbage_glyph_pdf

    with pytest.raises(NoTextLayer, match="glyphs.pdf: .*not letters"):
        read_document(garbage_glyph_pdf(), "glyphs.pdf")


@pytest.mark.parametrize("name, data", [
    ("long.txt", b"Revenue rose 5% in the quarter.\n" * 4000),
    ("long.pdf", None)])
def test_text_over_the_character_limit_is_refused_early(name, data) -> None:
    from earnest.errors import TooLarge

    from .hostile import many_pages_pdf

    data = data or many_pages_pdf(300)
    with pytest.raises(TooLarge, match=f"{name}: .*over the 10,000-character limit"):
        read_document(data, name, max_chars=10_000)
    assert read_document(data, name, max_chars=10**7).pages


def test_transcript_markup_is_not_text(tmp_path: Path) -> None:
    """A transcript service's sync tags printed in a PDF are neither quoted nor highlighted
    out of place: the stored text and the highlighter's positions both leave them out."""
    import pypdfium2 as pdfium

    from earnest.page_images import normalize_with_positions

    lines = ['<Sync id="L165"/>Your first question comes from Simona.',
             'Margins rose. <Sync id="L326"time="00:47:37"/>Let me start with services.',
             "Revenue grew <5% a<b> year."]
    path = make_pdf(tmp_path / "call.pdf", [lines])
    text = read_document(path.read_bytes(), path.name).pages[0].text
    assert "Sync" not in text
    assert "Your first question comes from Simona." in text
    assert "Margins rose. Let me start with services." in text
    assert "Revenue grew <5% a<b> year." in text  # not markup: kept
    pdf = pdfium.PdfDocument(str(path))
    try:
        raw = pdf[0].get_textpage().get_text_range()
        shown, where = normalize_with_positions(raw)
        assert shown == text
        assert "".join(raw[i] for i in where) == text
    finally:
        pdf.close()


def test_a_tag_a_page_break_cut_in_two_is_not_text(tmp_path: Path) -> None:
    """The tag's head ends one page, its attributes open a line of the next."""
    import pypdfium2 as pdfium

    from earnest.page_images import normalize_with_positions

    path = make_pdf(tmp_path / "call.pdf", [
        ["Thank you. We grew in every region. <Sync"],
        ["Q2 2017 Example Corp Earnings Call",
         'id="L341"time="00:50:33"/>Last quarter, I said margins would rise.']])
    pages = read_document(path.read_bytes(), path.name).pages
    assert pages[0].text.rstrip() == "Thank you. We grew in every region."
    assert pages[1].text == ("Q2 2017 Example Corp Earnings Call\n"
                             "Last quarter, I said margins would rise.")
    pdf = pdfium.PdfDocument(str(path))
    try:
        for index, page in enumerate(pages):
            raw = pdf[index].get_textpage().get_text_range()
            shown, where = normalize_with_positions(raw)
            assert shown == page.text
            assert "".join(raw[i] for i in where) == page.text
    finally:
        pdf.close()
