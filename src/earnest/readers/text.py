"""Plain text and Markdown: encoding detection, pages split on form feeds."""

from __future__ import annotations

import codecs

from earnest.errors import CorruptDocument, EmptyDocument, TooLarge
from earnest.models import Page, ParsedDocument

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16")]


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes to text, returning (text, encoding). Raises for binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM has a NUL in every other byte of ASCII text.
        sample = data[:4096]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) * 0.4 and even == 0:
            return _strict(data, "utf-16-le", name), "utf-16-le"
        if even > len(sample) * 0.4 and odd == 0:
            return _strict(data, "utf-16-be", name), "utf-16-be"
        raise CorruptDocument("binary data, not text (NUL bytes found)", path=name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise CorruptDocument("cannot detect the text encoding; save it as UTF-8", path=name)
    return str(best), best.encoding


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise CorruptDocument(f"invalid {encoding} text ({exc.reason})", path=name) from exc


def too_much_text(max_chars: int, name: str, where: str = "") -> TooLarge:
    return TooLarge(f"the text{where} is over the {max_chars:,}-character limit "
                    "(max_document_chars); split the document, or raise the limit if the "
                    "machine has the memory (about 80 MB per million characters)", path=name)


class TextReader:
    def __init__(self, file_type: str = "txt") -> None:
        self.file_type = file_type

    def read(self, data: bytes, name: str, *, max_chars: int = 5_000_000) -> ParsedDocument:
        if len(data) > 4 * max_chars:  # no encoding packs a character in fewer bytes
            raise too_much_text(max_chars, name)
        text, encoding = decode_text(data, name)
        if len(text) > max_chars:
            raise too_much_text(max_chars, name)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\f")
        if controls > max(10, len(text[:20000]) // 100):
            raise CorruptDocument("binary data, not text (control characters)", path=name)
        if not text.strip():
            raise EmptyDocument("the file holds no text (only white space)", path=name)
        pages = [Page(i + 1, part.strip("\n")) for i, part in enumerate(text.split("\f"))]
        pages = [p for p in pages if p.text.strip()] or pages[:1]
        # Blank pages (a trailing form feed) are dropped; the others keep their numbers.
        note = None if encoding.startswith(("utf-", "ascii")) else (
            f"not valid UTF-8: decoded as {encoding}, which is a guess; check the text, or "
            "save the file as UTF-8 and ingest it again")
        return ParsedDocument(pages=pages, file_type=self.file_type, encoding=encoding,
                              note=note)
