"""Evaluation runs as MLflow experiments (`earnest eval ... --mlflow DIR`), so tuning runs can
be compared side by side: the settings as parameters, every figure of the report as a metric,
the JSON and Markdown reports as artifacts.

The store is MLflow's SQLite backend in DIR (``DIR/mlflow.db``, artifacts in
``DIR/artifacts``): MLflow 3 has put its plain-folder store in maintenance mode and refuses it
by default. Browse with ``mlflow ui --backend-store-uri sqlite:///DIR/mlflow.db`` (the UI
needs the full mlflow package). The extra (``uv sync --extra mlflow``) is mlflow-skinny with
SQLAlchemy and Alembic, which its SQLite store needs: about 70 MB, against 620 MB for mlflow.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Iterator

from earnest import __version__
from earnest.errors import MissingDependency
from earnest.settings import Settings

_NAME = re.compile(r"[^0-9A-Za-z_\-. /]")
# Settings that are no knob of a run: where things are, credentials, the price table.
_NOT_PARAMS = ("library", "store.url", "llm.prices", "llm.api_key_env", "server.",
               "auth.", "embed.cache_path")


def flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``{"a": {"b": 1}}`` as ``("a.b", 1)``; lists are left whole."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from flatten(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip("."), data


def run_params(settings: Settings) -> dict[str, str]:
    return {name: str(value) for name, value in flatten(settings.model_dump(mode="json"))
            if not name.startswith(_NOT_PARAMS)}


def run_metrics(report: dict[str, Any]) -> dict[str, float]:
    """Every number of a report (not its per-question rows), under MLflow-safe names
    (``recall.@5`` becomes ``recall.at5``)."""
    out = {}
    for name, value in flatten({k: v for k, v in report.items() if k != "rows"}):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[_NAME.sub("_", name.replace("@", "at"))] = float(value)
    return out


def log_run(store: Path, report: dict[str, Any], settings: Settings,
            artifacts: list[Path]) -> str:
    """Log one evaluation run to the MLflow store in ``store``; its run id."""
    try:
        from mlflow import MlflowClient
        from mlflow.entities import Metric, Param
    except ImportError as exc:
        raise MissingDependency("--mlflow needs the mlflow package: uv sync --extra mlflow "
                                "(or pip install 'earnest[mlflow]')") from exc
    store = store.expanduser().resolve()
    store.mkdir(parents=True, exist_ok=True)
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiment = f"earnest-{report['name']}"
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(
        experiment, artifact_location=(store / "artifacts" / experiment).as_uri())
    run = client.create_run(experiment_id, run_name=report["name"], tags={
        "earnest.version": __version__, "earnest.split": str(report.get("split", "all")),
        "earnest.index_identity": settings.index_identity()})
    run_id = run.info.run_id
    try:
        params = [Param(k, v) for k, v in run_params(settings).items()]
        now = int(time.time() * 1000)
        metrics = [Metric(k, v, now, 0) for k, v in run_metrics(report).items()]
        for i in range(0, max(len(params), len(metrics)), 100):  # MLflow's batch limit
            client.log_batch(run_id, metrics=metrics[i:i + 100], params=params[i:i + 100])
        for path in artifacts:
            client.log_artifact(run_id, str(path))
    except Exception:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    return run_id


__all__ = ["flatten", "log_run", "run_metrics", "run_params"]
