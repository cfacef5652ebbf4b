"""End to end on real documents from ../shared/data (skipped with a message when absent)."""

import json
from pathlib import Path

import pytest

from earnest import Earnest
from earnest.evaluation import eval_facts, fact_question
from earnest.figures import contains_numbers

from .conftest import shared_data


def test_financebench_cash_flow_row(library: Earnest) -> None:
    pdf = shared_data("financebench/pdfs/3M_2018_10K.pdf")
    report = library.ingest([pdf])
    assert report.files[0].status == "ingested" and report.files[0].pages == 160
    answer = library.ask("What is the FY2018 capital expenditure amount (in USD millions) for "
                         "3M? Give a response to the question by relying on the details shown "
                         "in the cash flow statement.", k=10)
    pages = [p.page_start for p in answer.passages]
    assert 60 in pages[:5]  # the statement of cash flows (gold page index 59, 0-based)
    for c in answer.citations:
        assert library.page_text(c.doc_name, c.page)[c.char_start:c.char_end] == c.quote


def test_refinitiv_transcript_speakers(library: Earnest) -> None:
    pdf = shared_data("transcripts/refinitiv/2015-07-21-AAPL.pdf")
    library.ingest([pdf])
    answer = library.ask("What did the CFO say about gross margin?")
    assert answer.status == "answered"
    speakers = {c.speaker for c in answer.citations}
    assert any(s and s.startswith("Luca Maestri") for s in speakers), speakers


def test_motleyfool_fact_is_found(library: Earnest, tmp_path: Path) -> None:
    folder = shared_data("transcripts/motleyfool")
    txt = folder / "transcripts" / "AAN_q1_2021.txt"
    library.ingest([txt])
    facts = [json.loads(line) for line in (folder / "facts.jsonl").open()
             if json.loads(line)["doc_name"] == "AAN_q1_2021"]
    fact = facts[0]
    answer = library.ask(fact_question(fact["doc_name"], fact["fact"], fact["numbers"]))
    assert any(contains_numbers(p.text, fact["numbers"]) for p in answer.passages[:5])
    (tmp_path / "facts.jsonl").write_text("".join(json.dumps(f) + "\n" for f in facts))
    report = eval_facts(library, tmp_path)
    assert report.questions == len(facts) and report.recall[10] >= report.recall[1] > 0.5


def test_missing_shared_data_skips_with_reason(monkeypatch) -> None:
    from . import components, conftest

    monkeypatch.setattr(conftest, "SHARED_DATA", Path("/nonexistent/shared/data"))
    monkeypatch.setattr(components, "MISSING", {})  # this absence is staged, not the run's
    monkeypatch.delenv("EARNEST_REQUIRE_ALL", raising=False)
    with pytest.raises(pytest.skip.Exception, match="development data not found"):
        shared_data("financebench")
    monkeypatch.setenv("EARNEST_REQUIRE_ALL", "1")
    with pytest.raises(pytest.fail.Exception, match="required .* development data not found"):
        shared_data("financebench")


def test_speaker_turns_match_the_participant_lists() -> None:
    """The full check is bench/speakers.py; here a sample of both layouts."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("speakers", root / "bench" / "speakers.py")
    speakers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(speakers)
    mf = sorted(shared_data("transcripts/motleyfool/transcripts").glob("*.txt"))[::20]
    se = sorted(shared_data("transcripts/refinitiv").glob("*.pdf"))[::30]
    for files, expect in ((mf, speakers.expected_motleyfool),
                          (se, speakers.expected_streetevents)):
        result = speakers.run(files, expect)
        assert result["expected_turns"] > 100
        assert result["recall"] >= 0.98 and result["precision"] >= 0.98, result


def test_an_event_brief_summary_is_cited_by_section_and_speaker() -> None:
    """A real StreetEvents Event Brief: its summary is not the call's title block."""
    from earnest.readers import read_document
    from earnest.structure import transcript_segments

    pdf = shared_data("transcripts/refinitiv/2019-04-30-AAPL.pdf")
    pages = read_document(pdf.read_bytes(), pdf.name).pages
    segments, turns = transcript_segments(pages)
    sections = [s.section for s in segments]
    assert sections.count("Title") == 1
    assert {"Overview", "Financial data"} <= set(sections)
    summary = {s.speaker for s in segments if s.section == "Presentation summary"}
    assert any(s and s.startswith("Timothy D. Cook") for s in summary)
    assert any(s and s.startswith("Luca Maestri") for s in summary)
    assert None not in summary
    assert {t.section for t in turns} == {"Q&A"}
