"""`earnest doctor` and `earnest cost` over real libraries, the real local LLM server and an
endpoint where nothing listens."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from earnest import Earnest, Settings
from earnest.cli import app
from earnest.cost import Profile, cost_table
from earnest.settings import ModelPrice

from .conftest import copy_library
from .llm_server import free_port


def _cli(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(app, [*args, "--json"], env={"EARNEST_HOME": ""})
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def _checks(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


@pytest.fixture()
def built(tmp_path: Path, acme_library: Path) -> Path:
    """``sample_docs`` ingested: a copy of the session's library."""
    return copy_library(acme_library, tmp_path / "lib")


def _config(home: Path, base_url: str, model: str = "smollm2") -> Path:
    path = home / "earnest.toml"
    path.write_text(f'[llm]\nbase_url = "{base_url}"\nmodel = "{model}"\nmax_tokens = 60\n'
                    'timeout_s = 600\n', encoding="utf-8")
    return path


def test_doctor_passes_a_sound_library_with_a_live_llm(built, llama_server) -> None:
    _config(built, llama_server.base_url)  # a name the server does not list: a warning
    code, report = _cli("doctor", "--library", str(built))
    llm = _checks(report)["LLM endpoint"]
    assert code == 0 and llm["status"] == "warn" and "does not list 'smollm2'" in llm["detail"]
    served = httpx.get(f"{llama_server.base_url}/models", timeout=60).json()["data"][0]["id"]
    _config(built, llama_server.base_url, served)
    code, report = _cli("doctor", "--library", str(built))
    checks = _checks(report)
    assert code == 0 and report["ok"], report
    assert {c["status"] for c in report["checks"]} == {"ok"}, report
    assert "answers" in checks["LLM endpoint"]["detail"]
    assert "2 documents" in checks["library contents"]["detail"]
    assert "sqlite" in checks["versions"]["detail"]
    assert "384-d" in checks["embedding model"]["detail"]


def test_doctor_fails_an_endpoint_where_nothing_listens(built) -> None:
    _config(built, f"http://127.0.0.1:{free_port()}/v1")
    code, report = _cli("doctor", "--library", str(built))
    llm = _checks(report)["LLM endpoint"]
    assert code == 1 and not report["ok"]
    assert llm["status"] == "fail" and "does not answer" in llm["detail"]
    assert "start the model server" in llm["fix"]


def test_doctor_names_passages_without_vectors_and_broken_references(tmp_path, sample_docs,
                                                                     embedder) -> None:
    home = tmp_path / "lib"
    with Earnest(Settings.load(home, env={}), embedder=embedder) as lib:
        lib.ingest([sample_docs], embed=False)
    code, report = _cli("doctor", "--library", str(home))
    contents = _checks(report)["library contents"]
    assert code == 0 and contents["status"] == "warn" and contents["fix"] == "run `earnest embed`"
    conn = sqlite3.connect(home / "library.sqlite")
    conn.execute("insert into chunks (doc_id, ordinal, page_start, page_end, char_start, "
                 "char_end, text) values (999, 0, 1, 1, 0, 1, 'x')")  # foreign keys are off
    conn.commit()
    conn.close()
    code, report = _cli("doctor", "--library", str(home))
    integrity = _checks(report)["library integrity"]
    assert code == 1 and integrity["status"] == "fail"
    assert "missing documents" in integrity["detail"] and "passages without" in integrity["detail"]


def test_doctor_on_no_library_says_how_to_make_one(tmp_path) -> None:
    code, report = _cli("doctor", "--library", str(tmp_path / "none"))
    assert code == 1 and _checks(report)["library"]["fix"].startswith("run `earnest ingest")
    assert not (tmp_path / "none").exists()  # the doctor creates nothing


def test_cost_estimates_without_llm_answers_and_measures_with_them(built, embedder,
                                                                   llama_server) -> None:
    code, report = _cli("cost", "--library", str(built))
    assert code == 0 and report["profile"]["tokens_source"].startswith("estimated")
    names = [r["answerer"] for r in report["rows"]]
    assert names[:2] == ["extractive", "local llama.cpp (CPU)"]
    assert {"gpt-4o-mini", "gpt-4o"} <= set(names)
    settings = Settings.load(built, env={}, llm__base_url=llama_server.base_url,
                             llm__model="smollm2", llm__max_tokens=30, llm__max_sources=1,
                             llm__timeout_s=600)
    with Earnest(settings, embedder=embedder) as lib:
        answer = lib.ask("What was the backlog?", llm=True)
        assert answer.usage and answer.usage.error is None, answer.notes
        lib.ask("What were net sales in the third quarter?", llm=False)
    code, report = _cli("cost", "--library", str(built), "-q", "500")
    profile = report["profile"]
    assert code == 0 and profile["tokens_source"].startswith("measured: mean of 1 LLM")
    assert profile["prompt_tokens"] == answer.usage.prompt_tokens
    assert profile["completion_tokens"] == answer.usage.completion_tokens
    assert profile["extractive_s"] > 0 and profile["local_llm_s"] > 0
    local = report["rows"][1]
    seconds = profile["local_llm_s"] + profile["extractive_s"]
    assert local["seconds_per_question"] == pytest.approx(seconds)
    machines = max(1, math.ceil(500 * seconds / 86400 / 0.5))
    assert local["machines"] == {"500": machines}
    assert local["per_day"] == {"500": pytest.approx(machines * 24 * 0.08925, abs=0.01)}


def test_cost_table_arithmetic() -> None:
    p = Profile(prompt_tokens=1000, completion_tokens=100, tokens_source="t",
                extractive_s=0.2, local_llm_s=30.0)
    rows = cost_table(p, {"m": ModelPrice(input_per_mtok=2.0, output_per_mtok=10.0)},
                      volumes=(100, 10_000), machine_usd_hour=0.1)
    by = {r.answerer: r for r in rows}
    assert by["m"].usd_per_question_tokens == pytest.approx(0.003)
    assert by["m"].per_day[10_000] == pytest.approx(10_000 * 0.003 + 2.4)
    # 10,000 x 30.2 s = 3.5 machine-days, at most half busy: 7 machines.
    assert by["local llama.cpp (CPU)"].machines == {100: 1, 10_000: 7}
    assert by["local llama.cpp (CPU)"].per_day[10_000] == pytest.approx(7 * 2.4)
    assert by["extractive"].per_day == {100: 2.4, 10_000: 2.4}


def test_doctor_checks_a_postgresql_library(tmp_path, sample_docs, embedder, pg_url) -> None:
    home = tmp_path / "lib"
    with Earnest(Settings.load(home, env={}, store__url=pg_url), embedder=embedder) as lib:
        assert lib.ingest([sample_docs]).count("ingested") == 2
    (home / "earnest.toml").write_text(f'[store]\nurl = "{pg_url}"\n', encoding="utf-8")
    code, report = _cli("doctor", "--library", str(home))
    checks = _checks(report)
    assert code == 0 and report["ok"], report
    assert "pgvector" in checks["versions"]["detail"] and "postgresql" in checks["versions"][
        "detail"]
    assert checks["library integrity"]["status"] == "ok"
    assert "2 documents" in checks["library contents"]["detail"]
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:  # a passage whose document is gone
        conn.execute("alter table chunks disable trigger all")
        conn.execute("insert into chunks (doc_id, ordinal, page_start, page_end, char_start, "
                     "char_end, text, n_tokens) values (999, 0, 1, 1, 0, 1, 'x', 1)")
    code, report = _cli("doctor", "--library", str(home))
    integrity = _checks(report)["library integrity"]
    assert code == 1 and integrity["status"] == "fail"
    assert "1 passages without their document" in integrity["detail"]
