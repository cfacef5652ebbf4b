import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from earnest.cli import app


@pytest.fixture()
def run(tmp_path: Path):
    runner = CliRunner()
    env = {"EARNEST_HOME": str(tmp_path / "home")}

    def invoke(*args: str):
        return runner.invoke(app, list(args), env=env)
    return invoke


def test_ingest_ask_search_docs(run, sample_docs: Path, tmp_path: Path) -> None:
    result = run("ingest", str(sample_docs))
    assert result.exit_code == 0, result.output
    assert "2 ingested, 0 unchanged, 0 failed" in result.output

    result = run("ask", "Why did net sales decrease?", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["status"] == "answered"
    cite = data["citations"][0]
    assert set(cite) >= {"doc_name", "page", "quote", "speaker", "section"}
    assert set(data) >= {"answer", "status", "citations", "understanding", "timings_ms"}

    result = run("ask", "Why did net sales decrease?")
    assert result.exit_code == 0 and "ACME_2023Q3_10Q, p. 1" in result.output

    result = run("search", "backlog", "--json", "--k", "2")
    hits = json.loads(result.output)["passages"]
    assert len(hits) <= 2 and hits[0]["doc_name"] == "ACME_Q3_2023_call"

    result = run("search", "net sales", "--filter", "doc=ACME_2023Q3_10Q", "--mode", "keyword",
                 "--json")
    hits = json.loads(result.output)["passages"]
    assert hits and {p["doc_name"] for p in hits} == {"ACME_2023Q3_10Q"}
    assert run("search", "net sales", "--k", "0").exit_code != 0

    result = run("search", "pricing", "--filter", "role=analyst", "--json")
    assert {p["role"] for p in json.loads(result.output)["passages"]} == {"analyst"}

    listing = json.loads(run("docs", "list", "--json").output)
    assert {d["doc_name"] for d in listing["documents"]} == {"ACME_2023Q3_10Q",
                                                             "ACME_Q3_2023_call"}
    shown = json.loads(run("docs", "show", "ACME_2023Q3_10Q", "--json").output)
    assert shown["page_count"] == 2 and shown["status"] == "ready"
    assert run("docs", "remove", "ACME_2023Q3_10Q").exit_code == 0
    assert "ACME_2023Q3_10Q" not in run("docs", "list").output

    other = tmp_path / "other"
    result = run("ingest", str(sample_docs / "ACME_Q3_2023_call.txt"), "--library", str(other))
    assert result.exit_code == 0 and (other / "library.sqlite").exists()


def test_not_found_is_not_an_error(run, sample_docs: Path) -> None:
    run("ingest", str(sample_docs))
    result = run("ask", "Who won the 1998 football world cup?", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["status"] == "not_found"


def test_user_errors_exit_1_with_json(run, sample_docs: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"not a pdf at all, just text\n" * 4)
    result = run("ingest", str(tmp_path / "bad.pdf"), str(sample_docs))
    assert result.exit_code == 1
    assert "bad.pdf: not a PDF" in result.output and "2 ingested" in result.output

    result = run("docs", "show", "nope", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["code"] == "not_found"

    result = run("ask", "x", "--filter", "oops", "--json")
    assert result.exit_code == 1 and "KEY=VALUE" in json.loads(result.output)["error"]["message"]

    result = run("ingest", str(tmp_path / "nothing-here"))
    assert result.exit_code == 1
    (tmp_path / "empty-folder").mkdir()
    result = run("ingest", str(tmp_path / "empty-folder"), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["message"].startswith("no supported files")

    result = run("docs", "edit", "ACME_2023Q3_10Q", "--set", "fiscal_year=soon", "--json")
    assert result.exit_code == 1 and "whole number" in result.output
    result = run("docs", "edit", "ACME_2023Q3_10Q", "--set", "fiscal_year=FY2024",
                 "--set", "ticker=7203", "--json")
    assert json.loads(result.output)["metadata"]["fiscal_year"] == 2024
    assert run("ask", "net sales in 2024", "--json").exit_code == 0


def test_corrupt_library_is_a_user_error(run, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "library.sqlite").write_bytes(b"this is not a database" * 100)
    result = run("docs", "list", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["code"] == "corrupt_library"


def test_bad_config_is_a_user_error(run, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "earnest.toml").write_text("[retrieve]\nk = -1\n")
    result = run("docs", "list", "--json")
    assert result.exit_code == 1 and json.loads(result.output)["error"]["code"] == "bad_config"


def test_a_file_name_starting_with_a_dash_is_a_user_error(run, tmp_path: Path,
                                                          monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-dash.txt").write_text("Revenue was 5 dollars this year.\n")
    result = run("ingest", "--no-embed", "-dash.txt")
    assert result.exit_code == 2, result.output  # a usage error, as click says
    assert "./-dash.txt" in result.output  # the hint says how to name it
    result = run("ingest", "--no-embed", "--", "-dash.txt")
    assert result.exit_code == 0, result.output


def test_an_unreadable_file_fails_alone_and_the_batch_goes_on(run, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Revenue was 5 dollars this year.\n")
    long_name = tmp_path / ("n" * 300 + ".txt")  # stat() fails: ENAMETOOLONG
    result = run("ingest", "--no-embed", "--json", str(long_name), str(good))
    assert result.exit_code == 1, result.output
    files = json.loads(result.output)["files"]
    assert [f["status"] for f in files] == ["failed", "ingested"]
    assert files[0]["error_code"] == "bad_document" and "n" * 300 in files[0]["error"]


def test_text_that_is_not_utf8_is_ingested_with_a_note(run, tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Umsatz stieg um 5 % auf 10 Mio. € in Köln.\n".encode("cp1252"))
    result = run("ingest", "--no-embed", "--json", str(path))
    assert result.exit_code == 0, result.output
    note = json.loads(result.output)["files"][0]["note"]
    assert "not valid UTF-8" in note and "cp1252" in note


@pytest.mark.parametrize("name", ["..txt", "...txt", "a<b.txt", "a\rb.txt", "a\nb.txt",
                                  "a\x1bb.txt", "a\x7fb.txt", " .txt"])
def test_bad_document_names_are_refused(run, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / name
    path.write_text("Revenue was 5 dollars this year.\n")
    result = run("ingest", "--no-embed", "--json", str(path))
    assert result.exit_code == 1, result.output
    error = json.loads(result.output)["files"][0]
    assert error["error_code"] == "bad_name", error
    assert "rename" in error["error"] and repr(name)[1:-1] in error["error"]
    assert json.loads(run("docs", "list", "--json").output)["documents"] == []


def test_help_reads_plainly_and_lists_every_subcommand(run) -> None:
    for args in (["--help"], ["ask", "--help"], ["ingest", "--help"], ["docs", "--help"],
                 ["search", "--help"], ["eval", "financebench", "--help"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        for label in ("<bool>", "<str>", "<path>", "<int", "list[", "{question}", "{paths}"):
            assert label not in result.output, (args, label, result.output)
    assert "Usage: root ask [OPTIONS] QUESTION" in " ".join(run("ask", "--help").output.split())
    docs = run("docs", "--help").output
    for sub in ("list", "show", "edit", "refresh", "remove"):
        assert f" {sub} " in docs
    assert "~/.earnest-eval/NAME" in run("eval", "financebench", "--help").output


def test_exit_codes_follow_the_convention(run, tmp_path: Path) -> None:
    missing_argument = run("ask")
    assert missing_argument.exit_code == 2 and "Missing argument" in missing_argument.output
    assert run("search", "x", "--no-such-option").exit_code == 2
    (tmp_path / "home").mkdir()
    assert run("docs", "show", "nope").exit_code == 1  # the user's error, not a usage error


def test_read_only_commands_do_not_create_a_library(run, tmp_path: Path) -> None:
    for args in (["docs", "list"], ["ask", "What was revenue?"], ["search", "revenue"],
                 ["docs", "show", "x"]):
        result = run(*args, "--json")
        assert result.exit_code == 1, result.output
        error = json.loads(result.output)["error"]
        assert error["code"] == "not_found" and "no library at" in error["message"]
    assert not (tmp_path / "home").exists()


def test_an_empty_library_says_how_to_fill_it(run, tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    assert run("embed").exit_code == 0  # makes the (empty) library
    for args in (["search", "revenue"], ["docs", "list"], ["ask", "What was revenue?"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "holds no documents" in result.output and "earnest ingest" in result.output


def test_docs_list_shows_full_names(run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    long_names = ["BESTBUY_2023_10K_annual_report_full", "BESTBUY_2024Q2_10Q_quarterly_report"]
    for name in long_names:
        (folder / f"{name}.txt").write_text(f"Revenue in {name} was 5 dollars this year.\n")
    assert run("ingest", "--no-embed", str(folder)).exit_code == 0
    names = run("docs", "list", "--names")
    assert names.exit_code == 0 and names.output.split() == sorted(long_names)
    table = CliRunner().invoke(app, ["docs", "list"], env={
        "EARNEST_HOME": str(tmp_path / "home"), "COLUMNS": "80"}).output
    assert "…" not in table
    cells = "".join(line.split("│")[1].strip() for line in table.splitlines()
                    if line.count("│") > 2)
    for name in long_names:
        assert name in cells  # wrapped over lines, never cut
