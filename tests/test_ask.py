from pathlib import Path

import pytest

from earnest import Earnest, Filters, Settings
from earnest.errors import InputError


def test_answer_quotes_verbatim_with_page_citations(loaded: Earnest) -> None:
    answer = loaded.ask("Why did net sales decrease in the third quarter?")
    assert answer.status == "answered"
    assert answer.citations and len(answer.sentences) == len(answer.citations)
    for c in answer.citations:
        page = loaded.page_text(c.doc_name, c.page)
        assert page[c.char_start:c.char_end] == c.quote  # verbatim on the cited page
        assert f"[{c.number}]" in answer.answer
    texts = " ".join(s.text for s in answer.sentences)
    assert "driven by lower volumes" in texts
    assert answer.library_version["generation"] == loaded.stats().generation
    assert set(answer.timings_ms) >= {"understand", "retrieve", "rerank", "answer", "total"}


def test_table_row_is_found(loaded: Earnest) -> None:
    answer = loaded.ask("How much did ACME spend on purchases of property, plant and equipment?")
    assert answer.status == "answered"
    row = next(c for c in answer.citations if "(96.3)" in c.quote)
    assert row.page == 2 and row.columns == "(In millions) 2023 2022"


def test_transcript_citations_carry_speaker_and_section(loaded: Earnest) -> None:
    answer = loaded.ask("What did the CFO say about backlog?")
    cited = [c for c in answer.citations if "backlog" in c.quote]
    assert cited and cited[0].speaker == "Jane Doe (Chief Financial Officer)"
    assert answer.citations[0].speaker == "Jane Doe (Chief Financial Officer)"
    assert cited[0].section == "Prepared remarks" and cited[0].role == "executive"


def test_unrelated_question_is_not_found(loaded: Earnest) -> None:
    answer = loaded.ask("What is the best recipe for banana bread with walnuts?")
    assert answer.status == "not_found"
    assert answer.citations == [] and "Not found in your documents" in answer.answer
    assert answer.passages  # the closest passages are still shown


def test_empty_library(library: Earnest) -> None:
    answer = library.ask("What was revenue?")
    assert answer.status == "empty_library" and answer.citations == []


def test_filters_restrict_documents(loaded: Earnest) -> None:
    result = loaded.search("net sales", filters=Filters(doc_names=["ACME_Q3_2023_call"]))
    assert result.passages and {p.doc_name for p in result.passages} == {"ACME_Q3_2023_call"}
    assert result.filters == {"doc_names": ["ACME_Q3_2023_call"]}


def test_search_modes_and_bad_input(loaded: Earnest) -> None:
    for mode in ("keyword", "dense", "hybrid"):
        result = loaded.search("backlog", mode=mode, k=3)
        assert result.mode == mode and len(result.passages) <= 3
    with pytest.raises(InputError, match="empty"):
        loaded.ask("   ")
    with pytest.raises(InputError, match="unknown search mode"):
        loaded.search("x", mode="magic")


def test_speaker_questions_and_passage_filters(loaded: Earnest) -> None:
    asked = loaded.search("What did analysts ask about pricing?", k=3)
    assert asked.passages[0].role == "analyst"
    assert "pricing" in asked.passages[0].text
    only = loaded.search("pricing volumes backlog", filters=Filters(roles=["executive"]), k=10)
    assert only.passages and {p.role for p in only.passages} == {"executive"}
    qa = loaded.search("pricing", filters=Filters(sections=["Q&A"], speakers=["cfo", "Doe"]))
    assert qa.passages and all(p.section == "Q&A" and "Jane Doe" in p.speaker
                               for p in qa.passages)


def test_understanding_is_shown(loaded: Earnest) -> None:
    answer = loaded.ask("What did the CFO of ACME say about backlog in Q3 2023?")
    u = answer.understanding
    assert u["years"] == [2023] and u["quarter"] == 3
    assert "acme" in u["companies"] and u["speakers"]
    assert "ACME_Q3_2023_call" in u["documents"]


def test_comparison_gets_evidence_for_each_period(library: Earnest, tmp_path: Path) -> None:
    folder = tmp_path / "years"
    folder.mkdir()
    (folder / "ACME_2021_10K.txt").write_text(
        "ACME revenue was $10.0 million in fiscal 2021. Revenue grew on strong demand. "
        "ACME revenue growth in 2021 came from new customers and higher revenue per user.")
    (folder / "ACME_2022_10K.txt").write_text(
        "In fiscal 2022 sales reached $12.5 million.")
    (folder / "ACME_2021Q3_10Q.txt").write_text(
        "ACME revenue change in fiscal 2021: revenue rose to $2.6 million in the third quarter "
        "of 2021 as ACME revenue per customer changed.")
    (folder / "OTHER_2021_10K.txt").write_text("Unrelated company text about weather.")
    library.ingest([folder])
    result = library.search("How did ACME revenue change from FY2021 to FY2022?", k=2)
    assert {p.doc_name[5:9] for p in result.passages} == {"2021", "2022"}


def test_a_filter_for_something_the_library_lacks_says_what_it_has(loaded: Earnest) -> None:
    from earnest.errors import NotFound

    with pytest.raises(NotFound, match="did you mean 'ACME_Q3_2023_call'"):
        loaded.ask("net sales", filters=Filters(doc_names=["ACME_Q3_2023_cal"]))
    with pytest.raises(NotFound, match="no document has doc_type = '8-K'"):
        loaded.search("net sales", filters=Filters(metadata={"doc_type": ["8-K"]}))
    with pytest.raises(InputError, match="no document has a 'colour' field"):
        loaded.search("net sales", filters=Filters(metadata={"colour": ["red"]}))
    with pytest.raises(InputError, match="unknown speaker role 'ceo'; roles: executive, "):
        loaded.search("net sales", filters=Filters(roles=["ceo"]))


def test_the_cli_and_the_api_read_filters_one_way() -> None:
    """--filter KEY=VALUE and the API's JSON filters become the same Filters."""
    from earnest.api.schemas import FiltersIn
    from earnest.inputs import filter_fields, filters_from

    cli = filters_from(filter_fields(["doc=A", "Role=Analyst", "speaker=CFO", "section=Q&A",
                                      "fiscal_year=2023", "company=ACME", "collection=x"]))
    api = FiltersIn(doc_names=["A"], roles=["analyst"], speakers=["CFO"], sections=["Q&A"],
                    fiscal_year=[2023], company=["ACME"], collections=["x"]).to_filters()
    assert cli == api
    assert cli.metadata == {"fiscal_year": ["2023"], "company": ["ACME"]}


def test_a_statement_question_reaches_the_statement_page(tmp_path: Path, embedder) -> None:
    """"Has the quick ratio improved?" shares no word with the balance sheet that answers it;
    the statement's own title words find the page in the filing the question names."""
    from .pdfs import make_pdf

    narrative = [[f"ACME Corp Annual Report 2023, Item {n}",
                  "Management believes demand for sensors recovered as customers restocked, and "
                  "the company kept investing in new products for its customers.",
                  f"Segment {n} orders and shipments rose."]
                 for n in range(1, 41)]
    sheet = ["ACME Corp Consolidated Balance Sheets", "(In millions) 2023 2022",
             "Cash and cash equivalents 812 640", "Accounts receivable, net 410 395",
             "Inventories 530 610", "Total current assets 1,752 1,645",
             "Total current liabilities 1,190 1,230", "Total assets 5,400 5,210",
             "Total liabilities and shareholders' equity 5,400 5,210"]
    folder = tmp_path / "filings"
    folder.mkdir()
    make_pdf(folder / "ACME_2023_10K.pdf", narrative[:6] + [sheet] + narrative[6:])
    # A small candidate pool, as a long 10-K is to the default one.
    library = Earnest(Settings.load(tmp_path / "lib", env={}, retrieve__candidates=5),
                      embedder=embedder)
    make_pdf(folder / "OTHER_2023_10K.pdf", [["Other Inc Annual Report 2023",
                                              "Other Inc sells garden tools."]])
    library.ingest([folder])
    result = library.search("Has ACME's quick ratio improved in FY2023?", k=5)
    pages = [(p.doc_name, p.page_start) for p in result.passages]
    assert ("ACME_2023_10K", 7) in pages, pages
