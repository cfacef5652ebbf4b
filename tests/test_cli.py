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
