from pathlib import Path

from earnest import Earnest

from .pdfs import make_encrypted_pdf, make_pdf, make_scanned_pdf


def test_ingest_folder_then_unchanged(library: Earnest, sample_docs: Path) -> None:
    report = library.ingest([sample_docs])
    assert report.count("ingested") == 2 and report.count("failed") == 0
    assert report.embedded == library.stats().chunks > 0
    assert {d.doc_name for d in library.documents()} == {"ACME_2023Q3_10Q", "ACME_Q3_2023_call"}
    assert all(d.status == "ready" for d in library.documents())
    again = library.ingest([sample_docs])
    assert again.count("unchanged") == 2 and again.embedded == 0


def test_changed_content_replaces_old_version(library: Earnest, tmp_path: Path) -> None:
    path = tmp_path / "memo.txt"
    path.write_text("The old plan was to open ten stores.", encoding="utf-8")
    library.ingest([path])
    path.write_text("The new plan is to open twenty stores.", encoding="utf-8")
    report = library.ingest([path])
    assert report.files[0].status == "ingested"
    assert len(library.documents()) == 1
    assert "twenty" in library.page_text("memo", 1)
    assert library.search("old plan ten", mode="keyword").passages[0].text.startswith("The new")


def test_bad_files_are_reported_and_the_rest_go_on(library: Earnest, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "image.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    make_scanned_pdf(folder / "scanned.pdf")
    make_encrypted_pdf(folder / "locked.pdf", ["secret 1,234"])
    good = make_pdf(folder / "good.pdf", [["Operating income was $55.0 million."]])
    data = good.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    report = library.ingest([folder, tmp_path / "missing.pdf"])
    status = {Path(f.path).name: (f.status, f.error_code) for f in report.files}
    assert status == {
        "empty.pdf": ("failed", "empty_document"), "image.pdf": ("failed", "corrupt_document"),
        "scanned.pdf": ("failed", "needs_ocr"), "locked.pdf": ("failed", "encrypted_document"),
        "truncated.pdf": ("failed", "corrupt_document"), "good.pdf": ("ingested", None),
        "binary.txt": ("failed", "corrupt_document"), "missing.pdf": ("failed", "bad_document")}
    for f in report.files:
        if f.status == "failed":
            assert Path(f.path).name in f.error  # the message names the file
    assert [d.doc_name for d in library.documents()] == ["good"]


def test_size_limit(tmp_path: Path, embedder) -> None:
    from earnest import Settings

    lib = Earnest(Settings.load(tmp_path / "lib", env={}, max_file_mb=0.001), embedder=embedder)
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    result = lib.ingest([big]).files[0]
    assert result.status == "failed" and "over the 0.001 MB limit" in result.error


def test_keyword_search_works_before_embeddings(library: Earnest, sample_docs: Path) -> None:
    library.ingest([sample_docs], embed=False)
    assert all(d.status == "embedding" for d in library.documents())
    result = library.search("backlog record")
    assert result.mode == "keyword"
    assert "not embedded yet" in result.notes[0]
    assert "backlog" in result.passages[0].text
    assert library.embed_pending() == library.stats().chunks
    assert library.search("backlog record").mode == "hybrid"


def test_originals_are_kept_and_removed(library: Earnest, sample_docs: Path) -> None:
    library.ingest([sample_docs])
    files = list((library.home / "files").iterdir())
    assert len(files) == 2
    library.remove("ACME_2023Q3_10Q")
    assert len(list((library.home / "files").iterdir())) == 1
    assert [d.doc_name for d in library.documents()] == ["ACME_Q3_2023_call"]


def test_same_name_from_another_folder_is_refused(library: Earnest, tmp_path: Path) -> None:
    for year in ("2022", "2023"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "report.txt").write_text(f"Revenue in {year} was {year[-1]}0 million.")
    report = library.ingest([tmp_path / "2022", tmp_path / "2023"])
    assert [f.status for f in report.files] == ["ingested", "failed"]
    assert "already holds a document named 'report'" in report.files[1].error
    assert "2022" in library.page_text("report", 1)


def test_replaced_version_leaves_one_original(library: Earnest, tmp_path: Path) -> None:
    path = tmp_path / "memo.txt"
    path.write_text("first version of the memo")
    library.ingest([path])
    path.write_text("second version of the memo")
    library.ingest([path])
    assert len(list((library.home / "files").iterdir())) == 1


def test_dense_mode_before_vectors_falls_back(library: Earnest, sample_docs: Path) -> None:
    library.ingest([sample_docs], embed=False)
    result = library.search("backlog", mode="dense")
    assert result.mode == "keyword" and result.passages
    assert "searched by keywords instead" in result.notes[0]
