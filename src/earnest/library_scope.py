"""Whether a question is about something the library holds.

A question naming a company the library has no documents of, or a period after (or long
before) everything the library holds for the company asked about, is answered "not found"
with what the library does hold, and before any retrieval: quoting another company's or
another year's words as if they answered is the one failure an analyst cannot catch.

Companies outside the library are recognised from a general list of listed companies (the
constituents of the major US, European and Japanese indices, from the maintained PyPI package
``pytickersymbols``), not from the library's own vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from earnest.asked_subjects import SAYING
from earnest.company_names import (
    Appears,
    Company,
    CompanyIndex,
    Correction,
    Usage,
    apply_corrections,
    capitalised_words,
    fold,
    joined,
    name_variants,
    names_position,
    public_companies,
)
from earnest.doc_matching import DocumentMatcher
from earnest.question_plan import QuestionPlan

# "How much did Amazon spend on capex in 2023?": a past tense that asks what happened, unless
# the verb is one of saying ("What did the CFO say about 2023?" asks what was said before it).
_DID = re.compile(r"\bdid\b", re.I)

# "JPMorgan's Harlan Sur", "Wells Fargo's Joe Quatrochi": a firm's name before a person's.
_AFFILIATION = re.compile(r"\b[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)?(?:'s|’s|s'|s’)\s+"
                          r"(?=([A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)* [A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)*)"
                          r"(?![\w&]))")


def without_affiliations(question: str, speaks: Callable[[str], bool]) -> str:
    """``question`` without the firm of a person who speaks in the library's documents
    ("What did JPMorgan's Harlan Sur ask?" -> "What did Harlan Sur ask?"): an analyst's
    employer is not the company asked about. "Apple's Greater China" names no speaker and
    stays."""
    return _AFFILIATION.sub(lambda m: "" if speaks(m.group(1)) else m.group(0), question)


__all__ = ["Company", "CompanyIndex", "Correction", "LibraryScope", "ScopeVerdict",
           "name_variants", "public_companies"]


@dataclass(slots=True)
class ScopeVerdict:
    """Why the library cannot answer: it lacks the company, or the period."""

    reason: str  # company_not_held | period_not_held
    message: str
    companies: list[str] = field(default_factory=list)
    asked: str | None = None
    held: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "message": self.message, "companies": self.companies,
                "asked": self.asked, "held": self.held}


class LibraryScope:
    """What the library holds, by company and period, and the check of a question
    against it. Built from the document matcher, so it follows the library generation."""

    def __init__(self, matcher: DocumentMatcher) -> None:
        self.matcher = matcher
        self.docs = matcher.docs
        companies = matcher.companies
        self.held, self.held_index = companies.held, companies.index
        self.labels, self.doc_company = companies.labels, companies.doc_company
        self._usage: dict[str, tuple[int, int]] = {}  # a word's uses, per library generation
        self._mention_cache: dict[str, tuple[list, list]] = {}
        self._name_keys = set().union(*matcher.names.values()) if matcher.names else set()

    def _is_held(self, company: Company) -> bool:
        """A listed company is held when the library's documents go by its name or ticker."""
        keys = {joined(v) for v in company.variants}
        if company.ticker:
            keys.add(company.ticker.lower())
        return bool(keys & self._name_keys)

    def correct(self, question: str, appears: Appears) -> tuple[str, list[Correction]]:
        """Company names mistyped in ``question`` ("Netflx's"), corrected: a word written as a
        name (capitalised, and possessive or followed by a period or document) that no
        document contains and that is one edit (two for long words) from exactly one
        one-word company name. The library's own names rewrite the question (so retrieval
        finds the company); a listed name only informs the check. Returns the question to
        retrieve with and the corrections."""
        corrections: list[Correction] = []
        folded = fold(question)
        for word in capitalised_words(folded):
            if word in self.held_index.by_first or word in public_companies().by_first:
                continue
            if not names_position(folded, word):
                continue
            held = self.held_index.closest(word)
            target = held or public_companies().closest(word)
            if target and not appears(word.lower()):
                corrections.append(Correction(word, target, held=bool(held)))
        return apply_corrections([c for c in corrections if c.held], question), corrections

    def check(self, question: str, plan: QuestionPlan, appears: Appears | None = None,
              corrections: list[Correction] | None = None,
              usage: Usage | None = None,
              speaks: Callable[[str], bool] | None = None) -> ScopeVerdict | None:
        """Why the library cannot answer ``question`` (read as ``plan``), or None: it is asked about (see
        ``Mention.subject``) companies the library has no documents of and about none it
        has, or only about periods outside what it holds. ``appears(word, docs)`` says
        whether any document (of ``docs``) contains a word: a capitalised name written as a
        company's ("Zumiez's", "Zumiez Q3") that no document contains is a company the
        library lacks, and a year the company's documents name is held. ``speaks(name)``
        says whether a person speaks in the documents (an analyst's firm is no subject)."""
        if not self.docs:
            return None
        asked = apply_corrections(corrections or [], question)
        if speaks is not None:
            asked = without_affiliations(asked, speaks)
        appears = appears or (lambda word, docs=None: False)
        listed, held_mentions = self._mentions(asked)
        if not listed and not held_mentions and usage is not None:
            # Names typed in lower case, once no capitalised one is found.
            usage = self._cached(usage)
            listed = public_companies().lowercase_mentions(asked, usage)
            held_mentions = self.held_index.lowercase_mentions(asked, usage)
        held_named = [m.company for m in held_mentions] + \
            [m.company for m in listed if self._is_held(m.company)]
        outside = [m.company for m in listed if m.subject and not self._is_held(m.company)]
        if not held_named and not outside:
            outside = [Company(w, None, (w,)) for w in _written_as_names(asked)
                       if not appears(w.lower())]
        if outside and not held_named:
            return self._company_verdict(list(dict.fromkeys(outside)))
        return self._period_verdict(plan, held_named, appears)

    def unheld_subjects(self, question: str, appears: Appears,
                        speaks: Callable[[str], bool] | None = None) -> list[str]:
        """Names written as a company's ("Samsung's memory revenue", "Rivian's deliveries")
        that no document is of but some mention (a customer, an investment), when the
        question names no company the library holds: an answer must come from passages
        that mention them, not from a held company's figures. The firm of a person who
        speaks (``speaks``: "Oppenheimer's Ittai Kidron") is no subject."""
        if not self.docs:
            return []
        if speaks is not None:
            question = without_affiliations(question, speaks)
        listed, held_mentions = self._mentions(question)
        if held_mentions or any(self._is_held(m.company) for m in listed):
            return []
        return [w for w in _written_as_names(question) if appears(w.lower())]

    def asks_about_held(self, question: str, usage: Usage) -> bool:
        """Whether ``question`` names a company the library holds, as a proper noun, a
        ticker or (when it names none so) in lower case (``check`` reads names the same
        way)."""
        listed, held_mentions = self._mentions(question)
        if held_mentions or any(self._is_held(m.company) for m in listed):
            return True
        return not listed and bool(self.held_index.lowercase_mentions(
            question, self._cached(usage)))

    def _mentions(self, question: str) -> tuple[list, list]:
        """The listed and the held companies ``question`` names (capitalised), read once
        for ``check`` and ``unheld_subjects`` of the same question."""
        found = self._mention_cache.get(question)
        if found is None:
            if len(self._mention_cache) > 256:
                self._mention_cache.clear()
            found = (public_companies().mentions(question), self.held_index.mentions(question))
            self._mention_cache[question] = found
        return found

    def _cached(self, usage: Usage) -> Usage:
        def cached(word: str) -> tuple[int, int]:
            if word not in self._usage:
                self._usage[word] = usage(word)
            return self._usage[word]
        return cached

    def _company_verdict(self, outside: list[Company]) -> ScopeVerdict:
        named = [f"{c.name} ({c.ticker})" if c.ticker else c.name for c in outside[:3]]
        companies = sorted(set(self.labels.values()), key=str.lower)
        listing = ", ".join(companies[:12]) + (f" and {len(companies) - 12} more"
                                               if len(companies) > 12 else "")
        message = (f"Not found in your documents: the library holds no documents of "
                   f"{' or '.join(named)}. It holds documents of {len(companies)} "
                   f"compan{'y' if len(companies) == 1 else 'ies'}: {listing}.")
        return ScopeVerdict("company_not_held", message, companies=[c.name for c in outside])

    def _period_verdict(self, plan: QuestionPlan, named: list[Company],
                        appears: Appears) -> ScopeVerdict | None:
        asked = list(plan.periods)
        if not asked or plan.latest:
            return None
        if named:
            keys = {joined(v) for c in named for v in c.variants} | \
                {c.ticker.lower() for c in named if c.ticker}
            docs = [d for d in self.docs if self.matcher.names[d.id] & keys]
            who = named[0].name
        else:
            docs, who = list(self.docs), None
        if plan.month_periods and docs:
            # "The March quarter of fiscal 2025": the company's own fiscal quarter.
            said = {mp[1] for mp in plan.month_periods}
            asked = [self.matcher.month_period(docs[0].id, mp) for mp in plan.month_periods] \
                + [p for p in asked if p[0] not in said]
        periods = []
        for doc in docs:
            year, quarter = self.matcher.periods[doc.id]
            if year is None:
                continue
            also = self.matcher.also_called.get(doc.id)
            periods.append((max(year, also or year), quarter or 4, year, quarter, doc))
        if not periods or len(periods) < len(docs) / 2:
            return None  # too little is dated to say what the library lacks
        newest = max(p[:2] for p in periods)
        oldest = min((p[2], p[3] or 1) for p in periods)
        forward, results = plan.outlook, plan.asks_results
        # What happened in a period (not what was said of it, nor what is expected).
        happened = not forward and (results or bool(_DID.search(plan.question))) \
            and not SAYING.search(plan.question)
        # Annual reports print several earlier years (selected data: five); calls and
        # releases compare with a year before.
        back = 5 if any(p[4].effective_metadata().doc_type == "10-K"
                        for p in periods) else 1

        # The quarter after the newest one: its documents give guidance for it.
        following = (newest[0] + newest[1] // 4, newest[1] % 4 + 1)

        def held(year: int, quarter: int | None) -> bool:
            if quarter is None:
                if happened:
                    # What happened in a year is reported by documents of that year or
                    # later: none written before it can say (naming the year does not).
                    return oldest[0] - back <= year <= newest[0]
                # A year within the documents' years, up to that of the quarter after the
                # newest (a fourth quarter's documents speak of the year ahead) and the year
                # after it when the question asks for an outlook, or one the company's
                # documents name (debt maturing in 2027, 2030 goals).
                last = following[0] + (1 if forward else 0)
                return oldest[0] - back <= year <= last or appears(
                    str(year), [d.doc_name for d in docs])
            if year < oldest[0] - back:
                return False
            if happened and (year, quarter) < oldest:
                # What happened before everything held: only what a document looks back on,
                # the quarter before its own (sequential) and the same quarter a year
                # earlier; a document of no quarter (an annual report), its own year and the
                # one before. (What a later call says of that quarter is asked of it.)
                return any(_looks_back_on(p[2], p[3], year, quarter) for p in periods)
            # A later quarter is what the newest documents cannot report: results for it
            # are not held; what they say of the quarter they guide for is, and of the year
            # ahead when the question asks for an outlook.
            ahead = (newest[0] + 1, newest[1]) if forward else \
                newest if results else following
            return (year, quarter) <= ahead

        if any(held(y, q) for y, q in asked):
            return None
        label = _period_label(*max(asked, key=lambda p: (p[0], p[1] or 0)))
        quarterly = any(p[3] for p in periods)
        first = _period_label(oldest[0], oldest[1] if quarterly else None)
        last = _period_label(newest[0], newest[1] if quarterly else None)
        span = f"from {first} to {last}" if first != last else f"only for {last}"
        subject = f"{who} documents" if who else "documents"
        message = (f"Not found in your documents: the library holds {subject} {span}; "
                   f"nothing for {label}.")
        return ScopeVerdict("period_not_held", message, companies=[who] if who else [],
                            asked=label, held=span)


def _written_as_names(question: str) -> list[str]:
    """Capitalised words standing where a company is named ("Zumiez's", "Zumiez Q3")."""
    folded = fold(question)
    return [w for w in capitalised_words(folded) if names_position(folded, w)]


def _looks_back_on(year: int, quarter: int | None, asked_year: int, asked: int) -> bool:
    """Whether a document of (``year``, ``quarter``) reports quarter ``asked`` of
    ``asked_year``, one before its own period."""
    if quarter is None:
        return year - 1 <= asked_year <= year
    index = year * 4 + quarter - 1
    return asked_year * 4 + asked - 1 in (index - 1, index - 4)


def _period_label(year: int, quarter: int | None) -> str:
    return f"Q{quarter} {year}" if quarter else f"FY{year}"
