"""bench/compare_llamaindex.py runs end to end on two small filings made here (skipped when the
optional llamaindex group is not installed): both pipelines ingest, answer every question and
find the page that alone holds each question's words."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pdfs import make_pdf

ROOT = Path(__file__).resolve().parents[1]


def test_compare_on_two_small_filings(tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_index") is None:
        pytest.skip("the llamaindex group is not installed (uv sync --extra llamaindex)")
    data = tmp_path / "fb"
    (data / "pdfs").mkdir(parents=True)
    facts = {"ALPHA_2022_10K": ["Alpha's helium liquefaction plant in Wyoming",
                                "Alpha's copper mining royalties"],
             "BETA_2023_10K": ["Beta's submarine cable manufacturing backlog",
                               "Beta's orchard irrigation subsidies"]}
    questions = []
    for name, topics in facts.items():
        pages = [[f"{name.split('_')[0].title()} annual report, general section {n}.",
                  "The company discusses its operations in broad terms here."]
                 for n in range(4)]
        for page, topic in zip((1, 3), topics):
            pages[page] = [f"{topic} produced revenue of ${page * 13 + 7} million in the "
                           "fiscal year.", f"Management expects {topic} to grow next year."]
            questions.append({"financebench_id": f"{name}-{page}", "doc_name": name,
                              "question": f"How much revenue did {topic} produce?",
                              "evidence": [{"evidence_page_num": page}]})
        make_pdf(data / "pdfs" / f"{name}.pdf", pages)
    (data / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in questions))
    out = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "compare_llamaindex.py"),
                           "--data", str(data), "--limit", "2", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text())
    assert figures["files"] == 2 and figures["questions"] == 4 and figures["pages"] == 8
    for name in ("earnest", "llamaindex"):
        side = figures[name]
        assert side["ingest"]["chunks"] > 0 and side["ingest"]["wall_s"] >= 0
        assert side["query_ms"]["p95"] >= side["query_ms"]["p50"] > 0
        assert side["recall"]["@10"] == 1.0, (name, side)  # 8 pages: every page is in the 10
    assert figures["earnest"]["recall"]["@1"] == 1.0  # each question's words are on one page
    assert "LlamaIndex" in done.stdout and "Earnest" in done.stdout
