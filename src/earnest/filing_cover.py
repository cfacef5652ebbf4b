"""What an SEC filing says it is, read where the forms put it, never from its file name.

- The cover page (Forms 10-K, 10-Q and 8-K, "General Instructions" and the cover the SEC
  prescribes): the form's name, "For the fiscal year ended ..." / "For the quarterly period
  ended ..." / "Date of Report (Date of earliest event reported) ...", the Commission File
  Number, the registrant's "(Exact name of registrant as specified in its charter)" and,
  since 2019, the table of securities registered under Section 12(b) with each class's
  "Trading Symbol(s)".
- The signature block every one of these forms ends with ("Pursuant to the requirements of
  the Securities Exchange Act of 1934, the registrant has duly caused this report to be
  signed on its behalf ... (Registrant)"): the registrant's name where a cover prints it as a
  logo the text layer does not hold.
- The interim statements of a 10-Q (Regulation S-X Rule 10-01(c): statements of income for
  the quarter and for the year to date): a "six months ended" column makes it the second
  quarter of the fiscal year, "nine months ended" the third.

PDF text layers break words ("For the fis cal year ended", "MGM R ESORTS"): labels are
matched with ``loose``."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from typing import Callable

from earnest.figures import date_after, fiscal_mentions
from earnest.figures.periods import ORDINALS
from earnest.models import Page

COVER_PAGES = 4  # a cover is on one of the first pages (after a data vendor's title page)
INTERIM_PAGES = 12  # the interim statements follow the cover and the table of contents


def loose(phrase: str) -> str:
    """A pattern for ``phrase`` as a PDF's text layer may hold it: a space may fall inside
    a word ("fis cal"), any run of white space between words."""
    words = [r"\s?".join(re.escape(c) for c in word) for word in phrase.split()]
    return r"\s+".join(words)


_COVER_MARK = re.compile(loose("exact name of") + r"\s+(?:the\s+)?" + loose("registrant") + "|"
                         + loose("commission file") + r"\s+(?:number|no\b)", re.I)
FORM_TYPES = [("10-K", re.compile(r"FORM\s*10-?K\b|ANNUAL\s+REPORT\s+PURSUANT\s+TO\s+SECTION",
                                  re.I)),
              ("10-Q", re.compile(r"FORM\s*10-?Q\b|QUARTERLY\s+REPORT\s+PURSUANT\s+TO\s+SECTION",
                                  re.I)),
              ("8-K", re.compile(r"FORM\s*8-?K\b|CURRENT\s+REPORT\s+Pursuant\s+to\s+Section",
                                 re.I))]


def cover_page(pages: list[Page]) -> str:
    """The text of the form's cover: the first of the first pages holding the registrant's
    name label or the Commission File Number (a vendor's title page may come first), else
    the first page."""
    for page in pages[:COVER_PAGES]:
        if _COVER_MARK.search(page.text[:6000]):
            return page.text[:6000]
    return pages[0].text[:4000] if pages else ""


def form_type(cover: str) -> str | None:
    """10-K, 10-Q or 8-K, as the cover names the form."""
    return next((name for name, pattern in FORM_TYPES if pattern.search(cover[:2500])), None)


# -- the registrant ----------------------------------------------------------------------------

_NOT_NAME = re.compile(r"report|pursuant|securities|exchange act|commission|period|fiscal|"
                       r"washington|form\s|\d{1,2},\s*\d{4}|:|^or$|^\(", re.I)
_EXACT_NAME = re.compile(r"\(\s*" + loose("exact name of") + r"\s+(?:the\s+)?"
                         + loose("registrant"), re.I)
_FILE_NUMBER_LINE = re.compile(loose("commission file") + r"\s+(?:number|no\.?)\s*:?\s*"
                               r"[\d-]+", re.I)


def registrant_on_cover(cover: str, clean: Callable[[str], str]) -> str | None:
    """The name printed above "(Exact name of registrant as specified in its charter)"."""
    m = _EXACT_NAME.search(cover)
    if not m:  # older covers: "Commission file number 1-3285" then the name
        after = re.search(loose("commission file number") + r"[^\n]*\n([^\n]{2,80})\n",
                          cover, re.I)
        return (clean(after.group(1)) or None) if after else None
    before = cover[:m.start()]
    tail = list(_FILE_NUMBER_LINE.finditer(before))
    before = before[tail[-1].end():] if tail else before
    parts: list[str] = []
    for line in reversed(before.split("\n")):
        line = line.strip(" _\t")
        if not line:
            if parts:
                break
            continue
        if _NOT_NAME.search(line) or len(line) > 80 or len(parts) >= 5:
            break
        parts.insert(0, line)
    name = merge_split_caps(" ".join(parts))
    return (clean(name) or None) if re.search(r"[A-Za-z]{2}", name) else None


def merge_split_caps(text: str) -> str:
    """PDF text sometimes breaks a capitalised word after its first letter:
    "MGM R ESORTS I NTERNATIONAL" -> "MGM RESORTS INTERNATIONAL"."""
    return re.sub(r"\b([A-Z]) ([A-Z]{2,})\b", r"\1\2", re.sub(r"\s+", " ", text)).strip()


# "... has duly caused this report to be signed on its behalf by the undersigned, thereunto
# duly authorized[, on February 1, 2021].\n[Date: December 7, 2022] THE BOEING COMPANY\n
# (Registrant)"
_SIGNED = re.compile(loose("duly caused this report to be signed") + r".{0,200}?"
                     + loose("duly authorized") + r"[^\n]*\n(?P<lines>(?:[^\n]*\n){1,3})",
                     re.I | re.S)
_SIGNED_DATE = re.compile(r"^\s*(?:Date[d:]?\s*:?\s*)?(?:[A-Z][a-z]+\.?\s+\d{1,2},?\s*\d{4}|"
                          r"\d{1,2}/\d{1,2}/\d{2,4})\s*", re.I)
_NOT_SIGNER = re.compile(r"^\s*(?:by\b|/s/|date\b|name\b|title\b|\(registrant\))", re.I)


def signed_registrant(pages: list[Page], clean: Callable[[str], str]) -> str | None:
    """The registrant's name in the form's signature block."""
    for page in pages:
        if "caused" not in page.text and "cause d" not in page.text:
            continue
        m = _SIGNED.search(page.text)
        if not m:
            continue
        for line in m.group("lines").split("\n"):
            line = _SIGNED_DATE.sub("", line).strip(" ,_\t")
            line = re.sub(r"\s*\(\s*registrant\s*\)\s*$", "", line, flags=re.I)
            if not line or _NOT_SIGNER.match(line):
                continue
            name = clean(merge_split_caps(line))
            if name and re.search(r"[A-Za-z]{2}", name) and len(name) <= 80:
                return name
            break
        return None
    return None


def ticker_on_cover(cover: str, exchange_ticker: re.Pattern[str]) -> str | None:
    """The first class's symbol in the cover's table of Section 12(b) securities."""
    m = re.search(r"Trading\s+Symbol\(?s?\)?.*?\n(.+?)(?:\n|$)", cover, re.I | re.S)
    if m:
        cand = re.findall(r"\b([A-Z]{1,5})\b(?=\s+(?:The\s+)?(?:New York Stock Exchange|NYSE|"
                          r"Nasdaq|NASDAQ))", m.group(1))
        if cand:
            return cand[0]
    m = exchange_ticker.search(cover)
    return m.group(1) if m else None


def file_number(cover: str) -> str | None:
    """The Commission File Number, its prefix without leading zeros ("001-37845" ->
    "1-37845", "000-22513" -> "0-22513"): it stays when a registrant is renamed."""
    m = re.search(loose("commission file") + r"\s+(?:number|no\.?)\s*:?\s*"
                  r"((?:\d{1,3}-)?\d{4,6})", cover, re.I) \
        or re.search(r"\b(0\d{2}-\d{5})\b|\b(1-\d{4,5})\b", cover)
    if not m:
        return None
    found = next(g for g in m.groups() if g)
    prefix, _, number = found.rpartition("-")
    return f"{int(prefix)}-{number}" if prefix else number


# -- the period --------------------------------------------------------------------------------

_SPAN_WORD = (r"three|thirteen|six|twenty[\s-]*six|nine|thirty[\s-]*nine|twelve|fifty[\s-]*"
              r"(?:two|three)|13|26|39|52|53|3|6|9|12")
_SPAN = re.compile(r"\b(?P<a>" + _SPAN_WORD + r")(?:\s*(?:and|&|,)\s*(?P<b>" + _SPAN_WORD
                   + r"))?[\s-]*(?P<unit>months?|weeks?)[\s-]*(?:periods?\s+)?"
                   + loose("ended"), re.I)
_QUARTER_OF_SPAN = {"three": 1, "thirteen": 1, "13": 1, "3": 1, "six": 2, "twentysix": 2,
                    "26": 2, "6": 2, "nine": 3, "thirtynine": 3, "39": 3, "9": 3}


def interim_quarter(pages: list[Page]) -> int | None:
    """The fiscal quarter a 10-Q reports, from the longest year-to-date span its first
    statements (or their table of contents) state: "Three and Six Months Ended" -> 2."""
    for page in pages[:INTERIM_PAGES]:
        quarters = []
        for m in _SPAN.finditer(page.text):
            for word in (m.group("a"), m.group("b")):
                key = re.sub(r"[\s-]", "", (word or "").lower())
                if key in _QUARTER_OF_SPAN:
                    quarters.append(_QUARTER_OF_SPAN[key])
        if quarters:
            return max(quarters)
    return None


_QUARTER_YEAR = re.compile(r"\b(first|second|third|fourth)\s+quarter\s+(?:of\s+)?(?:fiscal\s+)?"
                           r"(?:year\s+)?((?:19|20)\d\d)\b", re.I)


def stated_years(text: str, quarter: int | None = None) -> Counter[int]:
    """How often ``text`` names each fiscal year ("fiscal 2022", "FY23"), counting "Third
    Quarter 2022" when it is ``quarter``'s name."""
    counts = fiscal_mentions(text)
    if quarter:
        counts.update(int(m.group(2)) for m in _QUARTER_YEAR.finditer(text)
                      if ORDINALS[m.group(1).lower()] == quarter)
    return counts


def fiscal_year_of(year_end: date, text: str, quarter: int | None = None) -> int:
    """The fiscal year ending at ``year_end``, by name: the calendar year it ends in,
    unless it ends in January or February (a retailer's 52/53-week year) and the text names
    it after the year it began in ("fiscal 2022 ended January 28, 2023")."""
    if year_end.month <= 2:
        mentions = stated_years(text, quarter)
        if mentions[year_end.year - 1] > mentions[year_end.year]:
            return year_end.year - 1
    return year_end.year


def year_end_after(period_end: date, quarter: int) -> date:
    """About when the fiscal year of a quarter ending ``period_end`` ends. A 52/53-week
    quarter ending in a month's first week ("October 1") closes the month before."""
    end = period_end - timedelta(days=7) if period_end.day <= 7 else period_end
    month = end.month + 3 * (4 - quarter)
    return date(end.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def filing_period(doc_type: str, cover: str, pages: list[Page], head: str
                  ) -> tuple[int | None, int | None, dict[str, str]]:
    """(fiscal year, fiscal quarter, dates) a 10-K, 10-Q or 8-K states on its cover."""
    dates: dict[str, str] = {}
    if doc_type == "10-K":
        end = date_after(loose("fiscal year ended"), cover) or \
            date_after(loose("fiscal year ending"), cover)
        if end:
            dates["period_end"] = end.isoformat()
            return fiscal_year_of(end, head), None, dates
    elif doc_type == "10-Q":
        end = date_after(loose("quarterly period ended"), cover)
        if end:
            dates["period_end"] = end.isoformat()
            quarter = interim_quarter(pages) or 1
            text = "\n".join(p.text for p in pages[:INTERIM_PAGES])
            return fiscal_year_of(year_end_after(end, quarter), text, quarter), quarter, dates
    elif doc_type == "8-K":
        when = date_after(loose("date of report") + r"[^:]*:?", cover)
        if when:
            dates["doc_date"] = when.isoformat()
            return when.year, None, dates
    return None, None, dates
