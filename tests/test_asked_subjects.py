"""A question about something its documents never mention is answered "not found"."""

from __future__ import annotations

from earnest import Earnest
from earnest.asked_subjects import asked_nouns


def test_the_nouns_of_the_noun_phrases() -> None:
    assert asked_nouns("What methane emissions intensity did Chevron report on its Q4 2021 "
                       "earnings call?") == ["methane", "emissions", "intensity", "earnings"]
    assert asked_nouns("How much did AutoZone spend on advertising in its fiscal fourth "
                       "quarter of 2021?") == ["advertising"]
    # Names (capitalised) are the library check's; verbs outside a noun phrase are not read.
    assert asked_nouns("How many Vision Pro headsets did Apple sell in the September "
                       "quarter?") == ["headsets"]
    assert asked_nouns("How many tests does Danaher now plan to ship?") == ["tests"]
    # Units, shell nouns and the period's words ask about nothing a document must say.
    assert asked_nouns("By what percent did the type of debt grow in the first quarter?") \
        == ["debt"]


def test_a_cause_question_reads_only_words_that_cannot_be_verbs() -> None:
    question = "What explains the jump in the Merchant segment's margin?"
    assert asked_nouns(question) == ["jump", "segment", "margin"]
    assert asked_nouns(question, cause=True) == ["margin"]


def test_a_question_in_one_case_reads_every_word() -> None:
    assert asked_nouns("what pension contributions did acme make?") == [
        "pension", "contributions"]
    assert asked_nouns("What pension contributions did Acme make?") == [
        "pension", "contributions"]



def test_a_subject_the_documents_never_mention_is_not_found(loaded: Earnest) -> None:
    answer = loaded.ask("What methane emissions did ACME report in the third quarter of "
                        "2023?")
    assert answer.status == "not_found" and not answer.citations
    assert answer.understanding["not_mentioned"] == ["methane", "emissions"]
    assert "“methane” or “emissions”" in answer.answer and "never mention" in answer.answer
    assert answer.passages  # the closest passages are still shown
    # What the documents do speak of is answered, in the words they use for it.
    for question in ("What backlog did ACME report in the third quarter of 2023?",
                     "How much did ACME spend on share repurchases in Q3 2023?",
                     "What did ACME say about its dividends in Q3 2023?"):
        answer = loaded.ask(question)
        assert "not_mentioned" not in answer.understanding, question
        assert answer.status == "answered", question


def test_a_filter_naming_documents_skips_the_check(loaded: Earnest) -> None:
    from earnest import Filters

    answer = loaded.ask("What methane emissions did ACME report?",
                        filters=Filters(doc_names=["ACME_Q3_2023_call"]))
    assert "not_mentioned" not in answer.understanding


def test_no_llm_call_for_a_subject_never_mentioned(loaded_with_llm: Earnest,
                                                   scripted_llm) -> None:
    answer = loaded_with_llm.ask("What methane emissions did ACME report in Q3 2023?",
                                 llm=True)
    assert answer.status == "not_found" and scripted_llm.requests == []
    assert answer.understanding["not_mentioned"] == ["methane", "emissions"]


def test_the_check_reads_the_companys_documents_of_the_same_year(loaded: Earnest,
                                                                 tmp_path) -> None:
    """A year's calls speak of one business, each in its own words: what another call of
    the same year names is not "never mentioned"; what only another year's call names is."""
    folder = tmp_path / "more"
    folder.mkdir()
    for quarter, year, said in (("Q1", 2023, "Our hedging program covered most of the "
                                 "copper we buy this year."),
                                ("Q4", 2022, "Warranty reserves rose with the older "
                                 "installed base.")):
        (folder / f"ACME_{quarter}_{year}_call.txt").write_text(
            f"ACME {quarter} {year} Earnings Call Transcript\n\nPrepared Remarks:\n\n"
            f"Operator\nWelcome to the ACME call.\n\nJane Doe -- Chief Financial Officer\n"
            f"Thank you. {said} Net sales were steady.\n", encoding="utf-8")
    assert loaded.ingest([folder]).count("ingested") == 2
    same_year = loaded.ask("What did ACME say about its hedging program in Q3 2023?")
    assert "not_mentioned" not in same_year.understanding
    other_year = loaded.ask("What did ACME say about warranty reserves in Q3 2023?")
    assert other_year.status == "not_found"
    assert other_year.understanding["not_mentioned"] == ["warranty", "reserves"]
    assert "same years" in other_year.answer
