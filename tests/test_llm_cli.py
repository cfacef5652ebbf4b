"""`earnest ask --llm` streams a verified answer; `eval --llm` reports what the verifier did.
Against the real SmolLM2 server."""

import json
from pathlib import Path

from typer.testing import CliRunner

from earnest.cli import RETRACTED_LINE, app

from .llm_server import Reply, sse


def run(tmp_path: Path, *args: str, base_url: str | None = None):
    env = {"EARNEST_HOME": str(tmp_path / "home"), "EARNEST_LLM__MAX_TOKENS": "48",
           "EARNEST_LLM_MAX_SOURCES": "3", "EARNEST_LLM_MODEL": "smollm2"}
    if base_url:
        env["EARNEST_LLM_BASE_URL"] = base_url
    return CliRunner().invoke(app, list(args), env=env)


def test_ask_with_and_without_llm(tmp_path: Path, sample_docs: Path, llama_server) -> None:
    assert run(tmp_path, "ingest", str(sample_docs)).exit_code == 0
    url = llama_server.base_url
    result = run(tmp_path, "ask", "Why did net sales decrease?", base_url=url)
    assert result.exit_code == 0, result.output
    assert "answering with generative" in result.output
    assert "generated sentences" in result.output and "completion tokens" in result.output
    result = run(tmp_path, "ask", "Why did net sales decrease?", "--json", base_url=url)
    data = json.loads(result.output)  # one object, even when streamed underneath
    assert set(data) >= {"answer", "status", "citations", "usage", "verification"}
    assert data["usage"]["model"] and data["verification"]["mode"] == "flag"
    result = run(tmp_path, "ask", "Why did net sales decrease?", "--no-llm", "--json",
                 base_url=url)
    data = json.loads(result.output)
    assert data["answerer"] == "extractive" and "usage" not in data
    result = run(tmp_path, "ask", "Why did net sales decrease?", "--llm", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["code"] == "llm_not_configured"


def test_eval_in_generative_mode(tmp_path: Path, sample_docs: Path, llama_server) -> None:
    data = tmp_path / "bench"
    (data / "pdfs").mkdir(parents=True)
    for f in sample_docs.iterdir():
        (data / "pdfs" / f.name).write_bytes(f.read_bytes())
    questions = [
        {"financebench_id": "a", "question": "What were ACME's net sales in Q3 2023?",
         "doc_name": "ACME_2023Q3_10Q", "question_type": "metrics",
         "evidence": [{"evidence_page_num": 0}]},
        {"financebench_id": "b", "question": "How much did ACME pay in dividends?",
         "doc_name": "ACME_2023Q3_10Q", "question_type": "metrics",
         "evidence": [{"evidence_page_num": 1}]},
    ]
    (data / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in questions))
    result = run(tmp_path, "eval", "financebench", str(data), "--llm", "--json",
                 "--library", str(tmp_path / "evallib"), "--out", str(tmp_path / "out"),
                 base_url=llama_server.base_url)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    g = report["generative"]
    assert g["answers"] == 2 and g["llm_errors"] == 0
    assert g["unflagged_numbers_failing_strict_recheck"] == 0
    assert g["unflagged_numbers_rechecked"] >= 0
    assert g["sentences"] == g["verified"] + g["flagged"] + g["removed"]
    assert g["prompt_tokens"] > 0 and report["recall"]["@5"] == 1.0
    markdown = (tmp_path / "out" / "eval-financebench.md").read_text()
    assert "share of sentences verified" in markdown


def test_withdrawn_sentences_are_marked_on_stdout(tmp_path: Path, sample_docs: Path,
                                                  scripted_llm) -> None:
    """The stream breaks after a sentence was printed: a line on stdout says it is withdrawn
    before the extractive answer follows."""
    assert run(tmp_path, "ingest", str(sample_docs)).exit_code == 0
    first = "Net sales were $812.4 million in the third quarter [1]. Gross "
    body = sse([first]).split(b"data: {\"choices\": [{\"index\": 0, \"delta\": {}")[0]
    scripted_llm.replies = [Reply(body=body + b"data: {broken\n\n")]
    result = CliRunner().invoke(app, ["ask", "What were ACME's net sales in Q3 2023?"], env={
        "EARNEST_HOME": str(tmp_path / "home"), "EARNEST_LLM_BASE_URL": scripted_llm.base_url,
        "EARNEST_LLM_MODEL": "m", "EARNEST_LLM__MAX_RETRIES": "0",
        "EARNEST_LLM__MAX_SOURCES": "5"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = [i for i, line in enumerate(lines) if line.strip() == RETRACTED_LINE]
    assert len(at) == 1, result.stdout  # a line of its own
    assert "Net sales were $812.4 million" in "\n".join(lines[:at[0]])
    assert "[1]" in "\n".join(lines[at[0] + 1:])  # the extractive answer follows it
