"""Checks every sentence of a generated answer against the sources it cites.

A sentence is *verified* when (1) it cites at least one source and every cited number exists,
(2) every figure in it (amount, percentage, growth rate, year, date) is in a cited source -
formatting, scale ("$1.2 billion" = "1,200 million" = "1,200" under "(In millions)") and
rounding aside - or is a difference, sum, ratio or growth rate of figures there, which is
recomputed and shown, and (3) enough of its words are in the cited passages (lexical support,
optionally confirmed by embedding similarity). Everything else is flagged or removed.

No LLM here: the checks are deterministic, so they can be tested on hand-written cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import permutations
from typing import Any, Callable, Sequence

from earnest.figures import _SCALES, NUMBER_RE
from earnest.lexicon import FINANCIAL_TERMS, STOPWORDS, SYNONYMS, stem, tokens
from earnest.textspans import split_units

_MONTHS = {m: i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1) for m in (name, name[:3])} | {"sept": 9}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|" \
         r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE_RES = [
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b",
               re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>\d\d)-(?P<day>\d\d)\b"),
    re.compile(r"\b(?P<mon>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)?\d\d)\b"),
    re.compile(r"\b" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I),  # month and year
]
_FORM = re.compile(r"\b(?:10-K|10-Q|8-K|20-F|S-1|DEF 14A)\b", re.I)
_FISCAL = re.compile(r"\b(?:FY|fiscal(?: year)?\s?)'?(\d{2}|\d{4})\b", re.I)
_TABLE_SCALE = re.compile(r"\b(?:in|\()\s*(?:\$|dollars\s+in\s+|usd\s+)?"
                          r"(thousands|millions|billions)\b", re.I)
_ABSTAIN = re.compile(r"\b(?:sources?|documents?|passages?|context)\b.{0,40}\b(?:do(?:es)? not|"
                      r"don't|doesn't|did not)\b.{0,30}\b(?:contain|mention|provide|include|"
                      r"say|state|answer)|\bnot (?:found|stated|mentioned|provided) in the "
                      r"(?:sources?|documents?)|\bno information\b", re.I)
INJECTION = re.compile(r"\bignore (?:all |any |the )?(?:previous|prior|above|earlier|preceding)"
                       r"\b|\bdisregard (?:all|any|the|your)\b|\bsystem prompt\b|"
                       r"\byou are now\b|\bnew instructions\b", re.I)
_PCT = Decimal(100)
_ENUMERATOR = re.compile(r"^\s*(?:[-*•]\s*)?\d{1,2}[.)]\s+(?=\D)", re.M)
_POINTS = re.compile(r"\s*(?:percentage points?|pp\b|points?\b)", re.I)


@dataclass(slots=True, frozen=True)
class Figure:
    """One number as written, and what it means."""

    text: str
    mantissa: Decimal  # absolute, as written without its scale word ("1.2" in "$1.2 billion")
    places: int  # decimals written
    scale: int  # power of ten of the scale word; 0 without one
    percent: bool = False
    year: bool = False
    negative: bool = False

    @property
    def explicit_scale(self) -> bool:
        return self.scale > 0

    @property
    def value(self) -> Decimal:
        return self.mantissa.scaleb(self.scale)


@dataclass(slots=True)
class Source:
    """A numbered source as the model saw it."""

    number: int
    text: str
    doc_name: str = ""
    page: int | None = None
    speaker: str | None = None
    context: str = ""  # headings and document words: figures there count, never quoted

    def header(self) -> str:
        return " ".join(x for x in (self.doc_name.replace("_", " "), self.speaker or "",
                                    self.context) if x)


@dataclass(slots=True)
class NumberCheck:
    text: str
    status: str  # quoted | rounded | computed | unsupported
    source: int | None = None
    computation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in {"text": self.text, "status": self.status,
                                  "source": self.source,
                                  "computation": self.computation}.items() if v is not None}


@dataclass(slots=True)
class SentenceCheck:
    text: str
    citations: list[int]
    status: str = "verified"  # verified | flagged | removed | abstention
    issues: list[dict[str, str]] = field(default_factory=list)
    numbers: list[NumberCheck] = field(default_factory=list)
    support: float = 0.0
    semantic: float | None = None
    evidence: str | None = None  # the cited words that best support the sentence

    @property
    def ok(self) -> bool:
        return not self.issues

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "citations": self.citations,
                               "status": self.status, "issues": self.issues,
                               "numbers": [n.to_dict() for n in self.numbers],
                               "support": round(self.support, 3)}
        if self.semantic is not None:
            out["semantic"] = round(self.semantic, 3)
        if self.evidence:
            out["evidence"] = self.evidence
        return out


# -- figures ----------------------------------------------------------------------------------
def _dates(text: str) -> tuple[list[tuple[str, tuple[int, int, int | None]]], str]:
    """Dates in ``text`` as (as written, (year, month, day or None)); the text with them
    blanked so their parts are not read again as amounts."""
    found = []
    for pattern in _DATE_RES:
        def take(m: re.Match[str]) -> str:
            groups = m.groupdict()
            try:
                month = int(groups["mon"]) if groups.get("mon") else \
                    _MONTHS[groups["month"].lower().rstrip(".")[:4 if groups["month"].lower()
                                                                 .startswith("sept") else 3]]
                year = int(groups["year"])
                year += 2000 if year < 100 else 0
                day = int(groups["day"]) if groups.get("day") else None
                date(year, month, day or 1)
            except (KeyError, ValueError):
                return m.group(0)
            found.append((m.group(0), (year, month, day)))
            return " " * len(m.group(0))
        text = pattern.sub(take, text)
    return found, text


def _figures(text: str) -> list[Figure]:
    """Amounts, percentages and years in ``text``; quarter labels (Q3), ordinals (1st), form
    names (10-K) and numbers inside names (ACME_2023Q3) are labels, not figures."""
    text = _FORM.sub(lambda m: " " * len(m.group(0)), text)
    out: list[Figure] = []
    for m in _FISCAL.finditer(text):
        year = int(m.group(1))
        out.append(Figure(m.group(0), Decimal(year + (2000 if year < 100 else 0)), 0, 0,
                          year=True))
    text = _FISCAL.sub(lambda m: " " * len(m.group(0)), text)
    for m in NUMBER_RE.finditer(text):
        start, end = m.start("num"), m.end()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isalpha() or before == "_" or after.isalpha() or after == "_":
            continue
        raw = m.group("num")
        try:
            mantissa = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            continue
        scale_word = (m.group("scale") or "").lower()
        percent = bool(m.group("pct")) or bool(_POINTS.match(text, end))
        places = len(raw.split(".")[1]) if "." in raw else 0
        is_year = (not percent and not scale_word and "," not in raw and places == 0
                   and 1900 <= mantissa <= 2100 and "$" not in m.group(0))
        negative = bool(m.group("neg")) and m.group(0).endswith(")") or \
            m.group(0).lstrip("($ ").startswith(("-", "−", "–"))
        out.append(Figure(m.group(0).strip(), abs(mantissa), places,
                          _SCALES.get(scale_word, 0), percent, is_year, negative))
    return out


def table_scale(text: str) -> int | None:
    """The power of ten a table's bare figures are in: "(In millions)" -> 6."""
    m = _TABLE_SCALE.search(text)
    return {"thousands": 3, "millions": 6, "billions": 9}[m.group(1).lower()] if m else None


@dataclass(slots=True)
class _SourceFigures:
    number: int
    figures: list[Figure]
    units: list[list[Figure]]  # figures per sentence / table row, for computations
    dates: list[tuple[int, int, int | None]]
    scales: tuple[int, ...]  # what a bare figure here may be scaled by


def _read_source(source: Source) -> _SourceFigures:
    dates, body = _dates(source.text)
    head_dates, header = _dates(source.header())
    units = [_figures(u.text(body)) for u in split_units(body)]
    figures = [f for unit in units for f in unit] + _figures(header)
    # Years in names ("ACME_2023Q3_10Q") are still years the model may repeat.
    figures += [Figure(y, Decimal(y), 0, 0, year=True)
                for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", source.doc_name)]
    for _, (year, _, _) in dates + head_dates:
        figures.append(Figure(str(year), Decimal(year), 0, 0, year=True))
    heading = table_scale(source.text) or table_scale(source.context)
    scales = (0, heading) if heading else (0, 3, 6, 9)
    return _SourceFigures(source.number, figures, [u for u in units if len(u) > 1],
                          [d for _, d in dates + head_dates], scales)


def _rounds_to(value: Decimal, fig: Figure) -> str | None:
    """"quoted" when ``value`` is ``fig`` as written, "rounded" when it rounds to it."""
    if value == fig.mantissa:
        return "quoted"
    try:
        q = value.quantize(Decimal(1).scaleb(-fig.places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    # Rounding, not approximation: "$2 billion" is not 1,577 million.
    close = fig.mantissa and abs(value - fig.mantissa) <= Decimal("0.05") * fig.mantissa
    return "rounded" if q == fig.mantissa and close else None


def _match_figure(fig: Figure, sources: list[_SourceFigures]) -> NumberCheck | None:
    for src in sources:
        for s in src.figures:
            if fig.year:
                if s.year and s.mantissa == fig.mantissa:
                    return NumberCheck(fig.text, "quoted", src.number)
                continue
            if s.year or (s.percent and not fig.percent):
                continue
            if fig.percent:
                if s.explicit_scale:
                    continue
                how = _rounds_to(s.mantissa, fig) if s.places >= fig.places else (
                    "quoted" if s.mantissa == fig.mantissa else None)
            else:
                how = None
                for value in ([s.value] if s.explicit_scale else
                              [s.mantissa.scaleb(k) for k in src.scales]):
                    unit = value.scaleb(-fig.scale)
                    if unit == fig.mantissa:
                        how = "quoted"
                    elif _places(unit) > fig.places:
                        how = _rounds_to(unit, fig)
                    if how:
                        break
            if how:
                return NumberCheck(fig.text, how, src.number)
    return None


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _compute(fig: Figure, pairs: list[tuple[Figure, Figure, int]]) -> NumberCheck | None:
    """A figure that is a difference, sum, ratio or growth rate of two cited figures."""
    for a, b, number in pairs:
        if a.year or b.year or a.percent != b.percent:
            continue
        # Bare table figures share their table's scale: compute on them as written; a bare
        # and a scaled figure are taken to be in the same scale.
        bare = not a.explicit_scale and not b.explicit_scale
        x = a.value if a.explicit_scale else a.mantissa.scaleb(b.scale)
        y = b.value if b.explicit_scale else b.mantissa.scaleb(a.scale)
        candidates: list[tuple[Decimal, str, bool]] = []  # result, formula, in units
        if fig.percent and not a.percent and y:
            candidates.append((abs(x - y) / y * _PCT, f"({a.text} - {b.text}) / {b.text}",
                               False))  # growth rate
            candidates.append((x / y * _PCT, f"{a.text} / {b.text}", False))  # share, margin
        if fig.percent == a.percent:
            candidates.append((abs(x - y), f"{a.text} - {b.text}", not fig.percent and not bare))
            if not fig.percent:
                candidates.append((x + y, f"{a.text} + {b.text}", not bare))
        if not fig.percent and not a.percent and y and x > y and not fig.explicit_scale:
            candidates.append((x / y, f"{a.text} / {b.text}", False))  # "1.5 times"
        for result, formula, in_units in candidates:
            unit = result.scaleb(-fig.scale) if in_units else result
            if _rounds_to(unit, fig):
                shown = unit.quantize(Decimal(1).scaleb(-fig.places - 2),
                                      rounding=ROUND_HALF_UP).normalize()
                where = f" [{number}]" if number else ""
                return NumberCheck(fig.text, "computed", number or None,
                                   f"{formula} = {shown:f}{'%' if fig.percent else ''}{where}")
    return None


# -- the checks ---------------------------------------------------------------------------
Similarity = Callable[[str, Sequence[str]], float]  # sentence, candidate texts -> best cosine


@dataclass(slots=True)
class Verifier:
    """Verifies generated sentences against numbered sources."""

    sources: dict[int, Source]
    min_support: float = 0.6
    similarity: Similarity | None = None
    semantic_threshold: float = 0.7
    forbidden: str = ""  # text that must never be repeated (the system prompt)
    _figures: dict[int, _SourceFigures] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sources = {n: Source(s.number, without_injections(s.text), s.doc_name, s.page,
                                  s.speaker, s.context) for n, s in self.sources.items()}

    def _source_figures(self, number: int) -> _SourceFigures:
        if number not in self._figures:
            self._figures[number] = _read_source(self.sources[number])
        return self._figures[number]

    def check(self, text: str, citations: list[int]) -> SentenceCheck:
        result = SentenceCheck(text=text, citations=citations)
        text = _ENUMERATOR.sub("", text)  # "1. Revenue ..." in a list: a label, not a figure
        if not citations and is_abstention(text):
            result.status = "abstention"
            return result
        unknown = [n for n in citations if n not in self.sources]
        if not citations:
            result.issues.append({"code": "no_citation", "detail": "cites no source"})
        if unknown:
            result.issues.append({"code": "unknown_citation", "detail": "cites "
                                  + ", ".join(f"[{n}]" for n in unknown)
                                  + f", but there are only {len(self.sources)} sources"})
        cited = [self._source_figures(n) for n in citations if n in self.sources]
        self._check_numbers(text, cited, result)
        self._check_support(text, [self.sources[n] for n in citations if n in self.sources],
                            result)
        if self.forbidden and leaks(text, self.forbidden):
            result.issues.append({"code": "prompt_leak",
                                  "detail": "repeats the instructions given to the model"})
        result.status = "verified" if result.ok else "flagged"
        return result

    def _check_numbers(self, text: str, cited: list[_SourceFigures],
                       result: SentenceCheck) -> None:
        dates, body = _dates(text)
        for written, (year, month, day) in dates:
            ok = next((s.number for s in cited for (y, m, d) in s.dates
                       if (y, m) == (year, month) and (day is None or d == day)), None)
            result.numbers.append(NumberCheck(written, "quoted" if ok else "unsupported", ok))
        figures = _figures(body)
        pending: list[Figure] = []
        for fig in figures:
            found = _match_figure(fig, cited)
            if found:
                result.numbers.append(found)
            else:
                pending.append(fig)
        for fig in pending:
            own = [f for f in figures if f is not fig and not f.year]
            pairs = [(a, b, 0) for a, b in permutations(own, 2)]
            for src in cited:
                pairs += [(a, b, src.number) for unit in src.units
                          for a, b in permutations(unit, 2)]
                pairs += [(a, b, src.number) for a in own for b in src.figures if not b.year]
                pairs += [(b, a, src.number) for a in own for b in src.figures if not b.year]
            found = _compute(fig, pairs) if cited else None
            result.numbers.append(found or NumberCheck(fig.text, "unsupported"))
        for check in result.numbers:
            if check.status == "unsupported":
                where = "the cited sources" if cited else "any cited source"
                result.issues.append({"code": "unsupported_number",
                                      "detail": f"{check.text} is not in {where} and not "
                                      "computable from them"})

    def _check_support(self, text: str, cited: list[Source], result: SentenceCheck) -> None:
        words = [stem(t) for t in tokens(_strip_figures(text))
                 if t not in STOPWORDS and not t[0].isdigit() and len(t) > 1]
        if not cited:
            return
        units = [u.text(s.text) for s in cited for u in split_units(s.text)] or \
            [s.text for s in cited]
        present = {stem(t) for s in cited for t in tokens(s.text + " " + s.header())}
        for phrase, alternatives in FINANCIAL_TERMS.items():
            # "capital expenditure" is supported by "purchases of property, plant and ..."
            if any(all(stem(t) in present for t in tokens(alt)) for alt in alternatives):
                present.update(stem(t) for t in tokens(phrase))
        if words:
            hits = sum(1 for w in words if w in present or SYNONYMS.get(w, frozenset())
                       & present)
            result.support = hits / len(words)
        else:
            result.support = 1.0 if result.numbers else 0.0
        result.evidence = max(units, key=lambda u: _overlap(words, u)) if units else None
        if result.support >= self.min_support:
            return
        if self.similarity is not None and result.support >= self.min_support / 2:
            result.semantic = self.similarity(text, units)
            if result.semantic >= self.semantic_threshold:
                return
        result.issues.append({"code": "weak_support", "detail": f"only {result.support:.0%} "
                              "of its words are in the cited passages"})


def without_injections(text: str) -> str:
    """``text`` with what speaks to an AI model blanked - from the sentence that says "ignore
    previous instructions" (or the like) to the end of its paragraph: the model may read it
    as data, but it is never evidence for an answer."""
    if not INJECTION.search(text):
        return text
    out, blanking, last_end = list(text), False, 0
    for unit in split_units(text):
        if "\n\n" in text[last_end:unit.start]:
            blanking = False  # a new paragraph
        if INJECTION.search(unit.text(text)):
            blanking = True
        if blanking:
            out[unit.start:unit.end] = " " * (unit.end - unit.start)
        last_end = unit.end
    return "".join(out)


def _overlap(words: list[str], text: str) -> int:
    present = {stem(t) for t in tokens(text)}
    return sum(1 for w in words if w in present)


def _strip_figures(text: str) -> str:
    return NUMBER_RE.sub(" ", text)


def is_abstention(text: str) -> bool:
    """"The sources do not contain the answer." and its variants."""
    return bool(_ABSTAIN.search(text))


def leaks(text: str, secret: str, n: int = 8) -> bool:
    """True when ``text`` repeats ``n`` consecutive words of ``secret``."""
    secret_words = tokens(secret)
    grams = {tuple(secret_words[i:i + n]) for i in range(len(secret_words) - n + 1)}
    words = tokens(text)
    return any(tuple(words[i:i + n]) in grams for i in range(len(words) - n + 1))


def summarise(checks: Sequence[SentenceCheck]) -> dict[str, Any]:
    """The verification block of an answer."""
    claims = [c for c in checks if c.status != "abstention"]
    return {
        "sentences": len(claims),
        "verified": sum(1 for c in claims if c.status == "verified"),
        "flagged": sum(1 for c in claims if c.status == "flagged"),
        "removed": sum(1 for c in claims if c.status == "removed"),
        "abstentions": len(checks) - len(claims),
        "unsupported_numbers": sum(1 for c in claims for n in c.numbers
                                   if n.status == "unsupported"),
        "computed_numbers": sum(1 for c in claims for n in c.numbers
                                if n.status == "computed"),
        "details": [c.to_dict() for c in checks],
    }


__all__ = ["INJECTION", "Figure", "NumberCheck", "SentenceCheck", "Source", "Verifier", "is_abstention",
           "leaks", "summarise", "table_scale", "without_injections"]
