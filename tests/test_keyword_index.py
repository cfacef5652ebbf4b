"""The SQLite store's in-memory keyword index (store/sqlite_keywords.py) returns what FTS5's
bm25 returns: the same rows, in the same order (ties included), with the same scores, for
every kind of keyword search the store makes; and it is renewed by library generation."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

import earnest.samples
from earnest import Earnest, Settings
from earnest.models import Chunk, Page
from earnest.question_plan import plan_question
from earnest.retrieval import STATEMENT_TITLE_WORDS
from earnest.store.base import Filters, NewDocument
from earnest.store.sqlite import SqliteStore
from earnest.store.sqlite_keywords import QueryTerms

from .conftest import shared_data

CALL = Path(earnest.samples.__file__).parent / "docs" / "NWIN_Q3_FY2024_earnings_call.txt"


def _doc(n: int, paragraphs: list[str]) -> NewDocument:
    # Every document repeats the call's first paragraphs (identical rows: ties in bm25) and
    # has some of its own; half of each document's passages are in "Q&A".
    texts = paragraphs[:4] + paragraphs[4 + 3 * n: 4 + 3 * n + 6]
    chunks = [Chunk(i, i + 1, i + 1, 0, len(t), t, section="Q&A" if i % 2 else "Remarks",
                    title=f"NWIN call {n}", headings=("Q3 FY2024",)) for i, t in enumerate(texts)]
    return NewDocument(doc_name=f"call{n:02d}", source_path=f"/in/call{n:02d}.txt",
                       content_hash=f"h{n}", file_type="txt",
                       pages=[Page(i + 1, t) for i, t in enumerate(texts)], chunks=chunks,
                       collection="odd" if n % 2 else "even")


def _queries(words: list[str], n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    out = ["revenue revenues", "net interest income", "zzzunknownword", "the", "2024 q3",
           "deposits Deposits DEPOSITS", "loan growth margin expense credit quality"]
    for _ in range(n):
        out.append(" ".join(rng.sample(words, rng.randint(1, 30))))
    return out


def _searches(queries: list[str], docs: list[str]) -> list[tuple[str, Filters, int]]:
    scopes = [Filters(), Filters(doc_names=docs[:3]), Filters(collections=["odd"]),
              Filters(sections=["Q&A"]), Filters(doc_names=docs[:2], sections=["Remarks"])]
    return [(q, f, k) for q in queries for f in scopes for k in (1, 5, 60)]


@pytest.fixture()
def call_library(tmp_path: Path) -> tuple[Path, list[str]]:
    paragraphs = [p.strip() for p in CALL.read_text(encoding="utf-8").split("\n\n")
                  if len(p.strip()) > 40]
    path = tmp_path / "lib.sqlite"
    store = SqliteStore(path, memory_keywords=False)
    for n in range(20):  # 10 per collection: more than 8 documents, the store's wide cut
        store.add_document(_doc(n, paragraphs))
    store.close()
    words = sorted(set(re.findall(r"[A-Za-z0-9]+", " ".join(paragraphs))))
    return path, words


def test_the_memory_index_ranks_and_scores_as_fts5(call_library) -> None:
    path, words = call_library
    fts, memory = SqliteStore(path, memory_keywords=False), SqliteStore(path)
    memory.warm_up()
    assert memory._keywords.index is not None
    docs = [d.doc_name for d in fts.list_documents()]
    searches = _searches(_queries(words, 60), docs)
    expected = [fts.keyword_search(*s) for s in searches]
    assert sum(1 for e in expected if len(e) > 1 and e[0][1] == e[1][1]) > 10  # ties tested
    assert [memory.keyword_search(*s) for s in searches] == expected
    fts.close()
    memory.close()


def test_the_memory_index_is_renewed_by_generation(call_library) -> None:
    path, words = call_library
    store = SqliteStore(path)
    store.warm_up()
    keywords = store._keywords
    docs = [d.doc_name for d in store.list_documents()]
    searches = _searches(_queries(words, 8, seed=9), docs)

    def same_as_fts5() -> None:
        fts = SqliteStore(path, memory_keywords=False)
        assert [store.keyword_search(*s) for s in searches] == \
            [fts.keyword_search(*s) for s in searches]
        fts.close()

    # Vectors given to passages without one change no keyword: the index is kept.
    read = keywords.index
    ids = [i for i, _ in store.document_chunks(docs[0])]
    import numpy as np
    store.set_vectors(ids, np.eye(len(ids), 384, dtype=np.float32))
    same_as_fts5()
    assert keywords.index is read

    changes = [lambda: store.remove_document(docs[0]),
               lambda: store.set_chunk_titles(docs[1], {i: ("replaced context words", ())
                                                        for i, _ in store.document_chunks(docs[1])}),
               lambda: store.add_document(_doc(0, [w * 3 for w in words[:40]]))]
    for change in changes:
        change()
        # The first search after a change is FTS5's and starts nothing; the second starts
        # a read in its own thread; either way the results are FTS5's.
        reading = keywords._reading
        store.keyword_search("revenue", Filters(), 5)
        assert keywords._reading is reading
        same_as_fts5()
        assert keywords._reading is not reading
        keywords._reading.join()
        assert keywords.index is not None and keywords.index.generation == store.generation()
        same_as_fts5()
    store.close()


def test_a_word_fts5_would_read_as_a_phrase_is_left_to_fts5() -> None:
    terms = QueryTerms()
    assert terms(["Revenues", "growth"]) == ["revenu", "growth"]  # porter, as FTS5 indexes
    assert terms(["a-b"]) is None  # two tokens: a phrase in FTS5
    assert terms([""]) is None


def test_financebench_questions_rank_as_fts5(tmp_path: Path) -> None:
    """The development questions' own keyword searches (the library's and the named
    documents', and the statement pages'), on real filings of one company."""
    data = shared_data("financebench")
    pdfs = sorted((data / "pdfs").glob("ULTABEAUTY_202*_EARNINGS.pdf"))[:3]
    lib = Earnest(Settings.load(tmp_path / "lib", env={}))
    lib.ingest(pdfs, embed=False)
    lib.close()
    path = tmp_path / "lib" / "library.sqlite"
    fts, memory = SqliteStore(path, memory_keywords=False), SqliteStore(path)
    memory.warm_up()
    docs = [d.doc_name for d in fts.list_documents()]
    assert len(docs) == 3
    questions = [json.loads(line)["question"] for line in
                 (data / "questions.jsonl").open(encoding="utf-8")]
    queries = [" ".join(plan_question(q).keyword_terms) for q in questions]
    queries += questions + list(STATEMENT_TITLE_WORDS.values())
    searches = [(q, f, 60) for q in queries for f in (Filters(), Filters(doc_names=docs[:1]))]
    expected = [fts.keyword_search(*s) for s in searches]
    assert sum(len(e) for e in expected) > 1000
    assert [memory.keyword_search(*s) for s in searches] == expected
    fts.close()
    memory.close()
