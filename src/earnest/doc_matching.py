"""Which documents a question is about: company (or ticker), fiscal period, document type.

A boost, never a filter: a wrong guess costs rank, not the answer."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from earnest.lexicon import STOPWORDS, tokens
from earnest.metadata import company_aliases, period_from_name
from earnest.models import DocumentInfo

_SPLIT_ALNUM = re.compile(r"\d+|[a-z]+")
_GENERIC = {"the", "and", "of", "inc", "corp", "co", "company", "group", "dated", "com",
            "corporation", "incorporated", "plc", "ltd", "holdings", "international"}
_PERIOD_WORD = re.compile(r"^(?:(?:19|20)\d\d|q[1-4]|fy\d*|\d+[kq]|\d{1,2}|k|q|earnings|"
                          r"release|call|transcript|report|dated|\d{4}q[1-4])$")
_YEAR = re.compile(r"\b(?:fy|fiscal\s*(?:year\s*)?)?\s?'?((?:19|20)\d\d)\b", re.I)
_SHORT_FY = re.compile(r"\bfy\s?'?(\d\d)\b", re.I)
_QUARTER = re.compile(r"\b(?:q([1-4])|(first|second|third|fourth)\s+quarter)\b", re.I)
_TICKER = re.compile(r"\b[A-Z]{2,5}\b|\b[A-Z]\b(?=\s+(?:Q[1-4]|FY|fiscal|(?:19|20)\d\d)\b)")
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_LATEST = re.compile(r"\b(latest|most recent|last (?:quarter|year|fiscal year|call|10-?[kq])|"
                     r"current (?:quarter|year))\b", re.I)
# A question about the record over years wants annual reports, which print several years.
_HISTORY = re.compile(r"\bhistorical(?:ly)?\b|\bover (?:the )?(?:past |last )?(?:\w+ )?years\b|"
                      r"\beach year\b|\btrends?\b|\bover time\b", re.I)
_TYPE_CUES = [
    ("10-K", re.compile(r"\b10-?k\b|annual report", re.I)),
    ("10-Q", re.compile(r"\b10-?q\b|quarterly report", re.I)),
    # Officers' appointments and departures are reported on a Form 8-K (Item 5.02).
    ("8-K", re.compile(r"\b8-?k\b|\bnew (?:ceo|cfo|coo|chief \w+ officer)\b|"
                       r"\b(?:appointment|departure|resignation) of (?:the |its |a |our )?"
                       r"(?:new )?(?:ceo|cfo|coo|chief|president|director|officer)", re.I)),
    ("earnings_call", re.compile(r"\b(?:earnings|conference) call\b|transcript|on the call\b|"
                                 r"analysts? (?:asked|questions)|prepared remarks", re.I)),
    ("earnings_release", re.compile(r"press release|earnings release", re.I)),
]


# Short forms analysts use for companies whose documents print the full name.
SHORT_NAMES = {
    "amex": "American Express", "j&j": "Johnson & Johnson", "jnj": "Johnson & Johnson",
    "coke": "Coca-Cola", "p&g": "Procter & Gamble", "ge": "General Electric",
    "gm": "General Motors", "bofa": "Bank of America", "jpm": "JPMorgan Chase",
    "google": "Alphabet", "facebook": "Meta Platforms", "hp": "Hewlett-Packard",
    "ibm": "International Business Machines", "at&t": "AT&T", "mcd": "McDonald's",
    "walmart": "Wal-Mart Stores",
}


def _name_words(text: str) -> set[str]:
    """Words naming a company: "Best Buy Co., Inc." -> best, buy, bestbuy."""
    words = {w for w in tokens(text.replace("_", " ").replace("-", " ")) if w not in _GENERIC}
    joined = "".join(w for w in tokens(text) if w not in _GENERIC)
    if joined:
        words.add(joined)
    for w in list(words):
        parts = _SPLIT_ALNUM.findall(w)
        if len(parts) > 1 and not parts[0].isdigit():
            words.update(p for p in parts if p.isalpha() and len(p) > 2)
    return {w for w in words if not _PERIOD_WORD.match(w)}


@dataclass(slots=True)
class QuestionScope:
    years: list[int]
    quarter: int | None
    doc_types: list[str]
    latest: bool
    history: bool = False
    # Each period named: (year, quarter) for "Q3 2023", (year, None) for a year alone.
    periods: list[tuple[int, int | None]] = field(default_factory=list)


_QUARTER_YEAR = re.compile(
    r"\b(?:q([1-4])|(first|second|third|fourth)[\s-]+(?:fiscal\s+)?quarter)(?:\s+of)?"
    r"(?:\s+(?:fiscal|fy))?(?:\s+year)?\s*'?((?:19|20)\d\d|\d\d)\b", re.I)
_YEAR_ONLY = re.compile(r"\b(?:fy|fiscal\s*(?:year\s*)?)\s?'?((?:19|20)\d\d|\d\d)\b|"
                        r"\b((?:19|20)\d\d)\b", re.I)


def named_periods(question: str) -> list[tuple[int, int | None]]:
    """The periods a question names: (year, quarter) for "Q3 2023", "third quarter of fiscal
    2024", "Q1 FY25"; (year, None) for a year named alone."""
    out: list[tuple[int, int | None]] = []

    def year_of(text: str) -> int:
        return int(text) if len(text) == 4 else 2000 + int(text)

    for m in _QUARTER_YEAR.finditer(question):
        quarter = int(m.group(1)) if m.group(1) else _ORDINAL[m.group(2).lower()]
        out.append((year_of(m.group(3)), quarter))
    rest = _QUARTER_YEAR.sub(" ", question)
    for m in _YEAR_ONLY.finditer(rest):
        out.append((year_of(m.group(1) or m.group(2)), None))
    q = _QUARTER.search(question)
    if q and not any(quarter for _, quarter in out) and len(out) == 1:
        # "Q3 results ... in 2023"
        out = [(out[0][0], int(q.group(1)) if q.group(1) else _ORDINAL[q.group(2).lower()])]
    return list(dict.fromkeys(out))




def question_scope(question: str) -> QuestionScope:
    years = [int(y) for y in _YEAR.findall(question)]
    years += [2000 + int(y) for y in _SHORT_FY.findall(question)]
    q = _QUARTER.search(question)
    quarter = None
    if q:
        quarter = int(q.group(1)) if q.group(1) else _ORDINAL[q.group(2).lower()]
    types = [name for name, cue in _TYPE_CUES if cue.search(question)]
    return QuestionScope(list(dict.fromkeys(years)), quarter, types,
                         bool(_LATEST.search(question)), bool(_HISTORY.search(question)),
                         named_periods(question))


def _doc_period(doc: DocumentInfo) -> tuple[int | None, int | None]:
    meta = doc.effective_metadata()
    year, quarter = meta.get("fiscal_year"), meta.get("fiscal_quarter")
    if year is None:  # a library from before metadata extraction: the name's hint
        year, quarter = period_from_name(doc.doc_name)
    return _whole(year), _whole(quarter)


def _calendar_year(doc: DocumentInfo, year: int | None) -> int | None:
    """The year a fiscal year ending in January to March is also called by ("fiscal 2022
    ended January 28, 2023" is many analysts' FY2023): that end's year, else None."""
    meta = doc.effective_metadata()
    # The period's end says it; without one, the date of a year-end report (a release dated
    # March 2023 for the fiscal year 2022) stands in. A filing date alone never does.
    value = str(meta.get("period_end") or "")
    if not value and meta.get("fiscal_quarter") == 4:
        value = str(meta.get("doc_date") or "")
    m = re.match(r"((?:19|20)\d\d)-(\d\d)", value)
    if m and year is not None and int(m.group(1)) == year + 1 and int(m.group(2)) <= 3:
        return year + 1
    return None


def _whole(value: object) -> int | None:
    try:
        return int(value) if value is not None else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@dataclass(slots=True)
class DocumentMatcher:
    docs: list[DocumentInfo]
    names: dict[int, set[str]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    periods: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)
    also_called: dict[int, int | None] = field(default_factory=dict)
    annual: set[int] = field(default_factory=set)  # documents reporting a whole fiscal year

    def __post_init__(self) -> None:
        counts: Counter[str] = Counter()
        aliases = company_aliases(self.docs)
        for doc in self.docs:
            meta = doc.effective_metadata()
            words: set[str] = set()
            for name in aliases.get(doc.doc_name, set()) | {meta.get("ticker") or ""}:
                words |= _name_words(str(name))
            if not words or not meta.get("ticker"):
                # The file name only as a fallback, when the text named no company or no
                # ticker: users' files are named anything.
                words |= _name_words(doc.doc_name.split("_")[0])
            self.names[doc.id] = words
            self.periods[doc.id] = _doc_period(doc)
            self.also_called[doc.id] = _calendar_year(doc, self.periods[doc.id][0])
            if self.periods[doc.id][1] in (None, 4) and meta.get("doc_type") in (
                    "10-K", "earnings_release", "earnings_call", "other", None):
                self.annual.add(doc.id)  # a Q4 release reports the whole year too
            counts.update(words)
        n = max(len(self.docs), 1)
        self.idf = {w: math.log(1 + n / c) for w, c in counts.items()}

    def describe(self, question: str) -> dict:
        scope = question_scope(question)
        return {"companies": sorted(self._company_words(question)), "years": scope.years,
                "quarter": scope.quarter, "doc_types": scope.doc_types,
                "latest": scope.latest}

    def _company_words(self, question: str) -> dict[str, float]:
        words = [w for w in tokens(question) if w not in STOPWORDS and w not in _GENERIC]
        lowered = question.lower()
        for short, full in SHORT_NAMES.items():
            if re.search(rf"(?<![\w&]){re.escape(short)}(?![\w&])", lowered):
                words += sorted(_name_words(full))
        cands = set(words) | {a + b for a, b in zip(words, words[1:])}
        # Tickers that are also common words ("ARE", "A" for Agilent) count when written in
        # capitals; a one-letter one only right before a period ("A Q3 2021").
        cands |= {t.lower() for t in _TICKER.findall(question)}
        found = {w: 1.0 for w in cands if w in self.idf}
        # A capitalised word may be the start of a name ("MGM" -> "mgmresorts"); a common
        # word may not ("net" is no prefix of "netflix").
        proper = {w.lower() for w in re.findall(r"\b[A-Z][A-Za-z&]{2,}\b", question)}
        for w in cands & proper:
            if len(w) >= 3 and w.isalpha() and w not in found:
                for name in self.idf:
                    if len(name) >= 5 and name.startswith(w):
                        found.setdefault(name, 0.7)
        return found

    def scores(self, question: str) -> dict[int, float]:
        """Document id -> 0..1. Company decides most; period and type order within it."""
        company = self._company_words(question)
        scope = question_scope(question)
        raw: dict[int, float] = {}
        for doc in self.docs:
            raw[doc.id] = sum(self.idf[w] * weight for w, weight in company.items()
                              if w in self.names[doc.id])
        best = max(raw.values(), default=0.0)
        # "the latest 10-K", or no period at all: the company's newest documents first.
        # "historically" wants the newest annual report, unless the question asks for the
        # latest quarter or another kind of document.
        annual = (scope.history and not scope.quarter and not scope.latest
                  and not set(scope.doc_types) - {"10-K"})
        latest = self._latest_by_company(raw, best, annual=annual) \
            if scope.latest or not scope.years else set()
        out: dict[int, float] = {}
        for doc in self.docs:
            c = raw[doc.id] / best if best else 0.0
            p = self._period_score(doc.id, scope, latest)
            t = 1.0 if doc.effective_metadata().get("doc_type") in scope.doc_types else 0.0
            score = (0.6 * c + 0.3 * p + 0.1 * t) if best else (0.3 * p + 0.1 * t)
            if score > 0:
                out[doc.id] = score
        top = max(out.values(), default=0.0)
        return {d: s / top for d, s in out.items()} if top else {}

    def _period_score(self, doc_id: int, scope: QuestionScope, latest: set[int]) -> float:
        year, quarter = self.periods[doc_id]
        if doc_id in latest:
            return 1.0 if scope.latest else 0.5
        if not scope.years or year is None:
            return 0.0
        named = year if year in scope.years else self.also_called[doc_id]
        if named not in scope.years:
            return 0.0
        # "FY2021 vs FY2022": the later annual filing reports both years, the earlier only
        # one. (With a quarter named, "the Q4 2020 call's guidance for 2021" is about 2020.)
        weight = 1.0 if named >= max(scope.years) or scope.quarter else 0.8
        if named != year:
            weight *= 0.8  # named by the calendar year its fiscal year ended in
        if scope.quarter is None:
            # "FY2022": the annual report first, the fourth-quarter release close behind.
            full = 1.0 if quarter is None else 0.9 if doc_id in self.annual else 0.4
            return weight * full
        return weight * (1.0 if quarter == scope.quarter else 0.5)

    def _latest_by_company(self, raw: dict[int, float], best: float,
                           annual: bool = False) -> set[int]:
        if not best:
            return set()
        mine = [d for d, s in raw.items() if s >= 0.85 * best]
        yearly = [d for d in mine if d in self.annual and self.periods[d][0] is not None
                  and self.periods[d][1] is None]
        if annual and yearly:
            mine = yearly
        dated = [(self.periods[d][0], self.periods[d][1] or 5, d) for d in mine
                 if self.periods[d][0] is not None]
        if not dated:
            return set()
        newest = max(dated)[:2]
        return {d for y, q, d in dated if (y, q) == newest}
