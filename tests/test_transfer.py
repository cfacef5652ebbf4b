"""`earnest export` / `earnest import` move a library SQLite -> PostgreSQL -> SQLite with its
vectors, corrections, collections and originals, verified by counts and checksums."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from earnest import Earnest, Settings
from earnest.cli import app
from earnest.errors import StoreError
from earnest.transfer import import_library, library_report

from .store_contract import new_doc


def _cli(tmp_path: Path, *args: str):
    result = CliRunner().invoke(app, list(args), env={"EARNEST_HOME": str(tmp_path / "home")})
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def _answers(lib: Earnest) -> list[tuple]:
    out = []
    for q in ("Why did net sales decrease in the third quarter?",
              "What did the CFO say about backlog?", "banana bread recipe with walnuts"):
        a = lib.ask(q)
        out.append((a.status, a.answer, [(c.doc_name, c.page, c.quote) for c in a.citations]))
    return out


def test_sqlite_to_postgres_and_back(tmp_path: Path, sample_docs: Path, embedder,
                                     pg_url) -> None:
    src_home = tmp_path / "sqlite-lib"
    with Earnest(Settings.load(src_home, env={}), embedder=embedder) as src:
        src.ingest([sample_docs])
        src.correct_metadata("ACME_2023Q3_10Q", {"ticker": "ACME"})
        extra = new_doc("NOTES", ["internal research notes on pricing"])
        extra.collection = "research"
        src.store.add_document(extra)  # not embedded: an archive keeps that too
        original = library_report(src.store)
        before = _answers(src)
    assert original.documents == 3 and original.vectors > 0 and original.corrections == 1

    archive = tmp_path / "lib.earnest"
    exported = _cli(tmp_path, "export", str(archive), "--library", str(src_home), "--json")
    assert exported["checksum"] == original.checksum and exported["files"] == 2

    imported = _cli(tmp_path, "import", str(archive), "--library", pg_url, "--json")
    assert imported["checksum"] == original.checksum
    assert {k: imported[k] for k in original.counts()} == original.counts()
    pg_settings = Settings.load(tmp_path / "pg-home", env={}, store__url=pg_url)
    with Earnest(pg_settings, embedder=embedder) as pg:
        assert library_report(pg.store).checksum == original.checksum
        assert pg.store.get_document("NOTES").collection == "research"
        assert pg.store.get_document("ACME_2023Q3_10Q").corrections == {"ticker": "ACME"}
        assert _answers(pg) == before
    # The originals went to the home of a URL library: $EARNEST_HOME.
    assert len(list((tmp_path / "home" / "files").iterdir())) == 2

    back = tmp_path / "back.earnest"
    _cli(tmp_path, "export", str(back), "--library", pg_url)
    out = _cli(tmp_path, "import", str(back), "--library", str(tmp_path / "sqlite-again"))
    assert "checksums verified" in out
    with Earnest(Settings.load(tmp_path / "sqlite-again", env={}), embedder=embedder) as again:
        assert library_report(again.store).checksum == original.checksum
        assert _answers(again) == before
        assert again.original_path("ACME_2023Q3_10Q").is_file()


def test_a_damaged_archive_is_refused(tmp_path: Path, sample_docs: Path, embedder,
                                      pg_url) -> None:
    home = tmp_path / "lib"
    with Earnest(Settings.load(home, env={}), embedder=embedder) as lib:
        lib.ingest([sample_docs])
    archive = tmp_path / "lib.earnest"
    _cli(tmp_path, "export", str(archive), "--library", str(home))
    damaged = tmp_path / "damaged.earnest"
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(damaged, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "documents/000000.json":
                record = json.loads(data)
                record["pages"][0][1] = record["pages"][0][1].replace("812.4", "912.4")
                data = json.dumps(record).encode()
            zout.writestr(item, data)
    with Earnest(Settings.load(tmp_path / "pg", env={}, store__url=pg_url),
                 embedder=embedder) as pg:
        with pytest.raises(StoreError, match="does not match the archive"):
            import_library(pg.store, pg.home / "files", None, damaged)
    result = CliRunner().invoke(app, ["import", str(tmp_path / "nothing.earnest")],
                                env={"EARNEST_HOME": str(tmp_path / "home")})
    assert result.exit_code == 1 and "no such file" in result.output
    # An archive of another index (other chunking or embedding settings) is refused whole.
    other = tmp_path / "other.earnest"
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(other, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "manifest.json":
                data = json.dumps(dict(json.loads(data), index_identity="0123abcd")).encode()
            zout.writestr(item, data)
    result = CliRunner().invoke(app, ["import", str(other), "--library", pg_url, "--json"],
                                env={"EARNEST_HOME": str(tmp_path / "home")})
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["error"]["code"] == "index_mismatch"


def test_an_archive_of_version_1_imports_with_titles_and_headings(tmp_path: Path,
                                                                   sample_docs: Path) -> None:
    """Version 1 archives (before schema 7) held each chunk's title and headings joined in
    one "context": they still import, verified by their own checksums."""
    import hashlib

    home = tmp_path / "lib"
    with Earnest(Settings.load(home, env={})) as lib:
        lib.ingest([sample_docs], embed=False)
        wanted = {d.doc_name: [(c.title, " ".join(c.headings))
                               for _, c in lib.store.document_chunks(d.doc_name)]
                  for d in lib.documents()}
    archive = tmp_path / "lib.earnest"
    _cli(tmp_path, "export", str(archive), "--library", str(home))
    old = tmp_path / "v1.earnest"
    checksums = {}
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(old, "w") as zout:
        for item in zin.infolist():
            if not item.filename.startswith("documents/"):
                continue
            record = json.loads(zin.read(item))
            for chunk in record["chunks"]:  # as version 1 wrote a chunk
                title, headings = chunk.pop("title"), " ".join(chunk.pop("headings"))
                chunk["context"] = " | ".join(x for x in (title, headings) if x)
            body = {k: v for k, v in record.items() if k not in ("added_at", "vectors")}
            checksums[record["doc_name"]] = hashlib.sha256(json.dumps(
                body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
            zout.writestr(item, json.dumps(record))
        manifest = json.loads(zin.read("manifest.json"))
        total = hashlib.sha256("".join(f"{n}\t{checksums[n]}\n" for n in sorted(checksums))
                               .encode()).hexdigest()
        zout.writestr("manifest.json", json.dumps(dict(manifest, version=1, checksums=checksums,
                                                       checksum=total)))
    with Earnest(Settings.load(tmp_path / "again", env={})) as again:
        report = import_library(again.store, again.home / "files", None, old)
        assert report.documents == 2
        got = {name: [(c.title, " ".join(c.headings))
                      for _, c in again.store.document_chunks(name)] for name in wanted}
        assert got == wanted
        assert all(t for chunks in got.values() for t, _ in chunks)
