"""The contract every Store passes. Subclass ``StoreContract`` and provide ``store``."""

from __future__ import annotations

import numpy as np
import pytest

from earnest.models import Chunk, DocumentMetadata, Page
from earnest.store import Filters, NewDocument
from earnest.store.base import text_hash


def new_doc(name: str, texts: list[str], content_hash: str | None = None,
            **metadata: str) -> NewDocument:
    pages = [Page(i + 1, t) for i, t in enumerate(texts)]
    chunks = [Chunk(i, i + 1, i + 1, 0, len(t), t, title=name) for i, t in enumerate(texts)]
    return NewDocument(doc_name=name, source_path=f"/in/{name}.pdf",
                       content_hash=content_hash or f"hash-{name}-{len(texts)}",
                       file_type="pdf", pages=pages, chunks=chunks,
                       metadata=DocumentMetadata.from_dict(metadata))


def unit(*values: float) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


class StoreContract:
    @pytest.fixture()
    def store(self):  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def test_add_list_get_remove(self, store) -> None:
        info = store.add_document(new_doc("ACME_2023_10K", ["revenue grew", "margins fell"],
                                          company="ACME"))
        assert (info.doc_name, info.page_count, info.chunk_count) == ("ACME_2023_10K", 2, 2)
        assert info.status == "embedding" and info.embedded_count == 0
        assert info.metadata == DocumentMetadata(company="ACME", keys=("company",))
        assert info.to_dict()["metadata"] == {"company": "ACME"}
        assert [d.doc_name for d in store.list_documents()] == ["ACME_2023_10K"]
        assert store.find_by_hash(info.content_hash).doc_name == "ACME_2023_10K"
        assert store.page_text("ACME_2023_10K", 2) == "margins fell"
        assert store.page_text("ACME_2023_10K", 3) is None
        assert store.remove_document("ACME_2023_10K") is True
        assert store.remove_document("ACME_2023_10K") is False
        assert store.list_documents() == []
        assert store.keyword_search("revenue", Filters(), 5) == []

    def test_same_name_replaces_old_version(self, store) -> None:
        store.add_document(new_doc("X", ["old words here"], content_hash="h1"))
        store.add_document(new_doc("X", ["new words", "and more"], content_hash="h2"))
        assert store.get_document("X").content_hash == "h2"
        assert store.find_by_hash("h1") is None
        assert store.keyword_search("old", Filters(), 5) == []
        assert store.stats()["chunks"] == 2

    def test_failed_add_leaves_nothing(self, store) -> None:
        bad = new_doc("BAD", ["fine page", "bad page"])
        bad.chunks[1].text = None  # violates NOT NULL after the first rows went in
        with pytest.raises(Exception):
            store.add_document(bad)
        assert store.get_document("BAD") is None
        assert store.stats()["chunks"] == 0 and store.stats()["pages"] == 0

    def test_keyword_search_ranks_and_filters(self, store) -> None:
        store.add_document(new_doc("A", ["capital expenditure was high", "nothing here"],
                                   company="Alpha"))
        store.add_document(new_doc("B", ["capital expenditure capital expenditure"],
                                   company="Beta"))
        hits = store.keyword_search("capital expenditure", Filters(), 10)
        assert len(hits) == 2 and hits[0][1] >= hits[1][1]
        only_a = store.keyword_search("capital", Filters(doc_names=["A"]), 10)
        assert [p.doc_name for p in store.get_passages([i for i, _ in only_a])] == ["A"]
        by_meta = store.keyword_search("capital", Filters(metadata={"company": ["beta"]}), 10)
        assert [p.doc_name for p in store.get_passages([i for i, _ in by_meta])] == ["B"]
        assert store.keyword_search("capital", Filters(doc_names=["none"]), 10) == []

    def test_vectors_and_dense_search(self, store) -> None:
        store.add_document(new_doc("A", ["one", "two", "three"]))
        pending = store.chunks_without_vectors(10)
        assert [t for _, t in pending] == ["one", "two", "three"]
        store.set_vectors([pending[0][0], pending[1][0]], np.stack([unit(1, 0), unit(0, 1)]))
        assert [t for _, t in store.chunks_without_vectors(10)] == ["three"]
        assert store.get_document("A").embedded_count == 2
        hits = store.dense_search(unit(0.2, 1.0), Filters(), 5)
        assert [i for i, _ in hits] == [pending[1][0], pending[0][0]]
        assert hits[0][1] == pytest.approx(float(unit(0.2, 1.0) @ unit(0, 1)), abs=1e-2)
        assert store.dense_search(unit(1, 0), Filters(doc_names=["zzz"]), 5) == []
        vectors = store.vectors([pending[2][0], pending[1][0], pending[0][0]])
        assert set(vectors) == {pending[0][0], pending[1][0]}  # "three" has no vector yet
        assert float(vectors[pending[0][0]] @ unit(1, 0)) == pytest.approx(1.0, abs=1e-2)
        assert float(vectors[pending[1][0]] @ unit(0, 1)) == pytest.approx(1.0, abs=1e-2)
        assert store.vectors([]) == {}
        store.set_vectors([pending[2][0]], unit(1, 1)[None, :])
        assert store.get_document("A").status == "ready"

    def test_vectors_by_text_hash_finds_embedded_texts_only(self, store) -> None:
        store.add_document(new_doc("A", ["Total revenue 2023", "Risk factors apply"]))
        store.add_document(new_doc("B", ["Total revenue 2023", "Only in B"]))
        a_rows = [r for r in store.chunks_without_vectors(10)][:2]
        store.set_vectors([a_rows[0][0]], unit(1, 0)[None, :])
        shared, pending, absent = (text_hash("Total revenue 2023"),
                                   text_hash("Risk factors apply"), text_hash("nowhere"))
        found = store.vectors_by_text_hash([shared, pending, absent, shared])
        assert set(found) == {shared}  # "Risk factors apply" is stored but not embedded
        assert float(found[shared] @ unit(1, 0)) == pytest.approx(1.0, abs=1e-2)
        assert store.vectors_by_text_hash([]) == {}
        store.remove_document("A")  # B's copy of the text has no vector of its own
        assert store.vectors_by_text_hash([shared]) == {}

    def test_passages_keep_order_and_provenance(self, store) -> None:
        store.add_document(new_doc("A", ["first page", "second page"]))
        ids = [i for i, _ in store.chunks_without_vectors(10)]
        passages = store.get_passages(list(reversed(ids)))
        assert [p.text for p in passages] == ["second page", "first page"]
        assert (passages[0].doc_name, passages[0].page_start, passages[0].char_end) == ("A", 2, 11)

    def test_metadata_update_and_generation(self, store) -> None:
        g0 = store.generation()
        store.add_document(new_doc("A", ["x y z"]))
        g1 = store.generation()
        store.update_metadata("A", DocumentMetadata.from_dict({"company": "Alpha",
                                                               "fiscal_quarter": None}))
        # Read back typed, a null kept as given (a year without a quarter).
        meta = store.get_document("A").metadata
        assert (meta.company, meta.fiscal_quarter) == ("Alpha", None)
        assert meta.to_dict() == {"company": "Alpha", "fiscal_quarter": None}
        assert g0 < g1 < store.generation()

    def test_collections_restrict_searches(self, store) -> None:
        assert Filters(collections=["x"]).is_empty() is False
        store.add_document(new_doc("A", ["capital expenditure rose"], company="Alpha"))
        b = new_doc("B", ["capital expenditure fell"], company="Beta")
        b.collection = "research"
        store.add_document(b)
        assert {d.doc_name: d.collection for d in store.list_documents()} == {
            "A": "default", "B": "research"}
        assert store.get_document("B").collection == "research"
        ids = {t: i for i, t in store.chunks_without_vectors(10)}
        store.set_vectors([ids["capital expenditure rose"], ids["capital expenditure fell"]],
                          np.stack([unit(1, 0), unit(0.9, 0.1)]))

        def names(hits) -> list[str]:
            return [p.doc_name for p in store.get_passages([i for i, _ in hits])]
        assert sorted(names(store.keyword_search("capital", Filters(), 10))) == ["A", "B"]
        only = Filters(collections=["research"])
        assert names(store.keyword_search("capital", only, 10)) == ["B"]
        assert names(store.dense_search(unit(1, 0), only, 10)) == ["B"]
        both = Filters(collections=["research", "default"])
        assert sorted(names(store.dense_search(unit(1, 0), both, 10))) == ["A", "B"]
        assert store.keyword_search("capital", Filters(collections=["none"]), 10) == []
        assert store.dense_search(unit(1, 0), Filters(collections=["none"]), 10) == []
        # Combined with the other document filters, all must hold.
        assert names(store.keyword_search(
            "capital", Filters(collections=["research"], metadata={"company": ["alpha"]}),
            10)) == []
        assert names(store.keyword_search(
            "capital", Filters(collections=["default"], doc_names=["A", "B"]), 10)) == ["A"]

    def test_names_are_unique_across_collections(self, store) -> None:
        store.add_document(new_doc("A", ["first version"], content_hash="h1"))
        moved = new_doc("A", ["second version"], content_hash="h2")
        moved.collection = "archive"
        store.add_document(moved)
        assert [(d.doc_name, d.collection) for d in store.list_documents()] == [("A", "archive")]
        assert store.page_text("A", 1) == "second version"
        assert store.stats()["chunks"] == 1

    def test_corrections_outlive_reingest(self, store) -> None:
        store.add_document(new_doc("A", ["x"], company="Alpha"))
        info = store.correct_metadata("A", {"company": "Alpha Corp", "ticker": "ALP"})
        assert info.effective_metadata().to_dict() == {"company": "Alpha Corp", "ticker": "ALP"}
        assert info.metadata.company == "Alpha" and info.effective_metadata().ticker == "ALP"
        store.add_document(new_doc("A", ["x y"], content_hash="h2", company="Alpha"))
        assert store.get_document("A").corrections == {"company": "Alpha Corp", "ticker": "ALP"}
        hits = store.keyword_search("x", Filters(metadata={"ticker": ["alp"]}), 5)
        assert len(hits) == 1
        store.correct_metadata("A", {"ticker": None})
        assert store.get_document("A").corrections == {"company": "Alpha Corp"}

    def test_meta_and_stats(self, store) -> None:
        assert store.get_meta("index_identity") is None
        store.set_meta("index_identity", "abc")
        store.set_meta("index_identity", "def")
        assert store.get_meta("index_identity") == "def"
        store.add_document(new_doc("A", ["one two", "three"]))
        stats = store.stats()
        assert (stats["documents"], stats["pages"], stats["chunks"], stats["embedded"]) == (
            1, 2, 2, 0)
        assert [p.number for p in store.pages("A")] == [1, 2]

    def test_document_chunks_in_order(self, store) -> None:
        doc = new_doc("A", ["first page", "second page"])
        doc.chunks[1].speaker, doc.chunks[1].role, doc.chunks[1].section = "Jo", "analyst", "Q&A"
        store.add_document(doc)
        got = store.document_chunks("A")
        assert [c for _, c in got] == doc.chunks
        assert [i for i, _ in got] == [i for i, _ in store.chunks_without_vectors(10)]
        assert store.document_chunks("nothing") == []

    def test_sections_are_relabelled_in_place(self, store) -> None:
        store.add_document(new_doc("A", ["first page", "second page"]))
        store.add_document(new_doc("B", ["other"]))
        before = store.document_chunks("A")
        ids = [i for i, _ in before]
        gen = store.generation()
        store.set_sections("A", {ids[0]: "Item 1A. Risk Factors", ids[1]: None})
        after = store.document_chunks("A")
        assert [c.section for _, c in after] == ["Item 1A. Risk Factors", None]
        assert [(i, c.text, c.char_start, c.char_end) for i, c in after] == \
            [(i, c.text, c.char_start, c.char_end) for i, c in before]
        assert store.get_passages(ids[:1])[0].section == "Item 1A. Risk Factors"
        assert store.generation() > gen
        # Another document's chunk id is not this document's to relabel.
        other = store.document_chunks("B")[0][0]
        store.set_sections("A", {other: "Note 1. Debt"})
        assert store.document_chunks("B")[0][1].section is None
        with pytest.raises(Exception, match="no document"):
            store.set_sections("nothing", {})

    def test_titles_and_headings_read_back_typed(self, store) -> None:
        headings = ("Consolidated Balance Sheets", "(In millions) 2023 2022", "Zürich | Genève")
        doc = new_doc("A", ["Revenue grew.", "Margins fell."])
        doc.chunks[0].title, doc.chunks[0].headings = "ACME 10-K FY2023", headings
        store.add_document(doc)
        (_, first), (_, second) = store.document_chunks("A")
        assert (first.title, first.headings) == ("ACME 10-K FY2023", headings)
        assert isinstance(first.headings, tuple) and second.headings == ()
        ids = [i for i, _ in store.document_chunks("A")]
        passage = store.get_passages(ids[:1])[0]
        assert (passage.title, passage.headings) == ("ACME 10-K FY2023", headings)
        # The keyword index holds the title and the headings with the text.
        assert [h[0] for h in store.keyword_search("genève", Filters(), 5)] == ids[:1]
        assert [h[0] for h in store.keyword_search("consolidated", Filters(), 5)] == ids[:1]

    def test_titles_are_rewritten_and_searched(self, store) -> None:
        store.add_document(new_doc("A", ["Revenue grew.", "Margins fell."]))
        store.add_document(new_doc("B", ["Revenue grew too."]))
        ids = [i for i, _ in store.document_chunks("A")]
        assert store.keyword_search("zephyrcorp", Filters(), 5) == []
        gen = store.generation()
        store.set_chunk_titles("A", {ids[0]: ("Zephyrcorp earnings call Q3 FY2024",
                                              ("Prepared remarks",))})
        assert [h[0] for h in store.keyword_search("zephyrcorp", Filters(), 5)] == [ids[0]]
        assert [h[0] for h in store.keyword_search("remarks", Filters(), 5)] == [ids[0]]
        chunk = store.document_chunks("A")[0][1]
        assert (chunk.title, chunk.headings) == ("Zephyrcorp earnings call Q3 FY2024",
                                                 ("Prepared remarks",))
        assert chunk.text == "Revenue grew."
        assert store.generation() > gen
        # Another document's chunk is not this document's to rewrite.
        other = store.document_chunks("B")[0][0]
        store.set_chunk_titles("A", {other: ("Zephyrcorp", ())})
        assert [h[0] for h in store.keyword_search("zephyrcorp", Filters(), 5)] == [ids[0]]
        with pytest.raises(Exception, match="no document"):
            store.set_chunk_titles("nothing", {})

    def test_keyword_queries_without_words(self, store) -> None:
        store.add_document(new_doc("A", ["Revenue grew; revenues grew again."]))
        for query in ("", "!!! ... ---", "zzzunknown"):
            assert store.keyword_search(query, Filters(), 5) == []
        one = store.keyword_search("revenue", Filters(), 5)
        two = store.keyword_search("revenue revenues", Filters(), 5)  # one stem, two words
        assert len(one) == len(two) == 1 and two[0][1] > one[0][1]

    def test_collections_restrict_search_and_listing(self, store) -> None:
        """Filters.collections (the caller's grant) restricts keyword and dense search and
        listing; empty means every collection."""
        a = new_doc("A_call", ["capital expenditure rose"], company="alpha")
        b = new_doc("B_call", ["capital expenditure fell"], company="beta")
        b.collection = "deal-b"
        store.add_document(a)
        store.add_document(b)
        assert store.get_document("A_call").collection == "default"
        assert store.get_document("B_call").collection == "deal-b"
        only_b = Filters(collections=["deal-b"])
        assert not only_b.is_empty() and Filters().is_empty()
        assert [d.doc_name for d in store.list_documents(only_b)] == ["B_call"]
        assert len(store.list_documents()) == 2
        hits = store.keyword_search("capital expenditure", only_b, 10)
        assert [p.doc_name for p in store.get_passages([i for i, _ in hits])] == ["B_call"]
        assert len(store.keyword_search("capital", Filters(), 10)) == 2
        assert store.keyword_search("capital", Filters(collections=["none"]), 10) == []
        ids = [i for i, _ in store.chunks_without_vectors(10)]
        store.set_vectors(ids, np.stack([unit(1, 0), unit(1, 0.1)]))
        dense = store.dense_search(unit(1, 0), Filters(collections=["default"]), 5)
        assert [p.doc_name for p in store.get_passages([i for i, _ in dense])] == ["A_call"]
        both = Filters(collections=["default"], metadata={"company": ["beta"]})
        assert store.dense_search(unit(1, 0), both, 5) == []

    def test_a_small_collection_in_a_big_library_still_finds_its_matches(self, store) -> None:
        for n in range(12):  # more documents than the rowid-range path takes
            store.add_document(new_doc(f"BIG_{n}", ["capital capital capital expenditure"] * 30))
        small = new_doc("SMALL", ["capital expenditure was modest"])
        small.collection = "small"
        store.add_document(small)
        for n in range(10):
            other = new_doc(f"SMALL_{n}", ["no match here"])
            other.collection = "small"
            store.add_document(other)
        hits = store.keyword_search("capital", Filters(collections=["small"]), 3)
        assert [p.doc_name for p in store.get_passages([i for i, _ in hits])] == ["SMALL"]

    def test_passage_filters_are_applied_by_the_store(self, store) -> None:
        """Role, section and speaker filters are applied inside the search, not after it:
        a filtered search returns ``limit`` passages when that many pass, however many
        better-ranked passages do not, and it keeps exactly those Filters.matches_passage
        keeps."""
        labels = [("executive", "Prepared remarks", "Jane Roe, Chief Financial Officer"),
                  ("analyst", "Q&A", "Sam Lee, Big Bank"),
                  ("analyst", "Q&A", "Émile Zola, Ünion Capital"),
                  (None, "Part II, Item 1A. Risk Factors", None),
                  (None, "Item 1A. Risk Factors", None),
                  (None, "Item 1AB. Other", None),
                  (None, "Note 12. Debt_and 100% loans", None)]
        texts = ["revenue revenue revenue grew"] * 40 + ["revenue was asked about"] * 7
        doc = new_doc("CALL", texts)
        for chunk, (role, section, speaker) in zip(doc.chunks[40:], labels):
            chunk.role, chunk.section, chunk.speaker = role, section, speaker
        for chunk in doc.chunks[:40]:
            chunk.role, chunk.section, chunk.speaker = "executive", "Prepared remarks", "CEO"
        store.add_document(doc)
        store.add_document(new_doc("OTHER", ["revenue revenue"]))
        ids = [i for i, _ in store.chunks_without_vectors(100)]
        # The labelled passages are the farthest from the query vector, as they are the
        # lowest by BM25: an unfiltered top 60 holds none of them.
        store.set_vectors(ids, np.stack([unit(1, 0.01 * n) for n in range(len(ids))]))
        by_id = {p.chunk_id: p for p in store.get_passages(ids)}

        def check(filters: Filters, limit: int = 3) -> list[str]:
            expected = {i for i, p in by_id.items()
                        if p.doc_name in (filters.doc_names or [p.doc_name])
                        and filters.matches_passage(p.role, p.section, p.speaker)}
            for hits in (store.keyword_search("revenue", filters, limit),
                         store.dense_search(unit(1, 0), filters, limit)):
                assert len(hits) == min(limit, len(expected)), filters
                assert {i for i, _ in hits} <= expected, filters
            return sorted(by_id[i].speaker or by_id[i].section or ""
                          for i, _ in store.keyword_search("revenue", filters, 50))

        assert len(store.keyword_search("revenue", Filters(), 40)) == 40
        assert check(Filters(roles=["analyst"])) == ["Sam Lee, Big Bank",
                                                     "Émile Zola, Ünion Capital"]
        assert check(Filters(speakers=["chief financial"])) == [
            "Jane Roe, Chief Financial Officer"]
        assert check(Filters(speakers=["émile", "big bank"])) == [
            "Sam Lee, Big Bank", "Émile Zola, Ünion Capital"]
        assert check(Filters(sections=["item 1a."])) == [
            "Item 1A. Risk Factors", "Part II, Item 1A. Risk Factors"]
        assert check(Filters(sections=["Note 12"])) == ["Note 12. Debt_and 100% loans"]
        assert check(Filters(sections=["Note 1"])) == []
        assert check(Filters(sections=["q&a"], speakers=["lee"])) == ["Sam Lee, Big Bank"]
        assert check(Filters(roles=["executive"], doc_names=["CALL"]), limit=50)[:1] == [
            "CEO"]
        assert check(Filters(roles=["analyst"], doc_names=["OTHER"])) == []
        assert check(Filters(speakers=["%"])) == []  # a LIKE wildcard is matched literally
