"""Document metadata read from the document itself: company, ticker, type, fiscal period,
dates. The file name is only a fallback hint, and says so in ``metadata_source``."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from earnest.figures import (
    first_long_date,
    first_quarter_mention,
    fiscal_mentions,
    period_from_name,
)
from earnest.filing_cover import (
    cover_page,
    file_number,
    filing_period,
    form_type,
    registrant_on_cover,
    signed_registrant,
    ticker_on_cover,
)
from earnest.models import DocumentMetadata, Page

_SUFFIX = re.compile(r"\b(inc|corp|corporation|company|co|plc|ltd|limited|llc|group|holdings|"
                     r"international|incorporated|n\.?v|s\.?a|ag)\b\.?", re.I)
_EXCHANGE_TICKER = re.compile(r"\((?:NYSE|NASDAQ|Nasdaq|NYSE American|NasdaqGS|TSX)\s*:\s*"
                              r"([A-Z][A-Z.]{0,5})\)")
_RELEASE = re.compile(r"\b(reports?|announces?|reported|announced)\b[^.\n]{0,80}"
                      r"\b(quarter|results|earnings)\b", re.I)
_NAME_HINTS = {"10k": "10-K", "10q": "10-Q", "8k": "8-K", "earnings": "earnings_release",
               "transcript": "earnings_call", "call": "earnings_call"}


_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|"
          r"November|December)")
# A name does not hold a date or a period: "January 28, 2022 Block, Inc" is Block, "AMD
# Third Quarter 2020 and Xilinx Acquisition" is AMD, "Ended March" is no name at all.
_NAME_DATE = re.compile(r"^" + _MONTH + r"\s+\d{1,2},?\s+(?:19|20)\d\d\s+")
_NAME_PERIOD = re.compile(r"\s+(?:(?:first|second|third|fourth)\s+quarter|Q[1-4]|"
                          r"(?:fiscal\s+)?(?:19|20)\d\d)\b.*$", re.I)
_NOT_A_NAME = re.compile(r"^(?:" + _MONTH + r"|ended|ending|fiscal|for|the\s+(?:quarter|year))\b",
                         re.I)


def clean_company(name: str) -> str:
    """A company name as written, without dates and period words around it; "" when what
    was read is no name."""
    name = re.sub(r"\s+", " ", name).strip(" ,.;:-–")
    name = _NAME_PERIOD.sub("", _NAME_DATE.sub("", name)).strip(" ,.;:-–")
    if _NOT_A_NAME.match(name):
        return ""
    if re.fullmatch(r"[A-Z&]{2,5}s", name):
        # "welcome to BDs Third Fiscal Quarter": a possessive whose apostrophe the text lost.
        name = name[:-1]
    if name.isupper() and len(name) > 4:
        # Keep what reads as an acronym (MGM, PLC, 3M); title-case the words.
        name = " ".join(w if any(c.isdigit() for c in w) or not re.search(r"[AEIOU]", w)
                        else w.title() for w in name.split())
    return name


def company_key(name: str) -> str:
    """A comparable form: "BEST BUY CO., INC." and "Best Buy" -> "bestbuy"."""
    return re.sub(r"[^a-z0-9]", "", _SUFFIX.sub("", name.lower()))


# Words around a company's name in a call's opening that are about the period, not the name.
_ORDINAL = r"(?:first|second|third|fourth|1st|2nd|3rd|4th|one|two|three|four)"
_OTHER_PERIOD_WORD = (r"quarter(?:ly)?|half|Q[1-4]|[1-4]Q(?:'?\d\d)?|F?Y?'?(?:19|20)?\d\d|"
                      r"\d{4}|fiscal|full[- ]year|year(?:[- ]end)?|calendar|annual|results?|"
                      r"financial|and")
_PERIOD_WORD = r"(?:" + _ORDINAL + r"(?:[\s-]+quarter)?|" + _OTHER_PERIOD_WORD + ")"
_LEAD_WORD = r"(?:this (?:morning|afternoon|evening)'s|the|our|this|today's)"
# Before a name, an ordinal is a period's only when a period follows it ("the First Quarter
# 2021 AMETEK", "Third Fiscal Quarter") or it follows "quarter" ("Quarter Two 2021 Cummins"):
# "First BanCorp", "First Solar", "One Gas" are names.
_LEAD_PERIOD_WORD = (r"(?:(?:(?<=quarter )|(?<=quarter-))" + _ORDINAL + "|" + _ORDINAL +
                     r"(?=[\s-]+(?:fiscal[\s-]+)?(?:quarter|half|and\b|&))(?:[\s-]+quarter)?|"
                     + _OTHER_PERIOD_WORD + ")")
_PERIOD_TALK = re.compile(
    r"^(?:(?:" + _LEAD_WORD + "|" + _LEAD_PERIOD_WORD + r")[\s,]+)+"
    # "ATI Announces First Quarter 2021 Results": a release headline's verb
    r"|(?:[\s,]+(?:" + _PERIOD_WORD + r"|\d|of|review|update|announces|reports))+$", re.I)
_ONLY_PERIOD = re.compile(r"(?:(?:" + _PERIOD_WORD + r")[\s,]*)+", re.I)
_CALL_WORDS = (r"(?:earnings|financial results|results|conference|investor|quarterly|annual|"
               r"teleconference|webcast|call|fiscal)")
_OPENINGS = [
    # "Welcome to the Fiscal 2021 Third Quarter Earnings Call for Applied Industrial
    # Technologies."
    re.compile(r"\bwelcome\s+(?:\w+\s+){0,2}to\s+[^.\n]{0,80}?(?:call|webcast)\s+for\s+"
               r"(?P<name>[A-Z](?:[^.\n\[]|(?<=\b[A-Z])\.(?=\s?[A-Z])){1,80}?)"
               r"(?:(?<!\b[A-Z])\.\s|\.$|\s*\[|,\s|\n)",
               re.I),
    # "Welcome to the Second Quarter 2021 AMETEK, Inc. Earnings Conference Call"
    re.compile(r"\bwelcome\s+(?:\w+\s+){0,2}to\s+(?:the\s+)?"
               r"(?P<name>(?:[^.\n]|\.(?=\s+[A-Za-z]))(?:[^.\n]|\.(?=\s+[A-Za-z])){2,119}?)"
               r"(?:'s|’s)?\s+" + _CALL_WORDS, re.I),
    # "thank you all for joining us to discuss Equity Lifestyle Properties' First Quarter"
    re.compile(r"\b(?:discuss|review)\s+(?P<name>[A-Z][\w&.\-]*(?:\s+[A-Z&][\w&.\-]*){0,5})"
               r"(?:'s|’s|')\s+(?:[\w-]+\s+){0,4}?(?i:results|earnings)", 0),
    # "Avery Dennison's earnings conference call", "AMETEK's Second Quarter 2021 Earnings"
    re.compile(r"(?P<name>\b[A-Z][\w&.\-]*(?:\s+[A-Z&][\w&.\-]*){0,5})(?:'s|’s)\s+"
               r"(?:[\w-]+\s+){0,4}?(?i:earnings|conference)\s+(?i:call)", 0),
    # "the Beazer Homes conference call"
    re.compile(r"\bthe\s+(?P<name>[A-Z][\w&.\-]*(?:\s+[A-Z&][\w&.\-]*){0,5})\s+"
               r"(?:[\w-]+\s+){0,4}?(?i:earnings|conference)\s+(?i:call)", 0),
]


def company_from_call_opening(head: str) -> str | None:
    """The company an earnings call names as it opens, without the period words around it
    ("the Dollar General Second Quarter 2021 Earnings Call" -> "Dollar General")."""
    for pattern in _OPENINGS:
        for m in pattern.finditer(head[:6000]):
            name = m.group("name")
            previous = None
            while name != previous:  # peel period words off both ends
                previous = name
                name = _PERIOD_TALK.sub("", name).strip(" ,.;:-–")
            name = re.sub(r"(?:'s|’s|')$", "", name)
            words = name.split()
            if not words or len(words) > 7 or not re.search(r"[A-Z]", name) or \
                    words[0].lower() in _NOT_COMPANY_START or _ONLY_PERIOD.fullmatch(name):
                continue
            if clean_company(name):
                return clean_company(name)
    return None


_NOT_COMPANY_START = {"our", "your", "everyone", "you", "this", "today", "today's", "we", "i", "all",
                      "welcome", "thank", "thanks", "the", "a", "an", "my", "good", "ladies",
                      "and", "in", "on", "for", "with", "to", "of", "at"}


def extract_metadata(pages: list[Page], doc_name: str, *,
                     transcript_title: str | None = None) -> DocumentMetadata:
    """Metadata from the first pages; ``transcript_title`` is set when the structure step
    found speaker turns (the text before the first turn)."""
    head = "\n".join(p.text for p in pages[:3])[:12000]
    first = pages[0].text[:4000] if pages else ""
    cover = cover_page(pages)
    meta: dict[str, Any] = {}
    source: dict[str, str] = {}

    doc_type = None
    if transcript_title is not None:
        doc_type = "earnings_call"
    else:
        doc_type = form_type(first) or form_type(cover)
        if doc_type is None and _RELEASE.search(first[:1500]):
            doc_type = "earnings_release"
    if doc_type:
        source["doc_type"] = "text"
    else:
        words = re.findall(r"[a-z0-9]+", doc_name.lower())
        doc_type = next((_NAME_HINTS[w] for w in words if w in _NAME_HINTS), "other")
        source["doc_type"] = "filename" if doc_type != "other" else "default"
    meta["doc_type"] = doc_type

    company = ticker = None
    if doc_type in ("10-K", "10-Q", "8-K"):
        # The cover's "(Exact name of registrant ...)", else the signature block's
        # "(Registrant)" (a cover may print the name as a logo).
        company = registrant_on_cover(cover, clean_company) or \
            signed_registrant(pages, clean_company)
        ticker = ticker_on_cover(cover, _EXCHANGE_TICKER)
        # The SEC file number stays when a registrant is renamed (Square, Inc. -> Block, Inc.).
        number = file_number(cover)
        if number:
            meta["sec_file_number"] = number
    if doc_type == "earnings_call" and transcript_title:
        # A transcript's title: "Q3 2015 Apple Inc Earnings Call", "AAPL Q3 2015 Earnings
        # Call"; StreetEvents' "Q2 2011 Amazon.com Inc Earnings Conference Call" when the
        # operator's opening names no company (calls named by their opening keep that name;
        # before the listed company the first pages name most, which may be an analyst's firm).
        titled = re.search(r"Q[1-4]\s+(?:FY\s?)?\d{4}\s+(.+?)\s+Earnings\s+(Conference\s+)?"
                           r"Call", transcript_title)
        if titled and not titled.group(2):
            company = clean_company(titled.group(1))
        m = re.match(r"\s*([A-Z][A-Z.]{0,5})\s+Q[1-4]\s+\d{4}\s+Earnings\s+(?:Conference\s+)?Call",
                     transcript_title)
        if m:
            ticker = m.group(1)
        if company is None:
            company = company_from_call_opening(head)
        if company is None and titled:
            company = clean_company(titled.group(1)) or None
    if company is None:
        m = re.search(r"(?:--|—|–|\)|\.)\s*([A-Z][\w&.,' ]{2,60}?)\s*\((?:NYSE|NASDAQ|Nasdaq)",
                      first)
        if m:
            company = clean_company(m.group(1))
    if ticker is None:
        m = _EXCHANGE_TICKER.search(first)
        ticker = m.group(1) if m else None
    if company is None:
        company, listed_ticker = listed_company_in(head)
        ticker = ticker or listed_ticker
    if company:
        meta["company"], source["company"] = company, "text"
    elif ticker and listed_name(ticker):
        # A cover whose name is a logo states the ticker: the listed company it is.
        meta["company"], source["company"] = listed_name(ticker), "ticker"
    else:
        hint = re.split(r"[_\-\s]", doc_name)[0]
        if hint and not hint[0].isdigit():
            meta["company"], source["company"] = hint, "filename"
    if ticker:
        meta["ticker"] = ticker

    _periods(meta, source, doc_type, (first, cover, head), pages, transcript_title, doc_name)
    meta["metadata_source"] = source
    return DocumentMetadata.from_dict(meta)


def listed_name(ticker: str) -> str | None:
    """The name of the one listed company trading as ``ticker``, if Earnest knows it."""
    from earnest.library_scope import public_companies

    found = {c.name for c in public_companies().by_ticker.get(ticker.upper(), [])}
    return found.pop() if len(found) == 1 else None


def listed_company_in(text: str) -> tuple[str | None, str | None]:
    """The listed company (of the index constituents Earnest knows) that ``text`` names most,
    at least twice: a release or a letter that states its company nowhere in a form the
    patterns above read still names it in its sentences ("Amcor reported ...")."""
    from earnest.library_scope import public_companies

    counts: Counter[Any] = Counter()
    for line in text.splitlines():
        counts.update(public_companies().find(line, in_document=True))
    if not counts:
        return None, None
    company, n = counts.most_common(1)[0]
    if n < 2:
        return None, None
    return company.name, company.ticker


def _periods(meta: dict[str, Any], source: dict[str, str], doc_type: str,
             texts: tuple[str, str, str], pages: list[Page], title: str | None,
             doc_name: str) -> None:
    first, cover, head = texts
    year: int | None = None
    quarter: int | None = None
    if doc_type in ("10-K", "10-Q", "8-K"):
        year, quarter, dates = filing_period(doc_type, cover, pages, head)
        meta.update(dates)
    elif doc_type in ("earnings_release", "earnings_call"):
        text = (title or "") + "\n" + first[:2500]
        stated = first_quarter_mention(text)
        if stated:
            quarter, year = stated
        else:
            fiscal = fiscal_mentions(text).most_common(1)
            if fiscal:
                year = fiscal[0][0]
        when = first_long_date(text)
        if when:
            meta["doc_date"] = when.isoformat()
            year = year or when.year
    if year is None:
        year, quarter = period_from_name(doc_name)
        if year is not None:
            source["fiscal_period"] = "filename"
    else:
        source["fiscal_period"] = "text"
    if year is not None:
        meta["fiscal_year"] = year
        meta["fiscal_quarter"] = quarter
        meta["fiscal_period"] = f"Q{quarter} FY{year}" if quarter else f"FY{year}"


def company_aliases(docs: list[Any]) -> dict[str, set[str]]:
    """Names each document's company goes by anywhere in the library: documents that share
    an SEC file number or ticker are the same registrant, whatever name each one states."""
    groups: dict[str, set[str]] = {}
    keys: dict[str, list[str]] = {}
    for doc in docs:
        meta = doc.effective_metadata()
        ids = [f"sec:{meta.sec_file_number}"] if meta.sec_file_number else []
        ids += [f"ticker:{meta.ticker}"] if meta.ticker else []
        keys[doc.doc_name] = ids
        for key in ids:
            if meta.company:
                groups.setdefault(key, set()).add(meta.company)
    # Join groups that share a document (file number and ticker of one filing).
    changed = True
    while changed:
        changed = False
        for ids in keys.values():
            merged = set().union(*(groups.get(k, set()) for k in ids)) if ids else set()
            for k in ids:
                if groups.get(k, set()) != merged:
                    groups[k] = set(merged)
                    changed = True
    out = {}
    for doc in docs:
        names = set().union(*(groups.get(k, set()) for k in keys[doc.doc_name])) \
            if keys[doc.doc_name] else set()
        company = doc.effective_metadata().company
        out[doc.doc_name] = names | ({company} if company else set())
    return out


_TYPE_LABELS = {"earnings_call": "earnings call", "earnings_release": "earnings release",
                "other": ""}


def document_label(meta: DocumentMetadata, doc_name: str) -> str:
    """How every passage's context names its document (searched with the passage, and read
    by the reranker): company, ticker, type and period as the text gives them, so a file's
    name carries no meaning; the file name only when the text named no company."""
    company = meta.company or doc_name.replace("_", " ")
    ticker = meta.ticker or ""
    kind = _TYPE_LABELS.get(str(meta.doc_type or "other"), str(meta.doc_type))
    period = meta.fiscal_period or (f"FY{meta.fiscal_year}" if meta.fiscal_year else "")
    return " ".join(str(x) for x in (company, ticker, kind, period) if x)


def describe(pages: list[Page], doc_name: str, turns: list | None) -> DocumentMetadata:
    """Metadata for a parsed document; ``turns`` are its speaker turns if a transcript."""
    title = None
    if turns:
        first = turns[0]
        title = "\n".join(p.text for p in pages if p.number < first.page)
        title += "\n" + next(p.text for p in pages if p.number == first.page)[:first.line_start]
    meta = extract_metadata(pages, doc_name, transcript_title=title)
    if turns:
        meta = meta.updated({"speakers": sorted({t.speaker.label() for t in turns})[:200]})
    return meta
