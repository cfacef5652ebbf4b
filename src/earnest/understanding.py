"""The vocabulary a question is read with (statements, figure kinds, speakers) and how much
of a question a passage covers. The plan itself is made in ``question_plan``; instructions
around a question are dropped in ``instructions``."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from earnest.figures import names_fiscal_year, names_year, quarters_in, values_in
from earnest.figures.periods import full_year
from earnest.lexicon import SYNONYMS, stem, stemmed_words

if TYPE_CHECKING:
    from earnest.question_plan import QuestionPlan



# What in a question points at a financial statement: the statement's own name, or a line
# item or ratio computed from it. Each entry: (pattern, statements, where that comes from).
# The statements are the ones US GAAP requires (ASC 205-10-45: balance sheet, income
# statement, cash flow statement); a ratio points at every statement its inputs are on.
METRIC_STATEMENTS: list[tuple[str, tuple[str, ...], str]] = [
    (r"cash ?flows? statement|statements? of cash ?flows?", ("cash_flow",),
     "the statement's names (ASC 230)"),
    (r"operating activities|investing activities|financing activities", ("cash_flow",),
     "ASC 230-10-45-10: its three sections"),
    (r"capital expenditure|capex", ("cash_flow",),
     "ASC 230-10-45-13: payments to acquire property, plant and equipment, an investing line"),
    (r"free cash flow", ("cash_flow",),
     "operating cash flow less capital expenditure (SEC Reg. G guidance on this non-GAAP measure)"),
    (r"dividends paid", ("cash_flow",), "ASC 230-10-45-15: a financing line"),
    (r"income statement|statements? of (?:income|operations|earnings)|p&l|profit and loss",
     ("income",), "the statement's names (ASC 220, Reg. S-X 5-03)"),
    (r"revenue|net sales|cogs|cost of goods sold", ("income",),
     "Reg. S-X 5-03 items 1-2: net sales and revenues, costs of goods sold"),
    (r"gross (?:profit )?margin|operating (?:income )?(?:%|percent)? ?margin|net profit margin",
     ("income",), "margins: income statement subtotals over revenue"),
    (r"net income|operating income", ("income",), "Reg. S-X 5-03: the statement's subtotals"),
    (r"eps|earnings per share", ("income",),
     "ASC 260-10-45-2: earnings per share is presented on the face of the income statement"),
    (r"effective tax rate", ("income",),
     "income tax expense over pretax income, both income statement lines (ASC 740-10-50-12)"),
    (r"balance sheet|statement of financial position", ("balance",),
     "the statement's names (ASC 210)"),
    (r"total assets|total liabilities|shareholders'? equity", ("balance",),
     "ASC 210-10-45, Reg. S-X 5-02: the statement's totals"),
    (r"ppne|pp&e|property,? plant", ("balance",),
     "Reg. S-X 5-02 item 13: property, plant and equipment"),
    (r"cash (?:and|&) cash equivalents", ("balance",), "Reg. S-X 5-02 item 1"),
    (r"inventor(?:y|ies) balance", ("balance",), "Reg. S-X 5-02 item 6: inventories"),
    (r"total debt", ("balance",), "Reg. S-X 5-02 items 19-22: short- and long-term debt"),
    (r"working capital|quick ratio|current ratio", ("balance",),
     "ratios of current assets and current liabilities (ASC 210-10-45-1 to 45-12)"),
    (r"capital[- ]intensi(?:ve|ty)", ("balance",),
     "the capital intensity ratio: total assets over revenue"),
]


def _cue(statement: str) -> re.Pattern[str]:
    # From a word's start: "eps" is no cue inside "Pepsi's" (plurals still match).
    return re.compile(r"(?<![\w&])(?:" + "|".join(
        pattern for pattern, statements, _ in METRIC_STATEMENTS if statement in statements)
        + ")", re.I)


# Financial statements: what in a question points at one, and how its page is titled.
STATEMENTS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "cash_flow": (
        _cue("cash_flow"),
        re.compile(r"statements? of (?:consolidated )?cash ?flows?|cash ?flows? statements?",
                   re.I)),
    "income": (
        _cue("income"),
        re.compile(r"statements? of (?:consolidated )?(?:comprehensive )?(?:income|operations|"
                   r"earnings)|income statements?", re.I)),
    "balance": (
        _cue("balance"),
        re.compile(r"balance sheets?|statements? of (?:consolidated )?financial position",
                   re.I)),
}

SQUEEZED_TITLES = {name: re.compile(title.pattern.replace(" ?", "").replace(" ", ""), re.I)
                    for name, (_, title) in STATEMENTS.items()}

# The kinds of figure a question asks for, and how each looks in a passage.
FIGURE_KINDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "percent": (re.compile(r"%|\bpercent(?:age)?\b|\bbasis points\b|\bbps\b", re.I),
                re.compile(r"\d\s?(?:%|percent\b|basis points|bps\b)", re.I)),
    "money": (re.compile(r"\$|\bdollars?\b|\bmillions?\b|\bbillions?\b|\busd\b", re.I),
              re.compile(r"\$\s?\d|\d\s?(?:million|billion|thousand)\b", re.I)),
    "per_share": (re.compile(r"\bper share\b|\beps\b", re.I),
                  re.compile(r"\$\s?\d+\.\d\d\b")),
}


# Who a question asks about: (cue in the question, role, pattern of the speaker's title).
SPEAKER_CUES: list[tuple[re.Pattern[str], str | None, re.Pattern[str] | None]] = [
    (re.compile(r"\bcfo\b|chief financial officer|finance chief", re.I), "executive",
     re.compile(r"\bcfo\b|chief financial officer|finance", re.I)),
    (re.compile(r"\bceo\b|chief executive", re.I), "executive",
     re.compile(r"\bceo\b|chief executive", re.I)),
    (re.compile(r"\bcoo\b|chief operating officer", re.I), "executive",
     re.compile(r"\bcoo\b|chief operating", re.I)),
    (re.compile(r"\banalysts?\b", re.I), "analyst", None),
    (re.compile(r"\bmanagement\b|\bexecutives?\b|\bthe company said\b", re.I), "executive",
     None),
]
SCALE_HEADING = re.compile(r"\b(?:in )?(?:millions|thousands|billions)\b", re.I)


def coverage(plan: QuestionPlan, text: str, present: frozenset[str] | None = None,
             year_labels: bool = True) -> float:
    """Share of the question's content words found in ``text`` (stemmed, synonyms allowed),
    longer words weighing more. A financial phrase ("capital expenditure") also counts as
    present when the filing's own wording for it ("purchases of property, plant and
    equipment") is. ``present``: the text's stems, when the caller has them (a sentence's
    are not worth a place in the passages' cache). ``year_labels``: whether a year written
    as a label ("FY15", "fiscal '15") covers the question's "2015", and "FY" its "fiscal": so
    for a passage, whose period it helps to tell; not for a sentence chosen as the answer,
    where a headline naming the period would outscore the figure asked for."""
    if not plan.terms:
        return 0.0
    if present is None:
        present = stemmed_words(text)
    satisfied: set[str] = set()
    if plan.values and plan.values & values_in(text):
        # "$1.2 billion" in the question is "1,200 million" in the filing.
        satisfied.update(plan.value_terms)
    for phrase, alternatives in plan.phrases:
        if any(alt and all(stem(t) in present for t in alt) for alt in alternatives):
            satisfied.update(stem(t) for t in phrase)
    hit = total = 0.0
    quarters: set[int] | None = None
    for term in plan.terms:
        weight = min(len(term), 8)
        total += weight
        s = stem(term)
        if term in satisfied or s in satisfied or s in present or \
                SYNONYMS.get(s, frozenset()) & present:
            hit += weight
        elif _QUARTER_TERM.match(term):
            # "Q3" is written "the third quarter", "3Q16", "third-quarter" as often
            if quarters is None:
                quarters = {q for _, q in quarters_in(text)}
            hit += weight if int(term[1]) in quarters else 0.0
        elif not year_labels:
            continue
        elif (year := _year_of(term)) is not None:
            # "fiscal 2015" is written "FY15" as often, and "FY2022" "2022"
            hit += weight if names_year(text, year) else 0.0
        elif term in ("fiscal", "fy") and ("FY" in text or "fy" in text or "Fy" in text) and \
                any(names_fiscal_year(text, y) for y in _years_of(plan.terms)):
            hit += weight  # "FY15" says "fiscal" of the year asked (not of any year)
    return hit / total


_QUARTER_TERM = re.compile(r"^q[1-4]$")
_YEAR_TERM = re.compile(r"^(?:fy'?((?:19|20)?\d\d)|((?:19|20)\d\d))$")


def _year_of(term: str) -> int | None:
    """The year a question's word names: "2015", "fy2015", "fy15"."""
    m = _YEAR_TERM.match(term)
    return full_year(m.group(1) or m.group(2)) if m else None


@lru_cache(maxsize=256)
def _years_of(terms: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(y for t in terms if (y := _year_of(t)) is not None)
