"""Shared dependencies of the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from earnest.api.jobs import IngestJobs
from earnest.api.metrics import Metrics
from earnest.service import Earnest


def service(request: Request) -> Earnest:
    return request.app.state.service


def metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def jobs(request: Request) -> IngestJobs:
    return request.app.state.jobs


Service = Annotated[Earnest, Depends(service)]
MetricsDep = Annotated[Metrics, Depends(metrics)]
Jobs = Annotated[IngestJobs, Depends(jobs)]
