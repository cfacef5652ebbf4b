"""Make real PDF files for tests (reportlab), including the bad kinds users will drop in."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    c = canvas.Canvas(str(path), pagesize=letter)
    for lines in pages:
        y = 720
        for line in lines:
            c.setFont("Helvetica", 11)
            c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with only drawings, no text layer: what a scanner without OCR produces."""
    c = canvas.Canvas(str(path), pagesize=letter)
    for _ in range(pages):
        c.rect(72, 300, 400, 300, fill=1)
        c.showPage()
    c.save()
    return path


def make_encrypted_pdf(path: Path, lines: list[str]) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_suffix(".plain.pdf"), [lines])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path
