"""Reranking rules that need no library: spans of time in table headings, repeated pages."""

import numpy as np

from earnest.models import Passage, split_matched_text
from earnest.question_plan import plan_question
from earnest.retrieval import demote_repeats, span_matches, support_of_neighbours


def passage(chunk_id: int, doc_id: int, page: int, context: str = "", score: float = 0.0,
            text: str = "") -> Passage:
    title, headings = split_matched_text(context)
    return Passage(chunk_id, doc_id, f"DOC{doc_id}", page, page, 0, len(text), text,
                   title=title, headings=headings, score=score)


def with_and_without(stage: str, tmp_path, embedder, files, read, **settings) -> dict:
    """``read(library)`` on a library of ``files``, keyed False with every stage on and True
    with ``stage`` off: what the stage changes."""
    from earnest import Earnest, Settings

    out = {}
    for off in (False, True):
        loaded = Settings.load(tmp_path / f"lib{int(off)}", env={},
                               retrieve__disabled=[stage] if off else [], **settings)
        with Earnest(loaded, embedder=embedder) as lib:
            lib.ingest(files)
            out[off] = read(lib)
    return out


def test_a_year_question_wants_the_twelve_months_columns_of_a_release() -> None:
    release = [passage(1, 1, 11, "Reconciliation Three Months Ended June 30, 2023"),
               passage(2, 1, 12, "Twelve Months Ended June 30, 2023"),
               passage(3, 2, 40, "Consolidated Statements of Income Years ended December 31")]
    assert span_matches(plan_question("Adjusted EBITDA for FY 2023"), release) == {2: 1.0}
    # A quarter question wants the other columns; the 10-K (one span only) never gains.
    assert span_matches(plan_question("Adjusted EBITDA in Q4 2023"), release) == {1: 1.0}
    assert span_matches(plan_question("What is Adjusted EBITDA?"), release) == {}


def test_a_near_copy_of_a_better_page_gives_way() -> None:
    same, other = np.array([1.0, 0.0]), np.array([0.6, 0.8])
    ranked = [passage(1, 1, 6, score=1.0), passage(2, 2, 6, score=0.95),
              passage(3, 1, 2, score=0.9)]
    vectors = {1: same, 2: same, 3: other}
    order = demote_repeats(ranked, vectors, weight=0.2)
    assert [p.chunk_id for p in order] == [1, 3, 2]  # the same table from another release
    # Two passages of one page are not copies of each other, and weight 0 changes nothing.
    ranked = [passage(1, 1, 6, score=1.0), passage(2, 1, 6, score=0.95),
              passage(3, 1, 2, score=0.9)]
    assert [p.chunk_id for p in demote_repeats(ranked, vectors, 0.2)] == [1, 2, 3]
    assert [p.chunk_id for p in demote_repeats(ranked, vectors, 0.0)] == [1, 2, 3]


def test_a_passage_whose_neighbours_score_high_gains() -> None:
    """Of two passages scored alike, the one beside another good candidate of its document
    (its page or the page either side) goes first: that is where the document speaks to
    the question. A page two away, or another document's page, is no neighbour."""
    def pool() -> list[Passage]:
        return [passage(1, 1, 8, score=0.80),  # a risk factor's heading
                passage(2, 1, 9, score=0.90),  # its explanation, on the next page
                passage(3, 2, 8, score=0.80),  # as good a passage, alone in its document
                passage(4, 2, 10, score=0.60),  # two pages away: no neighbour of 3
                passage(5, 3, 8, score=0.50)]
    ranked = pool()
    support_of_neighbours(ranked, 0.15)
    score = {p.chunk_id: p.score for p in ranked}
    assert score[1] == 0.80 + 0.15 * (0.90 - 0.50) > score[3] == 0.80
    assert score[2] == 0.90 + 0.15 * (0.80 - 0.50)  # scores are read before any is raised
    assert score[4] == 0.60 and score[5] == 0.50
    # a passage sharing a page with another of its document counts it too
    same_page = [passage(1, 1, 8, score=0.8), passage(2, 1, 8, score=0.7),
                 passage(3, 2, 1, score=0.5)]
    support_of_neighbours(same_page, 0.1)
    assert [round(p.score, 6) for p in same_page] == [0.82, 0.73, 0.5]
    # weight 0 (or the stage turned off) changes nothing
    untouched = pool()
    support_of_neighbours(untouched, 0.0)
    assert [p.score for p in untouched] == [p.score for p in pool()]


def test_a_note_titled_by_the_subject_asked_about() -> None:
    from earnest.question_plan import plan_question
    from earnest.retrieval import note_match

    plan = plan_question("Has Verizon increased its debt between 2021 and 2022?")
    assert note_match(plan, "VERIZON 2022 10K", "Note 7. Debt") == 1.0
    assert note_match(plan, "VERIZON 2022 10K", "Note 11. Leases") == 0.0
    assert note_match(plan, "VERIZON 2022 10K", "Debt maturities") == 0.0  # not a note
    # The company's and the period's words name no subject.
    assert note_match(plan_question("Verizon in 2022"), "VERIZON 2022 10K", "Note 2. Verizon") == 0.0


def test_the_statement_asked_about_counts_as_relevant_evidence() -> None:
    from earnest.question_plan import plan_question
    from earnest.relevance import relevance
    from earnest.settings import Settings

    sheet = passage(1, 1, 56, "AMCOR 2023 10K | Consolidated Balance Sheets",
                    text="Total current assets 5,853 6,660\nInventories 2,199 2,439\n"
                         "Total current liabilities 5,271 6,110")
    sheet.dense_score = 0.3
    quick = plan_question("Has AMCOR's quick ratio improved between FY2023 and FY2022?")
    other = plan_question("Has AMCOR's headcount grown between FY2023 and FY2022?")
    # the balance sheet answers the quick ratio, not the headcount (the same shape of question)
    assert relevance(sheet, quick) >= Settings().answer.min_relevance > relevance(sheet, other)


def test_a_passage_not_embedded_yet_is_judged_by_its_words_alone() -> None:
    from earnest.question_plan import plan_question
    from earnest.relevance import relevance
    from earnest.settings import Settings

    plan = plan_question("What drove Acme's freight revenue decline?")
    words = passage(1, 1, 3, text="Acme freight revenue decline was driven by lower volumes")
    assert words.dense_score is None
    assert relevance(words, plan) >= Settings().answer.min_relevance
    off_topic = passage(2, 1, 4, text="The board met four times during the year")
    assert relevance(off_topic, plan) < Settings().answer.min_relevance


def test_every_rerank_feature_has_a_weight_and_can_be_turned_off(tmp_path) -> None:
    import pytest

    from earnest.errors import ConfigError
    from earnest.retrieval import RERANK_FEATURES, HybridRetriever, RerankInput, rerank_features
    from earnest.settings import Settings

    settings = Settings.load(tmp_path, env={})
    for name in RERANK_FEATURES:
        assert getattr(settings.retrieve, f"rerank_{name}") >= 0
    plan = plan_question("What did the CFO say about the balance sheet in FY2023?")
    page = passage(1, 1, 3, "ACME 2023 10K | Consolidated Balance Sheets",
                   text="Total assets 5,853 6,660")
    given = RerankInput(plan, {1: 1.0}, {1: 0.5}, {})
    values = rerank_features(page, given)
    assert set(values) == set(RERANK_FEATURES) and values["statement"] > 0
    assert set(rerank_features(page, given, {"statement"})) == set(RERANK_FEATURES) - {
        "statement"}
    with pytest.raises(ConfigError, match="statment"):
        HybridRetriever(None, None, Settings.load(  # type: ignore[arg-type]
            tmp_path, env={}, retrieve__disabled=["statment"]).retrieve)


def test_the_plan_says_what_kind_of_answer_is_wanted() -> None:
    assert plan_question("Why did revenue fall in Q3 2023?").intent == "cause"
    assert plan_question("How did MGM's revenue in FY2022 compare to FY2018?").intent == \
        "comparison"
    assert plan_question("Has Best Buy's gross margin been stable historically?").intent == \
        "trend"
    assert plan_question("What was 3M's revenue in FY2018?").intent == "figure"
    plan = plan_question("Did ACME guide for Q4 FY24?")
    assert plan.outlook and plan.periods == ((2024, 4),) and plan.years == (2024,)
    assert plan.keyword_years == ("2024",)  # "FY24" also searches for "2024"


def test_an_outlook_statement_is_an_expectation_with_a_figure() -> None:
    from earnest.statement_cues import outlook_statement

    assert outlook_statement("Thank you. We expect fourth quarter net sales between $800 "
                             "million and $830 million.") == 1.0
    assert outlook_statement("2022 production is expected to be flat to down 3% due to "
                             "contract expirations.") == 1.0
    # The safe-harbor notice lists the verbs and states no figure; results are no outlook.
    assert outlook_statement("Words such as expect, anticipate, estimate and will identify "
                             "forward-looking statements.") == 0.0
    assert outlook_statement("Revenue was $5.1 billion, up 6%.") == 0.0
    # A result measured against the guidance reports the quarter; it gives none.
    assert outlook_statement("Gross margin came in above guidance at 43.6%.") == 0.0
    assert outlook_statement("Revenue of $2.0 billion was better than expected.") == 0.0
    assert outlook_statement("Revenue was $2.0 billion, above our guidance, and we expect "
                             "$2.2 billion next quarter.") == 1.0
    assert outlook_statement("Revenue was $5.1 billion vs. guidance of $5.0 billion.") == 0.0
    # Guidance restated against itself is still guidance.
    assert outlook_statement("Full-year revenue should be in line with our outlook of $20 "
                             "billion.") == 1.0


def test_person_names_are_two_capitalised_words_in_a_row() -> None:
    from earnest.question_plan import person_names

    assert person_names("What did Neil Mehta of Goldman Sachs ask Chevron about?") == [
        "Neil Mehta", "Goldman Sachs"]
    assert person_names("What did Carolina Dybeck Happe say?") == [
        "Carolina Dybeck", "Dybeck Happe"]
    # Not the question's opening word, nor a month ("September Quarter").
    assert person_names("What Revenue did it report in the September Quarter?") == []
    # Nor any function word opening the question, nor a month after one ("In July").
    assert person_names("Had Peter Wennink seen demand fall?") == ["Peter Wennink"]
    assert person_names("In July 2015, what did Brian Olsavsky say?") == ["Brian Olsavsky"]
    assert person_names("What did Will Smith say?") == ["Will Smith"]
    assert person_names("Thanks. Did Mark Liu say more?") == ["Mark Liu"]


def _call_with_one_analyst_turn(tmp_path):
    """A call where the CFO's forty turns use the question's words and the analyst's one
    turn none of them."""
    turns = ["Operator\nWelcome to the ACME third quarter 2023 earnings call.\n"]
    for i in range(40):
        turns.append(f"Jane Doe -- Chief Financial Officer\nACME third quarter 2023 results: "
                     f"segment {i} net sales were ${100 + i} million on the call today.\n")
    turns.append("Sam Lee -- Example Securities -- Analyst\nHow should we think about "
                 "pricing in the industrial segment next year?\n")
    call = tmp_path / "ACME_Q3_2023_call.txt"
    call.write_text("ACME Q3 2023 Earnings Call Transcript\n\nPrepared Remarks:\n\n"
                    + "\n".join(turns), encoding="utf-8")
    return call


def test_a_named_speaker_turns_are_candidates(tmp_path, embedder) -> None:
    """An analyst's question shares no word with "What did Sam Lee ask?", and his name is no
    passage text: his turns in the documents asked about are searched for by speaker."""
    call = _call_with_one_analyst_turn(tmp_path)
    question = "What did Sam Lee of Example Securities ask ACME on its Q3 2023 call?"
    # Naming the CFO too, whose forty turns must not crowd his one out: each person's own.
    both = "What did Sam Lee of Example Securities ask Jane Doe on ACME's Q3 2023 call?"
    found = with_and_without(
        "dense_speaker", tmp_path, embedder, [call],
        lambda lib: {q: [p.speaker or "" for p in lib.search(q, k=5).passages]
                     for q in (question, both)}, retrieve__candidates=5)
    for asked in (question, both):
        assert any(s.startswith("Sam Lee") for s in found[False][asked]), asked
        assert not any(s.startswith("Sam Lee") for s in found[True][asked])  # the stage adds


def test_a_named_speaker_turn_is_reranked_however_fusion_ranks_it(tmp_path, embedder) -> None:
    """First in its person's ranking only, the analyst's turn fuses below the CFO's turns that
    every other generator found; with more candidates than the pool keeps, it is still
    reranked, and the speaker asked about puts it in the top five."""
    from earnest import Earnest, Settings

    loaded = Settings.load(tmp_path / "lib", env={}, retrieve__candidates=30)
    with Earnest(loaded, embedder=embedder) as lib:
        lib.ingest([_call_with_one_analyst_turn(tmp_path)])
        found = lib.search("What did Sam Lee of Example Securities ask ACME on its Q3 2023 "
                           "call?", k=5).passages
    assert any((p.speaker or "").startswith("Sam Lee") for p in found)


def test_a_person_named_without_a_company_points_at_their_company(tmp_path, embedder) -> None:
    """"What did Jane Doe say about pricing?" names no company, but Jane Doe speaks on
    ACME's calls: ACME's documents are the ones asked about. ("Lisa Su's" is Lisa Su.)"""
    from earnest.question_plan import person_names

    assert person_names("How had Lisa Su's view changed?") == ["Lisa Su"]
    calls = []
    for company, cfo in (("ACME", "Jane Doe"), ("Globex", "Hank Scorpio")):
        turns = [f"{cfo} -- Chief Financial Officer\n{company} raised prices in every "
                 f"segment this quarter; pricing added {n} points to growth.\n"
                 for n in range(3, 9)]
        call = tmp_path / f"{company}_Q3_2023_call.txt"
        call.write_text(f"{company} Q3 2023 Earnings Call Transcript\n\nPrepared Remarks:\n\n"
                        + "\n".join(turns), encoding="utf-8")
        calls.append(call)
    question = "What did Jane Doe say about pricing in the third quarter of 2023?"
    documents = with_and_without(
        "speaker_company", tmp_path, embedder, calls,
        lambda lib: lib.search(question, k=5).understanding["documents"])
    assert documents[False] == ["ACME_Q3_2023_call"]
    assert "Globex_Q3_2023_call" in documents[True]  # what the stage adds


def test_the_words_asked_together_in_one_sentence_beat_the_same_words_scattered() -> None:
    """A long turn that says "new" in one sentence and "bookings" in another covers the
    question's words as well as the sentence that answers; only the sentence has them
    together. The company's name and the period are the document's, not the sentence's."""
    from earnest.retrieval import RerankInput, rerank_features

    plan = plan_question("How big were ACME's new bookings in Q1 fiscal 2022?")
    assert plan.subject().terms == ("big", "new", "bookings")
    scattered = passage(1, 1, 1, "ACME earnings call Q1 FY2022", text=(
        "We welcomed new clients in every market. Bookings were strong in consulting. "
        "The pipeline is big and growing."))
    together = passage(2, 1, 1, "ACME earnings call Q1 FY2022", text=(
        "New bookings were a record at $16.8 billion, a big step up. Thank you."))
    given = RerankInput(plan, {1: 1.0, 2: 1.0}, {1: 1.0}, {})
    first, second = (rerank_features(p, given) for p in (scattered, together))
    assert first["coverage"] == second["coverage"]  # both have every word asked
    assert second["sentence"] == 1.0 > first["sentence"]
    # a question in title case keeps its capitalised words as what it asks about
    assert plan_question("What Was ACME's Gross Margin In Q3?").subject().terms == (
        "acme", "gross", "margin")


def test_sentence_coverage_is_the_best_sentences_coverage() -> None:
    """The shortcuts of ``sentence_coverage`` (a passage holding one word asked is not split;
    a sentence is scored once per set of words asked) give what scoring every sentence
    gives, synonyms and phrases included."""
    from earnest.retrieval import _PIECES, sentence_coverage
    from earnest.understanding import coverage

    texts = ["Revenue was flat in Europe. Our costs rose a lot.",
             "We made purchases of new plants. Property is fine. Equipment grew.",
             "Sales rose 4% in the quarter.\nNet sales 1,200 1,150\nGross margin fell.",
             "İİİİİ grew new. Bookings were big. New bookings were a record.",
             ""]
    questions = ["What was revenue growth at ACME?", "How much did capital expenditure grow?",
                 "Why did gross margin fall while net sales rose?",
                 "How big were ACME's new bookings?"]
    for question in questions:
        subject = plan_question(question).subject()
        for text in texts:
            context = "ACME earnings call"
            each = [coverage(subject, f"{context}\n{piece}") for piece in _PIECES.split(text)]
            assert sentence_coverage(subject, text, context) == \
                max([coverage(subject, context), *each]), (question, text)


def test_the_speaker_asked_about_outranks_a_role_and_whom_they_addressed() -> None:
    """In "What did Romit Shah ask about the search for a new CEO?" the CEO is asked about,
    not asked: among passages where Romit Shah speaks, the CEO's turns get no speaker
    match. Of two people named, the first is asked about ("What did Ittai Kidron challenge
    Chuck Robbins on?"). A transcript's misspelt surname still names the speaker."""
    from earnest.models import Passage
    from earnest.question_plan import plan_question

    def turn(speaker: str, role: str) -> Passage:
        return Passage(chunk_id=1, doc_id=1, doc_name="d", page_start=1, page_end=1,
                       char_start=0, char_end=1, text="x", speaker=speaker, role=role)

    plan = plan_question("What did Romit Shah ask about the search for a new CEO?")
    ceo = turn("Thomas Seifert (interim CEO, SVP & CFO)", "executive")
    analyst = turn("Romit Shah (Analyst, Nomura Securities)", "analyst")
    assert plan.speaker_match(ceo.role, ceo.speaker) == 1.0  # alone, the role matches
    assert plan.asked_person([ceo]) is None and plan.asked_person([ceo, analyst]) == 0
    assert plan.speaker_match(ceo.role, ceo.speaker, asked=0) == 0.0
    assert plan.speaker_match(analyst.role, analyst.speaker, asked=0) == 1.0

    two = plan_question("What did Oppenheimer's Ittai Kidron challenge Chuck Robbins on?")
    kidron = turn("Ittai Kidron (Analyst, Oppenheimer & Co.)", "analyst")
    robbins = turn("Chuck Robbins (CEO, Cisco Systems, Inc.)", "executive")
    asked = two.asked_person([robbins, kidron])
    assert two.speaker_match(kidron.role, kidron.speaker, asked) == 1.0
    assert two.speaker_match(robbins.role, robbins.speaker, asked) == 0.5

    misspelt = plan_question("What did Jimmy Bhullar press Aflac on about Japan sales?")
    assert misspelt.person_of("Jamminder Singh Bhulla (Senior Analyst, JPMorgan)") == 0
    assert misspelt.person_of("Nigel Dally (MD, Morgan Stanley)") is None
    company = plan_question("How much did American Water's regulated businesses earn?")
    assert company.person_of("Walter J. Lynch (President and CEO)") is None


def test_a_passage_with_nothing_to_quote_comes_last(tmp_path, embedder) -> None:
    """A page break inside a turn leaves a chunk holding only the page's running header: it
    matches the question's company, period and speaker, and answers nothing."""
    from earnest.statement_cues import states_something

    assert not states_something("Q3 2023 ACME Corp Earnings Call")
    assert states_something("Q3 2023 ACME Corp Earnings Call\nPricing rose 4% in Q3.")
    call = tmp_path / "ACME_Q3_2023_call.txt"
    call.write_text(
        "ACME Q3 2023 Earnings Call Transcript\n\nPrepared Remarks:\n\n"
        "Jane Doe -- Chief Financial Officer\nNet sales fell 6% on lower volumes.\n\n"
        "Questions and Answers:\n\n"
        "Sam Lee -- Example Securities -- Analyst\nQ3 2023 ACME Corp Earnings Call\n\n"
        "Jane Doe -- Chief Financial Officer\nWe expect volumes to recover next year.\n\n"
        "Sam Lee -- Example Securities -- Analyst\nHow should we think about pricing in the "
        "industrial segment next year?\n", encoding="utf-8")
    question = "What did Sam Lee ask on ACME's Q3 2023 earnings call?"
    order = with_and_without("claims", tmp_path, embedder, [call],
                             lambda lib: [p.text for p in lib.search(question, k=5).passages])
    stating = [states_something(text) for text in order[False]]
    assert stating == sorted(stating, reverse=True) and stating[0]  # claims first
    assert "Q3 2023 ACME Corp Earnings Call" in order[False][2:]
    assert order[True][0] == "Q3 2023 ACME Corp Earnings Call"  # what the stage changes
