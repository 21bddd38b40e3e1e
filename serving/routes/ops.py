"""Open operational routes: ``/healthz`` (process up), ``/readyz`` (model loaded), ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from serving.deps import HolderDep, MetricsDep
from serving.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> HealthOut:
    """200 while the process answers."""
    return HealthOut(status="ok")


@router.get("/readyz", responses={503: {"model": ReadyOut, "description": "no model loaded"}})
def readyz(holder: HolderDep, response: Response) -> ReadyOut:
    """200 with the model version once a model is loaded; 503 before."""
    loaded = holder.current
    if loaded is None:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return ReadyOut(status="not ready", detail=holder.last_error or "no model loaded yet")
    return ReadyOut(status="ready", model_version=loaded.version)


@router.get("/metrics", response_class=Response)
def metrics(metrics: MetricsDep) -> Response:
    """Prometheus text format."""
    return Response(metrics.render(), media_type=metrics.content_type)
