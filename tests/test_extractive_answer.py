"""What the extractive answerer quotes: claims, not headers; several sources' causes."""

from earnest.answer.extractive import ExtractiveAnswerer, period_agrees
from earnest.models import Passage
from earnest.question_plan import plan_question
from earnest.settings import AnswerSettings
from earnest.statement_cues import states_cause, states_nothing


def test_a_line_of_dates_and_figures_states_nothing() -> None:
    assert states_nothing("January 28, 2023 January 29, 2022")
    assert states_nothing("Three Months Ended 2023 2022 (in millions)")
    assert states_nothing("NOVEMBER 16, 2016 / 9:30PM GMT")  # when a call was held
    assert states_nothing("July 21, 2011 5:00 p.m. ET")
    assert not states_nothing("Net sales 812.4 865.2")
    assert not states_nothing("Total 5,123 4,987")  # a total row is a claim
    assert not states_nothing("The fiscal year ended January 28, 2023.")
    assert not states_nothing("Revenue fell 7.8% in the third quarter.")


def _passage(i: int, text: str, speaker: str, score: float) -> Passage:
    return Passage(chunk_id=i, doc_id=1, doc_name="ACME_call", page_start=1, page_end=1,
                   char_start=0, char_end=len(text), text=text, section="Q&A",
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


def _doc(i: int, text: str, doc_id: int = 1, name: str = "ACME_10K", score: float = 0.8
         ) -> Passage:
    return Passage(chunk_id=i, doc_id=doc_id, doc_name=name, page_start=1, page_end=1,
                   char_start=0, char_end=len(text), text=text, score=score)


_ANSWERER = ExtractiveAnswerer(AnswerSettings(max_sentences=3))


def test_a_dateline_and_headline_are_not_glued_to_the_sentence() -> None:
    text = ("Acme Reports Record Third Quarter Results\n"
            "SPRINGFIELD, Illinois — October 30, 2023 — Acme Corp. today reported revenue of "
            "$5.2 billion for the third quarter, up 8% year over year.(1) Margins widened.")
    draft = _ANSWERER.answer(plan_question("What revenue did Acme report for the third quarter?"),
                             [_doc(1, text)])
    first = draft.citations[0].quote
    assert first.startswith("Acme Corp. today reported revenue")
    assert first.endswith("year over year.")  # the footnote marker "(1)" left out
    assert text[draft.citations[0].char_start:draft.citations[0].char_end] == first
    assert all("SPRINGFIELD" not in c.quote and "Record Third" not in c.quote
               for c in draft.citations)


def test_header_rows_headings_and_year_columns_are_never_cited() -> None:
    text = ("Revenue by Quarter\nJanuary 28, 2023 January 29, 2022\n2023\n2022\n2021\n"
            "Revenue was $26.97 billion for fiscal 2023, flat from a year ago.")
    draft = _ANSWERER.answer(plan_question("What was revenue in fiscal 2023?"), [_doc(1, text)])
    assert [c.quote for c in draft.citations] == [
        "Revenue was $26.97 billion for fiscal 2023, flat from a year ago."]


_REGIONS = """Segment Results
Latin America (LATAM)
As of/ Year Ended December 31,
2022 2021 2020
(in thousands) Revenues $ 4,069,973 $ 3,576,976 $ 3,156,727
Paid memberships at end of period 41,699 39,961 37,537
Asia-Pacific (APAC)
As of/ Year Ended December 31,
2022 2021 2020
(in thousands) Revenues $ 3,570,221 $ 3,266,601 $ 2,372,300
Paid memberships at end of period 38,023 32,632 25,492
"""
_TOTALS = """Consolidated Results
Year Ended December 31,
2022 2021 2020
(in thousands)
Streaming revenues $ 31,469,000 $ 29,698,000 $ 24,757,000
Paid memberships at end of period 230,747 221,844 203,663
"""


def test_a_table_figure_is_quoted_with_its_unit_columns_and_group() -> None:
    draft = _ANSWERER.answer(
        plan_question("How many paid memberships did the company have in Latin America in 2022?"),
        [_doc(1, _REGIONS)])
    first = draft.sentences[0].text
    assert "41,699" in first
    assert first.startswith("Latin America (LATAM): Paid memberships at end of period")
    assert "in thousands" in first and "2022 2021 2020" in first
    assert draft.citations[0].quote == "Paid memberships at end of period 41,699 39,961 37,537"
    assert draft.citations[0].columns == "2022 2021 2020"


def test_the_total_is_preferred_when_a_company_wide_figure_is_asked() -> None:
    draft = _ANSWERER.answer(plan_question("What were paid memberships at end of period in 2022?"),
                             [_doc(1, _REGIONS, score=0.9), _doc(2, _TOTALS, score=0.7)])
    assert "230,747" in draft.citations[0].quote
    assert "in thousands" in draft.sentences[0].text


def test_a_document_of_another_period_gives_way_to_the_named_one() -> None:
    q2 = _doc(1, "Revenue was $4.1 billion, up 3% from a year ago.", doc_id=1,
              name="ACME_Q2_2022", score=0.9)
    q4 = _doc(2, "Revenue was $4.6 billion, up 9% from a year ago.", doc_id=2,
              name="ACME_Q4_2022", score=0.6)
    periods = {1: (2022, 2), 2: (2022, 4)}
    answerer = ExtractiveAnswerer(AnswerSettings(max_sentences=1), period_of=periods.get)
    draft = answerer.answer(plan_question("What was revenue in Q4 2022?"), [q2, q4])
    assert [c.doc_name for c in draft.citations] == ["ACME_Q4_2022"]
    # The quarter before may answer for the next one's outlook; a question naming no period
    # keeps the retrieval order.
    assert period_agrees([(2022, 4)], (2022, 3)) and not period_agrees([(2022, 4)], (2022, 2))
    plain = answerer.answer(plan_question("What was revenue?"), [q2, q4])
    assert [c.doc_name for c in plain.citations] == ["ACME_Q2_2022"]


def test_a_why_question_gathers_two_speakers_causes_read_by_syntax() -> None:
    cfo = _passage(1, "Gross margin fell to 41% in the quarter. As a result of lower factory "
                      "utilization, costs per unit rose. Revenue was impacted by more than "
                      "$200 million.", "Ann Lee (CFO)", 0.9)
    analyst_turn = _passage(2, "Gross margin also came under pressure. Consequently, pricing "
                               "was cut.", "Bo Chan (CEO)", 0.7)
    draft = _ANSWERER.answer(plan_question("What drove the gross margin decline?"),
                             [cfo, analyst_turn])
    quotes = [c.quote for c in draft.citations]
    assert quotes[0].startswith("As a result of lower factory utilization")  # a cause leads
    assert "Gross margin also came under pressure." in quotes  # its effect follows it
    assert {c.speaker for c in draft.citations} == {"Ann Lee (CFO)", "Bo Chan (CEO)"}
    assert states_cause("Revenue was impacted by more than $200 million.") is None
    assert states_cause("Revenue was impacted by weaker demand.") == "forward"
    assert states_cause("As a result, margins fell.") == "back"
    assert states_cause("As a result of lower demand, sales fell.") == "forward"


def test_page_furniture_is_no_group_heading() -> None:
    from earnest.answer.tables import row_context

    before = "Table of Contents\nYear Ended December 31,\n2022 2021\n(in millions)\n"
    ctx = row_context(before, "Revenues 4,069 3,576")
    assert ctx.group is None and ctx.unit == "(in millions)" and ctx.columns == "2022 2021"


def test_a_question_asking_for_a_figure_leads_with_one() -> None:
    definition = _doc(1, "A paid membership is defined as a membership of the service that "
                         "has the right to receive it at the end of a free trial in 2022.",
                      score=0.9)
    figure = _doc(2, "Paid memberships at end of period were 230,747 thousand.", score=0.7)
    draft = _ANSWERER.answer(plan_question("How many paid memberships did the service have "
                                           "at the end of 2022?"), [definition, figure])
    assert "230,747" in draft.sentences[0].text
    # A question asking for no figure keeps the best-ranked passage's sentence first; a year
    # alone ("in 2022") is no figure.
    plain = _ANSWERER.answer(plan_question("What is a paid membership of the service?"),
                             [definition, figure])
    assert plain.sentences[0].text.startswith("A paid membership is defined")


def test_what_an_analyst_asked_is_answered_with_their_questions() -> None:
    text = "Can you talk about how pricing is affecting demand in Europe?"
    asked = Passage(chunk_id=1, doc_id=1, doc_name="ACME_call", page_start=1, page_end=1,
                    char_start=0, char_end=len(text), text=text, section="Q&A",
                    speaker="Sam Lee (Analyst, Example Securities)", role="analyst", score=0.9)
    draft = _ANSWERER.answer(plan_question("What did Sam Lee ask about pricing in Europe?"),
                             [asked])
    assert [c.quote for c in draft.citations] == [text]
    # A question is still no claim in an answer to anything else.
    other = _ANSWERER.answer(plan_question("How is pricing affecting demand in Europe?"),
                             [asked])
    assert not other.citations


def test_what_an_analyst_asked_leads_with_the_question_they_asked() -> None:
    text = ("I wanted to follow up on pricing in Europe and the margin there. Is pricing in "
            "Europe holding up as demand slows?")
    turn = Passage(chunk_id=1, doc_id=1, doc_name="ACME_call", page_start=1, page_end=1,
                   char_start=0, char_end=len(text), text=text, section="Q&A",
                   speaker="Sam Lee (Analyst, Example Securities)", role="analyst", score=0.9)
    draft = _ANSWERER.answer(plan_question("What did Sam Lee ask about pricing in Europe?"),
                             [turn])
    assert draft.sentences[0].text == "Is pricing in Europe holding up as demand slows?"


def test_an_outlook_question_leads_with_the_guidance() -> None:
    """Asked what was expected, the sentence giving the expectation (a forward verb and a
    figure) leads, not the one reporting the quarter the same passage opens with."""
    call = _passage(1, "Gross margin for the quarter was 51.5% on a richer product mix. We "
                       "anticipate gross margin between 49% and 50% next quarter.", "CFO", 0.9)
    for question in ("What gross margin did ACME guide?", "What gross margin did ACME "
                     "forecast?", "What was ACME's gross margin guidance?"):
        draft = _ANSWERER.answer(plan_question(question), [call])
        assert draft.sentences[0].text.startswith("We anticipate"), question
    # Asked what was reported, the reported figure keeps its place.
    reported = _ANSWERER.answer(plan_question("What gross margin did ACME report?"), [call])
    assert reported.sentences[0].text.startswith("Gross margin for the quarter")


def test_what_an_analyst_asked_is_their_questions_not_a_list_naming_them() -> None:
    """"What did Sam Lee ask on ACME's Q2 2011 call?" names no topic: the participants' list
    holds more of its words than Sam Lee's questions do, but his questions answer it."""
    participants = _passage(1, "Conference Call Participants: Sam Lee Example Securities - "
                               "Analyst. Ann Fox Globex Capital - Analyst. ACME Q2 2011 "
                               "earnings call.", "", 0.95)
    participants.role = None
    turn = _passage(2, "Thanks for taking my question. Will the board name a new chief "
                       "executive this quarter? And how should we think about pricing?",
                    "Sam Lee (Analyst, Example Securities)", 0.8)
    turn.role = "analyst"
    draft = _ANSWERER.answer(plan_question("What did Sam Lee ask on ACME's Q2 2011 call?"),
                             [participants, turn])
    assert draft.citations and draft.citations[0].speaker.startswith("Sam Lee")
    assert draft.citations[0].quote.endswith("?")
