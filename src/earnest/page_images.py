"""Page images for the evidence viewer: a PDF page rendered to PNG, with the quoted words
highlighted where they are printed.

Citations carry offsets into the *stored* page text, which is pdfium's text normalised
(``readers.pdf.normalize_page_text``). To find the printed words we redo that normalisation
while remembering where each character came from, then ask pdfium for those characters' boxes.
"""

from __future__ import annotations

import ctypes
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from earnest.errors import DocumentError, InputError, NotFound
from earnest.readers.pdf import _CLEAN, MARKUP, PDFIUM_LOCK

HIGHLIGHT = (255, 214, 0, 110)  # translucent yellow over the page
# Largest image rendered: a US Letter page at scale 4 is 7.8 million pixels, A4 8.0; a PDF page
# can claim to be 200 inches wide (14,400 points: 830 million pixels at scale 4), so the scale
# is lowered to keep any page within this (render and PNG time grow with the pixels).
MAX_PIXELS = 8_500_000
OUTLINE = (214, 120, 0, 255)


@dataclass(slots=True)
class Box:
    """A highlighted line of the quote, as fractions of the page (0..1, origin top left)."""

    left: float
    top: float
    right: float
    bottom: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(getattr(self, k), 5) for k in ("left", "top", "right", "bottom")}


@dataclass(slots=True)
class PageImage:
    png: bytes
    width: int
    height: int
    boxes: list[Box]


def normalize_with_positions(raw: str) -> tuple[str, list[int]]:
    """``normalize_page_text(raw)`` plus, for each output character, its index in ``raw``
    (which is pdfium's character index on the page)."""
    chars: list[str] = []
    where: list[int] = []
    for i, c in enumerate(raw):
        if c == "\r":
            if i + 1 < len(raw) and raw[i + 1] == "\n":
                continue  # \r\n -> \n (the \n keeps its own index)
            c = "\n"
        for out in c.translate(_CLEAN):
            chars.append(out)
            where.append(i)
    keep = [True] * len(chars)
    for m in MARKUP.finditer("".join(chars)):
        keep[m.start():m.end()] = [False] * (m.end() - m.start())
    chars = [c for c, k in zip(chars, keep) if k]
    where = [w for w, k in zip(where, keep) if k]
    # Drop spaces and tabs before a line break, then line breaks at both ends.
    keep = [True] * len(chars)
    trailing = False
    for j in range(len(chars) - 1, -1, -1):
        if chars[j] == "\n":
            trailing = True
        elif chars[j] in " \t" and trailing:
            keep[j] = False
        else:
            trailing = False
    chars = [c for c, k in zip(chars, keep) if k]
    where = [w for w, k in zip(where, keep) if k]
    start, end = 0, len(chars)
    while start < end and chars[start] == "\n":
        start += 1
    while end > start and chars[end - 1] == "\n":
        end -= 1
    return "".join(chars[start:end]), where[start:end]


def locate(text: str, quote: str | None, start: int | None,
           end: int | None) -> tuple[int, int] | None:
    """The span of ``text`` to highlight: the given offsets when they hold the quote (or no
    quote is given), else the quote found with any white space between its words."""
    if start is not None and end is not None and 0 <= start < end <= len(text):
        if not quote or _fold(text[start:end]) == _fold(quote):
            return start, end
    if quote and quote.split():
        pattern = r"\s+".join(re.escape(word) for word in quote.split())
        m = re.search(pattern, text)
        if m:
            return m.start(), m.end()
    return None


def _fold(text: str) -> str:
    return " ".join(text.split())


def _line_boxes(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage,
                indices: list[int]) -> list[Box]:
    """Character boxes merged into one box per printed line."""
    lines: list[list[float]] = []  # [left, bottom, right, top] in PDF points
    for index in indices:
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        if right - left <= 0 or top - bottom <= 0:
            continue  # generated spaces and line breaks have no box
        if lines:
            cur = lines[-1]
            overlap = min(cur[3], top) - max(cur[1], bottom)
            if overlap > 0.5 * min(cur[3] - cur[1], top - bottom) and left >= cur[0] - 2:
                cur[0], cur[1] = min(cur[0], left), min(cur[1], bottom)
                cur[2], cur[3] = max(cur[2], right), max(cur[3], top)
                continue
        lines.append([left, bottom, right, top])
    return [_on_display(page, *b) for b in lines]


_UNIT = 1_000_000  # device size for pdfium's page-to-device mapping: fractions in millionths


def _on_display(page: pdfium.PdfPage, left: float, bottom: float, right: float,
                top: float) -> Box:
    """A box in PDF page space as fractions of the page as displayed and rendered: pdfium
    applies the page's /Rotate and its crop box origin, as it does when rendering."""
    xs, ys = [], []
    for x, y in ((left, bottom), (right, top)):
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, _UNIT, _UNIT, 0, x, y, ctypes.byref(dx),
                                   ctypes.byref(dy))
        xs.append(dx.value / _UNIT)
        ys.append(dy.value / _UNIT)

    def clamp(v: float) -> float:
        return min(1.0, max(0.0, v))

    return Box(left=clamp(min(xs)), top=clamp(min(ys)), right=clamp(max(xs)),
               bottom=clamp(max(ys)))


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"cannot open the stored original ({exc})", path=str(path)) from exc


def _page(pdf: pdfium.PdfDocument, page_number: int) -> pdfium.PdfPage:
    if not 1 <= page_number <= len(pdf):
        raise NotFound(f"the document has pages 1 to {len(pdf)}, not {page_number}")
    return pdf[page_number - 1]


def _boxes(page: pdfium.PdfPage, quote: str | None, start: int | None,
           end: int | None) -> list[Box]:
    if not quote and (start is None or end is None):
        return []
    textpage = page.get_textpage()
    try:
        text, where = normalize_with_positions(textpage.get_text_range())
        span = locate(text, quote, start, end)
        boxes = _line_boxes(page, textpage, where[span[0]:span[1]]) if span else []
        # A box squeezed to nothing by the page's edges is not drawn.
        return [b for b in boxes if b.right > b.left and b.bottom > b.top]
    finally:
        textpage.close()


def find_highlights(path: Path, page_number: int, *, quote: str | None = None,
                    start: int | None = None, end: int | None = None) -> list[Box]:
    """Where the quote (or the stored-text span start..end) is printed on the page."""
    with PDFIUM_LOCK:
        pdf = _open(path)
        try:
            page = _page(pdf, page_number)
            boxes = _boxes(page, quote, start, end)
            page.close()
            return boxes
        finally:
            pdf.close()


def render_page(path: Path, page_number: int, *, scale: float = 1.5,
                quote: str | None = None, start: int | None = None,
                end: int | None = None) -> PageImage:
    """Render one page (1-based) of a stored PDF; highlight the quote if one is asked for."""
    if not 0.2 <= scale <= 4:
        raise InputError(f"scale must be between 0.2 and 4, got {scale}")
    with PDFIUM_LOCK:
        pdf = _open(path)
        try:
            page = _page(pdf, page_number)
            boxes = _boxes(page, quote, start, end)
            width, height = page.get_size()
            if width * height * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (width * height)) ** 0.5 * 0.998  # pixels round up
            bitmap = page.render(scale=scale)
            image = bitmap.to_pil().convert("RGBA")  # a copy: the bitmap is freed here
            bitmap.close()
            page.close()
        finally:
            pdf.close()
    if boxes:
        image = _draw(image, boxes)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=3)  # 6 takes twice as long
    return PageImage(png=buffer.getvalue(), width=image.width, height=image.height,
                     boxes=boxes)


def _draw(image, boxes: list[Box]):
    from PIL import Image, ImageDraw

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    w, h = image.size
    for box in boxes:
        rect = (box.left * w - 2, box.top * h - 2, box.right * w + 2, box.bottom * h + 2)
        draw.rectangle(rect, fill=HIGHLIGHT, outline=OUTLINE, width=2)
    return Image.alpha_composite(image, overlay)


__all__ = ["Box", "PageImage", "find_highlights", "locate", "normalize_with_positions",
           "render_page"]
