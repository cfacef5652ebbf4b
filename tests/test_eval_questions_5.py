"""eval/transcript_questions_5.jsonl, the fifth transcript question set (written by reading
Refinitiv calls of 2010-2024 that no earlier set uses, weighted to the why- and guidance
questions, without running the retriever): its shape, its spread over the split and the years,
and its labels against ../shared/data — every gold quote verbatim in its call as Earnest's
reader gives it, every company "not held" absent from the development transcripts, every quarter
"not held" outside its company's calls, every metric "never discussed" absent from the calls of
its period (skipped with a message when ../shared is absent)."""

from collections import Counter
from datetime import date
from pathlib import Path

from earnest.eval_questions import REASONS, read_questions

from .conftest import question_parts
from .refinitiv_questions import (
    check_gold_quotes,
    check_rows,
    check_unanswerable_labels,
    check_years,
)

EVAL = Path(__file__).resolve().parents[1] / "eval"
FIFTH = EVAL / "transcript_questions_5.jsonl"
EARLIER = [EVAL / f"transcript_questions{n}.jsonl" for n in ("", "_2", "_3", "_4")]
MINIMUM = {"why": 8, "guidance": 6, "figure": 5, "executive": 4, "analysts": 4}
# the quarter each "period not held" question asks about (first day, last day)
PERIODS = {
    "tq5-067": (date(2008, 6, 29), date(2008, 9, 27)),   # AMD Q3 2008, before its first call
    "tq5-068": (date(2025, 7, 1), date(2025, 9, 30)),    # Amazon Q3 2025, after its last call
    "tq5-073": (date(2025, 6, 29), date(2025, 9, 27)),   # Apple September quarter, fiscal 2025
    "tq5-074": (date(2025, 7, 27), date(2025, 10, 25)),  # Cisco Q1 fiscal 2026
}
# a "never discussed" question: the words it asks about, and the call dates of its period
NEVER = {
    "tq5-069": (r"carbon|emission|greenhouse", date(2013, 1, 1), date(2014, 2, 28)),  # AMD, 2013
    "tq5-070": (r"dividend", date(2015, 1, 1), date(2016, 2, 28)),                 # Amazon, 2015
    "tq5-075": (r"attrition|turnover", date(2011, 10, 1), date(2012, 11, 30)),     # Apple, FY2012
    "tq5-076": (r"pension|defined benefit", date(2015, 8, 1), date(2016, 8, 31)),   # Cisco, FY2016
}


def test_fifth_set_is_well_formed_and_spread_over_parts_and_years() -> None:
    rows = read_questions(FIFTH)
    check_rows(rows, "tq5")
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    # the answerable first, then the unanswerable
    assert rows == answerable + unanswerable
    for got, lost, counts in question_parts(rows):
        check_years(got)
        assert len(got) >= 24
        assert all(counts[t] >= n for t, n in MINIMUM.items()), counts
        # two of each reason in each part
        assert Counter(r["unanswerable_reason"] for r in lost) == {k: 2 for k in REASONS}
    # calls no earlier set uses, at most two questions a call
    earlier = {r.get("doc_name") for path in EARLIER for r in read_questions(path)}
    assert not {r["doc_name"] for r in answerable} & earlier
    assert max(Counter(r["doc_name"] for r in answerable).values()) <= 2


def test_fifth_set_gold_quotes_are_verbatim_in_their_calls() -> None:
    check_gold_quotes(FIFTH)


def test_fifth_set_unanswerable_labels_hold_against_the_calls() -> None:
    check_unanswerable_labels(FIFTH, PERIODS, NEVER)
