"""The Grafana dashboard in deploy/ asks only for what /metrics exports: the app serves a
sample library with the real local LLM, answers real requests (upload, search, an extractive
and an LLM answer), and every metric and label named in every panel's query is in the scrape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from earnest import Earnest, Settings
from earnest.api import create_app
from earnest.samples import sample_dir

from .api_helpers import upload, wait_for_job

DASHBOARDS = Path(__file__).resolve().parents[1] / "deploy" / "grafana" / "dashboards"
QUESTION = "Why did revenue decline in the third quarter?"
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
             "unless", "offset", "bool", "inf", "nan"}


def promql_names(expr: str) -> tuple[set[str], set[str]]:
    """The metric names and the label names a PromQL expression refers to."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    labels: set[str] = set()
    for matcher in re.findall(r"\{([^}]*)\}", expr):
        labels |= set(re.findall(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)", matcher))
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    grouping = r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)"
    for group in re.findall(grouping, expr):
        labels |= set(re.findall(r"[A-Za-z_]\w*", group))
    expr = re.sub(grouping, " ", expr)
    names = {m.group(0) for m in re.finditer(r"(?<![\w.$])[A-Za-z_:][\w:]*", expr)
             if m.group(0).lower() not in _KEYWORDS
             and not re.match(r"\s*\(", expr[m.end():])}
    return names, labels


def test_promql_names_reads_metrics_and_labels() -> None:
    names, labels = promql_names(
        'histogram_quantile(0.95, sum by (le, http_route) (rate(x_bucket{code=~"5.."}'
        '[$__rate_interval]))) / max(y) - on (job) z offset 5m')
    assert names == {"x_bucket", "y", "z"}
    assert labels == {"le", "http_route", "code", "job"}


def _scrape(text: str) -> dict[str, set[str]]:
    """Each sample name in a scrape with the label names its samples carry."""
    from prometheus_client.parser import text_string_to_metric_families

    seen: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            seen.setdefault(sample.name, set()).update(sample.labels)
    return seen


@pytest.fixture(scope="module")
def scrape(tmp_path_factory, embedder, llama_server) -> dict[str, set[str]]:
    settings = Settings.load(tmp_path_factory.mktemp("dash") / "lib", env={},
                             llm__base_url=llama_server.base_url, llm__model="smollm2",
                             llm__max_tokens=30, llm__max_sources=1,
                             llm__timeout_s=600)
    service = Earnest(settings, embedder=embedder)
    with TestClient(create_app(service=service)) as client:
        job = upload(client, *[(p.name, p.read_bytes()) for p in sorted(sample_dir().iterdir())])
        assert wait_for_job(client, job.json()["id"])["counts"] == {"done": 2}
        assert client.post("/v1/search", json={"query": "revenue"}).status_code == 200
        assert client.post("/v1/ask", json={"question": QUESTION, "llm": False}).status_code == 200
        llm = client.post("/v1/ask", json={"question": QUESTION, "llm": True}).json()
        # SmolLM2's sentences rarely verify; its answer then shows the extractive one, but
        # the model was called and its usage counted.
        assert llm["usage"]["completion_tokens"] > 0 and "error" not in llm["usage"], llm
        return _scrape(client.get("/metrics").text)


def test_every_panel_names_only_exported_metrics_and_labels(scrape) -> None:
    dashboards = sorted(DASHBOARDS.glob("*.json"))
    assert dashboards
    checked = 0
    for path in dashboards:
        for panel in json.loads(path.read_text())["panels"]:
            assert panel["targets"], f"{path.name}: panel {panel['title']!r} has no query"
            for target in panel["targets"]:
                names, labels = promql_names(target["expr"])
                assert names, (path.name, panel["title"], target["expr"])
                missing = sorted(n for n in names if n not in scrape)
                assert not missing, f"{path.name}: {panel['title']!r} asks for {missing}"
                known = set().union(*(scrape[n] for n in names)) | {"le"}
                unknown = sorted(labels - known)
                assert not unknown, f"{path.name}: {panel['title']!r} uses labels {unknown}"
                checked += 1
    assert checked >= 10
