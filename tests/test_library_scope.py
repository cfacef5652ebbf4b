"""A question about a company or period the library does not hold is answered "not found",
saying what the library holds, before any retrieval or LLM call."""

from pathlib import Path

import pytest

from earnest import Earnest
from earnest.library_scope import Company, CompanyIndex, name_variants, public_companies

from .conftest import open_copy


def test_name_variants_drop_the_legal_form_but_keep_a_name() -> None:
    assert name_variants("Apple Inc.") == ("Apple",)
    assert "Walt Disney" in name_variants("The Walt Disney Company")
    assert name_variants("Southern Company") == ("Southern Company",)  # not "Southern"
    assert "Coca-Cola" in name_variants("The Coca-Cola Company")
    assert name_variants("Hermès International") == ("Hermes International",)


def test_companies_are_found_as_proper_nouns_and_tickers() -> None:
    index = CompanyIndex([Company("Costco", "COST", ("Costco",)),
                          Company("Target Corporation", "TGT", ("Target",)),
                          Company("Earnings Per Share Inc", "EPS", ("Earnings Per Share",))])
    names = lambda q: sorted(c.name for c in index.find(q))  # noqa: E731
    assert names("What was Costco's revenue last quarter?") == ["Costco"]
    assert names("How did COSTCO do?") == ["Costco"]
    assert names("what is costco") == []  # lower case is not a name
    assert names("Target operating margin in 2023?") == []  # an ordinary word opening it
    assert names("Target's operating margin in 2023?") == ["Target Corporation"]
    assert names("How did TGT and $COST trade?") == ["Costco", "Target Corporation"]
    assert names("What drove EPS in Q3?") == []  # an abbreviation, not a ticker


def test_the_shipped_list_knows_large_listed_companies() -> None:
    found = {c.ticker for c in public_companies().find(
        "Compare Costco, Netflix and Nvidia with Siemens")}
    assert {"COST", "NFLX", "NVDA", "SIE"} <= found



def test_a_company_the_library_lacks_is_not_found(loaded: Earnest) -> None:
    answer = loaded.ask("Why did Costco's net sales decrease in the third quarter?")
    assert answer.status == "not_found" and not answer.citations and not answer.passages
    assert "no documents of Costco (COST)" in answer.answer
    assert "ACME" in answer.answer  # says what it does hold
    assert answer.understanding["library_scope"]["reason"] == "company_not_held"
    # The same question about the company it holds is answered.
    assert loaded.ask("Why did ACME's net sales decrease in the third quarter?").status == \
        "answered"


def test_a_period_after_the_library_is_not_found(loaded: Earnest) -> None:
    answer = loaded.ask("What were ACME's net sales in the third quarter of 2026?")
    assert answer.status == "not_found" and not answer.citations
    assert "Q3 2023" in answer.answer and "2026" in answer.answer
    assert answer.understanding["library_scope"]["reason"] == "period_not_held"
    # Guidance given in the newest documents for the next year is not "after" them.
    guidance = loaded.ask("What does ACME expect for pricing in 2024?")
    assert "library_scope" not in guidance.understanding


def test_a_quarter_before_the_library_is_held_only_where_a_document_looks_back_on_it(
        loaded: Earnest) -> None:
    """The Q3 2023 documents report Q3 2022 (a year earlier) and Q2 2023 (the quarter
    before), not Q1 2023: asked about it, Earnest must not answer with Q3's figures."""
    answer = loaded.ask("What were ACME's net sales in the first quarter of 2023?")
    assert answer.status == "not_found" and not answer.citations
    assert answer.understanding["library_scope"]["reason"] == "period_not_held"
    assert "Q3 2023" in answer.answer and "Q1 2023" in answer.answer
    for question in ("What were ACME's net sales in the third quarter of 2022?",
                     "What were ACME's net sales in the second quarter of 2023?",
                     # what was said of it, later, is asked of the documents
                     "What did ACME say about the supply disruption of the first quarter "
                     "of 2023?"):
        assert "library_scope" not in loaded.ask(question).understanding, question


def test_what_happened_in_a_year_after_the_library_is_not_found(loaded: Earnest) -> None:
    """Documents of 2023 may name 2024 (an outlook), but cannot report what happened in it."""
    for question in ("What were ACME's net sales in 2024?",
                     "How much did ACME spend on capital expenditures in fiscal 2024?"):
        answer = loaded.ask(question)
        assert answer.status == "not_found" and not answer.citations, question
        assert answer.understanding["library_scope"]["reason"] == "period_not_held"
        assert "Q3 2023" in answer.answer and "FY2024" in answer.answer
    # What was said of that year, or is expected for it, is asked of the documents.
    for question in ("What does ACME expect for net sales in 2024?",
                     "What did ACME say about net sales in 2023?",
                     "What were ACME's net sales in 2023?"):
        assert "library_scope" not in loaded.ask(question).understanding, question


def test_a_comparison_with_a_held_company_still_answers(loaded: Earnest) -> None:
    answer = loaded.ask("Why did ACME's net sales decrease in Q3 2023, unlike Costco's?")
    assert "library_scope" not in answer.understanding


def test_a_filter_naming_documents_overrides_the_check(loaded: Earnest) -> None:
    from earnest import Filters

    answer = loaded.ask("What did Costco's backlog reach?",
                        filters=Filters(doc_names=["ACME_Q3_2023_call"]))
    assert "library_scope" not in answer.understanding


def test_the_check_follows_the_library(loaded: Earnest, tmp_path: Path) -> None:
    question = "What did Costco say about membership fees in Q1 2025?"
    assert loaded.ask(question).understanding["library_scope"]["reason"] == \
        "company_not_held"
    call = tmp_path / "COST_Q1_2025_call.txt"
    call.write_text("COST Q1 2025 Earnings Call Transcript\n\nPrepared Remarks:\n\n"
                    "Jane Roe -- Chief Financial Officer\nCostco membership fee income rose "
                    "to $1.17 billion in the first quarter.\n", encoding="utf-8")
    loaded.ingest([call])
    assert "library_scope" not in loaded.ask(question).understanding


def test_no_llm_call_for_a_company_the_library_lacks(loaded_with_llm: Earnest,
                                                      scripted_llm) -> None:
    answer = loaded_with_llm.ask("What was Netflix's revenue in Q3 2023?", llm=True)
    assert answer.status == "not_found" and scripted_llm.requests == []
    assert "Netflix" in answer.answer


def test_the_api_says_not_found_too(loaded: Earnest) -> None:
    from fastapi.testclient import TestClient

    from earnest.api import create_app

    with TestClient(create_app(service=loaded)) as client:
        body = client.post("/v1/ask", json={"question": "What was Costco's revenue?"}).json()
        assert body["status"] == "not_found" and body["citations"] == []
        assert "Costco" in body["answer"]
        stream = client.post("/v1/ask", json={"question": "What was Costco's revenue?",
                                              "stream": True}).text
        assert "event: answer" in stream and "no documents of Costco" in stream


def test_a_mistyped_company_name_is_corrected_and_reported(loaded: Earnest) -> None:
    answer = loaded.ask("What was Costcoo's revenue in the third quarter?")
    assert answer.understanding["corrections"] == [{"from": "Costcoo", "to": "Costco"}]
    assert "no documents of Costco" in answer.answer
    held = loaded.ask("Why did ACMEE's net sales decrease in the third quarter?")
    assert held.status == "answered"  # capitals are abbreviations: left alone, still found


def test_a_name_no_document_contains_is_a_company_the_library_lacks(loaded: Earnest) -> None:
    answer = loaded.ask("What was Zumiqo's backlog in Q3 2023?")
    assert answer.status == "not_found" and "Zumiqo" in answer.answer
    # A capitalised word the documents do contain is no company.
    assert "library_scope" not in loaded.ask("What was the Backlog in Q3 2023?").understanding


def test_a_mistyped_name_of_a_held_company_finds_its_documents(library: Earnest) -> None:
    from earnest.samples import sample_dir

    library.ingest([sample_dir()])  # Northwind Instruments (NWIN), Q3 FY2024
    answer = library.ask("Why did Nortwind's revenue decline in the third quarter?")
    assert answer.understanding["corrections"] == [{"from": "Nortwind", "to": "Northwind"}]
    assert answer.status == "answered"
    assert {c.doc_name for c in answer.citations} <= {"NWIN_Q3_FY2024_earnings_call",
                                                      "NWIN_Q3_FY2024_earnings_release"}


def test_named_periods() -> None:
    from earnest.question_plan import named_periods

    assert named_periods("Q3 2023 revenue vs the 2025 target") == [(2023, 3), (2025, None)]
    assert named_periods("third quarter of fiscal 2024 margins") == [(2024, 3)]
    assert named_periods("Q1 FY25 and FY2023") == [(2025, 1), (2023, None)]
    assert named_periods("Q3 sales in 2023") == [(2023, 3)]
    # A comma or full stop after a year ends a clause; inside a number it is no year.
    assert named_periods("acquisitions in FY2023, FY2022 and FY2021.") == [
        (2023, None), (2022, None), (2021, None)]
    assert named_periods("the tax charge in Q4 FY2024, and why") == [(2024, 4)]
    assert named_periods("2,019.5 units in 2023") == [(2023, None)]


def test_names_analysts_write() -> None:
    index = public_companies()
    names = lambda q: sorted(c.name for c in index.find(q))  # noqa: E731
    # The analyst's firm is not the company asked about.
    assert "UBS" not in " ".join(names("What did Peter Grom of UBS ask about Latin America?"))
    # A name's first word in the possessive, when no other name starts with it.
    assert names("What did Jamie Dimon say on JPMorgan's Q4 2023 call?") == ["JPMorgan Chase"]
    # A name that is itself possessive in form.
    assert "Domino's" in names("What were Domino's US same-store sales in 2022?")
    from earnest.question_plan import named_periods

    assert named_periods("first-quarter 2022 bookings") == [(2022, 1)]


def test_a_fiscal_year_closed_by_the_newest_fourth_quarter_is_held(library: Earnest,
                                                                    tmp_path: Path) -> None:
    call = tmp_path / "ACME_Q4_2021_call.txt"
    call.write_text("ACME Q4 2021 Earnings Call Transcript\n\nPrepared Remarks:\n\n"
                    "Jane Doe -- Chief Financial Officer\nPromotional activity stayed "
                    "elevated through the holiday season.\n", encoding="utf-8")
    library.ingest([call])
    # Fiscal and calendar names of a year differ by one: "fiscal 2022" may be this year.
    assert "library_scope" not in library.ask(
        "What did ACME say about promotional activity in fiscal 2022?").understanding
    # A quarter after the newest one is not.
    assert library.ask("What did ACME say about promotions in Q2 2022?").understanding[
        "library_scope"]["reason"] == "period_not_held"


def test_a_listed_name_of_a_held_company_counts_as_held(library: Earnest,
                                                         tmp_path: Path) -> None:
    call = tmp_path / "CI_Q4_2021_call.txt"  # the text names the ticker only
    call.write_text("CI Q4 2021 Earnings Call Transcript\n\nPrepared Remarks:\n\n"
                    "Jane Doe -- Chief Financial Officer\nThe medical care ratio was elevated "
                    "by COVID-19 costs.\n", encoding="utf-8")
    library.ingest([call])
    answer = library.ask("Why was Cigna Healthcare's medical care ratio elevated in 2021?")
    assert "library_scope" not in answer.understanding  # Cigna is CI, which it holds


@pytest.fixture()
def northwind(sample_library: Path, tmp_path: Path, embedder):
    """Northwind Instruments (NWIN), Q3 FY2024 call + release: a copy of the session's
    library of the samples."""
    lib = open_copy(sample_library, tmp_path / "northwind", embedder)
    yield lib
    lib.close()


@pytest.mark.parametrize("question", [
    "What did the CEO say about demand in Québec?",  # accented word: no crash
    # Guidance for the period after the newest documents, with or without "expect".
    "When do shipments to European customers recover in fiscal 2025?",
    "What did management say about fiscal 2025?",
    "What revenue range did Northwind give for the fourth quarter of fiscal 2024?",
    "What did Northwind say about Q4 FY24 revenue?",
    # Numbers that are no periods.
    "What did Northwind's Q4 10-K say about backlog?",
    "Was Northwind's Q3 50 basis point gross margin decline from mix?",
    "Has Northwind shipped more than 2000 units?",
    # Other companies mentioned in passing, analysts' firms, ordinary capitalised words.
    "What did the CFO say about Visa and Mastercard fees?",
    "What did the analyst from Morgan Stanley ask?",
    "What did the Goldman Sachs analyst ask about pricing?",
    "What was said about Target operating margin and the Investor Day?",
    "What did the Group's revenue do in Continental Europe?",
    "WHAT IS THE TARGET GROSS MARGIN?",
    # Names typed in lower case: the held company, and everyday words that are names too.
    "what did northwind say about demand in europe?",
    "what is the target gross margin?",
    "why did the gap between orders and shipments widen?",
])
def test_answerable_questions_are_not_refused(northwind: Earnest, question: str) -> None:
    answer = northwind.ask(question)
    assert "library_scope" not in answer.understanding, answer.answer


def test_a_year_the_documents_name_is_held(northwind: Earnest, tmp_path: Path) -> None:
    notes = tmp_path / "NWIN_FY2024_notes.txt"
    notes.write_text("Northwind Instruments (NWIN) fiscal 2024 notes\n\nThe 4.5% senior notes "
                     "mature in 2031. Northwind Instruments repaid the 2019 term loan.\n",
                     encoding="utf-8")
    northwind.ingest([notes])
    assert "library_scope" not in northwind.ask(
        "When do Northwind's senior notes mature, in 2031?").understanding
    assert northwind.ask("What did Northwind report for Q2 2026?").understanding[
        "library_scope"]["reason"] == "period_not_held"


def test_a_company_the_library_only_mentions_is_answered_from_passages_naming_it(
        northwind: Earnest, tmp_path: Path) -> None:
    """Asked about Contoso, which a Northwind document mentions as a customer, Earnest must
    not answer with Northwind's own revenue."""
    notes = tmp_path / "NWIN_FY2024_customers.txt"
    notes.write_text("Northwind Instruments (NWIN) fiscal 2024 customers\n\nContoso, a "
                     "distributor, bought sensors under a three-year supply agreement signed "
                     "in March.\n", encoding="utf-8")
    northwind.ingest([notes])
    answer = northwind.ask("What was Contoso's revenue in the third quarter of fiscal 2024?")
    assert answer.understanding["subjects_mentioned"] == ["Contoso"]
    assert all("Contoso" in c.quote or "Contoso" in (c.speaker or "")
               for c in answer.citations), answer.answer
    if answer.status == "not_found":
        assert "Contoso" in answer.answer
    # Naming the held company too, the question is about it: no such requirement.
    both = northwind.ask("What did Northwind say about Contoso's supply agreement?")
    assert "subjects_mentioned" not in both.understanding
    assert both.status == "answered"


def test_typos_are_corrected_only_where_a_name_stands(northwind: Earnest) -> None:
    # Ordinary words near a company name are left alone.
    answer = northwind.ask("What did the CFO say about demand in China and India?")
    assert "corrections" not in answer.understanding
    corrected = northwind.ask("Why did Nortwind's revenue decline in the third quarter?")
    assert corrected.understanding["corrections"] == [{"from": "Nortwind", "to": "Northwind"}]


def test_a_metadata_filter_skips_the_check(northwind: Earnest) -> None:
    from earnest import Filters

    answer = northwind.ask("What did Costco's CFO say?",
                           filters=Filters(metadata={"ticker": ["NWIN"]}))
    assert "library_scope" not in answer.understanding


def test_a_quarter_named_by_its_month_is_checked_as_the_company_fiscal_quarter(
        northwind: Earnest) -> None:
    # Northwind's third fiscal quarter ends in September (its call is of October 24, 2024):
    # the December quarter is its fourth, whose results the library does not hold yet.
    answer = northwind.ask("What revenue did Northwind report for the December quarter of "
                           "fiscal 2024?")
    assert answer.understanding["library_scope"]["reason"] == "period_not_held"
    assert "Q4 2024" in answer.answer
    assert "library_scope" not in northwind.ask(
        "What revenue did Northwind report for the September 2024 quarter?").understanding
    # "Late 2024" is that December quarter too.
    late = northwind.ask("What revenue did Northwind report for late 2024?")
    assert late.understanding["library_scope"]["reason"] == "period_not_held"
    # "The quarter ending in December 2024" is that quarter too, not the year 2024.
    ending = northwind.ask("What revenue did Northwind report for the quarter ending in "
                           "December 2024?")
    assert ending.understanding["library_scope"]["reason"] == "period_not_held"


@pytest.mark.parametrize("question,company", [
    ("what was costco's revenue in the third quarter?", "Costco"),
    ("why did nvidia q3 fy2024 revenue grow?", "Nvidia"),
    ("what did general motors say about pricing?", "General Motors"),
])
def test_a_company_typed_in_lower_case_is_recognised(northwind: Earnest, question: str,
                                                     company: str) -> None:
    answer = northwind.ask(question)
    assert answer.understanding["library_scope"]["reason"] == "company_not_held"
    assert company in answer.answer and not answer.citations


def test_a_speaker_named_in_the_question_comes_first(northwind: Earnest) -> None:
    # Two analysts asked; the one named is whose question is wanted, whichever words match.
    for name, words in (("Luis Ortega", "utilization versus mix"),
                        ("Priya Raman", "automotive destocking")):
        result = northwind.search(f"What did {name} ask Northwind on the call?", k=3)
        analysts = [p for p in result.passages if p.role == "analyst"]
        assert analysts and analysts[0].speaker.startswith(name)
        assert words in analysts[0].text


def test_an_analyst_firm_before_a_speaker_is_not_the_company_asked_about(tmp_path,
                                                                          embedder) -> None:
    """"What did JPMorgan's Sam Lee ask?": Sam Lee speaks on ACME's call; JPMorgan, which
    the library holds no documents of, is his employer, not the subject. A firm's name
    before words that name no speaker ("JPMorgan's Greater China revenue") still is."""
    from earnest import Settings

    call = tmp_path / "ACME_Q3_2023_call.txt"
    call.write_text(
        "ACME Q3 2023 Earnings Call Transcript\n\nPrepared Remarks:\n\n"
        "Jane Doe -- Chief Financial Officer\nACME third quarter 2023 net sales were $120 "
        "million, up 8%, as pricing added 5 points.\n\n"
        "Sam Lee -- Example Securities -- Analyst\nHow should we think about pricing in the "
        "industrial segment next year?\n\n"
        "Jane Doe -- Chief Financial Officer\nWe expect pricing to add 2 to 3 points to "
        "industrial growth next year.\n", encoding="utf-8")
    with Earnest(Settings.load(tmp_path / "lib", env={}), embedder=embedder) as lib:
        lib.ingest([call])
        asked = lib.ask("What did JPMorgan's Sam Lee ask about pricing in Q3 2023?")
        assert "library_scope" not in asked.understanding
        assert asked.status == "answered"
        firm = lib.ask("What was JPMorgan's Greater China revenue in Q3 2023?")
        assert firm.status == "not_found"
        assert firm.understanding["library_scope"]["reason"] == "company_not_held"
    # A person speaks by name: words of a speaker's title ("President, North America") are no
    # person, so "Nike's North America revenue" is still asked of Nike.
    call.write_text(call.read_text(encoding="utf-8") + "\nJohn Roe -- President, North America"
                    "\nNorth America net sales rose 4% on higher volumes.\n", encoding="utf-8")
    with Earnest(Settings.load(tmp_path / "lib2", env={}), embedder=embedder) as lib:
        lib.ingest([call])
        nike = lib.ask("How much did Nike's North America revenue grow in Q3 2023?")
        assert nike.status == "not_found" and not nike.citations
        assert nike.understanding["library_scope"]["reason"] == "company_not_held"
