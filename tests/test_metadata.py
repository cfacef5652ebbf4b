from pathlib import Path

from earnest import Earnest
from earnest.metadata import company_aliases, extract_metadata
from earnest.models import DocumentInfo, DocumentMetadata, Page

COVER_10K = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
FORM 10-K
ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the fiscal year ended January 28, 2023
Commission file number 1-9595
BEST BUY CO., INC.
(Exact name of registrant as specified in its charter)
Title of each class Trading Symbol Name of exchange on which registered
Common Stock, $0.10 par value per share BBY New York Stock Exchange
"""


def test_10k_cover() -> None:
    meta = extract_metadata([Page(1, COVER_10K)], "whatever_name")
    assert meta.doc_type == "10-K" and meta.company == "Best Buy Co., Inc"
    assert meta.ticker == "BBY" and meta.fiscal_period == "FY2023"
    assert meta.period_end == "2023-01-28" and meta.sec_file_number == "1-9595"
    assert meta.metadata_source["company"] == "text"


def test_retail_year_named_after_its_start() -> None:
    text = COVER_10K + "\nIn fiscal 2022 we grew. Fiscal 2022 was a 52-week year."
    assert extract_metadata([Page(1, text)], "x").fiscal_year == 2022


def test_10q_quarter_from_year_to_date_columns() -> None:
    text = ("FORM 10-Q\nQUARTERLY REPORT PURSUANT TO SECTION 13\nFor the Quarterly Period Ended "
            "December 31, 2022\nAMCOR PLC\n(Exact name of Registrant as specified in its "
            "charter)\nThree Months Ended Six Months Ended December 31")
    meta = extract_metadata([Page(1, text)], "x")
    assert (meta.company, meta.fiscal_period) == ("Amcor PLC", "Q2 FY2023")


def test_8k_date_and_release_headline() -> None:
    k8 = ("FORM 8-K\nCURRENT REPORT\nPursuant to Section 13 or 15(d)\nDate of Report (Date of "
          "earliest event reported): July 1, 2022\nAMCOR PLC\n(Exact name of registrant as "
          "specified in its charter)")
    meta = extract_metadata([Page(1, k8)], "x")
    assert (meta.doc_type, meta.doc_date, meta.fiscal_year) == ("8-K", "2022-07-01", 2022)
    release = ("May 25, 2023\nUlta Beauty Announces First Quarter\nFiscal 2023 Results\n"
               "BOLINGBROOK, Ill.--(BUSINESS WIRE)-- Ulta Beauty, Inc. (NASDAQ: ULTA) today "
               "announced results. Compared with the first quarter of fiscal 2022, sales rose.")
    meta = extract_metadata([Page(1, release)], "x")
    assert meta.doc_type == "earnings_release" and meta.ticker == "ULTA"
    assert meta.company == "Ulta Beauty, Inc" and meta.fiscal_period == "Q1 FY2023"


def test_filename_is_only_a_fallback() -> None:
    meta = extract_metadata([Page(1, "Some memo without a cover.")], "ACME_2021_10K")
    assert meta.doc_type == "10-K" and meta.metadata_source["doc_type"] == "filename"
    assert meta.fiscal_year == 2021 and meta.metadata_source["fiscal_period"] == "filename"


def test_transcript_title() -> None:
    meta = extract_metadata([Page(1, "x")], "y",
                            transcript_title="Q3 2015 Apple Inc Earnings Call\nJULY 21, 2015")
    assert (meta.doc_type, meta.company, meta.fiscal_period) == \
        ("earnings_call", "Apple Inc", "Q3 FY2015")


def _doc(name: str, **meta) -> DocumentInfo:
    return DocumentInfo(1, name, "", "", "pdf", 1, 1, 1, "ready", "", DocumentMetadata(**meta))


def test_renamed_registrant_shares_names() -> None:
    docs = [_doc("a", company="Square, Inc", sec_file_number="1-37622"),
            _doc("b", company="Block, Inc", sec_file_number="1-37622", ticker="SQ"),
            _doc("c", company="Other Co")]
    aliases = company_aliases(docs)
    assert aliases["a"] == aliases["b"] == {"Square, Inc", "Block, Inc"}
    assert aliases["c"] == {"Other Co"}


def test_corrections_survive_reingest(library: Earnest, sample_docs: Path) -> None:
    library.ingest([sample_docs])
    call = library.document("ACME_Q3_2023_call")
    assert call.metadata.doc_type == "earnings_call"
    assert call.metadata.ticker == "ACME" and call.metadata.fiscal_period == "Q3 FY2023"
    library.correct_metadata("ACME_2023Q3_10Q", {"company": "ACME Corporation"})
    path = sample_docs / "ACME_2023Q3_10Q.pdf"
    path.write_bytes(path.read_bytes() + b"\n% changed\n")  # new content, same name
    assert library.ingest([path]).files[0].status == "ingested"
    info = library.document("ACME_2023Q3_10Q")
    assert info.effective_metadata().company == "ACME Corporation"
    assert info.corrections == {"company": "ACME Corporation"}
    library.correct_metadata("ACME_2023Q3_10Q", {"company": None})
    assert library.document("ACME_2023Q3_10Q").corrections == {}


# How calls open (the operator's first words) and the company each names.
OPENINGS = [
    ("Welcome to the Second Quarter 2021 AMETEK, Inc. Earnings Conference Call. [Operator "
     "Instructions]", "AMETEK, Inc"),
    ("I'd like to welcome everyone to the Dollar General Second Quarter 2021 Earnings Call. "
     "Today is Thursday", "Dollar General"),
    ("Welcome to the Fiscal 2021 Third Quarter Earnings Call for Applied Industrial "
     "Technologies. My name is Cheryl", "Applied Industrial Technologies"),
    ("thank you all for joining us to discuss Equity Lifestyle Properties' First Quarter 2020 "
     "Results.", "Equity Lifestyle Properties"),
    ("Welcome to Avery Dennison's earnings conference call for the second quarter of 2021.",
     "Avery Dennison"),
    ("welcome to the BankUnited, Inc. first-quarter financial results conference call.",
     "BankUnited, Inc"),
    ("welcome to the Third Quarter 2021 Earnings Call for D.R. Horton, America's Builder",
     "D.R. Horton"),
    # "First" (or "One") before a name is the name's, unless a period follows it
    ("Good morning, and welcome to the First BanCorp Third Quarter Earnings Conference Call "
     "and webcast.", "First BanCorp"),
    ("Good day, and welcome to the First Solar 3Q Earnings Call.", "First Solar"),
    ("welcome to the ONE Gas Third Quarter 2021 Earnings Conference Call.", "ONE Gas"),
    ("welcome to the fourth-quarter and year-end Genpact Limited earnings conference call.",
     "Genpact Limited"),
    # a release headline's verb is no part of the name
    ("Good morning, everyone, and welcome to the ATI Announces First Quarter 2021 Results "
     "Conference Call.", "ATI"),
    # the period however it is spaced or ordered
    *((f"welcome to the {period} Frontline earnings conference call.", "Frontline")
      for period in ("First Quarter 2021", "First  Quarter 2021", "First\u00a0Quarter 2021",
                     "First Half 2021", "Quarter Two 2021")),
    # period words alone, or a sentence about the call, name no company
    ("Welcome to our first quarter 2021 conference call.", None),
    ("Certain matters discussed during this conference call may contain forward-looking "
     "statements.", None),
]


def test_company_from_the_way_a_call_opens() -> None:
    from earnest.metadata import company_from_call_opening as opening

    for text, company in OPENINGS:
        assert opening(text) == company, text


def test_a_company_named_only_in_the_sentences_is_read_from_them(tmp_path) -> None:
    from earnest.metadata import extract_metadata
    from earnest.models import Page

    text = ("FOR IMMEDIATE RELEASE\nAmcor reports fourth quarter and fiscal 2023 results\n"
            "Amcor delivered net sales of $14.7 billion for the year.\n"
            "Amcor expects growth in fiscal 2024.")
    meta = extract_metadata([Page(number=1, text=text)], "doc-1a2b3c")
    assert meta.company == "Amcor" and meta.ticker == "AMCR"
    assert meta.metadata_source["company"] == "text"  # not the file name "doc"


def test_a_company_name_holds_no_date_or_period_words() -> None:
    from earnest.metadata import clean_company

    assert clean_company("AMD Third Quarter 2020 and Xilinx Acquisition") == "AMD"
    assert clean_company("January 28, 2022 Block, Inc") == "Block, Inc"
    assert clean_company("Ended December") == ""
    assert clean_company("Q2 Holdings") == "Q2 Holdings"
    assert clean_company("3M Company") == "3M Company"


def test_a_file_name_changes_nothing_a_passage_is_searched_by(tmp_path, embedder) -> None:
    from earnest import Earnest, Settings
    from earnest.samples import sample_dir

    call = sample_dir() / "NWIN_Q3_FY2024_earnings_call.txt"
    contexts = []
    for name in (call.name, "download (3).txt"):
        folder = tmp_path / name.split(".")[0]
        folder.mkdir()
        (folder / name).write_bytes(call.read_bytes())
        with Earnest(Settings.load(folder / "lib", env={}), embedder=embedder) as lib:
            lib.ingest([folder / name], embed=False)
            doc = lib.documents()[0]
            contexts.append([c.context for _, c in lib.store.document_chunks(doc.doc_name)])
    assert contexts[0] == contexts[1]
    assert contexts[0][0].startswith("Northwind Instruments")
    assert "NWIN earnings call Q3 FY2024" in contexts[0][0]


def test_refresh_names_passages_by_the_text_in_an_older_library(library) -> None:
    from earnest.samples import sample_dir

    library.ingest([sample_dir() / "NWIN_Q3_FY2024_earnings_call.txt"], embed=False)
    name = library.documents()[0].doc_name
    chunks = library.store.document_chunks(name)
    # As an older version wrote it: the file name, then the page's headings.
    library.store.set_chunk_titles(name, {i: ("NWIN Q3 FY2024 earnings call", c.headings)
                                          for i, c in chunks})
    library.refresh_metadata()
    after = library.store.document_chunks(name)
    assert [(c.title, c.headings) for _, c in after] == [(c.title, c.headings) for _, c in chunks]


def test_refresh_splits_the_headings_migration_7_read_as_one_piece(library, tmp_path) -> None:
    path = tmp_path / "ACME_2023_10K.txt"
    path.write_text("Consolidated Balance Sheets\n(In millions) 2023 2022\nCash 100 90\n"
                    "Inventory 50 40\nTotal assets 150 130\n\nCash rose in 2023.\n")
    library.ingest([path], embed=False)
    chunks = library.store.document_chunks("ACME_2023_10K")
    assert len(chunks[0][1].headings) > 1
    # What migration 7 makes of an older library's "title | heading heading" context.
    library.store.set_chunk_titles("ACME_2023_10K", {i: (c.title, (" ".join(c.headings),))
                                                     for i, c in chunks})
    library.refresh_metadata()
    after = library.store.document_chunks("ACME_2023_10K")
    assert [(c.title, c.headings) for _, c in after] == [(c.title, c.headings) for _, c in chunks]


def test_a_cover_without_the_registrant_name_takes_the_listed_company_of_its_ticker() -> None:
    cover = ("UNITED STATES SECURITIES AND EXCHANGE COMMISSION\nFORM 10-K\nFor the fiscal year "
             "ended September 28, 2024\nCommission File No. 001-36743\n(Exact name of "
             "registrant as specified in its charter)\nCalifornia 94-2404110\nTrading "
             "Symbol(s) Name of each exchange on which registered\nCommon Stock, $0.00001 par "
             "value per share AAPL The Nasdaq Stock Market LLC\n")
    meta = extract_metadata([Page(1, cover)], "scan_0001")
    assert meta.ticker == "AAPL" and meta.company == "Apple Inc."
    assert meta.metadata_source["company"] == "ticker"
