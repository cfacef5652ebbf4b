"""Dates as written: "January 28, 2023", "28 January 2023", "2023-01-28", "1/28/23" and
"January 2023", read as (year, month, day or None)."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {m: i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1) for m in (name, name[:3])} | {"sept": 9}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|" \
         r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
# "January 28, 2023" (PDF text may lose the space after the comma: "January 28,2023"). A
# document's own dates (metadata) are read without ordinals: "October 31st, 2020" in a call
# is a period spoken of, not the call's date.
_LONG = r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})ORDINAL\s*,?\s*(?P<year>(?:19|20)\d\d)\b"
LONG_DATE = re.compile(_LONG.replace("ORDINAL", ""), re.I)
_DATE_RES = [
    re.compile(_LONG.replace("ORDINAL", "(?:st|nd|rd|th)?"), re.I),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH
               + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>\d\d)-(?P<day>\d\d)\b"),
    re.compile(r"\b(?P<mon>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)?\d\d)\b"),
    re.compile(r"\b" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I),  # month and year
]

DateParts = tuple[int, int, "int | None"]


def month_number(name: str) -> int:
    """"Sept." -> 9, "january" -> 1; KeyError for what is no month."""
    name = name.lower().rstrip(".")
    return _MONTHS[name[:4 if name.startswith("sept") else 3]]


def _parts(m: re.Match[str]) -> DateParts | None:
    groups = m.groupdict()
    try:
        month = int(groups["mon"]) if groups.get("mon") else month_number(groups["month"])
        year = int(groups["year"])
        year += 2000 if year < 100 else 0
        day = int(groups["day"]) if groups.get("day") else None
        date(year, month, day or 1)
    except (KeyError, ValueError):
        return None
    return year, month, day


def dates_in(text: str) -> tuple[list[tuple[str, DateParts]], str]:
    """Dates in ``text`` as (as written, (year, month, day or None)); the text with them
    blanked so their parts are not read again as amounts."""
    found = []
    for pattern in _DATE_RES:
        def take(m: re.Match[str]) -> str:
            parts = _parts(m)
            if parts is None:
                return m.group(0)
            found.append((m.group(0), parts))
            return " " * len(m.group(0))
        text = pattern.sub(take, text)
    return found, text


def long_date(m: re.Match[str] | None) -> date | None:
    """The date a ``LONG_DATE`` match states, None for no match or no such day."""
    parts = _parts(m) if m else None
    return date(parts[0], parts[1], parts[2] or 1) if parts else None


def first_long_date(text: str) -> date | None:
    """The first "Month day, year" date of ``text``."""
    return long_date(LONG_DATE.search(text))


def date_after(label: str, text: str) -> date | None:
    """The date written right after the first ``label`` (a pattern) of ``text``:
    "For the fiscal year ended January 28, 2023" with label "fiscal year ended"."""
    m = re.search(label + r"[^A-Za-z0-9]{0,40}" + LONG_DATE.pattern, text, re.I)
    return first_long_date(m.group(0)) if m else None
