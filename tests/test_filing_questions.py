"""eval/filing_questions.jsonl, a question set over company filings (10-Ks, 10-Qs, 8-Ks and
earnings releases of FinanceBench's folder that FinanceBench's own questions do not use), written
by reading the filings without running the retriever: its shape, its spread over the split, the
types and the years, and its labels against ../shared/data — every gold quote verbatim in its
filing as Earnest's reader gives it and in no other filing of that company, every company "not
held" absent from FinanceBench's documents, every year "not held" after the company's newest
filing, every subject "never discussed" absent from the company's filings of that year (skipped
with a message when ../shared is absent)."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

from earnest.eval_questions import REASONS, read_questions
from earnest.eval_split import SPLITS_FILE, load_splits

from .conftest import question_parts, read_texts, reader_text, shared_data, squeezed

SET = Path(__file__).resolve().parents[1] / "eval" / "filing_questions.jsonl"
KINDS = ("why", "figure", "guidance", "qualitative")  # a filing's kinds of question
MINIMUM = {"qualitative": 10, "figure": 6, "why": 5, "guidance": 1}
ANSWERABLE_KEYS = {"id", "question", "type", "answerable", "company", "ticker", "source",
                   "doc_name", "gold_quotes"}
# a "never discussed" question: the words it asks about (case-insensitive), and every filing of
# the company dated the year it asks about
NEVER = {
    "fq-051": (r"bitcoin|crypto|digital currenc", ["3M_2019_10K"]),
    "fq-052": (r"same[- ]store|comparable[- ]store", ["VERIZON_2018_10K"]),
    "fq-056": (r"churn", ["CORNING_2018_10K"]),
}


def rows() -> list[dict]:
    return read_questions(SET)  # Earnest's own validator reads it


def doc_year(doc_name: str) -> int:
    return int(re.match(r"[A-Z0-9]+_(\d{4})", doc_name).group(1))


def asked_year(question: str) -> int:
    return max(int(y) for y in re.findall(r"\b(20\d\d)\b", question))


@cache
def documents() -> dict[str, str]:
    """doc_name -> company, from FinanceBench's documents.jsonl."""
    path = shared_data("financebench") / "documents.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return {r["doc_name"]: r["company"] for r in map(json.loads, filter(str.strip, lines))}


def prefix(company: str) -> str:
    """The file-name prefix of a company's filings (one per company)."""
    prefixes = {d.split("_")[0] for d, c in documents().items() if c == company}
    assert len(prefixes) == 1, (company, prefixes)
    return prefixes.pop()


def filings(company: str) -> list[str]:
    """Every PDF of the company in the folder, listed in documents.jsonl or not (the folder
    holds a few byte-identical copies under other names)."""
    listed = {d for d, c in documents().items() if c == company}
    on_disk = {p.stem for p in pdfs().glob(f"{prefix(company)}_*.pdf")}
    return sorted(listed | on_disk)


def pdfs() -> Path:
    return shared_data("financebench/pdfs")


def text(doc_name: str) -> str:
    path = pdfs() / f"{doc_name}.pdf"
    assert path.exists(), path
    return reader_text(path)


def test_filing_set_is_well_formed_and_spread_over_parts_types_and_years() -> None:
    qs = rows()
    assert [r["id"] for r in qs] == [f"fq-{n:03d}" for n in range(1, len(qs) + 1)]
    answerable = [r for r in qs if r["answerable"] is True]
    unanswerable = [r for r in qs if r["answerable"] is False]
    # the answerable first, then the unanswerable
    assert qs == answerable + unanswerable
    splits = load_splits(SPLITS_FILE)
    companies = set(splits["financebench"]["tune"]) | set(splits["financebench"]["holdout"])
    for r in answerable:
        assert set(r) == ANSWERABLE_KEYS, r["id"]
        assert r["type"] in KINDS and r["source"] == "financebench", r["id"]
        assert r["ticker"] == r["company"] and r["company"] in companies, r["id"]
        assert re.fullmatch(r"[A-Z0-9]+_\d{4}(Q\d)?_[0-9A-Za-z_-]+", r["doc_name"]), r["id"]
        # the question names its company and a year (or the quarter's dates)
        assert r["company"] in r["question"] and re.search(r"\b20\d\d\b", r["question"]), r["id"]
        assert 1 <= len(r["gold_quotes"]) <= 3, r["id"]
        assert all(8 <= len(q.split()) <= 40 for q in r["gold_quotes"]), r["id"]
    for r in unanswerable:
        assert set(r) == ANSWERABLE_KEYS | {"unanswerable_reason"}, r["id"]
        assert r["type"] == "unanswerable" and r["unanswerable_reason"] in REASONS, r["id"]
        assert r["doc_name"] is None and r["gold_quotes"] == [], r["id"]
    # at most two questions a document
    assert max(Counter(r["doc_name"] for r in answerable).values()) <= 2
    # question_parts selects by the ticker in its source's split: the company's name for
    # FinanceBench, a not-held ticker for a company no set holds
    for got, lost, counts in question_parts(qs):
        assert len(got) == 24
        assert all(counts[t] >= n for t, n in MINIMUM.items()), counts
        assert len({r["company"] for r in got}) >= 5
        years = Counter(doc_year(r["doc_name"]) for r in got)
        assert len(years) >= 6 and min(years) <= 2016 and max(years) >= 2022, years
        # four unanswerable a part, every reason once or twice
        reasons = Counter(r["unanswerable_reason"] for r in lost)
        assert len(lost) == 4 and set(reasons) == set(REASONS), reasons
        assert all(1 <= n <= 2 for n in reasons.values()), reasons


def test_filing_set_uses_listed_filings_that_financebench_questions_do_not() -> None:
    listed = documents()
    path = shared_data("financebench") / "questions.jsonl"
    used = {json.loads(line)["doc_name"]
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    for r in rows():
        if r["answerable"]:
            assert listed.get(r["doc_name"]) == r["company"], r["id"]
            assert r["doc_name"] not in used, r["id"]


def test_filing_set_gold_quotes_are_verbatim_in_their_filing_and_no_other() -> None:
    companies = {r["company"] for r in rows() if r["answerable"]}
    read_texts([pdfs() / f"{d}.pdf" for c in sorted(companies) for d in filings(c)])
    for r in rows():
        for quote in r["gold_quotes"]:
            assert squeezed(quote) in text(r["doc_name"]), (r["id"], quote)
            # unambiguous among the company's other filings (other years, other copies)
            others = [d for d in filings(r["company"]) if d != r["doc_name"]]
            assert not [d for d in others if squeezed(quote) in text(d)], (r["id"], quote)


def test_filing_set_unanswerable_labels_hold_against_the_filings() -> None:
    listed = documents()
    splits = load_splits(SPLITS_FILE)
    not_held = set(splits["not_held"]["tune"]) | set(splits["not_held"]["holdout"])
    held = set(listed.values())
    lost = {r["id"]: r for r in rows() if not r["answerable"]}
    assert {i for i, r in lost.items() if r["unanswerable_reason"] == "never_discussed"} \
        == set(NEVER)
    for qid, r in lost.items():
        reason = r["unanswerable_reason"]
        if reason == "company_not_held":
            assert r["source"] is None and r["ticker"] in not_held, qid
            assert r["company"] not in held, qid
            assert not any(c.lower() in r["question"].lower() for c in held), qid
            continue
        assert r["source"] == "financebench" and r["ticker"] == r["company"], qid
        assert r["company"] in held, qid
        years = [doc_year(d) for d in filings(r["company"])]
        if reason == "period_not_held":
            # after the company's newest filing: no filing of the folder could report it
            assert asked_year(r["question"]) > max(years), qid
        else:
            pattern, docs = NEVER[qid]
            year = asked_year(r["question"])
            # every filing of the company dated that year, and at least one
            assert docs and docs == [d for d in filings(r["company"]) if doc_year(d) == year], qid
            for doc in docs:
                assert not re.search(pattern, text(doc), re.IGNORECASE), (qid, doc)
