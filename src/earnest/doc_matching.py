"""Which documents a question is about: company (or ticker), fiscal period, document type.

A boost, never a filter: a wrong guess costs rank, not the answer."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from earnest.company_names import LibraryCompanies
from earnest.lexicon import tokens
from earnest.metadata import company_aliases, period_from_name
from earnest.models import DocumentInfo

if TYPE_CHECKING:
    from earnest.question_plan import MonthPeriod, Period, QuestionPlan

_SPLIT_ALNUM = re.compile(r"\d+|[a-z]+")
# Words of a company's name that do not tell one company from another.
GENERIC_NAME_WORDS = {"the", "and", "of", "inc", "corp", "co", "company", "group", "dated",
                      "com", "corporation", "incorporated", "plc", "ltd", "holdings",
                      "international"}
# Words of periods and documents, never of a name (a name read from "the quarter ended
# March" must not make "March" name a company).
_PERIOD_WORD = re.compile(r"^(?:(?:19|20)\d\d|q[1-4]|fy\d*|\d+[kq]|\d{1,2}|k|q|earnings|"
                          r"release|call|transcript|report|dated|\d{4}q[1-4]|quarters?|"
                          r"quarterly|fiscal|years?|ended|ending|first|second|third|fourth|"
                          r"january|february|march|april|may|june|july|august|september|"
                          r"october|november|december)$")
# How well a quarter's call or release matches a question about its whole year: below the
# annual report, which reports the year.
QUARTER_OF_YEAR = 0.4


def name_words(text: str) -> set[str]:
    """Words naming a company: "Best Buy Co., Inc." -> best, buy, bestbuy."""
    words = {w for w in tokens(text.replace("_", " ").replace("-", " "))
             if w not in GENERIC_NAME_WORDS}
    joined = "".join(w for w in tokens(text) if w not in GENERIC_NAME_WORDS)
    if joined:
        words.add(joined)
    for w in list(words):
        parts = _SPLIT_ALNUM.findall(w)
        if len(parts) > 1 and not parts[0].isdigit():
            words.update(p for p in parts if p.isalpha() and len(p) > 2)
    return {w for w in words if not _PERIOD_WORD.match(w)}


def _doc_period(doc: DocumentInfo) -> tuple[int | None, int | None]:
    meta = doc.effective_metadata()
    year, quarter = meta.fiscal_year, meta.fiscal_quarter
    if year is None:  # a library from before metadata extraction: the name's hint
        year, quarter = period_from_name(doc.doc_name)
    return _whole(year), _whole(quarter)


def _calendar_year(doc: DocumentInfo, year: int | None, fiscal_end: int | None) -> int | None:
    """The year a fiscal year ending in January to March is also called by ("fiscal 2022
    ended January 28, 2023" is many analysts' FY2023): that end's year, else None.
    ``fiscal_end``: the month the company's fiscal year ends in, when known."""
    meta = doc.effective_metadata()
    # The period's end says it; without one, the date of a year-end report (a release dated
    # March 2023 for the fiscal year 2022) stands in, for a company whose year is known to
    # end in January to March: a December year's fourth-quarter call is held in January
    # too. A filing date alone never does.
    value = str(meta.period_end or "")
    if not value and meta.fiscal_quarter == 4 and fiscal_end in (1, 2, 3):
        value = str(meta.doc_date or "")
    m = re.match(r"((?:19|20)\d\d)-(\d\d)", value)
    if m and year is not None and int(m.group(1)) == year + 1 and int(m.group(2)) <= 3:
        return year + 1
    return None


def _fiscal_ends(docs: list[DocumentInfo], company_of: dict[int, str],
                 periods: dict[int, tuple[int | None, int | None]]) -> dict[str, int]:
    """Each company's fiscal year-end month, from its quarterly documents: a quarter ends in
    the month of its stated period end, else about five weeks before the document's date
    (calls and releases follow a quarter's end by two to eight weeks)."""
    votes: dict[str, Counter[int]] = {}
    for doc in docs:
        key, (_, quarter) = company_of.get(doc.id), periods[doc.id]
        meta = doc.effective_metadata()
        stated = str(meta.period_end or "")
        m = re.match(r"(?:19|20)\d\d-(\d\d)-(\d\d)", stated or str(meta.doc_date or ""))
        if key is None or not quarter or not m:
            continue
        month = int(m.group(1))
        if not stated:
            month = month - 1 if int(m.group(2)) > 5 else month - 2  # about 35 days before
            month = month + 12 if month < 1 else month
        votes.setdefault(key, Counter())[(month - 1 + 3 * (4 - quarter)) % 12 + 1] += 1
    return {key: counts.most_common(1)[0][0] for key, counts in votes.items()}


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
    dated: dict[int, tuple[int, int]] = field(default_factory=dict)  # (year, month) of its date
    annual: set[int] = field(default_factory=set)  # documents reporting a whole fiscal year
    companies: LibraryCompanies = field(init=False)
    fiscal_end: dict[str, int] = field(default_factory=dict)  # company -> month its year ends

    def __post_init__(self) -> None:
        aliases = company_aliases(self.docs)
        self.companies = LibraryCompanies(self.docs, aliases)
        # A name word's weight is how few *companies* go by it: a company with sixty calls
        # is no less named by "Apple" than one with two by "Colgate".
        owners: dict[str, set[str]] = {}
        for doc in self.docs:
            meta = doc.effective_metadata()
            words: set[str] = set()
            # Its company's key too: the listed ticker of the name the text states ("Advanced
            # Micro Devices Inc" -> AMD) when the document states no ticker.
            key = self.companies.doc_company.get(doc.id) or ""
            for name in aliases.get(doc.doc_name, set()) | {meta.ticker or "", key}:
                words |= name_words(str(name))
            if not words or not meta.ticker:
                # The file name only as a fallback, when the text named no company or no
                # ticker: users' files are named anything.
                words |= name_words(doc.doc_name.split("_")[0])
            self.names[doc.id] = words
            self.periods[doc.id] = _doc_period(doc)
            date = re.match(r"((?:19|20)\d\d)-(\d\d)", str(meta.doc_date or ""))
            if date:
                self.dated[doc.id] = (int(date.group(1)), int(date.group(2)))
            if self.periods[doc.id][1] in (None, 4) and meta.doc_type in (
                    "10-K", "earnings_release", "earnings_call", "other", None):
                self.annual.add(doc.id)  # a Q4 release reports the whole year too
            owner = self.companies.doc_company.get(doc.id, f"doc:{doc.id}")
            for w in words:
                owners.setdefault(w, set()).add(owner)
        self.fiscal_end = _fiscal_ends(self.docs, self.companies.doc_company, self.periods)
        for doc in self.docs:
            self.also_called[doc.id] = _calendar_year(
                doc, self.periods[doc.id][0],
                self.fiscal_end.get(self.companies.doc_company.get(doc.id, "")))
        n = max(len({o for os in owners.values() for o in os}), 1)
        self.idf = {w: math.log(1 + n / len(os)) for w, os in owners.items()}

    def same_year(self, doc_names: list[str]) -> list[str]:
        """``doc_names`` with the other documents of their companies' same fiscal years (a
        year's calls discuss one business, each in its own words). A document without a
        company or a year stands alone."""
        named = set(doc_names)
        keys = {self._year_key(d) for d in self.docs if d.doc_name in named} - {None}
        return list(doc_names) + [d.doc_name for d in self.docs
                                  if d.doc_name not in named and self._year_key(d) in keys]

    def _year_key(self, doc: DocumentInfo) -> tuple[str, int] | None:
        company, year = self.companies.doc_company.get(doc.id), self.periods[doc.id][0]
        return (company, year) if company and year is not None else None

    def describe(self, plan: QuestionPlan) -> dict:
        """The companies of the library ``plan`` names, as shown to users."""
        named = self.companies.named(plan.question)
        if named:
            return {"companies": [self.companies.labels.get(k, k) for k in named]}
        return {"companies": sorted(self._company_words(plan))}

    def _company_words(self, plan: QuestionPlan) -> dict[str, float]:
        cands = set(plan.name_candidates)
        found = {w: 1.0 for w in cands if w in self.idf}
        # A capitalised word may be the start of a name ("MGM" -> "mgmresorts"); a common
        # word may not ("net" is no prefix of "netflix").
        for w in cands & plan.proper_words:
            if len(w) >= 3 and w.isalpha() and w not in found:
                for name in self.idf:
                    if len(name) >= 5 and name.startswith(w):
                        found.setdefault(name, 0.7)
        return found

    def scores(self, plan: QuestionPlan, spoken_in: set[int] | None = None
               ) -> dict[int, float]:
        """Document id -> 0..1. Company decides most; period and type order within it.
        ``spoken_in``: documents in which a person the question names speaks; with no
        company named, that person's company is the one asked about ("What did Lisa Su say
        about PCs?")."""
        raw: dict[int, float] = {}
        keys = self.companies.named(plan.question)
        if not keys and spoken_in:
            keys = sorted({self.companies.doc_company[d] for d in spoken_in
                           if d in self.companies.doc_company})
        named = self.companies.docs_of(keys)
        if named:
            # A company named as a proper noun or ticker: its documents, and no others.
            raw = {doc.id: float(doc.id in named) for doc in self.docs}
        else:
            company = self._company_words(plan)
            for doc in self.docs:
                raw[doc.id] = sum(self.idf[w] * weight for w, weight in company.items()
                                  if w in self.names[doc.id])
        best = max(raw.values(), default=0.0)
        # "the latest 10-K", or no period at all: the company's newest documents first.
        # "historically" wants the newest annual report, unless the question asks for the
        # latest quarter or another kind of document.
        annual = (plan.history and not plan.quarter and not plan.latest
                  and not set(plan.doc_types) - {"10-K"})
        latest = self._latest_by_company(raw, best, annual=annual) \
            if plan.latest or not plan.years else set()
        out: dict[int, float] = {}
        for doc in self.docs:
            c = raw[doc.id] / best if best else 0.0
            p = self._period_score(doc.id, plan, latest)
            t = 1.0 if doc.effective_metadata().doc_type in plan.doc_types else 0.0
            score = (0.6 * c + 0.3 * p + 0.1 * t) if best else (0.3 * p + 0.1 * t)
            if score > 0:
                out[doc.id] = score
        top = max(out.values(), default=0.0)
        return {d: s / top for d, s in out.items()} if top else {}

    def month_period(self, doc_id: int, asked: MonthPeriod) -> Period:
        """The fiscal (year, quarter) of a quarter named by the month it ends in ("the
        December 2018 quarter"), by the fiscal year of ``doc_id``'s company: the first
        quarter ending in or after that month. A year said to be fiscal stays; a calendar
        year becomes the fiscal year (named by the year it ends in) holding that month."""
        month, year, fiscal = asked
        end = self.fiscal_end.get(self.companies.doc_company.get(doc_id, ""), 12)
        ahead = (end - month) % 12
        quarter = 4 - ahead // 3
        if fiscal:
            return year, quarter
        month_end = month + ahead % 3
        year, month_end = (year + 1, month_end - 12) if month_end > 12 else (year, month_end)
        return (year if month_end <= end else year + 1), quarter

    def asked_periods(self, doc_id: int, plan: QuestionPlan) -> tuple[tuple[int, ...],
                                                                      int | None]:
        """The years and quarter ``plan`` asks about, read for ``doc_id``'s company."""
        if not plan.month_periods:
            return plan.years, plan.quarter
        resolved = [self.month_period(doc_id, mp) for mp in plan.month_periods]
        said = {mp[1] for mp in plan.month_periods}
        years = tuple(dict.fromkeys([y for y, _ in resolved] +
                                    [y for y in plan.years if y not in said]))
        return years, resolved[0][1]

    def _period_score(self, doc_id: int, plan: QuestionPlan, latest: set[int]) -> float:
        year, quarter = self.periods[doc_id]
        if doc_id in latest:
            return 1.0 if plan.latest else 0.5
        if plan.month_dates and self.dated.get(doc_id) in plan.month_dates:
            return 1.0  # "what did the CFO say in July 2015": the call held that month
        years, asked_quarter = self.asked_periods(doc_id, plan)
        if not years or year is None:
            return 0.0
        guided_year = plan.outlook and not plan.asks_results and asked_quarter is None
        if plan.outlook and quarter:
            # Guidance for a quarter is given a quarter before, on the previous call. A
            # year's is first given on the previous year's fourth-quarter call, and each
            # call of the year updates it: all are its evidence alike.
            following = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
            if asked_quarter and following[1] == asked_quarter and following[0] in years:
                return 1.0
            if guided_year and quarter == 4 and following[0] in years and year not in years:
                return QUARTER_OF_YEAR
        named = year if year in years else self.also_called[doc_id]
        if named not in years:
            return 0.0
        # "FY2021 vs FY2022": the later annual filing reports both years, the earlier only
        # one. (With a quarter named, "the Q4 2020 call's guidance for 2021" is about 2020.)
        weight = 1.0 if named >= max(years) or asked_quarter else 0.8
        if named != year:
            weight *= 0.8  # named by the calendar year its fiscal year ended in
        if asked_quarter is None:
            # "FY2022": the annual report first, the fourth-quarter release close behind.
            # (A year's outlook: its fourth-quarter call, which reports the year, is no
            # better evidence than the calls that guided it.)
            full = 1.0 if quarter is None else 0.9 if doc_id in self.annual and \
                not guided_year else QUARTER_OF_YEAR
            return weight * full
        guided = plan.guided or (self.month_period(doc_id, plan.guided_month)
                                 if plan.guided_month else None)
        if guided == (year, quarter) and not plan.asks_results:
            return weight * 0.5  # the quarter guided for: its own call reports it
        return weight * (1.0 if quarter == asked_quarter else 0.5)

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
