"""Which documents a question is about: company (or ticker), fiscal period, document type.

A boost, never a filter: a wrong guess costs rank, not the answer."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from earnest.lexicon import tokens
from earnest.metadata import company_aliases, period_from_name
from earnest.models import DocumentInfo

if TYPE_CHECKING:
    from earnest.question_plan import QuestionPlan

_SPLIT_ALNUM = re.compile(r"\d+|[a-z]+")
# Words of a company's name that do not tell one company from another.
GENERIC_NAME_WORDS = {"the", "and", "of", "inc", "corp", "co", "company", "group", "dated",
                      "com", "corporation", "incorporated", "plc", "ltd", "holdings",
                      "international"}
_PERIOD_WORD = re.compile(r"^(?:(?:19|20)\d\d|q[1-4]|fy\d*|\d+[kq]|\d{1,2}|k|q|earnings|"
                          r"release|call|transcript|report|dated|\d{4}q[1-4])$")


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
                words |= name_words(str(name))
            if not words or not meta.get("ticker"):
                # The file name only as a fallback, when the text named no company or no
                # ticker: users' files are named anything.
                words |= name_words(doc.doc_name.split("_")[0])
            self.names[doc.id] = words
            self.periods[doc.id] = _doc_period(doc)
            self.also_called[doc.id] = _calendar_year(doc, self.periods[doc.id][0])
            if self.periods[doc.id][1] in (None, 4) and meta.get("doc_type") in (
                    "10-K", "earnings_release", "earnings_call", "other", None):
                self.annual.add(doc.id)  # a Q4 release reports the whole year too
            counts.update(words)
        n = max(len(self.docs), 1)
        self.idf = {w: math.log(1 + n / c) for w, c in counts.items()}

    def describe(self, plan: QuestionPlan) -> dict:
        """The companies of the library ``plan`` names, as shown to users."""
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

    def scores(self, plan: QuestionPlan) -> dict[int, float]:
        """Document id -> 0..1. Company decides most; period and type order within it."""
        company = self._company_words(plan)
        raw: dict[int, float] = {}
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
            t = 1.0 if doc.effective_metadata().get("doc_type") in plan.doc_types else 0.0
            score = (0.6 * c + 0.3 * p + 0.1 * t) if best else (0.3 * p + 0.1 * t)
            if score > 0:
                out[doc.id] = score
        top = max(out.values(), default=0.0)
        return {d: s / top for d, s in out.items()} if top else {}

    def _period_score(self, doc_id: int, plan: QuestionPlan, latest: set[int]) -> float:
        year, quarter = self.periods[doc_id]
        if doc_id in latest:
            return 1.0 if plan.latest else 0.5
        if not plan.years or year is None:
            return 0.0
        named = year if year in plan.years else self.also_called[doc_id]
        if named not in plan.years:
            return 0.0
        # "FY2021 vs FY2022": the later annual filing reports both years, the earlier only
        # one. (With a quarter named, "the Q4 2020 call's guidance for 2021" is about 2020.)
        weight = 1.0 if named >= max(plan.years) or plan.quarter else 0.8
        if named != year:
            weight *= 0.8  # named by the calendar year its fiscal year ended in
        if plan.quarter is None:
            # "FY2022": the annual report first, the fourth-quarter release close behind.
            full = 1.0 if quarter is None else 0.9 if doc_id in self.annual else 0.4
            return weight * full
        return weight * (1.0 if quarter == plan.quarter else 0.5)

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
