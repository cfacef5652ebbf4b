"""eval/transcript_questions_3.jsonl, the third transcript question set (written by reading
Refinitiv calls of 2010-2024 the first set does not use): its shape, its spread over the split
and the years, and its labels against ../shared/data — every gold quote verbatim in its call as
Earnest's reader gives it, every company "not held" absent from the development transcripts,
every quarter "not held" outside its company's calls, every metric "never discussed" absent from
the calls of its period (skipped with a message when ../shared is absent)."""

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
THIRD = EVAL / "transcript_questions_3.jsonl"
FIRST = EVAL / "transcript_questions.jsonl"
MINIMUM = {"guidance": 8, "why": 6, "figure": 4, "executive": 3, "analysts": 3}
# the quarter each "period not held" question asks about (first day, last day)
PERIODS = {
    "tq3-033": (date(2025, 4, 1), date(2025, 6, 30)),    # AMD Q2 2025
    "tq3-034": (date(2009, 4, 1), date(2009, 6, 30)),    # Amazon Q2 2009
    "tq3-067": (date(2025, 3, 30), date(2025, 6, 28)),   # Apple June quarter, fiscal 2025
    "tq3-068": (date(2025, 4, 27), date(2025, 7, 26)),   # Cisco Q4 fiscal 2025
}
# a "never discussed" question: the words it asks about, and the call dates of its period
NEVER = {
    "tq3-035": (r"dividend", date(2015, 1, 1), date(2016, 2, 28)),        # AMD, 2015
    "tq3-036": (r"advertis", date(2012, 1, 1), date(2013, 2, 28)),        # ASML, 2012
    "tq3-069": (r"churn", date(2012, 8, 1), date(2013, 8, 31)),           # Cisco, FY2013
    "tq3-070": (r"advertis", date(2012, 10, 1), date(2013, 11, 30)),      # Apple, FY2013
}


def test_third_set_is_well_formed_and_spread_over_parts_and_years() -> None:
    rows = read_questions(THIRD)
    check_rows(rows, "tq3")
    answerable = [r for r in rows if r["answerable"]]
    for got, lost, counts in question_parts(rows):
        check_years(got)
        assert len(got) >= 24
        assert all(counts[t] >= n for t, n in MINIMUM.items()), counts
        assert len(lost) >= 4 and {r["unanswerable_reason"] for r in lost} == set(REASONS)
    # calls the first set does not use, at most two questions a call
    first = {r.get("doc_name") for r in read_questions(FIRST)}
    assert not {r["doc_name"] for r in answerable} & first
    assert max(Counter(r["doc_name"] for r in answerable).values()) <= 2


def test_third_set_gold_quotes_are_verbatim_in_their_calls() -> None:
    check_gold_quotes(THIRD)


def test_third_set_unanswerable_labels_hold_against_the_calls() -> None:
    check_unanswerable_labels(THIRD, PERIODS, NEVER)
