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
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from earnest.doc_matching import DocumentMatcher, question_scope
from earnest.metadata import company_aliases

# Legal-form words that are not part of how anyone names the company ("Apple Inc.").
_LEGAL = {"inc", "incorporated", "corp", "corporation", "ltd", "limited", "plc", "nv", "sa",
          "se", "ag", "ab", "asa", "oyj", "spa", "kgaa", "lp", "llc", "co", "the", "publ",
          "sab", "de", "cv"}
# Words of a name that may be dropped only when what remains still reads as a name:
# "Walt Disney Company" -> "Walt Disney", but "Southern Company" is not "Southern".
_SOFT = {"company", "companies", "group", "holding", "holdings", "trust", "class", "a", "b",
         "c", "shares", "adr"}
# Capitalised abbreviations of accounting and business English that are also some listed
# company's ticker: in a question they are the abbreviation.
_ABBREVIATIONS = {
    "AI", "API", "ARR", "CAGR", "CEO", "CFO", "COO", "CTO", "CPI", "EBIT", "EBITDA", "EPS",
    "ESG", "ETF", "EU", "EV", "FCF", "FDA", "FX", "FY", "GAAP", "GDP", "HR", "IPO", "IT",
    "KPI", "LLC", "MD", "NYSE", "OEM", "PE", "PPE", "QOQ", "ROA", "ROE", "ROI", "ROIC", "SEC",
    "SG", "SKU", "TAM", "TTM", "UK", "US", "USA", "USD", "YOY", "ALL", "ON", "NOW", "KEY",
    "ARE", "A", "AN", "SO", "IS", "OR", "BE", "GO", "UP", "CAN", "HAS", "ANY", "BIG", "NEW",
    "OUT", "TWO", "ONE", "CASH", "LOW", "HOLD", "FAST", "RUN", "PAY", "REAL", "SAVE", "CASE",
    "COST",
}
_WORD = re.compile(r"[\w&'’.+-]+")
_FORWARD = re.compile(r"\b(?:guid\w*|outlook|expect\w*|forecast\w*|project\w*|plan\w*|"
                      r"target\w*|anticipat\w*|will|next (?:year|quarter)|going forward)\b",
                      re.I)


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    ticker: str | None
    variants: tuple[str, ...]  # how the name is written, legal form dropped


def _fold(text: str) -> str:
    """Accents off, curly apostrophes straight: "Hermès" and "Hermes" are one name."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def name_variants(name: str) -> tuple[str, ...]:
    """Ways a company name appears in a question: the name without its legal form, and
    without "Company"/"Group" where the rest still reads as a name."""
    name = re.sub(r"\([^)]*\)", " ", _fold(name))
    words = [w.strip(",") for w in name.replace(",", " , ").split() if w.strip(",")]

    def strip(ws: list[str], drop: set[str]) -> list[str]:
        ws = list(ws)
        while ws and re.sub(r"[.]", "", ws[-1]).lower() in drop | {"&", ""}:
            ws.pop()
        while ws and ws[0].lower() == "the":
            ws.pop(0)
        return ws

    hard = strip(words, _LEGAL)
    out = [" ".join(hard)] if hard else []
    soft = strip(hard, _LEGAL | _SOFT)
    if soft and soft != hard and (len(soft) > 1 or not soft[0].isalpha()
                                  or soft[0].isupper()):
        out.append(" ".join(soft))
    return tuple(v for v in dict.fromkeys(out) if len(v) >= 2)


class CompanyIndex:
    """Finds the companies a question names: a name variant written as a proper noun (as
    the list writes it, or in capitals), or a ticker in capitals that is not an everyday
    abbreviation, or any ticker written as one ("$COST", "NASDAQ: COST")."""

    def __init__(self, companies: list[Company] | tuple[Company, ...]) -> None:
        self.by_first: dict[str, list[tuple[str, Company]]] = {}
        self.by_ticker: dict[str, list[Company]] = {}
        for company in companies:
            for variant in company.variants:
                for form in {variant, variant.upper()}:
                    self.by_first.setdefault(form.split()[0], []).append((form, company))
            if company.ticker:
                self.by_ticker.setdefault(company.ticker, []).append(company)

    def find(self, question: str) -> list[Company]:
        text = _fold(question)
        found: dict[int, Company] = {}
        for m in _WORD.finditer(text):
            word = m.group(0).rstrip(".,;:?!'")
            word = word[:-2] if word.endswith("'s") else word
            for form, company in self.by_first.get(word, []):
                end = m.start() + len(form)
                if text[m.start():end] != form or re.match(r"[\w&]", text[end:end + 1]):
                    continue
                possessive = text[end:end + 2] in ("'s", "s'")
                # A one-word name opening the question ("Target margin ...") may be an
                # ordinary capitalised word; "Target's" is the company.
                if " " not in form and not text[:m.start()].strip(" \"'(") and not possessive:
                    continue
                found[id(company)] = company
            tick = word
            for company in self.by_ticker.get(tick, []):
                marked = text[m.start() - 1:m.start()] == "$" or re.search(
                    r"(?:NYSE|NASDAQ|Nasdaq|ticker)\s*:?\s*$", text[:m.start()])
                if marked or (len(tick) >= 2 and tick not in _ABBREVIATIONS):
                    found[id(company)] = company
        return list(found.values())


@lru_cache(maxsize=1)
def public_companies() -> CompanyIndex:
    """The listed companies of the indices ``pytickersymbols`` ships (about 1,800)."""
    from pytickersymbols.indices_data import INDICES

    seen: dict[str, Company] = {}
    for index in INDICES.values():
        for entry in index.get("companies", []):
            name = entry.get("name") or ""
            symbol = (entry.get("symbol") or "").split(".")[0].upper() or None
            if name and name not in seen:
                seen[name] = Company(name, symbol, name_variants(name))
    return CompanyIndex(tuple(seen.values()))


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


def _joined(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _fold(text).lower())


class LibraryScope:
    """What the library holds, by company and period, and the check of a question
    against it. Built from the document matcher, so it follows the library generation."""

    def __init__(self, matcher: DocumentMatcher) -> None:
        self.matcher = matcher
        self.docs = matcher.docs
        aliases = company_aliases(self.docs)
        self.held: list[Company] = []
        self.doc_company: dict[int, str] = {}
        for doc in self.docs:
            meta = doc.effective_metadata()
            names = sorted(aliases.get(doc.doc_name, set()))
            ticker = (meta.get("ticker") or "").upper() or None
            label = meta.get("company") or (names[0] if names else ticker) or doc.doc_name
            self.doc_company[doc.id] = label
            for name in names or [label]:
                self.held.append(Company(name, ticker, name_variants(name)))
        self.held_index = CompanyIndex(self.held)
        self._name_keys = set().union(*matcher.names.values()) if matcher.names else set()

    def _is_held(self, company: Company) -> bool:
        """A listed company is held when the library's documents go by its name or ticker."""
        keys = {_joined(v) for v in company.variants}
        if company.ticker:
            keys.add(company.ticker.lower())
        return bool(keys & self._name_keys)

    def check(self, question: str) -> ScopeVerdict | None:
        if not self.docs:
            return None
        held_named = self.held_index.find(question)
        outside = [c for c in public_companies().find(question) if not self._is_held(c)]
        if outside and not held_named:
            return self._company_verdict(outside)
        return self._period_verdict(question, held_named)

    def _company_verdict(self, outside: list[Company]) -> ScopeVerdict:
        named = [f"{c.name} ({c.ticker})" if c.ticker else c.name for c in outside[:3]]
        companies = sorted(set(self.doc_company.values()), key=str.lower)
        listing = ", ".join(companies[:12]) + (f" and {len(companies) - 12} more"
                                               if len(companies) > 12 else "")
        message = (f"Not found in your documents: the library holds no documents of "
                   f"{' or '.join(named)}. It holds documents of {len(companies)} "
                   f"compan{'y' if len(companies) == 1 else 'ies'}: {listing}.")
        return ScopeVerdict("company_not_held", message, companies=[c.name for c in outside])

    def _period_verdict(self, question: str, named: list[Company]) -> ScopeVerdict | None:
        scope = question_scope(question)
        if not scope.years or scope.latest:
            return None
        if named:
            keys = {_joined(v) for c in named for v in c.variants} | \
                {c.ticker.lower() for c in named if c.ticker}
            docs = [d for d in self.docs if self.matcher.names[d.id] & keys]
            who = named[0].name
        else:
            docs, who = list(self.docs), None
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
        asked_year = max(scope.years)
        asked = (asked_year, scope.quarter or 1)
        forward = bool(_FORWARD.search(question))
        # A later period is what the newest documents cannot report, except guidance for
        # the next year given in them.
        after = asked > newest and not (forward and asked_year <= newest[0] + 1)
        annual = any(p[4].effective_metadata().get("doc_type") == "10-K" for p in periods)
        # Annual reports print several earlier years (selected data: five); calls and
        # releases compare with a year before.
        before = max(scope.years) < oldest[0] - (5 if annual else 1)
        if not (after or before):
            return None
        label = _period_label(asked_year, scope.quarter)
        quarterly = any(p[3] for p in periods)
        first = _period_label(oldest[0], oldest[1] if quarterly else None)
        last = _period_label(newest[0], newest[1] if quarterly else None)
        held = f"from {first} to {last}" if first != last else f"only for {last}"
        subject = f"{who} documents" if who else "documents"
        message = (f"Not found in your documents: the library holds {subject} {held}; "
                   f"nothing for {label}.")
        return ScopeVerdict("period_not_held", message, companies=[who] if who else [],
                            asked=label, held=held)


def _period_label(year: int, quarter: int | None) -> str:
    return f"Q{quarter} {year}" if quarter else f"FY{year}"
