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

import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TYPE_CHECKING

from earnest.lexicon import STOPWORDS, stem, tokens
from earnest.models import Chunk, Page
from earnest.release_sections import PartHeading, find_parts, part_named
from earnest.section_titles import (
    ASC_TOPICS,
    FORM_8K,
    FORM_10K,
    FORM_10Q,
    RELEASE_PARTS,
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
            continue  # a table of contents page
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

@lru_cache(maxsize=65536)  # pure, and called for each question word for each candidate
def _root(word: str) -> str:
    """A coarse word root, so "leases", "leasing" and "lease" meet."""
    word = stem(word)
    for suffix in ("ations", "ation", "ings", "ing", "ions", "ion", "ency", "ent", "ed", "es", "s",
                   "e", "y", "ic", "al"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=8192)  # each ASC topic's names at every note title, each title again
def _roots(text: str) -> frozenset[str]:
    return frozenset(_root(t) for t in tokens(re.sub(r"\d+(?:-\d+)*", " ", text))
                     if t not in STOPWORDS and len(t) > 2 and t not in _TITLE_FILLER)


# Words every form title uses for its kind of content, not for a subject. Sources: the SEC
# item titles (section_titles: "Other Information", "Financial Statements and Supplementary
# Data", "Certain Relationships and Related Transactions", "Related Stockholder Matters",
# "[Reserved]", "Form 10-K Summary") and ASC topic names ("Compensation - General",
# "Collaborative Arrangements"); "item", "note", "net", "including", "any": how a heading
# names itself ("Note 7. Property and Equipment, Net").
_TITLE_FILLER = frozenset({"disclosure", "disclosures", "information", "data", "other",
                           "certain", "related", "matters", "statement", "statements",
                           "financial", "general", "item", "note", "notes", "net",
                           "including", "any", "reserved", "summary", "form",
                           "arrangement", "arrangements"})


def _item_names(item: FormItem) -> tuple[str, ...]:
    return (item.title, *item.also)


@lru_cache(maxsize=1)
def _accounting_words() -> frozenset[str]:
    """The words of the 10-K and 10-Q items' and the ASC topics' titles: what a note's title
    uses ("Termination" of an 8-K item is no accounting word)."""
    return frozenset().union(*(_roots(n) for i in FORM_10K + FORM_10Q for n in _item_names(i)),
                             *(_roots(t.title) | frozenset().union(*map(_roots, t.subtopics))
                               for t in ASC_TOPICS))


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    entries = [frozenset().union(*(_roots(n) for n in _item_names(i)))
               for i in FORM_10K + FORM_10Q + FORM_8K]
    entries += [frozenset().union(*(_roots(n) for n in p.names)) for p in RELEASE_PARTS]
    entries += [frozenset().union(_roots(t.title), *(_roots(s) for s in t.subtopics))
                for t in ASC_TOPICS]
    df: dict[str, int] = {}
    for entry in entries:
        for word in entry:
            df[word] = df.get(word, 0) + 1
    n = len(entries)
    return {w: math.log(1 + n / d) for w, d in df.items()}, math.log(1 + n)


def _topics_of(note_title: str) -> tuple[str, ...]:
    """Names of the ASC topics a note's title is about: those sharing at least half of the
    weight of the title's words that any title uses ("Long-term Debt" -> Debt; "Leasing
    Arrangements" -> Leases; "Income Taxes" is not "Other Income"), with their subtopics."""
    idf, _ = _idf()
    words = frozenset(w for w in _roots(note_title) if w in idf)
    mass = sum(idf[w] for w in words)
    out: list[str] = []
    for topic in ASC_TOPICS:
        names = (topic.title, *topic.subtopics)
        shared = words & frozenset().union(*(_roots(n) for n in names))
        if mass and sum(idf[w] for w in shared) * 2 >= mass:
            out += names
    return tuple(out)


_BY_LABEL = {i.label: i for i in FORM_10K + FORM_10Q + FORM_8K}


@lru_cache(maxsize=4096)
def section_names(section: str) -> tuple[frozenset[str], ...]:
    """The word sets a section is known by: an item's form and S-K titles; a note's own
    title and the ASC topic names it links to; a release part's names ("Outlook",
    "Guidance"). () for anything else (a call's "Q&A")."""
    item = _BY_LABEL.get(section)
    if item is not None:
        return tuple(_roots(n) for n in _item_names(item))
    part = part_named(section)
    if part is not None:
        return tuple(r for r in (_roots(n) for n in part.names) if r)
    if section.startswith("Note "):
        title = section.split(". ", 1)[-1]
        return tuple(r for r in (_roots(title), *(_roots(n) for n in _topics_of(title))) if r)
    return ()


def section_match(terms: list[str], section: str | None) -> float:
    """0..1: how squarely a question's words name the subject of ``section``. The geometric
    mean of the share of one of the section's names that the question says (weighted by how
    rare each word is among all titles) and the share of the question's title-like words
    that section covers."""
    if not section or not terms:
        return 0.0
    names = section_names(section)
    if not names:
        return 0.0
    idf, top = _idf()
    asked = {_root(t) for t in terms if t not in STOPWORDS and not t.isdigit()}
    mine = frozenset().union(*names)
    titled = {w for w in asked if w in idf or w in mine}
    covered = asked & mine
    if not covered:
        return 0.0
    q_share = sum(idf.get(w, top) for w in covered) / sum(idf.get(w, top) for w in titled)
    e_share = max(sum(idf.get(w, top) for w in name & asked) / sum(idf.get(w, top) for w in name)
                  for name in names)
    return math.sqrt(q_share * e_share)


def item_match(terms: list[str], section: str | None) -> float:
    """``section_match`` for a form's item or a note (not a release's part)."""
    if not section or part_named(section) is not None:
        return 0.0
    return section_match(terms, section)


def release_part_match(terms: list[str], section: str | None) -> float:
    """``section_match`` for a release's part ("guidance" -> Outlook; "non-GAAP",
    "adjusted" -> Non-GAAP Reconciliation); 0 for anything else."""
    if not section or part_named(section) is None:
        return 0.0
    return section_match(terms, section)


__all__ = ["Heading", "document_sections", "find_headings", "item_match", "label_chunks",
           "relabel", "release_part_match", "section_at", "section_match", "section_names",
           "title_ratio"]
