"""One library, two stores: the same documents ingested through the real ``Earnest`` service
into SQLite and into PostgreSQL give the same top 10 pages, answers, citations and "not found"
decisions for the same questions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from earnest import Earnest, Filters, Settings
from earnest.samples import sample_dir
from earnest.store.postgres import PostgresStore

from .pdfs import make_pdf

QUESTIONS = [
    "Why did net sales decrease in the third quarter?",
    "How much did ACME spend on purchases of property, plant and equipment?",
    "What did the CFO say about backlog?",
    "What did analysts ask about pricing?",
    "What was Northwind's third quarter revenue and why did it decline?",
    "What was NWIN's book-to-bill ratio?",
    "What guidance did Northwind give for the fourth quarter?",
    "What was BOLT Industries' revenue in fiscal 2023?",
    "How much cash did BOLT generate from operations in 2023?",
    "What did BOLT's CEO say about the Ohio plant?",
    "What were BOLT's dividends paid?",
    "Gross margin compared with a year earlier",
    "What is the best recipe for banana bread with walnuts?",
    "Who won the 1998 world cup final?",
    "capital expenditure 2023",
    "What are the risks from European automotive customers?",
    "What drove Crane Robotics' revenue growth in 2023?",
    "How much did Delta Foods spend on capital expenditures in 2023?",
    "What was Evergreen Power's operating margin?",
    "Which segment grew fastest at Falcon Software?",
    "What did Granite Mining say about copper prices?",
    "How much debt did Crane Robotics repay?",
    "What risks does Delta Foods face from commodity costs?",
    "Share repurchases in 2023",
]

COMPANIES = [("CRANE", "Crane Robotics", "warehouse automation orders", "copper"),
             ("DELTA", "Delta Foods", "higher prices for packaged meals", "wheat and corn"),
             ("EVERGREEN", "Evergreen Power", "new solar capacity in Texas", "natural gas"),
             ("FALCON", "Falcon Software", "cloud subscriptions", "cloud hosting"),
             ("GRANITE", "Granite Mining", "copper volumes from the Atacama mine", "copper")]


def _bolt_docs(folder: Path) -> None:
    make_pdf(folder / "BOLT_FY2023_10K.pdf", [
        ["BOLT Industries Inc. Annual Report on Form 10-K for the fiscal year ended "
         "December 31, 2023",
         "Item 7. Management's Discussion and Analysis",
         "Revenue for fiscal 2023 was $2,341.7 million, an increase of 9.4% from $2,140.5",
         "million in fiscal 2022, driven by higher fastener volumes and pricing.",
         "Operating margin improved to 14.2% from 12.9%."],
        ["Item 1A. Risk Factors",
         "Our Ohio plant produces 40% of our output; a disruption there would hurt results.",
         "Steel prices are volatile and we may not pass increases on to customers.",
         "We depend on European automotive customers for 18% of revenue."],
        ["Consolidated Statements of Cash Flows",
         "(In millions) 2023 2022",
         "Net cash provided by operating activities 301.4 255.0",
         "Capital expenditures (120.6) (98.2)",
         "Dividends paid (44.0) (40.0)",
         "Repurchases of common stock (75.0) (0.0)"],
    ])
    (folder / "BOLT_Q4_2023_call.txt").write_text(
        "BOLT Industries Q4 2023 Earnings Call Transcript\n\nPrepared Remarks:\n\nOperator\n"
        "Welcome to the BOLT Industries fourth quarter 2023 call.\n\n"
        "Ann Park -- Chief Executive Officer\n"
        "Thank you. The Ohio plant expansion finished on time and added 12% capacity. "
        "We expect fiscal 2024 revenue between $2.45 billion and $2.55 billion.\n\n"
        "Questions and Answers:\n\nOperator\nOur first question comes from Raj Mehta.\n\n"
        "Raj Mehta -- Harbor Capital -- Analyst\n"
        "Can you talk about steel costs and pricing for next year?\n\n"
        "Ann Park -- Chief Executive Officer\n"
        "Steel costs eased in the fourth quarter, and our pricing held.\n", encoding="utf-8")


def _company_docs(folder: Path) -> None:
    """A 10-K per company: MD&A, segments, risk factors and a cash-flow table."""
    for n, (ticker, name, driver, commodity) in enumerate(COMPANIES):
        revenue = 1000 + 437 * n
        make_pdf(folder / f"{ticker}_FY2023_10K.pdf", [
            [f"{name} Annual Report on Form 10-K for the fiscal year ended December 31, 2023",
             "Item 7. Management's Discussion and Analysis of Results of Operations",
             f"Revenue was ${revenue:,}.{n} million in 2023, up {5 + n}.{n}% from 2022,",
             f"driven mainly by {driver}.",
             f"Operating margin was {10 + 2 * n}.{n + 1}% compared with {9 + 2 * n}.0% in 2022."],
            ["Segment Information",
             f"The Services segment grew {12 + n}% while the Products segment grew {3 + n}%.",
             f"Services was the fastest growing segment of {name} in 2023.",
             "Segment operating income excludes corporate costs."],
            ["Item 1A. Risk Factors",
             f"Prices of {commodity} are volatile; higher commodity costs could reduce margins.",
             "We face competition, cyber attacks and changes in interest rates.",
             f"{name} may not be able to pass cost increases on to customers."],
            ["Consolidated Statements of Cash Flows",
             "(In millions) 2023 2022",
             f"Net cash provided by operating activities {200 + 31 * n}.0 {180 + 29 * n}.0",
             f"Capital expenditures ({60 + 7 * n}.5) ({55 + 6 * n}.0)",
             f"Repayment of long-term debt ({100 + 10 * n}.0) (50.0)",
             f"Repurchases of common stock ({20 + 5 * n}.0) (10.0)"],
        ])
    (folder / "GRANITE_Q4_2023_call.txt").write_text(
        "Granite Mining Q4 2023 Earnings Call Transcript\n\nPrepared Remarks:\n\nOperator\n"
        "Welcome to the Granite Mining fourth quarter call.\n\n"
        "Luis Romero -- Chief Executive Officer\n"
        "Copper prices recovered late in the quarter, and we expect them to stay above $4.00 "
        "a pound as supply stays tight. Atacama volumes rose 11%.\n\n"
        "Questions and Answers:\n\nOperator\nOur first question comes from Kim Sato.\n\n"
        "Kim Sato -- Ridge Partners -- Analyst\n"
        "How exposed are you to copper prices if China slows?\n\n"
        "Luis Romero -- Chief Executive Officer\n"
        "About two thirds of our revenue moves with copper prices.\n", encoding="utf-8")


def _top10(lib: Earnest, question: str, filters: Filters | None = None) -> list[tuple]:
    return [(p.doc_name, p.page_start)
            for p in lib.search(question, k=10, filters=filters).passages]


def _answer(lib: Earnest, question: str) -> tuple:
    a = lib.ask(question)
    return (a.status, a.answer,
            [(c.doc_name, c.page, c.quote, c.speaker, c.section) for c in a.citations])


@pytest.fixture()
def corpus(tmp_path: Path, sample_docs: Path) -> Path:
    for f in sample_dir().iterdir():
        if f.is_file():
            shutil.copy(f, sample_docs / f.name)
    _bolt_docs(sample_docs)
    _company_docs(sample_docs)
    return sample_docs


def test_sqlite_and_postgres_agree(tmp_path: Path, corpus: Path, embedder,
                                   pg_url) -> None:
    sqlite = Earnest(Settings.load(tmp_path / "sqlite-lib", env={}), embedder=embedder)
    pg_settings = Settings.load(tmp_path / "pg-lib", env={}, store__url=pg_url)
    postgres = Earnest(pg_settings, embedder=embedder)
    try:
        assert isinstance(postgres.store, PostgresStore)
        sqlite.ingest([corpus])
        postgres.ingest([corpus])
        s_stats, p_stats = sqlite.stats(), postgres.stats()
        for key in ("documents", "pages", "chunks", "embedded"):
            assert getattr(s_stats, key) == getattr(p_stats, key), key
        assert p_stats.embedded == p_stats.chunks > 40

        overlaps, top1_differs = [], []
        for question in QUESTIONS:
            s_top, p_top = _top10(sqlite, question), _top10(postgres, question)
            overlaps.append(len(set(s_top) & set(p_top)) / max(len(set(s_top)), 1))
            if s_top[:1] != p_top[:1]:
                top1_differs.append(question)
            assert p_top == s_top, question
            assert _answer(postgres, question) == _answer(sqlite, question), question
        for flt in (Filters(doc_names=["BOLT_FY2023_10K"]),
                    Filters(metadata={"company": ["ACME"]})):
            assert _top10(postgres, "revenue and cash", flt) == _top10(
                sqlite, "revenue and cash", flt)
        statuses = [_answer(sqlite, q)[0] for q in QUESTIONS]
        assert set(statuses) == {"answered", "not_found"}  # both decisions were compared
        overlap = sum(overlaps) / len(overlaps)
        print(f"\ncongruence: {s_stats.documents} documents, {s_stats.chunks} passages, "
              f"{len(QUESTIONS)} questions ({statuses.count('not_found')} not found), "
              f"mean overlap@10 {overlap:.3f}, top-1 differs on {len(top1_differs)}: "
              f"{top1_differs}")
        assert overlap == 1.0
    finally:
        sqlite.close()
        postgres.close()


def test_keyword_scores_are_fts5_bm25(tmp_path: Path, corpus: Path, embedder,
                                      pg_url) -> None:
    """The PostgreSQL keyword index ranks with SQLite FTS5's terms and BM25: same scores."""
    sqlite = Earnest(Settings.load(tmp_path / "s", env={}), embedder=embedder)
    postgres = Earnest(Settings.load(tmp_path / "p", env={}, store__url=pg_url),
                       embedder=embedder)
    try:
        for lib in (sqlite, postgres):
            for f in sorted(corpus.iterdir()):
                lib.ingest_file(f)
        for query in ("revenue revenues decline", "capital expenditures 2023 purchases",
                      "ohio plant steel pricing", "résumé of the CFO's remarks", "q3 fy2024"):
            s = sqlite.store.keyword_search(query, Filters(), 50)
            p = postgres.store.keyword_search(query, Filters(), 50)
            assert s, query
            s_named = dict(_named(sqlite, s))
            p_named = dict(_named(postgres, p))
            assert set(p_named) == set(s_named), query
            for key, score in s_named.items():
                assert p_named[key] == pytest.approx(score, rel=1e-9), (query, key)
    finally:
        sqlite.close()
        postgres.close()


def _named(lib: Earnest, hits: list[tuple[int, float]]) -> list[tuple]:
    passages = {p.chunk_id: p for p in lib.store.get_passages([i for i, _ in hits])}
    return [((passages[i].doc_name, passages[i].char_start, passages[i].page_start), s)
            for i, s in hits]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_collections_hold_through_the_service(kind: str, tmp_path: Path, sample_docs: Path,
                                              embedder, request) -> None:
    """A question naming a document of another collection still gets nothing from it."""
    from .store_contract import new_doc

    url = request.getfixturevalue("pg_url") if kind == "postgresql" else None
    with Earnest(Settings.load(tmp_path / "lib", env={}, store__url=url),
                 embedder=embedder) as lib:
        lib.ingest([sample_docs])
        other = new_doc("ZETA_2023Q3_10Q", ["Zeta net sales were $5.0 million in the third "
                                            "quarter of 2023, driven by volumes."],
                        company="Zeta")
        other.collection = "research"
        lib.store.add_document(other)
        lib.embed_pending()
        question = "What were Zeta's net sales in the third quarter of 2023?"
        everywhere = {p.doc_name for p in lib.search(question, k=10).passages}
        assert "ZETA_2023Q3_10Q" in everywhere
        default = lib.search(question, k=10, filters=Filters(collections=["default"]))
        assert default.passages and "ZETA_2023Q3_10Q" not in {
            p.doc_name for p in default.passages}
        research = lib.search(question, k=10, filters=Filters(collections=["research"]))
        assert {p.doc_name for p in research.passages} == {"ZETA_2023Q3_10Q"}
