"""Files parsed in parser processes (earnest.parse_pool) end up in the library exactly as when
parsed in this process; a bad file is reported by name; a parser that dies fails only the
file it was reading and is replaced."""

from pathlib import Path

from earnest import Earnest, Settings
from earnest.parse_pool import ParsePool
from tests.pdfs import make_pdf


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(5):
        make_pdf(folder / f"CO{n}_2023Q{n % 4 + 1}_10Q.pdf", [
            [f"Company {n} quarterly report", f"Revenue was ${100 + n}.5 million in the quarter.",
             "Operating expenses rose because of higher freight costs."],
            [f"Segment {n} results", f"Backlog was ${20 + n} million at quarter end."]])
    (folder / "BROKEN_2023_10K.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf\n")
    (folder / "COPY_2023Q1_10Q.pdf").write_bytes((folder / "CO0_2023Q1_10Q.pdf").read_bytes())
    make_pdf(folder / " SPACED_2023_10K.pdf", [["A name no document may have."]])
    return folder


def _contents(lib: Earnest) -> list[tuple]:
    conn = lib.store._conn()
    return conn.execute(
        "select d.doc_name, d.metadata, c.text, c.page_start, c.page_end, c.section "
        "from chunks c join documents d on d.id = c.doc_id order by d.doc_name, c.id").fetchall()


def test_parsed_in_processes_same_as_in_process(tmp_path: Path, embedder) -> None:
    folder = _folder(tmp_path)
    found = {}
    for processes in (1, 3):
        home = tmp_path / f"lib{processes}"
        with Earnest(Settings.load(home, env={}, parse_processes=processes),
                     embedder=embedder) as lib:
            report = lib.ingest([folder], embed=False)
            found[processes] = ([(Path(f.path).name, f.status, f.error_code, f.error)
                                 for f in report.files], _contents(lib))
    assert found[1] == found[3]
    results = {name: (status, code, error) for name, status, code, error in found[3][0]}
    assert [n for n, *_ in found[3][0]] == sorted(p.name for p in folder.iterdir())  # in order
    assert results["BROKEN_2023_10K.pdf"][0] == "failed"
    assert results[" SPACED_2023_10K.pdf"][:2] == ("failed", "bad_name")
    assert "BROKEN_2023_10K.pdf" in results["BROKEN_2023_10K.pdf"][2]
    # Same bytes twice in one batch: parsed at once, committed once.
    assert results["COPY_2023Q1_10Q.pdf"][0] == "unchanged"
    assert sum(s == "ingested" for s, *_ in results.values()) == 5
    assert len(found[3][1]) > 0


def test_a_parser_that_dies_fails_only_its_file(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "A_2023_10K.pdf", [["Revenue was $5 million.", "More text."]])
    data = pdf.read_bytes()
    pool = ParsePool(Settings.load(tmp_path / "lib", env={}), 1)
    try:
        first = pool.submit(data, str(pdf), "A_2023_10K").result(timeout=120)
        assert first is not None and first.parsed is not None and first.parsed.chunks
        pool._parsers[0].proc.kill()  # as the kernel's OOM killer would
        pool._parsers[0].proc.wait()
        assert pool.submit(data, str(pdf), "A_2023_10K").result(timeout=120) is None
        again = pool.submit(data, str(pdf), "A_2023_10K").result(timeout=120)
        assert again is not None and again.parsed is not None
        assert [c.text for c in again.parsed.chunks] == [c.text for c in first.parsed.chunks]
        assert len(pool._parsers) == 2 and pool._parsers[1].proc.poll() is None
    finally:
        pool.close()
    assert all(p.proc.poll() is not None for p in pool._parsers)  # none left running
