"""Two-phase ingest: the batch is keyword-searchable before anything is embedded; a text is
embedded once per library; an embed that stops resumes where it stopped."""

from pathlib import Path

import numpy as np

from earnest import Earnest
from earnest.ingest_pipeline import embed_pending
from earnest.models import Chunk, Page
from earnest.store import Filters, NewDocument


class Counting:
    """The real model, counting the texts it is given."""

    def __init__(self, inner) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.texts: list[str] = []

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def embed_batch(self, texts):
        self.texts.extend(texts)
        return self.inner.embed_batch(texts)


class Recorder:
    """Progress events, and what the library held when the keyword phase ended."""

    def __init__(self, library: Earnest) -> None:
        self.library, self.events, self.at_keyword_done = library, [], None

    def file_started(self, path, index, total) -> None:
        self.events.append("file")

    def file_done(self, result) -> None: ...

    def keyword_done(self, seconds: float) -> None:
        self.events.append("keyword_done")
        lib = self.library
        self.at_keyword_done = (lib.stats(), lib.search("backlog record", mode="keyword"))

    def embedding(self, done: int, total: int) -> None:
        self.events.append(("embedding", done, total))


def test_every_file_is_searchable_before_any_is_embedded(library: Earnest,
                                                         sample_docs: Path) -> None:
    progress = Recorder(library)
    report = library.ingest([sample_docs], progress=progress)
    assert progress.events[:3] == ["file", "file", "keyword_done"]
    stats, found = progress.at_keyword_done
    assert stats.documents == 2 and stats.embedded == 0 and stats.chunks > 0
    assert "backlog" in found.passages[0].text
    last = progress.events[-1]
    assert last == ("embedding", stats.chunks, stats.chunks)
    assert report.embedded == stats.chunks and library.stats().embedded == stats.chunks
    assert 0 < report.keyword_seconds <= report.seconds
    assert report.to_dict()["phases"]["embed_seconds"] == round(report.embed_seconds, 2)


def _add(library: Earnest, name: str, texts: list[str]) -> None:
    library.store.add_document(NewDocument(
        doc_name=name, source_path=f"{name}.txt", content_hash=name, file_type="txt",
        pages=[Page(1, " ".join(texts))],
        chunks=[Chunk(i, 1, 1, 0, 1, t) for i, t in enumerate(texts)]))


def test_a_text_is_embedded_once_per_library(settings, embedder) -> None:
    model = Counting(embedder)
    library = Earnest(settings, embedder=model)
    shared = "Forward-looking statements involve risks and uncertainties."
    _add(library, "one", ["Revenue rose to $12 million.", shared])
    assert library.embed().reused == 0
    _add(library, "two", ["Backlog fell to $3 million.", shared])
    before = len(model.texts)
    stats = library.embed()
    assert (stats.embedded, stats.model, stats.reused) == (2, 1, 1)
    assert model.texts[before:] == ["Backlog fell to $3 million."]
    ids = [i for i, c in library.store.document_chunks("two") if c.text == shared]
    copied = library.store.vectors(ids)[ids[0]]
    assert float(copied @ embedder.embed_batch([shared])[0]) > 0.99
    library.close()


def test_identical_texts_in_one_window_go_to_the_model_once(library: Earnest, embedder) -> None:
    texts = ["Net income was $5 million.", "Net income was $5 million.", "Cash was $9 million."]
    _add(library, "dup", texts)
    model = Counting(embedder)
    stats = embed_pending(library.store, model)
    assert (stats.embedded, stats.model, stats.reused) == (3, 2, 1)
    assert sorted(model.texts) == sorted(set(texts))
    vectors = library.store.vectors([i for i, _ in library.store.document_chunks("dup")])
    first, second = (vectors[i] for i, _ in library.store.document_chunks("dup")[:2])
    assert np.allclose(first, second)


def test_an_embed_told_to_stop_resumes_where_it_stopped(library: Earnest,
                                                        sample_docs: Path) -> None:
    library.ingest([sample_docs], embed=False)
    total = library.stats().chunks
    assert total > 2
    paused = embed_pending(library.store, library.embedder, step=2, stop=lambda: True)
    assert paused.embedded == 0  # asked before the first step
    calls = iter([False, True])
    partial = embed_pending(library.store, library.embedder, step=2,
                            stop=lambda: next(calls, True))
    assert partial.embedded == 2 and library.stats().embedded == 2
    # Meanwhile: hybrid over what is embedded, keyword over all.
    result = library.search("backlog record")
    assert any("not embedded yet" in n for n in result.notes)
    assert library.store.keyword_search("backlog", Filters(), 5)
    assert library.embed_pending() == total - 2
    assert all(d.status == "ready" for d in library.documents())
