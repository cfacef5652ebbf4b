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
