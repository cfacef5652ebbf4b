"""Recognising company names in a question (or a document): the library's own companies
and the listed companies Earnest knows (the constituents of the major US, European and
Japanese indices, from the maintained PyPI package ``pytickersymbols``), as proper nouns,
tickers or possessives, with typos corrected within an edit or two. A held company is also
known by the name it is registered under with the SEC (``data/sec_companies.tsv.gz``), as
"BD" is "Becton Dickinson"."""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Callable

from earnest.lexicon import STOPWORDS

# Legal-form words that are not part of how anyone names the company ("Apple Inc.").
_LEGAL = {"inc", "incorporated", "corp", "corporation", "ltd", "limited", "plc", "nv", "sa",
          "se", "ag", "ab", "asa", "oyj", "spa", "kgaa", "lp", "llc", "co", "the", "publ",
          "sab", "de", "cv"}
# Words of a name that may be dropped only when what remains still reads as a name:
# "Walt Disney Company" -> "Walt Disney", but "Southern Company" is not "Southern".
_SOFT = {"company", "companies", "group", "holding", "holdings", "trust", "class", "a", "b",
         "c", "shares", "adr"}
# Capitalised abbreviations of accounting and business English that are also some listed
# company's ticker: in a question they are the abbreviation.
_ABBREVIATIONS = {
    "AI", "API", "ARR", "CAGR", "CEO", "CFO", "COO", "CTO", "CPI", "EBIT", "EBITDA", "EPS",
    "ESG", "ETF", "EU", "EV", "FCF", "FDA", "FX", "FY", "GAAP", "GDP", "HR", "IPO", "IT",
    "KPI", "LLC", "MD", "NYSE", "OEM", "PE", "PPE", "QOQ", "ROA", "ROE", "ROI", "ROIC", "SEC",
    "SG", "SKU", "TAM", "TTM", "UK", "US", "USA", "USD", "YOY", "ALL", "ON", "NOW", "KEY",
    "ARE", "A", "AN", "SO", "IS", "OR", "BE", "GO", "UP", "CAN", "HAS", "ANY", "BIG", "NEW",
    "OUT", "TWO", "ONE", "CASH", "LOW", "HOLD", "FAST", "RUN", "PAY", "REAL", "SAVE", "CASE",
    "COST",
}
# "Toshiya Hari of Goldman Sachs", "the analyst from Morgan Stanley", "the UBS analyst": the
# analyst's firm, not the company asked about.
_ANALYST_FIRM = re.compile(r"\b[A-Z][\w'.-]+\s+(?:of|from|at)\s+$|"
                           r"\banalysts?\s+(?:of|from|at|with)\s+$")
_FIRM_AFTER = re.compile(r"^\s+(?:analysts?|research|securities|equity research)\b", re.I)
# "Q2 Holdings" is not named by "Q2", which is a quarter.
_PERIODISH = re.compile(r"^(?:Q[1-4]|H[12]|FY\d{0,4}|\d+)$", re.I)
_WORD = re.compile(r"[\w&'’.+-]+")
_CALENDAR = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|"
                       r"fri|sat|sun)[a-z]*$", re.I)
# A name is followed by a possessive, a period or a document ("Zumiez's", "Zumiez Q3",
# "Zumiez 10-K"), not by an ordinary continuation.
_FOLLOWS_AS_NAME = re.compile(r"^(?:'s|s'| Q[1-4]| FY| 10-?[KQ]| (?:19|20)\d\d)")
@dataclass(frozen=True, slots=True)
class Company:
    name: str
    ticker: str | None
    variants: tuple[str, ...]  # how the name is written, legal form dropped


def fold(text: str) -> str:
    """Accents off, curly apostrophes straight: "Hermès" and "Hermes" are one name."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def name_variants(name: str) -> tuple[str, ...]:
    """Ways a company name appears in a question: the name without its legal form, and
    without "Company"/"Group" where the rest still reads as a name."""
    name = re.sub(r"\([^)]*\)", " ", fold(name))
    words = [w.strip(",") for w in name.replace(",", " , ").split() if w.strip(",")]

    def strip(ws: list[str], drop: set[str]) -> list[str]:
        ws = list(ws)
        while ws and re.sub(r"[.]", "", ws[-1]).lower() in drop | {"&", ""}:
            ws.pop()
        while ws and ws[0].lower() == "the":
            ws.pop(0)
        return ws

    hard = strip(words, _LEGAL)
    out = [" ".join(hard)] if hard else []
    if hard and hard[-1].lower().endswith(".com") and len(hard[-1]) > 6:
        out.append(" ".join(hard[:-1] + [hard[-1][:-4]]))  # "Amazon.com" is Amazon
    soft = strip(hard, _LEGAL | _SOFT)
    if soft and soft != hard and (len(soft) > 1 or not soft[0].isalpha()
                                  or soft[0].isupper()):
        out.append(" ".join(soft))
    return tuple(v for v in dict.fromkeys(out) if len(v) >= 2 and not _PERIODISH.match(v))


class CompanyIndex:
    """Finds the companies a question names: a name variant written as a proper noun (as
    the list writes it, or in capitals), or a ticker in capitals that is not an everyday
    abbreviation, or any ticker written as one ("$COST", "NASDAQ: COST")."""

    def __init__(self, companies: list[Company] | tuple[Company, ...]) -> None:
        self.by_first: dict[str, list[tuple[str, Company]]] = {}
        self.by_ticker: dict[str, list[Company]] = {}
        self._fuzzy: dict[str, list[str]] | None = None
        self._lower: dict[str, list[tuple[str, Company]]] | None = None
        # "JPMorgan's" for "JPMorgan Chase": a name's first word, in the possessive only,
        # when no other company's name starts with it and it is spelt as no ordinary word
        # is (a capital inside: "Smith's", "the Group's" are not companies).
        starts: dict[str, list[Company]] = {}
        for company in companies:
            for variant in company.variants:
                first = variant.split()[0]
                if " " in variant and len(first) >= 5 and first[0].isupper() and \
                        not first.isupper() and first.replace("-", "").isalpha() and \
                        any(c.isupper() for c in first[1:]):
                    starts.setdefault(first, []).append(company)
        whole = {v for c in companies for v in c.variants if " " not in v}
        self.by_possessive = {w: cs[0] for w, cs in starts.items()
                              if len(set(cs)) == 1 and w not in whole}
        for company in companies:
            for variant in company.variants:
                for form in {variant, variant.upper(), _unstyled(variant)}:
                    self.by_first.setdefault(form.split()[0], []).append((form, company))
            if company.ticker:
                self.by_ticker.setdefault(company.ticker, []).append(company)

    def closest(self, word: str) -> str | None:
        """The one name word within an edit of ``word`` (two for 9+ letters), if only one."""
        if len(word) < 5:
            return None
        limit = 2 if len(word) >= 9 else 1
        fuzzy = self._fuzzy
        if fuzzy is None:
            # One-word names (whole ones: a typo of a name's first word is not a name), by
            # first letter and by ending: a typo rarely changes both. Built aside and then
            # published, as API threads share the index.
            fuzzy = {}
            for first, forms in self.by_first.items():
                if len(first) >= 4 and first[0].isupper() and not first.isupper() and \
                        first.isalpha() and any(form == first for form, _ in forms):
                    for key in (first[0].lower(), first[-3:].lower()):
                        fuzzy.setdefault(key, []).append(first)
            self._fuzzy = fuzzy
        low = word.lower()
        near = {first for key in (low[0], low[-3:]) for first in fuzzy.get(key, [])
                if abs(len(first) - len(word)) <= limit
                and edit_distance(low, first.lower(), limit) <= limit}
        return near.pop() if len(near) == 1 else None

    def find(self, question: str, *, in_document: bool = False) -> list[Company]:
        """The companies ``question`` names. ``in_document``: the text is a document's,
        where a line may well open with the name and bare capitals are no tickers."""
        return list({id(m.company): m.company
                     for m in self.mentions(question, in_document=in_document)}.values())

    def mentions(self, question: str, *, in_document: bool = False) -> list[Mention]:
        """Each company named, and whether as the subject asked about (see ``_subject``)."""
        text = fold(question)
        shouting = not re.search(r"[a-z]", text)  # all capitals: no bare tickers
        found: list[Mention] = []
        for m in _WORD.finditer(text):
            whole = m.group(0).rstrip(".,;:?!")
            word = whole[:-2] if whole.endswith("'s") else whole.rstrip("'")
            before = text[:m.start()]
            if _ANALYST_FIRM.search(before):
                continue
            # "Domino's" may be the name itself or a possessive: look up both.
            forms = self.by_first.get(word, []) + (self.by_first.get(whole, [])
                                                     if whole != word else [])
            if whole.endswith("'s") and word in self.by_possessive and \
                    not re.search(r"(?:[A-Z][\w&'.-]*|\b[Tt]he)\s+$", before):
                found.append(Mention(self.by_possessive[word], True))
            here: list[tuple[int, Mention]] = []  # the names starting at this word
            for form, company in forms:
                end = m.start() + len(form)
                if text[m.start():end] != form or re.match(r"[\w&]", text[end:end + 1]):
                    continue
                possessive = text[end:end + 2] in ("'s", "s'") or form.endswith("'s")
                # A one-word name opening the question ("Target margin ...") may be an
                # ordinary capitalised word; "Target's" is the company.
                if " " not in form and not before.strip(" \"'(") and \
                        not possessive and not in_document:
                    continue
                if _FIRM_AFTER.match(text[end:]):
                    continue  # "the Goldman Sachs analyst"
                if shouting and " " not in form:
                    continue  # in a question all in capitals every word looks like a name
                here.append((len(form), Mention(company, possessive or
                                                _subject(before, text[end:]))))
            # The longest name read here: "First Industrial" names that company, not every
            # company whose name begins with "First".
            longest = max((n for n, _ in here), default=0)
            found += [mention for n, mention in here if n == longest]
            for company in self.by_ticker.get(word, []):
                marked = before[-1:] == "$" or re.search(
                    r"(?:NYSE|NASDAQ|Nasdaq|ticker)\s*:?\s*$", before)
                bare = (len(word) >= 2 and word not in _ABBREVIATIONS and not in_document
                        and not shouting)
                if marked or bare:
                    found.append(Mention(company, True))
        return found


    def lowercase_mentions(self, question: str, usage: Usage) -> list[Mention]:
        """Companies named in lower case ("what was costco's revenue", "did nvidia"), which
        ``mentions`` leaves alone: a name of two words or more as typed, or one word where
        it stands as a name (possessive, before a period or document, after "did"/"ask",
        or opening the question) and the library writes it capitalised (``usage(word)``:
        its lower-case and capitalised uses mid-sentence). A word the library seldom uses
        counts only in the possessive or before a period: "target's margin" names Target,
        "the target margin" does not."""
        lowered = self._lowered()
        text = fold(question)
        low = text.lower()
        found: list[Mention] = []
        for m in _WORD.finditer(text):
            whole = m.group(0).rstrip(".,;:?!")
            if not whole[:1].islower():
                continue  # capitalised words are ``mentions``'
            word = whole[:-2] if whole.endswith("'s") else whole.rstrip("'")
            before = text[:m.start()]
            if len(word) < 3:
                continue
            # "domino's" may be the name itself or a possessive: look up both.
            forms = lowered.get(word, []) + (lowered.get(whole, []) if whole != word else [])
            for form, company in forms:
                end = m.start() + len(form)
                possessive = low[end:end + 2] in ("'s", "s'") or form.endswith("'s")
                strong = possessive or bool(_FOLLOWS_AS_NAME.search(
                    text[end:end + 6].upper().replace("'S", "'s")))
                if low[m.start():end] != form or re.match(r"[\w&]", low[end:end + 1]):
                    # "jpmorgan's": the first word of one company's longer name, possessive.
                    first = form.split()[0]
                    if not (" " in form and whole == first + "'s" and len(first) >= 5
                            and len({c for _, c in lowered.get(first, [])}) == 1
                            and _written_as_name(usage(first))):
                        continue
                    strong = possessive = True
                if not strong and re.search(r"\b(?:of|from|at|with)\s+$", before, re.I):
                    continue  # "toshiya hari of goldman sachs": the analyst's firm
                if " " not in form:
                    uses = usage(word)
                    opening = not before.strip(" \"'(")
                    asked = bool(_LOWER_SUBJECT_BEFORE.search(before)) or opening
                    if len(word) < 4 and not _written_as_name(uses):
                        continue  # "amd" counts where the library writes "AMD"
                    if not (strong or _written_as_name(uses) and asked):
                        continue
                    if uses[0] >= 5 and uses[0] >= 0.25 * sum(uses):
                        continue  # an everyday word of the library's ("gap", "block")
                found.append(Mention(company, True))
        return found

    def _lowered(self) -> dict[str, list[tuple[str, Company]]]:
        if self._lower is None:
            lowered: dict[str, list[tuple[str, Company]]] = {}
            for first, forms in self.by_first.items():
                for form, company in forms:
                    lowered.setdefault(first.lower(), []).append((form.lower(), company))
            self._lower = {k: list(dict.fromkeys(v)) for k, v in lowered.items()}
        return self._lower


@dataclass(frozen=True, slots=True)
class Mention:
    company: Company
    subject: bool  # the company asked about, not one mentioned in passing


# Around a name asked about: "did Intel report", "ask Oracle", "for Costco", "Costco Q3",
# "Costco's", "Costco 10-K", "Costco CFO"; not "about Visa and Mastercard fees".
_SUBJECT_BEFORE = re.compile(r"\b(?:did|does|do|has|have|had|will|would|is|was|were|can|could|"
                             r"should|ask|asked|for|at)\s+(?:the\s+)?$", re.I)
_SUBJECT_AFTER = re.compile(r"^(?:'s|s'|\s+(?:Q[1-4]|FY|10-?[KQ]|8-?K|(?:19|20)\d\d|"
                            r"fiscal|earnings|call|conference|CEO|CFO|COO|management|"
                            r"report\w*|say|said|guide\w*|expect\w*|announce\w*|post\w*|"
                            r"earn\w*|gave|give|grow\w*|revenue|sales|shares?|stock)\b)", re.I)


def _written_as_name(uses: tuple[int, int]) -> bool:
    """The library writes a word capitalised (or in capitals) mid-sentence, and often."""
    lower, upper = uses
    return upper >= 5 and lower < 0.25 * (lower + upper)


_LOWER_SUBJECT_BEFORE = re.compile(r"\b(?:did|does|do|has|have|had|ask|asked)\s+$", re.I)


def _subject(before: str, after: str) -> bool:
    return bool(_SUBJECT_BEFORE.search(before) or _SUBJECT_AFTER.search(after)
                or not before.strip(" \"'("))


Appears = Callable[..., bool]  # (word, doc_names=None) -> whether documents contain it
Usage = Callable[[str], "tuple[int, int]"]  # word -> its lower-case and capitalised uses


@dataclass(frozen=True, slots=True)
class Correction:
    wrong: str
    right: str
    held: bool  # a name of the library's own companies

    def to_dict(self) -> dict[str, str]:
        return {"from": self.wrong, "to": self.right}


def apply_corrections(corrections: list[Correction], question: str) -> str:
    for c in corrections:
        question = re.sub(rf"(?<![\w&]){re.escape(c.wrong)}(?![\w&])", c.right, question)
    return question


def names_position(question: str, word: str) -> bool:
    """Whether ``word`` stands where a company is named: possessive, or before a period or a
    document ("Zumiez's", "Zumiez Q3", "Zumiez 10-K")."""
    return any(_FOLLOWS_AS_NAME.search(question[m.end():m.end() + 6])
               and not re.search(r"\b[Tt]he\s+$", question[:m.start()])  # "the Group's"
               for m in re.finditer(rf"(?<![\w&]){re.escape(word)}(?![\w&])", question))


def short_name(name: str) -> tuple[str, ...]:
    """The first word of a held company's name ("Colgate" of "Colgate-Palmolive", "Alaska"
    of "Alaska Air Group"), when it is a capitalised word of five letters or more: analysts
    shorten names, and a held company wrongly seen named costs nothing (it only keeps a
    question from being refused)."""
    first = re.split(r"[\s-]", fold(name).strip())[0]
    variants = name_variants(name)
    if len(first) >= 5 and first[0].isupper() and first[1:].islower() and first.isalpha() \
            and first not in variants:
        return (first,)
    return ()


def capitalised_words(question: str) -> list[str]:
    """Capitalised words that may be names: not the question's first (unless possessive),
    not all capitals (abbreviations), not stop words, months or days."""
    words = re.findall(r"(?<=\s)[A-Z][a-z][\w&-]{2,}|^[A-Z][a-z][\w&-]{2,}(?='s)",
                       fold(question))
    return [w for w in dict.fromkeys(words)
            if w.lower() not in STOPWORDS and not _CALENDAR.match(w)]


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), stopped past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@lru_cache(maxsize=1)
def public_companies() -> CompanyIndex:
    """The listed companies of the indices ``pytickersymbols`` ships (about 1,800)."""
    from pytickersymbols.indices_data import INDICES

    seen: dict[str, Company] = {}
    for index in INDICES.values():
        for entry in index.get("companies", []):
            name = entry.get("name") or ""
            symbol = (entry.get("symbol") or "").split(".")[0].upper() or None
            if name and name not in seen:
                seen[name] = Company(name, symbol, name_variants(name))
    return CompanyIndex(tuple(seen.values()))


@lru_cache(maxsize=1)
def registered_names() -> dict[str, tuple[str, ...]]:
    """Ticker -> the names the SEC lists its registrant under (the SEC's
    company_tickers_exchange.json, about 10,000 US-listed companies; regenerated by
    ``scripts/update_sec_companies.py``), as prose writes them: "BECTON DICKINSON & CO" ->
    "Becton Dickinson & CO" (short words may be initials, so they stay), without the state
    of incorporation ("/DE/")."""
    data = resources.files("earnest").joinpath("data/sec_companies.tsv.gz").read_bytes()
    out: dict[str, list[str]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines()[1:]:
        ticker, _, name = line.partition("\t")
        name = _without_domicile(name)
        if ticker and name:
            out.setdefault(ticker, []).append(_as_written(_unstyled(name)))
    return {t: tuple(dict.fromkeys(ns)) for t, ns in out.items()}


def _as_written(name: str) -> str:
    """The SEC's abbreviations as a name is written: "Southern CO" is "Southern Company" (so
    that, as for any name, "Southern" alone does not name it), "Bank OF America" is "Bank of
    America"."""
    name = name.replace("'S ", "'s ")  # "CAMPBELL'S CO" unstyled is "Campbell'S"
    name = re.sub(r"\b(?:CO|Co)\.?$", "Company", name)
    name = re.sub(r"\b(?:COS|Cos)\.?$", "Companies", name)
    return re.sub(r"(?<=\S )(OF|THE|AND|FOR)\b", lambda m: m.group(1).lower(), name)


def _without_domicile(name: str) -> str:
    """ "ABM INDUSTRIES INC /DE/" -> "ABM INDUSTRIES INC", "Corp/Cayman", "Ltd / ADR",
    "Corp \\PA\\", "Company/MN" -> "Corp", "Ltd", "Corp", "Company"; not the slash of a name
    ("Genmab A/S", "Cullen/Frost Bankers")."""
    name = re.sub(r"\s*/[A-Za-z]{2,3}/\s*|\s*\((?:DE|MD|NY)\)\s*|\s*\\\s*[A-Za-z]{2,3}\s*\\?\s*$",
                  " ", name).strip(" ,")
    name = re.sub(r"\s*/\s*(?:[A-Z]{2,3}|ADR)$", "", name).strip(" ,")
    head, slash, tail = name.partition("/")
    words = head.split()
    if slash and words and (not tail.strip() or head.endswith(" ") or tail.startswith(" ")
                            or re.sub(r"[.,]", "", words[-1]).lower() in _LEGAL):
        name = head.strip(" ,")
    return name


def same_company(name: str, registered: str) -> bool:
    """Whether a document's name for its company and the name the SEC lists for its ticker
    are one company: one name's words run within the other's ("Grainger", "W.W. Grainger"),
    or the document writes the registered name's initials ("BD" for "Becton Dickinson",
    "ADM" for "Archer-Daniels-Midland"). A ticker passed on to another company ("B": Barnes
    Group, later Barrick) gives neither."""
    def words(text: str) -> list[str]:
        # "Curtiss-Wright" is "Curtiss Wright", "Domino's" "Dominos"
        return [w for w in re.split(r"[\s,-]+", fold(text).lower().replace(".", " ")
                                    .replace("'", "")) if w]

    ours = next(iter(name_variants(name)), name)
    a = words(ours)
    for theirs in name_variants(registered) or (registered,):  # "... & Company", "..."
        b = words(theirs)
        if not a or not b:
            continue
        short, long = (a, b) if len(a) <= len(b) else (b, a)
        if any(long[i:i + len(short)] == short for i in range(len(long) - len(short) + 1)):
            return True
        initials = "".join(w[0] for w in re.split(r"[\s-]+", theirs) if w[:1].isalpha())
        if len(initials) >= 2 and joined(ours) == initials.lower():
            return True
    return False


def _unstyled(name: str) -> str:
    """A name its company styles in capitals as prose writes it: "DICK'S Sporting Goods" ->
    "Dick's Sporting Goods", "NVIDIA Corporation" -> "Nvidia Corporation". Words of three
    letters or fewer stay: those are initials ("BD", "ADM")."""
    return re.sub(r"\b([A-Z])([A-Z]{3,})(?=\b|')", lambda m: m.group(1) + m.group(2).lower(),
                  name)


def joined(text: str) -> str:
    """A name as one key: "Best Buy Co." -> "bestbuyco"."""
    return re.sub(r"[^a-z0-9]", "", fold(text).lower())


def listed_ticker(name: str) -> str | None:
    """The ticker of the one listed company ``name`` is (a variant of its name, or its
    ticker written as the name), else None."""
    index = public_companies()
    found = {c.ticker for v in name_variants(name)
             for form, c in index.by_first.get(v.split()[0], []) if form == v and c.ticker}
    if not found and name.isupper() and name in index.by_ticker:
        found = {name}
    return found.pop() if len(found) == 1 else None


class LibraryCompanies:
    """The companies a library's documents belong to: each document's company key (its
    ticker, else its name), the names each company goes by, and which of them a question
    names. ``aliases`` maps a document name to the names its company goes by
    (``metadata.company_aliases``)."""

    def __init__(self, docs: list[Any], aliases: dict[str, set[str]]) -> None:
        held: list[Company] = []
        registered_of: dict[str, set[str]] = {}  # document name -> its registered names
        self.doc_company: dict[int, str] = {}
        groups: dict[str, Counter[str]] = {}
        for doc in docs:
            meta = doc.effective_metadata()
            names = sorted(aliases.get(doc.doc_name, set()))
            # A call that states no ticker: the listed company its name is ("Advanced
            # Micro Devices" and "AMD" are one company).
            ticker = (meta.ticker or "").upper() or \
                next(filter(None, map(listed_ticker, names)), None)
            for name in names:
                held.append(Company(name, ticker, name_variants(name) + short_name(name)))
            if ticker and not names:
                held.append(Company(ticker, ticker, ()))
            # The name it is registered under, when its documents' name is that company's;
            # of one word only when the documents use that word too ("Southern Copper" is
            # no reason to read "Southern" as a name).
            own = {v for n in names for v in name_variants(n)}
            for registered in registered_names().get(ticker or "", ()):
                variants = tuple(v for v in name_variants(registered)
                                 if len(re.split(r"[\s-]+", v)) > 1 or v in own)
                if variants and registered not in names and \
                        any(same_company(n, registered) for n in names):
                    held.append(Company(registered, ticker, variants))
                    registered_of.setdefault(doc.doc_name, set()).add(registered)
            if names or ticker:
                # One company however its documents write its name: by ticker, else name.
                variants = name_variants(names[0]) if names else ()
                key = ticker or (joined(variants[0]) if variants else joined(names[0]))
                groups.setdefault(key, Counter()).update(names or [ticker])
                self.doc_company[doc.id] = key
        # A document naming its company only by the ticker another document states.
        for key in [k for k in groups if k.upper() in groups and k != k.upper()]:
            groups[key.upper()].update(groups.pop(key))
            for doc_id, k in self.doc_company.items():
                if k == key:
                    self.doc_company[doc_id] = key.upper()
        # "Advanced Micro Devices" and "AMD": a name of three words or more and its
        # initials, when the initials are another of the library's companies.
        for key in list(groups):
            for name in list(groups.get(key, ())):
                words = [w for w in (name_variants(name) or (name,))[0].split()
                         if w[:1].isupper()]
                initials = "".join(w[0] for w in words)
                if len(words) >= 3 and initials in groups and initials != key:
                    groups[initials].update(groups.pop(key))
                    for doc_id, k in self.doc_company.items():
                        if k == key:
                            self.doc_company[doc_id] = initials
                    break
        # Each company's label: the name its documents use most, in mixed case if any is.
        self.labels = {key: max(counts, key=lambda n: (counts[n], not n.isupper(), -len(n)))
                       for key, counts in groups.items()}
        self.held = list(dict.fromkeys(held))  # one entry per name, not per document
        self.index = CompanyIndex(self.held)
        # A name (or ticker) -> the company keys whose documents go by it.
        self._keys_of: dict[str, set[str]] = {}
        for doc in docs:
            key = self.doc_company.get(doc.id)
            if key is None:
                continue
            meta = doc.effective_metadata()
            names = aliases.get(doc.doc_name, set()) | registered_of.get(doc.doc_name, set())
            for name in names | {meta.ticker or ""} | {key}:
                if name:
                    self._keys_of.setdefault(name, set()).add(key)
        self._docs_of: dict[str, set[int]] = {}
        for doc_id, key in self.doc_company.items():
            self._docs_of.setdefault(key, set()).add(doc_id)

    def named(self, question: str) -> list[str]:
        """The keys of the library's companies ``question`` names as a proper noun or ticker
        (see ``CompanyIndex.mentions``): those it asks about, else any it mentions."""
        mentions = self.index.mentions(question)
        chosen = [m for m in mentions if m.subject] or mentions
        keys: dict[str, None] = {}
        for m in chosen:
            for name in (m.company.name, m.company.ticker or ""):
                for key in sorted(self._keys_of.get(name, ())):
                    keys.setdefault(key, None)
        return list(keys)

    def docs_of(self, keys: list[str]) -> set[int]:
        return set().union(*(self._docs_of.get(k, set()) for k in keys)) if keys else set()
