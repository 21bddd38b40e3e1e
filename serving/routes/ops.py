"""Open operational routes: ``/healthz`` (process up), ``/readyz`` (model loaded), ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from serving.deps import HolderDep, LogDep, MetricsDep, SettingsDep
from serving.readiness import readiness
from serving.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> HealthOut:
    """200 while the process answers."""
    return HealthOut(status="ok")


@router.get("/readyz", responses={503: {"model": ReadyOut, "description": "no model loaded"}})
def readyz(holder: HolderDep, settings: SettingsDep, log: LogDep,
           response: Response) -> ReadyOut:
    """200 once a model is loaded ("ready", or "degraded" with reasons: a failed reload, a
    vanished model store); 503 before. See ``serving.readiness``."""
    response.status_code, body = readiness(holder, settings, log)
    return body


@router.get("/metrics", response_class=Response)
def metrics(metrics: MetricsDep) -> Response:
    """Prometheus text format."""
    return Response(metrics.render(), media_type=metrics.content_type)
