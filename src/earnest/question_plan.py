"""One reading of a question: the typed plan that document matching, the library check,
retrieval and the answerers all read, made once per question by ``plan_question``."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable

from earnest.company_names import edit_distance
from earnest.doc_matching import GENERIC_NAME_WORDS, name_words
from earnest.figures import Period, amounts_in, named_periods, question_quarter, values_in
from earnest.instructions import strip_instructions
from earnest.lexicon import FINANCIAL_TERMS, STOPWORDS, content_terms, tokens
from earnest.understanding import (
    FIGURE_KINDS,
    SCALE_HEADING,
    SPEAKER_CUES,
    SQUEEZED_TITLES,
    STATEMENTS,
)

if TYPE_CHECKING:
    from earnest.models import Passage

# "why" and the nouns and verbs of causing (general usage; ``statement_cues`` reads the same
# in passages).
_CAUSE_WORDS = {"why", "reason", "reasons", "cause", "caused", "drivers", "driven", "explain",
                "attributable"}
# Words asking for a quantity; a question naming a statement's line item or ratio
# (``METRIC_STATEMENTS``, each with its source) also wants a figure.
_QUANTITY_WORDS = {"how", "much", "many", "amount", "total", "percent", "percentage", "ratio",
                   "margin", "rate", "growth"}
# Connectives a stated cause is written with (general usage, as in ``statement_cues``); a
# why-question also searches for them (held-out recall needs them: docs/accuracy.md).
_CAUSE_TERMS = ["driven", "due", "primarily", "offset", "because", "result", "reflecting"]
# A question asking for a cause without "why": "how come", or "what" with a verb of causing
# in the active — those ``statement_cues`` reads a stated cause by ("driven by", "helped by",
# "hurt by", "boosted by", "weighed down by", "pressured by"): "What drove ...?", "What hurt
# ...?", "What is behind ...?".
_ASKS_CAUSE = re.compile(
    r"\bhow come\b|\b(?:what|which \w+)\s+(?:\w+\s+){0,2}?(?:has\s+|have\s+)?(?:drove|drives|"
    r"driven|caused|causes|led to|explains?|contributed to|(?:is|are|was|were) behind|helped|"
    r"hurt|impacted|affected|fu(?:el|ell)ed|pressured|supported|boosted|weighed down)\b",
    re.IGNORECASE)
_COMPARISON = re.compile(r"\b(?:compare[sd]?|comparison|versus|vs\.?|relative to|"
                         r"than)\b", re.I)

_LATEST = re.compile(r"\b(latest|most recent|last (?:quarter|year|fiscal year|call|10-?[kq])|"
                     r"current (?:quarter|year))\b", re.I)
# A question about the record over years wants annual reports, which print several years.
_HISTORY = re.compile(r"\bhistorical(?:ly)?\b|\bover (?:the )?(?:past |last )?(?:\w+ )?years\b|"
                      r"\beach year\b|\btrends?\b|\bover time\b", re.I)
# The forms' own names (SEC Forms 10-K, 10-Q, 8-K) and the parts of a call.
_TYPE_CUES = [
    ("10-K", re.compile(r"\b10-?k\b|annual report", re.I)),
    ("10-Q", re.compile(r"\b10-?q\b|quarterly report", re.I)),
    # Officers' appointments and departures are reported on a Form 8-K (Item 5.02).
    ("8-K", re.compile(r"\b8-?k\b|"
                       r"\b(?:appointment|departure|resignation) of (?:the |its |a |our )?"
                       r"(?:new )?(?:ceo|cfo|coo|chief|president|director|officer)", re.I)),
    ("earnings_call", re.compile(r"\b(?:earnings|conference) call\b|transcript|on the call\b|"
                                 r"analysts? (?:asked|questions)|prepared remarks", re.I)),
    ("earnings_release", re.compile(r"press release|earnings release", re.I)),
]
# Asking for results ("What was revenue in Q1?", "did AMD report"), not what was said.
_RESULTS = re.compile(r"\b(?:was|were|report\w*|post\w*|deliver\w*|achiev\w*|actual\w*|"
                      r"results?|grew|fell|rose|declined?|increased?|decreased?)\b", re.I)
_FORWARD = re.compile(r"\b(?:guid\w*|outlook|expect\w*|forecast\w*|project\w*|plan\w*|estimat\w*|"
                      r"target\w*|anticipat\w*|will|next (?:year|quarter)|going forward)\b",
                      re.I)

# Short forms analysts use for companies whose documents print the full name (general press
# usage; no development question depends on them: docs/accuracy.md).
SHORT_NAMES = {
    "amex": "American Express", "j&j": "Johnson & Johnson", "jnj": "Johnson & Johnson",
    "coke": "Coca-Cola", "p&g": "Procter & Gamble", "ge": "General Electric",
    "gm": "General Motors", "bofa": "Bank of America", "jpm": "JPMorgan Chase",
    "google": "Alphabet", "facebook": "Meta Platforms", "hp": "Hewlett-Packard",
    "ibm": "International Business Machines", "at&t": "AT&T", "mcd": "McDonald's",
    "walmart": "Wal-Mart Stores",
}
# Tickers that are also common words ("ARE", "A" for Agilent) count when written in
# capitals; a one-letter one only right before a period ("A Q3 2021").
_TICKER = re.compile(r"\b[A-Z]{2,5}\b|\b[A-Z]\b(?=\s+(?:Q[1-4]|FY|fiscal|(?:19|20)\d\d)\b)")

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
# A quarter named by the month it ends in, as companies whose fiscal year is not the calendar
# one name theirs: "the March quarter of fiscal 2025", "the December 2018 quarter", "the
# quarter ended June 30, 2024". Which fiscal quarter that is depends on the company's fiscal
# year (``DocumentMatcher.month_period``).
_MONTH_QUARTER = re.compile(
    r"\b" + _MONTH + r"(?:\s+((?:19|20)\d\d))?\s+quarter(?:\s+of\s+(fiscal(?:\s+year)?\s+)?"
    r"((?:19|20)\d\d))?|\b(?:quarter|three\s+months)\s+end(?:ed|ing)\s+(?:in\s+)?" + _MONTH
    + r"(?:\s+\d{1,2})?,?\s+((?:19|20)\d\d)", re.I)

# A quarter's end named as a point in time: "at the end of March 2013", "as of June 30, 2024".
_MONTH_END = re.compile(r"\b(?:end(?:ed|ing)?\s+(?:of\s+)?|as\s+of\s+)" + _MONTH
                        + r"(?:\s+\d{1,2})?,?\s+((?:19|20)\d\d)\b", re.I)
# A part of a calendar year ("in early 2020", "by mid-2021", "late 2019"): the quarter it
# falls in, as the quarter ending in March, June or December of that year, which a company's
# fiscal calendar then names (``DocumentMatcher.month_period``). Halves span two quarters and
# "the end of 2019" is often the year's close: both stay years.
_PART_OF_YEAR = re.compile(r"\b(early|mid|late|(?:beginning|start|middle)(?=\s+of))(?:\s+of)?"
                           r"[-\s]+(?:calendar\s+)?((?:19|20)\d\d)\b", re.I)
_PART_MONTH = {"early": 3, "beginning": 3, "start": 3, "mid": 6, "middle": 6, "late": 12}
# "since early 2020", "from late 2019": where a span of time starts, not the period asked.
_SINCE = re.compile(r"\b(?:since|from|after)\s+(?:the\s+)?$", re.I)
# Any other month of a year ("in July 2015", "by August 2022", "on May 3, 2021"): a date,
# which a document is dated by (a call held that month), not a quarter's end.
_MONTH_DATE = re.compile(r"\b" + _MONTH + r"(?:\s+\d{1,2})?,?\s+((?:19|20)\d\d)\b", re.I)

# a number (a year), "FY2023" or "Q3" among a question's words
PERIOD_WORD = re.compile(r"^(?:\d+|fy\d*|q[1-4])$")

MonthPeriod = tuple[int, int, bool]  # (month it ends in, year, the year is a fiscal year)
Phrase = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]


@dataclass(frozen=True, slots=True)
class QuestionPlan:
    question: str  # as asked
    terms: tuple[str, ...]  # content words, in order
    keyword_terms: tuple[str, ...]  # terms plus the filing vocabulary for the phrases used
    phrases: tuple[Phrase, ...]  # (phrase, the filings' wordings of it)
    keyword_years: tuple[str, ...]  # the years, as searched for among the words
    years: tuple[int, ...]  # the years of ``periods``, in order
    quarter: int | None
    periods: tuple[Period, ...]  # (year, quarter) or (year, None) for each period named
    month_periods: tuple[MonthPeriod, ...]  # quarters named by the month they end in
    month_dates: tuple[tuple[int, int], ...]  # other months named, as dates: (year, month)
    doc_types: tuple[str, ...]  # 10-K | 10-Q | 8-K | earnings_call | earnings_release
    latest: bool  # "the latest 10-K"
    history: bool  # "historically", "over the past five years"
    outlook: bool  # asks what is expected (guidance, "next year")
    # the quarter an outlook is asked for ("What did AMD guide for Q3 2019?"): its own call
    # reports it; the call before gives it. Named by its month ("guide for the June quarter
    # of 2013"), it is the company's fiscal quarter: ``guided_month``.
    guided: Period | None
    guided_month: MonthPeriod | None
    asks_results: bool  # asks what was reported ("What was revenue in Q1?")
    statements: tuple[str, ...]  # cash_flow | income | balance
    figures: tuple[str, ...]  # percent | money | per_share
    speaker_cues: tuple[int, ...]  # indexes into SPEAKER_CUES
    values: frozenset  # amounts the question states, scaled
    value_terms: frozenset[str]  # the words that state them
    name_candidates: tuple[str, ...]  # words (and pairs, tickers) that may name a company
    proper_words: frozenset[str]  # capitalised words: may start a company's name
    people: tuple[tuple[str, str], ...]  # (first name, surname) of each name it writes
    wants_cause: bool
    asks_cause: bool  # wants_cause, or "What drove ...?": the answer gathers causes
    wants_figure: bool
    intent: str  # cause | comparison | trend | figure | other

    def person_of(self, speaker: str | None) -> int | None:
        """Which person the question names ``speaker`` is, in the order it names them (0:
        the first), by surname, or by a surname within one edit with the first name's initial
        (a transcript's "Jamminder Singh Bhulla" for "Jimmy Bhullar"; "American Water" is no
        Walter). A speaker matched only by a first name ("Sam Smith" for "Sam Lee"), or by
        another capitalised word of the question ("Luca"), comes after all of them. None: no
        one the question names."""
        if not speaker or not self.proper_words:
            return None
        words = tokens(speaker_person(speaker))
        for index, (given, surname) in enumerate(self.people):
            if surname in words or words and words[0][0] == given[0] and \
                    any(edit_distance(w, surname, 1) <= 1 for w in words[1:] if len(w) >= 5):
                return index
        named = {w for w in words if len(w) >= 3} & self.proper_words
        return len(self.people) if named or any(g in words for g, _ in self.people) else None

    def asked_person(self, passages: Iterable[Passage]) -> int | None:
        """The person asked about among the speakers of ``passages``: the first the question
        names ("What did Ittai Kidron challenge Chuck Robbins on?": Ittai Kidron). None when
        no speaker of theirs is named in full (one capitalised word may be a company's:
        "Brown & Brown" and its CEO J. Powell Brown)."""
        return min((i for p in passages if (i := self.person_of(p.speaker)) is not None
                    and i < len(self.people)), default=None)

    def speaker_match(self, role: str | None, speaker: str | None,
                      asked: int | None = None) -> float:
        """1 when the passage's speaker is who the question asks about: by name
        (``person_of``) or by role ("the CFO", "analysts"). ``asked`` is the person asked
        about among the passages read together (``asked_person``): then another person the
        question names is half a match (whom they addressed) and a role none (in "What did
        Romit Shah ask about the search for a new CEO?" the CEO is asked about, not asked)."""
        person = self.person_of(speaker)
        if person is not None:
            return 1.0 if asked is None or person == asked else 0.5
        if asked is not None:
            return 0.0
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
            elif kind == "money" and SCALE_HEADING.search(headings) and re.search(r"\d", text):
                hits += 1
        return hits / len(self.figures)

    def statement_match(self, headings: str) -> bool:
        """Whether a page titled ``headings`` is a statement the question points at. PDF
        text can split a spaced-out title ("Balance Shee t"), so the title is also read with
        its spaces removed."""
        squeezed = re.sub(r"\s+", "", headings)
        return any(STATEMENTS[s][1].search(headings) or SQUEEZED_TITLES[s].search(squeezed)
                   for s in self.statements)

    def subject(self) -> "QuestionPlan":
        """The plan with only the words of what is asked: without its capitalised words
        (``proper_words``: the company's and people's names, but also acronyms such as EPS),
        numbers, quarters, FY words, "fiscal" and "quarter", which say which document answers
        rather than what its sentence says. Keeping the acronyms and dropping only the named
        companies' and people's words lost on the tune part (docs/accuracy.md)."""
        words = tuple(t for t in self.terms
                      if t not in ("fiscal", "quarter") and not PERIOD_WORD.match(t))
        # a question written in title case keeps its capitalised words
        terms = tuple(t for t in words if t not in self.proper_words) or words
        return replace(self, terms=terms or self.terms)

    def to_dict(self) -> dict[str, Any]:
        """The plan as shown to users (``understanding`` of an answer)."""
        return {"terms": list(self.terms),
                "expanded": list(self.keyword_terms[len(self.terms):]),
                "years": list(self.years), "quarter": self.quarter,
                "month_periods": [list(mp) for mp in self.month_periods],
                "month_dates": [list(md) for md in self.month_dates],
                "doc_types": list(self.doc_types), "latest": self.latest,
                "statements": list(self.statements), "figures": list(self.figures),
                "speakers": [SPEAKER_CUES[i][0].pattern for i in self.speaker_cues],
                "wants_cause": self.wants_cause, "wants_figure": self.wants_figure,
                "intent": self.intent}


def plan_question(question: str) -> QuestionPlan:
    """Read ``question`` once: what to search for, which documents, what kind of answer."""
    asked = question
    question = strip_instructions(question)
    text = question.lower()
    words = set(tokens(question))
    # "the latest quarter", "most recent call" name a period, which document matching reads:
    # not words a passage should contain ("in the latest reports from 451 Research").
    terms = content_terms(_LATEST.sub(" ", question))
    phrases: list[Phrase] = []
    extra: list[str] = []
    for phrase, alternatives in FINANCIAL_TERMS.items():
        if re.search(rf"(?<![\w&]){re.escape(phrase)}(?:s|es)?(?![\w&])", text):
            alts = tuple(tuple(t for t in tokens(a) if t not in STOPWORDS)
                         for a in alternatives)
            phrases.append((tuple(t for t in tokens(phrase) if t not in STOPWORDS), alts))
            extra += [t for alt in alts for t in alt]
    for phrase, initials in initialisms(asked):
        # "electronics and general merchandise" is "EGM" on the call that reports it
        phrases.append((phrase, tuple((i,) for i in initials)))
        extra += initials
    # One reading of the periods for everything: the library check, document matching and
    # the keyword search (which also looks for "2024" when "FY24" is asked).
    periods = named_periods(asked)
    years = list(dict.fromkeys(year for year, _ in periods))
    keyword_years = [str(year) for year in years]
    extra += keyword_years
    wants_cause = bool(_CAUSE_WORDS & words)
    if wants_cause:
        extra += _CAUSE_TERMS
    # "Why did revenue drop?" wants the explanation, not the statement's row.
    statements = [] if wants_cause else [
        name for name, (cue, _) in STATEMENTS.items() if cue.search(question)]
    # Amounts, not years: "2023" is a period, "$1.2 billion" a value to match in any format.
    amounts = amounts_in(question)
    history = bool(_HISTORY.search(asked))
    wants_figure = bool(_QUANTITY_WORDS & words) or any(
        cue.search(question) for cue, _ in STATEMENTS.values())
    return QuestionPlan(
        question=asked, terms=tuple(terms),
        keyword_terms=tuple(dict.fromkeys(terms + extra)), phrases=tuple(phrases),
        keyword_years=tuple(keyword_years), years=tuple(years),
        quarter=question_quarter(asked), periods=tuple(periods),
        month_periods=tuple(month_periods(asked)), month_dates=tuple(month_dates(asked)),
        doc_types=tuple(name for name, cue in _TYPE_CUES if cue.search(asked)),
        latest=bool(_LATEST.search(asked)), history=history,
        outlook=bool(_FORWARD.search(asked)), guided=_guided(asked),
        guided_month=_guided_month(asked),
        asks_results=bool(_RESULTS.search(asked)),
        statements=tuple(statements),
        figures=tuple(name for name, (cue, _) in FIGURE_KINDS.items() if cue.search(question)),
        speaker_cues=tuple(i for i, (cue, _, _) in enumerate(SPEAKER_CUES)
                           if cue.search(question)),
        values=frozenset(values_in(" ".join(amounts))),
        value_terms=frozenset(t for amount in amounts for t in tokens(amount)),
        name_candidates=_name_candidates(asked),
        proper_words=frozenset(w.lower() for w in re.findall(r"\b[A-Z][A-Za-z&]{2,}\b", asked)),
        people=tuple((name.split()[0].lower(), name.split()[-1].lower())
                     for name in person_names(asked)),
        wants_cause=wants_cause, wants_figure=wants_figure,
        asks_cause=wants_cause or bool(_ASKS_CAUSE.search(asked)),
        intent=_intent(wants_cause, wants_figure, history, asked, periods))


def _intent(cause: bool, figure: bool, history: bool, question: str,
            periods: list[Period]) -> str:
    """What kind of answer is wanted: a cause ("why"), a comparison (of two periods or
    "compared to"), a trend ("over the past five years"), a figure, or something else."""
    if cause:
        return "cause"
    if len({year for year, _ in periods}) > 1 or len(periods) > 1 or \
            _COMPARISON.search(question):
        return "comparison"
    if history:
        return "trend"
    return "figure" if figure else "other"


def _name_candidates(question: str) -> tuple[str, ...]:
    """Words, adjacent pairs and capitalised tickers that may name a company; which do is
    for the library's names to say (``DocumentMatcher``)."""
    words = [w for w in tokens(question) if w not in STOPWORDS and w not in GENERIC_NAME_WORDS]
    lowered = question.lower()
    for short, full in SHORT_NAMES.items():
        if re.search(rf"(?<![\w&]){re.escape(short)}(?![\w&])", lowered):
            words += sorted(name_words(full))
    cands = set(words) | {a + b for a, b in zip(words, words[1:])}
    cands |= {t.lower() for t in _TICKER.findall(question)}
    return tuple(sorted(cands))


_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)*"
_PERSON = re.compile(rf"(?<![\w'])(?=({_NAME_WORD} {_NAME_WORD})(?![\w&]))")
_OPENING = re.compile(r"^\W*(?:What|Which|Who|Why|How|When|Where|Did|Does|Do|Was|Were|Is|"
                      r"Are|Has|Have|Can|According)\b")
_MONTH_NAMES = {m.capitalize() for m in _MONTHS}


def speaker_person(speaker: str | None) -> str:
    """The person's name of a speaker line, without the title or firm after it ("Jane Doe
    (CFO, ACME)", "Sam Lee -- Example Securities -- Analyst", "John Roe, President")."""
    return re.split(r"\s*(?:\(|--|—|,)", speaker or "", maxsplit=1)[0]


def person_names(question: str) -> list[str]:
    """Two capitalised words in a row ("Neil Mehta", "Dybeck Happe"), as a person's name
    is written: what a passage's speaker may be matched by. Which are people is for the
    speakers of the documents to say."""
    out = []
    for m in _PERSON.finditer(question):
        pair = m.group(1)
        first, second = pair.split()
        opens = not question[:m.start()].strip() or \
            question[:m.start()].rstrip().endswith((".", "?", "!", ":"))
        if opens and (_OPENING.match(pair) or first.lower() in STOPWORDS) or \
                {first, re.sub(r"'s$", "", second)} & _MONTH_NAMES or first.endswith("'s"):
            continue  # a sentence's first word ("Had", "In"), a month ("In July"), a firm's
            # possessive before a name ("Oppenheimer's Ittai")
        out.append(re.sub(r"'s$", "", pair))  # "Lisa Su's view": Lisa Su
    return list(dict.fromkeys(out))


def initialisms(question: str) -> list[tuple[tuple[str, ...], list[str]]]:
    """The initialisms of the question's lower-case noun phrases of three or four words
    ("electronics and general merchandise" -> egm; "days of sales outstanding" -> dso and
    doso, as a joining "of" or "on" is written in some and not in others), as calls and
    filings abbreviate a phrase once they have spelled it out. Two initials are left out:
    "GM" is a company as often as a margin."""
    from earnest.asked_subjects import is_word, noun_like

    out = []
    # Punctuation ends a noun phrase: "revenue, margin and cash flow" are three.
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*|[^\sA-Za-z]", strip_instructions(question))
    runs: list[list[str]] = [[]]
    for word in words:
        low = word.lower()
        if low in _JOINS and runs[-1]:
            runs[-1].append(low)
        elif word.islower() and low not in STOPWORDS and noun_like(low):
            runs[-1].append(low)
        elif runs[-1]:
            runs.append([])
    for run in runs:
        while run and run[-1] in _JOINS:
            run.pop()
        at = [i for i, w in enumerate(run) if w not in _JOINS]  # the content words' places
        for size in (3, 4):
            for start in range(len(at) - size + 1):
                places = at[start:start + size]
                phrase = tuple(run[i] for i in places)
                spans = run[places[0]:places[-1] + 1]
                forms = ["".join(w[0] for w in phrase),
                         "".join(w[0] for w in spans if w != "and")]
                # An initialism that is also a word ("are", "use") or a clock's time zone
                # (a call's header: "11:00 a.m. EST") stands for nothing asked.
                forms = [f for f in dict.fromkeys(forms) if f not in STOPWORDS
                         and f not in _TIME_ZONES and not is_word(f)]
                if forms:
                    out.append((phrase, forms))
    return out


_JOINS = frozenset({"and", "of", "on", "to"})
# The time zones calls are announced in (US, UK and central Europe, and UTC/GMT).
_TIME_ZONES = frozenset("est edt cst cdt mst mdt pst pdt gmt utc bst cet cest".split())


def month_periods(question: str) -> list[MonthPeriod]:
    """Quarters named by the month they end in, or by the part of a year they fall in
    ("early 2020"): (month, year, whether "fiscal" says the year is the fiscal year)."""
    out: list[MonthPeriod] = []
    for m in _MONTH_QUARTER.finditer(question):
        if m.group(1):
            year = m.group(2) or m.group(4)
            if year:
                out.append((_MONTHS.index(m.group(1).lower()) + 1, int(year),
                            bool(m.group(3)) and not m.group(2)))
        else:
            out.append((_MONTHS.index(m.group(5).lower()) + 1, int(m.group(6)), False))
    out += [(_MONTHS.index(m.group(1).lower()) + 1, int(m.group(2)), False)
            for m in _MONTH_END.finditer(_MONTH_QUARTER.sub(" ", question))]
    out += [(_PART_MONTH[m.group(1).lower()], int(m.group(2)), False)
            for m in _PART_OF_YEAR.finditer(question)
            if not _SINCE.search(question[:m.start()])]
    return list(dict.fromkeys(out))


def _guided(question: str) -> Period | None:
    """The quarter right after "guide(d)/expect(ed)/outlook/forecast ... for" ("guide for
    Q3 2019", "expect for the third quarter of 2016"): what the guidance is for."""
    m = _GUIDED.search(question)
    if not m:
        return None
    quarters = [p for p in named_periods(m.group(1)) if p[1]]
    return quarters[0] if len(quarters) == 1 else None


def _guided_month(question: str) -> MonthPeriod | None:
    """The quarter guided for, named by the month it ends in ("guide for the June quarter
    of 2013", "expect for the December 2014 quarter") or by the part of the year it falls in
    ("guide for late 2019"), as ``month_periods`` reads them."""
    m = _GUIDED.search(question)
    months = month_periods(m.group(1)) if m else []
    return months[0] if len(months) == 1 else None


_GUIDED = re.compile(r"\b(?:guid\w*|expect\w*|outlook|forecast\w*|project\w*|anticipat\w*)"
                     r"\s+for\s+((?:the\s+|its\s+)?(?:fiscal\s+)?[\w'-]+(?:\s+[\w'-]+){0,4})",
                     re.I)


def month_dates(question: str) -> list[tuple[int, int]]:
    """The months of a year a question names as dates, not as a quarter or its end ("What
    did the CFO say in July 2015?"): (year, month)."""
    rest = _MONTH_END.sub(" ", _MONTH_QUARTER.sub(" ", question))
    return list(dict.fromkeys((int(m.group(2)), _MONTHS.index(m.group(1).lower()) + 1)
                              for m in _MONTH_DATE.finditer(rest)))
