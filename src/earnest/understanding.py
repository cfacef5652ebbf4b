"""Question understanding: what to search for and what kind of answer is wanted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from earnest.figures import NUMBER_RE, values_in
from earnest.lexicon import (
    FINANCIAL_TERMS,
    STOPWORDS,
    SYNONYMS,
    content_terms,
    stem,
    stemmed_words,
    tokens,
)

_FISCAL_YEAR = re.compile(r"\b(?:fy|fiscal(?:\s+year)?)\s?'?((?:19|20)\d\d)\b")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_CAUSE_WORDS = {"why", "reason", "reasons", "cause", "caused", "drivers", "driven", "explain",
                "attributable"}
_QUANTITY_WORDS = {"how", "much", "many", "amount", "total", "percent", "percentage", "ratio",
                   "margin", "rate", "growth", "revenue", "sales", "income", "eps", "capex"}


# Financial statements: what in a question points at one, and how its page is titled.
STATEMENTS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "cash_flow": (
        re.compile(r"cash ?flows? statement|statements? of cash ?flows?|capital expenditure|"
                   r"capex|operating activities|investing activities|financing activities|"
                   r"free cash flow|dividends paid|capital[- ]intensi(?:ve|ty)", re.I),
        re.compile(r"statements? of (?:consolidated )?cash ?flows?|cash ?flows? statements?",
                   re.I)),
    "income": (
        re.compile(r"income statement|statements? of (?:income|operations|earnings)|p&l|"
                   r"profit and loss|cogs|cost of goods sold|net profit margin|"
                   r"operating (?:income )?(?:%|percent)? ?margin|gross (?:profit )?margin|"
                   r"net income|operating income|revenue|net sales|eps|earnings per share|"
                   r"effective tax rate",
                   re.I),
        re.compile(r"statements? of (?:consolidated )?(?:comprehensive )?(?:income|operations|"
                   r"earnings)|income statements?", re.I)),
    "balance": (
        re.compile(r"balance sheet|statement of financial position|total assets|"
                   r"total liabilities|ppne|pp&e|property,? plant|working capital|quick ratio|"
                   r"current ratio|inventor(?:y|ies) balance|shareholders'? equity|"
                   r"cash (?:and|&) cash equivalents|total debt|capital[- ]intensi(?:ve|ty)",
                   re.I),
        re.compile(r"balance sheets?|statements? of (?:consolidated )?financial position",
                   re.I)),
}

_SQUEEZED_TITLES = {name: re.compile(title.pattern.replace(" ?", "").replace(" ", ""), re.I)
                    for name, (_, title) in STATEMENTS.items()}

# Instructions pasted around a question ("Assume that you are a public equities analyst.
# Answer the following question by ...") are not part of what is asked: an "analyst" there
# is the reader, not a speaker to look for, and its words are not to be matched.
_PREAMBLE = re.compile(
    r"\b(?:assume|imagine|pretend|suppose)?\s*(?:that\s+)?you\s+are\s+an?\s+"
    r"[\w\s-]{0,40}?analyst\b[.,:;]?|\banswer the following question(?:\s+by)?|"
    r"\bgive a response to the question by\b|\bplease\b|"
    # How to present the result is not what to look for.
    r"\banswer in units of\b[^.?!]*[.?!]?|\bround(?:ed)? to (?:one|two|three|\d) decimal "
    r"places?\b|\b(?:taking into account|in agreement with) the information outlined in\b|"
    # "If the quick ratio is not something an analyst would ask about, then state that and
    # explain why": how to answer, not what to find.
    r"\bif\b[^.?!]{0,160}?\bnot\b[^.?!]{0,160}?,?\s*(?:then\s+)?(?:please\s+)?"
    r"(?:state|say|explain)\s+(?:so|that|this|why)\b[^.?!]*[.?!]?", re.I)


def strip_preamble(question: str) -> str:
    return re.sub(r"\s{2,}", " ", _PREAMBLE.sub(" ", question)).strip()


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
_SCALE_HEADING = re.compile(r"\b(?:in )?(?:millions|thousands|billions)\b", re.I)


@dataclass(slots=True)
class QueryPlan:
    question: str
    terms: list[str]  # content words, in order
    keyword_terms: list[str]  # terms plus the filing vocabulary for the phrases used
    phrases: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    wants_cause: bool = False
    wants_figure: bool = False
    statements: list[str] = field(default_factory=list)  # cash_flow | income | balance
    figures: list[str] = field(default_factory=list)  # percent | money | per_share
    speaker_cues: list[int] = field(default_factory=list)  # indexes into SPEAKER_CUES
    values: set = field(default_factory=set)  # amounts the question states, scaled
    value_terms: set[str] = field(default_factory=set)  # the words that state them

    def speaker_match(self, role: str | None, speaker: str | None) -> float:
        """1 when the passage's speaker is who the question asks about ("the CFO")."""
        for index in self.speaker_cues:
            _, want_role, title = SPEAKER_CUES[index]
            if title is not None and speaker and title.search(speaker):
                return 1.0
            if title is None and role == want_role:
                return 1.0
        return 0.0

    def figure_match(self, text: str, headings: str = "") -> float:
        """Share of the figure kinds the question asks for that ``text`` states. A table
        whose headings say "(in millions)" states amounts without a $ on every row."""
        if not self.figures:
            return 0.0
        hits = 0
        for kind in self.figures:
            if FIGURE_KINDS[kind][1].search(text):
                hits += 1
            elif kind == "money" and _SCALE_HEADING.search(headings) and re.search(r"\d", text):
                hits += 1
        return hits / len(self.figures)

    def to_dict(self) -> dict[str, Any]:
        return {"terms": self.terms, "expanded": self.keyword_terms[len(self.terms):],
                "years": self.years, "statements": self.statements, "figures": self.figures,
                "speakers": [SPEAKER_CUES[i][0].pattern for i in self.speaker_cues],
                "wants_cause": self.wants_cause, "wants_figure": self.wants_figure}

    def statement_match(self, headings: str) -> bool:
        """Whether a page titled ``headings`` is a statement the question points at. PDF
        text can split a spaced-out title ("Balance Shee t"), so the title is also read with
        its spaces removed."""
        squeezed = re.sub(r"\s+", "", headings)
        return any(STATEMENTS[s][1].search(headings) or _SQUEEZED_TITLES[s].search(squeezed)
                   for s in self.statements)


def understand(question: str) -> QueryPlan:
    asked = question
    question = strip_preamble(question) or question
    text = question.lower()
    words = tokens(question)
    terms = content_terms(question)
    phrases: list[tuple[list[str], list[list[str]]]] = []
    extra: list[str] = []
    for phrase, alternatives in FINANCIAL_TERMS.items():
        if re.search(rf"(?<![\w&]){re.escape(phrase)}(?:s|es)?(?![\w&])", text):
            alts = [[t for t in tokens(a) if t not in STOPWORDS] for a in alternatives]
            phrases.append(([t for t in tokens(phrase) if t not in STOPWORDS], alts))
            extra += [t for alt in alts for t in alt]
    years = list(dict.fromkeys(_FISCAL_YEAR.findall(text) + _YEAR.findall(text)))
    extra += years
    if _CAUSE_WORDS & set(words):
        extra += ["driven", "due", "primarily", "offset", "because", "result", "reflecting"]
    keyword_terms = list(dict.fromkeys(terms + extra))
    wants_cause = bool(_CAUSE_WORDS & set(words))
    # "Why did revenue drop?" wants the explanation, not the statement's row.
    statements = [] if wants_cause else [
        name for name, (cue, _) in STATEMENTS.items() if cue.search(question)]
    figures = [name for name, (cue, _) in FIGURE_KINDS.items() if cue.search(question)]
    speaker_cues = [i for i, (cue, _, _) in enumerate(SPEAKER_CUES) if cue.search(question)]
    # Amounts, not years: "2023" is a period, "$1.2 billion" a value to match in any format.
    amounts = [m for m in NUMBER_RE.finditer(question) if _is_amount(m)]
    values = values_in(" ".join(m.group(0) for m in amounts))
    value_terms = {t for m in amounts for t in tokens(m.group(0))}
    return QueryPlan(question=asked, terms=terms, keyword_terms=keyword_terms,
                     phrases=phrases, years=years, statements=statements, figures=figures,
                     speaker_cues=speaker_cues, values=values, value_terms=value_terms,
                     wants_cause=wants_cause,
                     wants_figure=bool(_QUANTITY_WORDS & set(words)))


def _is_amount(m: re.Match[str]) -> bool:
    """"$1.2 billion", "1,200 million", "4.5%" are amounts; "2023", "1st", "8-K" are not."""
    text = m.group(0)
    scale = (m.group("scale") or "").lower()
    return ("$" in text or "€" in text or "£" in text or len(scale) > 2 or scale == "bn"
            or bool(m.group("pct")) or ("." in m.group("num") and not scale))


def coverage(plan: QueryPlan, text: str) -> float:
    """Share of the question's content words found in ``text`` (stemmed, synonyms allowed),
    longer words weighing more. A financial phrase ("capital expenditure") also counts as
    present when the filing's own wording for it ("purchases of property, plant and
    equipment") is."""
    if not plan.terms:
        return 0.0
    present = stemmed_words(text)
    satisfied: set[str] = set()
    if plan.values and plan.values & values_in(text):
        # "$1.2 billion" in the question is "1,200 million" in the filing.
        satisfied.update(plan.value_terms)
    for phrase, alternatives in plan.phrases:
        if any(alt and all(stem(t) in present for t in alt) for alt in alternatives):
            satisfied.update(stem(t) for t in phrase)
    hit = total = 0.0
    for term in plan.terms:
        weight = min(len(term), 8)
        total += weight
        s = stem(term)
        if term in satisfied or s in satisfied or s in present or \
                SYNONYMS.get(s, frozenset()) & present:
            hit += weight
    return hit / total
