"""Where an earnings release says what: its parts, found from the headings it prints.

A release has no SEC-required layout, but its conventions and rules give it recognisable
parts (``section_titles.RELEASE_PARTS``): highlights, the outlook, the non-GAAP
reconciliation Regulation G requires, the financial statements, the call notice, "About
<company>" and the forward-looking-statements safe harbor. A heading is a short line of its
own, capitalised, that is not a sentence and names one of those parts; text before the first
is the headline, dateline and summary. Used for a whole release and for an 8-K's exhibit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from earnest.models import Page
from earnest.section_titles import RELEASE_OPENING, RELEASE_PARTS, ReleasePart

MAX_HEADING_CHARS = 90
MAX_HEADING_WORDS = 12
MIN_PARTS = 2  # a document with one "Outlook" line is not therefore a release
_WORD = re.compile(r"[A-Za-z][A-Za-z’'\-\u2010\u2011]*")
# A line that runs on as a sentence: "... Forward-Looking Statements' in this release."
# ("U.S. GAAP Condensed Consolidated Statements of Income": an abbreviation is no end.)
_SENTENCE = re.compile(r"[a-z]{2}[.;]\s+\S|[.;,’'\"”]$")
_SMALL = frozenset({"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or",
                    "the", "to", "with", "vs", "non-gaap", "non‑gaap"})


@dataclass(frozen=True, slots=True)
class PartHeading:
    page: int
    offset: int
    part: ReleasePart | None  # None: the opening (headline, dateline, summary)

    @property
    def label(self) -> str:
        return self.part.label if self.part else RELEASE_OPENING


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], ReleasePart], ...]:
    return tuple((re.compile(p.heading, re.I), p) for p in RELEASE_PARTS)


def heading_part(line: str) -> ReleasePart | None:
    """The release part a line heads, when it is a heading: short, on its own, not a
    sentence, its words capitalised (title or upper case; "Presentation of non-GAAP
    information" passes as sentence case: first word capitalised, at most 8 words)."""
    line = line.strip().rstrip(":").strip()
    longer = 2 if line.isupper() else 1  # "RECONCILIATION OF NET INCOME (LOSS) ... TO ..."
    if not line or len(line) > MAX_HEADING_CHARS * longer or not line[0].isupper():
        return None
    words = _WORD.findall(line)
    if not words or len(words) > MAX_HEADING_WORDS * longer or _SENTENCE.search(line):
        return None
    if re.search(r"\d[\d,]*\.\d|\$|%", line):
        return None  # a table row or a headline figure ("Non-GAAP Diluted EPS of $2.61")
    content = [w for w in words if w.lower() not in _SMALL]
    capitalised = sum(w[0].isupper() for w in content)
    if content and capitalised * 10 < len(content) * 7 and len(words) > 8:
        return None
    for pattern, part in _patterns():
        if pattern.search(line):
            return part
    return None


def find_parts(pages: list[Page], start: tuple[int, int] = (0, -1),
               end: tuple[int, int] | None = None) -> list[PartHeading]:
    """The release parts between ``start`` and ``end`` (page, offset), in order, led by the
    opening at ``start``; [] when fewer than ``MIN_PARTS`` kinds are found."""
    found: list[PartHeading] = []
    for page in pages:
        offset = 0
        for raw in page.text.split("\n"):
            at = (page.number, offset)
            offset += len(raw) + 1
            if at <= start or (end is not None and at >= end):
                continue
            part = heading_part(raw)
            if part is not None:
                found.append(PartHeading(at[0], at[1] + len(raw) - len(raw.lstrip()), part))
    if len({h.part for h in found}) < MIN_PARTS:
        return []
    first = next((p for p in pages if (p.number, len(p.text)) > start), None)
    if first is None:
        return []
    opening = start if start[1] >= 0 else (first.number, 0)
    if not found or (found[0].page, found[0].offset) > opening:
        found.insert(0, PartHeading(opening[0], opening[1], None))
    return found


def part_named(section: str) -> ReleasePart | None:
    """The release part a chunk's section label names, also inside an exhibit."""
    label = section.split(". ", 1)[1] if section.startswith("Exhibit ") and ". " in section \
        else section
    return next((p for p in RELEASE_PARTS if p.label == label), None)


__all__ = ["PartHeading", "find_parts", "heading_part", "part_named"]
