"""What a sentence or a passage states, read from its form: a cause, an expectation with a
figure, or nothing at all (a header row, a courtesy). The answerer picks sentences by them,
the reranker passages."""

from __future__ import annotations

import re
from functools import lru_cache

from earnest.lexicon import tokens
from earnest.textspans import answer_units

# How English states a cause: connectives and verbs of causing (general usage, not any one
# question's wording). "offset by" names what worked the other way: a cause too.
_CAUSAL = re.compile(
    r"\b(?:(?:driven|caused|led|helped|hurt|impacted|affected|offset|fu(?:el|ell)ed|"
    r"pressured|weighed down|supported|boosted) by|due (?:to|primarily to|mainly to|largely to)|"
    r"because(?: of)?|as a result of|(?:the )?result(?:ed|ing)? (?:of|from)|"
    r"reflect(?:s|ed|ing)?|attributable to|thanks to|owing to|on the back of|"
    r"primarily (?:from|by|on|as|due)|mainly (?:from|by|due)|largely (?:from|by|due)|"
    r"stem(?:s|med|ming)? from|contribut(?:ed|ing|ion|ions|or|ors) (?:to|from)|"
    r"benefit(?:s|ed|ted|ing)? from|headwinds?|tailwinds?|driver(?:s)? (?:of|was|were|is|are)|"
    r"drove|drives|driving|the (?:main |primary |key )?reasons?|which led to)\b",
    re.IGNORECASE)
# A sentence stating the effect of the one before it: that one holds the cause
# ("As a result, ...", "This caused the company to ...").
_CONSEQUENCE = re.compile(
    r"^\W*(?:as a result\b(?!\s+of\b)|consequently\b|therefore\b|thus\b|hence\b|accordingly\b|"
    r"(?:this|that|these|which|it)\s+(?:(?:has|have|was|is)\s+)?(?:caused|led to|drove|"
    r"resulted in|contributed to|meant)\b)", re.IGNORECASE)
# "impacted by more than $1.5 billion": a "by" that measures, not one that names a cause.
_AMOUNT_AFTER = re.compile(r"\s*(?:(?:more|less) than|approximately|about|roughly|nearly|"
                           r"almost|over|under|around|some)?\s*[$€£]?\d", re.IGNORECASE)


# Words that only label a column or a period: a line made of them and figures states nothing
# ("January 28, 2023 January 29, 2022", "Three Months Ended 2023 2022").
_LABEL_WORDS = frozenset("""
january february march april may june july august september october november december jan feb
mar apr jun jul aug sep sept oct nov dec q1 q2 q3 q4 fy fiscal year years quarter quarters
month months week weeks ended ending end as of at in the and for thousands millions billions
dollars except per share amounts unaudited audited restated three six nine twelve change
changes increase decrease variance percent
""".split())


# "9:30PM GMT", "5:00 p.m. ET", "10 a.m."
_TIME_OF_DAY = re.compile(r"\b\d{1,2}(?::\d\d\s*(?:[ap]\.?m\b\.?)?|\s*[ap]\.?m\b\.?)"
                          r"(?:\s+(?:gmt|utc|[ecmp][sd]?t)\b)?", re.I)


def states_nothing(text: str) -> bool:
    """A line of dates, periods and figures only, not ended as a sentence: a header, not a
    claim ("The fiscal year ended January 28, 2023." is a claim)."""
    if re.search(r"[.!?]\s*$", text) and re.search(r"[a-z]", text):
        return False
    # A caption in brackets ("(Percent of net sales)", "(in millions)") labels the columns;
    # a time of day and its zone date an event ("NOVEMBER 16, 2016 / 9:30PM GMT").
    bare = _TIME_OF_DAY.sub(" ", re.sub(r"\([^()\d]*\)", " ", text))
    words = [w for w in tokens(bare) if not w.replace(".", "").replace(",", "").isdigit()]
    return all(w in _LABEL_WORDS for w in words)


def quotable(unit_kind: str, text: str) -> bool:
    """Whether a unit of ``answer_units`` may be quoted as a claim: a sentence or a table row
    of three words or more that states something (``states_nothing``)."""
    return unit_kind in ("sentence", "row") and len(text.split()) >= 3 and \
        not states_nothing(text)


def states_something(text: str) -> bool:
    """Whether ``text`` holds any quotable unit: a passage of a running header, a title or a
    header row alone can answer nothing. Only a short passage is read (such stubs are a line
    or two); a longer one is taken to state something, as reading every candidate page cost
    a quarter of a question's time."""
    return len(text) > _STUB_CHARS or _short_states_something(text)


@lru_cache(maxsize=4096)  # pure; read for each short candidate passage of each question
def _short_states_something(text: str) -> bool:
    return any(quotable(u.kind, u.text(text)) for u in answer_units(text))


_STUB_CHARS = 400


def states_cause(text: str) -> str | None:
    """"forward" when ``text`` names a cause ("... driven by lower volumes"), "back" when it
    states the effect of the sentence before it ("As a result, ..."), else None."""
    if _CONSEQUENCE.search(text):
        return "back"
    for m in _CAUSAL.finditer(text):
        if m.group(0).lower().endswith(" by") and _AMOUNT_AFTER.match(text, m.end()):
            continue
        return "forward"
    return None


@lru_cache(maxsize=4096)  # pure; asked for each candidate of each outlook question
def outlook_statement(text: str) -> float:
    """1 when a sentence of ``text`` states an expectation with a figure: guidance. The
    verbs are those the safe-harbor notice of every filing and call lists as marking a
    forward-looking statement (Securities Act s. 27A; "expect", "anticipate", "estimate",
    "project", "outlook", "guidance", "will"); the figure keeps the notice itself, which
    lists them and states none, out."""
    return float(any(_FORWARD_SAID.search(_unmeasured(s)) and _FIGURE.search(s)
                     for s in _SENTENCE_END.split(text)))


def _unmeasured(sentence: str) -> str:
    """A sentence reporting a result without what it was measured against ("came in above
    guidance", "was better than expected"): that reports the quarter and gives no guidance.
    Guidance restated ("should be in line with our outlook of $20 billion") keeps it."""
    return _MEASURED_AGAINST.sub(" ", sentence) if _REPORTED.search(sentence) else sentence


_REPORTED = re.compile(r"\b(?:was|were|came|exceeded|beat|ended|finished|delivered|grew|rose|"
                       r"fell|declined|increased|decreased|landed|reported|posted)\b", re.I)
_MEASURED_AGAINST = re.compile(
    r"\b(?:above|below|ahead\s+of|in\s+line\s+with|within|at\s+the\s+(?:high|low|top|upper|"
    r"lower)\s+end\s+of|exceed\w*|beat\w*|than|versus|vs\.?|compared\s+(?:to|with)|"
    r"relative\s+to)\s+(?:our\s+|the\s+|its\s+|their\s+)?(?:prior\s+|previous\s+|"
    r"original\s+|initial\s+|earlier\s+)?(?:guidance|guided\s+range|outlook|"
    r"expectations?|expected|estimates?|forecasts?|projections?)\b", re.I)


_FORWARD_SAID = re.compile(r"\b(?:expect\w*|anticipat\w*|estimat\w*|project(?:s|ed|ing|ions?)|"
                           r"forecast\w*|outlook|guid(?:e|es|ed|ing|ance)|will|intend\w*|"
                           r"target\w*|plan(?:s|ned)?\s+to)\b", re.I)
_FIGURE = re.compile(r"[$€£]\s?\d|\d(?:[.,]\d+)?\s?(?:%|percent|basis points|bps|billion|"
                     r"million)\b|\d(?:[.,]\d+)?%", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<![Vv]s\.)\s+")  # "vs." ends no sentence
