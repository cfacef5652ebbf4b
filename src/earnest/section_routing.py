"""Which section of a filing a question is about: each form item's, note's and release
part's names (``section_titles``: the forms' own titles, the ASC topics) as word roots, and how
squarely a question's words name them. Recognising the sections is ``filing_sections``'."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from earnest.lexicon import STOPWORDS, stem, tokens
from earnest.release_sections import part_named
from earnest.section_titles import ASC_TOPICS, FORM_8K, FORM_10K, FORM_10Q, RELEASE_PARTS, FormItem


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
        # an item whose name is all stop words ("[Reserved]") is known by its others
        return tuple(r for r in (_roots(n) for n in _item_names(item)) if r)
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

    def weight(words: set[str] | frozenset[str]) -> float:
        return sum(idf.get(w, top) for w in words)

    if not weight(titled):
        return 0.0  # only words every title has
    q_share = weight(covered) / weight(titled)
    e_share = max((weight(name & asked) / weight(name) for name in names if weight(name)),
                  default=0.0)
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


__all__ = ["item_match", "release_part_match", "section_match", "section_names"]
