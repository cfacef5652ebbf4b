"""Make hostile and strange input files for tests/test_hostile_inputs.py: nothing binary is
committed, every file is generated here (raw PDF bytes, reportlab, pypdf)."""

from __future__ import annotations

import random
import struct
import zlib

from .pdfs import make_encrypted_pdf, make_pdf, make_scanned_pdf

__all__ = ["make_encrypted_pdf", "make_pdf", "make_scanned_pdf"]


def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from object bodies (object n is objects[n - 1]) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += (b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, root, xref))
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return (b"<< /Length %d %s>>\nstream\n" % (len(data), extra)) + data + b"\nendstream"


def pdf_with_content(contents: list[bytes], *, compress: bool = False,
                     size: tuple[int, int] = (612, 792)) -> bytes:
    """One page per content stream, Helvetica as /F1."""
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, content in enumerate(contents):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                       % (size[0], size[1], 5 + 2 * i))
        objects.append(_stream(zlib.compress(content, 9), b"/Filter /FlateDecode ")
                       if compress else _stream(content))
    return raw_pdf(objects)


def _text_ops(lines: list[str]) -> bytes:
    ops = [b"BT /F1 10 Tf 40 750 Td 12 TL"]
    for line in lines:
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"(" + safe.encode("latin-1") + b") Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def text_pdf(pages: list[list[str]]) -> bytes:
    return pdf_with_content([_text_ops(lines) for lines in pages])


def bomb_pdf(inflated_mb: int = 1024) -> bytes:
    """A page whose content stream inflates from about 1 MB to ``inflated_mb`` MB: a text
    line, then white space (deflate's best ratio is about 1,000 to 1)."""
    head = _text_ops(["Quarterly revenue was 5 million dollars."]) + b"\n"
    comp = zlib.compressobj(9)
    body = comp.compress(head)
    block = b" " * (1 << 20)
    for _ in range(inflated_mb):
        body += comp.compress(block)
    body += comp.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
               b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
               _stream(body, b"/Filter /FlateDecode ")]
    return raw_pdf(objects)


def garbage_glyph_pdf(pages: int = 3) -> bytes:
    """A text layer of glyphs that map to no characters (what a font without a ToUnicode
    table gives): control bytes drawn with a symbolic font."""
    rng = random.Random(5)
    contents = []
    for _ in range(pages):
        lines = []
        for _ in range(40):
            lines.append(bytes(rng.choice(range(1, 31)) for _ in range(60)))
        ops = [b"BT /F1 10 Tf 40 750 Td 12 TL"]
        ops += [b"<" + line.hex().encode() + b"> Tj T*" for line in lines]
        ops.append(b"ET")
        contents.append(b"\n".join(ops))
    return pdf_with_content(contents)


def many_pages_pdf(pages: int = 10_000) -> bytes:
    return pdf_with_content([_text_ops([f"Page {i + 1}: segment revenue rose {i % 9}%."])
                             for i in range(pages)], size=(144, 72))


def huge_page_pdf(words: int = 200_000) -> bytes:
    """One page of ``words`` words and no sentence punctuation (the 2-million-character
    chunk of issue 14), as one long text run."""
    rng = random.Random(3)
    vocab = ["revenue", "margin", "segment", "growth", "cash", "flow", "net", "income",
             "operating", "quarter", "dollars", "million", "guidance", "capital"]
    words_ = [rng.choice(vocab) if i % 7 else str(i) for i in range(words)]
    # Lines of 50 words (pdfium keeps at most 32,767 characters of one string), tiny type.
    lines = [b"(" + " ".join(words_[i:i + 50]).encode() + b") Tj T*"
             for i in range(0, words, 50)]
    return pdf_with_content([b"BT /F1 0.2 Tf 2 790 Td 0.2 TL\n" + b"\n".join(lines) + b"\nET"],
                            compress=True)


def big_page_pdf(side_in: int = 200) -> bytes:
    """A page ``side_in`` inches square (PDF's largest is 200 in): costly to render."""
    side = side_in * 72
    return pdf_with_content([b"BT /F1 400 Tf 100 %d Td (Revenue rose 5 percent.) Tj ET"
                             % (side - 600)], size=(side, side))


def png_bytes(width: int = 64, height: int = 64) -> bytes:
    """A real PNG (a grey gradient), for the PNG saved with a .pdf name."""
    rows = b"".join(b"\x00" + bytes((x * 4) % 256 for x in range(width)) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def huge_text(mb: int = 60) -> bytes:
    line = b"The company reported revenue of 12.5 million dollars in the quarter and more.\n"
    return line * (mb * (1 << 20) // len(line))


def markdown_table(rows: int = 5000, cols: int = 8) -> bytes:
    head = "| Item | " + " | ".join(f"FY{2000 + c}" for c in range(cols)) + " |\n"
    rule = "|---|" + "---|" * cols + "\n"
    body = "".join(f"| Line item {r} | " + " | ".join(f"{(r * 7 + c * 13) % 9973:,}"
                                                      for c in range(cols)) + " |\n"
                   for r in range(rows))
    return ("# Segment data\n\n" + head + rule + body).encode()


def mixed_encodings() -> bytes:
    return ("Revenue rose 5% in Köln.\n".encode("utf-8")
            + "Umsatz stieg um 7 % in Zürich, sagte der Finanzvorstand.\n".encode("cp1252")
            + "Прибыль выросла на 3%.\n".encode("cp1251"))


def zero_page_pdf() -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [] /Count 0 >>"])


def one_long_line(mb: int = 3) -> bytes:
    """A Markdown file of one line without white space (a minified blob, base64)."""
    return b"# Blob\n\n" + b"QmFzZTY0" * (mb * (1 << 20) // 8) + b"\n"


def cp1251_text() -> bytes:
    return ("Выручка компании выросла на 12% во втором квартале, сообщил финансовый "
            "директор. Чистая прибыль составила 5 млн рублей.\n" * 20).encode("cp1251")


def utf16_no_bom() -> bytes:
    return "Revenue rose 9% in the quarter, the CFO said.\n".encode("utf-16-le") * 50


def _flate_bomb_stream(inflated_mb: int) -> bytes:
    comp = zlib.compressobj(9)
    body = comp.compress(_text_ops(["Quarterly revenue was 5 million dollars."]) + b"\n")
    block = b" " * (1 << 20)
    for _ in range(inflated_mb):
        body += comp.compress(block)
    return body + comp.flush()


def _one_page(contents: list[bytes]) -> bytes:
    """One page whose content is the given stream objects (bodies with their dictionaries)."""
    refs = b" ".join(b"%d 0 R" % (5 + i) for i in range(len(contents)))
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    b"/Resources << /Font << /F1 3 0 R >> >> /Contents [%s] >>" % refs,
                    *contents])


def _encode(data: bytes, layer: str) -> bytes:
    import base64
    return {"hex": lambda: data.hex().encode() + b">",
            "a85": lambda: base64.a85encode(data, wrapcol=76) + b"~>"}[layer]()


def bomb_behind_pdf(layer: str, inflated_mb: int = 1024) -> bytes:
    """A Flate bomb inside an ASCIIHex or ASCII85 layer (/Filter [/ASCIIHexDecode
    /FlateDecode]): a check that inflates only streams that start as Flate misses it."""
    name = {"hex": b"/ASCIIHexDecode", "a85": b"/ASCII85Decode"}[layer]
    return _one_page([_stream(_encode(_flate_bomb_stream(inflated_mb), layer),
                              b"/Filter [%s /FlateDecode] " % name)])


def bomb_escaped_name_pdf(inflated_mb: int = 1024) -> bytes:
    """A Flate bomb whose filter is named with a #xx escape (/Fl#61teDecode is /FlateDecode)."""
    return _one_page([_stream(_flate_bomb_stream(inflated_mb), b"/Filter /Fl#61teDecode ")])


def text_behind_filters_pdf(layer: str) -> bytes:
    """An ordinary page whose content stream is Flate inside ASCIIHex/ASCII85, or LZW."""
    content = _text_ops([f"Line {n}: quarterly revenue was {n + 5} million dollars."
                         for n in range(40)])
    if layer == "lzw":
        return _one_page([_stream(lzw_encode(content), b"/Filter /LZWDecode ")])
    name = {"hex": b"/ASCIIHexDecode", "a85": b"/ASCII85Decode"}[layer]
    return _one_page([_stream(_encode(zlib.compress(content), layer),
                              b"/Filter [%s /FlateDecode] " % name)])


def _lzw_pack(codes: list[int]) -> bytes:
    """PDF LZW's bit stream (EarlyChange 1): codes of 9 to 12 bits, high bit first."""
    out, buf, bits, width, next_code = bytearray(), 0, 0, 9, 258
    for code in codes:
        buf, bits = (buf << width) | code, bits + width
        while bits >= 8:
            bits -= 8
            out.append((buf >> bits) & 0xFF)
        buf &= (1 << bits) - 1
        if code == 256:
            width, next_code = 9, 258
        elif code != 257:
            next_code += 1
            if next_code > (1 << width) - 1 and width < 12:
                width += 1
    if bits:
        out.append((buf << (8 - bits)) & 0xFF)
    return bytes(out)


def lzw_encode(data: bytes) -> bytes:
    """PDF's LZW encoding of ``data`` (the textbook algorithm, clearing a full table)."""
    table = {bytes([i]): i for i in range(256)}
    codes, current = [256], b""
    for byte in data:
        longer = current + bytes([byte])
        if longer in table:
            current = longer
            continue
        codes.append(table[current])
        if len(table) + 2 <= 4095:
            table[longer] = len(table) + 2
        else:
            codes.append(256)
            table = {bytes([i]): i for i in range(256)}
        current = bytes([byte])
    return _lzw_pack(codes + ([table[current]] if current else []) + [257])


def lzw_spaces(count: int) -> bytes:
    """What ``lzw_encode(b" " * count)`` gives, with its codes worked out rather than searched
    for (each code stands for one space more than the one before, until the table is full)."""
    codes, longest, next_code, left = [256], 1, 258, count
    while left > 0:
        take = min(longest, left)
        codes.append(32 if take == 1 else 256 + take)
        left -= take
        if next_code <= 4095:
            next_code, longest = next_code + 1, longest + 1
        else:
            codes.append(256)
            next_code, longest = 258, 1
    return _lzw_pack(codes + [257])


def lzw_bomb_pdf(inflated_mb: int = 1024) -> bytes:
    """A page of two content streams: ``inflated_mb`` MB of spaces as LZW (790 KB for 1 GiB;
    pdfium aborted the process on it), then a line of text."""
    return _one_page([_stream(lzw_spaces(inflated_mb << 20), b"/Filter /LZWDecode "),
                      _stream(_text_ops(["Quarterly revenue was 5 million dollars."]))])


def run_length_bomb_pdf(inflated_mb: int = 1024) -> bytes:
    """``inflated_mb`` MB of spaces as RunLength (16 MB, 128 spaces per two bytes), deflated
    again (/Filter [/FlateDecode /RunLengthDecode]): each layer alone looks small."""
    runs = b"\x81 " * ((inflated_mb << 20) // 128)
    return _one_page([_stream(zlib.compress(runs, 9), b"/Filter [/FlateDecode /RunLengthDecode] "),
                      _stream(_text_ops(["Quarterly revenue was 5 million dollars."]))])
