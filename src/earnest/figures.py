"""Numbers as values: "$1.2 billion", "1,200 million", "1.2B" and "(1,577)" compare equal where
they mean the same; quotes keep the text as written."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SCALES = {"thousand": 3, "k": 3, "million": 6, "mn": 6, "m": 6, "mm": 6, "billion": 9,
           "bn": 9, "b": 9, "trillion": 12, "tn": 12, "t": 12}
NUMBER_RE = re.compile(
    r"(?P<neg>\()?[-−–]?[$€£]?\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|mn|bn|tn|mm|[kmbt])\b)?"
    r"(?P<pct>\s?%|\s?percent\b)?\)?",
    re.IGNORECASE)


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
        if scale in _SCALES:
            value = value.scaleb(_SCALES[scale])
        out.add(value.normalize())
    return out


def contains_numbers(text: str, wanted: list[str]) -> bool:
    """True when every number in ``wanted`` appears in ``text`` (formatting aside)."""
    present = numbers_in(text)
    return all(plain(w) in present for w in wanted)
