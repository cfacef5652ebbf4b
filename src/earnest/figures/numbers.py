"""Numbers as values: "$1.2 billion", "1,200 million", "1.2B" and "(1,577)" compare equal where
they mean the same; quotes keep the text as written. One scale table for every reader."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterator

SCALES = {"thousand": 3, "k": 3, "million": 6, "mn": 6, "m": 6, "mm": 6, "billion": 9,
          "bn": 9, "b": 9, "trillion": 12, "tn": 12, "t": 12}
# A table's heading states its scale in the plural: "(In millions)".
_PLURAL_SCALES = {"thousands": 3, "millions": 6, "billions": 9}
NUMBER_RE = re.compile(
    r"(?P<neg>\()?[-−–]?[$€£]?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|mn|bn|tn|mm|[kmbt])\b)?"
    r"(?P<pct>\s?%|\s?percent\b)?\)?",
    re.IGNORECASE)
# Labels whose digits are not figures: form names ("10-K") ...
FORM = re.compile(r"\b(?:10-K|10-Q|8-K|20-F|S-1|DEF 14A)\b", re.I)
# ... and spelled-out figures a writer may use instead of digits: "five million", "twenty
# percent" (only with a scale word or "percent": "one of our stores" is no figure).
_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = {w: i for i, w in enumerate(_SMALL)} | {w: 20 + 10 * i for i, w in
                                                      enumerate(_TENS)}
_UNIT_WORDS = "|".join(sorted(_SMALL[1:10], key=len, reverse=True))
WORD_FIGURE = re.compile(
    r"\b(?P<words>(?:" + "|".join(_TENS) + r")(?:[- ](?:" + _UNIT_WORDS + r"))?|"
    + "|".join(sorted(_SMALL, key=len, reverse=True)) + r")\s+(?:(?P<scale>thousand|million|"
    r"billion|trillion)\b|(?P<pct>percent\b|per cent\b|%))", re.I)
# "(In millions)", "in $ thousands", "(dollars in millions)": the scale of a table's bare
# figures, as the verifier reads it ...
_TABLE_SCALE = re.compile(r"\b(?:in|\()\s*(?:\$|dollars\s+in\s+|usd\s+)?"
                          r"(thousands|millions|billions)\b", re.I)
# ... and only as an explicit heading, as the eval's strict re-check reads it.
_STATED_TABLE_SCALE = re.compile(
    r"\b(?:in|\$\s*in|dollars\s+in|amounts\s+in)\s+(?:u\.?s\.?\s+)?(?:\$\s*)?"
    r"(thousands|millions|billions)\b|\(\s*(?:\$\s*)?(thousands|millions|billions)\s*\)", re.I)


def plain(number: str) -> str:
    """The digits of a number as written, without separators or trailing decimal zeros:
    "1,577.00" -> "1577", "0.30" -> "0.3"."""
    text = number.replace(",", "")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.lstrip("0") or "0" if not text.startswith("0.") else text


def numbers_in(text: str) -> set[str]:
    """Every number in ``text`` in ``plain`` form."""
    return {plain(m.group("num")) for m in NUMBER_RE.finditer(text)}


def values_in(text: str) -> set[Decimal]:
    """Every number in ``text`` scaled to units ("$1.2 billion" -> 1200000000)."""
    out = set()
    for m in NUMBER_RE.finditer(text):
        try:
            value = Decimal(m.group("num").replace(",", ""))
        except InvalidOperation:
            continue
        scale = (m.group("scale") or "").lower()
        if scale in SCALES:
            value = value.scaleb(SCALES[scale])
        out.add(value.normalize())
    return out


def contains_numbers(text: str, wanted: list[str]) -> bool:
    """True when every number in ``wanted`` appears in ``text`` (formatting aside)."""
    present = numbers_in(text)
    return all(plain(w) in present for w in wanted)


def is_amount(m: re.Match[str]) -> bool:
    """A ``NUMBER_RE`` match that is an amount: "$1.2 billion", "1,200 million", "4.5%";
    "2023", "1st", "8-K" are not."""
    text = m.group(0)
    scale = (m.group("scale") or "").lower()
    return ("$" in text or "€" in text or "£" in text or len(scale) > 2 or scale == "bn"
            or bool(m.group("pct")) or ("." in m.group("num") and not scale))


def amounts_in(text: str) -> list[str]:
    """The amounts of ``text`` as written (see ``is_amount``)."""
    return [m.group(0) for m in NUMBER_RE.finditer(text) if is_amount(m)]


def word_figure_value(words: str) -> int:
    """The value of a spelled-out number ``WORD_FIGURE`` read: "twenty-five" -> 25."""
    return sum(_WORD_VALUES[w] for w in re.split(r"[- ]", words.lower()))


def table_scale(text: str) -> int | None:
    """The power of ten a table's bare figures are in: "(In millions)" -> 6."""
    m = _TABLE_SCALE.search(text)
    return _PLURAL_SCALES[m.group(1).lower()] if m else None


def stated_table_scale(text: str) -> int | None:
    """``table_scale`` read only from an explicit heading ("in millions", "(millions)",
    "$ in thousands"), never from a looser phrase."""
    m = _STATED_TABLE_SCALE.search(text)
    return _PLURAL_SCALES[(m.group(1) or m.group(2)).lower()] if m else None


@dataclass(slots=True, frozen=True)
class NumberToken:
    """A number of running text that is a figure, not part of a label."""

    match: re.Match[str]
    mantissa: Decimal  # as written, without its sign or scale word
    places: int  # decimals written
    scale: int  # the power of ten of its own scale word; 0 without one
    percent: bool  # written with "%" or "percent"
    times: bool  # a multiple: "3x", "1.5x"
    year: bool  # reads as a year: 1900-2100, no decimals, separators, scale, unit or "$"


def number_tokens(text: str) -> Iterator[NumberToken]:
    """The numbers of ``text`` that are figures: quarter labels ("Q3"), ordinals ("3rd") and
    numbers inside names ("ACME_2023Q3") are labels; multiples ("3x") are figures."""
    for m in NUMBER_RE.finditer(text):
        start, end = m.start("num"), m.end()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        times = after in "xX" and not text[end + 1:end + 2].isalnum()
        if before.isalpha() or before == "_" or (after.isalpha() and not times) or after == "_":
            continue
        raw = m.group("num")
        try:
            mantissa = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            continue
        scale = SCALES.get((m.group("scale") or "").lower(), 0)
        percent = bool(m.group("pct"))
        places = len(raw.split(".")[1]) if "." in raw else 0
        year = (not percent and not scale and "," not in raw and places == 0
                and 1900 <= mantissa <= 2100 and "$" not in m.group(0) and not times)
        yield NumberToken(m, mantissa, places, scale, percent, times, year)
