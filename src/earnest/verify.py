"""Checks every sentence of a generated answer against the sources it cites.

A sentence is *verified* when (1) it cites at least one source and every cited number exists,
(2) every figure in it (amount, percentage, growth rate, year, date) is in a cited source -
formatting, scale ("$1.2 billion" = "1,200 million" = "1,200" under "(In millions)") and
rounding aside - or is a difference, sum, ratio or growth rate of figures there, which is
recomputed and shown, stated in the same direction ("grew" is not "a decrease of") - and (3)
enough of its words are in the cited passages (lexical support, optionally confirmed by
embedding similarity). Everything else is flagged or removed. Reading figures out of text is
``earnest.figures``.

No LLM here: the checks are deterministic, so they can be tested on hand-written cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import combinations
from typing import Callable, Sequence

from earnest.figures import (
    NUMBER_RE,
    Figure,
    contradicts,
    current_first,
    dates_in,
    quarters_in,
    read_figures,
    role,
    table_scale,
)
from earnest.lexicon import FINANCIAL_TERMS, STOPWORDS, SYNONYMS, stem, tokens
from earnest.models import NumberCheck, Sentence
from earnest.textspans import split_units

_ABSTAIN = re.compile(r"\b(?:sources?|documents?|passages?|context)\b.{0,40}\b(?:do(?:es)? not|"
                      r"don't|doesn't|did not)\b.{0,30}\b(?:contain|mention|provide|include|"
                      r"say|state|answer)|\bnot (?:found|stated|mentioned|provided) in the "
                      r"(?:sources?|documents?)|\bno information\b", re.I)
INJECTION = re.compile(r"\bignore (?:all |any |the )?(?:previous|prior|above|earlier|preceding)"
                       r"\b|\bdisregard (?:all|any|the|your)\b|\bsystem prompt\b|"
                       r"\byou are now\b|\bnew instructions\b", re.I)
_PCT = Decimal(100)
_ENUMERATOR = re.compile(r"^\s*(?:[-*•]\s*)?\d{1,2}[.)]\s+(?=\D)", re.M)


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
    pairs: list[tuple[_Known, _Known]]  # (current, earlier) within a sentence / table row
    dates: list[tuple[int, int, int | None]]
    percent_columns: bool  # "%" is written somewhere: a bare table figure may be a percentage
    quarters: set[int] = field(default_factory=set)  # in its text, name or headings


def _read_source(source: Source) -> _SourceFigures:
    dates, body = dates_in(source.text)
    head_dates, header = dates_in(source.header())
    heading = table_scale(source.text) or table_scale(source.context)
    units: list[list[_Known]] = []
    pairs: list[tuple[_Known, _Known]] = []
    for span in split_units(body):
        row = span.kind == "row"
        # A bare figure is in millions only under "(In millions)", or - when the heading was
        # cut off - in a table row; in prose, "12 stores" is never "$12 billion".
        scales = (0, heading) if heading else (0, 3, 6, 9) if row else (0,)
        text = span.text(body)
        units.append([_Known(f, scales, row) for f in read_figures(text)])
        pairs += _ordered(text, [k for k in units[-1] if not k.fig.year])
    known = [k for unit in units for k in unit] + [_Known(f) for f in read_figures(header)]
    # Years in names ("ACME_2023Q3_10Q") are still years the model may repeat.
    known += [_Known(Figure(y, Decimal(y), 0, 0, year=True))
              for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", source.doc_name)]
    for _, (year, _, _) in dates + head_dates:
        known.append(_Known(Figure(str(year), Decimal(year), 0, 0, year=True)))
    return _SourceFigures(source.number, known, pairs,
                          [d for _, d in dates + head_dates],
                          bool(re.search(r"%|\bper\s?cent", body, re.I)),
                          {q for _, q in quarters_in(f"{source.text} {source.doc_name} "
                                                   f"{source.header()}")})


def _ordered(text: str, figs: list[_Known]) -> list[tuple[_Known, _Known]]:
    """Every two figures of one sentence or row as (current, earlier)."""
    return [(a, b) if current_first(text, a.fig, b.fig) else (b, a)
            for a, b in combinations(figs, 2)]


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
    """Where ``fig`` is in ``sources``; a match stating the opposite direction or sign is only
    remembered (``contradicted``), never a support."""
    opposite = None
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
            if how and contradicts(fig, s):
                opposite = opposite or src.number
            elif how:
                return NumberCheck(fig.text, how, src.number)
    return NumberCheck(fig.text, "unsupported", contradicted=opposite) if opposite else None


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _operands(a: _Known, b: _Known) -> list[tuple[Decimal, Decimal]]:
    """The values of two figures read together: bare figures of one table share its scale."""
    if not a.fig.explicit_scale and not b.fig.explicit_scale:
        return [(a.fig.mantissa.scaleb(k), b.fig.mantissa.scaleb(k))
                for k in a.scales if k in b.scales]
    return [(x, y) for x in a.values() for y in b.values()]


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)


def _compute(fig: Figure, pairs: list[tuple[_Known, _Known, int]]) -> NumberCheck | None:
    """A figure that is a difference, sum, ratio or growth rate of two cited figures (each pair
    is (current, earlier)): percentage points only from two percentages, a percentage only from
    two amounts. A change keeps its sign: "grew 6%" is never a 6% fall."""
    for ka, kb, number in pairs:
        a, b = ka.fig, kb.fig
        if a.year or b.year or a.percent != b.percent or a.points or b.points:
            continue
        for x, y in _operands(ka, kb):
            # (signed result in fig's unit, formula, a change whose sign must fit the words)
            candidates: list[tuple[Decimal, str, bool]] = []
            if fig.points and a.percent:
                candidates.append((_in_points(x - y, fig, False), f"{a.text} - {b.text}", True))
            elif fig.percent and not fig.points and not a.percent and y:
                candidates.append(((x - y) / y * _PCT, f"({a.text} - {b.text}) / {b.text}",
                                   True))
                candidates.append((x / y * _PCT, f"{a.text} / {b.text}", False))  # a share
                if x:
                    candidates.append((y / x * _PCT, f"{b.text} / {a.text}", False))
            elif not fig.percent and not a.percent:
                candidates.append(((x - y).scaleb(-fig.scale), f"{a.text} - {b.text}", True))
                candidates.append(((x + y).scaleb(-fig.scale), f"{a.text} + {b.text}", False))
                if y and not fig.explicit_scale:  # "1.5 times"
                    big, small = (x, y) if x > y else (y, x)
                    text = f"{a.text} / {b.text}" if x > y else f"{b.text} / {a.text}"
                    if small:
                        candidates.append((big / small, text, False))
            for signed, formula, change in candidates:
                if change and fig.change and _sign(signed) != fig.change:
                    continue
                if _rounds_to(abs(signed), fig):
                    shown = signed.quantize(Decimal(1).scaleb(-fig.places - 2),
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

    def check(self, text: str, citations: list[int], *,
              truncated: bool = False) -> Sentence:
        """``truncated``: the model stopped at its token limit inside this sentence."""
        result = Sentence(text=text, citations=citations, status="verified")
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
        if truncated:  # its end - a scale word, "decrease", a figure - may be missing
            result.issues.append({"code": "truncated", "detail": "cut off at llm.max_tokens"})
        result.status = "verified" if result.ok else "flagged"
        return result

    def _check_numbers(self, text: str, cited: list[_SourceFigures],
                       result: Sentence) -> None:
        dates, body = dates_in(text)
        for written, (year, month, day) in dates:
            ok = next((s.number for s in cited for (y, m, d) in s.dates
                       if (y, m) == (year, month) and (day is None or d == day)), None)
            result.numbers.append(NumberCheck(written, "quoted" if ok else "unsupported", ok))
        # A right figure for the wrong quarter is a wrong figure: "Q4" must be in a cited source.
        for written, quarter in quarters_in(body):
            if not any(quarter in s.quarters for s in cited):
                result.numbers.append(NumberCheck(written, "unsupported"))
        figures = read_figures(body)
        pending: list[tuple[Figure, NumberCheck | None]] = []
        matched: list[Figure] = []
        for fig in figures:
            found = _match_figure(fig, cited)
            if found and found.status != "unsupported":
                result.numbers.append(found)
                matched.append(fig)
            else:
                pending.append((fig, found))
        # Only figures found in a cited source may be computed with: two invented figures
        # must not vouch for each other ("up $50 million to $150 million" from "$100 million").
        own = [_Known(f) for f in matched if not f.year]
        own_pairs = [(a, b, 0) for a, b in _ordered(body, own)]
        for fig, opposite in pending:
            pairs = list(own_pairs)
            for src in cited:
                figs = [k for k in src.known if not k.fig.year]
                pairs += [(a, b, src.number) for a, b in src.pairs]
                for a in own:  # the sentence may say which is current: "to $120 million"
                    said = role(body, a.fig)
                    pairs += [(a, b, src.number) for b in figs if said >= 0]
                    pairs += [(b, a, src.number) for b in figs if said <= 0]
            found = _compute(fig, pairs) if cited else None
            result.numbers.append(found or opposite or NumberCheck(fig.text, "unsupported"))
        for check in result.numbers:
            if check.status == "unsupported" and check.contradicted:
                result.issues.append({"code": "wrong_direction", "detail": f"{check.text}: "
                                      f"source [{check.contradicted}] states it in the "
                                      "opposite direction or sign"})
            elif check.status == "unsupported":
                where = "the cited sources" if cited else "any cited source"
                result.issues.append({"code": "unsupported_number",
                                      "detail": f"{check.text} is not in {where} and not "
                                      "computable from them"})

    def _check_support(self, text: str, cited: list[Source], result: Sentence) -> None:
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


__all__ = ["INJECTION", "Figure", "Source", "Verifier", "is_abstention", "leaks", "table_scale",
           "without_injections"]
