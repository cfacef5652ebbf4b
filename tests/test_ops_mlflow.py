"""`earnest eval ... --mlflow DIR` logs a run to a real MLflow store: the settings as
parameters, the report's figures as metrics, the reports as artifacts.
The mlflow extra's packages are in the dev group, so this always runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from earnest import Earnest, Settings
from earnest.cli import app
from earnest.eval_tracking import run_metrics, run_params


@pytest.fixture()
def questions_library(tmp_path: Path, sample_docs: Path, embedder) -> tuple[Path, Path]:
    home = tmp_path / "lib"
    with Earnest(Settings.load(home, env={}), embedder=embedder) as lib:
        lib.ingest([sample_docs])
    file = tmp_path / "q.jsonl"
    file.write_text("\n".join(json.dumps(q) for q in [
        {"id": "a", "question": "What was ACME's backlog?", "type": "figure",
         "answerable": True, "doc_name": "ACME_Q3_2023_call",
         "gold_quotes": ["Our backlog reached $2.4 billion"]},
        {"id": "b", "question": "What did ACME say about tariffs in Brazil?",
         "type": "unanswerable", "reason": "never_discussed",
         "answerable": False}]) + "\n", encoding="utf-8")
    return home, file


def _eval(home: Path, file: Path, *extra: str):
    return CliRunner().invoke(app, ["eval", "questions", str(file), "--library", str(home),
                                    "--out", str(home.parent / "reports"), "--json",
                                    "--no-llm", *extra], env={"EARNEST_HOME": ""})


def test_params_and_metrics_are_flat_and_safe() -> None:
    params = run_params(Settings.load("/tmp/x", env={}, store__url="postgresql://u:pw@h/db"))
    assert params["retrieve.k"] == "5" and params["chunk.max_tokens"] == "240"
    assert not any(k.startswith(("library", "store.url", "llm.prices")) for k in params)
    assert "pw" not in json.dumps(params)
    metrics = run_metrics({"name": "x", "recall": {"@5": 0.5}, "by_type": {"why": {"n": 2}},
                           "rows": [{"hit": 1}], "ok": True, "note": "text"})
    assert metrics == {"recall.at5": 0.5, "by_type.why.n": 2.0}


def test_eval_logs_a_run_to_an_mlflow_store(questions_library, tmp_path) -> None:
    import mlflow

    home, file = questions_library
    store = tmp_path / "runs"
    result = _eval(home, file, "--mlflow", str(store))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{store.resolve() / 'mlflow.db'}")
    run = client.get_run(report["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["retrieve.k"] == "5"
    assert run.data.metrics["questions"] == report["questions"] >= 1
    assert run.data.metrics["recall.at5"] == report["recall"]["@5"]
    assert run.data.tags["earnest.version"]
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert any(n.endswith(".json") for n in names) and any(n.endswith(".md") for n in names)
    again = json.loads(_eval(home, file, "--mlflow", str(store)).stdout.strip().splitlines()[-1])
    (experiment,) = client.search_experiments(filter_string="name = 'earnest-questions'")
    runs = client.search_runs([experiment.experiment_id])
    assert {r.info.run_id for r in runs} == {report["mlflow_run_id"], again["mlflow_run_id"]}
