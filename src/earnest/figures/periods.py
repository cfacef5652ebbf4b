"""Fiscal years and quarters as written: "Q3 FY2023", "3Q23", "third quarter of fiscal 2023",
"FY'24", "fiscal year 2022", "BESTBUY_2024Q2_10Q". Three readings, one per place a period is
written: a question ("Q3 sales in 2023"), a document's headline ("First Quarter 2021
Results"), and any text a sentence or source states a quarter or fiscal year in."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

Period = tuple[int, "int | None"]  # (year, quarter) or (year, None)

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
            "4th": 4}


def full_year(digits: str) -> int:
    """"2023" -> 2023, "23" -> 2023."""
    year = int(digits)
    return year + 2000 if year < 100 else year


# -- in any text: the verifier's sentences and sources -----------------------------------------
_QUARTER_LABEL = re.compile(r"(?<![A-Za-z])Q([1-4])(?!\d)|\b([1-4])Q(?![A-Za-z])|\b(first|second|"
                            r"third|fourth|1st|2nd|3rd|4th)[- ]quarter\b", re.I)
# "FY23", "FY'2023", "fiscal 2023", "fiscal year 2023": a year, written as a label.
FISCAL_YEAR = re.compile(r"\b(?:FY|fiscal(?: year)?\s?)'?(\d{2}|\d{4})\b", re.I)
# A year written as a label: "FY15", "FY 15", "FY'2015", "fiscal '15", "fiscal year 2015";
# "Q3 '24", "3Q16". Two digits are a year of this century (``full_year``).
_FISCAL_LABEL = r"(?<![A-Za-z])(?:FY[\s-]?|fiscal(?:\s+year)?\s?)['’]?(?:{})\b"
_QUARTER_LABEL_YEAR = r"\b(?:Q[1-4]\s?['’]|[1-4]Q['’]?)(?:{})\b"


def names_year(text: str, year: int) -> bool:
    """Whether ``text`` names ``year``: its four digits standing alone (not "$2015",
    "2,015", "2015.5"), or a label ("FY15", "fiscal '15", "Q3 '15", "3Q15"). One plain
    substring scan, and a regex only where its two digits are: the reranker asks it of each
    candidate passage for each year a question names."""
    full = str(year)
    at = text.find(full)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + 4: at + 6]
        if not (before.isalnum() or before in "_$.,") and \
                not (after[:1].isalnum() or after[:1] == "_") and \
                not (after[:1] in ".," and after[1:2].isdigit()):
            return True
        at = text.find(full, at + 1)
    return full[2:] in text and _year_label(year).search(text) is not None


def names_fiscal_year(text: str, year: int) -> bool:
    """Whether ``text`` labels ``year`` a fiscal year: "FY15", "fiscal '15", "fiscal 2015"."""
    return _year_label(year, fiscal=True).search(text) is not None


@lru_cache(maxsize=64)
def _year_label(year: int, fiscal: bool = False) -> re.Pattern[str]:
    short = f"{year % 100:02d}"
    if year < 2000:  # two digits are this century's year
        return re.compile(_FISCAL_LABEL.format(year), re.I)
    label = _FISCAL_LABEL.format(f"{year}|{short}")
    return re.compile(label if fiscal else label + "|" + _QUARTER_LABEL_YEAR.format(short), re.I)


# Labels whose digits are not amounts, as the eval's strict re-check reads them: form names
# and fiscal-year labels written "FY 2023", "FY23", "fiscal year 2023".
STRICT_LABEL = re.compile(r"\b(?:10-K|10-Q|8-K|20-F|S-1)\b|\bFY\s?'?\d{2,4}\b|\bfiscal\s+"
                          r"(?:year\s+)?\d{4}\b", re.I)


def quarters_in(text: str) -> list[tuple[str, int]]:
    """Fiscal quarters named in ``text``: "Q3", "3Q23", "third quarter" -> 3."""
    return [(m.group(0), int(m.group(1) or m.group(2) or ORDINALS[m.group(3).lower()]))
            for m in _QUARTER_LABEL.finditer(text)]


# -- in a question ----------------------------------------------------------------------------
# "fourth quarter", "fourth-quarter", "fourth fiscal quarter", as ``_QUARTER_YEAR`` reads them.
_QUESTION_QUARTER = re.compile(
    r"\b(?:q([1-4])|(first|second|third|fourth)[\s-]+(?:fiscal\s+)?quarter)\b", re.I)
# A year: four digits, or two after an apostrophe, "FY" or "fiscal" ("Q1 FY25", "Q3 '24");
# not a quantity ("Q3 50 basis points", "2000 units", "$2019", "Q4 10-K", "2,019.5"). A comma
# or full stop after a year ends a clause ("in FY2023, FY2022 and FY2021").
_NOT_QUANTITY = (r"(?![\d%-]|[.,]\d|\s*(?:%|percent|basis|bps|points?|units|shares|stores|people|"
                 r"employees|customers|thousand|million|billion)\b)")
_YEAR_TEXT = (r"(?:\s*(?:(?:fiscal(?:\s+year)?|fy)\s*)?'?((?:19|20)\d\d)" + _NOT_QUANTITY
              + r"|\s*(?:(?:fiscal(?:\s+year)?|fy)\s*'?|')(\d\d)" + _NOT_QUANTITY + ")")
_QUARTER_YEAR = re.compile(
    r"\b(?:q([1-4])|(first|second|third|fourth)[\s-]+(?:fiscal\s+)?quarter)(?:\s+of)?"
    r"(?:\s+year)?" + _YEAR_TEXT, re.I)
_YEAR_ONLY = re.compile(r"(?<![$\d.,])\b(?:fy|fiscal\s*(?:year\s*)?)\s?'?((?:19|20)\d\d|\d\d)\b"
                        + _NOT_QUANTITY + r"|(?<![$\d.,])\b((?:19|20)\d\d)\b" + _NOT_QUANTITY,
                        re.I)


def question_quarter(question: str) -> int | None:
    """The first quarter a question names ("Q3", "third quarter"), with or without a year."""
    q = _QUESTION_QUARTER.search(question)
    if not q:
        return None
    return int(q.group(1)) if q.group(1) else ORDINALS[q.group(2).lower()]


def named_periods(question: str) -> list[Period]:
    """The periods a question names: (year, quarter) for "Q3 2023", "third quarter of fiscal
    2024", "Q1 FY25"; (year, None) for a year named alone."""
    out: list[Period] = []
    for m in _QUARTER_YEAR.finditer(question):
        quarter = int(m.group(1)) if m.group(1) else ORDINALS[m.group(2).lower()]
        out.append((full_year(m.group(3) or m.group(4)), quarter))
    rest = _QUARTER_YEAR.sub(" ", question)
    for m in _YEAR_ONLY.finditer(rest):
        out.append((full_year(m.group(1) or m.group(2)), None))
    quarter = question_quarter(question)
    if quarter and not any(q for _, q in out) and len(out) == 1:
        out = [(out[0][0], quarter)]  # "Q3 results ... in 2023"
    return list(dict.fromkeys(out))


# -- in a document's own words --------------------------------------------------------------
_HEADLINE_QUARTER = re.compile(r"\b(first|second|third|fourth)\s+quarter\s+(?:of\s+)?"
                               r"(?:fiscal\s+)?(?:year\s+)?((?:19|20)\d\d)\b", re.I)
_HEADLINE_Q = re.compile(r"\bQ([1-4])\s*(?:FY)?\s?'?((?:19|20)\d\d|\d\d)\b")


def fiscal_mentions(text: str) -> Counter[int]:
    """How often ``text`` names each fiscal year: "fiscal 2023", "fiscal year 2023", "FY23"."""
    years = [int(y) for y in re.findall(r"\bfiscal\s+(?:year\s+)?((?:19|20)\d\d)\b", text, re.I)]
    years += [2000 + int(y) for y in re.findall(r"\bFY\s?'?(\d\d)\b", text)]
    years += [int(y) for y in re.findall(r"\bFY\s?((?:19|20)\d\d)\b", text)]
    return Counter(years)


def first_quarter_mention(text: str) -> tuple[int, int] | None:
    """The first (quarter, year) the text states ("third quarter of fiscal 2023", "Q3 FY23"):
    a headline names its own period."""
    found = [(m.start(), ORDINALS[m.group(1).lower()], int(m.group(2)))
             for m in _HEADLINE_QUARTER.finditer(text)]
    found += [(m.start(), int(m.group(1)), full_year(m.group(2)))
              for m in _HEADLINE_Q.finditer(text)]
    return min(found)[1:] if found else None


def period_from_name(doc_name: str) -> tuple[int | None, int | None]:
    """(year, quarter) a file name suggests: "BESTBUY_2024Q2_10Q" -> (2024, 2)."""
    m = re.search(r"(?<!\d)((?:19|20)\d\d)(?:q([1-4]))?(?!\d)", doc_name.lower())
    if not m:
        return None, None
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None
