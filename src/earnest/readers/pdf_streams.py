"""Refuse a PDF whose streams inflate past a bound, before pdfium sees it.

pdfium decodes a page's content stream whole: one that inflates to 1 GiB took the process to
2.1 GB, and an LZW stream of 790 KB that decodes to 1 GiB made pdfium abort the process. So
every stream is decoded here first, piece by piece (never whole, never kept), through the
filters its dictionary names (Flate, LZW, ASCIIHex, ASCII85, RunLength, in any chain), and the
file is refused once any step's output passes the bound. A stream whose filters cannot be read
from its dictionary (an indirect /Filter) is tried as Flate, twice over, as before.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from functools import partial
from typing import Callable, Iterator

from earnest.errors import TooLarge

MAX_STREAM_MB = 100
_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)")
_NAME = re.compile(rb"/([^\s/\[\]<>()]+)")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PIECE = 1 << 20

Pieces = Iterator[bytes]


class _Over(Exception):
    """A step's output passed the bound."""


def check_streams(data: bytes, name: str, limit_mb: int = MAX_STREAM_MB) -> None:
    """Raise TooLarge if any stream of ``data`` decodes to more than ``limit_mb`` MB."""
    limit = limit_mb << 20
    for match in _STREAM.finditer(data):
        start = match.end()
        head = data[max(0, match.start() - 4096):match.start()]
        dictionary = head[head.rfind(b"obj") + 3:] if b"obj" in head else head
        stages = _stages(dictionary)
        try:
            pieces: Pieces = _source(data, start, dictionary)
            steps = []
            for stage in stages:
                pieces = _bounded(stage(pieces), limit)
                steps.append(pieces)
            # The last step pulls the others; then each earlier one is run to its end too:
            # pdfium decodes a layer whole before the next reads it, so a layer whose reader
            # stopped early (an end marker, a layer that was not there) still counts in full.
            for step in reversed(steps):
                for _ in step:
                    pass
        except _Over:
            raise TooLarge(
                f"a compression bomb: the stream at byte {start} inflates to more than "
                f"{limit_mb} MB; refused before it is read (a PDF's streams may inflate to "
                f"{limit_mb} MB each)", path=name) from None
        except (zlib.error, binascii.Error, ValueError, IndexError):
            continue  # not what its filter says: pdfium judges it


def _stages(dictionary: bytes) -> list[Callable[[Pieces], Pieces]]:
    found = list(_FILTER.finditer(dictionary))
    if not found:  # no filter, or an indirect one: try Flate, and Flate inside it
        return [_flate, _flate_if_zlib]
    names = [_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), n)
             for n in _NAME.findall(found[-1].group(1))]
    early = 0 if re.search(rb"/EarlyChange\s+0\b", dictionary) else 1
    stages: list[Callable[[Pieces], Pieces]] = []
    for n in names:
        if n in (b"LZWDecode", b"LZW"):
            stages.append(partial(_lzw, early=early))
        elif n in _DECODERS:
            stages.append(_DECODERS[n])
        else:  # an image codec or encryption: pdfium's affair from here
            break
    return stages


def _source(data: bytes, start: int, dictionary: bytes) -> Pieces:
    """The stream's bytes: to its /Length or its "endstream", whichever is further."""
    end = data.find(b"endstream", start)
    end = len(data) if end < 0 else end
    length = _LENGTH.findall(dictionary)
    if length:
        end = max(end, min(len(data), start + int(length[-1])))
    for pos in range(start, end, _PIECE):
        yield data[pos:min(end, pos + _PIECE)]


def _bounded(pieces: Pieces, limit: int) -> Pieces:
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > limit:
            raise _Over
        yield piece


def _flate(pieces: Pieces) -> Pieces:
    inflate = zlib.decompressobj()
    for piece in pieces:
        while piece and not inflate.eof:
            yield inflate.decompress(piece, _PIECE)
            piece = inflate.unconsumed_tail
        if inflate.eof:
            return


def _flate_if_zlib(pieces: Pieces) -> Pieces:
    """A second Flate layer, only where the first's output starts like one."""
    first = next(pieces, b"")
    if len(first) >= 2 and first[0] & 0x0F == 8 and not first[1] & 0x20 \
            and (first[0] << 8 | first[1]) % 31 == 0:
        yield from _flate(_chain(first, pieces))


def _chain(first: bytes, rest: Pieces) -> Pieces:
    yield first
    yield from rest


def _hex(pieces: Pieces) -> Pieces:
    odd = b""
    for piece in pieces:
        end = piece.find(b">")
        # pdfium skips what is not a hex digit; so does this count
        digits = odd + re.sub(rb"[^0-9A-Fa-f]", b"", piece if end < 0 else piece[:end])
        odd = digits[len(digits) // 2 * 2:]
        yield binascii.unhexlify(digits[:len(digits) // 2 * 2])
        if end >= 0:
            break
    if odd:
        yield binascii.unhexlify(odd + b"0")


def _a85(pieces: Pieces) -> Pieces:
    rest, begun = b"", False
    for piece in pieces:
        end = piece.find(b"~>")
        if not begun:
            piece, begun = piece.lstrip().removeprefix(b"<~"), True
            end = piece.find(b"~>")
        text = rest + re.sub(rb"[^!-uz]", b"", piece if end < 0 else piece[:end])
        text = text.replace(b"z", b"!!!!!")  # four zero bytes: every group is five characters
        whole = len(text) // 5 * 5
        rest = text[whole:]
        yield base64.a85decode(text[:whole])
        if end >= 0:
            break
    if rest:
        yield base64.a85decode(rest)


def _run_length(pieces: Pieces) -> Pieces:
    buffer = b""
    for piece in pieces:
        buffer += piece
        out, i = bytearray(), 0
        while i < len(buffer):
            n = buffer[i]
            if n == 128:
                yield bytes(out)
                return
            if n < 128:
                if i + 1 + n + 1 > len(buffer):
                    break
                out += buffer[i + 1:i + 2 + n]
                i += 2 + n
            else:
                if i + 1 >= len(buffer):
                    break
                out += buffer[i + 1:i + 2] * (257 - n)
                i += 2
            if len(out) >= _PIECE:
                yield bytes(out)
                out = bytearray()
        buffer = buffer[i:]
        yield bytes(out)


def _lzw(pieces: Pieces, early: int) -> Pieces:
    """PDF's LZW (codes of 9 to 12 bits, 256 clears the table, 257 ends)."""
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    width, bits, nbits, previous = 9, 0, 0, None
    for piece in pieces:
        out = bytearray()
        for byte in piece:
            bits, nbits = (bits << 8) | byte, nbits + 8
            while nbits >= width:
                nbits -= width
                code = (bits >> nbits) & ((1 << width) - 1)
                bits &= (1 << nbits) - 1
                if code == 256:
                    del table[258:]
                    width, previous = 9, None
                    continue
                if code == 257:
                    yield bytes(out)
                    return
                if previous is None:
                    entry = table[code]
                else:
                    entry = table[code] if code < len(table) else \
                        previous + previous[:1]
                    if len(table) < 4096:
                        table.append(previous + entry[:1])
                    if len(table) + early >= 1 << width and width < 12:
                        width += 1
                out += entry
                previous = entry
                if len(out) >= _PIECE:
                    yield bytes(out)
                    out = bytearray()
        yield bytes(out)


# The filters' names (full and abbreviated, PDF 1.7 §7.4) and their decoders; LZW takes its
# /EarlyChange too (``_stages``).
_DECODERS: dict[bytes, Callable[[Pieces], Pieces]] = {
    b"FlateDecode": _flate, b"Fl": _flate, b"ASCIIHexDecode": _hex, b"AHx": _hex,
    b"ASCII85Decode": _a85, b"A85": _a85, b"RunLengthDecode": _run_length, b"RL": _run_length}
