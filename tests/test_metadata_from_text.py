"""Opaque file names: what a filing or a release is comes from its own pages (PDFs built
here), the file name says nothing, and ``metadata_source`` shows it."""

from __future__ import annotations

from pathlib import Path

from earnest import Earnest, Settings
from earnest.metadata import extract_metadata
from earnest.models import Page

from .pdfs import make_pdf

# A cover whose registrant name is a logo (not in the text layer); its fiscal-year label
# broken inside a word by the PDF; a ticker Earnest's list of listed companies lacks.
LOGO_COVER_10K = [
    "UNITED STATES",
    "SECURITIES AND EXCHANGE COMMISSION",
    "Washington, D.C. 20549",
    "FORM 10-K",
    "ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934",
    "For the fis cal year ended January 28, 2023",
    "Commission File No. 1-10299",
    "(Exact name of registrant as specified in its charter)",
    "New York 13-3513936",
    "Title of each class Trading Symbol(s) Name of each exchange on which registered",
    "Common Stock, par value $0.01 QQZW New York Stock Exchange",
]
BODY_10K = ["PART I", "Item 1. Business",
            "In fiscal 2022 we operated 2,700 stores. Fiscal 2022 was a 52-week year.",
            "Fiscal 2022 sales were $8.7 billion."]
SIGNATURES_10K = [
    "SIGNATURES",
    "Pursuant to the requirements of Section 13 or 15(d) of the Securities Exchange Act of",
    "1934, the Company has duly caused this report to be signed on its behalf by the",
    "undersigned, thereunto duly authorized.",
    "QUILLWORTH OUTFITTERS, INC.",
    "By: /s/ JANE DOE",
    "Jane Doe, Chief Executive Officer",
]


def _ingest(tmp_path: Path, embedder, name: str, pages: list[list[str]]) -> dict:
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    path = make_pdf(folder / name, pages)
    with Earnest(Settings.load(tmp_path / "lib", env={}), embedder=embedder) as lib:
        lib.ingest([path], embed=False)
        doc = lib.document(Path(name).stem)
        contexts = [c.context for _, c in lib.store.document_chunks(doc.doc_name)]
        return {**doc.metadata.to_dict(), "contexts": contexts}


def test_an_opaque_10k_is_read_from_its_cover_and_signatures(tmp_path, embedder) -> None:
    meta = _ingest(tmp_path, embedder, "doc-3f9a1c2b7e.pdf",
                   [LOGO_COVER_10K, BODY_10K, SIGNATURES_10K])
    assert meta["doc_type"] == "10-K"
    assert meta["company"] == "Quillworth Outfitters, Inc"  # from the signature block
    assert meta["ticker"] == "QQZW" and meta["sec_file_number"] == "1-10299"
    assert meta["period_end"] == "2023-01-28"
    # a year ending in January, named in the text after the year it began in
    assert meta["fiscal_period"] == "FY2022"
    assert set(meta["metadata_source"].values()) == {"text"}
    # every passage names the document as its text does, never as "doc"
    assert all(c.startswith("Quillworth Outfitters, Inc QQZW 10-K FY2022")
               for c in meta["contexts"])


def test_a_vendors_title_page_before_the_cover(tmp_path, embedder) -> None:
    title_page = ["QUILLWORTH OUTFITTERS INC", "FORM 10-K (Annual Report)",
                  "Filed 03/31/15 for the Period Ending 01/31/15", "Symbol QQZW"]
    cover = [line.replace("January 28, 2023", "January 31, 2015") for line in LOGO_COVER_10K]
    cover.insert(cover.index("(Exact name of registrant as specified in its charter)"),
                 "QUILLWORTH OUTFITTERS, INC.")
    meta = _ingest(tmp_path, embedder, "download.pdf",
                   [title_page, cover, ["In fiscal 2015 we opened 40 stores."]])
    assert (meta["company"], meta["period_end"], meta["fiscal_period"]) == \
        ("Quillworth Outfitters, Inc", "2015-01-31", "FY2015")
    assert meta["metadata_source"]["fiscal_period"] == "text"


QUARTERLY_COVER = [
    "UNITED STATES SECURITIES AND EXCHANGE COMMISSION",
    "FORM 10-Q",
    "QUARTERLY REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934",
    "For the quarterly period ended: {end}",
    "Commission File Number 1-38932",
    "DUNMORE PACKAGING PLC",
    "(Exact name of registrant as specified in its charter)",
]


def _quarterly(end: str, columns: str, *extra: str) -> list[Page]:
    cover = [line.format(end=end) for line in QUARTERLY_COVER]
    contents = ["TABLE OF CONTENTS", "Part I Financial Information", "Item 1. Financial "
                "Statements", "Item 2. Management's Discussion and Analysis", *extra]
    filler = ["Cautionary statement about forward-looking statements."]
    statements = ["Condensed Consolidated Statements of Income (Unaudited)", columns,
                  "Net sales 3,644 3,580 7,343 7,093"]
    return [Page(1, "\n".join(cover)), Page(2, "\n".join(contents)), Page(3, filler[0]),
            Page(4, filler[0]), Page(5, "\n".join(statements))]


def test_a_10q_quarter_from_the_year_to_date_columns_of_its_statements() -> None:
    # Regulation S-X Rule 10-01(c): the quarter and the year to date; the statements come
    # after the cover and the contents, beyond the first three pages.
    pages = _quarterly("December 31, 2022", "Three Months Ended Six Months Ended")
    meta = extract_metadata(pages, "doc-a82b7e5c62")
    assert (meta.doc_type, meta.company, meta.fiscal_period) == \
        ("10-Q", "Dunmore Packaging PLC", "Q2 FY2023")  # a year ending in June 2023
    assert meta.period_end == "2022-12-31"


def test_a_retailers_third_quarter_is_named_as_its_text_names_it() -> None:
    pages = _quarterly("October 29, 2022", "Thirteen weeks ended Thirty-nine weeks ended",
                       "Third Quarter 2022 Form 10-Q Page 2")
    meta = extract_metadata(pages, "doc-6ff11c9902")
    # The year ends in January 2023; the company calls it 2022.
    assert (meta.fiscal_quarter, meta.fiscal_year) == (3, 2022)
    # Without the text naming it, a fiscal year is named by the year it ends in.
    pages = _quarterly("October 29, 2022", "Thirteen weeks ended Thirty-nine weeks ended")
    assert extract_metadata(pages, "x").fiscal_period == "Q3 FY2023"


def test_a_52_week_quarter_ending_in_a_months_first_days() -> None:
    # A calendar-year company's third quarter closing Saturday October 1, 2022 is in its
    # fiscal 2022, not 2023.
    pages = _quarterly("October 1, 2022", "Three months ended Nine months ended")
    assert extract_metadata(pages, "x").fiscal_period == "Q3 FY2022"


def test_an_opaque_release_from_its_headline_and_dateline(tmp_path, embedder) -> None:
    release = ["Quillworth Outfitters Reports Second Quarter Results",
               "Comparable Sales Declined 6.2%",
               "PORTLAND, August 29, 2023 -- Quillworth Outfitters, Inc. (NYSE: QQZW) today",
               "announced results for the 13-week second quarter ended July 29, 2023",
               "(\u201cQ2 FY24\u201d), as compared to the second quarter ended July 30, 2022."]
    meta = _ingest(tmp_path, embedder, "scan_0001.pdf", [release])
    assert (meta["doc_type"], meta["company"], meta["ticker"]) == \
        ("earnings_release", "Quillworth Outfitters, Inc", "QQZW")
    assert (meta["fiscal_period"], meta["doc_date"]) == ("Q2 FY2024", "2023-08-29")
    assert set(meta["metadata_source"].values()) == {"text"}


def test_a_file_name_is_read_only_when_the_text_says_nothing(tmp_path, embedder) -> None:
    pages = [LOGO_COVER_10K, BODY_10K, SIGNATURES_10K]
    named = _ingest(tmp_path / "a", embedder, "OTHERCO_2019_10Q.pdf", pages)
    opaque = _ingest(tmp_path / "b", embedder, "doc-3f9a1c2b7e.pdf", pages)
    assert {k: v for k, v in named.items() if k != "contexts"} == \
        {k: v for k, v in opaque.items() if k != "contexts"}
    assert named["contexts"] == opaque["contexts"]
    memo = _ingest(tmp_path / "c", embedder, "OTHERCO_2019_10Q.pdf",
                   [["A note to file, with no cover."]])
    assert (memo["doc_type"], memo["fiscal_period"]) == ("10-Q", "FY2019")
    assert memo["metadata_source"]["doc_type"] == "filename"
    assert memo["metadata_source"]["fiscal_period"] == "filename"


def _call(title: str, date: str, quarter: str, margin: str) -> str:
    return (f"{title}\n{date}\n\nPrepared Remarks:\n\nOperator\nGood afternoon, and welcome "
            f"to the {quarter} earnings conference call.\n\nJean Hu -- Chief Financial Officer\n"
            f"Thank you. Gross margin was {margin}, driven by a richer mix of data center "
            "products. Gaming revenue declined as console sales fell.\n\nQuestions and "
            "Answers:\n\nOperator\nOur first question comes from Toshiya Hari with Goldman "
            "Sachs.\n\nToshiya Hari -- Goldman Sachs -- Analyst\nHow should we think about "
            "data center GPUs next quarter?\n\nJean Hu -- Chief Financial Officer\nWe expect "
            "continued growth.\n")


def test_a_company_named_differently_by_two_opaque_calls_is_one_company(tmp_path,
                                                                          embedder) -> None:
    # One call's title says "AMD", a later one's "Advanced Micro Devices Inc" (a
    # StreetEvents title: "... Earnings Conference Call"); their files say nothing.
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "doc-0a1b2c3d4e.txt").write_text(_call(
        "Q1 2010 AMD Earnings Call", "April 15, 2010", "first quarter 2010", "44%"))
    (folder / "doc-9f8e7d6c5b.txt").write_text(_call(
        "Q3 2024 Advanced Micro Devices Inc Earnings Conference Call", "October 29, 2024",
        "third quarter 2024", "54%"))
    with Earnest(Settings.load(tmp_path / "lib", env={}), embedder=embedder) as lib:
        lib.ingest([folder], embed=False)
        late = lib.document("doc-9f8e7d6c5b").metadata
        assert (late.doc_type, late.company, late.fiscal_period) == \
            ("earnings_call", "Advanced Micro Devices Inc", "Q3 FY2024")
        # The question names the company by its ticker, which only the older call states:
        # the library still holds its Q3 2024 call (no "not found" for that period).
        answer = lib.ask("What drove AMD's gross margin expansion in Q3 2024?")
        assert "nothing for Q3 2024" not in answer.answer
        assert answer.passages[0].doc_name == "doc-9f8e7d6c5b"


def test_a_possessive_whose_apostrophe_the_text_lost_is_the_name() -> None:
    text = ("BDX Q3 2021 Earnings Call Transcript\n\nPrepared Remarks:\n\nOperator\nHello, and "
            "welcome to BDs Third Fiscal Quarter 2021 Earnings Call.\n")
    meta = extract_metadata([Page(1, text)], "call-1", transcript_title=text.split("Operator")[0])
    assert meta.company == "BD"
