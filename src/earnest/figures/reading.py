"""Figures in running text, as the verifier reads them: amounts, percentages and points,
multiples, spelled-out numbers and years as written and what they mean, and the direction ("rose", "a decrease of", "(5)", "net loss")
stated next to each."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from earnest.figures.numbers import (
    FORM,
    SCALES,
    WORD_FIGURE,
    number_tokens,
    word_figure_value,
)
from earnest.figures.periods import FISCAL_YEAR, full_year

_POINTS = re.compile(r"\s*(?:(?P<bps>basis points?\b|bps\b)|percentage points?\b|pp\b|points?\b)",
                     re.I)
# "$1.1 to $1.2 billion", "5 and 6%": the first figure is written in the second one's scale.
_RANGE_JOIN = re.compile(r"\s*(?:and|to|or|through|-|–|—)?\s*", re.I)
_LATE_SCALE = re.compile(r"\s?(thousand|million|billion|trillion|mn|bn)\b", re.I)


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
    # Stated next to it: +1 "rose", "increase of" / -1 "fell", "a decrease of", "-6.1%" ...
    change: int = field(default=0, compare=False)
    # ... and +1 "income", "provided by" / -1 "loss", "used in", "(5)"
    sign: int = field(default=0, compare=False)
    at: tuple[int, int] = field(default=(0, 0), compare=False)  # where in the text read

    @property
    def explicit_scale(self) -> bool:
        return self.scale > 0

    @property
    def value(self) -> Decimal:
        return self.mantissa.scaleb(self.scale)


# -- figures ---------------------------------------------------------------------------------
def read_figures(text: str) -> list[Figure]:
    """Amounts, percentages, multiples and years in ``text``; quarter labels (Q3), ordinals
    (1st), form names (10-K) and numbers inside names (ACME_2023Q3) are labels, not figures. A
    bare figure right before a scaled one ("$1.1 to $1.2 billion") takes its scale. Dates are
    ``dates_in``'s: blank them first."""
    text = FORM.sub(lambda m: " " * len(m.group(0)), text)
    out: list[tuple[Figure, int, int]] = []
    for m in FISCAL_YEAR.finditer(text):
        out.append((Figure(m.group(0), Decimal(full_year(m.group(1))), 0, 0, year=True),
                    m.start(), m.end()))
    text = FISCAL_YEAR.sub(lambda m: " " * len(m.group(0)), text)
    for m in WORD_FIGURE.finditer(text):
        scale = SCALES.get((m.group("scale") or "").lower(), 0)
        out.append((Figure(m.group(0), Decimal(word_figure_value(m.group("words"))), 0, scale,
                           percent=bool(m.group("pct"))), m.start(), m.end()))
    found: list[tuple[Figure, int, int]] = []
    for tok in number_tokens(text):
        m, end = tok.match, tok.match.end()
        scale = tok.scale
        if not scale and m.group(0).endswith(")"):  # "$(5.0) million": a loss in millions
            late = _LATE_SCALE.match(text, end)
            scale = SCALES[late.group(1).lower()] if late else 0
        points = None if tok.percent else _POINTS.match(text, end)
        percent = tok.percent or bool(points)
        negative = bool(m.group("neg")) and m.group(0).endswith(")") or \
            m.group(0).lstrip("($ ").startswith(("-", "−", "–"))
        fig = Figure(m.group(0).strip(), abs(tok.mantissa), tok.places, scale, percent,
                     tok.year and not points and not scale, negative, bool(points),
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
    return _with_directions(text, out + found)


_UP = re.compile(r"\b(?:increas\w*|grew|grow(?:s|n|th|ing)?|rose|ris(?:e|es|ing)|up|higher|"
                 r"climb\w*|jump\w*|surg(?:e|ed|es|ing))\b", re.I)
_DOWN = re.compile(r"\b(?:decreas\w*|fell|fall(?:s|ing)?|declin\w*|down|lower|drop\w*|"
                   r"reduc(?:ed|tion|tions)|shr[ai]nk\w*|dipped|slid)\b", re.I)
_LOSS = re.compile(r"\b(?:loss(?:es)?|deficit|used in|outflows?)\b", re.I)
_GAIN = re.compile(r"\b(?:income|profits?|earnings|provided by|inflows?)\b", re.I)
# "Net income (loss)" names a row that may be either: no sign from it.
_EITHER = re.compile(r"\b(?:income|earnings|profit)\s*\((?:loss|deficit)\)|\((?:loss|deficit)\)"
                     r"\s*(?:income|earnings)|\b(?:income|earnings|profit)\s+or\s+loss", re.I)
_CLAUSE = re.compile(r"[;\n]|\.\s")


def _nearest(window: str, up: re.Pattern[str], down: re.Pattern[str], last: bool) -> int:
    """+1 / -1 for the word of ``up`` or ``down`` nearest the figure (``last``: it is after
    them), 0 for neither."""
    hits = sorted([(m.start(), 1) for m in up.finditer(window)]
                  + [(m.start(), -1) for m in down.finditer(window)])
    return (hits[-1] if last else hits[0])[1] if hits else 0


def _with_directions(text: str, spans: list[tuple[Figure, int, int]]) -> list[Figure]:
    """The figures with the direction words stated next to each: up to six words before it
    (or three after), never past a neighbouring figure or the end of a clause."""
    spans = sorted(spans, key=lambda x: x[1])
    out = []
    for i, (fig, start, end) in enumerate(spans):
        lo = spans[i - 1][2] if i else 0
        hi = spans[i + 1][1] if i + 1 < len(spans) else len(text)
        before = _CLAUSE.split(text[lo:start])[-1]
        before = " ".join(_EITHER.sub(" ", before).split()[-6:])
        after = _CLAUSE.split(text[end:hi])[0]
        after = " ".join(_EITHER.sub(" ", after).split()[:3])
        change = _nearest(before, _UP, _DOWN, True) or _nearest(after, _UP, _DOWN, False)
        sign = _nearest(before, _GAIN, _LOSS, True) or _nearest(after, _GAIN, _LOSS, False)
        if fig.negative and fig.percent:  # "-6.1%" is a fall
            change = change or -1
        elif fig.negative:  # "(5)" is a negative amount
            sign = -1
        out.append(replace(fig, change=change, sign=sign, at=(start, end)))
    return out


def contradicts(claim: Figure, source: Figure) -> bool:
    """``claim`` states the opposite direction or sign of the same figure in ``source``:
    "grew 6.1%" for "a decrease of 6.1%", "net income of $5" for "a net loss of $5", or
    "(5)" / "-5" where the source states no negative."""
    if claim.change * source.change < 0 or claim.sign * source.sign < 0:
        return True
    if claim.negative:
        return not (source.negative or source.sign < 0 or source.change < 0)
    return False


_LATER = re.compile(r"\bto\b", re.I)
_EARLIER = re.compile(r"\b(?:from|compared|versus|vs|against|over)\b", re.I)


def current_first(text: str, a: Figure, b: Figure) -> bool:
    """Of two figures read in ``text`` (``a`` written first), is ``a`` the current one?
    Statements and releases put the current period first ("$812.4 million, compared with
    $865.2 million"; columns 2023 2022) unless the words say otherwise ("from $100 million
    to $120 million", "grew to $120 million")."""
    between = text[a.at[1]:b.at[0]]
    return not (_LATER.search(between) and not _EARLIER.search(between))


def role(text: str, fig: Figure) -> int:
    """+1 when ``text`` marks ``fig`` as the current figure ("to $120 million"), -1 as the
    earlier one ("from $100 million"), 0 when it does not say."""
    before = text[:fig.at[0]].rstrip(" $€£(")
    return 1 if re.search(r"\b(?:to|reach(?:ed|ing)?)$", before, re.I) else \
        -1 if re.search(r"\bfrom$", before, re.I) else 0
