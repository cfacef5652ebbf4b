from earnest.models import Page
from earnest.structure import parse_speaker_line, transcript_segments


def test_speaker_line_layouts() -> None:
    s = parse_speaker_line("C. Kelly Wall -- Chief Financial Officer")
    assert (s.name, s.title, s.role) == ("C. Kelly Wall", "Chief Financial Officer", "executive")
    s = parse_speaker_line("Anthony Chukumba -- Loop Capital Markets LLC - Analyst")
    assert (s.name, s.firm, s.role) == ("Anthony Chukumba", "Loop Capital Markets LLC", "analyst")
    s = parse_speaker_line("Sam Lee -- Example Securities -- Analyst")
    assert (s.firm, s.role) == ("Example Securities", "analyst")
    s = parse_speaker_line("Tim Cook, Apple Incorporated - CEO [3]")
    assert (s.name, s.firm, s.title, s.role) == ("Tim Cook", "Apple Incorporated", "CEO",
                                                 "executive")
    s = parse_speaker_line("Katy Huberty, Morgan Stanley - Analyst [7]")
    assert s.role == "analyst"
    assert parse_speaker_line("Operator [1]").role == "operator"
    assert parse_speaker_line("This is an ordinary sentence of prose.") is None
    # A dash in speech is no speaker line; a one-word name with a title is.
    assert parse_speaker_line("We -- turning to our embedded segment. Third quarter revenue "
                              "decreased 25% year-over-year to") is None
    assert parse_speaker_line("So -- and I gave you the reasons in the answer to the first "
                              "question.") is None
    assert parse_speaker_line("Laura Graves, - [2]").name == "Laura Graves"
    s = parse_speaker_line("Tim -- Wells Fargo -- Analyst")
    assert (s.name, s.firm, s.role) == ("Tim", "Wells Fargo", "analyst")
    assert parse_speaker_line("Madonna -- Chief Executive Officer").title == \
        "Chief Executive Officer"
    # A broker's research analyst, whatever the rank the title gives.
    s = parse_speaker_line("Nigel Phillip Dally -- Morgan Stanley, Research Division - MD")
    assert (s.firm, s.title, s.role) == ("Morgan Stanley, Research Division", "MD", "analyst")
    s = parse_speaker_line("Jamminder Singh Bhulla -- JPMorgan Chase & Co, Research Division - "
                           "Senior Analyst")
    assert (s.title, s.role) == ("Senior Analyst", "analyst")
    assert parse_speaker_line("Bob Smith -- Senior Research Analyst").role == "analyst"
    assert parse_speaker_line("Katy Huberty, Morgan Stanley, Research Division - MD [7]").role \
        == "analyst"
    assert parse_speaker_line("Ann Lee -- VP, Investor and Analyst Relations").role == \
        "executive"


def test_turns_split_at_pages_and_sections() -> None:
    page1 = ("Title line\nPrepared Remarks:\nOperator\nWelcome.\n"
             "Jane Doe -- Chief Financial Officer\nFirst part of her remarks")
    page2 = "continues on page two.\nQuestions and Answers:\nSam Lee -- Acme -- Analyst\nWhy?"
    segs, turns = transcript_segments([Page(1, page1), Page(2, page2)])
    assert [t.speaker.name for t in turns] == ["Operator", "Jane Doe", "Sam Lee"]
    assert [t.section for t in turns] == ["Prepared remarks", "Prepared remarks", "Q&A"]
    jane = [s for s in segs if s.speaker and s.speaker.startswith("Jane")]
    assert [s.page for s in jane] == [1, 2]
    texts = {1: page1, 2: page2}
    assert texts[2][jane[1].start:jane[1].end].startswith("continues on page two.")
    assert "Questions and Answers" not in texts[2][jane[1].start:jane[1].end]


def test_a_speaker_line_wrapped_onto_two_lines() -> None:
    page = ("Skip Miller, ASML Holding NV - Head - Investor Relations Worldwide [2]\nWelcome.\n"
            "Roger Dassen, ASML Holding NV - Chief Financial Officer, Executive Vice President,\n"
            "Member of the Board of Management [4]\nThank you, Christophe, and welcome.\n"
            "Net sales came in at EUR 7.5 billion,\nin line with guidance [5]\n"
            "Lisa T. Su, Advanced Micro Devices, Inc. - CEO, President and Director\n[6]\n"
            "Thank you, Roger.\nOperator [7]\nThe first question.\n")
    segs, turns = transcript_segments([Page(1, page)])
    assert [t.speaker.name for t in turns] == ["Skip Miller", "Roger Dassen", "Lisa T. Su",
                                               "Operator"]
    assert turns[1].speaker.title.endswith("Member of the Board of Management")
    roger = next(s for s in segs if s.speaker and s.speaker.startswith("Roger Dassen"))
    # The turn starts after both lines of the speaker line; a wrapped sentence stays text.
    assert page[roger.start:roger.end].startswith("Thank you, Christophe")
    assert "in line with guidance [5]" in page[roger.start:roger.end]


def test_plain_prose_is_no_transcript() -> None:
    assert transcript_segments([Page(1, "Just a memo.\nWith two lines.")]) is None


def test_questions_start_with_the_first_analyst_when_no_heading_says_so() -> None:
    page = ("Presentation\nSuhasini Chandramouli, Apple Inc - Director of Investor Relations [1]\n"
            "Good afternoon.\nTimothy Cook, Apple Inc - Chief Executive Officer [2]\n"
            "Revenue was a record.\nOperator [3]\nOur first question is from Erik.\n"
            "Erik Woodring, Morgan Stanley - Analyst [4]\nHow is demand?\n"
            "Timothy Cook, Apple Inc - Chief Executive Officer [5]\nStrong.\n")
    _, turns = transcript_segments([Page(1, page)])
    assert [t.section for t in turns] == ["Prepared remarks"] * 2 + ["Q&A"] * 3
    # A heading, where there is one, decides alone.
    headed = page.replace("Operator [3]", "Questions and Answers\nOperator [3]")
    _, turns = transcript_segments([Page(1, headed)])
    assert [t.section for t in turns] == ["Prepared remarks"] * 2 + ["Q&A"] * 3
    # No analyst ever speaks: nothing is Q&A.
    alone = page.split("Operator [3]")[0]
    _, turns = transcript_segments([Page(1, alone + "Jane Roe, Apple Inc - CFO [6]\nThanks.\n")])
    assert all(t.section == "Prepared remarks" for t in turns)


_BRIEF_PAGE_1 = (
    "Thomson Reuters StreetEvents Event Brief\nQ1 2017 Apple Inc Earnings Call\n"
    "Corporate Participants\n* Luca Maestri\nApple Inc. - CFO\n* Timothy D. Cook\n"
    "Apple Inc. - CEO and Director\n* Nancy Paxton\nApple Inc. - Senior Director of IR\n"
    "Conference Call Participiants\n* Katy Huberty\nMorgan Stanley - Analyst\n"
    "OVERVIEW\nCo. reported 1Q17 revenues of $78.4b.\n"
    "FINANCIAL DATA\n1. 1Q17 revenue = $78.4b.\n2. 1Q17 GM = 38.5%.\n"
    "PRESENTATION SUMMARY\nI. Annotation (N.P)\n1. Forward-looking statements.\n"
    "II. 1Q17 Review (T.C.)\n1. Generated highest quarterly revenue.\n")
_BRIEF_PAGE_2 = (
    "Q1 2017 Apple Inc Earnings Call\n2. iPhone demand exceeded supply.\n"
    "III. 1Q17 Financials (L.M.)\n1. Revenue $78.4b.\n"
    "QUESTIONS AND ANSWERS\nOperator [1]\n(Operator Instructions)\n"
    "Katy Huberty, Morgan Stanley - Analyst [2]\nWhy did gross margin rise?\n"
    "Luca Maestri, Apple Inc. - CFO [3]\nMix.\n"
    "Tim Cook, Apple Inc. - CEO [4]\nAnd demand.\n")


def _labelled(pages: list[Page]) -> list[tuple[int, str | None, str | None, str]]:
    segs, _ = transcript_segments(pages)
    texts = {p.number: p.text for p in pages}
    return [(s.page, s.section, s.speaker, texts[s.page][s.start:s.end]) for s in segs]


def test_an_event_brief_summary_is_labelled_by_its_headings_and_speakers() -> None:
    pages = [Page(1, _BRIEF_PAGE_1), Page(2, _BRIEF_PAGE_2)]
    segs = _labelled(pages)
    by_text = {text.split("\n")[0]: (section, speaker) for _, section, speaker, text in segs}
    assert by_text["Thomson Reuters StreetEvents Event Brief"] == ("Title", None)
    assert by_text["OVERVIEW"] == ("Overview", None)
    assert by_text["FINANCIAL DATA"] == ("Financial data", None)
    # The heading alone above the first part joins it; the initials name the speaker, as
    # the Q&A's speaker line does when he speaks there, else as the participants list does.
    # An edited summary, not the words said: its own section, under who the brief says.
    summary = "Presentation summary"
    assert by_text["PRESENTATION SUMMARY"] == (
        summary, "Nancy Paxton (Senior Director of IR, Apple Inc.)")
    assert by_text["II. 1Q17 Review (T.C.)"] == (summary, "Tim Cook (CEO, Apple Inc.)")
    assert by_text["III. 1Q17 Financials (L.M.)"] == (summary, "Luca Maestri (CFO, Apple Inc.)")
    # Tim Cook's part runs on over the page break, up to the next part.
    assert (2, summary, "Tim Cook (CEO, Apple Inc.)",
            "Q1 2017 Apple Inc Earnings Call\n2. iPhone demand exceeded supply.\n") in segs
    assert [s for _, s, _, _ in segs].count("Q&A") == 4
    # Every character before the Q&A's heading is in exactly one segment, as before; the
    # heading ends the last part, as a heading ends a turn.
    heading = _BRIEF_PAGE_2.index("QUESTIONS AND ANSWERS")
    assert "".join(t for p, _, _, t in segs if p == 1) == _BRIEF_PAGE_1
    before_qa = [t for p, s, _, t in segs if p == 2 and s != "Q&A"]
    assert "".join(before_qa) == _BRIEF_PAGE_2[:heading]


def test_initials_two_executives_share_name_no_one() -> None:
    page = _BRIEF_PAGE_1.replace("* Nancy Paxton\n", "* Tom Carter\n").replace(
        "Apple Inc. - Senior Director of IR", "Apple Inc. - COO")
    segs = _labelled([Page(1, page), Page(2, _BRIEF_PAGE_2)])
    review = next(x for x in segs if x[3].startswith("II. 1Q17 Review (T.C.)"))
    assert review[1:3] == ("Presentation summary", None)


def test_a_part_of_one_line_keeps_its_own_speaker() -> None:
    """Only the summary's heading joins the part below it: a one-line part whose initials
    name no one stays apart from the next part and its speaker."""
    page = _BRIEF_PAGE_1.replace("I. Annotation (N.P)\n1. Forward-looking statements.\n",
                                 "I. Annotation (X.Y.)\n")
    segs = _labelled([Page(1, page), Page(2, _BRIEF_PAGE_2)])
    annotation = next(x for x in segs if "I. Annotation (X.Y.)" in x[3])
    assert annotation[2] is None and "(T.C.)" not in annotation[3]


def test_a_transcript_without_brief_headings_keeps_its_title_block() -> None:
    page = ("Refinitiv StreetEvents Event Transcript\nQ1 2020 Acme Earnings Call\n"
            "Corporate Participants\n* Jane Roe\nAcme - CFO\nOVERVIEW of the call\n"
            "Presentation\nOperator [1]\nWelcome.\nJane Roe, Acme - CFO [2]\nRevenue rose.\n"
            "Sam Lee, Broker - Analyst [3]\nWhy?\n")
    segs = _labelled([Page(1, page)])
    assert segs[0][1:3] == ("Title", None)
    assert segs[0][3] == page[:page.index("Operator [1]")]
