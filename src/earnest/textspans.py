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


# --- Units a reader is quoted: split_units, with what PDF text glues onto a sentence set
# apart. Chunking keeps split_units (chunk texts, and the vectors made from them, must not
# change); only the answerers read these.

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
# "CUPERTINO, California — January 30, 2024 —", "NEW YORK, Jan. 5, 2023 /PRNewswire/ --":
# a place in capitals, a date, and a dash or wire tag before the story starts.
_DATELINE = re.compile(
    r"\b[A-Z][A-Z.'\- ]{2,}(?:,\s*[A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*){0,2})?\s*[,—–-]+\s*"
    + _MONTH + r"\s\d{1,2},\s(?:19|20)\d\d\s*(?:/[^/\n]{2,40}/\s*)?(?:[—–]|--?)\s*")
# A sentence's end before a name written in camel case ("... 95% in the US. iPad generated
# $7 billion"): the split above wants a capital; iPad, iPhone, eBay start a sentence too.
_CAMEL_START = re.compile(r"(?<=[A-Za-z0-9%)][.!?])(?<![A-Z]\.[A-Z]\.)\s+"
                          r"(?=[a-z]+[A-Z][A-Za-z]*\b)")
# A footnote marker after a sentence's end ("grew 5%.(1)", "results.¹", "results.1 The").
_TRAILING_MARK = re.compile(r"(?<=[.!?])(?:\s?\(\d{1,2}\)|\s?\*+|[¹²³⁴⁵⁶⁷⁸⁹]+|\d{1,2}(?=\s|$))$")
# The same marker inside a span, before the next sentence ("quarter.(1) Margins"); a digit
# after a letter's full stop, never a decimal ("$4.2 Billion" has a digit before the point).
_INNER_MARK = re.compile(r"(?<=[A-Za-z%)][.!?])(?:\(\d{1,2}\)|[¹²³⁴⁵⁶⁷⁸⁹]+|\d{1,2})\s+(?=[A-Z])")
_LEADING_MARK = re.compile(r"^(?:\(\d{1,2}\)|\*+|[¹²³⁴⁵⁶⁷⁸⁹]+)\s*(?=[A-Z])")
# A page number printed as a line of its own ("Page 4", "Page 4 of 20", "- 4 -"): furniture a
# sentence running on to the next page must not carry ("... the top selling model in the US,
# Page 4").
_PAGE_NUMBER_LINE = re.compile(r"^[ \t]*(?:page[ \t]+\d{1,4}(?:[ \t]+of[ \t]+\d{1,4})?|"
                               r"[-–—][ \t]*\d{1,4}[ \t]*[-–—])[ \t]*$", re.I | re.M)
_SMALL_WORDS = frozenset("a an and as at by for from in of on or the to with vs & - —".split())


_SPACED_CAPITALS = re.compile(r"[A-Z](?: {1,3}[A-Z]){3,}")


def _title_line(line: str) -> bool:
    """A heading printed on its own line: short, unpunctuated (or ending in a colon), its
    words capitalised ("Capital Spending/Net Property, Plant and Equipment:")."""
    line = line.strip()
    if _SPACED_CAPITALS.fullmatch(line):
        return True  # a title set in spaced-out capitals ("E D I T E D  V E R S I O N")
    words = [w for w in re.findall(r"[A-Za-z][\w'&/-]*", line) if w.lower() not in _SMALL_WORDS]
    if not words or len(line.split()) > 12 or line.endswith((".", ",", ";", "?", "!")):
        return False
    return sum(w[0].isupper() for w in words) >= max(2, len(words))


def _refine(text: str, span: Span) -> list[Span]:
    """A sentence span cut where a heading line, a dateline or a footnote marker sits."""
    start, end = span.start, span.end
    out: list[Span] = []
    # A leading heading line: the next line starts a sentence with a capital, or the text
    # starts with it (a page's running header, above a sentence carried over from the page
    # before: "Q2 2011 Acme Inc Earnings Conference Call\nin Q2?").
    while True:
        nl = text.find("\n", start, end)
        if nl < 0:
            break
        line = text[start:nl]
        rest = text[nl + 1:end].lstrip()
        if _title_line(line) and (rest[:1].isupper() or not text[:start].strip()):
            out.append(Span(start, start + len(line.rstrip()), "heading"))
            start = nl + 1 + (len(text[nl + 1:end]) - len(rest))
        else:
            break
    m = _DATELINE.search(text, start, end)
    if m:
        if m.start() > start and text[start:m.start()].strip():
            head = text[start:m.start()].rstrip(" \n—–-")
            out.append(Span(start, start + len(head), "heading"))
        out.append(Span(m.start(), m.start() + len(m.group().rstrip()), "dateline"))
        start = m.end()
    piece = text[start:end]
    lead = _LEADING_MARK.match(piece)
    if lead:
        start += lead.end()
    piece = text[start:end]
    trail = _TRAILING_MARK.search(piece)
    if trail and trail.start() > 0:
        end = start + trail.start()
    if text[start:end].strip():
        # A title standing alone (a page's running header) is no sentence either.
        alone = "\n" not in text[start:end].strip() and _title_line(text[start:end])
        out.append(Span(start, end, "heading" if alone else "sentence"))
    return out


def answer_units(text: str) -> list[Span]:
    """The units of ``text`` for quoting: as ``split_units``, with headings and datelines
    glued to a sentence split off (kind ``heading`` / ``dateline``) and footnote markers
    trimmed from a sentence's ends. Offsets stay exact."""
    out: list[Span] = []
    for unit in split_units(text):
        if unit.kind != "sentence":
            out.append(unit)
            continue
        for piece in _without_page_numbers(text, unit):
            if piece.kind != "sentence":
                out.append(piece)
                continue
            cursor = piece.start
            for m in _inner_breaks(text, piece):
                out.extend(_refine(text, Span(cursor, m.start(), "sentence")))
                cursor = m.end()
            out.extend(_refine(text, Span(cursor, piece.end, "sentence")))
    return out


def _inner_breaks(text: str, piece: Span) -> list[re.Match[str]]:
    """Where a sentence span holds two: a footnote marker or a camel-case start between."""
    found = list(_INNER_MARK.finditer(text, piece.start, piece.end)) + \
        list(_CAMEL_START.finditer(text, piece.start, piece.end))
    return sorted(found, key=lambda m: m.start())


def _without_page_numbers(text: str, unit: Span) -> list[Span]:
    """``unit`` cut where a page-number line sits in it (the line becomes a heading)."""
    out: list[Span] = []
    cursor = unit.start
    for m in _PAGE_NUMBER_LINE.finditer(text, unit.start, unit.end):
        if text[cursor:m.start()].strip():
            out.append(Span(cursor, cursor + len(text[cursor:m.start()].rstrip()), "sentence"))
        number = m.group()
        first = m.start() + len(number) - len(number.lstrip())
        out.append(Span(first, first + len(number.strip()), "heading"))
        cursor = m.end()
        while cursor < unit.end and text[cursor].isspace():
            cursor += 1
    if cursor < unit.end and text[cursor:unit.end].strip():
        out.append(Span(cursor, unit.end, "sentence"))
    return out
