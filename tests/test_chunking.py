from earnest.chunking import Segment, chunk_document
from earnest.models import Page
from earnest.settings import ChunkSettings


def test_chunks_never_cross_pages_and_quote_verbatim() -> None:
    pages = [Page(1, ("Sentence number one is here. " * 40).strip()),
             Page(2, "Net sales 100 200 300\nOther income 4 5 6"), Page(3, "Short last page.")]
    chunks = chunk_document(pages, ChunkSettings(max_tokens=60), title="ACME 2023 10K")
    assert {c.page_start for c in chunks} == {1, 2, 3}
    for c in chunks:
        assert c.page_start == c.page_end
        page = pages[c.page_start - 1].text
        assert page[c.char_start:c.char_end] == c.text
        assert c.context.startswith("ACME 2023 10K")
    assert len([c for c in chunks if c.page_start == 1]) > 2  # split by size
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_page_headings_become_context() -> None:
    """A page's leading headings are a chunk's headings, one piece each, and are indexed
    after its title as "title | headings"."""
    pages = [Page(1, "Consolidated Balance Sheets\n(In millions) 2023 2022\n" +
                  "\n".join(f"Line item {i} {i}00 {i}50" for i in range(60)))]
    chunks = chunk_document(pages, ChunkSettings(max_tokens=80))
    assert len(chunks) > 1
    assert all("Consolidated Balance Sheets" in c.context for c in chunks)
    assert "(In millions) 2023 2022" in chunks[-1].context
    # The page's first four units that are no sentence: here two headings and two rows.
    assert chunks[0].headings == ("Consolidated Balance Sheets", "(In millions) 2023 2022",
                                  "Line item 0 000 050", "Line item 1 100 150")
    titled = chunk_document(pages, ChunkSettings(max_tokens=80), title="ACME 2023 10K")
    assert titled[0].title == "ACME 2023 10K" and titled[0].headings == chunks[0].headings
    assert titled[0].context == "ACME 2023 10K | " + " ".join(chunks[0].headings)


def test_segments_keep_speaker_and_section() -> None:
    text = "Jane -- CFO\nMargins rose.\nBob -- Analyst\nWhy?"
    pages = [Page(1, text)]
    segs = [Segment(1, 12, 25, "Jane (CFO)", "Prepared remarks", "executive"),
            Segment(1, 41, 45, "Bob", "Q&A", "analyst")]
    chunks = chunk_document(pages, ChunkSettings(), segments=segs)
    assert [(c.text, c.speaker, c.section, c.role) for c in chunks] == [
        ("Margins rose.", "Jane (CFO)", "Prepared remarks", "executive"),
        ("Why?", "Bob", "Q&A", "analyst")]


def test_chunks_fit_the_embedding_model(embedder) -> None:
    text = " ".join(f"Sentence {i} says revenue was ${i},123.4 million, up {i}.5%." for i in range(80))
    chunks = chunk_document([Page(1, text)], ChunkSettings(max_tokens=120),
                            count_tokens=embedder.count_tokens)
    assert len(chunks) > 3
    assert max(embedder.count_tokens([c.text for c in chunks])) <= 120


def _untruncated_counter():
    """Word pieces as the embedding model's tokenizer makes them, without a length cap."""
    from tokenizers import Tokenizer

    from earnest.embedding import _model_files

    tok = Tokenizer.from_file(str(_model_files()[1]))
    tok.no_truncation()
    return lambda texts: [len(e.ids) - 2 for e in tok.encode_batch(texts)]


def test_a_page_without_punctuation_is_cut_into_bounded_chunks() -> None:
    # 200,000 words with no sentence end: once one chunk of 2 million characters.
    words = " ".join(f"word{i % 97} figure {i}" for i in range(70_000))
    pages = [Page(1, words), Page(2, "x" * 300_000)]  # and one "word" without white space
    from earnest.embedding import OnnxEmbedder

    settings = ChunkSettings()
    chunks = chunk_document(pages, settings, count_tokens=OnnxEmbedder().count_tokens)
    real = _untruncated_counter()
    assert max(len(c.text) for c in chunks) <= 4 * settings.max_tokens * 6
    assert max(real([c.text for c in chunks if c.page_start == 1])) <= settings.max_tokens + 8
    for c in chunks:
        assert pages[c.page_start - 1].text[c.char_start:c.char_end] == c.text
        assert len(c.context) < 100  # the 300,000 characters are no heading
    covered = sum(len(c.text) for c in chunks if c.page_start == 2)
    assert covered >= 300_000  # nothing dropped
