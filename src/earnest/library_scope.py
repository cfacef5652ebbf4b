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
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from earnest.doc_matching import DocumentMatcher
from earnest.lexicon import STOPWORDS
from earnest.metadata import company_aliases
from earnest.question_plan import QuestionPlan

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
# "Toshiya Hari of Goldman Sachs", "the analyst from Morgan Stanley", "the UBS analyst": the
# analyst's firm, not the company asked about.
_ANALYST_FIRM = re.compile(r"\b[A-Z][\w'.-]+\s+(?:of|from|at)\s+$|"
                           r"\banalysts?\s+(?:of|from|at|with)\s+$")
_FIRM_AFTER = re.compile(r"^\s+(?:analysts?|research|securities|equity research)\b", re.I)
# "Q2 Holdings" is not named by "Q2", which is a quarter.
_PERIODISH = re.compile(r"^(?:Q[1-4]|H[12]|FY\d{0,4}|\d+)$", re.I)
_WORD = re.compile(r"[\w&'’.+-]+")
_CALENDAR = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|"
                       r"fri|sat|sun)[a-z]*$", re.I)
# A name is followed by a possessive, a period or a document ("Zumiez's", "Zumiez Q3",
# "Zumiez 10-K"), not by an ordinary continuation.
_FOLLOWS_AS_NAME = re.compile(r"^(?:'s|s'| Q[1-4]| FY| 10-?[KQ]| (?:19|20)\d\d)")
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
    return tuple(v for v in dict.fromkeys(out) if len(v) >= 2 and not _PERIODISH.match(v))


class CompanyIndex:
    """Finds the companies a question names: a name variant written as a proper noun (as
    the list writes it, or in capitals), or a ticker in capitals that is not an everyday
    abbreviation, or any ticker written as one ("$COST", "NASDAQ: COST")."""

    def __init__(self, companies: list[Company] | tuple[Company, ...]) -> None:
        self.by_first: dict[str, list[tuple[str, Company]]] = {}
        self.by_ticker: dict[str, list[Company]] = {}
        self._fuzzy: dict[str, list[str]] | None = None
        # "JPMorgan's" for "JPMorgan Chase": a name's first word, in the possessive only,
        # when no other company's name starts with it and it is spelt as no ordinary word
        # is (a capital inside: "Smith's", "the Group's" are not companies).
        starts: dict[str, list[Company]] = {}
        for company in companies:
            for variant in company.variants:
                first = variant.split()[0]
                if " " in variant and len(first) >= 5 and first[0].isupper() and \
                        not first.isupper() and first.replace("-", "").isalpha() and \
                        any(c.isupper() for c in first[1:]):
                    starts.setdefault(first, []).append(company)
        whole = {v for c in companies for v in c.variants if " " not in v}
        self.by_possessive = {w: cs[0] for w, cs in starts.items()
                              if len(set(cs)) == 1 and w not in whole}
        for company in companies:
            for variant in company.variants:
                for form in {variant, variant.upper()}:
                    self.by_first.setdefault(form.split()[0], []).append((form, company))
            if company.ticker:
                self.by_ticker.setdefault(company.ticker, []).append(company)

    def closest(self, word: str) -> str | None:
        """The one name word within an edit of ``word`` (two for 9+ letters), if only one."""
        if len(word) < 5:
            return None
        limit = 2 if len(word) >= 9 else 1
        fuzzy = self._fuzzy
        if fuzzy is None:
            # One-word names (whole ones: a typo of a name's first word is not a name), by
            # first letter and by ending: a typo rarely changes both. Built aside and then
            # published, as API threads share the index.
            fuzzy = {}
            for first, forms in self.by_first.items():
                if len(first) >= 4 and first[0].isupper() and not first.isupper() and \
                        first.isalpha() and any(form == first for form, _ in forms):
                    for key in (first[0].lower(), first[-3:].lower()):
                        fuzzy.setdefault(key, []).append(first)
            self._fuzzy = fuzzy
        low = word.lower()
        near = {first for key in (low[0], low[-3:]) for first in fuzzy.get(key, [])
                if abs(len(first) - len(word)) <= limit
                and edit_distance(low, first.lower(), limit) <= limit}
        return near.pop() if len(near) == 1 else None

    def find(self, question: str, *, in_document: bool = False) -> list[Company]:
        """The companies ``question`` names. ``in_document``: the text is a document's,
        where a line may well open with the name and bare capitals are no tickers."""
        return list({id(m.company): m.company
                     for m in self.mentions(question, in_document=in_document)}.values())

    def mentions(self, question: str, *, in_document: bool = False) -> list[Mention]:
        """Each company named, and whether as the subject asked about (see ``_subject``)."""
        text = _fold(question)
        shouting = not re.search(r"[a-z]", text)  # all capitals: no bare tickers
        found: list[Mention] = []
        for m in _WORD.finditer(text):
            whole = m.group(0).rstrip(".,;:?!")
            word = whole[:-2] if whole.endswith("'s") else whole.rstrip("'")
            before = text[:m.start()]
            if _ANALYST_FIRM.search(before):
                continue
            # "Domino's" may be the name itself or a possessive: look up both.
            forms = self.by_first.get(word, []) + (self.by_first.get(whole, [])
                                                     if whole != word else [])
            if whole.endswith("'s") and word in self.by_possessive and \
                    not re.search(r"(?:[A-Z][\w&'.-]*|\b[Tt]he)\s+$", before):
                found.append(Mention(self.by_possessive[word], True))
            for form, company in forms:
                end = m.start() + len(form)
                if text[m.start():end] != form or re.match(r"[\w&]", text[end:end + 1]):
                    continue
                possessive = text[end:end + 2] in ("'s", "s'") or form.endswith("'s")
                # A one-word name opening the question ("Target margin ...") may be an
                # ordinary capitalised word; "Target's" is the company.
                if " " not in form and not before.strip(" \"'(") and \
                        not possessive and not in_document:
                    continue
                if _FIRM_AFTER.match(text[end:]):
                    continue  # "the Goldman Sachs analyst"
                if shouting and " " not in form:
                    continue  # in a question all in capitals every word looks like a name
                found.append(Mention(company, possessive or _subject(before, text[end:])))
            for company in self.by_ticker.get(word, []):
                marked = before[-1:] == "$" or re.search(
                    r"(?:NYSE|NASDAQ|Nasdaq|ticker)\s*:?\s*$", before)
                bare = (len(word) >= 2 and word not in _ABBREVIATIONS and not in_document
                        and not shouting)
                if marked or bare:
                    found.append(Mention(company, True))
        return found


@dataclass(frozen=True, slots=True)
class Mention:
    company: Company
    subject: bool  # the company asked about, not one mentioned in passing


# Around a name asked about: "did Intel report", "ask Oracle", "for Costco", "Costco Q3",
# "Costco's", "Costco 10-K", "Costco CFO"; not "about Visa and Mastercard fees".
_SUBJECT_BEFORE = re.compile(r"\b(?:did|does|do|has|have|had|will|would|is|was|were|can|could|"
                             r"should|ask|asked|for|at)\s+(?:the\s+)?$", re.I)
_SUBJECT_AFTER = re.compile(r"^(?:'s|s'|\s+(?:Q[1-4]|FY|10-?[KQ]|8-?K|(?:19|20)\d\d|"
                            r"fiscal|earnings|call|conference|CEO|CFO|COO|management|"
                            r"report\w*|say|said|guide\w*|expect\w*|announce\w*|post\w*|"
                            r"earn\w*|gave|give|grow\w*|revenue|sales|shares?|stock)\b)", re.I)


def _subject(before: str, after: str) -> bool:
    return bool(_SUBJECT_BEFORE.search(before) or _SUBJECT_AFTER.search(after)
                or not before.strip(" \"'("))


Appears = Callable[..., bool]  # (word, doc_names=None) -> whether documents contain it


@dataclass(frozen=True, slots=True)
class Correction:
    wrong: str
    right: str
    held: bool  # a name of the library's own companies

    def to_dict(self) -> dict[str, str]:
        return {"from": self.wrong, "to": self.right}


def _apply(corrections: list[Correction], question: str) -> str:
    for c in corrections:
        question = re.sub(rf"(?<![\w&]){re.escape(c.wrong)}(?![\w&])", c.right, question)
    return question


def _names_position(question: str, word: str) -> bool:
    """Whether ``word`` stands where a company is named: possessive, or before a period or a
    document ("Zumiez's", "Zumiez Q3", "Zumiez 10-K")."""
    return any(_FOLLOWS_AS_NAME.search(question[m.end():m.end() + 6])
               and not re.search(r"\b[Tt]he\s+$", question[:m.start()])  # "the Group's"
               for m in re.finditer(rf"(?<![\w&]){re.escape(word)}(?![\w&])", question))


def _short(name: str) -> tuple[str, ...]:
    """The first word of a held company's name ("Colgate" of "Colgate-Palmolive", "Alaska"
    of "Alaska Air Group"), when it is a capitalised word of five letters or more: analysts
    shorten names, and a held company wrongly seen named costs nothing (it only keeps a
    question from being refused)."""
    first = re.split(r"[\s-]", _fold(name).strip())[0]
    variants = name_variants(name)
    if len(first) >= 5 and first[0].isupper() and first[1:].islower() and first.isalpha() \
            and first not in variants:
        return (first,)
    return ()


def _capitalised(question: str) -> list[str]:
    """Capitalised words that may be names: not the question's first (unless possessive),
    not all capitals (abbreviations), not stop words, months or days."""
    words = re.findall(r"(?<=\s)[A-Z][a-z][\w&-]{2,}|^[A-Z][a-z][\w&-]{2,}(?='s)",
                       _fold(question))
    return [w for w in dict.fromkeys(words)
            if w.lower() not in STOPWORDS and not _CALENDAR.match(w)]


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), stopped past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


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
        groups: dict[str, Counter[str]] = {}
        for doc in self.docs:
            meta = doc.effective_metadata()
            names = sorted(aliases.get(doc.doc_name, set()))
            ticker = (meta.get("ticker") or "").upper() or None
            for name in names:
                self.held.append(Company(name, ticker, name_variants(name) + _short(name)))
            if ticker and not names:
                self.held.append(Company(ticker, ticker, ()))
            if names or ticker:
                # One company however its documents write its name: by ticker, else name.
                variants = name_variants(names[0]) if names else ()
                key = ticker or (_joined(variants[0]) if variants else _joined(names[0]))
                groups.setdefault(key, Counter()).update(names or [ticker])
                self.doc_company[doc.id] = key
        # A document naming its company only by the ticker another document states.
        for key in [k for k in groups if k.upper() in groups and k != k.upper()]:
            groups[key.upper()].update(groups.pop(key))
            for doc_id, k in self.doc_company.items():
                if k == key:
                    self.doc_company[doc_id] = key.upper()
        # Each company's label: the name its documents use most, in mixed case if any is.
        self.labels = {key: max(counts, key=lambda n: (counts[n], not n.isupper(), -len(n)))
                       for key, counts in groups.items()}
        self.held = list(dict.fromkeys(self.held))  # one entry per name, not per document
        self.held_index = CompanyIndex(self.held)
        self._name_keys = set().union(*matcher.names.values()) if matcher.names else set()

    def _is_held(self, company: Company) -> bool:
        """A listed company is held when the library's documents go by its name or ticker."""
        keys = {_joined(v) for v in company.variants}
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
        folded = _fold(question)
        for word in _capitalised(folded):
            if word in self.held_index.by_first or word in public_companies().by_first:
                continue
            if not _names_position(folded, word):
                continue
            held = self.held_index.closest(word)
            target = held or public_companies().closest(word)
            if target and not appears(word.lower()):
                corrections.append(Correction(word, target, held=bool(held)))
        return _apply([c for c in corrections if c.held], question), corrections

    def check(self, question: str, plan: QuestionPlan, appears: Appears | None = None,
              corrections: list[Correction] | None = None) -> ScopeVerdict | None:
        """Why the library cannot answer ``question`` (read as ``plan``), or None: it is asked about (see
        ``Mention.subject``) companies the library has no documents of and about none it
        has, or only about periods outside what it holds. ``appears(word, docs)`` says
        whether any document (of ``docs``) contains a word: a capitalised name written as a
        company's ("Zumiez's", "Zumiez Q3") that no document contains is a company the
        library lacks, and a year the company's documents name is held."""
        if not self.docs:
            return None
        asked = _apply(corrections or [], question)
        appears = appears or (lambda word, docs=None: False)
        listed = public_companies().mentions(asked)
        held_named = [m.company for m in self.held_index.mentions(asked)] + \
            [m.company for m in listed if self._is_held(m.company)]
        outside = [m.company for m in listed if m.subject and not self._is_held(m.company)]
        if not held_named and not outside:
            folded = _fold(asked)
            outside = [Company(w, None, (w,)) for w in _capitalised(folded)
                       if _names_position(folded, w) and not appears(w.lower())]
        if outside and not held_named:
            return self._company_verdict(list(dict.fromkeys(outside)))
        return self._period_verdict(plan, held_named, appears)

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
        asked = plan.periods
        if not asked or plan.latest:
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
        forward, results = plan.outlook, plan.asks_results
        # Annual reports print several earlier years (selected data: five); calls and
        # releases compare with a year before.
        back = 5 if any(p[4].effective_metadata().get("doc_type") == "10-K"
                        for p in periods) else 1

        # The quarter after the newest one: its documents give guidance for it.
        following = (newest[0] + newest[1] // 4, newest[1] % 4 + 1)

        def held(year: int, quarter: int | None) -> bool:
            if quarter is None:
                # A year within the documents' years, up to that of the quarter after the
                # newest (a fourth quarter's documents speak of the year ahead) and the year
                # after it when the question asks for an outlook, or one the company's
                # documents name (debt maturing in 2027, 2030 goals).
                last = following[0] + (1 if forward else 0)
                return oldest[0] - back <= year <= last or appears(
                    str(year), [d.doc_name for d in docs])
            if year < oldest[0] - back:
                return False
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


def _period_label(year: int, quarter: int | None) -> str:
    return f"Q{quarter} {year}" if quarter else f"FY{year}"
