"""Where a filing says what: its SEC form items and its notes, found from its own headings.
An 8-K's items and exhibits, and an earnings release's parts (``release_sections``), too.

A heading is a line that starts with "Item 7." / "ITEM 1A" / "Note 12 -" / "3." and whose
title is the form's title for that item (compared letter by letter, so "Busines s" and
"Selected Consolidated Financial Data" still match) or, for a note, a capitalised title.
What is not a heading:
- a table of contents: lines ending in a page number, or a page with many item lines and
  no text under them;
- a cross-reference ("see Item 7", "Item 3. Legal Proceedings for a discussion of ..."):
  the title runs on in lower case, or the line does not start with the item;
- a running page header ("Item 1A" alone on every page): no title follows.
Items must come in the form's order (the longest run that does is kept); notes are the
longest increasing run of note numbers after the financial statements item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from earnest.models import Chunk, Page
from earnest.release_sections import PartHeading, find_parts
from earnest.section_routing import _accounting_words, _roots
from earnest.section_titles import (
    FORM_8K,
    FORM_10K,
    FORM_10Q,
    STATEMENTS_ITEM,
    FormItem,
)

if TYPE_CHECKING:
    from earnest.store.base import Store

_ITEM = re.compile(r"^item\s*(\d\.\d{2}|\d{1,2}[a-c]?)\b\s*[.:\-—–]?\s*(.*)$", re.I)
_8K_ITEM = re.compile(r"^item\s*\d\.\d{2}\b", re.I)  # "Item 2.02": Form 8-K's numbering
# An 8-K's exhibit begins a page: "Exhibit 99.1" on a line of its own near the page's top.
_EXHIBIT = re.compile(r"^(?:exhibit|ex\.?-?)\s*(\d{1,3}(?:\.\d{1,3})?)\s*$", re.I)
EXHIBIT_TOP_LINES = 3
_NOTE = re.compile(r"^note\s+(\d{1,2})\b\s*[.:\-—–]?\s*(.*)$", re.I)
_BARE_NOTE = re.compile(r"^(\d{1,2})\s*[.—–]\s*([A-Z].+)$")
_PAGE_NUMBER = re.compile(r"\s(?:[A-Z]-)?\d{1,3}$")  # "Risk Factors 10", "Notes F-7"
_TRAILER = re.compile(r"\s*\((?:continued|unaudited|cont'd)\)\s*$", re.I)
_LETTERS = re.compile(r"[^a-z]")
_PART = re.compile(r"\bpart\s+[iv]+\b", re.I)
_INDEX = re.compile(r"index\b", re.I)  # "Index to (the) (Consolidated) Financial Statements"
MIN_TITLE_RATIO = 0.8
TOC_MIN_LINES = 5  # a page with this many item/note lines and no text under them is a TOC


@dataclass(frozen=True, slots=True)
class Heading:
    page: int
    offset: int  # of the heading's line in the page's text
    kind: str  # item | note | exhibit | part (of a release)
    label: str  # "Item 1A. Risk Factors", "Note 12. Commitments and Contingencies"
    number: str  # the item ("1A", "2.02"), note ("12") or exhibit ("99.1") number
    form: str = ""  # 10-K | 10-Q | 8-K, for items


@dataclass(slots=True)
class _Candidate:
    page: int
    offset: int
    kind: str
    number: str
    title: str
    toc: bool  # ends in a page number
    body: int = 0  # letters between this line and the next candidate on its page
    items: tuple[FormItem, ...] = ()
    bare: bool = False


def _squash(text: str) -> str:
    return _LETTERS.sub("", text.lower())


def title_ratio(written: str, title: str) -> float:
    """How closely a heading's words spell the form's title, 0..1. A heading wrapped onto a
    second line ("... FINANCIAL CONDITION AND RESULTS OF") is compared with the title's
    start; one that runs on into a sentence ("Legal Proceedings for a discussion of") is
    compared whole and so fails."""
    h, c = _squash(_TRAILER.sub("", written)), _squash(title)
    if not h:
        return 0.0
    return max(_ratio(h, c), _ratio(h, c[:len(h)]) if 15 <= len(h) < len(c) else 0.0)


def _ratio(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    bound = matcher.quick_ratio()  # an upper bound, cheap: most candidates fail it
    return bound if bound < MIN_TITLE_RATIO - 0.05 else matcher.ratio()


def _form_items(number: str, title: str) -> tuple[FormItem, ...]:
    """The forms' items with this number whose title (or an S-K title) the heading spells,
    best first."""
    scored = []
    for item in FORM_10K + FORM_10Q + FORM_8K:
        if item.item.lower() != number.lower():
            continue
        ratio = max(title_ratio(title, t) for t in (item.title, *item.also))
        # "Item 7A. ... Market Risk Market Risk", "Item 1A. Risk Factors We operate ...": a
        # title followed by a capitalised heading or sentence.
        words = title.split()
        longest = len(item.title.split()) + 3
        for n in range(min(len(words) - 1, longest), 0, -1):
            if ratio >= MIN_TITLE_RATIO + 0.05:
                break
            rest = words[n]
            if rest[0].isupper() or rest[0] == "(":
                ratio = max(ratio, title_ratio(" ".join(words[:n]), item.title) - 0.05)
        if ratio >= MIN_TITLE_RATIO:
            scored.append((ratio, item))
    scored.sort(key=lambda x: -x[0])
    return tuple(item for _, item in scored)


def _note_title(title: str) -> bool:
    """A note's title: capitalised words ("Commitments and Contingencies", "DEBT"), short,
    not a sentence ("Note 12 for more detail", "Note 3, in May 2017, ...")."""
    title = _TRAILER.sub("", title).strip().rstrip(".")
    if not title or not title[0].isupper() or len(title) > 120:
        return False
    words = re.findall(r"[A-Za-z][A-Za-z’'\-]*", title)
    if not words or len(words) > 14 or re.search(r"[.;]\s+\S", title):
        return False
    long = [w for w in words if len(w) >= 4]
    return not long or sum(w[0].isupper() for w in long) / len(long) >= 0.7


def _lines(page: Page):
    offset = 0
    for line in page.text.split("\n"):
        yield offset, line
        offset += len(line) + 1


_SHORT_LINE = 30  # a heading set one or two words a line ("Item" / "1A." / "RISK" / ...)
_SENTENCE_END = re.compile(r"(?<=[.!?”)])\s+(?=item\s*\d)", re.I)


def _starts(page: Page):
    """(offset, text, whole line) for every place a heading may start: each line (a heading
    broken into one-word lines is joined up), and an "Item" right after a sentence's end in
    text whose layout ran the headings into the paragraphs."""
    lines = list(_lines(page))
    joined_to = -1  # lines up to this index belong to a heading joined up already
    for i, (offset, raw) in enumerate(lines):
        line = raw.strip()
        if not line or i <= joined_to:
            continue
        if len(line) <= _SHORT_LINE and len(line.split()) <= 3 and \
                re.match(r"(?:item|note)\b", line, re.I):
            words = [line]
            upper = None
            for j in range(i + 1, min(i + 20, len(lines))):
                nxt = lines[j][1].strip()
                if not nxt:
                    continue  # "ITEM" / "1B." / "" / "UNRESOLVED" / ...
                if len(nxt) > _SHORT_LINE or len(nxt.split()) > 3 or \
                        re.match(r"(?:item|note|part)\b", nxt, re.I):
                    break  # body text, or the next heading ("Item 1" / "ITEM 1. BUSINESS")
                # An 8-K's titles are long ("Item" / "7.01 Regulation" / "FD" / ...,
                # mixed case): joined up to the word ending in a full stop.
                eight_k = bool(_8K_ITEM.match(" ".join([*words, nxt])))
                if any(c.isalpha() for c in nxt) and not eight_k:
                    case = nxt.isupper()
                    if upper is not None and case != upper:
                        break  # "POLICIES" then "Business": the title has ended
                    upper = case
                words.append(nxt)
                joined_to = j
                if eight_k:
                    if nxt.endswith("."):
                        break
                    continue
                if upper is False:
                    break  # a title in mixed case is one line ("Note 2" / "Acquisitions")
            yield offset + raw.find(line), " ".join(words), True
            continue
        whole = len(line) <= 200
        yield offset + raw.find(line), line[:200], whole
        if "item" not in line.lower():
            continue
        for m in _SENTENCE_END.finditer(line):
            yield offset + raw.find(line) + m.end(), line[m.end():m.end() + 200], False


def _next_line(lines: list[tuple[int, str]], offset: int) -> str:
    """The first non-blank line after the one at ``offset`` (a title set under its number)."""
    at = next((i for i, (o, ln) in enumerate(lines) if o + len(ln) >= offset), len(lines))
    return next((ln.strip() for _, ln in lines[at + 1:at + 3] if ln.strip()), "")


def _candidates(pages: list[Page]) -> list[_Candidate]:
    out: list[_Candidate] = []
    for page in pages:
        lines = list(_lines(page))
        found: list[_Candidate] = []
        for offset, line, whole in _starts(page):
            m = _ITEM.match(line)
            if m:
                title = m.group(2).strip()
                if not title:  # "Item 1A." with its title on the next line
                    title = _next_line(lines, offset)
                toc = whole and bool(_PAGE_NUMBER.search(title))
                items = _form_items(m.group(1), _PAGE_NUMBER.sub("", title) if toc else title)
                if items:
                    found.append(_Candidate(page.number, offset, "item", m.group(1).upper(),
                                            title, toc, items=items))
                continue
            if not whole:
                continue
            m = _NOTE.match(line)
            bare = False
            if not m:
                m, bare = _BARE_NOTE.match(line), True
            if m:
                title = m.group(2).strip() or _next_line(lines, offset)
                toc = bool(_PAGE_NUMBER.search(title))
                if toc:
                    title = _PAGE_NUMBER.sub("", title)
                if _note_title(title):
                    found.append(_Candidate(page.number, offset, "note", m.group(1), title,
                                            toc, bare=bare))
        found.sort(key=lambda c: c.offset)
        for j, cand in enumerate(found):
            end = found[j + 1].offset if j + 1 < len(found) else len(page.text)
            under = _PART.sub("", page.text[cand.offset:end])
            cand.body = len(re.findall(r"[A-Za-z]", under)) - \
                len(re.findall(r"[A-Za-z]", cand.title)) - len(cand.kind)
        # "None." under an item is text; a contents page has none (or only "PART II").
        if len(found) >= TOC_MIN_LINES and \
                sum(c.toc or c.body < 4 for c in found) * 2 >= len(found):
            # A table of contents page; but one item heading atop an index of the
            # statements and notes is that item's first page ("Item 8. Financial Statements
            # ..." / "Index to the Consolidated Financial Statements").
            items = [c for c in found if c.kind == "item"]
            if len(items) == 1 and items[0] is found[0] and not items[0].toc and \
                    _INDEX.match(_next_line(lines, items[0].offset)):
                out.append(items[0])
            continue
        out += [c for c in found if not c.toc]
    return out


def _longest_increasing(seq: list[tuple[int, object]], max_step: int = 1000) -> list[object]:
    """The longest run of (key, value) pairs with keys increasing by 1 to ``max_step``."""
    if not seq:
        return []
    best_len = [1] * len(seq)
    prev = [-1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if 0 < seq[i][0] - seq[j][0] <= max_step and best_len[j] + 1 > best_len[i]:
                best_len[i], prev[i] = best_len[j] + 1, j
    i = max(range(len(seq)), key=lambda x: best_len[x])
    out = []
    while i >= 0:
        out.append(seq[i][1])
        i = prev[i]
    return out[::-1]


def find_headings(pages: list[Page]) -> list[Heading]:
    """The form items and notes of a 10-K or 10-Q, the items and exhibits of an 8-K, or the
    parts of an earnings release, in document order; [] for anything else (a letter)."""
    cands = _candidates(pages)
    items = [c for c in cands if c.kind == "item"]
    votes = {"10-K": 0, "10-Q": 0, "8-K": 0}
    for c in items:
        votes[c.items[0].form] += 1
    form = max(votes, key=lambda f: (votes[f], f == "10-K"))
    order = {"10-K": FORM_10K, "10-Q": FORM_10Q, "8-K": FORM_8K}[form]
    seq: list[tuple[int, object]] = []
    for c in items:
        match = next((it for it in c.items if it.form == form), None)
        if match is not None:
            seq.append((order.index(match), (c, match)))
    chosen_items = _longest_increasing(seq)
    # One stray "Item 2." is no structure; one "Item 5.02. Departure of Directors ..." is.
    if len(chosen_items) < (1 if form == "8-K" else 2):
        return _release_headings(find_parts(pages))
    headings = [Heading(c.page, c.offset, "item", it.label, it.item, form)
                for c, it in chosen_items]  # type: ignore[misc]
    if form == "8-K":
        return headings + _exhibit_headings(pages, headings[-1])
    statements = next((h for h in headings if h.number == STATEMENTS_ITEM[form]
                       and (form == "10-K" or h.label.startswith("Part I,"))), None)
    after = (statements.page, statements.offset) if statements else (0, -1)
    notes = [c for c in cands if c.kind == "note" and (c.page, c.offset) > after]
    chain = _longest_increasing([(int(c.number), c) for c in notes if not c.bare], max_step=3)
    if len(chain) < 2:  # notes numbered without the word: "1. Summary of Significant ..."
        chain = _longest_increasing([(int(c.number), c) for c in notes if c.bare], max_step=3)
        known = _accounting_words()
        linked = sum(any(w in known for w in _roots(c.title)) for c in chain)
        if len(chain) < 4 or linked * 2 < len(chain):
            chain = []  # "1. Definitions", "2. Eligibility": a list in an exhibit
    if len(chain) >= 2:
        headings += [Heading(c.page, c.offset, "note", _note_label(c.number, c.title), c.number)
                     for c in chain]
    return sorted(headings, key=lambda h: (h.page, h.offset))


def _release_headings(parts: list[PartHeading], exhibit: str = "") -> list[Heading]:
    """Release parts as headings; inside an 8-K's exhibit, labelled "Exhibit 99.1. Outlook"
    (the exhibit's own heading stands for the release's opening)."""
    if exhibit:
        return [Heading(p.page, p.offset, "part", f"{exhibit}. {p.label}", "")
                for p in parts if p.part is not None]
    return [Heading(p.page, p.offset, "part", p.label, "") for p in parts]


def _exhibit_headings(pages: list[Page], last_item: Heading) -> list[Heading]:
    """An 8-K's exhibits after its last item ("Exhibit 99.1" atop a page; an exhibit index's
    rows are not on a line of their own), each with the release parts it holds."""
    starts: list[Heading] = []
    for page in pages:
        top = [(o, ln.strip()) for o, ln in _lines(page) if ln.strip()][:EXHIBIT_TOP_LINES + 1]
        for k, (offset, line) in enumerate(top[:EXHIBIT_TOP_LINES]):
            if line.lower() == "exhibit" and k + 1 < len(top):
                line += " " + top[k + 1][1]  # "Exhibit" / "4.1"
            m = _EXHIBIT.match(line)
            if m and (page.number, offset) > (last_item.page, last_item.offset):
                starts.append(Heading(page.number, offset, "exhibit",
                                      f"Exhibit {m.group(1)}", m.group(1)))
                break
    out: list[Heading] = []
    for i, ex in enumerate(starts):
        end = (starts[i + 1].page, starts[i + 1].offset) if i + 1 < len(starts) else None
        out.append(ex)
        out += _release_headings(find_parts(pages, (ex.page, ex.offset), end), ex.label)
    return out


def _note_label(number: str, title: str) -> str:
    title = re.sub(r"\s+", " ", _TRAILER.sub("", title)).strip().rstrip(".").strip()
    if title.isupper():
        title = " ".join(w.lower() if w in _SMALL_WORDS else w.capitalize()
                         for w in title.split())
    return f"Note {int(number)}. {title}"


_SMALL_WORDS = {"AND", "OF", "IN", "FOR", "THE", "TO", "ON", "FROM", "WITH", "OR", "AT", "BY"}


def section_at(headings: list[Heading], page: int, offset: int) -> str | None:
    """The label of the note or item a position falls in. A note ends at the next item."""
    current: Heading | None = None
    for h in headings:
        if (h.page, h.offset) > (page, offset):
            break
        current = h
    return current.label if current else None


def label_chunks(chunks: list[Chunk], headings: list[Heading]) -> None:
    """Set each chunk's ``section`` to the item or note where most of its text lies (its
    middle); the text and boundaries are left as they are."""
    if not headings:
        return
    for c in chunks:
        if c.section is None:
            c.section = section_at(headings, c.page_start, (c.char_start + c.char_end) // 2)


def relabel(store: Store, doc_name: str, pages: list[Page]) -> None:
    """Label a stored document's chunks afresh from its pages (a library ingested before
    sections, or by an older recogniser); only the labels that change are written."""
    chunks = store.document_chunks(doc_name)
    before = {i: c.section for i, c in chunks}
    for _, c in chunks:
        c.section = None
    label_chunks([c for _, c in chunks], find_headings(pages))
    changed = {i: c.section for i, c in chunks if c.section != before[i]}
    if changed:
        store.set_sections(doc_name, changed)


def document_sections(chunks: list[tuple[int, Chunk]]) -> list[dict]:
    """Runs of chunks with one label, in order: each section with its first and last page."""
    out: list[dict] = []
    for _, chunk in chunks:
        if chunk.section is None:
            continue
        if out and out[-1]["section"] == chunk.section:
            out[-1]["last_page"] = max(out[-1]["last_page"], chunk.page_end)
        else:
            out.append({"section": chunk.section, "first_page": chunk.page_start,
                        "last_page": chunk.page_end})
    return out


# -- routing: a question's words to the items and notes that hold its subject ------------


__all__ = ["Heading", "document_sections", "find_headings", "label_chunks", "relabel",
           "section_at", "title_ratio"]
