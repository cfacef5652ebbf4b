"""readers/pdf_streams.py: each filter chain a PDF stream can name is decoded piece by piece
and held to the bound; garbage under any filter is left to pdfium, never an exception."""

from __future__ import annotations

import base64
import random
import zlib

import pytest

from earnest.errors import TooLarge
from earnest.readers.pdf_streams import check_streams

from .hostile import _stream, lzw_encode, raw_pdf


def _run_length(data: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(data), 128):
        run = data[i:i + 128]
        out += (bytes([257 - len(run), run[0]]) if run == run[:1] * len(run)
                else bytes([len(run) - 1]) + run)
    return bytes(out + b"\x80")


ENCODERS = {
    "/FlateDecode": zlib.compress,
    "/ASCIIHexDecode": lambda d: d.hex().encode() + b">",
    "/ASCII85Decode": lambda d: base64.a85encode(d, wrapcol=80) + b"~>",
    "/LZWDecode": lzw_encode,
    "/RunLengthDecode": _run_length,
}
CHAINS = [[f] for f in ENCODERS] + [["/ASCIIHexDecode", "/FlateDecode"],
                                    ["/ASCII85Decode", "/FlateDecode"],
                                    ["/FlateDecode", "/RunLengthDecode"],
                                    ["/FlateDecode", "/FlateDecode"],
                                    ["/LZWDecode", "/FlateDecode"]]


def _pdf(filters: list[str], content: bytes) -> bytes:
    data = content
    for name in reversed(filters):  # the first filter named is the last applied
        data = ENCODERS[name](data)
    names = " ".join(filters).encode()
    return raw_pdf([b"<< /Type /Catalog >>", _stream(data, b"/Filter [%s] " % names)])


@pytest.mark.parametrize("filters", CHAINS, ids=["+".join(c) for c in CHAINS])
def test_each_chain_is_held_to_the_bound(filters: list[str]) -> None:
    page = b"BT /F1 10 Tf (Revenue rose 5%.) Tj ET\n" + b" " * 200_000
    check_streams(_pdf(filters, page * 4), "small.pdf", limit_mb=1)  # 0.8 MB: fine
    with pytest.raises(TooLarge, match="compression bomb"):
        check_streams(_pdf(filters, page * 6), "big.pdf", limit_mb=1)  # 1.2 MB: refused


def test_an_indirect_filter_is_tried_as_flate_and_an_escaped_name_is_read() -> None:
    bomb = zlib.compress(b" " * (3 << 20))
    for extra in (b"/Filter 9 0 R ", b"/Filter /Fl#61teDecode "):
        with pytest.raises(TooLarge):
            check_streams(raw_pdf([b"<< >>", _stream(bomb, extra)]), "x.pdf", limit_mb=1)


def test_garbage_under_any_filter_is_left_to_pdfium() -> None:
    rng = random.Random(14)
    for _ in range(300):
        names = rng.sample(list(ENCODERS), rng.randint(1, 3))
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))
        check_streams(raw_pdf([_stream(body, b"/Filter [%s] " % " ".join(names).encode())]),
                      "garbage.pdf")


def test_a_layer_is_counted_whole_when_the_next_stops_early() -> None:
    """pdfium inflates the Flate layer whole before the hex layer stops at its '>'."""
    inflated = b"00>" + b" " * (3 << 20)
    data = raw_pdf([_stream(zlib.compress(inflated), b"/Filter [/FlateDecode /ASCIIHexDecode] ")])
    with pytest.raises(TooLarge):
        check_streams(data, "early.pdf", limit_mb=1)
