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
_QUARTER = re.compile(r"(?<![A-Za-z])Q([1-4])(?!\d)|\b([1-4])Q(?![A-Za-z])|\b(first|second|"
                      r"third|fourth|1st|2nd|3rd|4th)[- ]quarter\b", re.I)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
            "4th": 4}
_PCT = Decimal(100)
_ENUMERATOR = re.compile(r"^\s*(?:[-*•]\s*)?\d{1,2}[.)]\s+(?=\D)", re.M)
_POINTS = re.compile(r"\s*(?:(?P<bps>basis points?\b|bps\b)|percentage points?\b|pp\b|points?\b)",
                     re.I)
# "$1.1 to $1.2 billion", "5 and 6%": the first figure is written in the second one's scale.
_RANGE_JOIN = re.compile(r"\s*(?:and|to|or|through|-|–|—)?\s*", re.I)
_LATE_SCALE = re.compile(r"\s?(thousand|million|billion|trillion|mn|bn)\b", re.I)
_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = {w: i for i, w in enumerate(_SMALL)} | {w: 20 + 10 * i for i, w in
                                                      enumerate(_TENS)}
_UNIT_WORDS = "|".join(sorted(_SMALL[1:10], key=len, reverse=True))
# Spelled-out figures the model may write instead of digits: "five million", "twenty percent".
_WORD_FIGURE = re.compile(
    r"\b(?P<words>(?:" + "|".join(_TENS) + r")(?:[- ](?:" + _UNIT_WORDS + r"))?|"
    + "|".join(sorted(_SMALL, key=len, reverse=True)) + r")\s+(?:(?P<scale>thousand|million|"
    r"billion|trillion)\b|(?P<pct>percent\b|per cent\b|%))", re.I)


@dataclass(slots=True, frozen=True)
class Figure:
    """One number as written, and what it means."""

    text: str
    mantissa: Decimal  # absolute, as written without its scale word ("1.2" in "$1.2 billion")
    places: int  # decimals written
    scale: int  # power of ten of the scale word; 0 without one
    percent: bool = False  # a percentage, or percentage points (see ``points``)
    year: bool = False
    negative: bool = False
    points: bool = False  # "1.6 percentage points", "160 bps": a difference of percentages
    bps: bool = False  # in basis points (100 bps = 1 percentage point)
    currency: bool = False  # written with a currency sign

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
    names (10-K) and numbers inside names (ACME_2023Q3) are labels, not figures. A bare figure
    right before a scaled one ("$1.1 to $1.2 billion") takes its scale."""
    text = _FORM.sub(lambda m: " " * len(m.group(0)), text)
    out: list[Figure] = []
    for m in _FISCAL.finditer(text):
        year = int(m.group(1))
        out.append(Figure(m.group(0), Decimal(year + (2000 if year < 100 else 0)), 0, 0,
                          year=True))
    text = _FISCAL.sub(lambda m: " " * len(m.group(0)), text)
    for m in _WORD_FIGURE.finditer(text):
        value = sum(_WORD_VALUES[w] for w in re.split(r"[- ]", m.group("words").lower()))
        scale = _SCALES.get((m.group("scale") or "").lower(), 0)
        out.append(Figure(m.group(0), Decimal(value), 0, scale, percent=bool(m.group("pct"))))
    found: list[tuple[Figure, int, int]] = []
    for m in NUMBER_RE.finditer(text):
        start, end = m.start("num"), m.end()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        # "3x" and "1.5x" are multiples, and figures; "Q3" and "3rd" are not
        times = after in "xX" and not text[end + 1:end + 2].isalnum()
        if before.isalpha() or before == "_" or (after.isalpha() and not times) or after == "_":
            continue
        raw = m.group("num")
        try:
            mantissa = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            continue
        scale_word = (m.group("scale") or "").lower()
        if not scale_word and m.group(0).endswith(")"):  # "$(5.0) million": a loss in millions
            late = _LATE_SCALE.match(text, end)
            scale_word = late.group(1).lower() if late else ""
        points = None if m.group("pct") else _POINTS.match(text, end)
        percent = bool(m.group("pct")) or bool(points)
        places = len(raw.split(".")[1]) if "." in raw else 0
        is_year = (not percent and not scale_word and "," not in raw and places == 0
                   and 1900 <= mantissa <= 2100 and "$" not in m.group(0) and not times)
        negative = bool(m.group("neg")) and m.group(0).endswith(")") or \
            m.group(0).lstrip("($ ").startswith(("-", "−", "–"))
        fig = Figure(m.group(0).strip(), abs(mantissa), places, _SCALES.get(scale_word, 0),
                     percent, is_year, negative, bool(points),
                     bool(points and points.group("bps")), bool(re.search(r"[$€£]", m.group(0))))
        between = text[found[-1][2]:m.start()] if found else "x"
        if _RANGE_JOIN.fullmatch(between) and (between.strip() or m.group(0)[:1] in "-−–"):
            prev = found[-1][0]
            if not prev.explicit_scale and not prev.percent and not prev.year and \
                    (fig.explicit_scale or fig.percent):
                found[-1] = (Figure(prev.text, prev.mantissa, prev.places, fig.scale,
                                    fig.percent, False, prev.negative, fig.points, fig.bps,
                                    prev.currency), *found[-1][1:])
        found.append((fig, m.start(), m.end()))
    return out + [f for f, _, _ in found]


def _quarters(text: str) -> list[tuple[str, int]]:
    """Fiscal quarters named in ``text``: "Q3", "3Q23", "third quarter" -> 3."""
    return [(m.group(0), int(m.group(1) or m.group(2) or _ORDINAL[m.group(3).lower()]))
            for m in _QUARTER.finditer(text)]


def table_scale(text: str) -> int | None:
    """The power of ten a table's bare figures are in: "(In millions)" -> 6."""
    m = _TABLE_SCALE.search(text)
    return {"thousands": 3, "millions": 6, "billions": 9}[m.group(1).lower()] if m else None


@dataclass(slots=True, frozen=True)
class _Known:
    """A figure of a cited source (or of the sentence), with the scales it may be read in."""

    fig: Figure
    scales: tuple[int, ...] = (0,)  # for a bare figure: "412.0" under "(In millions)": (0, 6)
    row: bool = False  # in a table row

    def values(self) -> list[Decimal]:
        if self.fig.explicit_scale:
            return [self.fig.value]
        return [self.fig.mantissa.scaleb(k) for k in self.scales]


@dataclass(slots=True)
class _SourceFigures:
    number: int
    known: list[_Known]
    units: list[list[_Known]]  # figures per sentence / table row, for computations
    dates: list[tuple[int, int, int | None]]
    percent_columns: bool  # "%" is written somewhere: a bare table figure may be a percentage
    quarters: set[int] = field(default_factory=set)  # in its text, name or headings


def _read_source(source: Source) -> _SourceFigures:
    dates, body = _dates(source.text)
    head_dates, header = _dates(source.header())
    heading = table_scale(source.text) or table_scale(source.context)
    units: list[list[_Known]] = []
    for span in split_units(body):
        row = span.kind == "row"
        # A bare figure is in millions only under "(In millions)", or - when the heading was
        # cut off - in a table row; in prose, "12 stores" is never "$12 billion".
        scales = (0, heading) if heading else (0, 3, 6, 9) if row else (0,)
        units.append([_Known(f, scales, row) for f in _figures(span.text(body))])
    known = [k for unit in units for k in unit] + [_Known(f) for f in _figures(header)]
    # Years in names ("ACME_2023Q3_10Q") are still years the model may repeat.
    known += [_Known(Figure(y, Decimal(y), 0, 0, year=True))
              for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", source.doc_name)]
    for _, (year, _, _) in dates + head_dates:
        known.append(_Known(Figure(str(year), Decimal(year), 0, 0, year=True)))
    return _SourceFigures(source.number, known, [u for u in units if len(u) > 1],
                          [d for _, d in dates + head_dates],
                          bool(re.search(r"%|\bper\s?cent", body, re.I)),
                          {q for _, q in _quarters(f"{source.text} {source.doc_name} "
                                                   f"{source.header()}")})


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


def _same(value: Decimal, fig: Figure) -> str | None:
    """``value`` (in ``fig``'s units) is ``fig`` as written, or more precise and rounds to it."""
    if value == fig.mantissa:
        return "quoted"
    return _rounds_to(value, fig) if _places(value) > fig.places else None


def _in_points(value: Decimal, fig: Figure, bps: bool) -> Decimal:
    """A percentage-point ``value`` (in basis points when ``bps``) in ``fig``'s unit."""
    return value if bps == fig.bps else value.scaleb(-2) if bps else value.scaleb(2)


def _match_figure(fig: Figure, sources: list[_SourceFigures]) -> NumberCheck | None:
    for src in sources:
        for k in src.known:
            s = k.fig
            if fig.year:
                if s.year and s.mantissa == fig.mantissa:
                    return NumberCheck(fig.text, "quoted", src.number)
                continue
            if s.year or s.percent != fig.percent and not (
                    fig.percent and not fig.points and k.row and src.percent_columns
                    and not s.currency and not s.explicit_scale):
                continue  # an amount is not a percentage (but a "% of sales" column may be)
            if fig.percent:
                if s.points != fig.points:
                    continue  # a 6.1% decrease is not a fall of 6.1 percentage points
                how = _same(_in_points(s.mantissa, fig, s.bps) if fig.points else s.mantissa,
                            fig)
            else:
                how = next((h for v in k.values() if (h := _same(v.scaleb(-fig.scale), fig))),
                           None)
            if how:
                return NumberCheck(fig.text, how, src.number)
    return None


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _operands(a: _Known, b: _Known) -> list[tuple[Decimal, Decimal]]:
    """The values of two figures read together: bare figures of one table share its scale."""
    if not a.fig.explicit_scale and not b.fig.explicit_scale:
        return [(a.fig.mantissa.scaleb(k), b.fig.mantissa.scaleb(k))
                for k in a.scales if k in b.scales]
    return [(x, y) for x in a.values() for y in b.values()]


def _compute(fig: Figure, pairs: list[tuple[_Known, _Known, int]]) -> NumberCheck | None:
    """A figure that is a difference, sum, ratio or growth rate of two cited figures:
    percentage points only from two percentages, a percentage only from two amounts."""
    for ka, kb, number in pairs:
        a, b = ka.fig, kb.fig
        if a.year or b.year or a.percent != b.percent or a.points or b.points:
            continue
        for x, y in _operands(ka, kb):
            candidates: list[tuple[Decimal, str]] = []  # result in fig's unit, formula
            if fig.points and a.percent:
                candidates.append((_in_points(abs(x - y), fig, False), f"{a.text} - {b.text}"))
            elif fig.percent and not fig.points and not a.percent and y:
                candidates.append((abs(x - y) / y * _PCT, f"({a.text} - {b.text}) / {b.text}"))
                candidates.append((x / y * _PCT, f"{a.text} / {b.text}"))  # share, margin
            elif not fig.percent and not a.percent:
                candidates.append((abs(x - y).scaleb(-fig.scale), f"{a.text} - {b.text}"))
                candidates.append(((x + y).scaleb(-fig.scale), f"{a.text} + {b.text}"))
                if y and x > y and not fig.explicit_scale:
                    candidates.append((x / y, f"{a.text} / {b.text}"))  # "1.5 times"
            for unit, formula in candidates:
                if _rounds_to(unit, fig):
                    shown = unit.quantize(Decimal(1).scaleb(-fig.places - 2),
                                          rounding=ROUND_HALF_UP).normalize()
                    suffix = (" bps" if fig.bps else " percentage points") if fig.points \
                        else "%" if fig.percent else ""
                    where = f" [{number}]" if number else ""
                    return NumberCheck(fig.text, "computed", number or None,
                                       f"{formula} = {shown:f}{suffix}{where}")
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
        # A right figure for the wrong quarter is a wrong figure: "Q4" must be in a cited source.
        for written, quarter in _quarters(body):
            if not any(quarter in s.quarters for s in cited):
                result.numbers.append(NumberCheck(written, "unsupported"))
        figures = _figures(body)
        pending: list[Figure] = []
        matched: list[Figure] = []
        for fig in figures:
            found = _match_figure(fig, cited)
            if found:
                result.numbers.append(found)
                matched.append(fig)
            else:
                pending.append(fig)
        # Only figures found in a cited source may be computed with: two invented figures
        # must not vouch for each other ("up $50 million to $150 million" from "$100 million").
        own = [_Known(f) for f in matched if not f.year]
        for fig in pending:
            pairs = [(a, b, 0) for a, b in permutations(own, 2)]
            for src in cited:
                figs = [k for k in src.known if not k.fig.year]
                pairs += [(a, b, src.number) for unit in src.units
                          for a, b in permutations(unit, 2)]
                pairs += [(a, b, src.number) for a in own for b in figs]
                pairs += [(b, a, src.number) for a in own for b in figs]
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
