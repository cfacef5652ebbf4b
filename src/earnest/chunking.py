"""Pack citable units into chunks. A chunk never crosses a page or a speaker turn."""

from __future__ import annotations

from dataclasses import dataclass

from earnest.models import Chunk, Page
from earnest.settings import ChunkSettings
from earnest.textspans import Span, split_units

_BOILERPLATE_HEADINGS = {"table of contents", "index"}


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


def _cost(text: str) -> int:
    # Figures tokenise into several word pieces; count them heavier so tables fit the model.
    words = text.split()
    return sum(2 if any(c.isdigit() for c in w) else 1 for w in words)


def chunk_document(pages: list[Page], settings: ChunkSettings, *, doc_context: str = "",
                   segments: list[Segment] | None = None) -> list[Chunk]:
    by_number = {p.number: p for p in pages}
    chunks: list[Chunk] = []
    page_headings: dict[int, str] = {}
    for seg in segments if segments is not None else whole_pages(pages):
        text = by_number[seg.page].text
        units = [Span(u.start + seg.start, u.end + seg.start, u.kind)
                 for u in split_units(text[seg.start:seg.end])]
        if seg.page not in page_headings:
            page_headings[seg.page] = _leading_headings(text, split_units(text))
        context = " | ".join(x for x in (doc_context, page_headings[seg.page]) if x)
        for group in _pack(text, units, settings):
            chunks.append(Chunk(
                ordinal=len(chunks), page_start=seg.page, page_end=seg.page,
                char_start=group[0].start, char_end=group[-1].end,
                text=text[group[0].start:group[-1].end], section=seg.section,
                speaker=seg.speaker, role=seg.role, context=context))
    return chunks


def _leading_headings(text: str, units: list[Span]) -> str:
    """Headings and header rows at the top of a page: a table's title and its year columns."""
    out = []
    for unit in units[:8]:
        if unit.kind == "sentence":
            break
        piece = unit.text(text).strip()
        if piece.lower() in _BOILERPLATE_HEADINGS or piece.isdigit():
            continue
        out.append(piece)
        if len(out) == 4:
            break
    return " ".join(out)


def _pack(text: str, units: list[Span], settings: ChunkSettings) -> list[list[Span]]:
    groups: list[list[Span]] = []
    current: list[Span] = []
    cost = 0
    for unit in units:
        unit_cost = _cost(unit.text(text))
        if current and cost + unit_cost > settings.max_words:
            groups.append(current)
            keep = current[-settings.overlap_sentences:] if settings.overlap_sentences else []
            keep = [u for u in keep if _cost(u.text(text)) * 3 < settings.max_words]
            current, cost = list(keep), sum(_cost(u.text(text)) for u in keep)
        current.append(unit)
        cost += unit_cost
    if current:
        groups.append(current)
    return groups
