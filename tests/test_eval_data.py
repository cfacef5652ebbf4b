"""The committed evaluation data against ../shared/data: the held-out split is what its rule
gives, and every gold quote of eval/transcript_questions.jsonl is verbatim in its document as
Earnest's reader gives it (skipped with a message when ../shared is absent)."""

import json
from collections import Counter
from pathlib import Path

from earnest.eval_questions import CALL_TYPES, REASONS, select
from earnest.eval_split import (
    SPLITS_FILE,
    build_splits,
    financebench_companies,
    load_splits,
    select_facts,
    select_financebench,
    transcript_ticker,
)

from .conftest import reader_text, shared_data, squeezed

QUESTIONS_FILE = Path(__file__).resolve().parents[1] / "eval" / "transcript_questions.jsonl"


def _questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS_FILE.read_text(encoding="utf-8")
            .splitlines() if line.strip()]


def test_committed_split_is_the_rule_over_the_data() -> None:
    root = shared_data()
    committed = load_splits(SPLITS_FILE)
    assert committed == build_splits(root, not_held=committed["not_held"]["tune"]
                                     + committed["not_held"]["holdout"])
    assert (len(committed["financebench"]["tune"]), len(committed["financebench"]["holdout"])) \
        == (7, 6)
    for name in ("financebench", "refinitiv", "motleyfool", "not_held"):
        tune, holdout = set(committed[name]["tune"]), set(committed[name]["holdout"])
        assert tune and holdout and not tune & holdout


def test_financebench_parts_mix_question_types_and_partition_the_set() -> None:
    data = shared_data("financebench")
    questions = [json.loads(line) for line in (data / "questions.jsonl").open()]
    tune = select_financebench(questions, data, "tune")
    holdout = select_financebench(questions, data, "holdout")
    assert len(tune) + len(holdout) == len(questions)
    types = {q["question_type"] for q in questions}
    assert {q["question_type"] for q in tune} == types == {q["question_type"] for q in holdout}
    companies = financebench_companies(data)
    assert not {companies[q["doc_name"]] for q in tune} & \
        {companies[q["doc_name"]] for q in holdout}


def test_facts_parts_partition_the_set() -> None:
    data = shared_data("transcripts/motleyfool")
    facts = [json.loads(line) for line in (data / "facts.jsonl").open()]
    tune, holdout = select_facts(facts, data, "tune"), select_facts(facts, data, "holdout")
    assert tune and holdout and len(tune) + len(holdout) == len(facts)
    assert not {f["doc_name"] for f in tune} & {f["doc_name"] for f in holdout}


def test_transcript_questions_are_well_formed_and_spread() -> None:
    rows = _questions()
    assert len({r["id"] for r in rows}) == len(rows)
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    assert len(answerable) >= 80 and len(unanswerable) >= 20
    assert {r["type"] for r in rows} == set(CALL_TYPES)
    assert {r["source"] for r in answerable} == {"refinitiv", "motleyfool"}
    assert all(r["unanswerable_reason"] in REASONS for r in unanswerable)
    assert all(r["type"] == "unanswerable" for r in unanswerable)
    splits = load_splits(SPLITS_FILE)
    holdout = select(answerable, "holdout", splits)
    tune = select(answerable, "tune", splits)
    assert len(holdout) >= 30 and tune and len(holdout) + len(tune) == len(answerable)
    assert Counter(r["type"] for r in holdout).keys() == Counter(
        r["type"] for r in tune).keys()
    assert len(select(unanswerable, "holdout", splits)) + len(
        select(unanswerable, "tune", splits)) == len(unanswerable)


def test_companies_not_held_are_in_no_development_set() -> None:
    root = shared_data()
    held = {transcript_ticker(p) for p in (root / "transcripts").rglob("*")
            if p.suffix in (".pdf", ".txt")}
    fb = {c.lower() for c in financebench_companies(root / "financebench").values()}
    for r in _questions():
        if r.get("unanswerable_reason") == "company_not_held":
            assert r["ticker"] not in held, r["id"]
            assert r["company"].lower() not in fb, r["id"]


def test_gold_quotes_are_verbatim_in_the_documents() -> None:
    root = shared_data("transcripts")
    texts: dict[str, str] = {}
    for r in _questions():
        if not r["answerable"] and not r.get("doc_name"):
            continue
        name = r["doc_name"]
        if name not in texts:
            path = (root / "refinitiv" / f"{name}.pdf" if r["source"] == "refinitiv"
                    else root / "motleyfool" / "transcripts" / f"{name}.txt")
            assert path.exists(), (r["id"], path)
            texts[name] = reader_text(path)
        assert 1 <= len(r["gold_quotes"]) <= 3 or not r["answerable"], r["id"]
        for quote in r["gold_quotes"]:
            assert 8 <= len(quote.split()) <= 40, (r["id"], quote)
            assert squeezed(quote) in texts[name], (r["id"], quote)
