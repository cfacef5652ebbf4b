"""Where a filing says what: form items and notes found from the filing's own headings, stored
on chunks without touching their text, and a question routed to the item that holds it."""

from __future__ import annotations

from pathlib import Path

from earnest.chunking import chunk_document, estimate_tokens
from earnest.filing_sections import find_headings
from earnest.models import Page
from earnest.question_plan import plan_question
from earnest.readers import read_document
from earnest.section_routing import section_match
from earnest.service import Earnest
from earnest.settings import Settings

from .pdfs import make_pdf

BODY = ("The Company designs and sells industrial widgets to customers in many countries. "
        "Sales grew in each of the last three years.")

TOC_PAGE = ["ACME CORP ANNUAL REPORT ON FORM 10-K", "TABLE OF CONTENTS", "PART I",
            "Item 1. Business 3", "Item 1A. Risk Factors 4", "Item 2. Properties 5",
            "Item 3. Legal Proceedings 5", "PART II",
            "Item 7. Management's Discussion and Analysis of Financial Condition and Results "
            "of Operations 6", "Item 8. Financial Statements and Supplementary Data 7",
            "Note 1. Summary of Significant Accounting Policies 8",
            "Note 2. Commitments and Contingencies 9"]

TEN_K: list[list[str]] = [
    TOC_PAGE,
    ["PART I", "Item 1. Business", BODY,
     "For a discussion of our markets, see Item 7. Management's Discussion and Analysis."],
    ["ITEM 1A. RISK FACTORS",
     "Risks from our suppliers and from competition could harm our results."],
    ["Item 2. Properties", "We own four plants in Ohio and lease our headquarters.",
     "Item 3. Legal Proceedings for a discussion of lawsuits, see Note 2.",
     "Item 3. Legal Proceedings",
     "The Company is a defendant in several product liability lawsuits."],
    ["Item 7. Management's Discussion and Analysis of Financial Condition and Results of",
     "Operations",
     "Risks from suppliers and competition: supplier and competition risks affected",
     "results, as suppliers were late and competition grew; revenue rose 4%."],
    ["Item 8. Financial Statements and Supplementary Data",
     "Consolidated Statements of Income", "Net sales 1,200 1,100", "Net income 90 80"],
    ["NOTE 1 — SUMMARY OF SIGNIFICANT ACCOUNTING POLICIES",
     "The financial statements are prepared in accordance with U.S. GAAP.",
     "Note 2 for more detail on contingencies."],
    ["Note 2. Commitments and Contingencies",
     "The Company leases facilities and is subject to product liability claims."],
    ["Item 9A. Controls and Procedures",
     "Our disclosure controls and procedures were effective as of year end."],
]


def pages_of(spec: list[list[str]]) -> list[Page]:
    return [Page(i + 1, "\n".join(lines)) for i, lines in enumerate(spec)]


def test_items_and_notes_come_from_the_headings_not_the_contents_or_references() -> None:
    found = [(h.page, h.label) for h in find_headings(pages_of(TEN_K))]
    assert found == [
        (2, "Item 1. Business"), (3, "Item 1A. Risk Factors"), (4, "Item 2. Properties"),
        (4, "Item 3. Legal Proceedings"),
        (5, "Item 7. Management's Discussion and Analysis of Financial Condition and "
            "Results of Operations"),
        (6, "Item 8. Financial Statements and Supplementary Data"),
        (7, "Note 1. Summary of Significant Accounting Policies"),
        (8, "Note 2. Commitments and Contingencies"),
        (9, "Item 9A. Controls and Procedures")]
    # The legal-proceedings heading is the line under the run-on cross-reference.
    legal = next(h for h in find_headings(pages_of(TEN_K)) if h.number == "3")
    assert pages_of(TEN_K)[3].text[legal.offset:].startswith("Item 3. Legal Proceedings\nThe")


def test_a_table_of_contents_alone_is_no_structure() -> None:
    assert find_headings(pages_of([TOC_PAGE, [BODY]])) == []
    # A contents page whose lines carry no page numbers is told by having no text under them.
    bare = [line.rsplit(" ", 1)[0] if line[-1].isdigit() else line for line in TOC_PAGE]
    assert find_headings(pages_of([bare, [BODY]])) == []


def test_an_item_heading_above_an_index_of_its_notes_begins_the_item() -> None:
    """Many 10-Ks open Item 8 with an index of the statements and notes and their pages: the
    index is no contents page of the filing, and the item begins there."""
    index = ["Item 8. Financial Statements and Supplementary Data",
             "Index to the Consolidated Financial Statements", "Page",
             "Consolidated Statements of Income 7",
             *(f"Note {n}. {title} {n + 7}" for n, title in enumerate(
                 ("Summary of Significant Accounting Policies", "Acquisitions", "Inventories",
                  "Debt", "Commitments and Contingencies"), start=1))]
    spec = [*TEN_K[1:5], index, ["Consolidated Statements of Income", "Net sales 1,200 1,100"],
            *TEN_K[6:]]
    found = [(h.page, h.label) for h in find_headings(pages_of(spec))]
    assert (5, "Item 8. Financial Statements and Supplementary Data") in found
    assert [label for _, label in found if label.startswith("Note")] == [
        "Note 1. Summary of Significant Accounting Policies",
        "Note 2. Commitments and Contingencies"]
    # A 10-Q's contents page whose first entry has its page numbers on the lines below is
    # still a contents page: no "Index" under the item.
    notes = [f"Note {n}. {title}" for n, title in enumerate(
        ("Basis of Presentation", "Revenue", "Inventories", "Debt", "Contingencies"), start=1)]
    ten_q = [["TABLE OF CONTENTS", "PART I. FINANCIAL INFORMATION",
              "Item 1. Financial Statements (Unaudited)", "Condensed Consolidated Balance Sheets 3",
              *(f"{note} {n + 5}" for n, note in enumerate(notes))],
             ["Item 2. Management's Discussion and Analysis of Financial Condition and Results "
              "of Operations 12", "Item 4. Controls and Procedures 20", "PART II",
              "Item 1. Legal Proceedings 21", "Item 6. Exhibits 22"],
             ["PART I. FINANCIAL INFORMATION", "Item 1. Financial Statements (Unaudited)",
              "Condensed Consolidated Balance Sheets", "Total assets 5,853 6,660"],
             *([note, BODY] for note in notes),
             ["Item 2. Management's Discussion and Analysis of Financial Condition and Results "
              "of Operations", BODY],
             ["Item 4. Controls and Procedures", BODY]]
    items = [(h.page, h.label) for h in find_headings(pages_of(ten_q)) if h.kind == "item"]
    assert items[0] == (3, "Part I, Item 1. Financial Statements")


def test_headings_set_one_word_a_line_or_run_into_the_text() -> None:
    split = [["Item", "1A.", "RISK", "FACTORS", "Investing in our stock involves risk."],
             ["ITEM", "7.", "MANAGEMENT'S", "DISCUSSION", "AND", "ANALYSIS", "OF", "FINANCIAL",
              "CONDITION", "AND", "RESULTS", "OF", "OPERATIONS", "Revenue rose."]]
    assert [h.label[:20] for h in find_headings(pages_of(split))] == [
        "Item 1A. Risk Factor", "Item 7. Management's"]
    # Blank lines inside such a heading; a running head ("Item 1") right above the heading.
    spaced = [["Item 1", "PART I", "ITEM 1. BUSINESS", "GENERAL", "We make widgets."],
              ["ITEM", "1B.", "", " UNRESOLVED", "STAFF", "COMMENTS", "None.", "ITEM", "2.",
               "PROPERTIES", "We own plants in Ohio and lease an office."]]
    assert [h.number for h in find_headings(pages_of(spaced))] == ["1", "1B", "2"]
    inline = [["See our website. Item 1A. Risk Factors We operate in a changing market. "
               "Item 1B. Unresolved Staff Comments None. Item 2. Properties We own plants."]]
    assert [h.number for h in find_headings(pages_of(inline))] == ["1A", "1B", "2"]


def test_a_quarterly_report_has_two_parts_told_apart_by_their_titles() -> None:
    ten_q = [["PART I. FINANCIAL INFORMATION", "Item 1. Financial Statements",
              "Condensed Consolidated Balance Sheets", "Total assets 5,000 4,800"],
             ["Note 1 - Basis of Presentation", "These statements are unaudited.",
              "Note 2 - Revenue", "Revenue by region follows."],
             ["Item 2. Management's Discussion and Analysis of Financial Condition and "
              "Results of Operations", "Sales rose 3% in the quarter."],
             ["PART II. OTHER INFORMATION", "Item 1. Legal Proceedings",
              "There were no material developments.", "Item 1A. Risk Factors",
              "There have been no material changes to our risk factors."]]
    labels = [h.label for h in find_headings(pages_of(ten_q))]
    assert labels == ["Part I, Item 1. Financial Statements", "Note 1. Basis of Presentation",
                      "Note 2. Revenue",
                      "Part I, Item 2. Management's Discussion and Analysis of Financial "
                      "Condition and Results of Operations",
                      "Part II, Item 1. Legal Proceedings", "Part II, Item 1A. Risk Factors"]


def test_a_numbered_list_in_an_exhibit_is_no_note() -> None:
    spec = TEN_K[1:6] + [["EXHIBIT 10.1 EMPLOYMENT AGREEMENT", "1. Definitions",
                          "Terms used here have these meanings.", "2. Eligibility",
                          "Employees are eligible.", "3. Benefits", "Benefits follow.",
                          "4. Termination", "Either party may end it."]]
    assert [h for h in find_headings(pages_of(spec)) if h.kind == "note"] == []


def test_sections_are_stored_on_chunks_whose_text_and_bounds_stay_the_same(
        tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "ACME_2023_10K.pdf", TEN_K)
    settings = Settings.load(tmp_path / "lib", env={})
    with Earnest(settings) as lib:
        # The chunks as they were cut before sections existed: the same reader and counter.
        plain = chunk_document(read_document(pdf.read_bytes(), str(pdf)).pages, settings.chunk,
                               title="ACME 2023 10K",
                               count_tokens=getattr(lib.embedder, "count_tokens",
                                                    estimate_tokens))
        lib.ingest([pdf], embed=False)
        stored = lib.store.get_passages(list(range(1, 200)))
    assert [(p.page_start, p.char_start, p.char_end, p.text) for p in stored] == \
        [(c.page_start, c.char_start, c.char_end, c.text) for c in plain]
    by_page = {p.page_start: p.section for p in stored}
    assert by_page[1] is None  # the table of contents is in no item
    assert by_page[3] == "Item 1A. Risk Factors"
    assert by_page[8] == "Note 2. Commitments and Contingencies"


def test_a_question_is_routed_by_the_titles_words() -> None:
    risks = plan_question("What are the main risks ACME faces?")
    assert section_match(risks.terms, "Item 1A. Risk Factors") > \
        section_match(risks.terms, "Item 7A. Quantitative and Qualitative Disclosures About "
                                   "Market Risk") > 0
    assert section_match(risks.terms, "Item 2. Properties") == 0.0
    assert section_match(risks.terms, "Q&A") == 0.0  # a call's section names no subject
    # A note is reached through the ASC topic its title names: "business combinations"
    # (ASC 805) finds a note titled "Acquisitions"; contingent liabilities find ASC 450's.
    deals = plan_question("Did ACME complete any business combinations in 2023?")
    assert section_match(deals.terms, "Note 3. Acquisitions and Divestitures") > 0.5
    contingent = plan_question("Does ACME have material contingent liabilities?")
    assert section_match(contingent.terms, "Note 2. Commitments and Contingencies") > 0.5
    assert section_match(plan_question("What was ACME's capital expenditure?").terms,
                         "Note 2. Commitments and Contingencies") == 0.0


def test_an_item_named_reserved_is_matched_by_its_other_names() -> None:
    """Item 6 is "Selected Financial Data" or, since 2021, "[Reserved]": a name of stop
    words only, which must not divide by zero (a question about selected data raised)."""
    selected = plan_question("What selected data did ACME report for 2019?")
    assert section_match(selected.terms, "Item 6. Selected Financial Data") > 0
    assert section_match(["other", "information"], "Item 9B. Other Information") == 0.0


def test_a_risks_question_prefers_the_risk_factors_item(tmp_path: Path) -> None:
    """Two pages say the same about suppliers and competition; the one under Item 1A is
    where a filing answers "what are the risks", and routing puts it first."""
    pdf = make_pdf(tmp_path / "ACME_2023_10K.pdf", TEN_K)
    question = "What risks from suppliers and competition does ACME face?"
    order = {}
    for routing in (False, True):
        settings = Settings.load(tmp_path / f"lib{routing}", env={})
        settings.retrieve.rerank_section = 0.1 if routing else 0.0
        with Earnest(settings) as lib:
            lib.ingest([pdf], embed=False)
            found = lib.search(question, k=3, mode="keyword").passages
            order[routing] = [(p.page_start, p.section) for p in found]
    assert order[True][0] == (3, "Item 1A. Risk Factors")
    assert order[False][0] != order[True][0]  # without routing, MD&A's page led


def test_docs_show_lists_the_items_and_notes_with_their_pages(tmp_path: Path) -> None:
    from .conftest import docs_show

    pdf = make_pdf(tmp_path / "ACME_2023_10K.pdf", TEN_K)
    shown, text = docs_show(pdf, "ACME_2023_10K", tmp_path / "home")
    assert shown["sections"][:2] == [
        {"section": "Item 1. Business", "first_page": 2, "last_page": 2},
        {"section": "Item 1A. Risk Factors", "first_page": 3, "last_page": 3}]
    assert [s["section"][:7] for s in shown["sections"]][-3:] == ["Note 1.", "Note 2.",
                                                                  "Item 9A"]
    assert "p. 3-3  Item 1A. Risk Factors" in text


def test_a_search_can_be_limited_to_an_item_or_a_note(tmp_path: Path) -> None:
    from earnest.store import Filters

    pdf = make_pdf(tmp_path / "ACME_2023_10K.pdf", TEN_K)
    with Earnest(Settings.load(tmp_path / "lib", env={})) as lib:
        lib.ingest([pdf], embed=False)
        for wanted, label in (("Item 1A", "Item 1A. Risk Factors"),
                              ("note 2", "Note 2. Commitments and Contingencies")):
            found = lib.search("suppliers competition product liability", mode="keyword",
                               filters=Filters(sections=[wanted])).passages
            assert found and {p.section for p in found} == {label}
        # "Item 1" is not "Item 1A".
        found = lib.search("widgets", mode="keyword", filters=Filters(sections=["Item 1"]))
        assert {p.section for p in found.passages} == {"Item 1. Business"}


def test_a_library_ingested_before_gets_its_sections_by_refresh(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "ACME_2023_10K.pdf", TEN_K)
    with Earnest(Settings.load(tmp_path / "lib", env={})) as lib:
        lib.ingest([pdf], embed=False)
        labelled = lib.store.document_chunks("ACME_2023_10K")
        lib.store.set_sections("ACME_2023_10K", {i: None for i, _ in labelled})
        assert lib.sections("ACME_2023_10K") == []  # as an older Earnest stored it
        assert lib.refresh_metadata() == 1
        assert lib.store.document_chunks("ACME_2023_10K") == labelled
