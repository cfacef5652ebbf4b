"""Where an 8-K and an earnings release say what: the 8-K's items (the form's titles) and
exhibits, a release's parts from the headings it prints, stored on chunks through the real
reader and chunker, listed by `docs show`, and a guidance question routed to the outlook."""

from __future__ import annotations

from pathlib import Path

from earnest.filing_sections import find_headings
from earnest.models import Page
from earnest.question_plan import plan_question
from earnest.release_sections import heading_part, part_named
from earnest.section_routing import release_part_match
from earnest.service import Earnest
from earnest.settings import Settings

from .conftest import docs_show
from .pdfs import make_pdf

COVER = ["UNITED STATES", "SECURITIES AND EXCHANGE COMMISSION", "FORM 8-K", "CURRENT REPORT",
         "Date of Report (Date of earliest event reported): February 1, 2024",
         "ACME CORP", "(Exact name of registrant as specified in its charter)"]

RELEASE_BODY = [
    ["ACME Reports Fourth Quarter Results",
     "Company Raises Outlook for Fiscal 2024",
     "SPRINGFIELD, Ohio, February 1, 2024 -- ACME Corp today reported net sales of",
     "$1.2 billion for the fourth quarter, up 4% from the year-ago quarter.",
     "\"We closed the year with strong demand for widgets,\" said Jane Roe, CEO.",
     "Fourth Quarter Highlights",
     "Net sales rose 4% on higher widget volumes in every region."],
    ["Fiscal 2024 Outlook",
     "For fiscal 2024 the company plans net sales of $1.24 billion to $1.26 billion",
     "and capital expenditures of about $90 million."],
    ["Conference Call Information",
     "The company will host a conference call at 8:30 a.m. Eastern Time today.",
     "About ACME Corp",
     "ACME Corp designs and sells industrial widgets in forty countries."],
    ["Forward-Looking Statements",
     "Statements in this release that are not historical facts, including the expected",
     "net sales growth for fiscal 2024 and ACME's guidance, are forward-looking statements",
     "within the meaning of the Private Securities Litigation Reform Act of 1995."],
    ["CONSOLIDATED STATEMENTS OF INCOME",
     "Net sales 1,200 1,150", "Net income 90 80"],
    ["Reconciliation of GAAP to Non-GAAP Financial Measures",
     "Adjusted operating income excludes restructuring charges of $12 million.",
     "Operating income 150 140", "Adjusted operating income 162 145"],
]

EIGHT_K = [
    COVER,
    ["Item 2.02. Results of Operations and Financial Condition.",
     "On February 1, 2024, ACME Corp issued a press release announcing its results for the",
     "fourth quarter. The information furnished pursuant to Item 2.02 of Form 8-K, including",
     "Exhibit 99.1, shall not be deemed filed.",
     "Item 9.01 Financial Statements and Exhibits.",
     "(d) Exhibits.", "Exhibit No. Description",
     "99.1 Press release of ACME Corp dated February 1, 2024."],
    ["SIGNATURE", "Pursuant to the requirements of the Securities Exchange Act of 1934,",
     "the registrant has duly caused this report to be signed on its behalf."],
    ["Exhibit 99.1", *RELEASE_BODY[0]],
    *RELEASE_BODY[1:],
]


def pages_of(spec: list[list[str]]) -> list[Page]:
    return [Page(i + 1, "\n".join(lines)) for i, lines in enumerate(spec)]


def _ingest(tmp_path: Path, name: str, spec: list[list[str]]) -> dict[int, set[str | None]]:
    pdf = make_pdf(tmp_path / f"{name}.pdf", spec)
    with Earnest(Settings.load(tmp_path / "lib", env={})) as lib:
        lib.ingest([pdf], embed=False)
        by_page: dict[int, set[str | None]] = {}
        for _, chunk in lib.store.document_chunks(name):
            by_page.setdefault(chunk.page_start, set()).add(chunk.section)
    return by_page


def test_an_8k_has_its_items_and_its_exhibit_with_the_release_parts(tmp_path: Path) -> None:
    labels = [(h.page, h.label) for h in find_headings(pages_of(EIGHT_K))]
    assert labels == [
        (2, "Item 2.02. Results of Operations and Financial Condition"),
        (2, "Item 9.01. Financial Statements and Exhibits"),
        (4, "Exhibit 99.1"),  # atop its page; "99.1 Press release ..." in the index is not
        (4, "Exhibit 99.1. Highlights"),
        (5, "Exhibit 99.1. Outlook"),
        (6, "Exhibit 99.1. Conference Call"),
        (6, "Exhibit 99.1. About the Company"),
        (7, "Exhibit 99.1. Forward-Looking Statements"),
        (8, "Exhibit 99.1. Financial Statements"),
        (9, "Exhibit 99.1. Non-GAAP Reconciliation")]
    # Through the real reader and chunker, stored on the chunks.
    by_page = _ingest(tmp_path, "ACME_8K", EIGHT_K)
    assert by_page[1] == {None}  # the cover precedes every item
    # A chunk is labelled by its middle: page 2's one chunk is mostly Item 2.02.
    assert by_page[2] == {"Item 2.02. Results of Operations and Financial Condition"}
    assert by_page[3] == {"Item 9.01. Financial Statements and Exhibits"}  # the signature
    assert by_page[5] == {"Exhibit 99.1. Outlook"}
    assert by_page[9] == {"Exhibit 99.1. Non-GAAP Reconciliation"}


def test_an_8k_item_set_one_word_a_line_is_joined_up() -> None:
    spec = [COVER, ["Item", "7.01 Regulation", "FD", "Disclosure.",
                    "ACME Corp issued a press release, furnished as Exhibit 99.1 hereto."]]
    assert [h.label for h in find_headings(pages_of(spec))] == \
        ["Item 7.01. Regulation FD Disclosure"]


def test_a_release_has_its_parts_from_its_headings(tmp_path: Path) -> None:
    labels = [(h.page, h.label) for h in find_headings(pages_of(RELEASE_BODY))]
    assert labels == [(1, "Headline and Summary"), (1, "Highlights"), (2, "Outlook"),
                      (3, "Conference Call"), (3, "About the Company"),
                      (4, "Forward-Looking Statements"), (5, "Financial Statements"),
                      (6, "Non-GAAP Reconciliation")]
    by_page = _ingest(tmp_path, "ACME_2023Q4_EARNINGS", RELEASE_BODY)
    assert by_page[1] == {"Headline and Summary"}
    assert by_page[2] == {"Outlook"}
    assert by_page[6] == {"Non-GAAP Reconciliation"}


def test_what_is_not_a_release_heading() -> None:
    assert heading_part("Company Raises Outlook for Fiscal 2024") is None  # a headline
    assert heading_part("Forward-Looking Statements' in this release.") is None  # a sentence
    assert heading_part("Non-GAAP Diluted EPS of $2.61") is None  # a figure
    assert heading_part("Balance Sheet") is None  # a discussion, not the statement's title
    assert heading_part("Cautionary Statement Regarding Forward-Looking Statements").label == \
        "Forward-Looking Statements"
    assert heading_part("FY24 Financial Guidance").label == "Outlook"
    assert heading_part("U.S. GAAP Condensed Consolidated Statements of Income (Unaudited)"
                        ).label == "Financial Statements"  # "U.S." ends no sentence
    # One part is no release: a letter with an "Outlook" paragraph gets no sections.
    assert find_headings(pages_of([["Dear shareholders,", "Outlook",
                                    "We expect another good year."]])) == []
    assert part_named("Exhibit 99.1. Forward-Looking Statements").label == \
        "Forward-Looking Statements"
    assert part_named("Exhibit 99.1") is None and part_named("Item 2.02. Results") is None


def test_docs_show_lists_a_releases_parts(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "ACME_2023Q4_EARNINGS.pdf", RELEASE_BODY)
    shown, text = docs_show(pdf, "ACME_2023Q4_EARNINGS", tmp_path / "home")
    assert [s["section"] for s in shown["sections"]][-3:] == [
        "Forward-Looking Statements", "Financial Statements", "Non-GAAP Reconciliation"]
    assert "Non-GAAP Reconciliation" in text


def test_guidance_and_adjusted_measures_are_routed_to_their_parts(tmp_path: Path) -> None:
    guidance = plan_question("What is ACME's net sales guidance for fiscal 2024?")
    assert release_part_match(guidance.terms, "Outlook") > 0.5
    assert release_part_match(guidance.terms, "Exhibit 99.1. Outlook") > 0.5
    assert release_part_match(guidance.terms, "Forward-Looking Statements") == 0.0
    adjusted = plan_question("What was ACME's adjusted operating income?")
    assert release_part_match(adjusted.terms, "Non-GAAP Reconciliation") > 0
    assert release_part_match(adjusted.terms, "Item 1A. Risk Factors") == 0.0  # not a part
    # In retrieval: the outlook passage leads with routing; without it the headline or the
    # safe harbor, which repeat more of the question's words, lead.
    pdf = make_pdf(tmp_path / "ACME_2023Q4_EARNINGS.pdf", RELEASE_BODY)
    question = "What net sales growth does ACME expect for fiscal 2024 in its guidance?"
    first = {}
    default = Settings.load(tmp_path, env={}).retrieve.rerank_release_part
    for weight in (0.0, default):
        settings = Settings.load(tmp_path / f"lib{weight}", env={})
        settings.retrieve.rerank_release_part = weight
        with Earnest(settings) as lib:
            lib.ingest([pdf], embed=False)
            found = lib.search(question, k=3, mode="keyword").passages
            first[weight] = found[0].section
    assert first[0.0] != "Outlook" and first[default] == "Outlook"
