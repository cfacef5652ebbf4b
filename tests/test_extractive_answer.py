"""What the extractive answerer quotes: claims, not headers; several sources' causes."""

from earnest.answer.extractive import ExtractiveAnswerer, states_nothing
from earnest.models import Passage
from earnest.question_plan import plan_question
from earnest.settings import AnswerSettings


def test_a_line_of_dates_and_figures_states_nothing() -> None:
    assert states_nothing("January 28, 2023 January 29, 2022")
    assert states_nothing("Three Months Ended 2023 2022 (in millions)")
    assert not states_nothing("Net sales 812.4 865.2")
    assert not states_nothing("Total 5,123 4,987")  # a total row is a claim
    assert not states_nothing("The fiscal year ended January 28, 2023.")
    assert not states_nothing("Revenue fell 7.8% in the third quarter.")


def _passage(i: int, text: str, speaker: str, score: float) -> Passage:
    return Passage(chunk_id=i, doc_id=1, doc_name="ACME_call", page_start=1, page_end=1,
                   char_start=0, char_end=len(text), text=text, context="", section="Q&A",
                   speaker=speaker, role="executive", score=score)


def test_a_why_question_gathers_each_speakers_cause_first() -> None:
    cfo = _passage(1, "Revenue declined 8% in the quarter. The decline was driven by lower "
                      "industrial volumes. The decrease was also due to weaker pricing in "
                      "Europe. Revenue decline reflected fewer shipping days.", "CFO", 0.9)
    ceo = _passage(2, "Revenue declined because automotive customers destocked inventory.",
                   "CEO", 0.6)
    answerer = ExtractiveAnswerer(AnswerSettings(max_sentences=3))
    draft = answerer.answer(plan_question("Why did revenue decline?"), [cfo, ceo])
    speakers = {c.speaker for c in draft.citations}
    assert speakers == {"CFO", "CEO"}  # the CEO's different reason is not crowded out
    header = _passage(3, "January 28, 2023 January 29, 2022\nRevenue was $5.2 billion.", "",
                      0.9)
    quoted = answerer.answer(plan_question("What was revenue in 2023?"), [header]).citations
    assert [c.quote for c in quoted] == ["Revenue was $5.2 billion."]
