"""`earnest eval questions`: scoring on a real library of the bundled sample call, and the
held-out split rule."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from earnest import Earnest
from earnest.cli import app
from earnest.errors import InputError
from earnest.eval_questions import eval_questions, first_sentence_holds, holds
from earnest.eval_report import write_reports
from earnest.eval_split import assign, check_split, part_of
from earnest.samples import sample_dir

CALL = "NWIN_Q3_FY2024_earnings_call"
QUESTIONS = [
    {"id": "found", "type": "why", "answerable": True, "ticker": "NWIN", "source": "motleyfool",
     "question": "Why did Northwind Instruments' revenue decline in Q3 fiscal 2024?",
     "doc_name": CALL, "gold_quotes": [
         "The decline was driven by lower shipments of our industrial sensor line to European "
         "automotive customers, who reduced inventory as their own production slowed."]},
    {"id": "absent", "type": "figure", "answerable": True, "ticker": "NWIN",
     "source": "motleyfool", "question": "How much factory capacity did Northwind add in Ohio "
     "in Q3 fiscal 2024?", "doc_name": CALL, "gold_quotes": [
         "Northwind opened a new factory in Ohio with capacity for two million sensors a year."]},
    {"id": "costco", "type": "unanswerable", "answerable": False, "ticker": "COST",
     "source": None, "question": "What was Costco's membership fee income in fiscal Q1 2024?",
     "doc_name": None, "gold_quotes": [], "unanswerable_reason": "company_not_held"},
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_eval_questions_scores_found_absent_and_unanswerable(library: Earnest,
                                                             tmp_path: Path) -> None:
    library.ingest([sample_dir() / f"{CALL}.txt"])
    report = eval_questions(library, _write(tmp_path / "q.jsonl", QUESTIONS), llm=False)
    rows = {r["id"]: r for r in report.rows}
    assert report.questions == 2 and report.extra["unanswerable"] == 1
    # the gold quote is in the call: some passage of it holds the quote
    assert rows["found"]["hit_rank"] is not None and rows["found"]["gold_doc_held"]
    # a quote the call does not contain is never found, however the question ranks
    assert rows["absent"]["hit_rank"] is None and not rows["absent"]["cited_hit"]
    assert report.recall[10] == 0.5 and report.by_type["figure"]["@10"] == 0.0
    # the measures follow the rows, whatever Earnest answered
    assert report.extra["unanswerable_not_found"] == float(rows["costco"]["status"]
                                                           == "not_found")
    assert report.extra["unanswerable_by_reason"]["company_not_held"]["n"] == 1
    assert report.extra["false_not_found"] == sum(
        rows[i]["status"] == "not_found" for i in ("found", "absent")) / 2
    assert report.extra["first_sentence_holds_gold"] == sum(
        rows[i]["first_sentence_hit"] for i in ("found", "absent")) / 2
    assert report.extra["split"] == "all" and report.name == "questions"
    json_path, md_path = write_reports(report, tmp_path / "out")
    assert json.loads(json_path.read_text())["cited_at_5"] == report.extra["cited_at_5"]
    assert "unanswerable answered \"not found\"" in md_path.read_text()


def test_eval_questions_cli_and_split(library: Earnest, tmp_path: Path) -> None:
    library.ingest([sample_dir() / f"{CALL}.txt"])
    rows = QUESTIONS + [dict(QUESTIONS[2], id="tesla", ticker="TSLA",
                             question="What did Tesla say about margins in Q3 2023?")]
    file = _write(tmp_path / "q.jsonl", rows)
    splits = {"not_held": {"tune": ["TSLA"], "holdout": ["COST"]}, "motleyfool": {}}
    report = eval_questions(library, file, split="holdout", splits=splits, llm=False)
    assert [r["id"] for r in report.rows] == ["costco"] and report.name == "questions-holdout"
    assert report.extra["split_companies"]["not_held"] == ["COST"]
    result = CliRunner().invoke(app, ["eval", "questions", str(file), "--library",
                                      str(library.home), "--out", str(tmp_path / "out"),
                                      "--json", "--no-llm"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["answerable"] == 2 and summary["unanswerable"] == 2
    assert (tmp_path / "out" / "eval-questions.md").exists()
    bad = CliRunner().invoke(app, ["eval", "questions", str(file), "--library",
                                   str(library.home), "--split", "half", "--json"])
    assert bad.exit_code == 1 and "tune, holdout or all" in bad.output


def test_bad_questions_file_is_a_user_error(library: Earnest, tmp_path: Path) -> None:
    file = _write(tmp_path / "q.jsonl", [{"question": "Why?", "type": "why",
                                          "answerable": True}])
    with pytest.raises(InputError, match="no doc_name or gold_quotes"):
        eval_questions(library, file)


def test_a_passage_holds_a_quote() -> None:
    passage = ("Thanks, Maria. Gross margin was 41.2% in the third quarter, compared with "
               "43.5% in the third quarter of fiscal 2023. The 230 basis point decline")
    assert holds(passage, "gross margin was 41.2%   in the third quarter")  # substring
    # cut by a chunk boundary: 80% of the words, in order, in runs
    assert holds(passage, "compared with 43.5% in the third quarter of fiscal 2023. The 230 "
                 "basis point decline reflects lower factory utilization")
    # the same words scattered do not count
    assert not holds(passage, "the quarter in 2023 fiscal margin was decline the third")
    # >= 50% of the quote's content words (8 of 11 here)
    assert first_sentence_holds("Margin fell as the decline reflects lower factory "
                                "utilization on reduced sensor volumes.",
                                ["The 230 basis point decline reflects lower factory "
                                 "utilization on reduced sensor volumes"])
    assert not first_sentence_holds("Gross margin fell on lower factory utilization.",
                                    ["The 230 basis point decline reflects lower factory "
                                     "utilization on reduced sensor volumes"])
    # the same words with other figures are another year's news
    gold = ["These actions will impact up to 6,000 employees, representing approximately 8% "
            "of our global workforce."]
    assert not first_sentence_holds("The restructuring will impact up to 5,500 employees, "
                                    "representing approximately 7% of our global workforce.",
                                    gold)
    assert first_sentence_holds("The restructuring will impact up to 6,000 employees, about "
                                "8% of our global workforce, in fiscal 2015.", gold)
    # a period label is no figure
    assert first_sentence_holds("In 3Q16 margin expanded on higher factory utilization and "
                                "lower costs.", ["Margin expanded 230 basis points on higher "
                                                 "factory utilization and lower costs."])


def test_split_rule_is_deterministic_disjoint_and_complete() -> None:
    keys = ["3M", "Amazon", "Boeing", "Netflix", "Corning", "Verizon", "Block"]
    a, b = assign(keys), assign(reversed(keys + keys))
    assert a == b
    assert not set(a["tune"]) & set(a["holdout"])
    assert sorted(a["tune"] + a["holdout"]) == sorted(keys)
    assert len(a["tune"]) == 4 and len(a["holdout"]) == 3  # ceil(n/2) tune
    splits = {"refinitiv": a}
    assert part_of(splits, "refinitiv", a["holdout"][0]) == "holdout"
    assert part_of(splits, "refinitiv", "NOPE") is None
    with pytest.raises(InputError):
        check_split("test")


def test_split_selects_financebench_and_facts_by_company(library: Earnest,
                                                          tmp_path: Path) -> None:
    from earnest.evaluation import eval_facts, eval_financebench

    library.ingest([sample_dir()])
    fb = tmp_path / "fb"
    fb.mkdir()
    release = "NWIN_Q3_FY2024_earnings_release"
    # labelled with a held-out FinanceBench company, to see the filter follow the label
    _write(fb / "documents.jsonl", [{"doc_name": release, "company": "Boeing"}])
    _write(fb / "questions.jsonl", [{
        "financebench_id": "q1", "question": "What was Northwind's third quarter revenue?",
        "doc_name": release, "question_type": "metrics-generated",
        "evidence": [{"doc_name": release, "evidence_page_num": 0}]}])
    holdout = eval_financebench(library, fb, split="holdout", llm=False)
    tune = eval_financebench(library, fb, split="tune", llm=False)
    assert (holdout.questions, tune.questions) == (1, 0)
    assert holdout.name == "financebench-holdout" and "Boeing" in \
        holdout.extra["split_companies"]["financebench"]
    assert "split: holdout" in holdout.markdown()
    facts = tmp_path / "facts"
    facts.mkdir()
    _write(facts / "facts.jsonl", [
        {"doc_name": CALL, "fact": "q3 revenue $412.6 million.", "numbers": ["412.6"]}])
    # NWIN is in no development set: in neither part, and in `all`
    assert eval_facts(library, facts, split="holdout", llm=False).questions == 0
    assert eval_facts(library, facts, llm=False).questions == 1
