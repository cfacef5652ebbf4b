"""Pack citable units into chunks. A chunk never crosses a page or a speaker turn."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from earnest.models import Chunk, Page
from earnest.settings import ChunkSettings
from earnest.textspans import Span, split_units

_BOILERPLATE_HEADINGS = {"table of contents", "index"}
# A unit (sentence, row, heading) longer than this is cut into pieces: text without sentence
# punctuation would otherwise become one chunk of any size. Well above the longest unit of
# ordinary filings and transcripts (about 5,700 characters), so they chunk as they always did.
MAX_UNIT_CHARS = 8000
_WORD = re.compile(r"\S+")


@dataclass(slots=True)
class Segment:
    """A stretch of one page with one speaker/section (a whole page when nothing is known)."""

    page: int
    start: int
    end: int
    speaker: str | None = None
    section: str | None = None
    role: str | None = None  # executive | analyst | operator


def whole_pages(pages: list[Page]) -> list[Segment]:
    return [Segment(p.number, 0, len(p.text)) for p in pages]


TokenCounter = Callable[[list[str]], list[int]]


def estimate_tokens(texts: list[str]) -> list[int]:
    """Word pieces without a tokenizer: about 1.3 a word, figures about 3."""
    out = []
    for text in texts:
        words = text.split()
        out.append(int(sum(3 if any(c.isdigit() for c in w) else 1.3 for w in words)) + 1)
    return out


def chunk_document(pages: list[Page], settings: ChunkSettings, *, title: str = "",
                   segments: list[Segment] | None = None,
                   count_tokens: TokenCounter = estimate_tokens) -> list[Chunk]:
    """Chunks of at most ``settings.max_tokens`` word pieces (as the embedding model counts
    them, so nothing is cut off when it is embedded), unless one sentence alone is longer."""
    by_number = {p.number: p for p in pages}
    chunks: list[Chunk] = []
    page_headings: dict[int, tuple[str, ...]] = {}
    for seg in segments if segments is not None else whole_pages(pages):
        text = by_number[seg.page].text
        units = [Span(u.start + seg.start, u.end + seg.start, u.kind)
                 for u in split_units(text[seg.start:seg.end])]
        units = _bounded(text, units, settings.max_tokens)
        if seg.page not in page_headings:
            page_headings[seg.page] = leading_headings(text)
        for group in _pack(text, units, settings, count_tokens):
            chunks.append(Chunk(
                ordinal=len(chunks), page_start=seg.page, page_end=seg.page,
                char_start=group[0].start, char_end=group[-1].end,
                text=text[group[0].start:group[-1].end], section=seg.section,
                speaker=seg.speaker, role=seg.role, title=title,
                headings=page_headings[seg.page]))
    return chunks


def leading_headings(text: str) -> tuple[str, ...]:
    """Headings and header rows at the top of a page: a table's title and its year columns."""
    out: list[str] = []
    for unit in split_units(text)[:8]:
        if unit.kind == "sentence":
            break
        piece = unit.text(text).strip()
        if piece.lower() in _BOILERPLATE_HEADINGS or piece.isdigit() or \
                len(piece) > MAX_UNIT_CHARS:  # a run of text, not a heading
            continue
        out.append(piece)
        if len(out) == 4:
            break
    return tuple(out)


def _bounded(text: str, units: list[Span], max_tokens: int) -> list[Span]:
    """Units with the over-long ones cut at word boundaries (a word longer than a piece by
    characters). A piece has at most max_tokens / 2 characters, so at most that many word
    pieces: the packer can count it exactly and keeps chunks within the budget."""
    if all(u.end - u.start <= MAX_UNIT_CHARS for u in units):
        return units
    limit = max(8, max_tokens // 2)
    out: list[Span] = []
    for unit in units:
        if unit.end - unit.start <= MAX_UNIT_CHARS:
            out.append(unit)
            continue
        start = end = -1
        for word in _WORD.finditer(text, unit.start, unit.end):
            w_start, w_end = word.span()
            if start >= 0 and w_end - start > limit:
                out.append(Span(start, end, "piece"))
                start = -1
            while w_end - w_start > limit:  # no white space to cut at
                out.append(Span(w_start, w_start + limit, "piece"))
                w_start += limit
            if start < 0:
                start = w_start
            end = w_end
        if start >= 0:
            out.append(Span(start, end, "piece"))
    return out


def _pack(text: str, units: list[Span], settings: ChunkSettings,
          count_tokens: TokenCounter) -> list[list[Span]]:
    groups: list[list[Span]] = []
    current: list[Span] = []
    sizes = dict(zip(units, count_tokens([u.text(text) for u in units]))) if units else {}
    for unit in units:
        if unit.kind == "piece":  # a run of unknown words is one word piece: count characters
            sizes[unit] = max(sizes[unit], (unit.end - unit.start) // 4)
    budget = settings.max_tokens
    cost = 0
    for unit in units:
        if current and cost + sizes[unit] > budget:
            groups.append(current)
            keep = current[-settings.overlap_sentences:] if settings.overlap_sentences else []
            keep = [u for u in keep if sizes[u] * 4 < budget]  # overlap only short sentences
            current, cost = list(keep), sum(sizes[u] for u in keep)
        current.append(unit)
        cost += sizes[unit]
    if current:
        groups.append(current)
    return groups
