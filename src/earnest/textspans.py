"""Split page text into citable units (sentences, table rows, headings) with exact offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "inc", "corp", "co", "ltd", "llc", "plc", "jr", "sr", "st",
    "vs", "no", "nos", "etc", "e.g", "i.e", "u.s", "u.k", "approx", "dept", "est", "fig", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "op", "cf",
    "avg", "mgmt", "bros", "n.a", "s.a", "a.g", "n.v",
}
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9$€£•·])")
_BULLET = ("•", "·", "●", "▪", "- ")
_NUMBER = re.compile(r"\(?[$€£]?\d[\d,]*(?:\.\d+)?%?\)?")
_LINE = re.compile(r"[^\n]+")


@dataclass(slots=True, frozen=True)
class Span:
    start: int
    end: int
    kind: str  # sentence | row | heading

    def text(self, source: str) -> str:
        return source[self.start:self.end]


def _line_kind(line: str) -> str:
    words = line.split()
    numbers = sum(1 for w in words if _NUMBER.fullmatch(w.strip(",;:")))
    if numbers >= 2 and numbers * 3 >= len(words) - numbers:
        return "row"
    if len(words) <= 8 and not line.rstrip().endswith((".", ",", ";", ":", "?", "!")):
        return "heading"
    return "prose"


def split_units(text: str) -> list[Span]:
    """Units in order, covering every non-blank line of ``text``.

    Prose lines are joined into blocks (PDF lines break mid-sentence) and split into
    sentences; table rows and short headings stay units of their own, so a row keeps its
    label and its figures together.
    """
    units: list[Span] = []
    block: list[tuple[int, int]] = []

    def flush() -> None:
        if block:
            units.extend(_sentences(text, block[0][0], block[-1][1]))
            block.clear()

    for match in _LINE.finditer(text):
        start, end = match.span()
        line = match.group()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        start += len(line) - len(line.lstrip())
        end -= len(line) - len(line.rstrip())
        kind = _line_kind(stripped)
        if stripped.startswith(_BULLET):
            flush()  # a bullet starts a new block
        if kind == "prose" or (kind == "heading" and block and not _ends_sentence(text, block)):
            block.append((start, end))
        else:
            flush()
            units.append(Span(start, end, kind))
    flush()
    return units


def _ends_sentence(text: str, block: list[tuple[int, int]]) -> bool:
    return text[block[-1][0]:block[-1][1]].rstrip().endswith((".", "?", "!", ":"))


def _sentences(text: str, start: int, end: int) -> list[Span]:
    out: list[Span] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.start() + 1
        word = re.search(r"(\S+)$", text[cursor:stop])
        token = word.group(1).rstrip(".").lower().lstrip("(\"'“") if word else ""
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            continue  # "Mr. Smith", "J. Smith"
        seg_end = match.start() + len(match.group().rstrip())
        out.append(Span(cursor, seg_end, "sentence"))
        cursor = match.end()
    if cursor < end:
        out.append(Span(cursor, end, "sentence"))
    return [s for s in out if text[s.start:s.end].strip()]
