"""eval/transcript_questions_2.jsonl, the second transcript question set (written by reading
Motley Fool calls the first set does not use): its shape, its spread over the split, and its
labels against ../shared/data — every gold quote verbatim in its call as Earnest's reader gives
it, every company "not held" absent from the development transcripts, every company "only
mentioned" named in some call (skipped with a message when ../shared is absent)."""

import re
from collections import Counter
from pathlib import Path

from earnest.eval_questions import CALL_TYPES, REASONS, read_questions
from earnest.eval_split import transcript_ticker

from .conftest import question_parts, reader_text, shared_data, squeezed

EVAL = Path(__file__).resolve().parents[1] / "eval"
SECOND = EVAL / "transcript_questions_2.jsonl"
FIRST = EVAL / "transcript_questions.jsonl"
# a company named in some call (a customer, partner or competitor) that no call is about
REASONS_2 = (*REASONS, "company_only_mentioned")
NOT_HELD = ("company_not_held", "company_only_mentioned")


def _rows(path: Path) -> list[dict]:
    return read_questions(path)


def _calls() -> Path:
    return shared_data("transcripts/motleyfool/transcripts")


def test_second_set_is_well_formed_and_spread_over_both_parts() -> None:
    rows = _rows(SECOND)
    assert [r["id"] for r in rows] == [f"tq2-{n:03d}" for n in range(1, len(rows) + 1)]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    assert {r["type"] for r in rows} == set(CALL_TYPES)
    assert all(r["source"] == "motleyfool" for r in answerable)
    assert all(r["type"] == "unanswerable" and r["unanswerable_reason"] in REASONS_2
               for r in unanswerable)
    assert {r["unanswerable_reason"] for r in unanswerable} == set(REASONS_2)
    for got, lost, counts in question_parts(rows):
        assert len(got) >= 40
        assert set(counts) == set(CALL_TYPES) - {"unanswerable"} and min(counts.values()) >= 5
        assert len(lost) >= 6
    # calls the first set does not use, one call per company
    first = {r.get("doc_name") for r in _rows(FIRST)}
    assert not {r["doc_name"] for r in answerable} & first
    per_company = Counter(r["ticker"] for r in answerable)
    calls = {r["ticker"]: {x["doc_name"] for x in answerable if x["ticker"] == r["ticker"]}
             for r in answerable}
    assert all(len(c) == 1 for c in calls.values())
    assert all(2 <= n <= 3 for n in per_company.values())


def test_second_set_gold_quotes_are_verbatim_in_their_calls() -> None:
    root = _calls()
    texts: dict[str, str] = {}
    for r in _rows(SECOND):
        if not r.get("doc_name"):
            continue
        name = r["doc_name"]
        if name not in texts:
            path = root / f"{name}.txt"
            assert path.exists(), (r["id"], path)
            texts[name] = reader_text(path)
            assert transcript_ticker(path) == r["ticker"], r["id"]
        assert (1 <= len(r["gold_quotes"]) <= 3) == r["answerable"], r["id"]
        for quote in r["gold_quotes"]:
            assert 8 <= len(quote.split()) <= 40, (r["id"], quote)
            assert squeezed(quote) in texts[name], (r["id"], quote)


def test_second_set_unanswerable_labels_hold_against_the_calls() -> None:
    root = _calls()
    paths = sorted(root.glob("*.txt"))
    held = {transcript_ticker(p) for p in (root.parents[1]).rglob("*")
            if p.suffix in (".pdf", ".txt")}
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in paths)
    for r in _rows(SECOND):
        reason = r.get("unanswerable_reason")
        if reason in NOT_HELD:
            assert r["source"] is None and r["ticker"] not in held, r["id"]
            if reason == "company_only_mentioned":
                assert re.search(rf"\b{re.escape(r['company'])}\b", text), r["id"]
        elif reason in ("period_not_held", "never_discussed"):
            # the company is held: the question is about a period or metric it lacks
            assert r["ticker"] in held, r["id"]
