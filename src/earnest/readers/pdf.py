"""PDF text per page with pypdfium2 (permissive licence, fast, keeps per-character boxes)."""

from __future__ import annotations

import re
import threading
import unicodedata

import pypdfium2 as pdfium

from earnest.errors import CorruptDocument, EncryptedDocument, NoTextLayer
from earnest.models import Page, ParsedDocument
from earnest.readers.pdf_streams import check_streams
from earnest.readers.text import too_much_text

# pdfium is not thread-safe, not even across different documents: every call into it, from
# the ingest worker or a page-image request, holds this lock.
PDFIUM_LOCK = threading.RLock()

# pdfium marks soft hyphens with \x02 and unmapped glyphs with \ufffe/\ufffd.
_CLEAN = str.maketrans({"\x02": "-", "\ufffe": "", "\x00": "", "\xa0": " "})
# Markup a transcript service left in the text it laid out ("<Sync id="L165"time="00:47:37"/>"):
# an XML tag with attributes or self-closing. Not text anyone said or wrote; a bare "<b>" or
# "</b>" is left alone (it could be printed text). A tag a page break cut in two leaves its
# head at the end of one page ("<Sync") and its attributes opening a line of the next
# ('id="L341"time="00:50:33"/>'): both go too.
MARKUP = re.compile(r'<[A-Za-z][\w:.-]*(?:(?:\s*[\w:.-]+\s*=\s*"[^"<>\n]*")+\s*/?|\s*/)>'
                    r'|(?m:^[ \t]*(?:[\w:.-]+\s*=\s*"[^"<>\n]*"\s*)+/?>)'
                    r'|<[A-Za-z][\w:.-]*(?:\s+[\w:.-]+\s*=\s*"[^"<>\n]*")*\s*\Z')
_MIN_TEXT_CHARS_PER_PAGE = 8
# Characters a font without a character map yields: controls, private use, unassigned.
_UNREADABLE = {"Cc", "Co", "Cn", "Cs"}


def normalize_page_text(raw: str) -> str:
    """The page text we store and quote. Offsets into it are what citations carry."""
    text = MARKUP.sub("", raw.replace("\r\n", "\n").replace("\r", "\n").translate(_CLEAN))
    return re.sub(r"[ \t]+\n", "\n", text).strip("\n")


class PdfReader:
    def read(self, data: bytes, name: str, *, max_chars: int = 5_000_000) -> ParsedDocument:
        head = data[:1024].lstrip()
        if not head.startswith(b"%PDF"):
            kind = "text" if _looks_textual(data[:4096]) else "binary data"
            raise CorruptDocument(f"not a PDF: the file holds {kind} without a PDF header",
                                  path=name)
        check_streams(data, name)
        with PDFIUM_LOCK:
            pages = _read_pages(data, name, max_chars)
        if not pages:
            raise CorruptDocument("the PDF has no pages", path=name)
        text_chars = sum(len(p.text.strip()) for p in pages)
        if text_chars < _MIN_TEXT_CHARS_PER_PAGE * len(pages) and text_chars < 200:
            raise NoTextLayer(
                f"no extractable text on its {len(pages)} page(s); it looks scanned: "
                "run OCR first (for example `ocrmypdf in.pdf out.pdf`) and ingest the result",
                path=name)
        _check_readable(pages, name)
        return ParsedDocument(pages=pages, file_type="pdf")


def _check_readable(pages: list[Page], name: str) -> None:
    """A text layer that is mostly glyphs without characters is no text to cite."""
    sample = "".join(p.text for p in pages[:200])[:200_000]
    sample = "".join(sample.split())
    if len(sample) < 200:
        return
    bad = sum(1 for ch in sample if unicodedata.category(ch) in _UNREADABLE)
    if bad * 2 > len(sample):
        raise NoTextLayer(
            f"the text layer is unreadable: {100 * bad // len(sample)}% of its characters are "
            "not letters, digits or punctuation (its fonts map glyphs to no characters); run "
            "OCR first (for example `ocrmypdf --force-ocr in.pdf out.pdf`) and ingest the "
            "result", path=name)


def _read_pages(data: bytes, name: str, max_chars: int) -> list[Page]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg or "security" in msg:
            raise EncryptedDocument(
                "the PDF is encrypted with a password; save an unlocked copy and retry",
                path=name) from exc
        raise CorruptDocument(f"corrupt or truncated PDF ({exc})", path=name) from exc
    pages: list[Page] = []
    chars = 0
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(Page(index + 1, normalize_page_text(textpage.get_text_range())))
            textpage.close()
            page.close()
            chars += len(pages[-1].text)
            if chars > max_chars:
                raise too_much_text(max_chars, name, f" (by page {index + 1})")
    except pdfium.PdfiumError as exc:
        raise CorruptDocument(f"cannot read page {len(pages) + 1}: {exc}", path=name) from exc
    finally:
        pdf.close()
    return pages


def _looks_textual(sample: bytes) -> bool:
    if not sample:
        return False
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    return printable / len(sample) > 0.95
